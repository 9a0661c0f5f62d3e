"""A rehearsal's ledger in the store: the spans in which part of the run was working, or waiting.

A step or a wait's look opens a busy span as it starts and closes it as it ends; a wait opens a waiting
span as it parks, which its next look closes; a trigger that notices a file in the inbox opens a busy span
in the name of the task it wakes, which that task's look closes once the file has its outcome. A span left
open by a process that died ends at the next look of the same task (a busy one holds audit time until
then: better a rehearsal that waits than one that skips ahead).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from maa.audit.clock import BUSY, WAITING, Span

if TYPE_CHECKING:
    from maa.outputs.store import Store


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


class RunLedger:
    """The busy spans of one run (`run`: the DAG and run ids); `who` names a task instance."""

    def __init__(self, store: Store, run: str):
        self.store = store
        self.run = run

    @property
    def _table(self) -> sa.Table:
        return self.store.table("rehearsal_busy")

    def open(self, who: str, kind: str = BUSY, at: datetime | None = None, target: datetime | None = None) -> str:
        span_id = uuid.uuid4().hex
        with self.store.begin() as connection:
            connection.execute(self._table.insert().values(
                span_id=span_id, run=self.run, who=who, kind=kind, started_at=_naive(at or datetime.now(UTC)),
                target_at=_naive(target) if target else None))
        return span_id

    def close(self, who: str, at: datetime | None = None) -> int:
        """End every open span of `who` (its own, and any a trigger opened for it)."""
        table = self._table
        with self.store.begin() as connection:
            return connection.execute(
                table.update().where(table.c.run == self.run, table.c.who == who, table.c.ended_at.is_(None))
                .values(ended_at=_naive(at or datetime.now(UTC)))).rowcount

    @contextlib.contextmanager
    def busy(self, who: str) -> Iterator[None]:
        """Audit time stands still while the body runs; `who`'s waiting ends as it starts."""
        self.close(who)
        self.open(who)
        try:
            yield
        finally:
            self.close(who)

    def waiting(self, who: str, target: datetime | None) -> None:
        """`who` waits from now until its next look, for the audit time `target` (None: a file only): audit
        time moves on meanwhile until `target`, then stands still until `who` looks."""
        self.close(who)
        self.open(who, WAITING, target=target)

    def spans(self) -> list[Span]:
        table = self._table
        with self.store.connect() as connection:
            rows = connection.execute(sa.select(table.c.kind, table.c.started_at, table.c.ended_at,
                                                table.c.target_at).where(table.c.run == self.run)).all()
        return [(str(kind), _aware(start), _aware(end) if end else None, _aware(target) if target else None)
                for kind, start, end, target in rows]
