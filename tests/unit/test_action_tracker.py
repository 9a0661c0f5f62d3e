"""The action tracker one step at a time: RAG, owners' update workbooks good and broken, reminders once per
action and stage, the monthly report, and Phase 5; real workbooks, the store on SQLite, a real SMTP server."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa.audit.definitions import load_definition
from maa.config import LONDON
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import case_list
from maa.preparation.nominations import Nominee
from maa.tracker.actions import stored_register, tracked_actions, update_count
from maa.tracker.impact import ask_for_progress, send_reports
from maa.tracker.register import AMBER, GREEN, RED, TRACKER_REF, Tracker, rag, refresh_register, remind_owners
from maa.tracker.report import publish_monthly_report
from maa.tracker.updates import check_updates, receive_updates
from tests.conftest import DISTINCTIVE_NAME, AuditFolders, MailCatcher, nominations_csv
from tests.outputs import attachments, message_text, pdf_text
from tests.tracker_seed import copy_sample_register, drop_update, drop_update_as, seed_audit, update_workbook
from tests.unit.test_cli import maa

REF_A, REF_B = "MATA-2026-01", "MACA-2026-09"
IMPACT_DAY = date(2027, 1, 27)  # MATA-2026-01's impact_review_due: 27 Jul 2026 + 6 months
ACTIONS_A = [("A1", "POL", date(2027, 2, 10), "SCR-2019-01"),
             ("A2", "CSC", date(2027, 1, 15), "RR-2023-04"),
             ("A3", "ICB", date(2027, 6, 30), ""),
             ("A4", "EDU", date(2027, 1, 20), "scr-2019-01;LCSPR-2022-01")]
ACTIONS_B = [("B1", "POL", date(2027, 2, 5), "RR-2023-04"),
             ("B2", "GHC", date(2026, 12, 1), "")]


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    seed_audit(folders, store, {}, ACTIONS_A)
    seed_audit(folders, store, {"ref": REF_B, "type": "MACA", "start": "2026-09-07"}, ACTIONS_B)
    copy_sample_register(folders)
    return store


def tracker_on(store: Store, today: date) -> Tracker:
    return Tracker.open(store, resources.mailer(store), today)


def keys(catcher: MailCatcher) -> list[str]:
    return [m["X-MAA-Key"] for m in catcher.messages]


# RAG -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "due", "expected"), [
    ("Complete", date(2027, 1, 1), GREEN),         # complete is green, even when late
    ("Not started", date(2027, 2, 11), GREEN),     # due in 15 days
    ("In progress", date(2027, 2, 10), AMBER),     # due in exactly 14 days
    ("Not started", date(2027, 1, 28), AMBER),     # due tomorrow
    ("In progress", IMPACT_DAY, AMBER),            # due today: on time until the day ends
    ("In progress", date(2027, 1, 26), RED),       # due yesterday
])
def test_rag_follows_the_product_rule(status: str, due: date, expected: str) -> None:
    assert rag(status, due, IMPACT_DAY) == expected


# Update workbooks ------------------------------------------------------------------------------

def test_a_good_update_workbook_is_accepted_with_statuses_normalised(store: Store) -> None:
    data = update_workbook([("mata-2026-01", "A1", "in PROGRESS", "Training booked for March."),
                            (REF_B, "B1", "Not started", None)])
    result = check_updates(data, "POL", tracked_actions(store))
    assert result.accepted, result.reasons()
    assert [(u["row"], u["audit_ref"], u["action_id"], u["status"]) for u in result.updates] == [
        (2, REF_A, "A1", "In progress"), (3, REF_B, "B1", "Not started")]


def test_every_mistake_in_an_update_workbook_is_named_by_sheet_row_and_column(store: Store) -> None:
    data = update_workbook([
        (REF_A, "A1", "Done", "Finished."),                  # row 2: not a status
        (REF_A, "A2", "Complete", "CSC's action."),          # row 3: owned by CSC, not POL
        ("MATA-1999-01", "A1", "Complete", "Old audit."),    # row 4: no such audit in the tracker
        (REF_A, "Z9", "In progress", "Typo."),               # row 5: no such action
        (REF_B, "B1", "In progress", None),                  # row 6: no note
        (REF_A, "A1", "Complete", "Again."),                 # row 7: A1 a second time
        (REF_B, None, "Complete", "x" * 2001),               # row 8: no action id; note too long
    ])
    result = check_updates(data, "POL", tracked_actions(store))
    assert not result.accepted
    located = {(p.row, p.column) for p in result.problems}
    assert located >= {(2, "status"), (3, "action_id"), (4, "audit_ref"), (5, "action_id"), (6, "progress_note"),
                       (7, "action_id"), (8, "action_id"), (8, "progress_note")}
    for reason in result.reasons():
        assert reason.startswith("sheet Updates, row "), reason
        assert ", column " in reason and ", cell " in reason, reason
    text = "\n".join(result.reasons())
    assert "row 2, column status, cell C2: not a status: use Not started, In progress, Complete" in text
    assert "row 3, column action_id, cell B3: this action is owned by another agency" in text
    assert "row 4, column audit_ref, cell A4: not an audit with actions in the tracker" in text
    assert "row 6, column progress_note, cell D6: say what has been done" in text
    assert "row 7, column action_id, cell B7: the same action appears on more than one row" in text
    assert "row 8, column progress_note, cell D8: longer than 2000 characters" in text
    assert len([p for p in result.problems if p.row == 3]) == 1, "one mistake, one reason"


@pytest.mark.parametrize(("data", "expected"), [
    (update_workbook([(REF_A, "A1", "Complete", "Done.")], sheet="Progress"), "the sheet 'Updates' is missing"),
    (update_workbook([(REF_A, "A1", "Complete")], header=("audit_ref", "action_id", "status")),
     "sheet Updates, row 1, column progress_note: column is missing"),
    (update_workbook([(REF_A, "A1", "Complete", "=HYPERLINK(\"http://x\")")]),
     "sheet Updates, row 2, cell D2: holds a formula; send plain values only"),
    (update_workbook([]), "sheet Updates: no updates"),
    (b"audit_ref,action_id\nMATA-2026-01,A1\n", "not an Excel workbook (.xlsx)"),
])
def test_an_update_file_that_cannot_be_taken_says_why(store: Store, data: bytes, expected: str) -> None:
    result = check_updates(data, "POL", tracked_actions(store))
    assert not result.accepted and result.updates == []
    assert any(expected in reason for reason in result.reasons()), result.reasons()


def test_a_note_naming_a_nominated_child_is_refused_without_repeating_the_name(store: Store) -> None:
    child = Nominee("C-01", "QZX-99887766", DISTINCTIVE_NAME, date(2016, 2, 29))
    data = update_workbook([(REF_A, "A1", "In progress", f"Spoke to {DISTINCTIVE_NAME.split()[0]}'s school.")])
    result = check_updates(data, "POL", tracked_actions(store), {REF_A: [child]})
    assert result.reasons() == ["sheet Updates, row 2, column progress_note, cell D2: names a nominated child: "
                                "refer to children by case ref only"]


def test_update_files_leave_the_inbox_and_every_update_is_its_own_record(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    tracker = tracker_on(store, IMPACT_DAY)
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "In progress", "Audit of attendance started.")]))
    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "Finished", "Done.")]))

    assert receive_updates(tracker) == {"accepted": ["EDU"], "refused": ["POL"]}

    inbox = folders.data / "inbox" / "tracker" / "updates"
    assert list(inbox.iterdir()) == []
    assert (folders.data / "archive" / "tracker" / "updates" / "EDU.v1.xlsx").exists()
    quarantined = folders.data / "quarantine" / "tracker" / "updates"
    assert (quarantined / "POL.v1.xlsx").exists()
    reasons = (quarantined / "POL.v1.xlsx.reasons.txt").read_text()
    assert "sheet Updates, row 2, column status, cell C2: not a status" in reasons
    (refusal,) = smtp_server.to("ben.okafor@police.example.org")
    assert "Action updates refused (version 1)" in refusal["Subject"]
    assert "row 2, column status" in refusal.get_body(("plain",)).get_content()
    (accepted,) = smtp_server.to("erin.walsh@edu.example.org")
    assert "A4: In progress" in accepted.get_body(("plain",)).get_content()

    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel in place.")]))
    receive_updates(tracker_on(store, date(2027, 2, 3)))
    assert (folders.data / "archive" / "tracker" / "updates" / "EDU.v2.xlsx").exists()
    (a4,) = [a for a in tracked_actions(store, REF_A) if a.action_id == "A4"]
    assert [(u.status, u.reported_on) for u in a4.history] == [("In progress", IMPACT_DAY),
                                                              ("Complete", date(2027, 2, 3))]
    assert a4.status == "Complete" and a4.agreed_status == "Not started"

    sent_before = len(smtp_server.messages)
    assert receive_updates(tracker_on(store, date(2027, 2, 3))) == {"accepted": [], "refused": []}
    assert update_count(store) == 2 and len(smtp_server.messages) == sent_before, "a rerun repeats nothing"

    definition_file = folders.audits / f"{REF_A}.yaml"  # Education's coordinator is replaced
    definition_file.write_text(definition_file.read_text().replace("erin.walsh@edu.example.org",
                                                                   "new.coordinator@edu.example.org"))
    receive_updates(tracker_on(store, date(2027, 2, 4)))
    assert smtp_server.to("new.coordinator@edu.example.org") == [], "the new coordinator gets no old files' news"


def test_an_update_file_not_named_for_an_agency_stays_and_its_name_goes_nowhere(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher, caplog: pytest.LogCaptureFixture) -> None:
    good = update_workbook([(REF_A, "A4", "In progress", "Audit of attendance started.")])
    for name in (f"{DISTINCTIVE_NAME}.xlsx", "XYZ.xlsx", f"{DISTINCTIVE_NAME} notes.docx"):
        drop_update_as(folders, name, good)

    with caplog.at_level("INFO"):
        assert receive_updates(tracker_on(store, IMPACT_DAY)) == {"accepted": [], "refused": []}

    left = sorted(p.name for p in (folders.data / "inbox" / "tracker" / "updates").iterdir())
    assert left == sorted([f"{DISTINCTIVE_NAME}.xlsx", "XYZ.xlsx", f"{DISTINCTIVE_NAME} notes.docx"]), "kept"
    assert "only <AGENCY>.xlsx files are taken" in caplog.text and DISTINCTIVE_NAME.upper() not in caplog.text
    assert DISTINCTIVE_NAME not in caplog.text and smtp_server.messages == []
    assert store.inbox_files("tracker", "action_update") == [] and store.events(TRACKER_REF) == []


def test_owners_are_reminded_once_per_action_and_stage(store: Store, smtp_server: MailCatcher) -> None:
    today = IMPACT_DAY
    first = remind_owners(tracker_on(store, today))
    assert sorted(first) == [f"{REF_B}/B1/due_soon", f"{REF_B}/B2/overdue",
                             f"{REF_A}/A1/due_soon", f"{REF_A}/A2/overdue", f"{REF_A}/A4/overdue"]
    assert remind_owners(tracker_on(store, today)) == []
    assert remind_owners(tracker_on(store, date(2027, 2, 1))) == [], "still due soon: reminded already"
    later = remind_owners(tracker_on(store, date(2027, 2, 11)))  # A1 and B1 now overdue
    assert sorted(later) == [f"{REF_B}/B1/overdue", f"{REF_A}/A1/overdue"]
    assert remind_owners(tracker_on(store, date(2027, 3, 1))) == []

    sent = keys(smtp_server)
    assert len(sent) == len(set(sent)) == 7
    (a2,) = [m for m in smtp_server.messages if "action_overdue-A2" in m["X-MAA-Key"]]
    assert a2["To"] == "amira.shah@csc.example.org"
    assert a2["Subject"] == f"OFFICIAL [{REF_A}] Action A2 is overdue (due 15 January 2027)"
    assert "was due on Friday 15 January 2027" in a2.get_body(("plain",)).get_content()


def test_an_action_reported_complete_is_not_chased(store: Store, folders: AuditFolders,
                                                   smtp_server: MailCatcher) -> None:
    drop_update(folders, "CSC", update_workbook([(REF_A, "A2", "Complete", "Done in January.")]))
    tracker = tracker_on(store, IMPACT_DAY)
    receive_updates(tracker)
    assert f"{REF_A}/A2/overdue" not in remind_owners(tracker)


# The monthly report ------------------------------------------------------------------------------

def test_the_monthly_report_shows_rag_by_audit_and_finding_and_is_formula_safe(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    seed_audit(folders, store, {"ref": "MATA-2026-05", "start": "2026-10-05"},
               [("=1+1", "POL", date(2027, 9, 1), "LCSPR-2024-02")])
    with store.engine.begin() as connection:  # an action whose text a spreadsheet would run
        connection.execute(store.table("actions").update().where(store.table("actions").c.action_id == "=1+1")
                           .values(action="=HYPERLINK(\"http://evil.example\",\"click\")"))
    tracker = tracker_on(store, IMPACT_DAY)
    refresh_register(tracker)

    summary = publish_monthly_report(tracker)

    pdf = folders.output / "tracker" / "action-tracker-2027-01-27.pdf"
    xlsx = folders.output / "tracker" / "action-tracker-2027-01-27.xlsx"
    assert summary["pdf"] == str(pdf) and (summary[RED], summary[AMBER], summary[GREEN]) == (3, 2, 2)
    text = pdf_text(pdf)
    assert "OFFICIAL" in text and "Action tracker report" in text and "Page 1 of" in text
    assert f"{REF_A}: Neglect" in text and f"{REF_B}: Neglect" in text
    assert "SCR-2019-01 (SCR): Neglect: cumulative harm in a large sibling group" in text
    overdue = text[text.index("Overdue actions"):text.index("Actions by audit")]
    assert all(f" {a} " in overdue for a in ("A2", "A4", "B2")) and " A1 " not in overdue
    unanswered = text[text.index("Review findings no action answers"):]
    assert "RR-2024-11" in unanswered and "RR-2025-07" in unanswered and "SCR-2019-01" not in unanswered

    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["About", "Actions", "By review finding", "Overdue", "Unanswered findings"]
    cells = [c.value for row in workbook["Actions"].iter_rows() for c in row]
    assert "'=1+1" in cells and "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells
    assert not any(c.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for c in row)
    assert {r[0].value for r in workbook["Unanswered findings"].iter_rows(min_row=2)} == {"RR-2024-11", "RR-2025-07"}
    by_finding = [(r[0].value, r[4].value) for r in workbook["By review finding"].iter_rows(min_row=2)]
    assert ("SCR-2019-01", "A4") in by_finding and ("LCSPR-2022-01", "A4") in by_finding

    assert sorted(m["To"] for m in smtp_server.messages) == ["qiip.chair@example.org", "qiip.deputy@example.org"]
    assert set(attachments(smtp_server.messages[0])) == {pdf.name, xlsx.name}
    assert publish_monthly_report(tracker_on(store, date(2027, 1, 28))) is None, "once a month"
    assert publish_monthly_report(tracker_on(store, date(2027, 2, 1))) is not None


def test_a_broken_register_is_not_loaded_and_the_business_unit_is_told(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    tracker = tracker_on(store, IMPACT_DAY)
    assert refresh_register(tracker)["findings"] == 6
    (folders.data / "registers" / "review_findings.csv").write_text("ref,review_type,title,finding\n"
                                                                    "SCR-1,Inquiry,Title,Finding\n")
    outcome = refresh_register(tracker)
    assert outcome["register"] == "refused" and outcome["findings"] == 6, "the last good register stays"
    (told,) = smtp_server.messages
    assert told["To"] == "business.unit@example.org"
    assert "row 2, column review_type: not a review type" in told.get_body(("plain",)).get_content()
    refresh_register(tracker)
    assert len(smtp_server.messages) == 1


# Phase 5 -----------------------------------------------------------------------------------------

def test_impact_review_asks_owners_reminds_once_and_reports_progress_against_what_was_agreed(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    assert ask_for_progress(tracker_on(store, date(2027, 1, 26))) == {}, "not yet due"
    asked = ask_for_progress(tracker_on(store, IMPACT_DAY))
    assert asked == {REF_A: ["requested CSC", "requested EDU", "requested ICB", "requested POL"]}
    request = next(m for m in smtp_server.to("ben.okafor@police.example.org"))
    workbook_bytes = attachments(request)["POL.xlsx"][1]
    result = check_updates(workbook_bytes, "POL", tracked_actions(store))
    assert result.accepted and [u["action_id"] for u in result.updates] == ["A1"], "the pre-filled workbook is valid"
    assert "by the end of Wednesday 17 February 2027" in request.get_body(("plain",)).get_content()

    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "In progress", "Neglect toolkit training: 40 staff "
                                                                            "trained; C-01's school now included.")]))
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    receive_updates(tracker_on(store, date(2027, 2, 3)))
    assert send_reports(tracker_on(store, date(2027, 2, 3))) == [], "CSC and ICB have three weeks"
    assert ask_for_progress(tracker_on(store, date(2027, 2, 9))) == {}
    assert ask_for_progress(tracker_on(store, date(2027, 2, 10))) == {REF_A: ["reminded CSC", "reminded ICB"]}
    assert ask_for_progress(tracker_on(store, date(2027, 2, 12))) == {}, "one reminder"
    assert send_reports(tracker_on(store, date(2027, 2, 17))) == [], "replies are on time all of the last day"

    assert send_reports(tracker_on(store, date(2027, 2, 18))) == [REF_A]
    assert send_reports(tracker_on(store, date(2027, 2, 19))) == []

    report = folders.output / REF_A / "impact-update-report.pdf"
    text = pdf_text(report)
    assert "OFFICIAL-SENSITIVE" in text and "Impact update report: Neglect" in text
    assert "Impact review due Wednesday 27 January 2027" in text
    assert "Not started → In progress" in text and "Not started → Complete" in text
    assert "Neglect toolkit training: 40 staff trained; C-01's school now included." in text
    assert "CSC no reply" in text and "EDU replied" in text and "POL replied" in text
    assert "A3" in text and "No update reported." in text
    assert DISTINCTIVE_NAME not in text
    to_qiip = [m for m in smtp_server.messages if "impact_update_report" in m["X-MAA-Key"]]
    assert sorted(m["To"] for m in to_qiip) == ["qiip.chair@example.org", "qiip.deputy@example.org"]
    assert to_qiip[0]["Subject"] == f"OFFICIAL-SENSITIVE [{REF_A}] Impact review: progress on the agreed actions"
    assert "No reply by Wednesday 17 February 2027 from: CSC, ICB." in to_qiip[0].get_body(("plain",)).get_content()
    sent = keys(smtp_server)
    assert len(sent) == len(set(sent))


def test_the_pre_filled_workbook_is_formula_safe(store: Store, folders: AuditFolders,
                                                 smtp_server: MailCatcher) -> None:
    with store.engine.begin() as connection:
        connection.execute(store.table("actions").update().where(store.table("actions").c.action_id == "A1")
                           .values(action="=cmd|' /C calc'!A0"))
    ask_for_progress(tracker_on(store, IMPACT_DAY))
    path = folders.output / REF_A / "impact-review" / "POL.xlsx"
    cell = load_workbook(path)["Updates"]["E2"]
    assert cell.value == "'=cmd|' /C calc'!A0" and cell.data_type == "s"
    (message,) = smtp_server.to("ben.okafor@police.example.org")
    assert path.name in attachments(message)


def test_a_dry_run_moves_and_records_nothing_so_the_real_run_still_does_it_all(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    copy_sample_register(folders)
    dry = Tracker.open(store, resources.mailer(store, dry_run=True), IMPACT_DAY)
    assert refresh_register(dry) == {"register": "would load", "findings": 6, "links": None}
    assert receive_updates(dry) == {"accepted": ["EDU"], "refused": []}
    assert remind_owners(dry) and ask_for_progress(dry) and publish_monthly_report(dry)
    assert smtp_server.messages == [] and update_count(store) == 0 and stored_register(store) == []
    assert (folders.data / "inbox" / "tracker" / "updates" / "EDU.xlsx").exists()
    assert any((folders.output / "outbox" / "dry-run").glob("*action_overdue-A2*.eml"))
    assert sorted(p.relative_to(folders.output).as_posix() for p in folders.output.rglob("*.*")
                  if "outbox" not in p.parts) == [
        f"dry-run/{REF_A}/impact-review/{code}.xlsx" for code in ("CSC", "EDU", "ICB", "POL")] + [
        f"dry-run/tracker/action-tracker-{IMPACT_DAY:%Y-%m-%d}.{kind}" for kind in ("pdf", "xlsx")], \
        "a dry run's files go under dry-run/, never over what people were sent"

    real = tracker_on(store, IMPACT_DAY)
    assert receive_updates(real) == {"accepted": ["EDU"], "refused": []}
    assert f"{REF_A}/A2/overdue" in remind_owners(real) and ask_for_progress(real) and publish_monthly_report(real)


def test_maa_validate_update_gives_the_tracker_s_own_reasons(folders: AuditFolders, tmp_path: Path) -> None:
    seed_audit(folders, resources.store(), {}, ACTIONS_A)  # the store the command opens: the default under MAA_DATA_DIR
    good = tmp_path / "POL.xlsx"
    good.write_bytes(update_workbook([(REF_A, "A1", "In progress", "Staff trained.")]))
    result = maa("validate-update", good)
    assert result.returncode == 0 and "accepted (POL, 1 updates)" in result.stdout
    draft = tmp_path / "police-draft.xlsx"
    draft.write_bytes(update_workbook([(REF_A, "A2", "Complete", "Done.")]))
    result = maa("validate-update", draft, "--agency", "pol")
    assert result.returncode == 1
    assert "sheet Updates, row 2, column action_id, cell B2: this action is owned by another agency" in result.stderr


@pytest.mark.postgres
def test_the_tracker_tables_work_on_postgresql(postgres_store: str, folders: AuditFolders,
                                               smtp_server: MailCatcher) -> None:
    store = Store(postgres_store)
    seed_audit(folders, store, {}, ACTIONS_A)
    copy_sample_register(folders)
    tracker = tracker_on(store, IMPACT_DAY)
    assert refresh_register(tracker) == {"register": "loaded", "findings": 6, "links": 4}
    assert refresh_register(tracker)["links"] == 4, "rebuilt whole: the same four links, none twice"
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    assert receive_updates(tracker)["accepted"] == ["EDU"]
    assert f"{REF_A}/A4/overdue" not in remind_owners(tracker)
    (a4,) = [a for a in tracked_actions(store, REF_A) if a.action_id == "A4"]
    assert a4.review_refs == ["LCSPR-2022-01", "SCR-2019-01"] and a4.status == "Complete"


def test_a_note_naming_an_audited_child_is_refused_and_the_name_goes_nowhere(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    definition = load_definition(folders.audits / f"{REF_A}.yaml")
    (folders.inbox(REF_A) / "nominations.csv").write_text(nominations_csv())
    assert case_list.receive_nominations(definition, store, resources.mailer(store),
                                      datetime(2026, 6, 2, 10, 0, tzinfo=LONDON), key=resources.pseudonym_key).accepted
    smtp_server.messages.clear()
    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "In progress", f"{DISTINCTIVE_NAME} seen weekly.")]))

    assert receive_updates(tracker_on(store, IMPACT_DAY)) == {"accepted": [], "refused": ["POL"]}

    reasons = (folders.data / "quarantine" / "tracker" / "updates" / "POL.v1.xlsx.reasons.txt").read_text()
    assert "row 2, column progress_note, cell D2: names a nominated child: refer to children by case ref" in reasons
    assert DISTINCTIVE_NAME not in reasons and DISTINCTIVE_NAME not in str(store.events(TRACKER_REF))
    assert smtp_server.messages and not any(DISTINCTIVE_NAME in message_text(m) for m in smtp_server.messages)
    assert update_count(store) == 0


def test_no_monthly_report_while_no_audit_has_actions(folders: AuditFolders, smtp_server: MailCatcher) -> None:
    store = Store(f"sqlite:///{folders.data / 'empty.sqlite'}")
    assert publish_monthly_report(tracker_on(store, IMPACT_DAY)) is None
    seed_audit(folders, store, {}, ACTIONS_A)
    assert publish_monthly_report(tracker_on(store, date(2027, 1, 28))) is not None, "the month's report, late"


# The DAG -----------------------------------------------------------------------------------------

def test_the_tracker_dag_runs_updates_before_anything_that_reads_them() -> None:
    from maa.pipeline.tracker_dag import build_tracker_dag

    dag = build_tracker_dag()
    upstream = {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}
    assert upstream == {
        "load_review_findings_register": [],
        "receive_action_updates": ["load_review_findings_register"],
        "remind_action_owners": ["receive_action_updates"],
        "ask_owners_for_impact_progress": ["receive_action_updates"],
        "send_impact_update_reports": ["ask_owners_for_impact_progress"],
        "send_monthly_tracker_report": ["receive_action_updates"],
    }
    assert {task.owner for task in dag.tasks} == {"qiip"} and all(task.retries >= 1 for task in dag.tasks)
    assert set(dag.params) == {"today", "dry_run"}
