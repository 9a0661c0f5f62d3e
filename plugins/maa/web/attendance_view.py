"""The Business Unit records who attended a findings meeting on the audit pages.

The form becomes the very file a Business Unit officer could drop in (`inbox/<REF>/attendance.csv`), written
whole and moved into the inbox as an upload is, and is taken at once through the one intake path: the same
checks, the same archive or quarantine, the same acknowledgement. Nothing here writes attendance to the store
itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from maa.audit.definitions import AuditDefinition
from maa.meeting.attendance import AttendanceResult, attendance, attendance_csv, attendance_path, take_attendance
from maa.meeting.invitees import Invitee, invitees
from maa.meeting.practitioner_pack import PACK_SENT
from maa.web.uploads import UploadRefused, write_into_inbox

if TYPE_CHECKING:
    from maa.intake.path import Taken
    from maa.outputs.mailer import Mailer
    from maa.outputs.store import Store

FIELD_PREFIX = "attended-"  # one radio group per invitee, numbered in the invitation's order


class AttendanceRefused(Exception):
    """Refused before a file was written: the page says why."""


@dataclass(frozen=True)
class InvitedPerson:
    number: int
    person: Invitee
    attended: bool | None  # as recorded so far; None when not recorded


@dataclass(frozen=True)
class AttendanceForm:
    definition: AuditDefinition
    people: tuple[InvitedPerson, ...]


def meetings(definitions: list[AuditDefinition], store: Store) -> list[AuditDefinition]:
    """The audits whose practitioner pack (the invitation) has gone, in a real run: attendance can be
    recorded for them."""
    from maa.outputs.rehearsals import rehearsal_refs

    rehearsed = rehearsal_refs(store)
    return [d for d in definitions if d.ref not in rehearsed and store.events(d.ref, PACK_SENT)]


def attendance_form(definition: AuditDefinition, store: Store) -> AttendanceForm:
    recorded = attendance(store, definition.ref)
    return AttendanceForm(definition, tuple(
        InvitedPerson(number, person, recorded.get(person.email.casefold()))
        for number, person in enumerate(invitees(definition, store), start=1)))


def record_attendance(form: AttendanceForm, answers: Mapping[str, str], store: Store, mailer: Mailer,
                      inbox_root: Any) -> Taken[AttendanceResult]:
    """The answers given (yes or no; a person left unanswered is not recorded) through the intake path."""
    attended = {}
    for invited in form.people:
        answer = answers.get(f"{FIELD_PREFIX}{invited.number}", "")
        if answer in ("yes", "no"):
            attended[invited.person.email] = answer == "yes"
    if not attended:
        raise AttendanceRefused("Say for at least one person whether they attended.")
    target = attendance_path(form.definition, inbox_root)
    try:
        write_into_inbox(target, attendance_csv(attended), "attendance")
    except UploadRefused:
        raise AttendanceRefused("An attendance file is already waiting in the inbox: it is taken in before the "
                                "final report goes out. Reload this page in a minute.") from None
    return take_attendance(form.definition, store, mailer, target)
