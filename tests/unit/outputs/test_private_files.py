"""Everything that may hold children's data or a secret is owner-only from its creation: files 0600,
the folders made for them 0700. Each test creates them under umask 0, where a file made without an
explicit mode would come out world-readable, and records every chmod: none may be needed."""

from __future__ import annotations

import os
import stat
from datetime import date
from pathlib import Path

import pytest

from maa.audit.definitions import load_definition
from maa.ops.demo import airflow_environment
from maa.ops.services import users_file
from maa.outputs import private_files
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import audit_packs, case_list
from maa.preparation.return_template import write_return_template
from maa.web.uploads import OPEN, ReturnSlot, drop_in_inbox
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.file_modes import created_openly, modes
from tests.helpers.nominations import nominations_csv

REF = "MATA-2026-01"
PRIVATE_FILE, PRIVATE_FOLDER = "-rw-------", "drwx------"


def all_private(found: dict[str, str]) -> dict[str, str]:
    """What `found` would be if every file were 0600 and every folder 0700."""
    return {path: PRIVATE_FOLDER if mode.startswith("d") else PRIVATE_FILE for path, mode in found.items()}


def test_building_audit_packs_writes_owner_only_pdfs_workbooks_and_emails(folders: AuditFolders) -> None:
    definition = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    with created_openly() as chmods:
        assert case_list.receive_nominations(definition, store, resources.mailer(store), date(2026, 7, 1),
                                             key=resources.pseudonym_key).accepted
        codes = audit_packs.build_audit_packs(definition, store, date(2026, 7, 1))
        audit_packs.send_audit_packs(definition, resources.mailer(store))

    written = modes(folders.output)
    assert {f"{REF}/audit-pack-{code}.pdf" for code in codes} <= written.keys()
    assert {f"{REF}/return-template-{code}.xlsx" for code in codes} <= written.keys()
    assert len([p for p in written if p.startswith("outbox/") and p.endswith(".eml")]) == len(codes)
    assert written == all_private(written)
    assert chmods == []


def test_a_workbook_and_the_folders_made_for_it_are_owner_only(tmp_path: Path) -> None:
    definition = load_definition(PROJECT / "include" / "audits" / "MATA-2026-01.yaml")
    with created_openly() as chmods:
        write_return_template(definition, "POL", ["C-01"], tmp_path / "new" / "deeper" / "return.xlsx")
    assert modes(tmp_path) == {"new": PRIVATE_FOLDER, "new/deeper": PRIVATE_FOLDER,
                               "new/deeper/return.xlsx": PRIVATE_FILE}
    assert chmods == []


def test_users_json_and_the_pseudonym_key_are_owner_only_in_an_owner_only_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "project" / ".airflow"
    monkeypatch.setenv("AIRFLOW_HOME", str(home))
    monkeypatch.delenv("AIRFLOW_VAR_MAA_PSEUDONYM_KEY")
    with created_openly() as chmods:
        environment = airflow_environment(PROJECT, tmp_path / "audits", tmp_path / "data")
        users_file(home, {"admin": "admin", "business-unit": "user"})
    assert modes(tmp_path) == {"project": PRIVATE_FOLDER, "project/.airflow": PRIVATE_FOLDER,
                               "project/.airflow/pseudonym-key": PRIVATE_FILE,
                               "project/.airflow/users.json": PRIVATE_FILE}
    assert len((home / "pseudonym-key").read_text()) == 64
    assert environment["AIRFLOW_VAR_MAA_PSEUDONYM_KEY"] == (home / "pseudonym-key").read_text()
    assert chmods == []


def test_an_upload_lands_in_the_inbox_owner_only(folders: AuditFolders) -> None:
    definition = load_definition(folders.write_definition())
    with created_openly() as chmods:
        drop_in_inbox(ReturnSlot(definition, "POL", OPEN, None, (), False), b"PK\x03\x04 a return", "POL.xlsx")
    assert modes(folders.data / "inbox") == {REF: PRIVATE_FOLDER, f"{REF}/returns": PRIVATE_FOLDER,
                                             f"{REF}/returns/POL.xlsx": PRIVATE_FILE}
    assert chmods == []


def test_an_exclusive_write_never_replaces_a_file_and_a_failed_write_leaves_the_old_one(tmp_path: Path) -> None:
    kept = private_files.write_private(tmp_path / "kept.v1.csv", b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        private_files.write_private(kept, b"second", exclusive=True)
    with pytest.raises(RuntimeError), private_files.private_file(kept) as handle:
        handle.write(b"half")
        raise RuntimeError("the writer failed")
    assert kept.read_bytes() == b"first" and os.listdir(tmp_path) == ["kept.v1.csv"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
