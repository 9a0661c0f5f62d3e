"""Who attended the findings meeting, as the Business Unit records it afterwards: `inbox/<REF>/attendance.csv`
(`email,attended`, yes or no), dropped in or written by the audit pages, taken in through the one intake path.
The final report goes to everyone invited but those recorded as absent.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition
from maa.intake import inbox
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.csvtext import read_records
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.meeting.invitees import Invitee, invitees
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store, utcnow

ATTENDANCE = Path("attendance.csv")
COLUMNS = ["email", "attended"]
MAX_BYTES = 256 * 1024
_ANSWERS = {"yes": True, "no": False}


@dataclass
class AttendanceResult:
    problems: list[Problem] = field(default_factory=list)
    attended: dict[str, bool] = field(default_factory=dict)  # by email, lower-cased

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


def check_attendance(data: bytes, invited: list[Invitee]) -> AttendanceResult:
    """Every reason (row, column) the record cannot be taken, or who attended: each email invited, once."""
    read = read_records(data, MAX_BYTES, "an attendance record")
    if isinstance(read, Problem):
        return AttendanceResult([read])
    header, records = read
    if header != COLUMNS:
        return AttendanceResult([Problem(1, None, "the header must be: email,attended")])
    ragged = [Problem(n, None, f"has {len(r)} cells; the header has 2") for n, r in records if len(r) != 2]
    if ragged:
        return AttendanceResult(ragged)
    import pandas as pd

    rows = [(n, r[0].strip(), r[1].strip().lower()) for n, r in records]
    frame = pd.DataFrame([{ROW: n, "email": email or None, "email_key": email.casefold(),
                           "attended": answer if answer in _ANSWERS else None} for n, email, answer in rows],
                         columns=[ROW, "email", "email_key", "attended"])
    emails = [person.email.casefold() for person in invited]
    problems = run_checks(frame, [
        Check(expect("ExpectColumnValuesToNotBeNull", column="email"), "email is empty", "email"),
        Check(expect("ExpectColumnValuesToBeInSet", column="email_key", value_set=emails),
              "not the email of anyone invited to the meeting (the chair, a coordinator, a practitioner or an "
              "attendee an accepted return lists)", "email"),
        Check(expect("ExpectColumnValuesToBeUnique", column="email_key"), "this email is on more than one row",
              "email"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="attended"), "write yes or no", "attended"),
    ])
    if problems:
        return AttendanceResult(problems)
    return AttendanceResult(attended={email.casefold(): _ANSWERS[answer] for _, email, answer in rows})


def attendance_csv(attended: dict[str, bool]) -> bytes:
    """The record the audit pages write: the same file a Business Unit officer would drop in."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((email, "yes" if came else "no") for email, came in attended.items())
    return text.getvalue().encode()


def attendance_path(definition: AuditDefinition, inbox_root: InboxRoot | None = None) -> Any:
    return inbox.inbox_path(definition.ref, *ATTENDANCE.parts, root=inbox_root)


def receive_attendance(definition: AuditDefinition, store: Store, mailer: Mailer,
                       inbox_root: InboxRoot | None = None) -> Taken[AttendanceResult] | None:
    """A settled attendance record in the inbox taken in (None when there is none)."""
    path = attendance_path(definition, inbox_root)
    if not inbox.is_settled(path):
        return None
    return take_attendance(definition, store, mailer, path)


def take_attendance(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> Taken[AttendanceResult]:
    """One attendance record through the intake path: stored and acknowledged, or refused with its reasons;
    the Business Unit is told either way."""
    invited = invitees(definition, store)
    arrival = Arrival(definition.ref, InboxKind.ATTENDANCE, None, path, ATTENDANCE, "an attendance record (CSV)",
                      MAX_BYTES)

    def record(taken: Taken[AttendanceResult]) -> None:
        assert taken.result is not None
        save_attendance(store, definition.ref, taken.result.attended, taken.version)

    def event(taken: Taken[AttendanceResult]) -> tuple[str, str, str]:
        if taken.accepted and taken.result is not None:
            came = sum(taken.result.attended.values())
            absent = len(taken.result.attended) - came
            return "attendance_accepted", f"v{taken.version}", f"{came} attended, {absent} absent"
        return "attendance_refused", f"v{taken.version}", "\n".join(taken.reasons)

    def tell_sender(taken: Taken[AttendanceResult]) -> None:
        outcome = "recorded" if taken.accepted else "refused"
        body = rendering.render(f"email/attendance_{outcome}.txt", audit=definition, taken=taken,
                                result=taken.result)
        mailer.send(Email(ref=definition.ref, kind=f"attendance_{outcome}", recipient=definition.business_unit.email,
                          what=f"Attendance at the findings meeting {outcome} (version {taken.version})", body=body,
                          marking=OFFICIAL, version=taken.version))

    return take(arrival, lambda data, _: check_attendance(data, invited), store, record=record, event=event,
                tell_sender=tell_sender)


def save_attendance(store: Store, ref: str, attended: dict[str, bool], version: int) -> None:
    """Each person's attendance; a later record replaces what an earlier one said of the same person."""
    table = store.table("meeting_attendance")
    with store.begin() as connection:
        connection.execute(sa.delete(table).where(table.c.audit_ref == ref, table.c.email.in_(list(attended))))
        if attended:
            connection.execute(sa.insert(table), [{"audit_ref": ref, "email": email, "attended": came,
                                                   "version": version, "recorded_at": utcnow()}
                                                  for email, came in attended.items()])


def attendance(store: Store, ref: str) -> dict[str, bool]:
    """Who attended (True) or not (False), by lower-cased email; someone not recorded is absent from the map."""
    table = store.table("meeting_attendance")
    with store.connect() as connection:
        rows = connection.execute(sa.select(table.c.email, table.c.attended).where(table.c.audit_ref == ref))
        return {row.email: bool(row.attended) for row in rows}


def in_attendance(definition: AuditDefinition, store: Store) -> list[Invitee]:
    """Everyone invited but those recorded as absent: with no record, everyone invited."""
    absent = {email for email, came in attendance(store, definition.ref).items() if not came}
    return [person for person in invitees(definition, store) if person.email.casefold() not in absent]
