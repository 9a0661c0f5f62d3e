"""Reminders that catch up: a wait that wakes late (the machine was busy, the scheduler was down) still sends
a reminder whose moment has passed while what it says is still true, once; one whose meaning has passed is not
sent, and the audit's record says so (an event `reminder_not_sent`), so nobody wonders where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from maa.outputs.store import Store

NOT_SENT_EVENT = "reminder_not_sent"


class Chase(StrEnum):
    NOT_YET = "not yet"  # its moment has not come
    SENT = "sent"  # sent now, or already by an earlier look (the mailer sends each once)
    PASSED = "passed"  # its moment came and went unsent: what it says is no longer true


@dataclass(frozen=True)
class Reminder:
    """One reminder email kind (as the mailer's ledger keys it), its moment, and the moment from which it
    would say something false, with why, in words for the record."""

    kind: str
    at: datetime
    until: datetime
    meaning: str  # e.g. "the return is due by the end of 12 March 2027"


def chase(store: Store, ref: str, reminder: Reminder, now: datetime, send: Callable[[], object]) -> Chase:
    """Send `reminder` if its moment has come and its meaning holds at `now`; record it if it never went."""
    if now < reminder.at:
        return Chase.NOT_YET
    if now < reminder.until:
        send()
        return Chase.SENT
    if any(email["kind"] == reminder.kind for email in store.emails(ref)):
        return Chase.SENT
    store.record_event(ref, NOT_SENT_EVENT, reminder.kind,
                       f"due {reminder.at.isoformat()}, first looked at {now.isoformat()}, when it could no longer "
                       f"say that {reminder.meaning} (true until {reminder.until.isoformat()})")
    return Chase.PASSED
