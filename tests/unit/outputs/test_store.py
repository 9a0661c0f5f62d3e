"""The audit store on SQLite and PostgreSQL: migrations applied once, every write idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition
from maa.outputs.store import Store, migrate, migrations
from tests.helpers.definitions import sample_definition

REF = "MATA-2026-01"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.sqlite"
    return request.getfixturevalue("postgres_store")


def count(store: Store, table: str, **where: object) -> int:
    query = sa.select(sa.func.count()).select_from(store.table(table))
    for column, value in where.items():
        query = query.where(store.table(table).c[column] == value)
    with store.engine.connect() as connection:
        return connection.execute(query).scalar_one()


def definition(**changes: object) -> AuditDefinition:
    return AuditDefinition.model_validate(sample_definition(dict(changes)))


def test_migrate_twice_applies_each_migration_once(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        versions = [m.version for m in migrations()]
        assert versions == sorted(set(versions)) and versions
        assert migrate(engine) == versions
        assert migrate(engine) == []
        with engine.connect() as connection:
            recorded = connection.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars()
            assert list(recorded) == versions
        tables = set(sa.inspect(engine).get_table_names())
        assert {"audits", "agencies", "milestones", "cases", "events", "emails", "inbox_files"} <= tables
    finally:
        engine.dispose()


def test_opening_the_store_again_applies_nothing(url: str) -> None:
    store = Store(url)
    assert migrate(store.engine) == []
    again = Store(url)
    assert count(again, "schema_version") == len(migrations())


def test_save_audit_twice_keeps_one_row_per_audit_agency_and_milestone(url: str) -> None:
    store = Store(url)
    audit = definition()
    store.save_audit(audit, "MATA-2026-01.yaml")
    store.save_audit(audit, "MATA-2026-01.yaml")
    assert count(store, "audits", ref=REF) == 1
    assert count(store, "agencies", audit_ref=REF) == len(audit.agencies) == 6
    assert count(store, "milestones", audit_ref=REF) == 7
    for milestone in ("notice_issued", "submission_deadline", "impact_review_due"):
        assert count(store, "milestones", audit_ref=REF, name=milestone) == 1


def test_save_audit_again_updates_in_place(url: str) -> None:
    store = Store(url)
    store.save_audit(definition(), "MATA-2026-01.yaml")
    agencies = sample_definition()["agencies"]
    agencies[1] = {**agencies[1], "coordinator": {"name": "New Person", "email": "new.person@police.example.org"}}
    changed = definition(status="paused", agencies=agencies, extensions={"POL": date(2026, 7, 31)})
    store.save_audit(changed, "MATA-2026-01.yaml")
    assert count(store, "audits") == 1
    assert count(store, "agencies", audit_ref=REF) == 6
    assert count(store, "milestones", audit_ref=REF) == 7
    table = store.table("agencies")
    with store.engine.connect() as connection:
        police = connection.execute(sa.select(table).where(table.c.audit_ref == REF, table.c.code == "POL")).one()
        status = connection.execute(sa.select(store.table("audits").c.status)).scalar_one()
    assert police.coordinator_email == "new.person@police.example.org"
    assert police.submission_deadline == date(2026, 7, 31)
    assert status == "paused"


def test_record_event_is_true_once_then_false(url: str) -> None:
    store = Store(url)
    assert store.record_event(REF, "nominations_accepted", "v1", "2 cases") is True
    assert store.record_event(REF, "nominations_accepted", "v1", "2 cases") is False
    assert store.record_event(REF, "nominations_accepted", "v1", "different detail") is False
    assert store.record_event(REF, "nominations_accepted", "v2") is True
    assert store.record_event(REF, "nominations_refused", "v1") is True
    assert store.record_event("MACA-2026-02", "nominations_accepted", "v1") is True
    assert [e["subject"] for e in store.events(REF, "nominations_accepted")] == ["v1", "v2"]
    assert count(store, "events") == 4


def test_save_cases_twice_keeps_one_row_per_case(url: str) -> None:
    store = Store(url)
    store.save_audit(definition(), "MATA-2026-01.yaml")
    cases = [{"case_ref": "C-01", "system_id_hash": "a" * 64, "age_band": "10-15"},
             {"case_ref": "C-02", "system_id_hash": "b" * 64, "age_band": "5-9"}]
    store.save_cases(REF, cases)
    store.save_cases(REF, cases)
    assert store.cases(REF) == [{"case_ref": "C-01", "age_band": "10-15"}, {"case_ref": "C-02", "age_band": "5-9"}]


def test_the_email_ledger_records_pending_then_sent(url: str) -> None:
    store = Store(url)
    ledger = dict(message_key="k|notice|a@example.org|v1", message_id="<abc@maa.audit.local>", ref=REF,
                  kind="notice", recipient="a@example.org", version=1, subject="OFFICIAL [X] y", transport="smtp")
    assert store.email_status(ledger["message_key"]) is None
    store.email_pending(**ledger)
    store.email_pending(**ledger)
    assert store.email_status(ledger["message_key"]) == "pending"
    store.email_sent(ledger["message_key"])
    assert store.email_status(ledger["message_key"]) == "sent"
    [row] = store.emails(REF)
    assert row["sent_at"] is not None
