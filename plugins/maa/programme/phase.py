"""Where an audit stands in the procedure, from its record (the store) beside its timetable: the dashboard
shows it, and the programme report counts audits by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from maa.audit.definitions import AuditDefinition, Status
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

@dataclass(frozen=True)
class Progress:
    """What the record says an audit has reached, beside what its timetable says."""

    packs_sent: bool
    returns_open: bool  # an agency's return is still being taken (neither accepted nor closed as none)
    briefing_sent: bool  # the chair has the briefing and writes the report
    approved: bool


def return_states(definition: AuditDefinition, store: Store) -> dict[str, str | None]:
    """Each agency's return status in the store (None: nothing accepted or closed yet)."""
    returns = store.returns(definition.ref)
    return {a.code: returns.get(a.code, {}).get("status") for a in definition.agencies}


def progress_of(definition: AuditDefinition, store: Store, approved: bool) -> Progress:
    """What the store says the audit has reached; `approved` as the caller dates it (today, a period's end)."""
    open_returns = any(state not in (*ACCEPTED, NO_RETURN) for state in return_states(definition, store).values())
    return Progress(packs_sent=packs_sent(store, definition.ref), returns_open=open_returns,
                    briefing_sent=bool(store.events(definition.ref, "chair_briefing_sent")), approved=approved)


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
