"""Finding one audit's definition by its DAG id, as a task start does, without reading the others."""

from __future__ import annotations

import sys
from pathlib import Path

from maa.audit.lookup import definition_for_dag
from tests.helpers.definitions import AuditFolders

# (folder listened to, names of the files opened in it, in order) while a test listens.
_listening: list[tuple[Path, list[str]]] = []


def _note_opened(event: str, args: tuple) -> None:
    """An audit hook; it cannot be removed, so it notes files only while a test listens."""
    if event == "open" and _listening and isinstance(args[0], (str, Path)):
        folder, opened = _listening[-1]
        if Path(args[0]).parent == folder:
            opened.append(Path(args[0]).name)


sys.addaudithook(_note_opened)


def files_opened_finding(dag_id: str, folders: AuditFolders) -> tuple[tuple[Path, object] | None, list[str]]:
    """What `definition_for_dag` found, and the definition files it opened meanwhile, in order."""
    _listening.append((folders.audits, []))
    try:
        found = definition_for_dag(dag_id)
    finally:
        opened = _listening.pop()[1]
    return found, opened


def write_audits(folders: AuditFolders, count: int) -> None:
    for number in range(1, count + 1):
        folders.write_definition({"ref": f"MATA-2026-{number:02d}"})


def test_a_file_named_after_the_ref_is_the_only_file_read(folders: AuditFolders) -> None:
    write_audits(folders, 5)
    (folders.audits / "broken.yaml").write_text("ref: [unclosed\n")
    found, opened = files_opened_finding("maa_mata_2026_04", folders)
    assert found is not None
    path, definition = found
    assert (path.name, definition.ref) == ("MATA-2026-04.yaml", "MATA-2026-04")
    assert opened == ["MATA-2026-04.yaml"]


def test_a_file_named_otherwise_is_found_by_its_ref_line_reading_each_file_once(folders: AuditFolders) -> None:
    write_audits(folders, 3)
    folders.write_definition({"ref": "MATA-2026-09"}, name="the-autumn-audit.yaml")
    (folders.audits / "quoted.yaml").write_text((folders.audits / "MATA-2026-01.yaml").read_text().replace(
        "ref: MATA-2026-01", "ref: 'MATA-2026-08'  # quoted, with a comment"))
    found, opened = files_opened_finding("maa_mata_2026_09", folders)
    assert found is not None and found[0].name == "the-autumn-audit.yaml"
    assert opened == sorted(p.name for p in folders.audits.iterdir())  # each once, in load_all's order
    found, _ = files_opened_finding("maa_mata_2026_08", folders)
    assert found is not None and (found[0].name, found[1].ref) == ("quoted.yaml", "MATA-2026-08")


def test_a_named_file_whose_ref_differs_defines_the_dag_of_its_ref_only(folders: AuditFolders) -> None:
    folders.write_definition({"ref": "MATA-2026-06"}, name="MATA-2026-05.yaml")
    assert definition_for_dag("maa_mata_2026_05") is None
    found = definition_for_dag("maa_mata_2026_06")
    assert found is not None and found[0].name == "MATA-2026-05.yaml"


def test_an_unusable_definition_defines_no_dag(folders: AuditFolders) -> None:
    folders.write_definition({"ref": "MATA-2026-02", "timescale": {"notice": 4, "agency_audit": 5}})
    assert definition_for_dag("maa_mata_2026_02") is None
    assert definition_for_dag("maa_action_tracker") is None
