"""Further attendees in the return's Overview sheet: stored as listed, and every mistake refused naming sheet,
row and cell, a child's name never repeated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa.audit.definitions import AuditDefinition
from maa.preparation.nominations import Nominee
from maa.preparation.return_template import ATTENDEE_FIELDS, write_return_template
from maa.returns.attendees import Attendee
from maa.returns.checks import check_return
from tests.helpers.definitions import sample_definition
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.workbooks import completed_return

CASES = ["C-01", "C-02"]
CHILD = Nominee("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, date(2016, 2, 29))


@pytest.fixture(scope="module")
def definition() -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition())


def _check(definition: AuditDefinition, tmp_path: Path, attendees: dict[str, str]):
    data = completed_return(definition, "POL", CASES, tmp_path, overview=attendees)
    return check_return(definition, data, agency_code="POL", case_refs=CASES, children=[CHILD])


def test_the_template_offers_nine_attendee_rows_after_the_practitioner(definition: AuditDefinition,
                                                                       tmp_path: Path) -> None:
    sheet = load_workbook(write_return_template(definition, "POL", CASES, tmp_path / "t.xlsx"))["Overview"]
    fields = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert fields[-9:] == list(ATTENDEE_FIELDS) == [f"attendee_{n}" for n in range(1, 10)]
    assert "name; role; email" in sheet.cell(row=2 + fields.index("attendee_1"), column=1).comment.text


def test_listed_attendees_are_taken_with_their_roles(definition: AuditDefinition, tmp_path: Path) -> None:
    result = _check(definition, tmp_path, {"attendee_1": "Sam Patel; Team manager; sam.patel@police.example.org",
                                           "attendee_3": " Ola Ade ;Strategic lead; ola@police.example.org "})
    assert result.accepted, result.reasons()
    assert result.attendees == [Attendee(1, "Sam Patel", "Team manager", "sam.patel@police.example.org"),
                                Attendee(3, "Ola Ade", "Strategic lead", "ola@police.example.org")]


def test_every_mistake_names_sheet_row_and_cell(definition: AuditDefinition, tmp_path: Path) -> None:
    result = _check(definition, tmp_path, {
        "attendee_1": "Sam Patel, Team manager, sam@example.org",
        "attendee_2": "; Manager; not-an-email",
        "attendee_3": f"{DISTINCTIVE_NAME}; Practitioner; twice@example.org",
        "attendee_4": "Lee Moss; ; TWICE@example.org",
        "attendee_5": "Pat Again; Practitioner; pat.practitioner@agency.example.org",
    })
    assert not result.accepted and result.attendees == []
    rows = {f"attendee_{n}": 9 + n for n in range(1, 10)}  # header, eight fields, then the attendees
    assert [r for r in result.reasons() if "attendee" in r] == [
        f"sheet Overview, row {rows['attendee_1']}, column attendee_1, cell B{rows['attendee_1']}: write \"name; "
        "role; email\": three parts separated by \";\", such as \"Sam Patel; Team manager; sam@example.org\"",
        f"sheet Overview, row {rows['attendee_2']}, column attendee_2, cell B{rows['attendee_2']}: the attendee's "
        "email is not a valid email address",
        f"sheet Overview, row {rows['attendee_2']}, column attendee_2, cell B{rows['attendee_2']}: the attendee's "
        "name is empty",
        f"sheet Overview, row {rows['attendee_3']}, column attendee_3, cell B{rows['attendee_3']}: the attendee's "
        "name: names a nominated child: refer to children by case ref only",
        f"sheet Overview, row {rows['attendee_3']}, column attendee_3, cell B{rows['attendee_3']}: the same email "
        "is given for more than one attendee",
        f"sheet Overview, row {rows['attendee_4']}, column attendee_4, cell B{rows['attendee_4']}: the attendee's "
        "role is empty (practitioner, manager, subject-matter expert, strategic lead, ...)",
        f"sheet Overview, row {rows['attendee_4']}, column attendee_4, cell B{rows['attendee_4']}: the same email "
        "is given for more than one attendee",
        f"sheet Overview, row {rows['attendee_5']}, column attendee_5, cell B{rows['attendee_5']}: this is the "
        "nominated practitioner's email: list each person once",
    ]
    assert not any(DISTINCTIVE_NAME in r for r in result.reasons())
