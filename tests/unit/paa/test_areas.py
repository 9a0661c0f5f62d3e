"""A PAA's areas: the procedure's questions as prompts in the audit pack and the return workbook, and area 1
filled from the programme's records for the audited period (the same records as the programme report)."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from maa.audit.definitions import DEFAULT_AREAS, AuditDefinition, definition_files, load_all, load_definition
from maa.outputs.store import Store
from maa.paa.areas import GENERAL_QUESTIONS, area_one, questions
from maa.preparation.audit_packs import build_audit_packs, pack_paths
from maa.preparation.return_template import AREA_ONE_SHEET
from maa.programme.records import programme_records
from maa.tracker.register import COMPLETE, RED
from tests.helpers.definitions import AuditFolders
from tests.helpers.outputs import pdf_text
from tests.helpers.paa_data import paa_definition_changes
from tests.helpers.programme_seed import YEAR, seed_programme

TODAY = date(2027, 5, 10)  # the PAA of 2026-27 starts after its year


def year_paa(folders: AuditFolders) -> AuditDefinition:
    changes, remove = paa_definition_changes("PAA-2027-01")
    changes |= {"period": {"from": YEAR.first.isoformat(), "to": YEAR.last.isoformat()}, "start": "2027-05-03",
                "areas": [*DEFAULT_AREAS, "Early help"]}
    return load_definition(folders.write_definition(changes, remove=remove))


def test_each_of_the_ten_areas_has_the_procedures_questions_and_an_added_area_the_general_ones() -> None:
    asked = [questions(area) for area in DEFAULT_AREAS]
    assert all(asked) and len(set(asked)) == len(DEFAULT_AREAS), "every area its own questions"
    assert questions("section 11 REPORTING ") == asked[4], "found ignoring letter case and spaces"
    assert any("recommendations" in q for q in asked[4]) and any("timely" in q for q in asked[2])
    assert questions("Early help") == GENERAL_QUESTIONS


def test_area_one_reads_the_programme_records_of_the_period_without_the_paa_itself(folders: AuditFolders) -> None:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    programme = seed_programme(folders, store)
    paa = year_paa(folders)
    store.save_audit(paa, "PAA-2027-01.yaml")

    outputs = area_one(paa, store, TODAY)

    assert outputs is not None and outputs.records.as_of == YEAR.last
    assert [a.ref for a in outputs.records.audits] == list(programme.in_year), "the PAA is not its own output"
    same = programme_records(store, load_all(definition_files()).definitions.values(), YEAR, YEAR.last,
                             exclude=(paa.ref,))
    assert outputs.records == same, "the programme report's own figures"
    lines = outputs.lines()
    assert lines[0] == f"Audits run in the period (other than this one): {len(programme.in_year)} (MACA 1, MATA 2)."
    assert (f"Actions agreed: {len(same.actions)}; completed: {same.count(status=COMPLETE)}; overdue: "
            f"{same.count(colour=RED)} (as at 31 March 2027).") in lines
    assert "Impact reviews done: 1 (MATA-2026-01 on 27 January 2027)." in lines
    assert lines[-1] == f"Audit Panel decisions: none recorded for {', '.join(programme.in_year)}."
    assert area_one(load_definition(folders.write_definition()), store, TODAY) is None, "a MATA has no area 1"


def test_the_audit_pack_and_the_return_workbook_carry_the_questions_and_area_one(folders: AuditFolders) -> None:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    seed_programme(folders, store)
    paa = year_paa(folders)

    build_audit_packs(paa, store, TODAY)

    pdf, workbook_path = pack_paths(paa, "POL")
    text = pdf_text(pdf).replace("- ", "-")  # a word broken at its hyphen at a line's end
    outputs = area_one(paa, store, TODAY)
    assert outputs is not None
    for area in paa.review_units:
        for question in questions(area):
            assert question in text, question
    for line in outputs.lines():
        assert line in text, line
    workbook = load_workbook(workbook_path)
    findings = list(workbook["Findings"].iter_rows(values_only=True))
    assert findings[0][-1] == "questions"
    assert {row[0]: row[-1] for row in findings[1:]}["Early help"] == "\n".join(GENERAL_QUESTIONS)
    records = [row[0] for row in workbook[AREA_ONE_SHEET].iter_rows(min_row=2, values_only=True)]
    assert records == outputs.lines()
