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
from maa.programme.phase import phase_of, progress_of, return_states
from maa.returns.receiving import ACCEPTED, NO_RETURN

if TYPE_CHECKING:
    from maa.outputs.store import Store

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
    rehearsal: bool = False  # the store's record is a rehearsal's: shown as such, with no deadline of its own


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
    from maa.outputs.rehearsals import recorded_as
    from maa.signoff.decisions import approval

    dates = definition.timetable.dates
    milestones = tuple(Milestone(MILESTONE_LABELS[name], dates[name], dates[name] < today) for name in MILESTONES)
    bar = milestones[:len(BAR_MILESTONES)]
    refused = {f["agency_code"] for f in store.inbox_files(definition.ref, "return") if f["outcome"] == "refused"}
    status = return_states(definition, store)
    returned = tuple(code for code, state in status.items() if state in ACCEPTED)
    no_return = tuple(code for code, state in status.items() if state == NO_RETURN)
    awaiting = tuple(code for code in status if code not in returned + no_return)
    progress = progress_of(definition, store, approved=approval(store, definition.ref) is not None)
    today_before, today_note = where_today_is(bar, today)
    rehearsal = recorded_as(store, definition.ref) is True
    return AuditSummary(
        ref=definition.ref, type=definition.type.value, title=definition.title, theme=definition.theme or "",
        status=definition.status.value,
        phase=phase_of(definition, today, progress),
        milestones=bar, today_before=today_before, today_note=today_note,
        impact_review_due=dates["impact_review_due"],
        returned=returned, awaiting=awaiting,
        refused_last=tuple(code for code in awaiting if code in refused), no_return=no_return,
        next_deadline=next((m for m in milestones if m.due >= today), None)
        if definition.status is Status.active and not rehearsal else None,
        dag_id=definition.dag_id, run_id=run_id,
        reports=reports_of(definition.ref),
        rehearsal=rehearsal,
    )


def programme(definitions: list[AuditDefinition], store: Store, today: date,
              runs: dict[str, str] | None = None) -> list[AuditSummary]:
    """Every audit, the soonest next deadline first; finished and withdrawn ones last."""
    rows = [summarise(d, store, today, (runs or {}).get(d.dag_id)) for d in definitions]
    return sorted(rows, key=lambda r: (r.next_deadline is None or r.status != Status.active.value,
                                       r.next_deadline.due if r.next_deadline else date.max, r.ref))
