"""How an audit ended, as its record says: QiiP's approval, a withdrawal its run applied, or a run that ended
without approval. Retention counts `retention_days` from that moment, never from the day it happens to look.

An approval is read from the sign-off decisions. The other endings are kept in `audit_endings`, one row per run:
a withdrawal at the moment a task of the run first applied it (a definition's change takes effect at the
audit's next wait), or the run's end as Airflow recorded it. The first record of a run stays, so every later
look finds the same moment; of several runs, the latest end is the audit's, except that a withdrawal applied
again by later runs counts from the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import sqlalchemy as sa

from maa import config
from maa.outputs.store import Store, utcnow
from maa.signoff.decisions import approval


class Ending(StrEnum):
    approved = "approved"
    withdrawn = "withdrawn"
    without_approval = "ended without approval"


@dataclass(frozen=True)
class AuditEnd:
    ending: Ending
    at: datetime  # aware
    detail: str = ""

    @property
    def day(self) -> date:
        """The London day it ended: retention's days count from it."""
        return self.at.astimezone(config.LONDON).date()

    def describe(self) -> str:
        return f"{self.ending} {self.day:%Y-%m-%d}"


def record_ending(store: Store, ref: str, run_id: str, ending: Ending, at: datetime, detail: str = "") -> bool:
    """Record how run `run_id` of audit `ref` ended; False when that run's ending was recorded already."""
    with store.begin() as connection:
        written = store._upsert(connection, "audit_endings", [{
            "audit_ref": ref, "run_id": run_id, "ending": str(ending),
            "ended_at": at.astimezone(UTC).replace(tzinfo=None), "detail": detail[:400], "recorded_at": utcnow(),
        }], keys=["audit_ref", "run_id"], update=False)
    return written > 0


def reopen_run(store: Store, ref: str, run_id: str) -> bool:
    """A run recorded as ended without approval has a task running again (an operator cleared a failed task):
    it has not ended, so its record goes and its next end is recorded afresh. True when there was one."""
    table = store.table("audit_endings")
    with store.begin() as connection:
        removed = connection.execute(sa.delete(table).where(
            table.c.audit_ref == ref, table.c.run_id == run_id,
            table.c.ending == str(Ending.without_approval))).rowcount
    return bool(removed)


def audit_end(store: Store, ref: str) -> AuditEnd | None:
    """QiiP's approval when there is one (it ends the audit whatever else happened), else the latest recorded
    end of a run; None while the audit has not ended, and for a rehearsal's record (a rehearsal ends nothing:
    its approval starts no purge). Raises ValueError when the approval cannot be read."""
    from maa.outputs.rehearsals import recorded_as

    if recorded_as(store, ref):
        return None
    try:
        approved = approval(store, ref)
    except ValueError:
        raise ValueError(f"{ref}: QiiP's approval time cannot be read") from None
    if approved is not None:
        return AuditEnd(Ending.approved, approved.at, f"approved by {approved.who}")
    table = store.table("audit_endings")
    query = sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.ended_at)
    with store.connect() as connection:
        ends = [AuditEnd(Ending(row.ending), row.ended_at.replace(tzinfo=UTC), row.detail)
                for row in connection.execute(query)]
    if not ends:
        return None
    last = len(ends) - 1
    while last > 0 and ends[last].ending is Ending.withdrawn and ends[last - 1].ending is Ending.withdrawn:
        last -= 1  # each run of a withdrawn audit applies the withdrawal again: it counts from the first
    return ends[last]


def refs_with_endings(store: Store) -> list[str]:
    """Audits with a recorded ending: one withdrawn before its first step still has files to purge."""
    table = store.table("audit_endings")
    with store.connect() as connection:
        return list(connection.execute(sa.select(table.c.audit_ref).distinct()).scalars())
