"""The tracker's register of actions across audits: RAG, reminders once per action and stage, the review
findings register, and a dry run that sends, moves and records nothing."""

from __future__ import annotations

from datetime import date

import pytest

from maa.outputs.store import Store
from maa.pipeline import resources
from maa.tracker.actions import stored_register, update_count
from maa.tracker.impact import ask_for_progress
from maa.tracker.register import AMBER, GREEN, RED, Tracker, rag, refresh_register, remind_owners
from maa.tracker.report import publish_monthly_report
from maa.tracker.updates import receive_updates
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.tracker_seed import (
    IMPACT_DAY,
    REF_A,
    REF_B,
    copy_sample_register,
    drop_update,
    keys,
    tracker_on,
    update_workbook,
)


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
