"""Agency returns: open the workbook safely, then validate it with Great Expectations.

`maa validate-return` and the pipeline both call `check_return`, so a
coordinator sees exactly the reasons the pipeline would give. Hostile files
(macros, encryption, zip bombs, enormous sheets, formulas) are refused before
anything is loaded. No reason ever repeats a child's name or system id: GX is
given flags and lengths for the narrative cells, never their text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from maa.audit.definitions import EMAIL_PATTERN, AuditDefinition, AuditType
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.xlsx import (
    IdentifierMatcher,
    Refused,
    Table,
    narrative_checks,
    narrative_flag_columns,
    narrative_flags,
    open_workbook,
    read_required,
    read_table,
    sheet,
)
from maa.preparation.nominations import Nominee
from maa.preparation.return_template import GRADES, OVERVIEW_FIELDS, TEMPLATE_VERSION, findings_columns
from maa.returns.attendees import Attendee, check_attendees

MAX_NARRATIVE = 4000
MAX_SHORT_TEXT = 300
NOT_INVOLVED = "Not involved"
NARRATIVE_COLUMNS = ("worked_well", "worked_less_well", "learning")
REQUIRED_OVERVIEW = ("audit_ref", "agency_code", "completed_by", "completed_by_email", "nominated_practitioner",
                     "nominated_practitioner_email", "summary")
_GRADE_BY_LOWER = {grade.lower(): grade for grade in GRADES}


@dataclass(frozen=True)
class Concern:
    row: int
    case_ref: str
    text: str


@dataclass
class ReturnResult:
    agency_code: str | None = None
    problems: list[Problem] = field(default_factory=list)
    overview: dict[str, str] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    attendees: list[Attendee] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


# Validation ---------------------------------------------------------------------------------

def check_return(definition: AuditDefinition, data: bytes, *, agency_code: str | None, case_refs: Iterable[str],
                 children: Iterable[Nominee] = ()) -> ReturnResult:
    """Every reason the return cannot be accepted, or its findings when it can.

    `agency_code` is the agency the file came from (its file name); None takes it from the Overview.
    `children` are the nominated children, to refuse narrative that names them.
    """
    result = ReturnResult(agency_code=agency_code)
    try:
        workbook = open_workbook(data)
    except Refused as refused:
        result.problems = refused.problems
        return result
    problems: list[Problem] = []
    try:
        overview_table = read_required(workbook, "Overview", problems)
        findings_table = read_required(workbook, "Findings", problems)
        concerns_sheet = sheet(workbook, "Concerns")
        concerns = read_table(concerns_sheet, "Concerns", problems) if concerns_sheet is not None else None
    except Refused as refused:
        result.problems = refused.problems
        return result
    finally:
        workbook.close()
    if concerns is not None:
        result.concerns = [Concern(n, v.get("case_ref", ""), v.get("concern", "")) for n, v in concerns.rows
                           if v.get("concern")]
    if overview_table is None or findings_table is None:
        result.problems = problems
        return result
    matcher = IdentifierMatcher(children)
    overview = _overview_values(overview_table, problems)
    result.agency_code = agency_code or overview.get("agency_code", "").upper() or None
    if result.agency_code not in {a.code for a in definition.agencies}:
        problems.append(Problem(_field_row(overview_table, "agency_code"), "agency_code",
                                "not one of this audit's agencies", "Overview"))
    else:
        problems += _check_overview(definition, result.agency_code, overview_table, overview, matcher)
    attendee_problems, result.attendees = check_attendees(
        overview_table, overview.get("nominated_practitioner_email", ""), matcher)
    problems += attendee_problems
    findings_problems, findings = _check_findings(definition, findings_table, sorted(set(case_refs)), matcher)
    problems += findings_problems
    result.problems = sorted(problems, key=lambda p: (p.sheet or "", p.row or 0, p.column or "", p.message))
    result.overview = overview
    result.findings = findings if not result.problems else []
    result.attendees = result.attendees if not result.problems else []
    return result


def _overview_values(table: Table, problems: list[Problem]) -> dict[str, str]:
    if table.header[:2] != ["field", "value"]:
        problems.append(Problem(1, None, "the header must be: field, value", "Overview"))
    values: dict[str, str] = {}
    for _, row in table.rows:
        name = row.get("field", "").strip().lower()
        if name in OVERVIEW_FIELDS and name not in values:
            values[name] = row.get("value", "")
    return values


def _field_row(table: Table, name: str) -> int | None:
    return next((n for n, row in table.rows if row.get("field", "").strip().lower() == name), None)


def _check_overview(definition: AuditDefinition, agency_code: str, table: Table, values: dict[str, str],
                    matcher: IdentifierMatcher) -> list[Problem]:
    import pandas as pd

    frame = pd.DataFrame([{
        ROW: 0,
        **{name: values.get(name) or None for name in REQUIRED_OVERVIEW if name != "summary"},
        "summary": bool(values.get("summary")),
        **narrative_flags(values, ("summary",), matcher),
        "template_version": values.get("template_version") or None,
        "short_text_length": max(len(values.get(n, "")) for n in ("completed_by", "nominated_practitioner")),
    }])
    checks = [Check(expect("ExpectColumnValuesToNotBeNull", column=name), "is empty", name)
              for name in REQUIRED_OVERVIEW if name != "summary"]
    checks += [
        Check(expect("ExpectColumnValuesToBeInSet", column="summary", value_set=[True]), "is empty", "summary"),
        Check(expect("ExpectColumnValuesToBeInSet", column="audit_ref", value_set=[definition.ref]),
              f"this workbook is not for audit {definition.ref}", "audit_ref"),
        Check(expect("ExpectColumnValuesToBeInSet", column="agency_code", value_set=[agency_code]),
              f"this workbook is not {agency_code}'s return (the file name says {agency_code})", "agency_code"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="completed_by_email", regex=EMAIL_PATTERN),
              "not a valid email address", "completed_by_email"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="nominated_practitioner_email", regex=EMAIL_PATTERN),
              "not a valid email address", "nominated_practitioner_email"),
        Check(expect("ExpectColumnValuesToBeInSet", column="template_version", value_set=[TEMPLATE_VERSION]),
              f"made from an old template; use the current one (version {TEMPLATE_VERSION})", "template_version"),
        *narrative_checks(("summary",), MAX_NARRATIVE),
        Check(expect("ExpectColumnValuesToBeBetween", column="short_text_length", max_value=MAX_SHORT_TEXT),
              f"a name longer than {MAX_SHORT_TEXT} characters", "completed_by"),
    ]
    located = []
    for problem in run_checks(frame, checks, sheet="Overview"):
        row = _field_row(table, problem.column or "")
        located.append(Problem(row, problem.column, problem.message + ("" if row else " (the row is missing)"),
                               "Overview", table.cell("value", row)))
    return located


def _check_findings(definition: AuditDefinition, table: Table, case_refs: list[str],
                    matcher: IdentifierMatcher) -> tuple[list[Problem], list[dict[str, str]]]:
    """The Findings rows: one per case and domain, per area of a PAA, or per domain of a MATA without cases
    (stored with an empty unit_ref)."""
    import pandas as pd

    missing = table.missing_columns(findings_columns(definition))
    if missing:
        return missing, []
    is_paa = definition.type is AuditType.PAA
    unit_column = "case_ref" if definition.has_cases else "area" if is_paa else None
    units = case_refs if definition.has_cases else definition.review_units if is_paa else [""]
    domains = [""] if is_paa else definition.domains
    canonical_unit = {u.lower(): u for u in units}
    canonical_domain = {d.lower(): d for d in domains}

    records, frame_rows = [], []
    for number, row in table.rows:
        grade = _GRADE_BY_LOWER.get(row.get("grade", "").lower())
        unit = row.get(unit_column, "") if unit_column else ""
        record = {
            "unit_ref": canonical_unit.get(unit.lower(), unit),
            "domain": "" if is_paa else canonical_domain.get(row.get("domain", "").lower(), row.get("domain", "")),
            "grade": grade or row.get("grade", ""),
            **{c: row.get(c, "") for c in NARRATIVE_COLUMNS},
        }
        records.append(record)
        frame_rows.append({
            ROW: number,
            "unit": record["unit_ref"] or None,
            "domain": record["domain"],
            "grade": grade,
            "narrative_ok": grade == NOT_INVOLVED or any(record[c] for c in NARRATIVE_COLUMNS),
            **narrative_flags(record, NARRATIVE_COLUMNS, matcher),
        })
    frame = pd.DataFrame(frame_rows, columns=[ROW, "unit", "domain", "grade", "narrative_ok"]
                         + narrative_flag_columns(NARRATIVE_COLUMNS))
    row_key = " and ".join(c for c in (unit_column, None if is_paa else "domain") if c)
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="grade"),
              "not a grade: use " + ", ".join(GRADES), "grade"),
        Check(expect("ExpectColumnValuesToBeInSet", column="narrative_ok", value_set=[True]),
              "say what worked well, less well or the learning (only 'Not involved' needs none)", "worked_well"),
        Check(expect("ExpectCompoundColumnsToBeUnique", column_list=["unit", "domain"]),
              f"the same {row_key} appear{'s' if ' and ' not in row_key else ''} on more than one row",
              unit_column or "domain"),
    ]
    if unit_column:
        unit_list = ", ".join(units) or "none known"
        checks[:0] = [
            Check(expect("ExpectColumnValuesToNotBeNull", column="unit"), f"{unit_column} is empty", unit_column),
            Check(expect("ExpectColumnValuesToBeInSet", column="unit", value_set=list(units)),
                  f"not one of this audit's {'areas' if is_paa else 'cases'} ({unit_list})", unit_column),
        ]
    if not is_paa:
        checks.append(Check(expect("ExpectColumnValuesToBeInSet", column="domain", value_set=definition.domains),
                            "not one of this audit's domains (" + ", ".join(definition.domains) + ")", "domain"))
    checks += narrative_checks(NARRATIVE_COLUMNS, MAX_NARRATIVE)
    problems = [Problem(p.row, p.column, p.message, "Findings", table.cell(p.column or "", p.row))
                for p in run_checks(frame, checks, sheet="Findings")]
    present = {(r["unit_ref"], r["domain"]) for r in records}
    for unit in units:
        for domain in domains:
            if (unit, domain) not in present:
                what = (f"case {unit}, domain '{domain}'" if definition.has_cases
                        else f"area '{unit}'" if is_paa else f"domain '{domain}'")
                problems.append(Problem(None, None, f"no row for {what}", "Findings"))
    return problems, records
