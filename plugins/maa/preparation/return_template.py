"""The agency return workbook, generated pre-filled for each agency.

Overview (field, value) and Findings (one row per case and domain; for a PAA
one row per area; for a MATA without nominated cases one row per domain), with
a dropdown for the grade.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from maa.audit.definitions import AuditDefinition, AuditType
from maa.outputs.private_files import private_file

if TYPE_CHECKING:
    from maa.meeting.registers import ReviewRegister
    from maa.paa.areas import AreaOne

TEMPLATE_VERSION = "2026.1"
GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate", "Not involved")
# Further attendees of the findings meeting, optional, each "name; role; email" (maa.returns.attendees).
ATTENDEE_FIELDS = tuple(f"attendee_{n}" for n in range(1, 10))
OVERVIEW_FIELDS = ("audit_ref", "agency_code", "completed_by", "completed_by_email", "nominated_practitioner",
                   "nominated_practitioner_email", "summary", "template_version", *ATTENDEE_FIELDS)
FINDINGS_COLUMNS = ("case_ref", "domain", "grade", "worked_well", "worked_less_well", "learning")
PAA_FINDINGS_COLUMNS = ("area", "grade", "worked_well", "worked_less_well", "learning")
QUESTIONS_COLUMN = "questions"  # a PAA's Findings: what each area asks, for the agency to answer
AREA_ONE_SHEET = "Area 1 records"
DOMAIN_FINDINGS_COLUMNS = ("domain", "grade", "worked_well", "worked_less_well", "learning")  # a MATA without cases
_FORMULA_START = ("=", "+", "-", "@")


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def findings_columns(definition: AuditDefinition) -> tuple[str, ...]:
    """The Findings sheet's columns: by case and domain, by area (a PAA), or by domain alone (no cases)."""
    if definition.has_cases:
        return FINDINGS_COLUMNS
    return PAA_FINDINGS_COLUMNS if definition.type is AuditType.PAA else DOMAIN_FINDINGS_COLUMNS


def write_return_template(definition: AuditDefinition, agency_code: str, case_refs: list[str],
                          target: Path, area_one: AreaOne | None = None) -> Path:
    """The workbook an agency fills in. For a PAA each area's row carries its questions (a column the checks
    do not read) and `area_one`, the programme's records for area 1, is a sheet of its own."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    overview = workbook.active
    overview.title = "Overview"
    overview.append(["field", "value"])
    prefilled = {"audit_ref": definition.ref, "agency_code": agency_code, "template_version": TEMPLATE_VERSION}
    for name in OVERVIEW_FIELDS:
        overview.append([name, safe_cell(prefilled.get(name))])
    overview.cell(row=2 + OVERVIEW_FIELDS.index(ATTENDEE_FIELDS[0]), column=1).comment = Comment(
        "Optional: others coming to the findings meeting (managers, subject-matter experts, strategic leads), "
        "one per row as: name; role; email", "MAA")
    overview.column_dimensions["A"].width = 32
    overview.column_dimensions["B"].width = 70

    findings = workbook.create_sheet("Findings")
    findings.append([*findings_columns(definition), *((QUESTIONS_COLUMN,) if definition.type is AuditType.PAA else ())])
    if definition.has_cases:
        for case_ref in case_refs:
            for domain in definition.domains:
                findings.append([safe_cell(case_ref), safe_cell(domain)])
    elif definition.type is AuditType.PAA:  # one row per area, with the questions it asks
        from maa.paa.areas import questions

        for area in definition.review_units:
            findings.append([safe_cell(area), None, None, None, None, safe_cell("\n".join(questions(area)))])
    else:  # one row per domain of a MATA without cases
        for domain in definition.review_units:
            findings.append([safe_cell(domain)])
    grade_column = "C" if definition.has_cases else "B"
    grades = DataValidation(type="list", formula1='"' + ",".join(GRADES) + '"', allow_blank=False,
                            showErrorMessage=True, errorTitle="Grade",
                            error="Choose one of: " + ", ".join(GRADES))
    findings.add_data_validation(grades)
    if findings.max_row > 1:
        grades.add(f"{grade_column}2:{grade_column}{findings.max_row}")
    for sheet in (overview, findings):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (16, 34, 22, 50, 50, 50), strict=True):
        findings.column_dimensions[letter].width = width
    for row in findings.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if area_one is not None:
        records = workbook.create_sheet(AREA_ONE_SHEET)
        records.append([f"{area_one.records.period.first:%d %B %Y} to {area_one.records.period.last:%d %B %Y}: "
                        "the programme's own records for area 1 (for reference: not read back)"])
        for line in area_one.lines():
            records.append([safe_cell(line)])
        records.column_dimensions["A"].width = 120

    with private_file(target) as handle:
        workbook.save(handle)
    return target


def write_analysis_template(definition: AuditDefinition, target: Path, register: ReviewRegister | None = None) -> Path:
    """The chair's analysis workbook: Themes and Actions sheets, owner agencies as a dropdown, and the review
    findings register the actions cite (`register`, by default the Business Unit's) as a Reviews sheet, for
    reference only: the pipeline never reads it back."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from maa.meeting.analysis import ACTIONS_COLUMNS, THEMES_COLUMNS
    from maa.meeting.registers import COLUMNS as REGISTER_COLUMNS
    from maa.meeting.registers import load_review_findings

    register = register or load_review_findings()
    workbook = Workbook()
    themes = workbook.active
    themes.title = "Themes"
    themes.append(list(THEMES_COLUMNS))
    actions = workbook.create_sheet("Actions")
    actions.append(list(ACTIONS_COLUMNS))
    owners = DataValidation(type="list", formula1='"' + ",".join(a.code for a in definition.agencies) + '"',
                            allow_blank=False, showErrorMessage=True, errorTitle="Owner agency",
                            error="Choose one of this audit's agencies")
    actions.add_data_validation(owners)
    owners.add("C2:C500")
    reviews = workbook.create_sheet("Reviews")
    reviews.append(list(REGISTER_COLUMNS))
    for review in register.findings:
        reviews.append([safe_cell(getattr(review, column)) for column in REGISTER_COLUMNS])
    reviews.append([])
    reviews.append([_register_note(register)])
    for row in reviews.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet, widths in ((themes, (30, 60, 45, 45)), (actions, (18, 60, 14, 14, 28, 30)),
                          (reviews, (18, 14, 40, 90))):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEF", widths, strict=False):
            sheet.column_dimensions[letter].width = width
    with private_file(target) as handle:
        workbook.save(handle)
    return target


def _register_note(register: ReviewRegister) -> str:
    if register.findings:
        return (f"The {len(register.findings)} reviews an action may cite, by ref, in the Actions sheet's review_refs "
                "column (several separated by ';'). For reference only: changes here are not read.")
    if register.problems:
        return (f"The review findings register has {len(register.problems)} problem(s) and cannot be used until "
                "the Business Unit puts them right: until then an action can cite no review.")
    return "There is no review findings register yet: until the Business Unit adds one, an action can cite no review."
