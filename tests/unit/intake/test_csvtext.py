"""The checks every CSV gets before its content: what cannot be read is one clear problem, and rows keep
the numbers a spreadsheet shows."""

from __future__ import annotations

import pytest

from maa.intake.checks import Problem
from maa.intake.csvtext import read_records


def test_the_header_is_lower_cased_and_rows_keep_their_spreadsheet_numbers() -> None:
    data = "\ufeffCase_Ref , Grade\nC-01,Good\n\n ,  \n\"C-02\",\"Good,\nand more\"\nC-03,Inadequate\n".encode()
    assert read_records(data, 1024, "a list") == (
        ["case_ref", "grade"], [(2, ["C-01", "Good"]), (5, ["C-02", "Good,\nand more"]), (6, ["C-03", "Inadequate"])])


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "the file is empty"),
    (b" \n\n \n", "the file is empty"),
    (b"a,b\n" + b"x" * 2048, "the file is larger than 1 KiB; a list is far smaller"),
    (b"PK\x03\x04 a workbook", "not a CSV text file (is it a spreadsheet? save it as 'CSV UTF-8')"),
    (b"a,b\n1,\x00\n", "not a CSV text file (is it a spreadsheet? save it as 'CSV UTF-8')"),
    ("a,b\nZoë,1\n".encode("latin-1"), "not UTF-8 text: save it as 'CSV UTF-8'"),
    (b'a,b\n"unclosed,1\n', "not valid CSV: unexpected end of data"),
], ids=["empty", "blank lines", "too large", "a workbook", "a NUL byte", "not UTF-8", "an open quote"])
def test_a_file_that_cannot_be_read_is_one_problem_without_its_content(data: bytes, problem: str) -> None:
    assert read_records(data, 1024, "a list") == Problem(None, None, problem)
