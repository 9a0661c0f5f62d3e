"""A PAA's data section from the loaded events: counts, outcomes, change on the previous period and
rates per 10,000 children, from the SQL in include/sql/queries (the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from maa import config
from maa.audit.definitions import AuditDefinition, AuditType
from maa.intake.checks import Problem
from maa.intake.csvtext import read_records
from maa.outputs.store import Store
from maa.paa.extracts import MEASURES, NOT_ABOUT_CHILDREN

log = logging.getLogger(__name__)



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
    return config.data_dir() / "registers" / "population.csv"


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


def query(name: str) -> str:
    """A query kept as SQL under include/sql/queries, so the same text runs on SQLite and PostgreSQL."""
    return (config.sql_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")


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

    @property
    def not_rated(self) -> str | None:
        """Why the measure has no rate per 10,000 children (it is about adults); None when it has one."""
        return NOT_ABOUT_CHILDREN.get(self.measure)

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
    period_from, period_to = definition.audited_period.from_, definition.audited_period.to
    previous_from, previous_to = previous_period(period_from, period_to)
    population = population if population is not None else load_population()
    now_pop = population_for(population, period_from, period_to)
    then_pop = population_for(population, previous_from, previous_to)
    ref = definition.ref
    extracts_table = store.table("paa_extracts")
    with store.connect() as connection:
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
        rated = measure not in NOT_ABOUT_CHILDREN  # a rate per 10,000 children only for measures about children
        measures.append(_measure(measure, label, extract, months, by_month[by_month.measure == measure],
                                 outcomes[outcomes.measure == measure], compared[compared.measure == measure],
                                 previous_from, now_pop if rated else None, then_pop if rated else None))
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


def section(definition: AuditDefinition, store: Store, today: date) -> dict[str, Any] | None:
    """What the chair's briefing and the Audit Overview Report show of a PAA (area 1 from the programme's
    records, the year's data for area 10); None for audits other than a PAA. `today` is the audit's day."""
    if definition.type is not AuditType.PAA:
        return None
    from maa.paa.areas import area_one
    from maa.paa.charts import monthly_columns

    figures = compute(definition, store)
    charts = {m.measure: monthly_columns(
        [month_label(month) for month in m.months],
        [(c, [m.monthly.get((month, c), 0) for month in m.months]) for c in m.categories],
        f"{m.label}: events by month") for m in figures.measures if m.extract}
    return {"figures": figures, "charts": charts, "month_label": month_label, "format": Formats,
            "area_one": area_one(definition, store, today)}


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
        if total is None:
            raise ValueError(f"{figures.label} has no figures to summarise: no extract was received")
        text = f"{figures.label}: {total.current:,} events in the period"
        if total.previous is None:
            text += "; the extract has no rows before the period, so there is no comparison"
        else:
            text += f", against {total.previous:,} in the previous period; change {Formats.change(total)}"
        if figures.not_rated:
            text += f"; no rate per 10,000 children, as {figures.not_rated}"
        elif total.rate is not None:
            text += f"; {total.rate:,.1f} per 10,000 children"
            if total.previous_rate is not None:
                text += f" ({total.previous_rate:,.1f} in the previous period)"
        return text + "."
