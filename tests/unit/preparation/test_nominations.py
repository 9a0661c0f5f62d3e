"""The nominating agency's case list, checked by maa.preparation.nominations.check_nominations directly.

Every refusal names the row and column; no message ever repeats a child's name,
date of birth or system id.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook

from maa.audit.definitions import AuditDefinition
from maa.intake.checks import Problem
from maa.preparation.nominations import NominationsResult, Nominee, check_nominations
from tests.helpers.definitions import sample_definition
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv

KEY = b"unit-test-pseudonym-key-0123456789"
START = date(2026, 6, 1)  # the sample MATA's start
TODAY = date(2026, 6, 10)
IDENTIFIERS = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, "29 Feb 2016", "29 February 2016",
               "29/02/2016", "Xanthippe", "Quorralind", "99887766")
CHILD = ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)
OTHER = ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def definition(audit_type: str = "MATA", **changes: Any) -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition({"type": audit_type, **changes}))


def paa() -> AuditDefinition:
    changes = {"type": "PAA", "period": {"from": date(2025, 4, 1), "to": date(2026, 3, 31)}}
    return AuditDefinition.model_validate(sample_definition(changes, remove=("nominating_agency",)))


def check(data: bytes, audit: AuditDefinition | None = None, key: bytes = KEY) -> NominationsResult:
    return check_nominations(audit or definition(), data, key=key, today=TODAY)


def csv_bytes(*rows: tuple[str, str, str, str]) -> bytes:
    return nominations_csv(list(rows)).encode()


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    workbook.active.append(["case_ref", "system_id", "child_name", "date_of_birth"])
    workbook.active.append(list(CHILD))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def located(result: NominationsResult) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in result.problems}


def assert_no_identifiers(texts: list[str]) -> None:
    for text in texts:
        for identifier in IDENTIFIERS:
            assert identifier.lower() not in text.lower(), f"{identifier!r} repeated in: {text}"


# Accepted -------------------------------------------------------------------------------------

def test_a_good_mata_list_is_accepted() -> None:
    result = check(csv_bytes(CHILD, OTHER))
    assert result.accepted, result.reasons()
    assert result.problems == []
    assert [n.case_ref for n in result.nominees] == ["C-01", "C-02"]
    assert result.nominees[0] == Nominee("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, date(2016, 2, 29))


def test_a_byte_order_mark_blank_lines_and_spaces_are_tolerated() -> None:
    data = b"\xef\xbb\xbfcase_ref, system_id ,child_name,date_of_birth\n\n"
    data += b"C-01, QZX-99887766 ,A Child,2016-02-29\nC-02,QZX-11223344,B Child, 2019-05-17\n\n"
    result = check(data)
    assert result.accepted, result.reasons()
    assert result.nominees[0].system_id == DISTINCTIVE_SYSTEM_ID


def test_a_path_is_read_like_bytes(tmp_path) -> None:
    path = tmp_path / "nominations.csv"
    path.write_bytes(csv_bytes(CHILD, OTHER))
    result = check_nominations(definition(), path, key=KEY, today=TODAY)
    assert result.accepted, result.reasons()


# Refused row by row ---------------------------------------------------------------------------

ROW_PROBLEMS = [
    pytest.param(csv_bytes(CHILD, ("C-02", DISTINCTIVE_SYSTEM_ID, "Fictional Child Two", "2019-05-17")),
                 (3, "system_id"), "system_id", id="duplicate system id"),
    pytest.param(csv_bytes(CHILD, ("C-02", "qzx-99887766", "Fictional Child Two", "2019-05-17")),
                 (3, "system_id"), "system_id", id="duplicate system id in another letter case"),
    pytest.param(csv_bytes(OTHER, ("C-03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "2026-12-01")),
                 (3, "date_of_birth"), "past", id="date of birth in the future"),
    pytest.param(csv_bytes(OTHER, ("C-03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "2026-06-10")),
                 (3, "date_of_birth"), "past", id="born today"),
    pytest.param(csv_bytes(OTHER, ("C-03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "2008-06-01")),
                 (3, "date_of_birth"), "under 18", id="adult at start: eighteenth birthday that day"),
    pytest.param(csv_bytes(OTHER, ("C-03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "1990-01-01")),
                 (3, "date_of_birth"), "under 18", id="adult at start"),
    pytest.param(csv_bytes(OTHER, ("C-03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "2026-06-05")),
                 (3, "date_of_birth"), "under 18", id="born after the start"),
    pytest.param(csv_bytes(CHILD, ("C-01", "QZX-11223344", "Fictional Child Two", "2019-05-17")),
                 (3, "case_ref"), "case_ref", id="duplicate case_ref"),
    pytest.param(csv_bytes(OTHER, ("C/03", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)),
                 (3, "case_ref"), "case_ref", id="case_ref with a slash"),
    pytest.param(csv_bytes(OTHER, ("", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)),
                 (3, "case_ref"), "empty", id="blank case_ref"),
    pytest.param(csv_bytes(CHILD, ("C-02", "QZX-11223344", "  ", "2019-05-17")),
                 (3, "child_name"), "empty", id="blank name"),
    pytest.param(csv_bytes(OTHER, ("C-03", "", DISTINCTIVE_NAME, DISTINCTIVE_DOB)),
                 (3, "system_id"), "empty", id="blank system id"),
    pytest.param(csv_bytes(CHILD, ("C-02", "QZX-11223344", "Fictional Child Two", "17/05/2019")),
                 (3, "date_of_birth"), "YYYY-MM-DD", id="date of birth not ISO"),
    pytest.param(csv_bytes(CHILD, ("C-02", "QZX-11223344", "Fictional Child Two", "2019-02-29")),
                 (3, "date_of_birth"), "YYYY-MM-DD", id="date of birth not a real date"),
    pytest.param(csv_bytes(("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, DISTINCTIVE_NAME), OTHER),
                 (2, "date_of_birth"), "YYYY-MM-DD", id="name and date of birth swapped"),
]


@pytest.mark.parametrize(("data", "where", "words"), ROW_PROBLEMS)
def test_a_bad_row_is_refused_naming_row_and_column(data: bytes, where: tuple[int, str], words: str) -> None:
    result = check(data)
    assert not result.accepted
    assert result.nominees == []
    assert where in located(result), result.reasons()
    problem = next(p for p in result.problems if (p.row, p.column) == where)
    assert str(problem).startswith(f"row {where[0]}, column {where[1]}: ")
    assert words.lower() in problem.message.lower()


def test_case_refs_are_unique_whatever_their_letter_case() -> None:
    result = check(csv_bytes(("N-01", *CHILD[1:]), ("n-01", *OTHER[1:])))
    assert result.problems == [Problem(row, "case_ref", "case_ref appears more than once (letter case aside)")
                               for row in (2, 3)]


@pytest.mark.parametrize("case_ref", ["-01", "_01", "-"])
def test_a_case_ref_starts_with_a_letter_or_digit(case_ref: str) -> None:
    assert check(csv_bytes((case_ref, *CHILD[1:]), OTHER)).problems == [Problem(
        2, "case_ref", "case_ref must start with a letter or digit, then letters, digits, '-' or '_' (up to 40)")]


@pytest.mark.parametrize(("case_ref", "child_name"), [
    ("SMITH-J", "Jayden Smith"),
    ("jayden-1", "Jayden Smith"),
    ("J_SMITH", "Jayden Smith"),
    ("S-M-I-T-H", "Jayden Smith"),
    ("C-SMITHSON", "Jayden Smith"),
    ("ZOE-1", "Zoë Ng"),
    ("NG-7", "Zoë Ng"),
    ("OBRIEN-2", "Liam O'Brien"),
], ids=lambda value: value)
def test_a_case_ref_never_holds_part_of_the_childs_name(case_ref: str, child_name: str) -> None:
    result = check(csv_bytes(OTHER, (case_ref, DISTINCTIVE_SYSTEM_ID, child_name, DISTINCTIVE_DOB)))
    # The whole reason is this fixed sentence: the ref, and so the name in it, is not repeated.
    assert result.problems == [
        Problem(3, "case_ref", "case_ref holds part of the child's name: a case ref must not identify the child")]


@pytest.mark.parametrize(("case_ref", "child_name"), [("J-01", "Jayden Smith"), ("C-01", "Jo Ng"),
                                                      ("SMITH-1", "Jayden Smyth")])
def test_an_initial_or_another_childs_name_is_not_the_childs_name(case_ref: str, child_name: str) -> None:
    result = check(csv_bytes(OTHER, (case_ref, DISTINCTIVE_SYSTEM_ID, child_name, DISTINCTIVE_DOB)))
    assert result.accepted, result.reasons()


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    data = csv_bytes(("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, "2030-01-01"),
                     ("C-02", "QZX-11223344", "", "2019-05-17"),
                     ("C-03", "QZX-55667788", "Third Child", "1999-12-31"))
    assert {(2, "date_of_birth"), (3, "child_name"), (4, "date_of_birth")} <= located(check(data))


@pytest.mark.parametrize("missing", ["case_ref", "system_id", "child_name", "date_of_birth"])
def test_a_missing_column_is_named(missing: str) -> None:
    columns = [c for c in ("case_ref", "system_id", "child_name", "date_of_birth") if c != missing]
    values = dict(zip(("case_ref", "system_id", "child_name", "date_of_birth"), CHILD, strict=True))
    data = (",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n").encode()
    result = check(data)
    assert not result.accepted
    assert (1, missing) in located(result)
    assert any(str(p).startswith(f"row 1, column {missing}: ") and "missing" in str(p) for p in result.problems)


def test_a_row_with_too_many_cells_is_named() -> None:
    data = csv_bytes(CHILD) + b"C-02,QZX-11223344,Fictional Child Two,2019-05-17,extra\n"
    result = check(data)
    assert not result.accepted
    assert 3 in {p.row for p in result.problems}


# Refused as a whole ---------------------------------------------------------------------------

FILE_PROBLEMS = [
    pytest.param(xlsx_bytes(), "CSV", id="an xlsx workbook"),
    pytest.param(b"case_ref,system_id\x00,child_name\n" + bytes(range(256)), "CSV", id="binary with NUL"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b" \n\n \r\n", "empty", id="blank lines only"),
    pytest.param("case_ref,system_id,child_name,date_of_birth\nC-01,X,Zoë,2016-02-29\n".encode("latin-1"),
                 "UTF-8", id="not UTF-8"),
]


@pytest.mark.parametrize(("data", "words"), FILE_PROBLEMS)
def test_a_file_that_is_not_a_case_list_is_refused(data: bytes, words: str) -> None:
    result = check(data)
    assert not result.accepted
    assert result.nominees == []
    assert any(words.lower() in reason.lower() for reason in result.reasons()), result.reasons()


@pytest.mark.parametrize(("audit_type", "rows", "accepted"), [
    ("MACA", [CHILD], True),
    ("MACA", [CHILD, OTHER], False),
    ("MACA", [], False),
    ("MATA", [CHILD], False),
    ("MATA", [CHILD, OTHER], True),
    ("MATA", [CHILD, OTHER, ("C-03", "QZX-55667788", "Third Child", "2012-03-04")], True),
    ("MATA", [], False),
])
def test_the_number_of_cases_for_the_audit_type(audit_type: str, rows: list, accepted: bool) -> None:
    result = check(csv_bytes(*rows), definition(audit_type))
    assert result.accepted is accepted, result.reasons()
    if not accepted:
        assert any(f"{len(rows)} cases" in reason for reason in result.reasons()), result.reasons()
        assert result.nominees == []
    else:
        assert len(result.nominees) == len(rows)


def test_a_paa_refuses_nominations() -> None:
    result = check(csv_bytes(CHILD, OTHER), paa())
    assert not result.accepted
    assert result.nominees == []
    assert any("PAA" in reason for reason in result.reasons())


def test_the_case_list_must_hold_as_many_cases_as_the_panel_selected() -> None:
    panel = {"approved_on": "2026-05-14", "minute": "AP 4", "nominated": 5, "selected": 3}
    three = ("C-03", "QZX-55667788", "Fictional Child Three", "2018-01-09")
    result = check(csv_bytes(CHILD, OTHER), definition(panel=panel))
    assert not result.accepted and result.nominees == []
    assert result.reasons() == ["2 cases listed; the Audit Panel selected 3 cases (AP 4; the definition's "
                                "panel.selected): send exactly those"]
    assert check(csv_bytes(CHILD, OTHER, three), definition(panel=panel)).accepted


def test_a_mata_without_nominated_cases_refuses_a_case_list() -> None:
    thematic = AuditDefinition.model_validate(sample_definition({"methods": ["focus groups"]},
                                                                remove=("nominating_agency",)))
    result = check(csv_bytes(CHILD, OTHER), thematic)
    assert result.reasons() == ["this MATA has no nominated cases"]


# Never repeating a child's identifiers -------------------------------------------------------

NO_HEADER = f"{','.join(CHILD)}\n{','.join(OTHER)}\n".encode()
IDENTIFIERS_AS_HEADER = f"case_ref,system_id,{DISTINCTIVE_NAME},date_of_birth\n{','.join(CHILD)}\n".encode()


@pytest.mark.parametrize("data", [
    *(p.values[0] for p in ROW_PROBLEMS),
    *(p.values[0] for p in FILE_PROBLEMS),
    csv_bytes(CHILD),
    csv_bytes(CHILD, ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)),
    f'case_ref,system_id,child_name,date_of_birth\nC-01,"{DISTINCTIVE_SYSTEM_ID}" x,N,2016-02-29\n'.encode(),
    NO_HEADER,
    IDENTIFIERS_AS_HEADER,
], ids=[*(p.id for p in ROW_PROBLEMS), *(p.id for p in FILE_PROBLEMS), "one row for a MATA", "the same row twice",
        "broken quoting", "no header row", "a name as a column header"])
def test_no_message_repeats_a_childs_identifiers(data: bytes) -> None:
    result = check(data)
    assert not result.accepted
    assert_no_identifiers(result.reasons())
    assert_no_identifiers([repr(p) for p in result.problems])


def test_problems_read_sheet_row_column_then_message() -> None:
    assert str(Problem(3, "date_of_birth", "not a real date")) == "row 3, column date_of_birth: not a real date"
    assert str(Problem(None, None, "the file is empty")) == "the file is empty"
    in_sheet = Problem(5, "grade", "not a grade", sheet="Findings")
    assert str(in_sheet) == "sheet Findings, row 5, column grade: not a grade"


# Pseudonymised ------------------------------------------------------------------------------

def test_pseudonymised_keeps_a_keyed_hash_and_an_age_band_only() -> None:
    nominee = check(csv_bytes(CHILD, OTHER)).nominees[0]
    record = nominee.pseudonymised(KEY, START)
    assert set(record) == {"case_ref", "system_id_hash", "age_band"}
    assert record["case_ref"] == "C-01"
    assert HEX64.match(record["system_id_hash"])
    assert record["age_band"] == "10-15"  # born 29 Feb 2016: 10 on 1 Jun 2026
    assert_no_identifiers(list(record.values()))


def test_the_same_key_gives_the_same_hash_and_another_key_another() -> None:
    nominee = Nominee(*CHILD[:3], date.fromisoformat(DISTINCTIVE_DOB))
    first = nominee.pseudonymised(KEY, START)["system_id_hash"]
    assert nominee.pseudonymised(KEY, START)["system_id_hash"] == first
    assert nominee.pseudonymised(b"another-key-of-the-same-kind-0000", START)["system_id_hash"] != first
    other = Nominee("C-02", "QZX-11223344", "Fictional Child Two", date(2019, 5, 17))
    assert other.pseudonymised(KEY, START)["system_id_hash"] != first


def _band(label: str) -> str:
    return label.replace("\u2013", "-")  # PRODUCT.md prints the bands with an en dash


@pytest.mark.parametrize(("born", "band"), [
    ("2026-05-31", "under 1"),
    ("2025-06-02", "under 1"),
    ("2025-06-01", "1-4"),
    ("2021-06-02", "1-4"),
    ("2021-06-01", "5-9"),
    ("2016-06-02", "5-9"),
    ("2016-06-01", "10-15"),
    ("2016-02-29", "10-15"),
    ("2010-06-02", "10-15"),
    ("2010-06-01", "16-17"),
    ("2008-06-02", "16-17"),
])
def test_age_bands_on_the_start_date(born: str, band: str) -> None:
    nominee = Nominee("C-01", "QZX-1", "A Child", date.fromisoformat(born))
    assert _band(nominee.pseudonymised(KEY, START)["age_band"]) == band


def test_rows_are_numbered_as_the_file_shows_them_blank_lines_included() -> None:
    data = b"case_ref,system_id,child_name,date_of_birth\n\n" + csv_bytes(CHILD, OTHER).split(b"\n", 1)[1]
    data = data.replace(b"2019-05-17", b"2019-13-45")
    assert check(data).problems == [Problem(4, "date_of_birth", "not a real date in the form YYYY-MM-DD")]
