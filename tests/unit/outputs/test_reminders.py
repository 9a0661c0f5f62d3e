"""A reminder found due late still goes, once, while what it says is true; after that it is not sent and the
record says so, once; a reminder sent in time is never recorded as missed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from maa.config import LONDON
from maa.outputs.mailer import Email
from maa.outputs.reminders import NOT_SENT_EVENT, Chase, Reminder, chase
from maa.outputs.store import Store
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders

REF = "MATA-2026-01"
AT = datetime(2026, 7, 13, 9, 0, tzinfo=LONDON)
REMINDER = Reminder("return_reminder-POL", AT, AT + timedelta(days=7, hours=15),
                    "Police's return is due by the end of Monday 20 July 2026")


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    return Store(f"sqlite:///{folders.data / 'store.sqlite'}")


def look(store: Store, now: datetime) -> Chase:
    """One look, sending through the real mailer (to the outbox); the mailer sends each message once."""
    email = Email(ref=REF, kind=REMINDER.kind, recipient="ben.okafor@police.example.org",
                  what="Reminder: Police's return is due", body="Please send it.")
    return chase(store, REF, REMINDER, now, lambda: resources.mailer(store).send(email))


def sent(store: Store) -> int:
    return len([e for e in store.emails(REF) if e["kind"] == REMINDER.kind and e["status"] == "sent"])


def test_before_its_moment_nothing(store: Store) -> None:
    assert look(store, AT - timedelta(minutes=1)) is Chase.NOT_YET
    assert sent(store) == 0 and store.events(REF) == []


def test_a_late_look_while_it_still_holds_sends_it_once(store: Store) -> None:
    late = AT + timedelta(days=6)  # the machine was busy all week; the deadline is the next day

    assert [look(store, late), look(store, late + timedelta(hours=1))] == [Chase.SENT, Chase.SENT]
    assert sent(store) == 1 and store.events(REF, NOT_SENT_EVENT) == []


def test_a_look_after_its_meaning_passed_sends_nothing_and_records_why_once(store: Store) -> None:
    after = REMINDER.until + timedelta(minutes=5)

    assert [look(store, after), look(store, after + timedelta(days=1))] == [Chase.PASSED, Chase.PASSED]

    assert sent(store) == 0
    (missed,) = store.events(REF, NOT_SENT_EVENT)
    assert missed["subject"] == REMINDER.kind
    assert f"first looked at {after.isoformat()}" in missed["detail"]
    assert "could no longer say that Police's return is due by the end of Monday 20 July 2026" in missed["detail"]


def test_one_sent_in_time_is_not_recorded_as_missed_by_a_later_look(store: Store) -> None:
    look(store, AT)

    assert look(store, REMINDER.until + timedelta(days=1)) is Chase.SENT
    assert sent(store) == 1 and store.events(REF, NOT_SENT_EVENT) == []
