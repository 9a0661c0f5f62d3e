"""The Audit Panel's decision in a definition: its fields, its counts, and how it stands against the audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from maa.audit.definitions import load_definition
from tests.helpers.definitions import AuditFolders, assert_refused, problems

DECISION = {"approved_on": "2026-05-14", "minute": "Audit Panel 2026-05 item 4",
            "sources": ["SIN Decision Team", "QiiP subgroup"], "nominated": 7, "selected": 3,
            "not_selected": [{"count": 3, "reason": "outside the theme"},
                             {"count": 1, "reason": "under review elsewhere"}]}


def with_panel(folders: AuditFolders, **panel: Any):
    return folders.write_definition({"panel": {**DECISION, **panel}})


def test_a_panel_decision_is_read_with_every_field(folders: AuditFolders) -> None:
    panel = load_definition(with_panel(folders)).panel
    assert panel is not None
    assert panel.approved_on == date(2026, 5, 14) and panel.minute == "Audit Panel 2026-05 item 4"
    assert panel.sources == ["SIN Decision Team", "QiiP subgroup"]
    assert (panel.nominated, panel.selected) == (7, 3)
    assert [(n.count, n.reason) for n in panel.not_selected] == [(3, "outside the theme"),
                                                                 (1, "under review elsewhere")]
    assert panel.summary_lines() == [
        "Approved by the Audit Panel on Thu 14 May 2026 (Audit Panel 2026-05 item 4).",
        "Cases nominated by: SIN Decision Team, QiiP subgroup.",
        "Cases nominated 7, selected 3.",
        "Not selected: 3, outside the theme.",
        "Not selected: 1, under review elsewhere.",
    ]


def test_only_the_approval_and_its_minute_are_required(folders: AuditFolders) -> None:
    path = folders.write_definition({"panel": {"approved_on": "2026-06-01", "minute": "AP 7"}})
    panel = load_definition(path).panel
    assert panel is not None and panel.nominated is None and panel.not_selected == []
    assert load_definition(folders.write_definition()).panel is None
    assert set(problems(folders.write_definition({"panel": {"sources": ["SIN"]}}))) == {
        "panel.approved_on", "panel.minute"}


def test_selecting_more_than_were_nominated_is_refused(folders: AuditFolders) -> None:
    assert_refused(with_panel(folders, nominated=2, selected=3, not_selected=[]), "panel.selected", "3 selected",
                   "2 nominated")


def test_approval_after_the_start_is_refused(folders: AuditFolders) -> None:
    assert_refused(with_panel(folders, approved_on="2026-06-02"), "panel.approved_on", "after the audit's start")
    assert load_definition(with_panel(folders, approved_on="2026-06-01")).panel is not None  # the start itself


@pytest.mark.parametrize(("not_selected", "words"), [
    ([{"count": 3, "reason": "outside the theme"}], ("add up to 3", "is 4")),
    ([{"count": 5, "reason": "outside the theme"}], ("add up to 5", "is 4")),
])
def test_the_cases_not_selected_add_up_to_those_left_out(folders: AuditFolders, not_selected: list, words) -> None:
    assert_refused(with_panel(folders, not_selected=not_selected), "panel.not_selected", *words)


def test_without_a_selected_count_the_reasons_may_not_exceed_the_nominated(folders: AuditFolders) -> None:
    path = folders.write_definition({"panel": {**DECISION, "selected": None, "nominated": 3}})
    assert_refused(path, "panel.not_selected", "more than the 3 nominated")


@pytest.mark.parametrize(("field", "value"), [
    ("approved_on", "2026-02-30"), ("nominated", True), ("selected", "3"), ("minute", ""), ("nominated", -1),
    ("not_selected", [{"count": 0, "reason": "outside the theme"}]), ("not_selected", [{"count": 4}]),
    ("child_name", "x"),
])
def test_each_field_is_checked_and_named(folders: AuditFolders, field: str, value: Any) -> None:
    found = problems(with_panel(folders, **{field: value}))
    assert any(name.startswith(f"panel.{field}") for name in found), found


@pytest.mark.parametrize(("changes", "remove", "selected", "words"), [
    ({"type": "MACA", "timescale": {}}, (), 2, "exactly one case"),
    ({}, (), 1, "2 to 60"),
    ({}, (), 61, "2 to 60"),
])
def test_the_number_selected_must_be_one_the_audit_can_hold(folders: AuditFolders, changes: dict, remove: tuple,
                                                             selected: int, words: str) -> None:
    panel = {**DECISION, "nominated": 70, "selected": selected, "not_selected": []}
    assert_refused(folders.write_definition({**changes, "panel": panel}, remove=remove), "panel.selected", words)


def test_a_paa_panel_gives_no_case_counts(folders: AuditFolders) -> None:
    paa = {"type": "PAA", "period": {"from": "2025-04-01", "to": "2026-03-31"}}
    assert_refused(folders.write_definition({**paa, "panel": DECISION}, remove=("nominating_agency",)),
                   "panel", "areas, not cases")
    decision = {"approved_on": "2026-05-14", "minute": "AP 4", "sources": ["Executive"]}
    assert load_definition(folders.write_definition({**paa, "panel": decision}, remove=("nominating_agency",))).panel
