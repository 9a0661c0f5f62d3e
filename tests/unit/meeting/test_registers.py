"""The review findings register: read, validated through Great Expectations, refused whole when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from maa.intake.checks import Problem
from maa.meeting.registers import ReviewFinding, ReviewRegister, load_review_findings, review_findings_path
from tests.helpers.definitions import PROJECT, AuditFolders

HEADER = "ref,review_type,title,finding"
GOOD = [
    "SCR-2019-01,scr,Neglect,Concerns were seen one at a time.",
    'RR-2025-07,rapid REVIEW,Core groups,"Actions drifted, meeting to meeting."',
    "LCSPR-2024-02,LCSPR,Domestic abuse,The unseen adult was not engaged.",
]


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "review_findings.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def register_csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_good_register_is_read_with_review_types_normalised(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv(*GOOD)))
    assert register.exists and register.problems == []
    assert register.findings == [
        ReviewFinding("SCR-2019-01", "SCR", "Neglect", "Concerns were seen one at a time."),
        ReviewFinding("RR-2025-07", "Rapid Review", "Core groups", "Actions drifted, meeting to meeting."),
        ReviewFinding("LCSPR-2024-02", "LCSPR", "Domestic abuse", "The unseen adult was not engaged."),
    ]
    assert register.refs() == {"SCR-2019-01", "RR-2025-07", "LCSPR-2024-02"}
    assert register.get("rr-2025-07").title == "Core groups"
    assert register.get("RR-2099-01") is None


def test_header_only_is_an_empty_register(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv()))
    assert (register.exists, register.findings, register.problems) == (True, [], [])


def test_columns_may_come_in_any_order_and_case(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv("Neglect,x,SCR,SCR-1",
                                                                  header="Title,Finding,Review_Type,REF")))
    assert register.findings == [ReviewFinding("SCR-1", "SCR", "Neglect", "x")]


def test_missing_file_is_an_empty_register_without_problems(tmp_path: Path):
    path = tmp_path / "nowhere.csv"
    assert load_review_findings(path) == ReviewRegister([], [], path, exists=False)


def test_default_path_is_under_the_data_folder(folders: AuditFolders):
    path = folders.data.resolve() / "registers" / "review_findings.csv"
    assert review_findings_path() == path
    assert not load_review_findings().exists
    path.parent.mkdir()
    path.write_text(register_csv(*GOOD))
    register = load_review_findings()
    assert register.exists and register.path == path and len(register.findings) == 3


@pytest.mark.parametrize("column", ["ref", "review_type", "title", "finding"])
def test_missing_column_is_named_at_row_1(tmp_path: Path, column: str):
    kept = [c for c in HEADER.split(",") if c != column]
    register = load_review_findings(write(tmp_path, register_csv("a,b,c", header=",".join(kept))))
    assert register.problems == [Problem(1, column, "column is missing")]
    assert register.findings == []


def test_a_repeated_column_is_named_at_row_1(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv("a,SCR,b,c,d", header=HEADER + ",ref")))
    assert register.problems == [Problem(1, "ref", "column appears more than once")]


def test_extra_columns_are_ignored(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv("SCR-1,SCR,T,F,BU only", header=HEADER + ",notes")))
    assert register.findings == [ReviewFinding("SCR-1", "SCR", "T", "F")]


@pytest.mark.parametrize(("row", "column", "message"), [
    (",SCR,Title,Finding", "ref", "ref is empty"),
    ("-SCR-1,SCR,Title,Finding", "ref", "ref must start with a letter or digit"),
    ("SCR 1,SCR,Title,Finding", "ref", "ref must start with a letter or digit"),
    ("R" * 41 + ",SCR,Title,Finding", "ref", "(40 at most)"),
    ("SCR-1,,Title,Finding", "review_type", "review_type is empty"),
    ("SCR-1,Serious Case Review,Title,Finding", "review_type", "not a review type: use SCR, Rapid Review, LCSPR"),
    ("SCR-1,SCR,  ,Finding", "title", "title is empty"),
    ("SCR-1,SCR,Title,", "finding", "finding is empty"),
    ("SCR-1,SCR,Title," + "x" * 2001, "finding", "finding is longer than 2000 characters"),
])
def test_bad_cell_is_named_by_row_and_column(tmp_path: Path, row: str, column: str, message: str):
    register = load_review_findings(write(tmp_path, register_csv(GOOD[0], row)))
    assert [(p.row, p.column) for p in register.problems] == [(3, column)]
    assert message in register.problems[0].message
    assert register.findings == []


def test_longest_allowed_ref_and_finding_are_accepted(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv("A" + "b/_.-" * 7 + "1234," + "SCR,T," + "x" * 2000)))
    assert register.problems == []
    assert len(register.findings[0].ref) == 40


def test_duplicate_refs_ignoring_case_are_both_named(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv(*GOOD, "scr-2019-01,SCR,Again,Another finding.")))
    assert [(p.row, p.column, p.message) for p in register.problems] == [
        (2, "ref", "ref appears more than once (ignoring letter case)"),
        (5, "ref", "ref appears more than once (ignoring letter case)"),
    ]
    assert register.findings == []


def test_rows_keep_their_spreadsheet_numbers_across_blank_lines_and_multiline_cells(tmp_path: Path):
    content = register_csv('SCR-1,SCR,Title,"two\nlines"', ",,,", "", "SCR-2,Nonsense,Title,Finding")
    register = load_review_findings(write(tmp_path, content))
    assert [(p.row, p.column) for p in register.problems] == [(5, "review_type")]


def test_a_row_with_the_wrong_number_of_cells_is_named(tmp_path: Path):
    register = load_review_findings(write(tmp_path, register_csv(GOOD[0], "SCR-2,SCR,Title,Finding,extra")))
    assert register.problems == [Problem(3, None, "has 5 cells; the header has 4")]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\n  \n,,\n", "the file is empty"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV text file"),
    (b"ref,review_type,title,finding\nSCR-1,SCR,Title,\x00\n", "not a CSV text file"),
    ("ref,review_type,title,finding\nSCR-1,SCR,Title,Cost £5\n".encode("cp1252"), "not UTF-8 text"),
    (b'ref,review_type,title,finding\nSCR-1,SCR,"Title"oops,Finding\n', "not valid CSV"),
])
def test_unreadable_files_give_one_clear_problem(tmp_path: Path, content: bytes, message: str):
    register = load_review_findings(write(tmp_path, content))
    assert register.exists and register.findings == []
    assert len(register.problems) == 1 and register.problems[0].message.startswith(message)


def test_utf8_with_byte_order_mark_is_read(tmp_path: Path):
    register = load_review_findings(write(tmp_path, "\ufeff".encode() + register_csv(*GOOD).encode()))
    assert register.problems == [] and len(register.findings) == 3


def test_sample_register_loads_clean():
    register = load_review_findings(PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv")
    assert register.problems == []
    assert len(register.findings) == 6
    assert {"LCSPR-2024-02", "RR-2025-07", "SCR-2019-01"} <= register.refs()
