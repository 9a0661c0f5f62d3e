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
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store, utcnow

log = logging.getLogger(__name__)



# The procedure's area 10, in its own order; the file name is the key.
MEASURES = {
    "contacts": "Contacts (MARF)",
    "marac": "MARAC",
    "conferences": "Child protection conferences",
    "strategy_discussions": "Strategy discussions",
    "allegations": "Allegations management",
}


COLUMNS = ("date", "category", "outcome")


REQUIRED = ("date", "category")


MAX_TEXT = 100  # a category or outcome is a code list entry, not narrative


MAX_BYTES = 20 << 20


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


DATA = Path("data")


INBOX_KIND = "paa_data"


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
    """Every reason an extract cannot be used, naming row and column; never a cell's content."""
    stem, suffix = Path(file_name).stem, Path(file_name).suffix
    measure = stem.lower() if suffix.lower() == ".csv" and stem.lower() in MEASURES else None
    if measure is None:
        names = ", ".join(f"{m}.csv" for m in MEASURES)
        return ExtractCheck(file_name, None, [Problem(None, None, f"not a measure this audit reads: name the "
                                                                  f"file one of {names}")])
    read = read_records(data, MAX_BYTES, "an extract of events")
    if isinstance(read, Problem):
        return ExtractCheck(file_name, measure, [read])
    header, records = read
    problems = _header_problems(header)
    if problems:
        return ExtractCheck(file_name, measure, problems)
    problems = [Problem(n, None, f"has {len(r)} cells; the header has {len(header)}")
                for n, r in records if len(r) != len(header)]
    if not records:
        problems.append(Problem(None, None, "the file has a header but no event rows"))
    if problems:
        return ExtractCheck(file_name, measure, problems)
    rows = [(n, {h: cell.strip() for h, cell in zip(header, r, strict=True)}) for n, r in records]
    has_outcome = "outcome" in header
    problems = run_checks(_frame(rows, has_outcome), _checks(has_outcome))
    if problems:
        return ExtractCheck(file_name, measure, problems, has_outcome=has_outcome)
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


def _frame(rows: list[tuple[int, dict[str, str]]], has_outcome: bool):
    """Blank cells as nulls, the date turned into a flag and the codes into what they look like (a name, a
    date, a postcode, an id), so GX sees no value it could echo back in a reason."""
    import pandas as pd

    codes = {r[c] for _, r in rows for c in ("category", "outcome") if c in r}
    looks = {code: looks_personal(code) or "" for code in codes}  # a code list has few distinct entries
    return pd.DataFrame([{
        ROW: n, "date": r["date"] or None, "date_is_iso": _parses(r["date"]), "category": r["category"] or None,
        "outcome": (r.get("outcome") or None) if has_outcome else None,
        "category__looks": looks[r["category"]], "outcome__looks": looks[r["outcome"]] if has_outcome else "",
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


def _checks(has_outcome: bool) -> list[Check]:
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="date"), "date is empty", "date"),
        Check(expect("ExpectColumnValuesToBeInSet", column="date_is_iso", value_set=[True]),
              "not a date: write it as YYYY-MM-DD (ISO), for example 2025-04-01", "date"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="category"), "category is empty", "category"),
        Check(expect("ExpectColumnValueLengthsToBeBetween", column="category", max_value=MAX_TEXT),
              f"category is longer than {MAX_TEXT} characters: it should be a category, not a description",
              "category"),
    ]
    if has_outcome:
        checks.append(Check(expect("ExpectColumnValueLengthsToBeBetween", column="outcome", max_value=MAX_TEXT),
                            f"outcome is longer than {MAX_TEXT} characters: it should be an outcome, not a "
                            "description", "outcome"))
    for column in ("category", "outcome") if has_outcome else ("category",):
        checks += [Check(expect("ExpectColumnValuesToNotBeInSet", column=f"{column}__looks", value_set=[kind]),
                         reason, column) for kind, reason in _PERSONAL_REASONS.items()]
    return checks


def receive_extracts(definition: AuditDefinition, store: Store, mailer: Mailer) -> dict[str, str]:
    """Take every settled file out of the audit's data inbox: load and archive it, or quarantine it and
    email the Business Unit its reasons. Returns {file name: "accepted" | "refused"} (safe for XCom)."""
    if definition.type is not AuditType.PAA:
        return {}
    folder = inbox.inbox_path(definition.ref, *DATA.parts)
    if not folder.exists():
        return {}
    outcomes = {}
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "~$")) or not path.is_file() or not inbox.is_settled(path):
            continue  # hidden files and files still being copied in are left for the next look
        outcomes[path.name] = _take_extract(definition, store, mailer, path)
    return outcomes


def _take_extract(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> str:
    ref, relative = definition.ref, DATA / path.name
    if inbox.size_of(path) > MAX_BYTES:
        result = ExtractCheck(path.name, None, [Problem(None, None, f"the file is larger than {MAX_BYTES >> 20} MiB")])
        data = None
    else:
        data = path.read_bytes()
        result = check_extract(path.name, data)
    if result.accepted:
        # Loaded before it is archived: a crash in between leaves the file in the inbox, and the next
        # look loads the same rows again under the same keys (nothing twice).
        version = inbox.next_version(ref, relative)
        load_events(store, ref, result, version)
        filed = inbox.archive(ref, path, data, relative)
        store.record_inbox_file(ref, INBOX_KIND, None, filed.version, "accepted", str(filed.path), filed.sha256)
        store.record_event(ref, "paa_data_accepted", f"{path.name} v{filed.version}", f"{len(result.events)} rows")
        return "accepted"
    reasons = result.reasons()
    filed = inbox.quarantine(ref, path, data, relative, reasons)
    store.record_inbox_file(ref, INBOX_KIND, None, filed.version, "refused", str(filed.path), filed.sha256,
                            "\n".join(reasons))
    store.record_event(ref, "paa_data_refused", f"{path.name} v{filed.version}", "\n".join(reasons))
    log.warning("%s: data extract %s (version %s) refused: %s", ref, path.name, filed.version, "; ".join(reasons))
    body = rendering.render("email/paa_data_refused.txt", audit=definition, file_name=path.name,
                          version=filed.version, reasons=reasons, kept_as=filed.path.name, measures=MEASURES)
    mailer.send(Email(ref=ref, kind=_refusal_kind(path.name), recipient=definition.business_unit.email,
                      version=filed.version, what=f"Data extract {path.name} refused (version {filed.version})",
                      body=body, marking=OFFICIAL))
    return "refused"


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
    with store.engine.begin() as connection:
        # Delete then a plain insert (batched by SQLAlchemy: 50,000 rows in seconds, where an upsert per row
        # takes half a minute on PostgreSQL); the key (audit, measure, row) still refuses any row twice.
        connection.execute(sa.delete(events).where(events.c.audit_ref == ref, events.c.measure == result.measure))
        connection.execute(sa.insert(events), rows)
        store._upsert(connection, "paa_extracts", [{
            "audit_ref": ref, "measure": result.measure, "version": version, "row_count": len(rows),
            "has_outcome": int(result.has_outcome), "first_date": min(days), "last_date": max(days),
            "accepted_at": utcnow()}], keys=["audit_ref", "measure"])
    return len(rows)
