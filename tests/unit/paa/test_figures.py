"""The PAA data section's figures, aggregated by the SQL in include/sql/queries on SQLite and PostgreSQL, each
compared with plain Python counting over the rows the test wrote."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from maa.audit.definitions import AuditDefinition
from maa.outputs.store import Store
from maa.paa import figures
from maa.paa.extracts import NOT_ABOUT_CHILDREN
from tests.helpers.paa_data import PERIOD, POPULATION, PREVIOUS, events, load, rate, within


def test_counts_outcomes_change_and_rates_match_plain_counting(paa: AuditDefinition, store: Store) -> None:
    written = {"contacts": events("contacts", 1, 900), "marac": events("marac", 2, 150),
               "allegations": events("allegations", 3, 60, with_outcome=False)}
    for measure, rows in written.items():
        load(store, measure, rows, with_outcome=measure != "allegations")
    population = figures.Population(POPULATION, [], exists=True)

    section = figures.compute(paa, store, population)

    assert (section.previous_from, section.previous_to) == PREVIOUS
    assert section.population.year == 2025 and section.previous_population.year == 2024
    by_measure = {m.measure: m for m in section.measures}
    for measure, rows in written.items():
        m = by_measure[measure]
        in_period = [(d, c, o) for d, c, o in rows if within(d, PERIOD)]
        before = [(d, c, o) for d, c, o in rows if within(d, PREVIOUS)]
        assert m.monthly == dict(Counter((f"{d:%Y-%m}", c) for d, c, _ in in_period))
        assert len(m.months) == 12 and m.months[0] == "2025-04" and m.months[-1] == "2026-03"
        assert sum(m.month_total(month) for month in m.months) == len(in_period)
        current, previous = Counter(c for _, c, _ in in_period), Counter(c for _, c, _ in before)
        assert {row.label: (row.current, row.previous) for row in m.by_category} == {
            c: (current[c], previous[c]) for c in set(current) | set(previous)}
        assert (m.total.current, m.total.previous) == (len(in_period), len(before))
        assert m.total.change == len(in_period) - len(before)
        assert m.total.change_percent == round((len(in_period) - len(before)) * 100 / len(before), 1)
        if measure in NOT_ABOUT_CHILDREN:  # adults: never a rate per 10,000 children
            assert (m.total.rate, m.total.previous_rate) == (None, None) and m.not_rated
            assert {row.rate for row in m.by_category} == {None}
            assert f"no rate per 10,000 children, as {m.not_rated}" in figures.Formats.summary(m)
        else:
            assert m.total.rate == rate(len(in_period), POPULATION[2025])
            assert m.total.previous_rate == rate(len(before), POPULATION[2024])
            for row in m.by_category:
                assert row.rate == rate(current[row.label], POPULATION[2025])
        if measure == "allegations":
            assert m.outcomes == [] and not m.extract["has_outcome"]
        else:
            assert dict(m.outcomes) == dict(Counter(o for _, _, o in in_period))
            assert m.outcomes[-1][0] == "", "events without an outcome come last, as 'not recorded'"
    assert by_measure["conferences"].extract is None and by_measure["strategy_discussions"].extract is None


def test_an_extract_starting_with_the_period_has_no_comparison(paa: AuditDefinition, store: Store) -> None:
    rows = [(d, c, o) for d, c, o in events("conferences", 4, 200) if d >= PERIOD[0]]
    load(store, "conferences", rows)

    (m,) = [m for m in figures.compute(paa, store, figures.Population({}, [], False)).measures
            if m.measure == "conferences"]

    assert m.total.previous is None and m.total.change is None and m.total.rate is None
    assert "no comparison" in figures.Formats.summary(m)


def test_a_measure_without_its_extract_has_no_summary() -> None:
    with pytest.raises(ValueError, match="^Contacts has no figures to summarise: no extract was received$"):
        figures.Formats.summary(figures.MeasureFigures("contacts", "Contacts", None))


@pytest.mark.parametrize(("period", "previous"), [
    ((date(2025, 4, 1), date(2026, 3, 31)), (date(2024, 4, 1), date(2025, 3, 31))),
    ((date(2023, 4, 1), date(2024, 3, 31)), (date(2022, 4, 1), date(2023, 3, 31))),  # a leap day: still a year
    ((date(2025, 1, 1), date(2025, 6, 30)), (date(2024, 7, 1), date(2024, 12, 31))),
    ((date(2025, 3, 10), date(2025, 3, 19)), (date(2025, 2, 28), date(2025, 3, 9))),  # not whole months: days
])
def test_the_previous_period_has_the_same_length(period: tuple[date, date], previous: tuple[date, date]) -> None:
    assert figures.previous_period(*period) == previous


def test_the_population_year_is_the_one_the_period_centres_on_or_the_nearest() -> None:
    register = figures.Population({2023: 100, 2025: 300}, [], exists=True)
    assert figures.population_for(register, *PERIOD).year == 2025
    nearest = figures.population_for(register, date(2024, 1, 1), date(2024, 12, 31))
    assert nearest.year == 2023 and "no figure for 2024" in nearest.why  # tie: the earlier year
    assert figures.population_for(figures.Population({}, [], False), *PERIOD) is None


def test_the_population_register_is_read_and_its_problems_named(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("year,children_0_17\n2024,\"119,400\"\n2025,121250\n")
    assert figures.load_population(good).children == POPULATION
    bad = tmp_path / "bad.csv"
    bad.write_text("year,children_0_17\n2024,many\n24,100\n2025,5\n2025,6\n")
    reasons = [str(p) for p in figures.load_population(bad).problems]
    assert reasons == ["row 2, column children_0_17: not a whole number of children above 0",
                       "row 3, column year: not a year such as 2025", "row 5, column year: this year appears more "
                                                                      "than once"]
    assert figures.load_population(tmp_path / "none.csv").exists is False
