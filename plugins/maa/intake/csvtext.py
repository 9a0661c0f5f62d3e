"""Reading the CSV files people send (case lists, registers): the checks every one gets before its content.

Rows keep the numbers a spreadsheet shows (the header is row 1), blank lines
included in the count, so that a reason's row is the row the sender sees.
"""

from __future__ import annotations

import csv
import io

from maa.intake.checks import Problem

Records = list[tuple[int, list[str]]]


def read_records(data: bytes, max_bytes: int, what: str) -> tuple[list[str], Records] | Problem:
    """The lower-cased header and the non-blank records, numbered; or the one Problem that stops reading."""
    if not data.strip():
        return Problem(None, None, "the file is empty")
    if len(data) > max_bytes:
        return Problem(None, None, f"the file is larger than {max_bytes // 1024} KiB; {what} is far smaller")
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        return Problem(None, None, "not a CSV text file (is it a spreadsheet? save it as 'CSV UTF-8')")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Problem(None, None, "not UTF-8 text: save it as 'CSV UTF-8'")
    try:
        records = list(enumerate(csv.reader(io.StringIO(text, newline=""), strict=True), start=1))
    except csv.Error as exc:
        return Problem(None, None, f"not valid CSV: {exc}")
    records = [(n, r) for n, r in records if any(cell.strip() for cell in r)]
    if not records:
        return Problem(None, None, "the file is empty")
    header = [h.strip().lower() for h in records[0][1]]
    return header, records[1:]
