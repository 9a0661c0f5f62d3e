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

import calendar
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from maa import inbox, reports, settings
from maa.checks import ROW, Check, Problem, expect, run_checks
from maa.csvtext import read_records
from maa.definitions import AuditDefinition, AuditType
from maa.mailer import OFFICIAL, Email, Mailer
from maa.store import Store, utcnow

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


# Checking an extract ------------------------------------------------------------------------

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
    """Blank cells as nulls and the date turned into a flag, so GX sees no value it could echo back."""
    import pandas as pd

    return pd.DataFrame([{
        ROW: n, "date": r["date"] or None, "date_is_iso": _parses(r["date"]), "category": r["category"] or None,
        "outcome": (r.get("outcome") or None) if has_outcome else None,
    } for n, r in rows], columns=[ROW, "date", "date_is_iso", "category", "outcome"])


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
    return checks


# Receiving extracts -------------------------------------------------------------------------

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
    body = reports.render("email/paa_data_refused.txt", audit=definition, file_name=path.name,
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


# Periods and population ---------------------------------------------------------------------

def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def previous_period(period_from: date, period_to: date) -> tuple[date, date]:
    """The period of the same length just before: in whole months when the period is whole months (so a
    financial year compares with the financial year before, leap days or not), otherwise in days."""
    previous_to = period_from - timedelta(days=1)
    if period_from.day == 1 and (period_to + timedelta(days=1)).day == 1:
        months = (period_to.year - period_from.year) * 12 + period_to.month - period_from.month + 1
        return _add_months(period_from, -months), previous_to
    return period_from - timedelta(days=(period_to - period_from).days + 1), previous_to


def months_between(first: date, last: date) -> list[str]:
    """Every month the period touches, as 'YYYY-MM', so a month without events shows as 0, not missing."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(f"{day:%Y-%m}")
        day = _add_months(day, 1)
    return months


def population_path() -> Path:
    return settings.data_dir() / "registers" / "population.csv"


@dataclass(frozen=True)
class Population:
    """The register `registers/population.csv` (`year,children_0_17`); problems mean it is not used at all."""

    children: dict[int, int]
    problems: list[Problem]
    exists: bool


def load_population(path: Path | None = None) -> Population:
    path = path or population_path()
    if not path.is_file():
        return Population({}, [], exists=False)
    read = read_records(path.read_bytes(), 1 << 20, "a population register")
    if isinstance(read, Problem):
        return Population({}, [read], exists=True)
    header, records = read
    problems = [Problem(1, c, "column is missing") for c in ("year", "children_0_17") if c not in header]
    if problems:
        return Population({}, problems, exists=True)
    children: dict[int, int] = {}
    for number, record in records:
        cells = dict(zip(header, (c.strip() for c in record), strict=False))
        year, count = cells.get("year", ""), cells.get("children_0_17", "").replace(",", "")
        if not (year.isdigit() and len(year) == 4):
            problems.append(Problem(number, "year", "not a year such as 2025"))
        elif not count.isdigit() or int(count) == 0:
            problems.append(Problem(number, "children_0_17", "not a whole number of children above 0"))
        elif int(year) in children:
            problems.append(Problem(number, "year", "this year appears more than once"))
        else:
            children[int(year)] = int(count)
    return Population({} if problems else children, problems, exists=True)


@dataclass(frozen=True)
class PopulationChoice:
    year: int
    children: int
    why: str


def population_for(population: Population, period_from: date, period_to: date) -> PopulationChoice | None:
    """The year the period's middle falls in; failing that the nearest year given (earlier on a tie)."""
    if not population.children:
        return None
    middle = period_from + (period_to - period_from) / 2
    if middle.year in population.children:
        return PopulationChoice(middle.year, population.children[middle.year],
                                "the year in which the middle of the period falls")
    nearest = min(population.children, key=lambda year: (abs(year - middle.year), year))
    return PopulationChoice(nearest, population.children[nearest],
                            f"the nearest year given: the register has no figure for {middle.year}, "
                            "the year in which the middle of the period falls")


def per_10k(events: int, choice: PopulationChoice | None) -> float | None:
    return None if choice is None else round(events * 10_000 / choice.children, 1)


# The figures --------------------------------------------------------------------------------

def query(name: str) -> str:
    """A query kept as SQL under include/sql/queries, so the same text runs on SQLite and PostgreSQL."""
    return (settings.sql_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def _read(connection: Any, name: str, **params: Any):
    import pandas as pd

    statement = sa.text(query(name)).bindparams(*(
        sa.bindparam(key, type_=sa.Date()) if isinstance(value, date) else sa.bindparam(key)
        for key, value in params.items()))
    return pd.read_sql_query(statement, connection, params=params)


@dataclass(frozen=True)
class Change:
    """One line of the comparison: this period, the previous one, the change, and rates per 10,000."""

    label: str
    current: int
    previous: int | None
    rate: float | None = None
    previous_rate: float | None = None

    @property
    def change(self) -> int | None:
        return None if self.previous is None else self.current - self.previous

    @property
    def change_percent(self) -> float | None:
        if self.previous is None or self.previous == 0:
            return None
        return round((self.current - self.previous) * 100 / self.previous, 1)


@dataclass(frozen=True)
class MeasureFigures:
    measure: str
    label: str
    extract: dict[str, Any] | None  # None: no extract was received
    months: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    monthly: dict[tuple[str, str], int] = field(default_factory=dict)  # (month, category) -> events
    outcomes: list[tuple[str, int]] = field(default_factory=list)  # "" is "not recorded"
    by_category: list[Change] = field(default_factory=list)
    total: Change | None = None

    def month_total(self, month: str) -> int:
        return sum(self.monthly.get((month, c), 0) for c in self.categories)


@dataclass(frozen=True)
class DataSection:
    period_from: date
    period_to: date
    previous_from: date
    previous_to: date
    population: PopulationChoice | None
    previous_population: PopulationChoice | None
    population_problems: list[str]
    measures: list[MeasureFigures]


def compute(definition: AuditDefinition, store: Store, population: Population | None = None) -> DataSection:
    """Counts by month and category, outcomes, the change on the previous period and rates, per measure."""
    period_from, period_to = definition.period.from_, definition.period.to
    previous_from, previous_to = previous_period(period_from, period_to)
    population = population if population is not None else load_population()
    now_pop = population_for(population, period_from, period_to)
    then_pop = population_for(population, previous_from, previous_to)
    ref = definition.ref
    extracts_table = store.table("paa_extracts")
    with store.engine.connect() as connection:
        extracts = {row.measure: dict(row._mapping) for row in connection.execute(
            sa.select(extracts_table).where(extracts_table.c.audit_ref == ref))}
        period = {"ref": ref, "period_from": period_from, "period_to": period_to}
        by_month = _read(connection, "paa_counts_by_month", **period)
        outcomes = _read(connection, "paa_outcomes", **period)
        compared = _read(connection, "paa_period_comparison", **period, previous_from=previous_from,
                         previous_to=previous_to)
    months = months_between(period_from, period_to)
    measures = []
    for measure, label in MEASURES.items():
        extract = extracts.get(measure)
        if extract is None:
            measures.append(MeasureFigures(measure, label, None))
            continue
        measures.append(_measure(measure, label, extract, months, by_month[by_month.measure == measure],
                                 outcomes[outcomes.measure == measure], compared[compared.measure == measure],
                                 previous_from, now_pop, then_pop))
    return DataSection(period_from, period_to, previous_from, previous_to, now_pop, then_pop,
                       [str(p) for p in population.problems], measures)


def _measure(measure: str, label: str, extract: dict[str, Any], months: list[str], by_month: Any, outcomes: Any,
             compared: Any, previous_from: date, now_pop: PopulationChoice | None,
             then_pop: PopulationChoice | None) -> MeasureFigures:
    """One measure's figures from its slices of the three query results; pandas pivots, plain values out."""
    monthly = {(str(r.event_month), str(r.category)): int(r.events) for r in by_month.itertuples()}
    categories = sorted(set(compared.category.astype(str)) | {c for _, c in monthly})
    # Rows covering the whole previous period make a comparison; one that starts later has only part of it.
    first = extract["first_date"]
    first = date.fromisoformat(first) if isinstance(first, str) else first
    comparable = first is not None and first <= previous_from
    counts = compared.set_index("category")
    by_category = []
    for category in categories:
        current = int(counts.at[category, "current_events"]) if category in counts.index else 0
        previous = int(counts.at[category, "previous_events"]) if category in counts.index else 0
        by_category.append(Change(category, current, previous if comparable else None, per_10k(current, now_pop),
                                  per_10k(previous, then_pop) if comparable else None))
    current_total = sum(c.current for c in by_category)
    previous_total = sum(c.previous or 0 for c in by_category) if comparable else None
    total = Change("All", current_total, previous_total, per_10k(current_total, now_pop),
                   per_10k(previous_total, then_pop) if previous_total is not None else None)
    outcome_rows = ([(str(r.outcome), int(r.events)) for r in outcomes.itertuples()]
                    if extract["has_outcome"] else [])
    outcome_rows.sort(key=lambda item: (item[0] == "", -item[1], item[0]))  # "not recorded" last
    return MeasureFigures(measure, label, extract, months, categories, monthly, outcome_rows, by_category, total)


def section(definition: AuditDefinition, store: Store) -> dict[str, Any] | None:
    """What the chair's briefing and the Audit Overview Report show; None for audits other than a PAA."""
    if definition.type is not AuditType.PAA:
        return None
    from maa.paa_charts import monthly_columns

    figures = compute(definition, store)
    charts = {m.measure: monthly_columns(
        [month_label(month) for month in m.months],
        [(c, [m.monthly.get((month, c), 0) for month in m.months]) for c in m.categories],
        f"{m.label}: events by month") for m in figures.measures if m.extract}
    return {"figures": figures, "charts": charts, "month_label": month_label, "format": Formats}


def month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{calendar.month_abbr[int(number)]} {year}"


class Formats:
    """How the reports write the figures; one place, so the briefing, the report and the tests agree."""

    @staticmethod
    def count(value: int | None) -> str:
        return "n/a" if value is None else f"{value:,}"

    @staticmethod
    def rate(value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.1f}"

    @staticmethod
    def change(row: Change) -> str:
        if row.change is None:
            return "n/a"
        percent = "" if row.change_percent is None else f" ({row.change_percent:+.1f}%)"
        return f"{row.change:+,}{percent}"

    @staticmethod
    def share(events: int, total: int) -> str:
        return f"{events * 100 / total:.1f}%" if total else "n/a"

    @staticmethod
    def summary(figures: MeasureFigures) -> str:
        """One sentence per measure: the period's events, the comparison and the rate."""
        total = figures.total
        text = f"{figures.label}: {total.current:,} events in the period"
        if total.previous is None:
            text += "; the extract has no rows before the period, so there is no comparison"
        else:
            text += f", against {total.previous:,} in the previous period; change {Formats.change(total)}"
        if total.rate is not None:
            text += f"; {total.rate:,.1f} per 10,000 children"
            if total.previous_rate is not None:
                text += f" ({total.previous_rate:,.1f} in the previous period)"
        return text + "."
