"""Reading workbooks that people send in: hostile files refused before loading, plain values only.

Shared by agency returns, the chair's analysis and action updates. A refusal
names what is wrong and where (sheet, row, cell); no text from the file is
ever repeated in it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from maa.intake import package_parts
from maa.intake.checks import Check, Problem, expect
from maa.intake.identifiers import BIRTH_DATE, CHILD, POSTCODE, IdentifierMatcher
from maa.intake.package_parts import OLE_SIGNATURE

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_PART_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
MAX_PARTS = 500
MAX_ROWS = 3000
MAX_COLUMNS = 40
_NOT_XLSX = "not an Excel workbook (.xlsx): use the template you were sent"
_SAVE_AGAIN = "open it in Excel and save it again as .xlsx"


class Refused(Exception):
    """The file cannot be read at all; `problems` say why."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)


def screen_container(data: bytes) -> None:
    """Refuse what must not be opened, from the bytes, the zip directory and the package's parts only."""
    if not data.strip(b"\x00 \r\n\t"):
        raise Refused(Problem(None, None, "the file is empty"))
    if len(data) > MAX_FILE_BYTES:
        raise Refused(Problem(None, None, f"the file is {len(data) // 1024} KiB; the limit is "
                                         f"{MAX_FILE_BYTES // 1024 // 1024} MiB"))
    if data.startswith(OLE_SIGNATURE):
        raise Refused(Problem(None, None, "the workbook is encrypted (password-protected) or an old .xls file: "
                                         "save it as an .xlsx workbook without a password"))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(Problem(None, None, _NOT_XLSX))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _screen_sizes(archive.infolist())
            if archive.testzip() is not None:  # every part read once: a checksum or a size that lies fails here
                raise zipfile.BadZipFile()
            found = package_parts.findings(archive)
    except Refused:
        raise
    except Exception as exc:  # a damaged zip or part raises anything from BadZipFile to ParseError
        raise Refused(Problem(None, None, f"the workbook is damaged ({_kind_of(exc)}): {_SAVE_AGAIN}")) from None
    if found:
        raise Refused(*(Problem(None, None, reason) for reason in found))


def _screen_sizes(members: list[zipfile.ZipInfo]) -> None:
    """From the zip directory alone; zipfile then holds every part to the size its directory declares."""
    names = {m.filename.lower() for m in members}
    if package_parts.WORKBOOK_PART not in names:
        raise Refused(Problem(None, None, _NOT_XLSX))
    if len(members) > MAX_PARTS:
        raise Refused(Problem(None, None, f"the workbook holds {len(members)} parts: far more than it can"))
    expanded = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if expanded > MAX_UNCOMPRESSED_BYTES or expanded / packed > MAX_COMPRESSION_RATIO:
        raise Refused(Problem(None, None, f"the workbook expands to {expanded // 1024 // 1024} MiB from "
                                         f"{packed // 1024} KiB: far larger than it can be"))
    largest = max(members, key=lambda m: m.file_size)
    if largest.file_size > MAX_PART_BYTES:
        what = "its text (shared strings)" if largest.filename.lower() == "xl/sharedstrings.xml" else "one part"
        raise Refused(Problem(None, None, f"{what} expands to {largest.file_size // 1024 // 1024} MiB: far larger "
                                         "than a workbook's can be"))


def _kind_of(exc: Exception) -> str:
    """What broke, in words, never the exception's text (which may quote the file)."""
    if isinstance(exc, SyntaxError):  # ElementTree's and lxml's parse errors alike
        return "its XML cannot be read"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return "its zip structure cannot be read"
    if isinstance(exc, ValueError | TypeError | OverflowError):
        return "a value in it cannot be read"
    if isinstance(exc, LookupError):
        return "it refers to a text or part that is not there"
    return f"an unexpected fault: {type(exc).__name__}"


def open_workbook(data: bytes) -> Any:
    from openpyxl import load_workbook

    screen_container(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise Refused(Problem(None, None, f"the workbook cannot be read ({_kind_of(exc)}): {_SAVE_AGAIN}")) from None


def sheet(workbook: Any, name: str) -> Any | None:
    by_lower = {title.lower(): title for title in workbook.sheetnames}
    title = by_lower.get(name.lower())
    if title is None:
        return None
    try:
        return workbook[title]
    except Exception as exc:  # the sheet is listed but its part cannot be opened
        raise Refused(Problem(None, None, f"the sheet cannot be opened ({_kind_of(exc)}): {_SAVE_AGAIN}",
                              name)) from None


@dataclass
class Table:
    sheet: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row, values by column name)

    def letter(self, column: str) -> str | None:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.header.index(column) + 1) if column in self.header else None

    def cell(self, column: str, row: int | None) -> str | None:
        letter = self.letter(column)
        return f"{letter}{row}" if letter and row else None

    def missing_columns(self, expected: Iterable[str]) -> list[Problem]:
        return [Problem(1, c, "column is missing", self.sheet) for c in expected if c not in self.header]


def read_table(worksheet: Any, name: str, problems: list[Problem]) -> Table:
    """Plain values only: a formula anywhere is named by its cell; rows beyond the limit are refused.

    Whatever breaks while the sheet is read (its XML, a value of the wrong type, the zip under it) refuses
    the workbook, naming the sheet and the row where reading stopped.
    """
    from openpyxl.utils import get_column_letter

    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in _rows(worksheet, name):
        values = []
        for index, cell in enumerate(cells[:MAX_COLUMNS], start=1):
            if getattr(cell, "data_type", None) == "f":
                problems.append(Problem(number, None, "holds a formula; send plain values only", name,
                                        f"{get_column_letter(index)}{number}"))
                values.append("")
            else:
                values.append(_text(cell.value))
        if number == 1:
            header = [v.strip().lower() for v in values]
            continue
        if any(values):
            rows.append((number, {h: v for h, v in zip(header, values, strict=False) if h}))
    return Table(name, header, rows)


def _rows(worksheet: Any, name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) as openpyxl parses them; its failures become a refusal naming the row."""
    rows, number = worksheet.iter_rows(), 0
    while True:
        try:
            cells = next(rows, None)
        except Exception as exc:
            raise Refused(Problem(number + 1, None, f"the sheet is damaged from this row on ({_kind_of(exc)}): "
                                                    f"{_SAVE_AGAIN}", name)) from None
        if cells is None:
            return
        number += 1
        if number > MAX_ROWS + 1:
            raise Refused(Problem(None, None, f"more than {MAX_ROWS} rows: far larger than it can be", name))
        yield number, cells


def read_required(workbook: Any, name: str, problems: list[Problem]) -> Table | None:
    worksheet = sheet(workbook, name)
    if worksheet is None:
        problems.append(Problem(None, None, f"the sheet '{name}' is missing (use the template)"))
        return None
    return read_table(worksheet, name, problems)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


# What a narrative cell may not give, by what `IdentifierMatcher.identifies` finds, and the reason.
IDENTIFYING_REASONS = {
    CHILD: "names a nominated child: refer to children by case ref only",
    BIRTH_DATE: "gives a nominated child's date of birth: refer to children by case ref only",
    POSTCODE: "gives a postcode: write no address (name the area if it matters)",
}


def narrative_flags(row: dict[str, str], columns: Iterable[str], matcher: IdentifierMatcher) -> dict[str, Any]:
    """Per narrative cell, what the checks need and nothing of its text: what identifies, how long it is."""
    flags: dict[str, Any] = {}
    for column in columns:
        text = row.get(column, "")
        flags[f"{column}__identifies"], flags[f"{column}__length"] = matcher.identifies(text) or "", len(text)
    return flags


def narrative_flag_columns(columns: Iterable[str]) -> list[str]:
    return [f"{column}__{flag}" for column in columns for flag in ("identifies", "length")]


def narrative_checks(columns: Iterable[str], max_length: int) -> list[Check]:
    """The checks over `narrative_flags`: nothing identifying a child, and no longer than `max_length`."""
    checks = []
    for column in columns:
        checks += [Check(expect("ExpectColumnValuesToNotBeInSet", column=f"{column}__identifies", value_set=[kind]),
                         reason, column) for kind, reason in IDENTIFYING_REASONS.items()]
        checks.append(Check(expect("ExpectColumnValuesToBeBetween", column=f"{column}__length", max_value=max_length),
                            f"longer than {max_length} characters", column))
    return checks
