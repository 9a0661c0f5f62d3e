"""A rehearsal never mixes into the real record.

A rehearsal run (its conf's `rehearsal_seconds_per_week` above 0) writes the store under the audit's own ref, as
a real run does, so that every report it makes is the real one's. Its record is marked (`audits.rehearsal`) and
kept apart: the action tracker, its reports and export, the audit pages and the programme's figures leave a
rehearsal's rows out (`rehearsal_refs`). The first real run of the audit removes them before it starts, so that
nothing the rehearsal sent, received or decided stands in for what the real run must do; a rehearsal of an
audit with a real run's record is refused, for the same reason the other way round.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from maa import config
from maa.outputs.store import Store

log = logging.getLogger(__name__)

# Kept whatever runs: what retention removed (file by file), who resolved a case ref, how the real runs ended.
# A rehearsal's `purges` row goes with it: the real audit's own purge is still to come.
KEPT_TABLES = frozenset({"purged_files", "case_resolutions", "audit_endings", "schema_version"})


class RehearsalRefused(ValueError):
    """A rehearsal of an audit whose store holds a real run's record."""


def recorded_as(store: Store, ref: str) -> bool | None:
    """Whether the audit's record in the store is a rehearsal's; None when there is no record yet."""
    table = store.table("audits")
    with store.connect() as connection:
        row = connection.execute(sa.select(table.c.rehearsal).where(table.c.ref == ref)).first()
    return None if row is None else bool(row.rehearsal)


def start_run(store: Store, ref: str, *, rehearsal: bool) -> None:
    """Before a run records anything: a real run clears a rehearsal's record; a rehearsal over a real record
    is refused. Then `mark_run` once the audit's row is written."""
    recorded = recorded_as(store, ref)
    if rehearsal and recorded is False:
        raise RehearsalRefused(
            f"{ref} has a real run's record in the audit store: a rehearsal would mix into it. Rehearse a copy "
            "of the definition under another ref.")
    if not rehearsal and recorded:
        forget(store, ref)


def mark_run(store: Store, ref: str, *, rehearsal: bool) -> None:
    table = store.table("audits")
    with store.begin() as connection:
        connection.execute(sa.update(table).where(table.c.ref == ref).values(rehearsal=rehearsal))


def forget(store: Store, ref: str) -> None:
    """Every row a rehearsal of `ref` wrote, in one transaction, then the reports it wrote (the pages would
    serve them as the real audit's); the audit's own row is rewritten by the run."""
    removed = 0
    with store.begin() as connection:
        for table in reversed(store.meta.sorted_tables):  # rows that refer to others first
            if table.name not in KEPT_TABLES and "audit_ref" in table.c:
                removed += connection.execute(sa.delete(table).where(table.c.audit_ref == ref)).rowcount or 0
    reports = [path for path in config.audit_output(ref).glob("*") if path.is_file()]
    for path in reports:
        path.unlink()
    log.info("%s: the rehearsal's record removed before the real run (%s rows, %s reports)", ref, removed,
             len(reports))


def rehearsal_refs(store: Store) -> set[str]:
    """The audits whose record is a rehearsal's: never counted, chased or shown as the programme's."""
    table = store.table("audits")
    with store.connect() as connection:
        return set(connection.execute(sa.select(table.c.ref).where(table.c.rehearsal.is_(True))).scalars())
