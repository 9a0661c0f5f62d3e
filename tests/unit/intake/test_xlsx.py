"""Workbooks people send: hostile files refused from their bytes before openpyxl opens them, a formula named
by its cell, and a child's name found in text without the text being kept."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from maa.intake.checks import Problem
from maa.intake.xlsx import IdentifierMatcher, Refused, open_workbook, read_required
from maa.preparation.nominations import Nominee
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.workbooks import ENCRYPTED, with_macros


def workbook_bytes(rows: list[list[object]], title: str = "Updates") -> bytes:
    workbook = Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "the file is empty"),
    (ENCRYPTED, "the workbook is encrypted (password-protected) or an old .xls file: save it as an .xlsx workbook "
                "without a password"),
    (b"case_ref,grade\nC-01,Good\n", "not an Excel workbook (.xlsx): use the template you were sent"),
    (with_macros(workbook_bytes([["a"]])), "the workbook contains macros (.xlsm): save it as an Excel Workbook "
                                           "(.xlsx) from the template you were sent"),
], ids=["empty", "encrypted", "a CSV", "macros"])
def test_a_file_that_must_not_be_opened_is_refused_with_one_reason(data: bytes, problem: str) -> None:
    with pytest.raises(Refused) as refused:
        open_workbook(data)
    assert refused.value.problems == [Problem(None, None, problem)]


def test_a_table_is_plain_values_by_lower_cased_heading_and_a_formula_is_named_by_its_cell() -> None:
    workbook = open_workbook(workbook_bytes([["Action_ID", "Due"], ["A1", date(2027, 2, 10)], [None, None],
                                             ["=1+1", " soon "]]))
    problems: list[Problem] = []
    table = read_required(workbook, "updates", problems)
    assert (table.sheet, table.header) == ("updates", ["action_id", "due"])
    assert table.rows == [(2, {"action_id": "A1", "due": "2027-02-10"}), (4, {"action_id": "", "due": "soon"})]
    assert problems == [Problem(4, None, "holds a formula; send plain values only", "updates", "A4")]
    assert table.cell("due", 4) == "B4" and table.cell("owner", 4) is None
    assert read_required(workbook, "Progress", problems) is None
    assert problems[-1] == Problem(None, None, "the sheet 'Progress' is missing (use the template)")


def test_a_childs_name_is_found_whole_in_any_case_and_a_part_only_as_written_or_in_capitals() -> None:
    matcher = IdentifierMatcher([Nominee("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, date(2016, 2, 29)),
                                 Nominee("C-02", "QZX-11223344", "Grace Jo", date(2019, 5, 17))])
    assert matcher.identifies(f"seen with {DISTINCTIVE_NAME.lower()} today")
    assert matcher.identifies("record qzx-99887766 updated")
    assert matcher.identifies("Grace attended") and matcher.identifies("GRACE attended")
    assert not matcher.identifies("a grace period of three days")
    assert not matcher.identifies("Jo said so"), "a part shorter than three letters is not looked for"
    assert not IdentifierMatcher([]).identifies(DISTINCTIVE_NAME)
