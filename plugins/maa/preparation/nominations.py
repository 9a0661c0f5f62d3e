"""The nominating agency's case list: read, validate, pseudonymise.

`maa validate-nominations` and the pipeline call `check_nominations`, so a
coordinator sees exactly the reasons the pipeline would give. No message ever
repeats a child's name, date of birth or system id: Great Expectations is given
flags and keyed hashes, never the identifiers themselves.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from maa.audit.definitions import AuditDefinition, AuditType
from maa.audit.panel import MATA_MAX_CASES
from maa.audit.pseudonym import age_band, age_in_years, hash_system_id
from maa.config import LONDON
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.csvtext import read_records

FILE_NAME = "nominations.csv"
COLUMNS = ("case_ref", "system_id", "child_name", "date_of_birth")
MAX_BYTES = 1 << 20
CASE_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"


@dataclass(frozen=True)
class Nominee:
    """One nominated child. Identifiers stay in memory; only `pseudonymised` is stored."""

    case_ref: str
    system_id: str
    child_name: str
    date_of_birth: date

    def pseudonymised(self, key: bytes, start: date) -> dict[str, str]:
        return {
            "case_ref": self.case_ref,
            "system_id_hash": hash_system_id(self.system_id, key),
            "age_band": age_band(self.date_of_birth, start),
        }


@dataclass
class NominationsResult:
    problems: list[Problem] = field(default_factory=list)
    nominees: list[Nominee] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


def _letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _ordinal(index: int) -> str:
    suffix = "th" if 10 <= index % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(index % 10, "th")
    return f"{index}{suffix}"


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def _folded(text: str) -> str:
    """Text compared as a person reads it: no accents, no letter case (Zoë, ZOE and zoe are one)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _ref_names_child(case_ref: str, child_name: str) -> bool:
    """Does the case ref hold any part of the child's name of two letters or more (SMITH-J, J_SMITH, S-M-I-T-H)?"""
    ref = re.sub(r"[-_\s]", "", _folded(case_ref))
    return any(part in ref for part in re.findall(r"[^\W\d_]{2,}", _folded(child_name)))


def check_nominations(definition: AuditDefinition, source: bytes | Path, key: bytes | None = None,
                      today: date | None = None) -> NominationsResult:
    """Every reason the file (its bytes, or a path) cannot be accepted, or the nominees when it can."""
    if not definition.has_cases:
        return NominationsResult([Problem(None, None, f"this {definition.type.value} has no nominated cases")])
    key = key or secrets.token_bytes(32)
    today = today or datetime.now(LONDON).date()
    read = read_records(source if isinstance(source, bytes) else source.read_bytes(), MAX_BYTES, "a case list")
    if isinstance(read, Problem):
        return NominationsResult([read])
    header, rows = read
    if not set(COLUMNS) & set(header):
        return NominationsResult([Problem(1, None, "the first row must be the header: " + ",".join(COLUMNS)
                                          + " (is the header row missing?)")])
    structural = [Problem(1, c, "column is missing") for c in COLUMNS if c not in header]
    # A header that is not ours is named by its position only: a file without a header row would
    # otherwise have its first child's details repeated back.
    structural += [Problem(1, f"{_letter(index)} (the {_ordinal(index)} column)",
                           "unexpected column: the file holds exactly " + ", ".join(COLUMNS))
                   for index, c in enumerate(header, start=1) if c not in COLUMNS]
    if len(set(header)) != len(header):
        structural.append(Problem(1, None, "a column name appears twice"))
    if structural:
        return NominationsResult(structural)
    problems = [Problem(n, None, f"has {len(r)} cells; the header has {len(header)}")
                for n, r in rows if len(r) != len(header)]
    if problems:
        return NominationsResult(problems)

    records = [(n, dict(zip(header, (cell.strip() for cell in r), strict=True))) for n, r in rows]
    frame, nominees = _safe_frame(records, key, definition.start, today)
    problems = run_checks(frame, _checks(definition))
    return NominationsResult(problems, [] if problems else nominees)


def _safe_frame(records: list[tuple[int, dict[str, str]]], key: bytes, start: date, today: date):
    """Flags and hashes for Great Expectations; the nominees kept aside in memory."""
    import pandas as pd

    rows, nominees = [], []
    for number, record in records:
        born = _parse_date(record["date_of_birth"])
        rows.append({
            ROW: number,
            "case_ref": record["case_ref"] or None,
            "case_ref_folded": _folded(record["case_ref"]) or None,
            "case_ref_names_child": _ref_names_child(record["case_ref"], record["child_name"]),
            "system_id": hash_system_id(record["system_id"], key) if record["system_id"] else None,
            "child_name": bool(record["child_name"]),
            "date_of_birth": born is not None,
            "born_before_today": born is None or born < today,
            "age_at_start": age_in_years(born, start) if born and born < today else None,
        })
        if born is not None:
            nominees.append(Nominee(record["case_ref"], record["system_id"], record["child_name"], born))
    frame = pd.DataFrame(rows, columns=[ROW, "case_ref", "case_ref_folded", "case_ref_names_child", "system_id",
                                        "child_name", "date_of_birth", "born_before_today", "age_at_start"])
    frame["age_at_start"] = frame["age_at_start"].astype("Float64")
    return frame, nominees


def _checks(definition: AuditDefinition) -> list[Check]:
    if definition.type is AuditType.MACA:
        low, high, count_rule = 1, 1, "a MACA audits exactly one case"
    else:
        low, high, count_rule = 2, MATA_MAX_CASES, f"a MATA audits 2 to {MATA_MAX_CASES} cases"
    if definition.panel is not None and definition.panel.selected is not None:
        low = high = definition.panel.selected
        count_rule = (f"the Audit Panel selected {low} case{'s' if low != 1 else ''} ({definition.panel.minute}; "
                      "the definition's panel.selected): send exactly those")
    start = definition.start.isoformat()
    return [
        Check(expect("ExpectTableRowCountToBeBetween", min_value=low, max_value=high),
              f"{{observed}} cases listed; {count_rule}"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="case_ref"),
              "case_ref is empty", "case_ref"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="case_ref",
                                                                       regex=CASE_REF_PATTERN),
              "case_ref must start with a letter or digit, then letters, digits, '-' or '_' (up to 40)", "case_ref"),
        Check(expect("ExpectColumnValuesToBeUnique", column="case_ref_folded"),
              "case_ref appears more than once (letter case aside)", "case_ref"),
        Check(expect("ExpectColumnValuesToBeInSet", column="case_ref_names_child", value_set=[False]),
              "case_ref holds part of the child's name: a case ref must not identify the child", "case_ref"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="system_id"),
              "system_id is empty", "system_id"),
        Check(expect("ExpectColumnValuesToBeUnique", column="system_id"),
              "the same system_id appears on more than one row", "system_id"),
        Check(expect("ExpectColumnValuesToBeInSet", column="child_name", value_set=[True]),
              "child_name is empty", "child_name"),
        Check(expect("ExpectColumnValuesToBeInSet", column="date_of_birth", value_set=[True]),
              "not a real date in the form YYYY-MM-DD", "date_of_birth"),
        Check(expect("ExpectColumnValuesToBeInSet", column="born_before_today",
                                                                    value_set=[True]),
              "the date of birth is not in the past", "date_of_birth"),
        Check(expect("ExpectColumnValuesToBeBetween", column="age_at_start", min_value=0,
                                                                      max_value=17),
              f"the child must be under 18 (and born) on the audit's start date {start}", "date_of_birth"),
    ]


def read_accepted(path: Path) -> list[Nominee]:
    """The nominees from an archived, already accepted file (for the audit packs only)."""
    read = read_records(path.read_bytes(), MAX_BYTES, "a case list")
    if isinstance(read, Problem):
        raise ValueError(f"{path.name}: {read}")
    header, rows = read
    nominees = []
    for _, row in rows:
        record = dict(zip(header, (c.strip() for c in row), strict=True))
        nominees.append(Nominee(record["case_ref"], record["system_id"], record["child_name"],
                                date.fromisoformat(record["date_of_birth"])))
    return nominees
