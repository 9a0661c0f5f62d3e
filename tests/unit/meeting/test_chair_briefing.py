"""The chair's briefing: a PAA's data section from the store, and none for a case audit."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from maa.audit.definitions import AuditDefinition, load_definition
from maa.meeting import chair_briefing
from maa.outputs.store import Store
from maa.paa import figures
from tests.helpers.definitions import THEMATIC_DEFINITION, AuditFolders
from tests.helpers.outputs import pdf_text
from tests.helpers.paa_data import PERIOD, PREVIOUS, events, load, rate, within


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
    assert ("No extract was received for Multi-agency referral forms (MARF) (contacts.csv): this measure is not "
            "reported.") in text
    assert "No extract was received for Allegations management (allegations.csv)" in text
    april = Counter(c for d, c, _ in rows if (d.year, d.month) == (2025, 4))
    assert f"Apr 2025 {april['Section 17']} {april['Section 47']} {april.total()}" in text, "the month's table row"


def test_case_audits_have_no_data_section(folders: AuditFolders, tmp_path: Path) -> None:
    mata = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_audit(mata, "MATA-2026-01.yaml")
    assert figures.section(mata, store, date(2026, 8, 1)) is None
    assert "Data for the period" not in pdf_text(chair_briefing.build_chair_briefing(mata, store, date(2026, 8, 1)))


def test_a_mata_without_cases_is_briefed_by_domain_with_no_case_column(folders: AuditFolders, tmp_path: Path) -> None:
    thematic = load_definition(folders.write_definition(source=THEMATIC_DEFINITION))
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_audit(thematic, "MATA-2026-02.yaml")
    for code, grade in (("POL", "Inadequate"), ("CSC", "Requires improvement")):
        store.save_return(thematic.ref, code, status="accepted", version=1, findings=[
            {"unit_ref": "", "domain": domain, "grade": grade, "worked_well": "", "worked_less_well": "",
             "learning": "Share the return interview with the school." if code == "POL" else ""}
            for domain in thematic.domains])

    matrix = chair_briefing.grade_matrix(thematic, store)
    assert matrix["units"] == [""] and matrix["domains"] == thematic.domains
    assert matrix["grid"][("", thematic.domains[0])] == {"POL": "Inadequate", "CSC": "Requires improvement"}
    assert matrix["learning"][thematic.domains[0]] == [("Share the return interview with the school.", "POL")]
    text = pdf_text(chair_briefing.build_chair_briefing(thematic, store, date(2026, 10, 30)))
    assert "Domain CSC POL" in text and "Case" not in text
    assert f"{thematic.domains[0]} (CSC, POL)" in text, "a domain two agencies found wanting recurs"
