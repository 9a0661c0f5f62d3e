"""The programme dashboard: every audit on one page, from its definition and the audit store.

Nothing here names a child: returns are counted by agency, reports are linked only when PRODUCT.md
lets QiiP read them (never the audit packs, the one report that names children).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from maa import config
from maa.audit.definitions import AuditDefinition, Status
from maa.audit.timetable import MILESTONE_LABELS, MILESTONES
from maa.returns.receiving import ACCEPTED, NO_RETURN

if TYPE_CHECKING:
    from maa.outputs.store import Store

# The procedure's phases (seeds: "Phase 1 - Preparation" ... "Phase 5 - Showing impact").
NOT_STARTED = "Not started"
PREPARATION = "Phase 1: preparation"
AUDIT_COMPLETION = "Phase 2: agencies' audit"
FINDINGS = "Phase 3: findings meeting and review"
REPORT = "Phase 3: chair's report and sign-off"
SHARING = "Phase 4: sharing the learning, actions tracked"
IMPACT = "Phase 5: impact review"

# The reports the dashboard links to, by their titles: by case ref and age band only.
SHAREABLE_REPORTS = {
    "practitioner-pack.pdf": "Practitioner pack",
    "practitioner-pack-addendum.pdf": "Practitioner pack: addendum (returns accepted late)",
    "chair-briefing.pdf": "Chair's briefing",
    "audit-overview-report-draft.pdf": "Audit Overview Report: latest draft",
    "audit-overview-report.pdf": "Audit Overview Report (final)",
    "learning-briefing.pdf": "Learning briefing",
    "impact-update-report.pdf": "Impact update report",
}
DRAFT, FINAL = "audit-overview-report-draft.pdf", "audit-overview-report.pdf"
# The timeline runs over the twelve-week timetable; the impact review, months later, is named beside it.
BAR_MILESTONES = MILESTONES[:-1]


@dataclass(frozen=True)
class Milestone:
    label: str
    due: date
    passed: bool


@dataclass(frozen=True)
class Progress:
    """What the record says an audit has reached, beside what its timetable says."""

    packs_sent: bool
    returns_open: bool  # an agency's return is still being taken (neither accepted nor closed as none)
    briefing_sent: bool  # the chair has the briefing and writes the report
    approved: bool


@dataclass(frozen=True)
class AuditSummary:
    ref: str
    type: str
    title: str
    theme: str
    status: str
    phase: str
    milestones: tuple[Milestone, ...]  # the timeline's, in order; the impact review is not among them
    today_before: int | None  # today falls just before milestones[today_before]; None when outside them
    today_note: str  # where today lies, in words
    impact_review_due: date
    returned: tuple[str, ...]
    awaiting: tuple[str, ...]
    refused_last: tuple[str, ...]  # awaiting, with a refused file: a corrected one is owed
    no_return: tuple[str, ...]  # closed after the deadline's grace with nothing accepted
    next_deadline: Milestone | None
    dag_id: str
    run_id: str | None
    reports: tuple[tuple[str, str], ...]  # (file name, title)


def packs_sent(store: Store, ref: str) -> bool:
    """The audit packs have gone (the ledger says so): Phase 1 is over and returns are awaited."""
    return any(e["kind"] == "audit_pack" and e["status"] == "sent" for e in store.emails(ref))


def phase_of(definition: AuditDefinition, today: date, progress: Progress) -> str:
    """The phase the record shows: returns still being taken is Phase 2 whatever the date, and the
    chair's report begins when the chair has the briefing, not when the review period's date passes."""
    if definition.status is not Status.active:
        return definition.status.value.capitalize()
    if progress.approved:
        return IMPACT if today >= definition.timetable.dates["impact_review_due"] else SHARING
    if not progress.packs_sent:
        return NOT_STARTED if today < definition.timetable.dates["notice_issued"] else PREPARATION
    if progress.returns_open:
        return AUDIT_COMPLETION
    return REPORT if progress.briefing_sent else FINDINGS


def _span(days: int) -> str:
    if days % 7 == 0 or days > 20:
        weeks = round(days / 7)
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def where_today_is(milestones: tuple[Milestone, ...], today: date) -> tuple[int | None, str]:
    """Where today sits among the milestones, and the sentence saying so, also when it is outside them."""
    first, last = milestones[0], milestones[-1]
    if today < first.due:
        return None, f"Today is {_span((first.due - today).days)} before the notice is issued."
    if today > last.due:
        return None, f"Today is {_span((today - last.due).days)} after the sign-off was due."
    after = next(i for i, m in enumerate(milestones) if m.due >= today)
    if milestones[after].due == today:
        return after, f"Today is the day of “{milestones[after].label}”."
    return after, f"Today comes after “{milestones[after - 1].label}” and before “{milestones[after].label}”."


def reports_of(ref: str) -> tuple[tuple[str, str], ...]:
    """The shareable reports written so far, by title; the draft goes once the final report exists."""
    folder = config.audit_output(ref)
    written = [name for name in SHAREABLE_REPORTS if (folder / name).is_file()]
    if FINAL in written and DRAFT in written:
        written.remove(DRAFT)
    return tuple((name, SHAREABLE_REPORTS[name]) for name in written)


def summarise(definition: AuditDefinition, store: Store, today: date, run_id: str | None = None) -> AuditSummary:
    """One audit's row; `run_id` is its latest DAG run (the API server asks Airflow for it)."""
    from maa.signoff.decisions import approval

    dates = definition.timetable.dates
    milestones = tuple(Milestone(MILESTONE_LABELS[name], dates[name], dates[name] < today) for name in MILESTONES)
    bar = milestones[:len(BAR_MILESTONES)]
    returns = store.returns(definition.ref)
    refused = {f["agency_code"] for f in store.inbox_files(definition.ref, "return") if f["outcome"] == "refused"}
    status = {a.code: returns.get(a.code, {}).get("status") for a in definition.agencies}
    returned = tuple(code for code, state in status.items() if state in ACCEPTED)
    no_return = tuple(code for code, state in status.items() if state == NO_RETURN)
    awaiting = tuple(code for code in status if code not in returned + no_return)
    progress = Progress(packs_sent=packs_sent(store, definition.ref), returns_open=bool(awaiting),
                        briefing_sent=bool(store.events(definition.ref, "chair_briefing_sent")),
                        approved=approval(store, definition.ref) is not None)
    today_before, today_note = where_today_is(bar, today)
    return AuditSummary(
        ref=definition.ref, type=definition.type.value, title=definition.title, theme=definition.theme or "",
        status=definition.status.value,
        phase=phase_of(definition, today, progress),
        milestones=bar, today_before=today_before, today_note=today_note,
        impact_review_due=dates["impact_review_due"],
        returned=returned, awaiting=awaiting,
        refused_last=tuple(code for code in awaiting if code in refused), no_return=no_return,
        next_deadline=next((m for m in milestones if m.due >= today), None)
        if definition.status is Status.active else None,
        dag_id=definition.dag_id, run_id=run_id,
        reports=reports_of(definition.ref),
    )


def programme(definitions: list[AuditDefinition], store: Store, today: date,
              runs: dict[str, str] | None = None) -> list[AuditSummary]:
    """Every audit, the soonest next deadline first; finished and withdrawn ones last."""
    rows = [summarise(d, store, today, (runs or {}).get(d.dag_id)) for d in definitions]
    return sorted(rows, key=lambda r: (r.next_deadline is None or r.status != Status.active.value,
                                       r.next_deadline.due if r.next_deadline else date.max, r.ref))
