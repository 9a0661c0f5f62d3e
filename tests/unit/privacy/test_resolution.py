"""Resolving a case ref to its child from the archived case list, every request recorded without the child's
details, and nothing recorded against a ref that is not an audit's."""

from __future__ import annotations

from pathlib import Path

import pytest

from maa.outputs.store import Store
from maa.privacy.resolution import NO_CASE_LIST, RESOLVED, UNKNOWN_CASE, UnknownAudit, resolutions, resolve_case
from tests.helpers.case_lists import accept_case_list
from tests.helpers.definitions import AuditFolders
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.tracker_seed import ACTIONS_A, REF_A, seed_audit


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    return Store(f"sqlite:///{folders.data / 'store.sqlite'}")


@pytest.fixture
def archived(folders: AuditFolders, store: Store) -> Path:
    return accept_case_list(folders, store, seed_audit(folders, store, {}, ACTIONS_A))


def recorded(store: Store) -> list[tuple[str | None, str, str, str]]:
    return [(r["case_ref"], r["asked_by"], r["os_user"], r["outcome"]) for r in resolutions(store, REF_A)]


@pytest.mark.usefixtures("archived")
def test_a_case_ref_in_any_letter_case_resolves_to_its_child(store: Store) -> None:
    resolution = resolve_case(store, "mata-2026-01", " c-01 ", asked_by="Dana BU", os_user="dana")
    assert (resolution.ref, resolution.outcome, resolution.case_ref) == (REF_A, RESOLVED, "C-01")
    child = resolution.child
    assert (child.child_name, child.system_id, f"{child.date_of_birth:%Y-%m-%d}") == (
        DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB)
    assert recorded(store) == [("C-01", "Dana BU", "dana", RESOLVED)]


@pytest.mark.usefixtures("archived")
def test_what_is_not_a_case_ref_is_recorded_as_asked_but_never_kept(store: Store) -> None:
    resolution = resolve_case(store, REF_A, DISTINCTIVE_NAME, asked_by="Dana BU", os_user="dana")
    assert (resolution.outcome, resolution.case_ref, resolution.child) == (UNKNOWN_CASE, None, None)
    assert recorded(store) == [(None, "Dana BU", "dana", UNKNOWN_CASE)], "what was typed may be a name"


def test_an_audit_not_in_the_store_is_refused_and_nothing_recorded(store: Store, archived: Path) -> None:
    with pytest.raises(UnknownAudit, match="no audit MATA-2099-01 in the audit store"):
        resolve_case(store, "MATA-2099-01", "C-01", asked_by="Dana BU", os_user="dana")
    assert recorded(store) == [] and resolutions(store, "MATA-2099-01") == []


def test_without_the_archived_case_list_the_case_cannot_be_resolved(store: Store, archived: Path) -> None:
    archived.unlink()
    resolution = resolve_case(store, REF_A, "C-02", asked_by="Dana BU", os_user="dana")
    assert (resolution.outcome, resolution.case_ref, resolution.child) == (NO_CASE_LIST, "C-02", None)
    assert recorded(store) == [("C-02", "Dana BU", "dana", NO_CASE_LIST)]
