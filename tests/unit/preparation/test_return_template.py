"""The pre-filled agency return workbook, read back with openpyxl as the coordinator's Excel would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from maa.audit.definitions import DEFAULT_AREAS, DEFAULT_DOMAINS, AuditDefinition
from maa.paa.areas import questions
from maa.preparation.return_template import TEMPLATE_VERSION, safe_cell, write_return_template
from tests.helpers.definitions import THEMATIC_DEFINITION, sample_definition

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not involved"]
OVERVIEW_ROWS = ["audit_ref", "agency_code", "completed_by", "completed_by_email", "nominated_practitioner",
                 "nominated_practitioner_email", "summary"]
FINDINGS_HEADER = ["case_ref", "domain", "grade", "worked_well", "worked_less_well", "learning"]
PAA_FINDINGS_HEADER = ["area", "grade", "worked_well", "worked_less_well", "learning"]
CASES = ["C-01", "C-02", "C-03"]


def mata(**changes: object) -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition(dict(changes)))


def thematic() -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition(source=THEMATIC_DEFINITION))


def paa(**changes: object) -> AuditDefinition:
    base = {"type": "PAA", "period": {"from": date(2025, 4, 1), "to": date(2026, 3, 31)}, **changes}
    return AuditDefinition.model_validate(sample_definition(base, remove=("nominating_agency",)))


def written(definition: AuditDefinition, tmp_path: Path, cases: list[str] = CASES, code: str = "POL"):
    target = tmp_path / "out" / f"return-template-{code}.xlsx"
    assert write_return_template(definition, code, cases, target) == target
    return load_workbook(target)


def rows(sheet: Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def grade_validation(sheet: Worksheet):
    found = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(found) == 1, found
    return found[0]


def test_the_sheets_are_overview_and_findings(tmp_path: Path) -> None:
    assert written(mata(), tmp_path).sheetnames == ["Overview", "Findings"]


def test_overview_is_field_value_rows_prefilled(tmp_path: Path) -> None:
    overview = rows(written(mata(), tmp_path)["Overview"])
    assert overview[0] == ["field", "value"]
    values = {field: value for field, value in overview[1:]}
    assert [field for field, _ in overview[1:]][:len(OVERVIEW_ROWS)] == OVERVIEW_ROWS
    assert values["audit_ref"] == "MATA-2026-01"
    assert values["agency_code"] == "POL"
    assert values["template_version"] == TEMPLATE_VERSION
    for left_for_the_agency in ("completed_by", "completed_by_email", "nominated_practitioner",
                                "nominated_practitioner_email", "summary"):
        assert values[left_for_the_agency] in (None, "")


def test_findings_has_one_row_per_case_and_domain(tmp_path: Path) -> None:
    findings = rows(written(mata(), tmp_path)["Findings"])
    assert findings[0] == FINDINGS_HEADER
    pairs = [(case_ref, domain) for case_ref, domain, *_ in findings[1:]]
    assert pairs == [(case, domain) for case in CASES for domain in DEFAULT_DOMAINS]
    assert all(rest == [None] * 4 for _, _, *rest in findings[1:])


def test_findings_follow_the_definitions_own_domains(tmp_path: Path) -> None:
    definition = mata(domains=["Voice of the child", "Information sharing"])
    findings = rows(written(definition, tmp_path, cases=["C-07"])["Findings"])
    assert [row[:2] for row in findings[1:]] == [["C-07", "Voice of the child"], ["C-07", "Information sharing"]]


def test_a_paa_lists_its_areas(tmp_path: Path) -> None:
    findings = rows(written(paa(), tmp_path, cases=[])["Findings"])
    assert findings[0] == [*PAA_FINDINGS_HEADER, "questions"]
    assert [row[0] for row in findings[1:]] == list(DEFAULT_AREAS)
    assert [row[5] for row in findings[1:]] == ["\n".join(questions(area)) for area in DEFAULT_AREAS]
    assert len(findings) == 11


def test_a_paa_with_more_areas(tmp_path: Path) -> None:
    areas = [*DEFAULT_AREAS, "Early help"]
    findings = rows(written(paa(areas=areas), tmp_path, cases=[])["Findings"])
    assert [row[0] for row in findings[1:]] == areas


def test_a_mata_without_cases_grades_each_domain_once(tmp_path: Path) -> None:
    findings = rows(written(thematic(), tmp_path, cases=[])["Findings"])
    assert findings[0] == ["domain", "grade", "worked_well", "worked_less_well", "learning"]
    assert [row[0] for row in findings[1:]] == list(DEFAULT_DOMAINS)


@pytest.mark.parametrize(("kind", "column", "last_row"), [("MATA", "C", 1 + 3 * 6), ("PAA", "B", 1 + 10),
                                                          ("thematic", "B", 1 + 6)])
def test_the_grade_column_has_a_dropdown_of_the_five_grades(tmp_path: Path, kind: str, column: str,
                                                            last_row: int) -> None:
    definition = {"MATA": mata, "PAA": paa, "thematic": thematic}[kind]()
    sheet = written(definition, tmp_path)["Findings"]
    validation = grade_validation(sheet)
    assert validation.formula1.strip('"').split(",") == GRADES
    covered = str(validation.sqref)
    assert f"{column}2:{column}{last_row}" in covered.split()
    assert validation.showErrorMessage
    assert sheet[f"{column}1"].value == "grade"


def test_the_overview_has_no_grade_dropdown(tmp_path: Path) -> None:
    assert not written(mata(), tmp_path)["Overview"].data_validations.dataValidation


@pytest.mark.parametrize("text", ["=1+2", "+44 1452 000000", "-2", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")"])
def test_safe_cell_neutralises_a_leading_formula_character(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Voice of the child", "C-01", "a=b", "email@example.org", "", 42, 1.5, None])
def test_safe_cell_leaves_other_values(value: object) -> None:
    assert safe_cell(value) == value


def test_formula_like_names_are_written_as_text(tmp_path: Path) -> None:
    definition = mata(domains=["=cmd|' /C calc'!A0", "@Information sharing"])
    sheet = written(definition, tmp_path, cases=["-C1"])["Findings"]
    for cell in (sheet["A2"], sheet["B2"], sheet["B3"]):
        assert cell.data_type == "s"
        assert str(cell.value).startswith("'")
    assert sheet["B2"].value == "'=cmd|' /C calc'!A0"


def test_writing_again_overwrites_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    written(mata(), tmp_path, cases=["C-01"])
    findings = rows(written(mata(), tmp_path, cases=["C-09"])["Findings"])
    assert {row[0] for row in findings[1:]} == {"C-09"}
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["return-template-POL.xlsx"]
