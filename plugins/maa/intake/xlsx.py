"""Reading workbooks that people send in: hostile files refused before loading, plain values only.

Shared by agency returns, the chair's analysis and action updates. A refusal
names what is wrong and where (sheet, row, cell); no text from the file is
ever repeated in it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maa.intake.checks import Check, Problem, expect
from maa.preparation.nominations import Nominee

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
MAX_ROWS = 3000
MAX_COLUMNS = 40
_OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_XLSX = "not an Excel workbook (.xlsx): use the template you were sent"


class Refused(Exception):
    """The file cannot be read at all; `problems` say why."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)


def screen_container(data: bytes) -> None:
    """Refuse what must not be opened, from the bytes and the zip directory only."""
    if not data.strip(b"\x00 \r\n\t"):
        raise Refused(Problem(None, None, "the file is empty"))
    if len(data) > MAX_FILE_BYTES:
        raise Refused(Problem(None, None, f"the file is {len(data) // 1024} KiB; the limit is "
                                         f"{MAX_FILE_BYTES // 1024 // 1024} MiB"))
    if data.startswith(_OLE_HEADER):
        raise Refused(Problem(None, None, "the workbook is encrypted (password-protected) or an old .xls file: "
                                         "save it as an .xlsx workbook without a password"))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(Problem(None, None, _NOT_XLSX))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "xl/workbook.xml" not in names:
            raise Refused(Problem(None, None, _NOT_XLSX))
        if any(name.endswith("vbaproject.bin") for name in names):
            raise Refused(Problem(None, None, "the workbook contains macros (.xlsm): save it as an .xlsx workbook"))
        expanded = sum(m.file_size for m in members)
        packed = max(1, sum(m.compress_size for m in members))
        if expanded > MAX_UNCOMPRESSED_BYTES or expanded / packed > MAX_COMPRESSION_RATIO:
            raise Refused(Problem(None, None, f"the workbook expands to {expanded // 1024 // 1024} MiB from "
                                             f"{packed // 1024} KiB: far larger than it can be"))


def open_workbook(data: bytes) -> Any:
    from openpyxl import load_workbook

    screen_container(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise Refused(Problem(None, None, f"the workbook cannot be read ({type(exc).__name__}): "
                                         "save it again as .xlsx")) from None


def sheet(workbook: Any, name: str) -> Any | None:
    by_lower = {title.lower(): title for title in workbook.sheetnames}
    title = by_lower.get(name.lower())
    return workbook[title] if title else None


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
    """Plain values only: a formula anywhere is named by its cell; rows beyond the limit are refused."""
    from openpyxl.utils import get_column_letter

    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if number > MAX_ROWS + 1:
            raise Refused(Problem(None, None, f"more than {MAX_ROWS} rows: far larger than it can be", name))
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


class IdentifierMatcher:
    """Finds a nominated child's full name, a part of it, or a system id in text, without keeping the text.

    The full name and the system id match in any letter case; a single part of the name only as
    written or in capitals, so that a child called Grace does not make every "grace period" a match.
    """

    def __init__(self, children: Iterable[Nominee]):
        whole, parts = [], []
        for child in children:
            whole += [re.escape(child.child_name), re.escape(child.system_id)]
            for part in (p for p in re.split(r"[\s-]+", child.child_name) if len(p) >= 3):
                parts += [rf"\b{re.escape(part)}\b", rf"\b{re.escape(part.upper())}\b"]
        self._patterns = ([re.compile("|".join(whole), re.IGNORECASE)] if whole else []) + (
            [re.compile("|".join(parts))] if parts else [])

    def names_a_child(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self._patterns)


def narrative_flags(row: dict[str, str], columns: Iterable[str], matcher: IdentifierMatcher) -> dict[str, Any]:
    """Per narrative cell, what the checks need and nothing of its text: does it name a child, how long is it."""
    flags: dict[str, Any] = {}
    for column in columns:
        text = row.get(column, "")
        flags[f"{column}__names_child"], flags[f"{column}__length"] = matcher.names_a_child(text), len(text)
    return flags


def narrative_checks(columns: Iterable[str], max_length: int) -> list[Check]:
    """The checks over `narrative_flags`: no child's name, and no longer than `max_length`."""
    checks = []
    for column in columns:
        checks += [
            Check(expect("ExpectColumnValuesToBeInSet", column=f"{column}__names_child", value_set=[False]),
                  "names a nominated child: refer to children by case ref only", column),
            Check(expect("ExpectColumnValuesToBeBetween", column=f"{column}__length", max_value=max_length),
                  f"longer than {max_length} characters", column),
        ]
    return checks
