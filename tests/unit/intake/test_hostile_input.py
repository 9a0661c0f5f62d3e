"""The hostile-input corpus (tests/helpers/hostile.py) through the checks the pipeline itself runs:
`check_return` for agency returns, `check_updates` for action owners' updates, `check_extract` for PAA
extracts. Every case's outcome is compared whole: refused with exactly these reasons, or accepted."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa.audit.definitions import AuditDefinition
from maa.paa.extracts import check_extract
from maa.preparation.nominations import Nominee
from maa.returns.checks import check_return
from maa.tracker.actions import TrackedAction
from maa.tracker.updates import check_updates, write_update_workbook
from tests.helpers.definitions import sample_definition
from tests.helpers.hostile import CHILD_BIRTH_DATE, Case, Reader, extract_cases, narrative_cases, workbook_cases
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.workbooks import completed_return

REF = "MATA-2026-01"
CASES = ["C-01", "C-02"]
CHILDREN = [Nominee("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, CHILD_BIRTH_DATE),
            Nominee("C-02", "MOS-4410027", "Grace Holloway", date(2014, 11, 3))]
ACTIONS = [TrackedAction(REF, "A1", "Circulate core group actions within two working days", "POL", date(2027, 2, 10),
                         "Drift after the first review", ["RR-2025-07"], "Not started")]


@pytest.fixture(scope="module")
def definition() -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def a_return(definition: AuditDefinition, folder: Path, worked_well: str | None = None) -> bytes:
    return completed_return(definition, "POL", CASES, folder, cells={"D2": worked_well} if worked_well else None)


def an_update(folder: Path, note: str = "Actions now go out within two days.") -> bytes:
    workbook = load_workbook(write_update_workbook(ACTIONS, folder / "updates-POL.xlsx"))
    workbook["Updates"]["C2"], workbook["Updates"]["D2"] = "In progress", note
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outcomes(cases: list[Case], reasons_for) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(what each case got, what each should get), by case name: compared whole, one diff for all."""
    return {c.name: reasons_for(c.data) for c in cases}, {c.name: c.reasons for c in cases}


def return_reasons(definition: AuditDefinition):
    return lambda data: check_return(definition, data, agency_code="POL", case_refs=CASES,
                                     children=CHILDREN).reasons()


def update_reasons(data: bytes) -> list[str]:
    return check_updates(data, "POL", ACTIONS, {REF: CHILDREN}).reasons()


def test_the_good_files_the_corpus_starts_from_are_accepted(definition: AuditDefinition, folder: Path) -> None:
    assert return_reasons(definition)(a_return(definition, folder)) == []
    assert update_reasons(an_update(folder)) == []


def test_damaged_and_active_workbooks_are_refused_as_returns_naming_what_and_where(
        definition: AuditDefinition, folder: Path) -> None:
    reader = Reader(a_return(definition, folder), "Findings", "xl/worksheets/sheet2.xml", 2, 2)
    got, expected = outcomes(workbook_cases(reader), return_reasons(definition))
    assert got == expected


def test_damaged_and_active_workbooks_are_refused_as_action_updates_naming_what_and_where(folder: Path) -> None:
    reader = Reader(an_update(folder), "Updates", "xl/worksheets/sheet1.xml", 1, 1)
    got, expected = outcomes(workbook_cases(reader), update_reasons)
    assert got == expected


def test_narrative_identifying_a_child_however_disguised_is_refused_in_a_return(
        definition: AuditDefinition, folder: Path) -> None:
    cases = narrative_cases(lambda text: a_return(definition, folder, text),
                            "sheet Findings, row 2, column worked_well, cell D2")
    got, expected = outcomes(cases, return_reasons(definition))
    assert got == expected


def test_a_progress_note_identifying_a_child_however_disguised_is_refused(folder: Path) -> None:
    cases = narrative_cases(lambda text: an_update(folder, text), "sheet Updates, row 2, column progress_note, cell D2")
    got, expected = outcomes(cases, update_reasons)
    assert got == expected


def test_a_return_summary_giving_a_date_of_birth_is_refused_where_it_stands(
        definition: AuditDefinition, folder: Path) -> None:
    data = completed_return(definition, "POL", CASES, folder, overview={"summary": "C-01 (born 29 Feb 2016) moved."})
    assert return_reasons(definition)(data) == [
        "sheet Overview, row 8, column summary, cell B8: gives a nominated child's date of birth: refer to children "
        "by case ref only"]


def test_paa_codes_carrying_a_persons_details_are_refused_by_row_and_column() -> None:
    got, expected = outcomes(extract_cases(), lambda data: check_extract("contacts.csv", data).reasons())
    assert got == expected
