"""A programme of several audits in one store, for the programme report and a PAA's first area: audits of each
kind inside and outside the financial year 2026-27, returns on time, late and missing, grades, actions with
their updates, an impact review, the review findings register, and the sign-off that approved two of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from maa.outputs.store import Store
from maa.programme.records import Period
from maa.tracker.actions import record_updates
from maa.tracker.impact import IMPACT
from maa.tracker.register import refresh_register
from tests.helpers.definitions import AuditFolders
from tests.helpers.tracker_seed import ACTIONS_A, ACTIONS_B, REF_A, REF_B, copy_sample_register, seed_audit, tracker_on

YEAR = Period(date(2026, 4, 1), date(2027, 3, 31))
REF_EARLIER, REF_LATER = "MATA-2025-03", "MATA-2027-02"  # one before the year, one still running at its end
# (audit, agency) -> return status, and the grades each returned agency gave, by domain
RETURNS = {(REF_A, "CSC"): "accepted", (REF_A, "POL"): "accepted_late", (REF_A, "PROB"): "no_return",
           (REF_A, "ICB"): "accepted", (REF_B, "CSC"): "accepted", (REF_B, "POL"): "accepted",
           (REF_EARLIER, "CSC"): "accepted", (REF_EARLIER, "POL"): "no_return"}
GRADES = {(REF_A, "CSC"): {"Voice of the child": "Requires improvement", "Information sharing": "Good"},
          (REF_A, "POL"): {"Voice of the child": "Inadequate", "Information sharing": "Good"},
          (REF_A, "ICB"): {"Voice of the child": "Not involved", "Information sharing": "Outstanding"},
          (REF_B, "CSC"): {"Voice of the child": "Requires improvement", "Information sharing": "Good"},
          (REF_B, "POL"): {"Voice of the child": "Good", "Information sharing": "Inadequate"},
          (REF_EARLIER, "CSC"): {"Voice of the child": "Good", "Information sharing": "Requires improvement"}}
ACTIONS_EARLIER = [("E1", "CSC", date(2026, 1, 30), "RR-2024-11")]  # answers a finding, before the year
# (audit, action, status, day reported): the one reported after the year ends is not the year's
UPDATES = [(REF_A, "A2", "Complete", date(2027, 1, 10)), (REF_A, "A1", "Complete", date(2027, 5, 4)),
           (REF_B, "B1", "In progress", date(2027, 2, 1))]
IMPACT_REPORTS = {REF_A: date(2027, 1, 27), REF_EARLIER: date(2026, 3, 2)}  # the second is before the year


@dataclass(frozen=True)
class Programme:
    store: Store
    in_year: tuple[str, ...]  # the audits whose run overlaps YEAR
    actions: dict[str, list[tuple[str, str, date, str]]]  # audit -> its agreed actions


def seed_programme(folders: AuditFolders, store: Store) -> Programme:
    """Four audits: the sample MATA and a MACA, approved, in the year; one before it; one started in it."""
    seed_audit(folders, store, {}, ACTIONS_A)
    seed_audit(folders, store, {"ref": REF_B, "type": "MACA", "start": "2026-09-07", "theme": "Drift"}, ACTIONS_B)
    seed_audit(folders, store, {"ref": REF_EARLIER, "start": "2025-05-05"}, ACTIONS_EARLIER, approved=False)
    seed_audit(folders, store, {"ref": REF_LATER, "start": "2027-01-04", "theme": " neglect"}, [], approved=False)
    for (ref, code), status in RETURNS.items():
        findings = [_finding(domain, grade) for domain, grade in GRADES.get((ref, code), {}).items()]
        store.save_return(ref, code, status=status, version=1, findings=findings)
    for ref, action_id, status, day in UPDATES:
        record_updates(store, next(c for a, c, _, _ in ACTIONS_A + ACTIONS_B if a == action_id), f"{action_id}.xlsx",
                       f"sha-{action_id}-{day}", day, [{"audit_ref": ref, "action_id": action_id, "status": status,
                                                        "progress_note": "Progress reported", "row": 2}])
    for ref, day in IMPACT_REPORTS.items():
        store.record_event(ref, IMPACT, "reported", day.isoformat())
    copy_sample_register(folders)
    refresh_register(tracker_on(store, YEAR.last))
    return Programme(store, (REF_A, REF_B, REF_LATER),
                     {REF_A: ACTIONS_A, REF_B: ACTIONS_B, REF_EARLIER: ACTIONS_EARLIER})


def _finding(domain: str, grade: str) -> dict[str, Any]:
    return {"unit_ref": "C-01", "domain": domain, "grade": grade, "worked_well": "Shared plan",
            "worked_less_well": "", "learning": ""}


def returns_of(code: str, refs: tuple[str, ...]) -> dict[str, int]:
    """An agency's returns in `refs` by status, from RETURNS (an agency with no entry was never received)."""
    asked = [RETURNS.get((ref, code), "waiting") for ref in refs]
    return {status: asked.count(status) for status in ("accepted", "accepted_late", "no_return", "waiting")}
