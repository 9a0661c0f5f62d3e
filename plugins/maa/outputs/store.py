"""The audit store: SQLAlchemy over the portable SQL in include/sql/migrations.

One migration mechanism: numbered .sql files applied in order, each recorded in
`schema_version`; `maa db upgrade` and the first task of every run apply them, and
a store opened on an older schema brings it up to date once per process. The URL is
handed in (the pipeline reads the Airflow connection `maa_store`); without one the
store is a SQLite file under the data folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from maa import config
from maa.outputs.private_files import private_folder

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

    from maa.audit.definitions import AuditDefinition

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def embedded_url() -> str:
    """The embedded default: a SQLite file under the data folder, beside the archived case lists."""
    path = config.data_dir() / "maa-store.sqlite"
    private_folder(path.parent)
    return f"sqlite:///{path}"


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True, future=True)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def migrations(folder: Path | None = None) -> list[Migration]:
    folder = folder or config.sql_dir() / "migrations"
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_what_it_does.sql")
        found.append(Migration(int(match.group(1)), path.stem, tuple(_statements(path.read_text()))))
    return found


def _statements(sql: str) -> Iterator[str]:
    """Split on ';' at line ends; the migrations hold no procedural code."""
    without_comments = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    for statement in without_comments.split(";"):
        if statement.strip():
            yield statement.strip()


@contextlib.contextmanager
def _migration_lock(engine: Engine, connection: Connection) -> Iterator[None]:
    """Serialise concurrent migrators: an advisory lock on PostgreSQL, a file lock on SQLite."""
    if engine.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
        yield
    elif engine.dialect.name == "sqlite" and engine.url.database:
        with open(f"{engine.url.database}.migrate.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            yield
    else:
        yield


def latest_version() -> int:
    return max(m.version for m in migrations())


def schema_version(engine: Engine) -> int:
    """The newest migration applied, 0 for a new database (one query, no lock)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("schema_version"):
            return 0
        return connection.execute(sa.text("SELECT MAX(version) FROM schema_version")).scalar_one() or 0


_CURRENT: set[str] = set()  # URLs whose schema this process has seen up to date


def ensure_current(engine: Engine) -> None:
    """Migrate only when the schema is behind: a store opened in every task costs one query, not a lock."""
    url = engine.url.render_as_string(hide_password=False)
    if url in _CURRENT:
        return
    if schema_version(engine) < latest_version():
        migrate(engine)
    _CURRENT.add(url)


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations not yet applied; return their versions."""
    applied_now = []
    with engine.begin() as connection, _migration_lock(engine, connection):
        connection.execute(sa.text(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)"
        ))
        done = set(connection.execute(sa.text("SELECT version FROM schema_version")).scalars())
        for migration in migrations():
            if migration.version in done:
                continue
            for statement in migration.statements:
                connection.execute(sa.text(statement))
            connection.execute(
                sa.text("INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :t)"),
                {"v": migration.version, "n": migration.name, "t": utcnow()},
            )
            applied_now.append(migration.version)
    return applied_now


def stable_id(*parts: str) -> str:
    """A deterministic row id, so that recording the same thing twice is a no-op."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Store:
    """Typed access to the audit store; every write is an idempotent upsert."""

    def __init__(self, url: str | None = None):
        self.engine = _engine_for(url or embedded_url())
        ensure_current(self.engine)
        self.meta = sa.MetaData()
        self.meta.reflect(self.engine)
        self._transaction: Connection | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Every write inside happens in one transaction (nested calls join it)."""
        if self._transaction is not None:
            yield
            return
        with self.engine.begin() as connection:
            self._transaction = connection
            try:
                yield
            finally:
                self._transaction = None

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        if self._transaction is not None:
            yield self._transaction
        else:
            with self.engine.begin() as connection:
                yield connection

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        if self._transaction is not None:
            yield self._transaction
        else:
            with self.engine.connect() as connection:
                yield connection

    def table(self, name: str) -> sa.Table:
        return self.meta.tables[name]

    def _upsert(self, connection: Connection, table: str, rows: Sequence[dict[str, Any]],
                keys: Sequence[str], update: bool = True) -> int:
        """Insert, or on a key conflict update (or leave) the row; returns the rows written."""
        if not rows:
            return 0
        statement: PostgresqlInsert | SqliteInsert
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert
            statement = postgresql_insert(self.table(table))
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert
            statement = sqlite_insert(self.table(table))
        columns = [c for c in rows[0] if c not in keys]
        if update and columns:
            statement = statement.on_conflict_do_update(
                index_elements=list(keys), set_={c: statement.excluded[c] for c in columns})
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(keys))
        return connection.execute(statement, list(rows)).rowcount

    # Audits -------------------------------------------------------------------------------

    def save_audit(self, definition: AuditDefinition, definition_file: str) -> None:
        """The definition as it stands now: audit, agencies and milestones."""
        ref = definition.ref
        timetable = definition.timetable
        with self.begin() as connection:
            self._upsert(connection, "audits", [{
                "ref": ref, "audit_type": str(definition.type), "title": definition.title,
                "theme": definition.theme, "start_date": definition.start, "status": str(definition.status),
                "definition_file": definition_file, "updated_at": utcnow(),
            }], keys=["ref"])
            self._upsert(connection, "agencies", [{
                "audit_ref": ref, "code": a.code, "name": a.name, "coordinator_email": a.coordinator.email,
                "submission_deadline": definition.submission_deadline_for(a.code),
            } for a in definition.agencies], keys=["audit_ref", "code"])
            self._upsert(connection, "milestones", [
                {"audit_ref": ref, "name": name, "due_date": day} for name, day in timetable.dates.items()
            ], keys=["audit_ref", "name"])

    def save_cases(self, ref: str, cases: Sequence[dict[str, str]]) -> None:
        rows = [{"audit_ref": ref, **case} for case in cases]
        with self.begin() as connection:
            self._upsert(connection, "cases", rows, keys=["audit_ref", "case_ref"])

    def cases(self, ref: str) -> list[dict[str, Any]]:
        table = self.table("cases")
        query = sa.select(table.c.case_ref, table.c.age_band).where(table.c.audit_ref == ref)
        with self.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query.order_by(table.c.case_ref))]

    # Returns ------------------------------------------------------------------------------

    def save_return(self, ref: str, agency_code: str, *, status: str, version: int | None = None,
                    completed_by: str | None = None, practitioner: tuple[str, str] | None = None,
                    findings: Sequence[dict[str, str]] = (), received_at: datetime | None = None,
                    summary: str | None = None) -> None:
        """An agency's return outcome; an accepted one replaces the agency's findings in one transaction.
        `received_at` is when the file landed (audit time), `accepted_at` when the pipeline took it;
        `summary` is the agency's own summary of its return."""
        now = utcnow()
        landed = received_at.astimezone(UTC).replace(tzinfo=None) if received_at else now
        row = {"audit_ref": ref, "agency_code": agency_code, "version": version or 0, "status": str(status),
               "completed_by": completed_by, "accepted_at": now if status != "no_return" else None,
               "received_at": landed if status != "no_return" else None,
               "practitioner_name": practitioner[0] if practitioner else None,
               "practitioner_email": practitioner[1] if practitioner else None, "summary": summary}
        findings_table = self.table("findings")
        with self.begin() as connection:
            self._upsert(connection, "returns", [row], keys=["audit_ref", "agency_code"])
            if status != "no_return":
                connection.execute(sa.delete(findings_table).where(findings_table.c.audit_ref == ref,
                                                                   findings_table.c.agency_code == agency_code))
                self._upsert(connection, "findings", [{"audit_ref": ref, "agency_code": agency_code, **f}
                                                      for f in findings],
                             keys=["audit_ref", "agency_code", "unit_ref", "domain"])

    def returns(self, ref: str) -> dict[str, dict[str, Any]]:
        table = self.table("returns")
        with self.connect() as connection:
            rows = connection.execute(sa.select(table).where(table.c.audit_ref == ref))
            return {row.agency_code: dict(row._mapping) for row in rows}

    def findings(self, ref: str) -> list[dict[str, Any]]:
        table = self.table("findings")
        query = sa.select(table).where(table.c.audit_ref == ref).order_by(
            table.c.agency_code, table.c.unit_ref, table.c.domain)
        with self.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def save_actions(self, ref: str, actions: Sequence[dict[str, Any]]) -> None:
        """The agreed actions into the tracker; an action already tracked keeps its progress status."""
        described = ("action", "owner_agency", "due_date", "theme", "review_refs")
        table = self.table("actions")
        with self.begin() as connection:
            self._upsert(connection, "actions", [
                {"audit_ref": ref, "action_id": a["action_id"], "status": a["status"], **{k: a[k] for k in described}}
                for a in actions], keys=["audit_ref", "action_id"], update=False)
            for a in actions:
                connection.execute(sa.update(table)
                                   .where(table.c.audit_ref == ref, table.c.action_id == a["action_id"])
                                   .values({k: a[k] for k in described}))

    def actions(self, ref: str) -> list[dict[str, Any]]:
        table = self.table("actions")
        with self.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(
                sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.action_id))]

    # Events -------------------------------------------------------------------------------

    def record_event(self, ref: str, kind: str, subject: str, detail: str = "") -> bool:
        """Record that something happened; False when it had been recorded already."""
        with self.begin() as connection:
            inserted = self._upsert(connection, "events", [{
                "id": stable_id(ref, kind, subject), "audit_ref": ref, "kind": kind, "subject": subject,
                "detail": detail[:4000], "occurred_at": utcnow(),
            }], keys=["id"], update=False)
        return inserted > 0

    def events(self, ref: str, kind: str | None = None) -> list[dict[str, Any]]:
        table = self.table("events")
        query = sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.occurred_at)
        if kind:
            query = query.where(table.c.kind == kind)
        with self.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # Inbox files --------------------------------------------------------------------------

    def record_inbox_file(self, ref: str, kind: str, agency_code: str | None, version: int, outcome: str,
                          stored_as: str, sha256: str, reasons: str = "", landed_at: datetime | None = None) -> None:
        """A file taken out of an inbox: when it landed there (the inbox's clock) and when it was taken."""
        with self.begin() as connection:
            self._upsert(connection, "inbox_files", [{
                "id": stable_id(ref, kind, agency_code or "", sha256, str(version)),
                "audit_ref": ref, "kind": str(kind), "agency_code": agency_code, "version": version,
                "outcome": str(outcome), "stored_as": stored_as, "reasons": reasons[:8000], "sha256": sha256,
                "received_at": utcnow(),
                "landed_at": landed_at.astimezone(UTC).replace(tzinfo=None) if landed_at else None,
            }], keys=["id"], update=False)

    def inbox_files(self, ref: str, kind: str, agency_code: str | None = None) -> list[dict[str, Any]]:
        table = self.table("inbox_files")
        query = sa.select(table).where(table.c.audit_ref == ref, table.c.kind == kind)
        if agency_code is not None:
            query = query.where(table.c.agency_code == agency_code)
        with self.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query.order_by(table.c.version))]

    # Email ledger -------------------------------------------------------------------------

    def email_status(self, message_key: str) -> str | None:
        table = self.table("emails")
        with self.connect() as connection:
            return connection.execute(
                sa.select(table.c.status).where(table.c.message_key == message_key)
            ).scalar_one_or_none()

    def email_pending(self, *, message_key: str, message_id: str, ref: str, kind: str, recipient: str,
                      version: int, subject: str, transport: str) -> None:
        with self.begin() as connection:
            self._upsert(connection, "emails", [{
                "message_key": message_key, "message_id": message_id, "audit_ref": ref, "kind": kind,
                "recipient": recipient, "version": version, "subject": subject, "status": "pending",
                "transport": transport, "created_at": utcnow(), "sent_at": None,
            }], keys=["message_key"], update=False)

    def email_sent(self, message_key: str) -> None:
        table = self.table("emails")
        with self.begin() as connection:
            connection.execute(sa.update(table).where(table.c.message_key == message_key)
                               .values(status="sent", sent_at=utcnow()))

    def emails(self, ref: str) -> list[dict[str, Any]]:
        table = self.table("emails")
        with self.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(
                sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.created_at))]
