"""Phase 2 one look at a time: real workbooks, a real SMTP server, the store on SQLite."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa.audit.clock import AuditClock
from maa.config import LONDON
from maa.intake.xlsx import MAX_ROWS
from maa.pipeline import resources
from maa.preparation import case_list
from maa.returns import at_deadline, receiving
from maa.returns.checks import check_return
from tests.helpers.case_lists import audit_with_cases
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.workbooks import ENCRYPTED, completed_return, with_macros, zip_bomb

REF = "MATA-2026-01"
CASES = ["C-01", "C-02"]
BEFORE_DEADLINE = datetime(2026, 7, 1, 12, 0, tzinfo=LONDON)   # the deadline is Monday 20 July 2026
REMINDER_DAY = datetime(2026, 7, 13, 9, 0, tzinfo=LONDON)
DEADLINE_EVENING = datetime(2026, 7, 20, 23, 30, tzinfo=LONDON)
IN_GRACE = datetime(2026, 7, 22, 10, 0, tzinfo=LONDON)          # 3 working days' grace: to Thursday 23 July
AFTER_GRACE = datetime(2026, 7, 24, 0, 5, tzinfo=LONDON)


@pytest.fixture
def audit(folders: AuditFolders, smtp_server: MailCatcher):
    """The sample audit with its two cases accepted, as after Phase 1."""
    accepted = audit_with_cases(folders, BEFORE_DEADLINE)
    smtp_server.messages.clear()
    return accepted


def drop(folders: AuditFolders, code: str, data: bytes) -> Path:
    path = folders.inbox(REF) / "returns" / f"{code}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_good_return_is_archived_loaded_and_acknowledged(audit, folders: AuditFolders, smtp_server: MailCatcher,
                                                           tmp_path: Path) -> None:
    definition, store, mailer = audit
    inbox_file = drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path, extra_sheet=True))

    state = receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE)

    assert state.status == "accepted" and not inbox_file.exists()
    assert (folders.data / "archive" / REF / "returns" / "POL.v1.xlsx").exists()
    findings = store.findings(REF)
    assert len(findings) == len(CASES) * 6
    assert {f["grade"] for f in findings} == {"Good", "Not involved"}, "grades are stored normalised"
    assert store.returns(REF)["POL"]["practitioner_email"] == "pat.practitioner@agency.example.org"
    (ack,) = smtp_server.messages
    assert ack["To"] == definition.agency("POL").coordinator.email
    assert ack["Subject"] == f"OFFICIAL [{REF}] Return accepted (version 1)"
    assert receiving.receive_return(definition, store, mailer, "POL", IN_GRACE).status == "accepted"
    assert len(smtp_server.messages) == 1


def _name_in(cell: str):
    return {"cells": {cell: f"{DISTINCTIVE_NAME} was seen alone at school."}}


REFUSALS = {
    "a child's name in a narrative cell": (_name_in("D5"),
        "sheet Findings, row 5, column worked_well, cell D5: names a nominated child"),
    "a system id in a narrative cell": ({"cells": {"F3": f"Record {DISTINCTIVE_SYSTEM_ID} was unclear"}},
        "sheet Findings, row 3, column learning, cell F3: names a nominated child"),
    "a formula": ({"cells": {"D4": "=HYPERLINK(\"http://example.org\")"}},
        "sheet Findings, row 4, cell D4: holds a formula"),
    "a grade off the scale": ({"cells": {"C6": "Excellent"}},
        "sheet Findings, row 6, column grade, cell C6: not a grade"),
    "no narrative": ({"cells": {"D7": None, "F7": None, "C7": "Good"}},
        "sheet Findings, row 7, column worked_well, cell D7: say what worked well"),
    "an unknown case": ({"cells": {"A8": "C-99"}}, "sheet Findings, row 8, column case_ref, cell A8: not one of"),
    "a row missing": ({"cells": {"A13": "C-01", "B13": "Information sharing"}},
        "sheet Findings: no row for case C-02, domain 'Impact and outcomes for the child'"),
    "the wrong audit": ({"overview": {"audit_ref": "MATA-2020-99"}},
        "sheet Overview, row 2, column audit_ref, cell B2: this workbook is not for audit MATA-2026-01"),
    "another agency's workbook": ({"overview": {"agency_code": "EDU"}},
        "sheet Overview, row 3, column agency_code, cell B3: this workbook is not POL's return"),
    "an old template": ({"overview": {"template_version": "2019.1"}},
        "column template_version, cell B9: made from an old template"),
    "a bad practitioner email": ({"overview": {"nominated_practitioner_email": "pat at police"}},
        "sheet Overview, row 7, column nominated_practitioner_email, cell B7: not a valid email address"),
    "too long": ({"cells": {"E5": "x" * 4001}}, "cell E5: longer than 4000 characters"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_return_is_kept_explained_and_a_corrected_one_accepted(
        case: str, audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store, mailer = audit
    changes, expected = REFUSALS[case]
    bad = completed_return(definition, "POL", CASES, tmp_path, **changes)
    drop(folders, "POL", bad)

    assert receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE).status == "waiting"

    kept = folders.data / "quarantine" / REF / "returns" / "POL.v1.xlsx"
    assert kept.read_bytes() == bad
    reasons = kept.with_name("POL.v1.xlsx.reasons.txt").read_text()
    assert expected in reasons
    (refusal,) = smtp_server.messages
    assert refusal["To"] == definition.agency("POL").coordinator.email
    assert expected in refusal.get_content()
    for text in (reasons, refusal.as_string()):
        assert DISTINCTIVE_NAME not in text and DISTINCTIVE_SYSTEM_ID not in text
    assert store.findings(REF) == []

    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    assert receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE).status == "accepted"
    assert (folders.data / "archive" / REF / "returns" / "POL.v2.xlsx").exists()


def _enormous(definition, tmp_path: Path) -> bytes:
    workbook = load_workbook(io.BytesIO(completed_return(definition, "POL", CASES, tmp_path)))
    for number in range(MAX_ROWS + 10):
        workbook["Findings"].append(["C-01", "Information sharing", "Good", f"note {number}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HOSTILE = {
    "not an xlsx": (lambda d, t: b"name,grade\nC-01,Good\n", "not an Excel workbook (.xlsx)"),
    "encrypted": (lambda d, t: ENCRYPTED, "the workbook is encrypted"),
    "macros": (lambda d, t: with_macros(completed_return(d, "POL", CASES, t)), "contains macros (.xlsm)"),
    "a zip bomb": (lambda d, t: zip_bomb(completed_return(d, "POL", CASES, t)), "expands to 200 MiB"),
    "an enormous sheet": (_enormous, f"sheet Findings: more than {MAX_ROWS} rows"),
    "empty": (lambda d, t: b"", "the file is empty"),
    "a damaged zip": (lambda d, t: completed_return(d, "POL", CASES, t)[:2000], "not an Excel workbook"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_broken_and_hostile_files_get_a_clear_reason(case: str, audit, tmp_path: Path) -> None:
    definition, _, _ = audit
    build, expected = HOSTILE[case]
    result = check_return(definition, build(definition, tmp_path), agency_code="POL", case_refs=CASES)
    assert not result.accepted
    assert any(expected in reason for reason in result.reasons()), result.reasons()


def test_a_concern_goes_to_the_business_unit_at_once_even_when_the_return_is_refused_and_only_once(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store, mailer = audit
    concern = ("C-02", "Bruising seen at the last home visit was not followed up.")
    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path, concerns=[concern],
                                          cells={"C6": "Excellent"}))
    receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE)

    (raised,) = smtp_server.to(definition.concerns_email)
    assert raised["Subject"] == f"OFFICIAL-SENSITIVE [{REF}] Safeguarding concern raised in POL's return (case C-02)"
    assert concern[1] in raised.get_content()

    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path, concerns=[concern]))
    assert receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE).status == "accepted"
    assert len(smtp_server.to(definition.concerns_email)) == 1, "the same concern is never raised twice"
    assert len(store.events(REF, "concern_raised")) == 1
    assert concern[1] not in str(store.events(REF)), "the store keeps that a concern was raised, not its text"


def test_reminder_a_week_before_then_late_within_grace_then_no_return_after_it(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store, mailer = audit

    assert receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE).wake_at == REMINDER_DAY
    for _ in range(2):
        receiving.receive_return(definition, store, mailer, "POL", REMINDER_DAY)
    (reminder,) = smtp_server.messages
    assert "Reminder" in reminder["Subject"] and reminder["To"] == definition.agency("POL").coordinator.email

    assert receiving.receive_return(definition, store, mailer, "POL", DEADLINE_EVENING).status == "waiting"
    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    assert receiving.receive_return(definition, store, mailer, "POL", IN_GRACE).status == "accepted_late"
    assert "addendum" in smtp_server.messages[-1].get_content()

    assert receiving.receive_return(definition, store, mailer, "EDU", AFTER_GRACE).status == "no_return"
    drop(folders, "ICB", completed_return(definition, "ICB", CASES, tmp_path))
    assert receiving.receive_return(definition, store, mailer, "ICB", AFTER_GRACE).status == "no_return"
    reasons = (folders.data / "quarantine" / REF / "returns" / "ICB.v1.xlsx.reasons.txt").read_text()
    assert "arrived after the deadline and the 3 working days' grace" in reasons


def test_a_reminder_sent_late_in_its_week_names_the_deadline_rather_than_a_week(
        audit, smtp_server: MailCatcher) -> None:
    """A look that first falls in the week before on the Friday still reminds, and says so truly."""
    definition, store, mailer = audit
    receiving.receive_return(definition, store, mailer, "POL", datetime(2026, 7, 17, 15, 0, tzinfo=LONDON))
    (reminder,) = smtp_server.messages
    assert reminder["Subject"] == (f"OFFICIAL [{REF}] Reminder: Police's return is due by the end of "
                                   "Monday 20 July 2026")


def test_a_wait_woken_late_reminds_while_the_deadline_holds_and_records_a_reminder_it_can_no_longer_send(
        audit, smtp_server: MailCatcher) -> None:
    """The machine was busy: POL's wait first wakes on the deadline's evening (reminded, once); EDU's only in
    the grace period, when "due by the end of Monday" would be false: not sent, and the record says why."""
    definition, store, mailer = audit
    for _ in range(2):
        receiving.receive_return(definition, store, mailer, "POL", DEADLINE_EVENING)
        receiving.receive_return(definition, store, mailer, "EDU", IN_GRACE)

    (reminder,) = smtp_server.messages
    assert reminder["To"] == definition.agency("POL").coordinator.email
    (missed,) = store.events(REF, "reminder_not_sent")
    assert missed["subject"] == "return_reminder-EDU"
    assert "could no longer say that Education's return is due by the end of Monday 20 July 2026" in missed["detail"]


def test_a_refusal_says_by_when_to_send_a_corrected_file_or_that_the_grace_period_is_over(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    """Refused for its content, a return may come again (by the deadline, or late within the grace period);
    refused for coming after the grace period, it may not, and the email never says otherwise."""
    definition, store, mailer = audit
    for code, now in (("POL", BEFORE_DEADLINE), ("EDU", IN_GRACE)):
        drop(folders, code, completed_return(definition, code, CASES, tmp_path, cells={"C6": "Excellent"}))
        receiving.receive_return(definition, store, mailer, code, now)
    drop(folders, "ICB", completed_return(definition, "ICB", CASES, tmp_path))
    receiving.receive_return(definition, store, mailer, "ICB", AFTER_GRACE)

    def body(code: str) -> str:
        (refusal,) = smtp_server.to(definition.agency(code).coordinator.email)
        return " ".join(refusal.get_content().split())

    before = body("POL")
    assert "send POL.xlsx again by the end of Monday 20 July 2026, the deadline" in before
    assert "still taken, as late, until the end of Thursday 23 July 2026" in before
    in_grace = body("EDU")
    assert "The deadline (Monday 20 July 2026) has passed" in in_grace
    assert "send EDU.xlsx again by the end of Thursday 23 July 2026" in in_grace
    too_late = body("ICB")
    assert "The grace period ended with Thursday 23 July 2026" in too_late
    assert "please do not send it again. The Business Unit has the file (kept as ICB.v1.xlsx)" in too_late
    for promise in ("send ICB.xlsx again", "still taken", "a late one"):
        assert promise not in too_late


def test_a_return_that_landed_in_time_is_on_time_however_late_the_pipeline_looks(
        audit, folders: AuditFolders, tmp_path: Path) -> None:
    """An outage over the deadline (Airflow down, a backlog) never makes an agency late: the file's own
    time in the inbox counts, turned into audit time by the run's clock."""
    definition, store, mailer = audit
    path = drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    landed = DEADLINE_EVENING.timestamp()
    os.utime(path, (landed, landed))
    assert receiving.receive_return(definition, store, mailer, "POL", AFTER_GRACE).status == "accepted"

    rehearsal = AuditClock(seconds_per_week=7, run_start=datetime.now(UTC) - timedelta(seconds=70),
                           origin=datetime(2026, 6, 1, 9, 0, tzinfo=LONDON))  # audit time now: 10 Aug 2026
    path = drop(folders, "EDU", completed_return(definition, "EDU", CASES, tmp_path))
    landed = (rehearsal.run_start + timedelta(seconds=47)).timestamp()  # 6 weeks and 5 days in: 17 July
    os.utime(path, (landed, landed))
    assert receiving.receive_return(definition, store, mailer, "EDU", rehearsal.now(), rehearsal).status == "accepted"


def test_an_extension_moves_that_agencys_deadline_only(audit, smtp_server: MailCatcher) -> None:
    definition, store, mailer = audit  # PROB is extended to Friday 24 July
    assert receiving.receive_return(definition, store, mailer, "PROB", AFTER_GRACE).status == "waiting"
    dates = receiving.ReturnDates.for_agency(definition, "PROB")
    assert dates.refused_after.date().isoformat() == "2026-07-30"


def test_the_business_unit_gets_the_status_at_the_deadline_and_qiip_the_no_returns_after_grace(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store, mailer = audit
    drop(folders, "CSC", completed_return(definition, "CSC", CASES, tmp_path))
    receiving.receive_return(definition, store, mailer, "CSC", BEFORE_DEADLINE)
    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path, cells={"C6": "Excellent"}))
    receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE)
    smtp_server.messages.clear()

    rows = at_deadline.escalate_at_deadline(definition, store, mailer)
    statuses = {r["agency"]: r["status"] for r in rows}
    assert statuses["CSC"] == "accepted" and statuses["POL"] == "refused, awaiting a corrected file"
    assert statuses["EDU"] == "awaiting"
    (summary,) = smtp_server.messages
    assert summary["To"] == definition.business_unit.email
    assert summary["Subject"] == f"OFFICIAL [{REF}] Escalation: 5 agency return(s) missing at the deadline"
    assert "- POL (Police): refused, awaiting a corrected file, version 1 refused" in summary.get_content()
    assert "- CSC (Children's Social Care): accepted, version 1 accepted, received 2026-07-01 12:00 BST" in (
        summary.get_content()), "when it arrived, in London time with its zone (the store keeps UTC)"

    for code in ("POL", "ICB", "GHC", "EDU"):
        receiving.receive_return(definition, store, mailer, code, AFTER_GRACE)
    assert at_deadline.report_no_returns(definition, store, mailer) == ["POL", "ICB", "GHC", "EDU"]
    told = sorted(m["To"] for m in smtp_server.messages if "No return from" in m["Subject"])
    assert told == sorted([*definition.qiip.emails, definition.business_unit.email])


def test_with_the_mail_server_down_the_acknowledgement_waits_for_the_retry(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    """The return is accepted and archived before the acknowledgement fails: the task's retry owes it."""
    definition, store, _ = audit
    spool = tmp_path / "spool" / "receive_return-1"
    drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    smtp_server.go_down()
    with pytest.raises(ConnectionRefusedError):
        receiving.receive_return(definition, store, resources.mailer(store, spool=spool), "POL", BEFORE_DEADLINE)
    assert store.returns(REF)["POL"]["status"] == "accepted", "nothing lost: the file is archived and loaded"

    smtp_server.come_back()
    retry = resources.mailer(store, spool=spool)  # what task_mailer does at the start of every try
    assert retry.deliver_spooled() == 1
    assert receiving.receive_return(definition, store, retry, "POL", BEFORE_DEADLINE).status == "accepted"
    (ack,) = smtp_server.messages
    assert ack["Subject"] == f"OFFICIAL [{REF}] Return accepted (version 1)"


def test_once_retention_purged_the_case_list_the_name_check_has_no_children_and_still_runs(audit) -> None:
    """The tracker reads owners' notes months after sign-off, when the archived case list is gone."""
    definition, store, _ = audit
    case_refs, children = case_list.audit_children(definition, store)
    assert case_refs == CASES and len(children) == 2
    case_list.accepted_nominations(store, REF).unlink()  # what maa_retention does
    assert case_list.audit_children(definition, store) == (CASES, [])


def test_a_return_that_landed_by_the_deadline_is_on_time_and_in_the_pack_however_late_it_is_taken(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    """The pipeline was held back past the deadline (no look at POL's inbox) while POL's file landed before it:
    the report waits for that file's outcome, and the file counts as on time."""
    from maa.meeting import practitioner_pack

    definition, store, mailer = audit
    landed = drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    on_time = DEADLINE_EVENING.timestamp()
    os.utime(landed, (on_time, on_time))

    assert receiving.landed_awaiting_outcome(definition, store, DEADLINE_EVENING) == ["POL"]
    later = datetime(2026, 7, 21, 9, 0, tzinfo=LONDON)  # the morning after the deadline, when the pipeline looks
    assert receiving.receive_return(definition, store, mailer, "POL", later).status is receiving.ReturnStatus.ACCEPTED
    assert receiving.landed_awaiting_outcome(definition, store, DEADLINE_EVENING) == []

    practitioner_pack.send_practitioner_pack(definition, store, mailer, later.date())
    assert [r.code for r in practitioner_pack.agency_returns(definition, store)] == ["POL"]
    assert at_deadline.return_status(definition, store)[1]["status"] == "accepted"


def test_a_file_landing_after_the_deadline_is_not_waited_for(audit, folders: AuditFolders, tmp_path: Path) -> None:
    definition, store, _ = audit
    landed = drop(folders, "POL", completed_return(definition, "POL", CASES, tmp_path))
    after = (DEADLINE_EVENING + timedelta(hours=1)).timestamp()
    os.utime(landed, (after, after))

    assert receiving.landed_awaiting_outcome(definition, store, DEADLINE_EVENING) == []
