"""A store seeded with the programme of tests/helpers/programme_seed.py, for each test."""

from __future__ import annotations

import pytest

from maa.outputs.store import Store
from tests.helpers.definitions import AuditFolders
from tests.helpers.programme_seed import Programme, seed_programme


@pytest.fixture
def programme(folders: AuditFolders) -> Programme:
    return seed_programme(folders, Store(f"sqlite:///{folders.data / 'store.sqlite'}"))
