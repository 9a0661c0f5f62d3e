"""Hostile files in the returns inbox, one look at a time: each leaves the inbox on the first look, kept in
quarantine with its reason and explained to the coordinator; none makes the look fail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from maa.config import LONDON
from maa.returns import receiving
from tests.helpers.case_lists import audit_with_cases
from tests.helpers.definitions import AuditFolders
from tests.helpers.hostile import SAVE_AGAIN, broken_after_first_row, repack, with_extra_sheet
from tests.helpers.mail import MailCatcher
from tests.helpers.workbooks import completed_return

REF = "MATA-2026-01"
BEFORE_DEADLINE = datetime(2026, 7, 1, 12, 0, tzinfo=LONDON)

HOSTILE = {
    "a sheet whose XML breaks in its second row": (
        lambda good: repack(good, lambda n, c: broken_after_first_row(c) if n == "xl/worksheets/sheet2.xml" else c),
        f"sheet Findings, row 2: the sheet is damaged from this row on (its XML cannot be read): {SAVE_AGAIN}"),
    "a very hidden sheet holding data": (
        lambda good: with_extra_sheet(good, "veryHidden", "kept out of sight"),
        "the workbook's 3rd sheet is very hidden"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_return_leaves_the_inbox_on_the_first_look_with_its_reason(
        case: str, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store, mailer = audit_with_cases(folders, BEFORE_DEADLINE)
    smtp_server.messages.clear()
    make, expected = HOSTILE[case]
    hostile = make(completed_return(definition, "POL", ["C-01", "C-02"], tmp_path))
    inbox_file = folders.inbox(REF) / "returns" / "POL.xlsx"
    inbox_file.parent.mkdir(parents=True)
    inbox_file.write_bytes(hostile)

    assert receiving.receive_return(definition, store, mailer, "POL", BEFORE_DEADLINE).status == "waiting"

    assert not inbox_file.exists()
    kept = folders.data / "quarantine" / REF / "returns" / "POL.v1.xlsx"
    assert kept.read_bytes() == hostile
    assert expected in kept.with_name("POL.v1.xlsx.reasons.txt").read_text()
    (refusal,) = smtp_server.messages
    assert refusal["To"] == definition.agency("POL").coordinator.email and expected in refusal.get_content()
