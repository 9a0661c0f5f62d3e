"""The PAA's store, on SQLite and (marked postgres) on PostgreSQL, with the audit saved in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from maa.audit.definitions import AuditDefinition
from maa.outputs.store import Store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path, paa: AuditDefinition) -> Store:
    url = f"sqlite:///{tmp_path}/s.sqlite" if request.param == "sqlite" else request.getfixturevalue("postgres_store")
    opened = Store(url)
    opened.save_audit(paa, "PAA-2026-01.yaml")
    return opened
