"""The data section of a Partnership Arrangements Audit (the 2023 procedure's area 10: MARF, MARAC,
conferences, strategy discussions; allegations management).

The Business Unit drops one CSV extract per measure into `inbox/<REF>/data/<measure>.csv`, one row per
event with `date,category[,outcome]`. An extract is checked before anything is loaded, because it comes
from case-management systems that happily export a child's name or id: any column other than those three
is refused, so an event row can never carry an identifier. Accepted rows go into the store
(`paa_events`); the figures come from the SQL in include/sql/queries, run through SQLAlchemy and read
into pandas, so they are the same on SQLite and PostgreSQL.

Reasons never quote a cell's value: a misplaced column may hold a child's details.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition, AuditType
from maa.intake import inbox
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.csvtext import read_records
from maa.intake.identifiers import DATE, ID, NAME, POSTCODE, looks_personal
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store, utcnow

log = logging.getLogger(__name__)



# The procedure's area 10, in its own order; the file name is the key.
MEASURES = {
    "contacts": "Multi-agency referral forms (MARF)",
    "marac": "MARAC",
    "conferences": "Child protection conferences",
    "strategy_discussions": "Strategy discussions",
    "allegations": "Allegations management",
}

# Measures about adults, never given as a rate per 10,000 children, and why: the reports say so.
NOT_ABOUT_CHILDREN = {
    "marac": "MARAC's cases are adult victims of domestic abuse",
    "allegations": "allegations management concerns adults who work with children",
}


COLUMNS = ("date", "category", "outcome")


REQUIRED = ("date", "category")


MAX_TEXT = 100  # a category or outcome is a code list entry, not narrative


MAX_BYTES = 20 << 20


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


DATA = Path("data")


INBOX_KIND = InboxKind.PAA_DATA


# Header words that mean a column carries a person's identity, matched as whole words of the header
# (`child_name`, `System ID`) or, for the unmistakable ones, anywhere in it (`childname`, `DOB2`).
_IDENTIFYING_WORDS = frozenset("""name names forename forenames surname firstname lastname fullname dob birth
birthdate born id ids identifier system nhs upn uln mosaic ref reference number postcode address
email phone mobile""".split())


_IDENTIFYING_PARTS = ("name", "dob", "birth", "postcode", "nhs")


@dataclass
class ExtractCheck:
    """What an extract's checks found: the measure it is, its events (only if accepted) or the problems."""

    file_name: str
    measure: str | None
    problems: list[Problem]
    events: list[tuple[int, date, str, str | None]] = field(default_factory=list)
    has_outcome: bool = False

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        """Each problem with the file named, so a reason read on its own says where to look."""
        return [f"{self.file_name}: {problem}" for problem in self.problems]


def looks_identifying(column: str) -> bool:
    words = set(re.split(r"[^a-z0-9]+", column.lower())) - {""}
    return bool(words & _IDENTIFYING_WORDS) or any(part in column.lower() for part in _IDENTIFYING_PARTS)


def check_extract(file_name: str, data: bytes) -> ExtractCheck:
    """Every reason an extract cannot be used, naming row and column; never a cell's content. A wrong name or
    heading hides nothing: the rows are checked in every column the file has once."""
    stem, suffix = Path(file_name).stem, Path(file_name).suffix
    measure = stem.lower() if suffix.lower() == ".csv" and stem.lower() in MEASURES else None
    problems = []
    if measure is None:
        names = ", ".join(f"{m}.csv" for m in MEASURES)
        problems.append(Problem(None, None, f"not a measure this audit reads: name the file one of {names}"))
    read = read_records(data, MAX_BYTES, "an extract of events")
    if isinstance(read, Problem):
        return ExtractCheck(file_name, measure, [*problems, read])
    header, records = read
    problems += _header_problems(header)
    problems += [Problem(n, None, f"has {len(r)} cells; the header has {len(header)}")
                 for n, r in records if len(r) != len(header)]
    if not records:
        problems.append(Problem(None, None, "the file has a header but no event rows"))
    rows = [(n, {h: cell.strip() for h, cell in zip(header, r, strict=True)}) for n, r in records
            if len(r) == len(header)]
    checked = [c for c in COLUMNS if header.count(c) == 1]  # one missing or repeated has its reason already
    if rows and checked:
        problems += run_checks(_frame(rows, checked), _checks(checked))
    has_outcome = "outcome" in header
    if problems:
        return ExtractCheck(file_name, measure, sorted(problems, key=lambda p: p.row or 0), has_outcome=has_outcome)
    events = [(n, date.fromisoformat(r["date"]), r["category"], r.get("outcome") or None) for n, r in rows]
    return ExtractCheck(file_name, measure, [], events, has_outcome)


def _header_problems(header: list[str]) -> list[Problem]:
    problems = [Problem(1, c, "column is missing") for c in REQUIRED if c not in header]
    problems += [Problem(1, c, "column appears more than once") for c in COLUMNS if header.count(c) > 1]
    for position, column in enumerate(header, start=1):
        if column in COLUMNS:
            continue
        if looks_identifying(column):  # a heading such as child_name or dob: naming it is safe and helps
            problems.append(Problem(1, column, "looks like it carries a child's name, date of birth or id: event "
                                               "rows must carry only date, category and outcome; remove the column"))
        else:  # by position only: in a file without its header row this 'heading' is a child's record
            problems.append(Problem(1, f"{position}", "its heading is not one of date, category, outcome (is the "
                                                      "header row missing?): event rows carry nothing else"))
    return problems


def _parses(text: str) -> bool | None:
    """True for an ISO date, False for anything else, None for an empty cell (reported as empty instead)."""
    if not text:
        return None
    if not ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _frame(rows: list[tuple[int, dict[str, str]]], columns: list[str]):
    """Blank cells as nulls, the date turned into a flag and the codes into what they look like (a name, a
    date, a postcode, an id), so GX sees no value it could echo back in a reason; a column the file lacks
    stays empty and unchecked."""
    import pandas as pd

    def cell(row: dict[str, str], column: str) -> str | None:
        return (row[column] or None) if column in columns else None

    codes = {r[c] for _, r in rows for c in ("category", "outcome") if c in columns}
    looks = {code: looks_personal(code) or "" for code in codes}  # a code list has few distinct entries
    return pd.DataFrame([{
        ROW: n, "date": cell(r, "date"), "date_is_iso": _parses(r["date"]) if "date" in columns else None,
        "category": cell(r, "category"), "outcome": cell(r, "outcome"),
        "category__looks": looks[r["category"]] if "category" in columns else "",
        "outcome__looks": looks[r["outcome"]] if "outcome" in columns else "",
    } for n, r in rows], columns=[ROW, "date", "date_is_iso", "category", "outcome", "category__looks",
                                  "outcome__looks"])


# A code's shape that says a person's details were typed or exported into it, and what to tell the sender.
_PERSONAL_REASONS = {
    NAME: "looks like a person's name (capitalised words a category does not use): a category or outcome is "
          "a code-list entry; if this is not a name, write it in sentence case, for example 'Domestic abuse'",
    DATE: "holds a date (a date of birth?): a category or outcome never carries one; the event's date goes in "
          "the date column",
    POSTCODE: "holds a postcode: a category or outcome never carries an address",
    ID: "holds what looks like an id (six or more letters and digits, four of them digits): a category or "
        "outcome never carries a person's system id or NHS number",
}


def _checks(columns: list[str]) -> list[Check]:
    checks = []
    if "date" in columns:
        checks += [Check(expect("ExpectColumnValuesToNotBeNull", column="date"), "date is empty", "date"),
                   Check(expect("ExpectColumnValuesToBeInSet", column="date_is_iso", value_set=[True]),
                         "not a date: write it as YYYY-MM-DD (ISO), for example 2025-04-01", "date")]
    if "category" in columns:
        checks += [Check(expect("ExpectColumnValuesToNotBeNull", column="category"), "category is empty", "category"),
                   Check(expect("ExpectColumnValueLengthsToBeBetween", column="category", max_value=MAX_TEXT),
                         f"category is longer than {MAX_TEXT} characters: it should be a category, not a "
                         "description", "category")]
    if "outcome" in columns:
        checks.append(Check(expect("ExpectColumnValueLengthsToBeBetween", column="outcome", max_value=MAX_TEXT),
                            f"outcome is longer than {MAX_TEXT} characters: it should be an outcome, not a "
                            "description", "outcome"))
    for column in (c for c in ("category", "outcome") if c in columns):
        checks += [Check(expect("ExpectColumnValuesToNotBeInSet", column=f"{column}__looks", value_set=[kind]),
                         reason, column) for kind, reason in _PERSONAL_REASONS.items()]
    return checks


def receive_extracts(definition: AuditDefinition, store: Store, mailer: Mailer,
                     inbox_root: InboxRoot | None = None) -> dict[str, str]:
    """Take every settled file out of the audit's data inbox: load and archive it, or quarantine it and
    email the Business Unit its reasons. Returns {file name: "accepted" | "refused"} (safe for XCom)."""
    if definition.type is not AuditType.PAA:
        return {}
    folder = inbox.inbox_path(definition.ref, *DATA.parts, root=inbox_root)
    if not folder.exists():
        return {}
    outcomes = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file() or not inbox.is_settled(path):
            continue  # hidden files and files still being copied in are left for the next look
        outcomes[path.name] = str(_take_extract(definition, store, mailer, path).outcome)
    return outcomes


def _take_extract(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> Taken[ExtractCheck]:
    ref = definition.ref
    arrival = Arrival(ref, InboxKind.PAA_DATA, None, path, DATA / path.name, "an extract of events", MAX_BYTES)

    def record(taken: Taken[ExtractCheck]) -> None:
        assert taken.result is not None
        load_events(store, ref, taken.result, taken.version)

    def event(taken: Taken[ExtractCheck]) -> tuple[str, str, str]:
        detail = (f"{len(taken.result.events)} rows" if taken.accepted and taken.result
                  else "\n".join(taken.reasons))
        return f"paa_data_{taken.outcome}", f"{path.name} v{taken.version}", detail

    def tell_sender(taken: Taken[ExtractCheck]) -> None:
        if taken.accepted:
            return
        body = rendering.render("email/paa_data_refused.txt", audit=definition, file_name=path.name,
                                version=taken.version, reasons=taken.reasons, kept_as=taken.kept_as.name,
                                measures=MEASURES)
        mailer.send(Email(ref=ref, kind=_refusal_kind(path.name), recipient=definition.business_unit.email,
                          version=taken.version, body=body, marking=OFFICIAL,
                          what=f"Data extract {path.name} refused (version {taken.version})"))

    return take(arrival, lambda data, _: check_extract(path.name, data), store, record=record, event=event,
                tell_sender=tell_sender)


def _refusal_kind(file_name: str) -> str:
    """The email's kind names the file, so that two files refused at the same version are two emails."""
    stem = Path(file_name).stem.lower()
    if stem in MEASURES:
        return f"data_refused_{stem}"
    return f"data_refused_{hashlib.sha256(file_name.encode()).hexdigest()[:12]}"


def load_events(store: Store, ref: str, result: ExtractCheck, version: int) -> int:
    """Replace the measure's events with the extract's, in one transaction (the newest extract stands)."""
    events = store.table("paa_events")
    rows = [{"audit_ref": ref, "measure": result.measure, "row_number": n, "event_date": day,
             "event_month": f"{day:%Y-%m}", "category": category, "outcome": outcome}
            for n, day, category, outcome in result.events]
    days = [day for _, day, _, _ in result.events]
    with store.begin() as connection:
        # Delete then a plain insert (batched by SQLAlchemy: 50,000 rows in seconds, where an upsert per row
        # takes half a minute on PostgreSQL); the key (audit, measure, row) still refuses any row twice.
        connection.execute(sa.delete(events).where(events.c.audit_ref == ref, events.c.measure == result.measure))
        connection.execute(sa.insert(events), rows)
        store._upsert(connection, "paa_extracts", [{
            "audit_ref": ref, "measure": result.measure, "version": version, "row_count": len(rows),
            "has_outcome": int(result.has_outcome), "first_date": min(days), "last_date": max(days),
            "accepted_at": utcnow()}], keys=["audit_ref", "measure"])
    return len(rows)
