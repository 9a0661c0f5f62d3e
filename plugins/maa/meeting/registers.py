"""The Business Unit's review findings register: SCRs, Rapid Reviews and LCSPRs.

The chair's actions cite these reviews by ref, and the reports print their
findings beside the actions. A register with any problem is not used at all:
half a register would make valid refs look unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maa import config
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.csvtext import read_records

COLUMNS = ("ref", "review_type", "title", "finding")
REVIEW_TYPES = ("SCR", "Rapid Review", "LCSPR")
REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$"
MAX_FINDING = 2000
MAX_BYTES = 5 << 20
_TYPE_BY_LOWER = {t.lower(): t for t in REVIEW_TYPES}


@dataclass(frozen=True)
class ReviewFinding:
    ref: str
    review_type: str
    title: str
    finding: str


@dataclass
class ReviewRegister:
    findings: list[ReviewFinding]
    problems: list[Problem]
    path: Path
    exists: bool

    def refs(self) -> set[str]:
        return {f.ref for f in self.findings}

    def get(self, ref: str) -> ReviewFinding | None:
        wanted = ref.strip().casefold()
        return next((f for f in self.findings if f.ref.casefold() == wanted), None)


def review_findings_path() -> Path:
    return config.data_dir() / "registers" / "review_findings.csv"


def load_review_findings(path: Path | None = None) -> ReviewRegister:
    """The register at `path` (default: under the data folder); no file is an empty register, not an error."""
    path = path or review_findings_path()
    if not path.is_file():
        return ReviewRegister([], [], path, exists=False)
    read = read_records(path.read_bytes(), MAX_BYTES, "a register")
    if isinstance(read, Problem):
        return ReviewRegister([], [read], path, exists=True)
    header, records = read
    missing = [Problem(1, c, "column is missing") for c in COLUMNS if c not in header]
    repeated = [Problem(1, c, "column appears more than once") for c in COLUMNS if header.count(c) > 1]
    if missing or repeated:
        return ReviewRegister([], missing + repeated, path, exists=True)
    ragged = [Problem(n, None, f"has {len(r)} cells; the header has {len(header)}")
              for n, r in records if len(r) != len(header)]
    if ragged:
        return ReviewRegister([], ragged, path, exists=True)

    rows = [(n, {h: cell.strip() for h, cell in zip(header, r, strict=True)}) for n, r in records]
    problems = run_checks(_frame(rows), _checks())
    findings = [] if problems else [
        ReviewFinding(r["ref"], _TYPE_BY_LOWER[r["review_type"].lower()], r["title"], r["finding"]) for _, r in rows
    ]
    return ReviewRegister(findings, problems, path, exists=True)


def _frame(rows: list[tuple[int, dict[str, str]]]):
    """Blank cells as nulls, review types normalised, the ref folded for the case-insensitive uniqueness check."""
    import pandas as pd

    return pd.DataFrame([{
        ROW: n,
        **{c: r[c] or None for c in COLUMNS},
        "review_type": _TYPE_BY_LOWER.get(r["review_type"].lower(), r["review_type"]) or None,
        "ref_folded": r["ref"].casefold() or None,
    } for n, r in rows], columns=[ROW, *COLUMNS, "ref_folded"])


def _checks() -> list[Check]:
    types = ", ".join(REVIEW_TYPES)
    return [
        Check(expect("ExpectColumnValuesToNotBeNull", column="ref"), "ref is empty", "ref"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="ref", regex=REF_PATTERN),
              "ref must start with a letter or digit, then letters, digits, '/', '_', '.' or '-' (40 at most)", "ref"),
        Check(expect("ExpectColumnValuesToBeUnique", column="ref_folded"),
              "ref appears more than once (ignoring letter case)", "ref"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="review_type"), f"review_type is empty: use {types}",
              "review_type"),
        Check(expect("ExpectColumnValuesToBeInSet", column="review_type", value_set=list(REVIEW_TYPES)),
              f"not a review type: use {types}", "review_type"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="title"), "title is empty", "title"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="finding"), "finding is empty", "finding"),
        Check(expect("ExpectColumnValueLengthsToBeBetween", column="finding", max_value=MAX_FINDING),
              f"finding is longer than {MAX_FINDING} characters", "finding"),
    ]
