"""Owners' update workbooks, good and broken, as the tracker checks and takes them from its inbox: every
mistake named by sheet, row, column and cell, and a child's name never repeated."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from maa.audit.definitions import load_definition
from maa.config import LONDON
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import case_list
from maa.preparation.nominations import Nominee
from maa.tracker.actions import tracked_actions, update_count
from maa.tracker.register import TRACKER_REF
from maa.tracker.updates import check_updates, receive_updates
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME, nominations_csv
from tests.helpers.outputs import message_text
from tests.helpers.tracker_seed import (
    IMPACT_DAY,
    REF_A,
    REF_B,
    drop_update,
    drop_update_as,
    tracker_on,
    update_workbook,
)


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
