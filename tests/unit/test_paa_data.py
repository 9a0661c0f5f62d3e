"""The PAA data section: extracts checked, loaded and aggregated by the SQL in include/sql/queries, on SQLite
and PostgreSQL; every figure compared with plain Python counting over the rows the test wrote."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition, load_definition
from maa.meeting import chair_briefing
from maa.outputs.store import Store
from maa.paa import extracts, figures
from maa.paa.charts import monthly_columns
from maa.pipeline import resources
from tests.conftest import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, AuditFolders, MailCatcher
from tests.outputs import pdf_text

REF = "PAA-2026-01"
PERIOD = (date(2025, 4, 1), date(2026, 3, 31))
PREVIOUS = (date(2024, 4, 1), date(2025, 3, 31))
CATEGORIES = {"contacts": ["Police", "Health", "Education", "Anonymous"],
              "marac": ["High risk", "Repeat"],
              "conferences": ["Initial", "Review"],
              "strategy_discussions": ["Section 47", "Section 17"],
              "allegations": ["Physical", "Sexual", "Conduct"]}
OUTCOMES = ["Referred", "Advice given", "No further action", ""]
POPULATION = {2024: 119_400, 2025: 121_250}


def paa_definition_changes(ref: str = REF) -> tuple[dict, tuple[str, ...]]:
    """A PAA built from the sample definition: no nominating agency, theme or extensions."""
    return ({"ref": ref, "type": "PAA", "title": "Partnership arrangements 2025-26",
             "period": {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}},
            ("nominating_agency", "theme", "extensions"))


@pytest.fixture
def paa(folders: AuditFolders) -> AuditDefinition:
    changes, remove = paa_definition_changes()
    return load_definition(folders.write_definition(changes, remove=remove))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, paa: AuditDefinition) -> Store:
    url = f"sqlite:///{tmp_path}/s.sqlite" if request.param == "sqlite" else request.getfixturevalue("postgres_store")
    opened = Store(url)
    opened.save_audit(paa, "PAA-2026-01.yaml")
    return opened


def events(measure: str, seed: int, count: int = 400, with_outcome: bool = True) -> list[tuple[date, str, str]]:
    """Events spread from before the previous period to after the period (rows outside both must not count)."""
    rng = random.Random(seed)
    first, last = date(2023, 12, 1), date(2026, 6, 30)
    return [(first + timedelta(days=rng.randrange((last - first).days + 1)), rng.choice(CATEGORIES[measure]),
             rng.choice(OUTCOMES) if with_outcome else "") for _ in range(count)]


def extract_csv(rows: list[tuple[date, str, str]], with_outcome: bool = True) -> bytes:
    header = "date,category,outcome" if with_outcome else "date,category"
    lines = [f"{d.isoformat()},{c},{o}" if with_outcome else f"{d.isoformat()},{c}" for d, c, o in rows]
    return ("\n".join([header, *lines]) + "\n").encode()


def load(store: Store, measure: str, rows: list[tuple[date, str, str]], with_outcome: bool = True,
         version: int = 1) -> None:
    checked = extracts.check_extract(f"{measure}.csv", extract_csv(rows, with_outcome))
    assert checked.accepted, checked.reasons()
    extracts.load_events(store, REF, checked, version)


def within(day: date, period: tuple[date, date]) -> bool:
    return period[0] <= day <= period[1]


def rate(events: int, children: int) -> float:
    return round(events * 10_000 / children, 1)


# The figures ------------------------------------------------------------------------------------

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


def test_a_newer_extract_replaces_the_measure_and_a_reload_writes_no_row_twice(paa: AuditDefinition,
                                                                               store: Store) -> None:
    first, second = events("marac", 5, 120), events("marac", 6, 80)
    load(store, "marac", first)
    load(store, "marac", first)  # the same extract again (a rerun): same keys, same rows
    assert _rows(store, "marac") == 120
    load(store, "marac", second, version=2)
    assert _rows(store, "marac") == 80
    (m,) = [m for m in figures.compute(paa, store, figures.Population({}, [], False)).measures
            if m.measure == "marac"]
    assert m.extract["version"] == 2 and m.total.current == sum(1 for d, _, _ in second if within(d, PERIOD))


def _rows(store: Store, measure: str) -> int:
    table = store.table("paa_events")
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.audit_ref == REF, table.c.measure == measure)).scalar_one()


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


# Checking extracts ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "reason"), [
    ("marf.csv", b"date,category\n2025-04-01,Police\n",
     "marf.csv: not a measure this audit reads: name the file one of contacts.csv, marac.csv"),
    ("contacts.xlsx", b"date,category\n2025-04-01,Police\n", "contacts.xlsx: not a measure this audit reads"),
    ("contacts.csv", b"", "contacts.csv: the file is empty"),
    ("contacts.csv", b"\n \n", "contacts.csv: the file is empty"),
    ("contacts.csv", b"date,category\n", "contacts.csv: the file has a header but no event rows"),
    ("contacts.csv", b"PK\x03\x04rest", "contacts.csv: not a CSV text file"),
    ("contacts.csv", b"date\n2025-04-01\n", "contacts.csv: row 1, column category: column is missing"),
    ("contacts.csv", b"category,outcome\nPolice,\n", "contacts.csv: row 1, column date: column is missing"),
    ("contacts.csv", b"date,category,date\n2025-04-01,a,2025-04-01\n",
     "contacts.csv: row 1, column date: column appears more than once"),
    ("marac.csv", b"date,category\n2025-04-01,High\n01/04/2025,High\n",
     "marac.csv: row 3, column date: not a date: write it as YYYY-MM-DD (ISO)"),
    ("marac.csv", b"date,category\n2025-04-01,High\n2025-02-30,High\n", "marac.csv: row 3, column date: not a date"),
    ("marac.csv", b"date,category\n2025-04-01,High\n,High\n", "marac.csv: row 3, column date: date is empty"),
    ("marac.csv", b"date,category\n2025-04-01,High\n2025-04-02,\n",
     "marac.csv: row 3, column category: category is empty"),
    ("marac.csv", b"date,category\n2025-04-01,High,extra\n", "marac.csv: row 2: has 3 cells; the header has 2"),
    ("marac.csv", b"date,category\n2025-04-01," + b"x" * 101 + b"\n",
     "marac.csv: row 2, column category: category is longer than 100 characters"),
    ("marac.csv", b"date,category,outcome\n2025-04-01,High," + b"y" * 101 + b"\n",
     "marac.csv: row 2, column outcome: outcome is longer than 100 characters"),
    ("allegations.csv", b"date,category,notes\n2025-04-01,Physical,x\n",
     "allegations.csv: row 1, column 3: its heading is not one of date, category, outcome"),
])
def test_every_reason_names_the_file_row_and_column(name: str, content: bytes, reason: str) -> None:
    checked = extracts.check_extract(name, content)
    assert not checked.accepted and checked.events == []
    assert any(r.startswith(reason) for r in checked.reasons()), checked.reasons()


def test_an_extract_without_its_header_row_is_refused_without_repeating_the_first_row() -> None:
    content = f"2025-04-01,{DISTINCTIVE_NAME},Police\n2025-04-02,Another Child,Health\n".encode()
    reasons = extracts.check_extract("contacts.csv", content).reasons()
    assert "contacts.csv: row 1, column 2: its heading is not one of date, category, outcome" in " ".join(reasons)
    assert not any(DISTINCTIVE_NAME.lower() in r.lower() for r in reasons)


@pytest.mark.parametrize("column", ["child_name", "system_id", "dob", "Date of Birth", "NHS number", "ChildName",
                                    "id", "first name", "postcode"])
def test_a_column_that_may_identify_a_child_is_refused_without_repeating_its_values(column: str) -> None:
    content = f"date,category,{column}\n2025-04-01,Police,{DISTINCTIVE_NAME}\n".encode()
    checked = extracts.check_extract("contacts.csv", content)
    (reason,) = checked.reasons()
    assert reason.startswith(f"contacts.csv: row 1, column {column.lower()}: looks like it carries a child's name")
    assert DISTINCTIVE_NAME not in reason


def test_category_and_outcome_are_not_mistaken_for_identifiers() -> None:
    assert not any(extracts.looks_identifying(c) for c in ("date", "category", "outcome", "Category", "month"))


# The inbox --------------------------------------------------------------------------------------

def test_extracts_leave_the_inbox_accepted_or_quarantined_and_the_business_unit_hears_why(
        paa: AuditDefinition, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    store.save_audit(paa, "PAA-2026-01.yaml")
    data = folders.inbox(REF) / "data"
    data.mkdir()
    (data / "contacts.csv").write_bytes(extract_csv(events("contacts", 7, 50)))
    (data / "marac.csv").write_text(f"date,category,system_id\n2025-05-01,High risk,{DISTINCTIVE_SYSTEM_ID}\n")
    (data / "marf.csv").write_bytes(extract_csv(events("contacts", 8, 5)))
    mailer = resources.mailer(store)

    assert extracts.receive_extracts(paa, store, mailer) == {
        "contacts.csv": "accepted", "marac.csv": "refused", "marf.csv": "refused"}

    assert list(data.iterdir()) == [], "every processed file leaves the inbox"
    assert (folders.data / "archive" / REF / "data" / "contacts.v1.csv").exists()
    quarantine = folders.data / "quarantine" / REF / "data"
    reasons = (quarantine / "marac.v1.csv.reasons.txt").read_text()
    assert "marac.csv: row 1, column system_id: looks like it carries a child's name" in reasons
    assert (quarantine / "marf.v1.csv.reasons.txt").exists()
    told = smtp_server.to(paa.business_unit.email)
    assert sorted(m["Subject"] for m in told) == [
        f"OFFICIAL [{REF}] Data extract marac.csv refused (version 1)",
        f"OFFICIAL [{REF}] Data extract marf.csv refused (version 1)"]
    body = next(m for m in told if "marac" in m["Subject"]).get_body(("plain",)).get_content()
    assert "row 1, column system_id" in body and "marac.v1.csv" in body
    assert all(DISTINCTIVE_SYSTEM_ID not in m.as_string() for m in told) and DISTINCTIVE_SYSTEM_ID not in reasons
    assert _rows(store, "contacts") == 50 and _rows(store, "marac") == 0

    (data / "marac.csv").write_bytes(extract_csv(events("marac", 9, 30)))  # corrected and sent again
    assert extracts.receive_extracts(paa, store, mailer) == {"marac.csv": "accepted"}
    assert (folders.data / "archive" / REF / "data" / "marac.v2.csv").exists()
    assert extracts.receive_extracts(paa, store, mailer) == {}, "a rerun finds nothing to do"
    assert len(smtp_server.messages) == 2
    assert [f["outcome"] for f in store.inbox_files(REF, extracts.INBOX_KIND)] == ["accepted", "refused", "refused",
                                                                                   "accepted"]


# The reports ------------------------------------------------------------------------------------

def test_the_chair_briefing_shows_the_data_and_says_which_measures_have_no_extract(
        paa: AuditDefinition, folders: AuditFolders, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_audit(paa, "PAA-2026-01.yaml")
    rows = events("strategy_discussions", 10, 300)
    load(store, "strategy_discussions", rows)
    registers = folders.data / "registers"
    registers.mkdir()
    (registers / "population.csv").write_text("year,children_0_17\n2024,119400\n2025,121250\n")

    text = pdf_text(chair_briefing.build_chair_briefing(paa, store, date(2026, 5, 1)))

    now = sum(1 for d, _, _ in rows if within(d, PERIOD))
    before = sum(1 for d, _, _ in rows if within(d, PREVIOUS))
    percent = round((now - before) * 100 / before, 1)
    assert (f"Strategy discussions: {now} events in the period, against {before} in the previous period; "
            f"change {now - before:+d} ({percent:+.1f}%); {rate(now, 121_250)} per 10,000 children "
            f"({rate(before, 119_400)} in the previous period).") in text
    assert "121,250 children in 2025 (the year in which the middle of the period falls)" in text
    assert "No extract was received for Contacts (MARF) (contacts.csv): this measure is not reported." in text
    assert "No extract was received for Allegations management (allegations.csv)" in text
    april = Counter(c for d, c, _ in rows if (d.year, d.month) == (2025, 4))
    assert f"Apr 2025 {april['Section 17']} {april['Section 47']} {april.total()}" in text, "the month's table row"


def test_case_audits_have_no_data_section(folders: AuditFolders, tmp_path: Path) -> None:
    mata = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_audit(mata, "MATA-2026-01.yaml")
    assert figures.section(mata, store) is None
    assert "Data for the period" not in pdf_text(chair_briefing.build_chair_briefing(mata, store, date(2026, 8, 1)))


def test_the_monthly_chart_draws_a_column_per_month_stacked_by_category() -> None:
    svg = monthly_columns(["Apr 2025", "May 2025", "Jun 2025"], [("A & B", [1, 0, 2]), ("<C>", [3, 0, 0])],
                          "MARAC: events by month")
    assert svg.count("class='segment'") == 3 and "A &amp; B" in svg and "&lt;C&gt;" in svg
    assert ">4</text>" in svg and ">May 2025</text>" in svg
    empty = monthly_columns(["Apr 2025"], [], "nothing")
    assert "<svg" in empty and "segment" not in empty


def test_maa_validate_data_runs_the_pipelines_checks_and_never_prints_a_cell(tmp_path: Path) -> None:
    from tests.unit.test_cli import maa

    good, bad = tmp_path / "marac.csv", tmp_path / "contacts.csv"
    good.write_bytes(extract_csv(events("marac", 11, 25)))
    bad.write_text(f"date,category,dob\n2025-04-01,Police,{DISTINCTIVE_NAME}\n")

    accepted = maa("validate-data", good)
    refused = maa("validate-data", good, bad)

    assert accepted.returncode == 0 and f"{good}: accepted (marac, 25 events)" in accepted.stdout
    assert refused.returncode == 1
    assert "contacts.csv: row 1, column dob: looks like it carries a child's name" in refused.stderr
    assert DISTINCTIVE_NAME not in refused.stdout + refused.stderr
