"""The demo's people: the returns dropped at once, and the correction ready for the one that gets it wrong."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from openpyxl import load_workbook

from maa.audit.definitions import load_definition
from maa.ops.demo import SampleRoles
from tests.helpers.definitions import AuditFolders


def test_police_correction_is_made_with_its_first_try_and_sent_once_refused(folders: AuditFolders,
                                                                              tmp_path: Path) -> None:
    roles = SampleRoles(load_definition(folders.write_definition()), folders.data, tmp_path / "scratch")
    roles.drop_returns(["C-01", "C-02"])
    returns = roles.inbox / "returns"
    first = load_workbook(returns / "POL.xlsx")["Findings"]["C4"].value
    assert first == "Excellent" and set(roles.corrections) == {"POL"}
    refused = SimpleNamespace(events=lambda ref, kind: [{"subject": "POL/v1"}])
    roles.correct_refused_returns(refused)  # type: ignore[arg-type]
    assert load_workbook(returns / "POL.xlsx")["Findings"]["C4"].value != "Excellent"
    assert roles.corrections == {}, "sent once"
