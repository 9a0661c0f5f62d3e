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

# The reports the dashboard links to: by case ref and age band only.
SHAREABLE_REPORTS = ("practitioner-pack.pdf", "practitioner-pack-addendum.pdf", "chair-briefing.pdf",
                     "audit-overview-report-draft.pdf", "audit-overview-report.pdf", "learning-briefing.pdf",
                     "impact-update-report.pdf")
# The timeline's bar spans the twelve-week timetable; the impact review, months later, is named beside it.
BAR_MILESTONES = MILESTONES[:-1]


@dataclass(frozen=True)
class Milestone:
    label: str
    due: date
    position: float  # per cent along the bar
    passed: bool


@dataclass(frozen=True)
class AuditSummary:
    ref: str
    type: str
    title: str
    theme: str
    status: str
    phase: str
    milestones: tuple[Milestone, ...]
    today_position: float | None  # None when today lies outside the bar
    impact_review_due: date
    returned: tuple[str, ...]
    awaiting: tuple[str, ...]
    refused_last: tuple[str, ...]  # awaiting, with a refused file: a corrected one is owed
    no_return: tuple[str, ...]  # closed after the deadline's grace with nothing accepted
    next_deadline: Milestone | None
    dag_id: str
    run_id: str | None
    reports: tuple[str, ...]
    rehearsal: bool = False  # the store's record is a rehearsal's: shown as such, with no deadline of its own


def packs_sent(store: Store, ref: str) -> bool:
    """The audit packs have gone (the ledger says so): Phase 1 is over and returns are awaited."""
    return any(e["kind"] == "audit_pack" and e["status"] == "sent" for e in store.emails(ref))


def phase_of(definition: AuditDefinition, today: date, *, packs_sent: bool, approved: bool) -> str:
    if definition.status is not Status.active:
        return definition.status.value.capitalize()
    dates = definition.timetable.dates
    if approved:
        return IMPACT if today >= dates["impact_review_due"] else SHARING
    if today < dates["notice_issued"]:
        return NOT_STARTED
    if today <= dates["submission_deadline"]:
        return AUDIT_COMPLETION if packs_sent else PREPARATION
    return FINDINGS if today <= dates["review_end"] else REPORT


def _position(day: date, first: date, last: date) -> float:
    return round(100 * (day - first).days / max((last - first).days, 1), 1)


def summarise(definition: AuditDefinition, store: Store, today: date, run_id: str | None = None) -> AuditSummary:
    """One audit's row; `run_id` is its latest DAG run (the API server asks Airflow for it)."""
    from maa.outputs.rehearsals import recorded_as
    from maa.signoff.decisions import approval

    dates = definition.timetable.dates
    first, last = dates[BAR_MILESTONES[0]], dates[BAR_MILESTONES[-1]]
    milestones = tuple(Milestone(MILESTONE_LABELS[name], dates[name], _position(dates[name], first, last),
                                 dates[name] < today) for name in MILESTONES)
    returns = store.returns(definition.ref)
    refused = {f["agency_code"] for f in store.inbox_files(definition.ref, "return") if f["outcome"] == "refused"}
    status = {a.code: returns.get(a.code, {}).get("status") for a in definition.agencies}
    returned = tuple(code for code, state in status.items() if state in ACCEPTED)
    no_return = tuple(code for code, state in status.items() if state == NO_RETURN)
    awaiting = tuple(code for code in status if code not in returned + no_return)
    approved = approval(store, definition.ref) is not None
    sent = packs_sent(store, definition.ref)
    folder = config.audit_output(definition.ref)
    rehearsal = recorded_as(store, definition.ref) is True
    return AuditSummary(
        ref=definition.ref, type=definition.type.value, title=definition.title, theme=definition.theme or "",
        status=definition.status.value,
        phase=phase_of(definition, today, packs_sent=sent, approved=approved),
        milestones=milestones,
        today_position=_position(today, first, last) if first <= today <= last else None,
        impact_review_due=dates["impact_review_due"],
        returned=returned, awaiting=awaiting,
        refused_last=tuple(code for code in awaiting if code in refused), no_return=no_return,
        next_deadline=next((m for m in milestones if m.due >= today), None)
        if definition.status is Status.active and not rehearsal else None,
        dag_id=definition.dag_id, run_id=run_id,
        reports=tuple(name for name in SHAREABLE_REPORTS if (folder / name).is_file()),
        rehearsal=rehearsal,
    )


def programme(definitions: list[AuditDefinition], store: Store, today: date,
              runs: dict[str, str] | None = None) -> list[AuditSummary]:
    """Every audit, the soonest next deadline first; finished and withdrawn ones last."""
    rows = [summarise(d, store, today, (runs or {}).get(d.dag_id)) for d in definitions]
    return sorted(rows, key=lambda r: (r.next_deadline is None or r.status != Status.active.value,
                                       r.next_deadline.due if r.next_deadline else date.max, r.ref))
