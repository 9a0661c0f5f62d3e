"""Who is invited to the findings meeting and who attended: the attendees a return lists are stored with it,
an attendance record is checked (row and column named) and taken through the intake path, and the final
report's readers are everyone invited but those recorded as absent."""

from __future__ import annotations

import pytest

from maa.audit.definitions import AuditDefinition, load_definition
from maa.meeting.attendance import (
    attendance,
    attendance_csv,
    attendance_path,
    check_attendance,
    in_attendance,
    receive_attendance,
    take_attendance,
)
from maa.meeting.invitees import Invitee, invitees
from maa.outputs.mailer import Mailer
from maa.outputs.store import Store
from maa.returns.attendees import Attendee, return_attendees, save_return_attendees
from tests.helpers.definitions import AuditFolders

REF = "MATA-2026-01"
MANAGER = Attendee(1, "Sam Patel", "Team manager", "sam.patel@police.example.org")
LEAD = Attendee(2, "Ola Ade", "Strategic lead", "ola.ade@police.example.org")


@pytest.fixture
def audit(folders: AuditFolders) -> tuple[AuditDefinition, Store]:
    """The sample audit with POL's return accepted (a practitioner and two attendees) and CSC's awaited."""
    definition = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{folders.data}/store.sqlite")
    store.save_return(REF, "POL", status="accepted", version=1,
                      practitioner=("Pat Practitioner", "pat@police.example.org"))
    save_return_attendees(store, REF, "POL", [MANAGER, LEAD])
    return definition, store


def test_a_newer_return_replaces_the_agencys_attendees(audit) -> None:
    _, store = audit
    assert return_attendees(store, REF) == {"POL": [MANAGER, LEAD]}
    save_return_attendees(store, REF, "POL", [LEAD])
    assert return_attendees(store, REF) == {"POL": [LEAD]}


def test_everyone_invited_once_with_the_attendees_of_accepted_returns_only(audit) -> None:
    definition, store = audit
    save_return_attendees(store, REF, "CSC", [Attendee(1, "Not Yet", "Manager", "not.yet@csc.example.org")])
    invited = invitees(definition, store)
    assert invited[0] == Invitee("Chair", definition.chair.name, definition.chair.email)
    assert Invitee("POL practitioner", "Pat Practitioner", "pat@police.example.org") in invited
    assert Invitee("POL: Team manager", "Sam Patel", MANAGER.email) in invited
    assert "not.yet@csc.example.org" not in {p.email for p in invited}, "CSC's return is not accepted"
    assert {a.coordinator.email for a in definition.agencies} <= {p.email for p in invited}
    assert len({p.email for p in invited}) == len(invited) == 1 + len(definition.agencies) + 3


def test_a_record_with_mistakes_is_refused_naming_row_and_column(audit) -> None:
    definition, store = audit
    data = (b"email,attended\n"
            b"SAM.PATEL@police.example.org,yes\n"
            b"stranger@example.org,yes\n"
            b"ola.ade@police.example.org,maybe\n"
            b",no\n"
            b"sam.patel@police.example.org,no\n")
    result = check_attendance(data, invitees(definition, store))
    assert not result.accepted and result.attended == {}
    assert result.reasons() == [
        "row 2, column email: this email is on more than one row",
        "row 3, column email: not the email of anyone invited to the meeting (the chair, a coordinator, a "
        "practitioner or an attendee an accepted return lists)",
        "row 4, column attended: write yes or no",
        "row 5, column email: email is empty",
        "row 5, column email: not the email of anyone invited to the meeting (the chair, a coordinator, a "
        "practitioner or an attendee an accepted return lists)",
        "row 6, column email: this email is on more than one row",
    ]
    assert check_attendance(b"who,came\nx,yes\n", []).reasons() == ["row 1: the header must be: email,attended"]
    assert check_attendance(b"email,attended\nx@example.org\n", []).reasons() == [
        "row 2: has 1 cells; the header has 2"]


def test_a_record_taken_through_the_intake_path_decides_who_receives_the_final_report(
        audit, folders: AuditFolders, monkeypatch: pytest.MonkeyPatch) -> None:
    definition, store = audit
    mailer = Mailer(store)
    path = attendance_path(definition)
    assert receive_attendance(definition, store, mailer) is None, "nothing in the inbox"
    assert in_attendance(definition, store) == invitees(definition, store), "with no record, everyone invited"

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(attendance_csv({"Pat@Police.example.org": True, MANAGER.email: False}))
    monkeypatch.setenv("MAA_INBOX_SETTLE_SECONDS", "0")
    taken = receive_attendance(definition, store, mailer)
    assert taken is not None and taken.accepted and taken.version == 1 and not path.exists()
    assert attendance(store, REF) == {"pat@police.example.org": True, MANAGER.email: False}
    readers = {p.email for p in in_attendance(definition, store)}
    assert "pat@police.example.org" in readers and LEAD.email in readers and MANAGER.email not in readers
    assert (folders.data / "archive" / REF / "attendance.v1.csv").exists()

    path.write_text("email,attended\nsam.patel@police.example.org,yes\n")  # the manager came after all
    second = take_attendance(definition, store, mailer, path)
    assert second.accepted and second.version == 2
    assert attendance(store, REF) == {"pat@police.example.org": True, MANAGER.email: True}

    path.write_text("email,attended\nsam.patel@police.example.org,perhaps\n")
    refused = take_attendance(definition, store, mailer, path)
    assert not refused.accepted and refused.reasons == ["row 2, column attended: write yes or no"]
    assert attendance(store, REF)[MANAGER.email] is True, "a refused record changes nothing"
    subjects = sorted(p.name for p in (folders.output / "outbox").glob("*.eml"))
    assert len(subjects) == 3, "the Business Unit is told of each record once"
