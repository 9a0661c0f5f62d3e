"""The chair's analysis workbook and narrative: received, checked like a return, archived or refused;
the chair reminded three working days before it is due and the Business Unit told when it is late.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from maa.audit.definitions import AuditDefinition
from maa.audit.timetable import at_send_time, end_of_day, working_days_before
from maa.intake import inbox
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.intake.xlsx import MAX_FILE_BYTES
from maa.meeting.analysis import AnalysisResult, check_analysis
from maa.meeting.chair_briefing import send_to_chair
from maa.meeting.registers import load_review_findings
from maa.outputs import reminders, rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.preparation.case_list import audit_children
from maa.preparation.nominations import Nominee

log = logging.getLogger(__name__)



ANALYSIS = Path("chair") / "analysis.xlsx"


NARRATIVE = Path("chair") / "narrative.md"
NARRATIVE_KEPT = "narrative.v{version}.md"  # beside the analysis workbook it came with, under the same version


@dataclass(frozen=True)
class AnalysisState:
    accepted_version: int | None
    inbox_file: str
    wake_at: datetime | None


def accepted_analyses(store: Store, ref: str) -> list[dict[str, Any]]:
    return [f for f in store.inbox_files(ref, "analysis") if f["outcome"] == "accepted"]


def read_accepted_analysis(definition: AuditDefinition, store: Store) -> tuple[AnalysisResult, int]:
    """The latest accepted analysis, read again from the archive (with its narrative, if one came): the
    same bytes, decoded the same strict way, as were checked when it arrived."""
    latest = accepted_analyses(store, definition.ref)[-1]
    archived = Path(latest["stored_as"])
    narrative_file = archived.with_name(NARRATIVE_KEPT.format(version=latest["version"]))
    narrative = narrative_file.read_bytes() if narrative_file.exists() else None
    _, children = audit_children(definition, store)
    return check_submission(definition, archived.read_bytes(), narrative, children), latest["version"]


def check_submission(definition: AuditDefinition, workbook: bytes, narrative: bytes | None,
                     children: list[Nominee]) -> AnalysisResult:
    """The workbook and the narrative's bytes (what is archived and rendered) through the checks."""
    return check_analysis(definition, workbook, narrative, load_review_findings(), children)


def receive_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, now: datetime,
                     after_version: int = 0, chase: bool = True,
                     inbox_root: InboxRoot | None = None) -> AnalysisState:
    """One look at the chair's inbox: accept or refuse an analysis; remind and escalate when due."""
    path = inbox.inbox_path(definition.ref, *ANALYSIS.parts, root=inbox_root)
    accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if not accepted and inbox.is_settled(path):
        _take_analysis(definition, store, mailer, path, inbox.inbox_path(definition.ref, *NARRATIVE.parts,
                                                                          root=inbox_root))
        accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if accepted:
        return AnalysisState(accepted[-1], str(path), None)
    due = definition.timetable["chair_report_due"]
    reminder_at, late_at = at_send_time(working_days_before(due, 3)), end_of_day(due)
    if chase:  # woken late, the reminder still goes while the analysis is not yet late
        reminders.chase(store, definition.ref, reminders.Reminder(
            "analysis_reminder", reminder_at, late_at, f"the analysis is due by the end of {rendering.long_date(due)}",
        ), now, lambda: send_to_chair(definition, mailer, "analysis_reminder", "Reminder: the chair's analysis is due",
                                      "email/analysis_reminder.txt", due=due))
    if chase and now >= late_at:
        body = rendering.render("email/analysis_late.txt", audit=definition, due=due)
        mailer.send(Email(ref=definition.ref, kind="analysis_late", recipient=definition.business_unit.email,
                          what="Escalation: the chair's analysis is late", body=body, marking=OFFICIAL))
    upcoming = [t for t in (reminder_at, late_at) if t > now] if chase else []
    return AnalysisState(None, str(path), min(upcoming) if upcoming else None)


def _take_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any,
                   narrative: Any) -> None:
    _, children = audit_children(definition, store)
    arrival = Arrival(definition.ref, InboxKind.ANALYSIS, None, path, ANALYSIS, "the analysis workbook",
                      MAX_FILE_BYTES, companions=((narrative, NARRATIVE_KEPT),))

    def check(data: bytes, companions: Mapping[str, bytes]) -> AnalysisResult:
        return check_submission(definition, data, companions.get(NARRATIVE_KEPT), children)

    def event(taken: Taken[AnalysisResult]) -> tuple[str, str, str]:
        result = taken.result
        detail = (f"{len(result.themes)} themes, {len(result.actions)} actions" if taken.accepted and result
                  else "\n".join(taken.reasons))
        return f"analysis_{taken.outcome}", f"v{taken.version}", detail

    def tell_sender(taken: Taken[AnalysisResult]) -> None:
        if taken.accepted:
            send_to_chair(definition, mailer, "analysis_accepted", f"Analysis accepted (version {taken.version})",
                          "email/analysis_accepted.txt", version=taken.version, result=taken.result,
                          version_number=taken.version)
        else:
            send_to_chair(definition, mailer, "analysis_refused", f"Analysis refused (version {taken.version})",
                          "email/analysis_refused.txt", version=taken.version, reasons=taken.reasons,
                          kept_as=taken.kept_as.name)

    take(arrival, check, store, event=event, tell_sender=tell_sender)
