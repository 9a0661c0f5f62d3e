"""Agency returns: open the workbook safely, then validate it with Great Expectations.

`maa validate-return` and the pipeline both call `check_return`, so a
coordinator sees exactly the reasons the pipeline would give. Hostile files
(macros, encryption, zip bombs, enormous sheets, formulas) are refused before
anything is loaded. No reason ever repeats a child's name or system id: GX is
given flags and lengths for the narrative cells, never their text.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from maa.checks import ROW, Check, Problem, expect, run_checks
from maa.definitions import EMAIL_PATTERN, AuditDefinition, AuditType
from maa.nominations import Nominee
from maa.workbook import FINDINGS_COLUMNS, GRADES, OVERVIEW_FIELDS, PAA_FINDINGS_COLUMNS, TEMPLATE_VERSION

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
MAX_ROWS = 3000
MAX_COLUMNS = 40
MAX_NARRATIVE = 4000
MAX_SHORT_TEXT = 300
NOT_INVOLVED = "Not involved"
NARRATIVE_COLUMNS = ("worked_well", "worked_less_well", "learning")
REQUIRED_OVERVIEW = ("audit_ref", "agency_code", "completed_by", "completed_by_email", "nominated_practitioner",
                     "nominated_practitioner_email", "summary")
_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


class _Refused(Exception):
    def __init__(self, *problems: Problem):
        self.problems = list(problems)


# Opening the file ---------------------------------------------------------------------------

def _screen_container(data: bytes) -> None:
    """Refuse what must not be opened at all, from the bytes and the zip directory only."""
    if not data.strip(b"\x00 \r\n\t"):
        raise _Refused(Problem(None, None, "the file is empty"))
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(Problem(None, None, f"the file is {len(data) // 1024} KiB; the limit is "
                                          f"{MAX_FILE_BYTES // 1024 // 1024} MiB"))
    if data.startswith(_OLE_HEADER):
        raise _Refused(Problem(None, None, "the workbook is encrypted (password-protected) or an old .xls file: "
                                          "save it as an .xlsx workbook without a password"))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _Refused(Problem(None, None, "not an Excel workbook (.xlsx): use the return template you were sent"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "xl/workbook.xml" not in names:
            raise _Refused(Problem(None, None, "not an Excel workbook (.xlsx): use the return template you were sent"))
        if any(name.endswith("vbaproject.bin") for name in names):
            raise _Refused(Problem(None, None, "the workbook contains macros (.xlsm): save it as an .xlsx workbook"))
        expanded = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if expanded > MAX_UNCOMPRESSED_BYTES or expanded / packed > MAX_COMPRESSION_RATIO:
            raise _Refused(Problem(None, None, f"the workbook expands to {expanded // 1024 // 1024} MiB from "
                                              f"{packed // 1024} KiB: far larger than a return can be"))


def _open(data: bytes) -> Any:
    from openpyxl import load_workbook

    _screen_container(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _Refused(Problem(None, None, f"the workbook cannot be read ({type(exc).__name__}): "
                                          "save it again as .xlsx")) from None


def _sheet(workbook: Any, name: str) -> Any | None:
    by_lower = {title.lower(): title for title in workbook.sheetnames}
    title = by_lower.get(name.lower())
    return workbook[title] if title else None


@dataclass
class _Table:
    sheet: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row, values by column name)

    def letter(self, column: str) -> str | None:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.header.index(column) + 1) if column in self.header else None


def _read_table(worksheet: Any, sheet: str, problems: list[Problem]) -> _Table:
    """Plain values only: a formula anywhere is named by its cell; rows beyond the limit are refused."""
    from openpyxl.utils import get_column_letter

    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if number > MAX_ROWS + 1:
            raise _Refused(Problem(None, None, f"more than {MAX_ROWS} rows: far larger than a return can be", sheet))
        values = []
        for index, cell in enumerate(cells[:MAX_COLUMNS], start=1):
            if getattr(cell, "data_type", None) == "f":
                problems.append(Problem(number, None, "holds a formula; returns hold plain values only", sheet,
                                        f"{get_column_letter(index)}{number}"))
                values.append("")
            else:
                values.append(_text(cell.value))
        if number == 1:
            header = [v.strip().lower() for v in values]
            continue
        if any(values):
            rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return _Table(sheet, header, rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


# Validation ---------------------------------------------------------------------------------

def check_return(definition: AuditDefinition, data: bytes, *, agency_code: str | None, case_refs: Iterable[str],
                 children: Iterable[Nominee] = ()) -> ReturnResult:
    """Every reason the return cannot be accepted, or its findings when it can.

    `agency_code` is the agency the file came from (its file name); None takes it from the Overview.
    `children` are the nominated children, to refuse narrative that names them.
    """
    result = ReturnResult(agency_code=agency_code)
    try:
        workbook = _open(data)
    except _Refused as refused:
        result.problems = refused.problems
        return result
    problems: list[Problem] = []
    try:
        tables = {name: _read_required(workbook, name, problems) for name in ("Overview", "Findings")}
        concerns_sheet = _sheet(workbook, "Concerns")
        concerns = _read_table(concerns_sheet, "Concerns", problems) if concerns_sheet is not None else None
    except _Refused as refused:
        result.problems = refused.problems
        return result
    finally:
        workbook.close()
    if concerns is not None:
        result.concerns = [Concern(n, v.get("case_ref", ""), v.get("concern", "")) for n, v in concerns.rows
                           if v.get("concern")]
    if any(t is None for t in tables.values()):
        result.problems = problems
        return result
    matcher = _IdentifierMatcher(children)
    overview = _overview_values(tables["Overview"], problems)
    result.agency_code = agency_code or overview.get("agency_code", "").upper() or None
    if result.agency_code not in {a.code for a in definition.agencies}:
        problems.append(Problem(_field_row(tables["Overview"], "agency_code"), "agency_code",
                                "not one of this audit's agencies", "Overview"))
    else:
        problems += _check_overview(definition, result.agency_code, tables["Overview"], overview, matcher)
    findings_problems, findings = _check_findings(definition, tables["Findings"], sorted(set(case_refs)), matcher)
    problems += findings_problems
    result.problems = sorted(problems, key=lambda p: (p.sheet or "", p.row or 0, p.column or "", p.message))
    result.overview = overview
    result.findings = findings if not result.problems else []
    return result


def _read_required(workbook: Any, name: str, problems: list[Problem]) -> _Table | None:
    worksheet = _sheet(workbook, name)
    if worksheet is None:
        problems.append(Problem(None, None, f"the sheet '{name}' is missing (use the return template)"))
        return None
    return _read_table(worksheet, name, problems)


class _IdentifierMatcher:
    """Finds a nominated child's full name, a part of it, or a system id in text, without keeping the text."""

    def __init__(self, children: Iterable[Nominee]):
        patterns = []
        for child in children:
            parts = [p for p in re.split(r"[\s-]+", child.child_name) if len(p) >= 3]
            patterns += [re.escape(child.child_name)] + [rf"\b{re.escape(p)}\b" for p in parts]
            patterns.append(re.escape(child.system_id))
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def names_a_child(self, text: str) -> bool:
        return bool(self._pattern and self._pattern.search(text))


def _overview_values(table: _Table, problems: list[Problem]) -> dict[str, str]:
    if table.header[:2] != ["field", "value"]:
        problems.append(Problem(1, None, "the header must be: field, value", "Overview"))
    values: dict[str, str] = {}
    for _, row in table.rows:
        name = row.get("field", "").strip().lower()
        if name in OVERVIEW_FIELDS and name not in values:
            values[name] = row.get("value", "")
    return values


def _field_row(table: _Table, name: str) -> int | None:
    return next((n for n, row in table.rows if row.get("field", "").strip().lower() == name), None)


def _check_overview(definition: AuditDefinition, agency_code: str, table: _Table, values: dict[str, str],
                    matcher: _IdentifierMatcher) -> list[Problem]:
    import pandas as pd

    frame = pd.DataFrame([{
        ROW: 0,
        **{name: values.get(name) or None for name in REQUIRED_OVERVIEW if name != "summary"},
        "summary": bool(values.get("summary")),
        "summary_names_child": matcher.names_a_child(values.get("summary", "")),
        "summary_length": len(values.get("summary", "")),
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
        Check(expect("ExpectColumnValuesToBeInSet", column="summary_names_child", value_set=[False]),
              "names a nominated child: refer to children by case ref only", "summary"),
        Check(expect("ExpectColumnValuesToBeBetween", column="summary_length", max_value=MAX_NARRATIVE),
              f"longer than {MAX_NARRATIVE} characters", "summary"),
        Check(expect("ExpectColumnValuesToBeBetween", column="short_text_length", max_value=MAX_SHORT_TEXT),
              f"a name longer than {MAX_SHORT_TEXT} characters", "completed_by"),
    ]
    located = []
    for problem in run_checks(frame, checks, sheet="Overview"):
        row = _field_row(table, problem.column or "")
        located.append(Problem(row, problem.column, problem.message + ("" if row else " (the row is missing)"),
                               "Overview", _cell(table, "value", row)))
    return located


def _cell(table: _Table, column: str, row: int | None) -> str | None:
    letter = table.letter(column)
    return f"{letter}{row}" if letter and row else None


def _check_findings(definition: AuditDefinition, table: _Table, case_refs: list[str],
                    matcher: _IdentifierMatcher) -> tuple[list[Problem], list[dict[str, str]]]:
    import pandas as pd

    is_paa = definition.type is AuditType.PAA
    expected_columns = PAA_FINDINGS_COLUMNS if is_paa else FINDINGS_COLUMNS
    missing = [c for c in expected_columns if c not in table.header]
    if missing:
        return [Problem(1, c, "column is missing", "Findings") for c in missing], []
    unit_column = "area" if is_paa else "case_ref"
    units = definition.review_units if is_paa else case_refs
    canonical_unit = {u.lower(): u for u in units}
    canonical_domain = {d.lower(): d for d in definition.domains}

    records, frame_rows = [], []
    for number, row in table.rows:
        grade = _GRADE_BY_LOWER.get(row.get("grade", "").lower())
        record = {
            "unit_ref": canonical_unit.get(row.get(unit_column, "").lower(), row.get(unit_column, "")),
            "domain": "" if is_paa else canonical_domain.get(row.get("domain", "").lower(), row.get("domain", "")),
            "grade": grade or row.get("grade", ""),
            **{c: row.get(c, "") for c in NARRATIVE_COLUMNS},
        }
        records.append(record)
        frame_rows.append({
            ROW: number,
            "unit": record["unit_ref"] or None,
            "domain": record["domain"] if not is_paa else "",
            "grade": grade,
            "narrative_ok": grade == NOT_INVOLVED or any(record[c] for c in NARRATIVE_COLUMNS),
            **{f"{c}__names_child": matcher.names_a_child(record[c]) for c in NARRATIVE_COLUMNS},
            **{f"{c}__length": len(record[c]) for c in NARRATIVE_COLUMNS},
        })
    frame = pd.DataFrame(frame_rows, columns=[ROW, "unit", "domain", "grade", "narrative_ok"]
                         + [f"{c}__{k}" for c in NARRATIVE_COLUMNS for k in ("names_child", "length")])
    unit_list = ", ".join(units) or "none known"
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="unit"), f"{unit_column} is empty", unit_column),
        Check(expect("ExpectColumnValuesToBeInSet", column="unit", value_set=list(units)),
              f"not one of this audit's {'areas' if is_paa else 'cases'} ({unit_list})", unit_column),
        Check(expect("ExpectColumnValuesToNotBeNull", column="grade"),
              "not a grade: use " + ", ".join(GRADES), "grade"),
        Check(expect("ExpectColumnValuesToBeInSet", column="narrative_ok", value_set=[True]),
              "say what worked well, less well or the learning (only 'Not involved' needs none)", "worked_well"),
        Check(expect("ExpectCompoundColumnsToBeUnique", column_list=["unit", "domain"]),
              f"the same {unit_column}{'' if is_paa else ' and domain'} appear on more than one row", unit_column),
    ]
    if not is_paa:
        checks.insert(3, Check(expect("ExpectColumnValuesToBeInSet", column="domain", value_set=definition.domains),
                               "not one of this audit's domains (" + ", ".join(definition.domains) + ")", "domain"))
    for column in NARRATIVE_COLUMNS:
        checks += [
            Check(expect("ExpectColumnValuesToBeInSet", column=f"{column}__names_child", value_set=[False]),
                  "names a nominated child: refer to children by case ref only", column),
            Check(expect("ExpectColumnValuesToBeBetween", column=f"{column}__length", max_value=MAX_NARRATIVE),
                  f"longer than {MAX_NARRATIVE} characters", column),
        ]
    problems = [Problem(p.row, p.column, p.message, "Findings", _cell(table, p.column or "", p.row))
                for p in run_checks(frame, checks, sheet="Findings")]
    present = {(r["unit_ref"], r["domain"]) for r in records}
    for unit in units:
        for domain in ([""] if is_paa else definition.domains):
            if (unit, domain) not in present:
                what = f"area '{unit}'" if is_paa else f"case {unit}, domain '{domain}'"
                problems.append(Problem(None, None, f"no row for {what}", "Findings"))
    return problems, records
