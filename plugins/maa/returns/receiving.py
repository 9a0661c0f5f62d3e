"""One agency's return: each file received, checked, acknowledged or explained; the reminder a week
before the deadline; "no return" once the grace period is over.

A file is on time or late by when it landed. Concerns found in a return go to `concerns_to` at
once, even when the rest of the return is refused, and never twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from maa.audit.clock import AuditClock
from maa.audit.definitions import AuditDefinition
from maa.audit.timetable import at_send_time, end_of_day, roll_forward, working_days_after
from maa.intake import inbox
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.intake.xlsx import MAX_FILE_BYTES
from maa.outputs import reminders, rendering
from maa.outputs.mailer import OFFICIAL, OFFICIAL_SENSITIVE, Email, Mailer
from maa.outputs.store import Store
from maa.preparation.case_list import audit_children
from maa.returns.attendees import save_return_attendees
from maa.returns.checks import Concern, ReturnResult, check_return

log = logging.getLogger(__name__)


class ReturnStatus(StrEnum):
    """Where an agency's return stands (the store keeps the value)."""

    ACCEPTED = "accepted"
    ACCEPTED_LATE = "accepted_late"
    WAITING = "waiting"
    NO_RETURN = "no_return"


ACCEPTED = (ReturnStatus.ACCEPTED, ReturnStatus.ACCEPTED_LATE)
NO_RETURN = ReturnStatus.NO_RETURN
WALL_CLOCK = AuditClock()  # audit time is the wall clock outside rehearsals


@dataclass(frozen=True)
class ReturnDates:
    """When an agency is reminded, when its return is due, and when a late one is refused."""

    reminder_at: datetime
    due_by: datetime
    refused_after: datetime

    @classmethod
    def for_agency(cls, definition: AuditDefinition, code: str) -> ReturnDates:
        deadline = definition.submission_deadline_for(code)
        return cls(
            reminder_at=at_send_time(roll_forward(deadline - timedelta(weeks=1))),
            due_by=end_of_day(deadline),
            refused_after=end_of_day(working_days_after(deadline, definition.late_grace_days)),
        )

    @property
    def last_day_taken(self) -> date:
        """The grace period's last day: `refused_after` is the midnight that ends it."""
        return (self.refused_after - timedelta(days=1)).date()


@dataclass(frozen=True)
class ReturnState:
    status: ReturnStatus
    inbox_file: str
    wake_at: datetime | None


def return_path(definition: AuditDefinition, code: str, inbox_root: InboxRoot | None = None) -> Any:
    return inbox.inbox_path(definition.ref, "returns", f"{code}.xlsx", root=inbox_root)


def receive_return(definition: AuditDefinition, store: Store, mailer: Mailer, code: str, now: datetime,
                   audit_clock: AuditClock = WALL_CLOCK, inbox_root: InboxRoot | None = None) -> ReturnState:
    """One look at an agency's inbox: accept or refuse a file there; remind, or close as no return.

    A file is on time or late by when it landed in the inbox (`audit_clock` turns that into audit time),
    not by when the pipeline looked: an outage over the deadline never makes an agency late.
    """
    path = return_path(definition, code, inbox_root)
    dates = ReturnDates.for_agency(definition, code)
    status = store.returns(definition.ref).get(code, {}).get("status")
    if status not in (*ACCEPTED, NO_RETURN) and inbox.is_settled(path):
        _take_return(definition, store, mailer, code, path, now, audit_clock, dates)
        status = store.returns(definition.ref).get(code, {}).get("status")
    if status in (*ACCEPTED, NO_RETURN):
        return ReturnState(ReturnStatus(status), str(path), None)
    due = (f"{definition.agency(code).name}'s return is due by the end of "
           f"{rendering.long_date(definition.submission_deadline_for(code))}")
    reminders.chase(store, definition.ref, reminders.Reminder(f"return_reminder-{code}", dates.reminder_at,
                                                              dates.due_by, due), now,
                    lambda: _send_to_coordinator(definition, mailer, code, "return_reminder", f"Reminder: {due}",
                                                 "email/return_reminder.txt", dates=dates))
    if now >= dates.refused_after:
        store.save_return(definition.ref, code, status=NO_RETURN)
        store.record_event(definition.ref, NO_RETURN, code, f"nothing accepted by {dates.refused_after:%Y-%m-%d}")
        log.warning("%s: no return from %s", definition.ref, code)
        return ReturnState(NO_RETURN, str(path), None)
    upcoming = [t for t in (dates.reminder_at, dates.refused_after) if t > now]
    return ReturnState(ReturnStatus.WAITING, str(path), min(upcoming))


def landed_awaiting_outcome(definition: AuditDefinition, store: Store, by: datetime,
                            audit_clock: AuditClock = WALL_CLOCK, inbox_root: InboxRoot | None = None) -> list[str]:
    """Agencies with a return in the inbox that landed by `by` (audit time) and has no outcome yet: what a
    report built at a milestone must wait for, since it includes everything that landed before it."""
    returns = store.returns(definition.ref)
    waiting = []
    for agency in definition.agencies:
        if returns.get(agency.code, {}).get("status") in (*ACCEPTED, NO_RETURN):
            continue
        path = return_path(definition, agency.code, inbox_root)
        landed = inbox.landed_at(path) if path.exists() else None
        if landed is not None and audit_clock.from_wall_clock(landed) <= by:
            waiting.append(agency.code)
    return waiting


def _take_return(definition: AuditDefinition, store: Store, mailer: Mailer, code: str, path: Any, now: datetime,
                 audit_clock: AuditClock, dates: ReturnDates) -> None:
    landed = inbox.landed_at(path)
    arrived = now if landed is None else min(now, audit_clock.from_wall_clock(landed))
    status = ReturnStatus.ACCEPTED_LATE if arrived >= dates.due_by else ReturnStatus.ACCEPTED
    too_late = [] if arrived < dates.refused_after else [
        f"arrived after the deadline and the {definition.late_grace_days} working days' grace "
        f"(closed {dates.last_day_taken:%A %d %B %Y}); the Business Unit has it"]
    case_refs, children = audit_children(definition, store)
    arrival = Arrival(definition.ref, InboxKind.RETURN, code, path, Path("returns") / f"{code}.xlsx",
                      "an agency return workbook", MAX_FILE_BYTES)

    def check(data: bytes, _: object) -> ReturnResult:
        return check_return(definition, data, agency_code=code, case_refs=case_refs, children=children)

    def record(taken: Taken[ReturnResult]) -> None:
        result = taken.result
        assert result is not None
        overview = result.overview
        store.save_return(definition.ref, code, status=status, version=taken.version,
                          completed_by=overview.get("completed_by"), summary=overview.get("summary"),
                          practitioner=(overview.get("nominated_practitioner", ""),
                                        overview.get("nominated_practitioner_email", "")),
                          findings=result.findings, received_at=arrived)
        save_return_attendees(store, definition.ref, code, result.attendees)

    def event(taken: Taken[ReturnResult]) -> tuple[str, str, str]:
        if taken.accepted and taken.result is not None:
            return f"return_{status}", f"{code}/v{taken.version}", f"{len(taken.result.findings)} findings"
        return "return_refused", f"{code}/v{taken.version}", "\n".join(taken.reasons)

    def tell_sender(taken: Taken[ReturnResult]) -> None:
        if taken.result is not None:  # concerns go on at once, even when the rest of the return is refused
            raise_concerns(definition, store, mailer, code, taken.result.concerns)
        if taken.accepted:
            _send_to_coordinator(definition, mailer, code, "return_accepted",
                                 f"Return accepted (version {taken.version})", "email/return_accepted.txt",
                                 version=taken.version, result=taken.result,
                                 late=status is ReturnStatus.ACCEPTED_LATE)
        else:
            _send_to_coordinator(definition, mailer, code, "return_refused",
                                 f"Return refused (version {taken.version})", "email/return_refused.txt",
                                 version=taken.version, reasons=taken.reasons, kept_as=taken.kept_as.name,
                                 dates=dates, late=status is ReturnStatus.ACCEPTED_LATE, too_late=bool(too_late))

    take(arrival, check, store, refused_before_check=too_late, record=record, event=event,
         tell_sender=tell_sender)


def _send_to_coordinator(definition: AuditDefinition, mailer: Mailer, code: str, kind: str, what: str,
                         template: str, version: int = 1, **context: Any) -> None:
    agency = definition.agency(code)
    body = rendering.render(template, audit=definition, agency=agency, version=version, **context)
    mailer.send(Email(ref=definition.ref, kind=f"{kind}-{code}", recipient=agency.coordinator.email, what=what,
                      body=body, marking=OFFICIAL, version=version, reply_to=definition.business_unit.email))


def raise_concerns(definition: AuditDefinition, store: Store, mailer: Mailer, code: str,
                   concerns: list[Concern]) -> int:
    """Each concern to `concerns_to` at once, once: keyed by its content, so a resubmission repeats nothing."""
    raised = 0
    for concern in concerns:
        fingerprint = hashlib.sha256(f"{code}\x1f{concern.case_ref}\x1f{concern.text}".encode()).hexdigest()[:16]
        body = rendering.render("email/concern.txt", audit=definition, agency=definition.agency(code), concern=concern)
        sent = mailer.send(Email(
            ref=definition.ref, kind=f"concern-{code}-{fingerprint}", recipient=definition.concerns_email,
            what=f"Safeguarding concern raised in {code}'s return (case {concern.case_ref or 'not given'})",
            body=body, marking=OFFICIAL_SENSITIVE,
        ))
        if sent:
            store.record_event(definition.ref, "concern_raised", f"{code}/{fingerprint}",
                               f"case {concern.case_ref or 'not given'}")
            raised += 1
    return raised
