"""Great Expectations behind maa's small interface: each failing row located, in row order, with the
message a person reads, and a problem written sheet, row, column, cell, then what is wrong."""

from __future__ import annotations

import pandas as pd

from maa.intake.checks import ROW, Check, Problem, expect, run_checks


def test_a_problem_names_where_then_what() -> None:
    assert str(Problem(3, "grade", "not a grade", "Findings", "C3")) == (
        "sheet Findings, row 3, column grade, cell C3: not a grade")
    assert str(Problem(1, "dob", "remove the column")) == "row 1, column dob: remove the column"
    assert str(Problem(None, None, "the file is empty")) == "the file is empty"


def test_every_failing_row_of_every_check_is_located_in_row_order() -> None:
    frame = pd.DataFrame({ROW: [2, 3, 4, 5], "grade": ["Good", None, "Great", None],
                          "is_iso": [True, False, True, None]})
    checks = [Check(expect("ExpectColumnValuesToBeInSet", column="grade", value_set=["Good"]), "not a grade",
                    "grade"),
              Check(expect("ExpectColumnValuesToNotBeNull", column="grade"), "grade is empty", "grade"),
              Check(expect("ExpectColumnValuesToBeInSet", column="is_iso", value_set=[True]), "not a date", "date")]
    assert run_checks(frame, checks, sheet="Findings") == [
        Problem(3, "date", "not a date", "Findings"),
        Problem(3, "grade", "grade is empty", "Findings"),
        Problem(4, "grade", "not a grade", "Findings"),
        Problem(5, "grade", "grade is empty", "Findings"),
    ]


def test_a_frame_that_passes_has_no_problems() -> None:
    frame = pd.DataFrame({ROW: [2], "grade": ["Good"]})
    assert run_checks(frame, [Check(expect("ExpectColumnValuesToNotBeNull", column="grade"), "empty", "grade")]) == []
