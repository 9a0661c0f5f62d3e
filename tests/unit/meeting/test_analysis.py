"""The chair's analysis: every reason names sheet, row, column and cell; no child's name is ever repeated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from maa.audit.definitions import load_definition
from maa.meeting.analysis import check_analysis, markdown_to_safe_html
from maa.meeting.registers import load_review_findings
from maa.preparation.nominations import Nominee
from tests.helpers.definitions import PROJECT, SAMPLE_DEFINITION
from tests.helpers.nominations import DISTINCTIVE_NAME
from tests.helpers.workbooks import ACTIONS, THEMES, chair_analysis, with_macros

REGISTER = load_review_findings(PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv")
CHILDREN = [Nominee("C-01", "QZX-99887766", DISTINCTIVE_NAME, date(2016, 2, 29))]


@pytest.fixture(scope="module")
def definition():
    return load_definition(SAMPLE_DEFINITION)


def reasons(definition, tmp_path: Path, themes=THEMES, actions=ACTIONS, narrative: str | None = None) -> list[str]:
    data = chair_analysis(definition, tmp_path, themes=themes, actions=actions)
    return check_analysis(definition, data, narrative, REGISTER, CHILDREN).reasons()


def test_a_good_analysis_is_accepted_with_its_actions_typed(definition, tmp_path: Path) -> None:
    result = check_analysis(definition, chair_analysis(definition, tmp_path), "## Overview\n\nC-01 drifted.",
                            REGISTER, CHILDREN)
    assert result.accepted, result.reasons()
    assert [t["theme"] for t in result.themes] == [t[0] for t in THEMES]
    assert result.actions[0] == {"action_id": "A1", "action": ACTIONS[0][1], "owner_agency": "CSC",
                                 "due_date": date(2026, 11, 30), "review_refs": "RR-2025-07",
                                 "theme": ACTIONS[0][5]}
    assert "<h2>Overview</h2>" in result.narrative_html


def test_each_wrong_action_is_named_by_sheet_row_column_and_cell(definition, tmp_path: Path) -> None:
    actions = [
        ("A1", "Owner not in the audit", "FIRE", "2026-11-30", "RR-2025-07", ""),
        ("A1", "Due before sign-off", "CSC", "2026-08-01", "", ""),
        ("A 3", "Unknown review", "EDU", "2027-01-29", "RR-2025-07; SCR-1999-99", ""),
        ("A4", "", "POL", "next spring", "", ""),
    ]
    assert reasons(definition, tmp_path, actions=actions) == [
        "sheet Actions, row 2, column action_id, cell A2: the same action_id appears twice",
        "sheet Actions, row 2, column owner_agency, cell C2: not one of this audit's agencies "
        "(CSC, EDU, GHC, ICB, POL, PROB)",
        "sheet Actions, row 3, column action_id, cell A3: the same action_id appears twice",
        "sheet Actions, row 3, column due_date, cell D3: must fall after the sign-off date, 24 August 2026",
        "sheet Actions, row 4, column action_id, cell A4: action_id must be letters, digits, '.', '_' or '-' "
        "(up to 40)",
        "sheet Actions, row 4, column review_refs, cell E4: names a review not in the review findings register",
        "sheet Actions, row 5, column action, cell B5: action is empty",
        "sheet Actions, row 5, column due_date, cell D5: not a date (YYYY-MM-DD)",
    ]


def test_a_childs_name_is_refused_where_it_stands_and_never_repeated(definition, tmp_path: Path) -> None:
    themes = [("Drift", f"{DISTINCTIVE_NAME} waited too long.", "", "")]
    found = reasons(definition, tmp_path, themes=themes, narrative=f"Intro\n\nAbout {DISTINCTIVE_NAME.upper()}.")
    assert found == [
        "line 3: narrative.md names a nominated child: refer to children by case ref only",
        "sheet Themes, row 2, column finding, cell B2: names a nominated child: refer to children by case ref only",
    ]
    assert not any(part in reason for reason in found for part in DISTINCTIVE_NAME.split())


def test_missing_sheets_empty_themes_and_hostile_files_are_refused_before_anything_else(
        definition, tmp_path: Path) -> None:
    assert reasons(definition, tmp_path, themes=[]) == ["sheet Themes: no themes: at least one row is needed"]
    macro = with_macros(chair_analysis(definition, tmp_path))
    (reason,) = check_analysis(definition, macro, None, REGISTER, CHILDREN).reasons()
    assert "macro" in reason.lower()
    (reason,) = check_analysis(definition, b"theme,finding\nDrift,late\n", None, REGISTER, CHILDREN).reasons()
    assert "xlsx" in reason.lower() or "workbook" in reason.lower()


def test_the_narrative_is_markdown_with_raw_html_escaped() -> None:
    html = markdown_to_safe_html("**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
