"""A rehearsal's busy ledger in the store: the spans in which part of the run was working.

A step or a wait's look opens a span as it starts and closes it as it ends; a trigger that notices a file
in the inbox opens one in the name of the task it wakes, which that task's look closes once the file has
its outcome. A span left open by a process that died ends at the next look of the same task (or counts as
busy until the run ends, holding audit time: better a rehearsal that waits than one that skips ahead).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from maa.audit.clock import Span

if TYPE_CHECKING:
    from maa.outputs.store import Store


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class RunLedger:
    """The busy spans of one run (`run`: the DAG and run ids); `who` names a task instance."""

    def __init__(self, store: Store, run: str):
        self.store = store
        self.run = run

    @property
    def _table(self) -> sa.Table:
        return self.store.table("rehearsal_busy")

    def open(self, who: str, at: datetime | None = None) -> str:
        span_id = uuid.uuid4().hex
        with self.store.begin() as connection:
            connection.execute(self._table.insert().values(
                span_id=span_id, run=self.run, who=who, started_at=_naive(at or datetime.now(UTC))))
        return span_id

    def close(self, who: str, at: datetime | None = None) -> int:
        """End every open span of `who` (its own look's, and any a trigger opened for it)."""
        table = self._table
        with self.store.begin() as connection:
            return connection.execute(
                table.update().where(table.c.run == self.run, table.c.who == who, table.c.ended_at.is_(None))
                .values(ended_at=_naive(at or datetime.now(UTC)))).rowcount

    @contextlib.contextmanager
    def busy(self, who: str) -> Iterator[None]:
        """Audit time stands still while the body runs (and until any span opened for `who` is closed)."""
        self.open(who)
        try:
            yield
        finally:
            self.close(who)

    def spans(self) -> list[Span]:
        table = self._table
        with self.store.connect() as connection:
            rows = connection.execute(sa.select(table.c.started_at, table.c.ended_at)
                                      .where(table.c.run == self.run)).all()
        return [(start.replace(tzinfo=UTC), end.replace(tzinfo=UTC) if end else None) for start, end in rows]
