"""An agency return checked as the pipeline checks it: a careful coordinator's workbook is accepted with its
findings, and every mistake is named by sheet, row, column and cell without repeating what was written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from maa.audit.definitions import AuditDefinition
from maa.preparation.nominations import Nominee
from maa.returns.checks import Concern, check_return
from tests.helpers.definitions import THEMATIC_DEFINITION, sample_definition
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.workbooks import completed_return

CASES = ["C-01", "C-02"]
CHILD = Nominee("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, date(2016, 2, 29))


@pytest.fixture(scope="module")
def definition() -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition())


def test_a_completed_return_is_accepted_with_a_row_per_case_and_domain(definition: AuditDefinition,
                                                                       tmp_path: Path) -> None:
    data = completed_return(definition, "POL", CASES, tmp_path, concerns=[("C-02", "Missed appointments.")])
    result = check_return(definition, data, agency_code="POL", case_refs=CASES, children=[CHILD])
    assert result.accepted, result.reasons()
    assert result.agency_code == "POL" and result.overview["completed_by"] == "Sam Officer"
    assert sorted({(f["unit_ref"], f["domain"]) for f in result.findings}) == sorted(
        (case, domain) for case in CASES for domain in definition.domains)
    assert result.concerns == [Concern(2, "C-02", "Missed appointments.")]


def test_each_mistake_is_named_where_it_is_and_the_childs_name_is_not_repeated(definition: AuditDefinition,
                                                                               tmp_path: Path) -> None:
    data = completed_return(definition, "POL", CASES, tmp_path,
                            cells={"C2": "Brilliant", "D3": f"{DISTINCTIVE_NAME} was seen at home.", "A6": "C-09"})
    result = check_return(definition, data, agency_code="POL", case_refs=CASES, children=[CHILD])
    assert not result.accepted and result.findings == []
    assert result.reasons() == [
        "sheet Findings: no row for case C-01, domain 'Multi-agency working'",  # row 6 was that row
        "sheet Findings, row 2, column grade, cell C2: not a grade: use Outstanding, Good, Requires improvement, "
        "Inadequate, Not involved",
        "sheet Findings, row 3, column worked_well, cell D3: names a nominated child: refer to children by case "
        "ref only",
        "sheet Findings, row 6, column case_ref, cell A6: not one of this audit's cases (C-01, C-02)",
    ]


def test_a_return_for_an_agency_not_in_the_audit_is_refused(definition: AuditDefinition, tmp_path: Path) -> None:
    data = completed_return(definition, "POL", CASES, tmp_path, overview={"agency_code": "FIRE"})
    assert check_return(definition, data, agency_code=None, case_refs=CASES).reasons() == [
        "sheet Overview, row 3, column agency_code: not one of this audit's agencies"]


def test_a_mata_without_cases_is_returned_with_one_row_per_domain(tmp_path: Path) -> None:
    thematic = AuditDefinition.model_validate(sample_definition(source=THEMATIC_DEFINITION))
    result = check_return(thematic, completed_return(thematic, "POL", [], tmp_path), agency_code="POL", case_refs=[])
    assert result.accepted, result.reasons()
    assert [(f["unit_ref"], f["domain"]) for f in result.findings] == [("", d) for d in thematic.domains]

    # Row 3 repeats row 2's domain and row 4 names one not in the audit: the second and third have no row.
    data = completed_return(thematic, "POL", [], tmp_path, cells={"A3": thematic.domains[0], "A4": "Housing"})
    assert check_return(thematic, data, agency_code="POL", case_refs=[]).reasons() == [
        f"sheet Findings: no row for domain '{thematic.domains[2]}'",
        f"sheet Findings: no row for domain '{thematic.domains[1]}'",
        "sheet Findings, row 2, column domain, cell A2: the same domain appears on more than one row",
        "sheet Findings, row 3, column domain, cell A3: the same domain appears on more than one row",
        "sheet Findings, row 4, column domain, cell A4: not one of this audit's domains ("
        + ", ".join(thematic.domains) + ")",
    ]
