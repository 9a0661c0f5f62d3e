"""The chair's analysis workbook and narrative: received, checked like a return, archived or refused;
the chair reminded three working days before it is due and the Business Unit told when it is late.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from maa.audit.definitions import AuditDefinition
from maa.audit.timetable import at_send_time, end_of_day, working_days_before
from maa.intake import inbox
from maa.meeting.analysis import AnalysisResult, check_analysis
from maa.meeting.chair_briefing import send_to_chair
from maa.meeting.registers import load_review_findings
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.preparation.case_list import audit_children

log = logging.getLogger(__name__)



ANALYSIS = Path("chair") / "analysis.xlsx"


NARRATIVE = Path("chair") / "narrative.md"


@dataclass(frozen=True)
class AnalysisState:
    accepted_version: int | None
    inbox_file: str
    wake_at: datetime | None


def accepted_analyses(store: Store, ref: str) -> list[dict[str, Any]]:
    return [f for f in store.inbox_files(ref, "analysis") if f["outcome"] == "accepted"]


def read_accepted_analysis(definition: AuditDefinition, store: Store) -> tuple[AnalysisResult, int]:
    """The latest accepted analysis, read again from the archive (with its narrative, if one came)."""
    latest = accepted_analyses(store, definition.ref)[-1]
    archived = Path(latest["stored_as"])
    narrative_file = archived.with_name(f"narrative.v{latest['version']}.md")
    narrative = narrative_file.read_bytes() if narrative_file.exists() else None  # checked again as they came
    _, children = audit_children(definition, store)
    result = check_analysis(definition, archived.read_bytes(), narrative, load_review_findings(), children)
    return result, latest["version"]


def receive_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, now: datetime,
                     after_version: int = 0, chase: bool = True) -> AnalysisState:
    """One look at the chair's inbox: accept or refuse an analysis; remind and escalate when due."""
    path = inbox.inbox_path(definition.ref, *ANALYSIS.parts)
    accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if not accepted and inbox.is_settled(path):
        _process_analysis(definition, store, mailer, path)
        accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if accepted:
        return AnalysisState(accepted[-1], str(path), None)
    due = definition.timetable["chair_report_due"]
    reminder_at, late_at = at_send_time(working_days_before(due, 3)), end_of_day(due)
    if chase and now >= reminder_at:
        send_to_chair(definition, mailer, "analysis_reminder", "Reminder: the chair's analysis is due",
                      "email/analysis_reminder.txt", due=due)
    if chase and now >= late_at:
        body = rendering.render("email/analysis_late.txt", audit=definition, due=due)
        mailer.send(Email(ref=definition.ref, kind="analysis_late", recipient=definition.business_unit.email,
                          what="Escalation: the chair's analysis is late", body=body, marking=OFFICIAL))
    upcoming = [t for t in (reminder_at, late_at) if t > now] if chase else []
    return AnalysisState(None, str(path), min(upcoming) if upcoming else None)


def _process_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> None:
    ref = definition.ref
    data = path.read_bytes()
    narrative_path = inbox.inbox_path(ref, *NARRATIVE.parts)
    narrative_bytes = narrative_path.read_bytes() if narrative_path.exists() else None
    narrative = narrative_bytes.decode("utf-8", "replace") if narrative_bytes is not None else None
    _, children = audit_children(definition, store)
    result = check_analysis(definition, data, narrative, load_review_findings(), children)
    if result.accepted:
        filed = inbox.archive(ref, path, data, ANALYSIS)
        if narrative_bytes is not None:
            (filed.path.parent / f"narrative.v{filed.version}.md").write_bytes(narrative_bytes)
            narrative_path.unlink()
        store.record_inbox_file(ref, "analysis", None, filed.version, "accepted", str(filed.path), filed.sha256)
        store.record_event(ref, "analysis_accepted", f"v{filed.version}",
                           f"{len(result.themes)} themes, {len(result.actions)} actions")
        send_to_chair(definition, mailer, "analysis_accepted", f"Analysis accepted (version {filed.version})",
                      "email/analysis_accepted.txt", version=filed.version, result=result, version_number=filed.version)
        return
    reasons = result.reasons()
    filed = inbox.quarantine(ref, path, data, ANALYSIS, reasons)
    if narrative_bytes is not None:
        (filed.path.parent / f"narrative.v{filed.version}.md").write_bytes(narrative_bytes)
        narrative_path.unlink()
    store.record_inbox_file(ref, "analysis", None, filed.version, "refused", str(filed.path), filed.sha256,
                            "\n".join(reasons))
    store.record_event(ref, "analysis_refused", f"v{filed.version}", "\n".join(reasons))
    log.warning("%s: the chair's analysis version %s refused: %s", ref, filed.version, "; ".join(reasons))
    send_to_chair(definition, mailer, "analysis_refused", f"Analysis refused (version {filed.version})",
                  "email/analysis_refused.txt", version=filed.version, reasons=reasons, kept_as=filed.path.name)
