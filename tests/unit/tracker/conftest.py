"""The tracker's store for each test: two approved audits with their agreed actions, and the sample review
findings register in the data folder."""

from __future__ import annotations

import pytest

from maa.outputs.store import Store
from tests.helpers.definitions import AuditFolders
from tests.helpers.tracker_seed import (
    ACTIONS_A,
    ACTIONS_B,
    REF_B,
    copy_sample_register,
    seed_audit,
)


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    seed_audit(folders, store, {}, ACTIONS_A)
    seed_audit(folders, store, {"ref": REF_B, "type": "MACA", "start": "2026-09-07"}, ACTIONS_B)
    copy_sample_register(folders)
    return store
