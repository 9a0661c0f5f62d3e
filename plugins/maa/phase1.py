"""Phase 1, preparation: notice, the nominated cases, audit packs.

Plain functions over a definition, the store and the mailer, so that they can
be tested and rerun without Airflow; the operators in `maa.pipeline` call them.
Every step is idempotent: files are overwritten, rows upserted, and emails go
through the ledger, so a rerun sends nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from maa import inbox, reports, settings
from maa.definitions import AuditDefinition, AuditType
from maa.mailer import OFFICIAL, OFFICIAL_SENSITIVE, Email, Mailer
from maa.nominations import FILE_NAME, check_nominations, read_accepted
from maa.pseudonym import pseudonym_key
from maa.store import Store
from maa.timetable import at_send_time, roll_forward
from maa.workbook import write_return_template

log = logging.getLogger(__name__)


def _common(definition: AuditDefinition) -> dict:
    return {
        "audit": definition,
        "timetable": definition.timetable.dates,
        "units": definition.review_units,
    }


def prepare(definition: AuditDefinition, definition_file: str, store: Store) -> None:
    """Refuse to start without the pseudonym key; record the audit as it stands."""
    if definition.type is not AuditType.PAA:
        pseudonym_key()
    store.save_audit(definition, definition_file)
    store.record_event(definition.ref, "run_prepared", definition.ref)


def send_notice(definition: AuditDefinition, mailer: Mailer) -> int:
    sent = 0
    for agency in definition.agencies:
        body = reports.render("email/notice.txt", **_common(definition), agency=agency,
                              deadline=definition.submission_deadline_for(agency.code))
        sent += mailer.send(Email(
            ref=definition.ref, kind="notice", recipient=agency.coordinator.email,
            what=f"Notice of multi-agency audit: {definition.title}", body=body, marking=OFFICIAL,
            reply_to=definition.business_unit.email,
        ))
    return sent


# Nominations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NominationsState:
    accepted: bool
    inbox_file: str
    next_reminder_at: datetime | None


def notice_reminder_times(definition: AuditDefinition) -> tuple[datetime, datetime]:
    """Halfway through the notice period, and when it ends (09:00 London, working days)."""
    start, weeks = definition.timetable["notice_issued"], definition.timescale.notice
    halfway = roll_forward(start + timedelta(days=weeks * 7 // 2))
    ended = roll_forward(start + timedelta(weeks=weeks))
    return at_send_time(halfway), at_send_time(ended)


def accepted_nominations(store: Store, ref: str) -> Path | None:
    accepted = [f for f in store.inbox_files(ref, "nominations") if f["outcome"] == "accepted"]
    return Path(accepted[-1]["stored_as"]) if accepted else None


def receive_nominations(definition: AuditDefinition, store: Store, mailer: Mailer,
                        now: datetime) -> NominationsState:
    """One look at the inbox: accept or refuse a file there, remind or escalate when due."""
    path = inbox.inbox_path(definition.ref, FILE_NAME)
    if accepted_nominations(store, definition.ref) is None and inbox.is_settled(path):
        _process_nominations(definition, store, mailer, path)
    if accepted_nominations(store, definition.ref) is not None:
        return NominationsState(True, str(path), None)
    halfway, ended = notice_reminder_times(definition)
    if now >= halfway:
        _nominations_chase(definition, mailer, "nominations_reminder", "Reminder: case list not yet received")
    if now >= ended:
        _nominations_chase(definition, mailer, "nominations_escalation",
                           "Escalation: notice period ended without the case list", to_nominator=False)
    upcoming = [t for t in (halfway, ended) if t > now]
    return NominationsState(False, str(path), min(upcoming) if upcoming else None)


def _process_nominations(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> None:
    key = pseudonym_key()
    data = path.read_bytes()
    result = check_nominations(definition, data, key=key)
    ref = definition.ref
    if result.accepted:
        cases = [n.pseudonymised(key, definition.start) for n in result.nominees]
        filed = inbox.archive(ref, path, data, Path(FILE_NAME))
        store.save_cases(ref, cases)
        store.record_inbox_file(ref, "nominations", definition.nominating_agency, filed.version, "accepted",
                                str(filed.path), filed.sha256)
        store.record_event(ref, "nominations_accepted", f"v{filed.version}", f"{len(cases)} cases")
        log.info("Nominations version %s accepted: %s cases", filed.version, len(cases))
        return
    reasons = result.reasons()
    filed = inbox.quarantine(ref, path, data, Path(FILE_NAME), reasons)
    store.record_inbox_file(ref, "nominations", definition.nominating_agency, filed.version, "refused",
                            str(filed.path), filed.sha256, "\n".join(reasons))
    store.record_event(ref, "nominations_refused", f"v{filed.version}", "\n".join(reasons))
    log.warning("Nominations version %s refused: %s", filed.version, "; ".join(reasons))
    nominator = definition.agency(definition.nominating_agency)
    body = reports.render("email/nominations_refused.txt", **_common(definition), reasons=reasons,
                          version=filed.version, kept_as=filed.path.name)
    for recipient in dict.fromkeys([definition.business_unit.email, nominator.coordinator.email]):
        mailer.send(Email(ref=ref, kind="nominations_refused", recipient=recipient, version=filed.version,
                          what=f"Case list refused (version {filed.version})", body=body, marking=OFFICIAL))


def _nominations_chase(definition: AuditDefinition, mailer: Mailer, kind: str, what: str,
                       to_nominator: bool = True) -> None:
    nominator = definition.agency(definition.nominating_agency)
    halfway, ended = notice_reminder_times(definition)
    body = reports.render(f"email/{kind}.txt", **_common(definition), nominating=nominator,
                          notice_end=ended.date(), deadline=definition.timetable["submission_deadline"])
    recipients = [definition.business_unit.email] + ([nominator.coordinator.email] if to_nominator else [])
    for recipient in recipients:
        mailer.send(Email(ref=definition.ref, kind=kind, recipient=recipient, what=what, body=body,
                          marking=OFFICIAL))


# Audit packs ------------------------------------------------------------------------------

def pack_paths(definition: AuditDefinition, code: str) -> tuple[Path, Path]:
    folder = settings.audit_output(definition.ref)
    return folder / f"audit-pack-{code}.pdf", folder / f"return-template-{code}.xlsx"


def build_audit_packs(definition: AuditDefinition, store: Store, today: date, rehearsal: bool = False) -> list[str]:
    """Each agency's pack (PDF) and pre-filled return workbook; returns the agency codes."""
    nominees = []
    if definition.type is not AuditType.PAA:
        archived = accepted_nominations(store, definition.ref)
        if archived is None:
            raise RuntimeError(f"{definition.ref}: no accepted nominations in the store")
        nominees = read_accepted(archived)
    case_refs = [n.case_ref for n in nominees]
    for agency in definition.agencies:
        pdf, workbook = pack_paths(definition, agency.code)
        html = reports.render("reports/audit_pack.html", **_common(definition), agency=agency,
                              nominees=nominees, marking=OFFICIAL_SENSITIVE, generated_on=today, rehearsal=rehearsal,
                              deadline=definition.submission_deadline_for(agency.code))
        reports.html_to_pdf(html, pdf)
        write_return_template(definition, agency.code, case_refs, workbook)
    return [a.code for a in definition.agencies]


def send_audit_packs(definition: AuditDefinition, mailer: Mailer) -> int:
    sent = 0
    for agency in definition.agencies:
        pdf, workbook = pack_paths(definition, agency.code)
        body = reports.render("email/audit_pack.txt", **_common(definition), agency=agency,
                              deadline=definition.submission_deadline_for(agency.code))
        sent += mailer.send(Email(
            ref=definition.ref, kind="audit_pack", recipient=agency.coordinator.email,
            what=f"Audit pack and return workbook for {agency.name}", body=body,
            marking=OFFICIAL_SENSITIVE, attachments=(pdf, workbook), reply_to=definition.business_unit.email,
        ))
    return sent
