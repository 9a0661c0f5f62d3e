"""The action tracker's tables: the loaded review findings register, action-to-finding links, update history.

Kept out of `maa.outputs.store` (which stays the audit's own tables) so the tracker's queries live
in one place. Every write is idempotent: a rerun of any tracker task writes no row twice.
Progress updates are only ever added, never changed: an action's current status is its
latest update, and the status agreed at sign-off stays in `actions.status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from maa.meeting.analysis import split_refs
from maa.meeting.registers import ReviewFinding
from maa.outputs.store import Store, stable_id, utcnow


@dataclass(frozen=True)
class Update:
    """One progress report on one action, as an owner agency sent it."""

    status: str
    progress_note: str
    reported_on: date
    agency_code: str


@dataclass
class TrackedAction:
    audit_ref: str
    action_id: str
    action: str
    owner_agency: str
    due_date: date
    theme: str
    review_refs: list[str]
    agreed_status: str  # as written when the audit was approved
    history: list[Update] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.audit_ref, self.action_id

    @property
    def latest(self) -> Update | None:
        return self.history[-1] if self.history else None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else self.agreed_status


# The register ---------------------------------------------------------------------------------

def load_register(store: Store, findings: Sequence[ReviewFinding]) -> int:
    """Replace the stored register with a validated one, in one transaction: never half of each."""
    table = store.table("review_findings")
    now = utcnow()
    with store.begin() as connection:
        connection.execute(sa.delete(table))
        if findings:
            connection.execute(sa.insert(table), [
                {"ref": f.ref, "review_type": f.review_type, "title": f.title, "finding": f.finding, "loaded_at": now}
                for f in findings])
    return len(findings)


def stored_register(store: Store) -> list[ReviewFinding]:
    table = store.table("review_findings")
    with store.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.ref))
        return [ReviewFinding(r.ref, r.review_type, r.title, r.finding) for r in rows]


def link_actions_to_register(store: Store) -> int:
    """One `action_reviews` row per review ref an action cites, spelt as the register spells it; rebuilt
    whole each time, so a link follows the register's spelling when it changes and never outlives it.

    The chair's analysis was checked against the register when it was accepted, so a ref not in
    the register now means the register changed since; the link is kept as written and the
    reports show it as not in the register, rather than dropping what the chair cited.
    """
    canonical = {f.ref.casefold(): f.ref for f in stored_register(store)}
    actions = store.table("actions")
    with store.connect() as connection:
        cited = connection.execute(sa.select(actions.c.audit_ref, actions.c.action_id, actions.c.review_refs))
        linked = {(row.audit_ref, row.action_id, canonical.get(ref.casefold(), ref))
                  for row in cited for ref in split_refs(row.review_refs or "")}
    links = [{"audit_ref": audit_ref, "action_id": action_id, "review_ref": review_ref}
             for audit_ref, action_id, review_ref in sorted(linked)]
    table = store.table("action_reviews")
    with store.begin() as connection:  # replaced whole: a ref the register or an action no longer has goes
        connection.execute(sa.delete(table))
        if links:
            connection.execute(sa.insert(table), links)
    return len(links)


# Actions and their history ---------------------------------------------------------------------

def tracked_actions(store: Store, audit_ref: str | None = None) -> list[TrackedAction]:
    """Every action in the tracker (or one audit's), each with its update history, oldest first; a rehearsal's
    actions are not the programme's, and never tracked, chased or exported."""
    actions, links, audits = store.table("actions"), store.table("action_reviews"), store.table("audits")
    rehearsed = sa.select(audits.c.ref).where(audits.c.rehearsal.is_(True))
    query = (sa.select(actions).where(actions.c.audit_ref.not_in(rehearsed))
             .order_by(actions.c.audit_ref, actions.c.action_id))
    link_query = sa.select(links)
    if audit_ref is not None:
        query, link_query = query.where(actions.c.audit_ref == audit_ref), link_query.where(
            links.c.audit_ref == audit_ref)
    with store.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(query)]
        linked: dict[tuple[str, str], list[str]] = {}
        for link in connection.execute(link_query.order_by(links.c.review_ref)):
            linked.setdefault((link.audit_ref, link.action_id), []).append(link.review_ref)
    history = _history(store, audit_ref)
    return [TrackedAction(
        audit_ref=r["audit_ref"], action_id=r["action_id"], action=r["action"], owner_agency=r["owner_agency"],
        due_date=r["due_date"], theme=r["theme"] or "", agreed_status=r["status"],
        # links are made by the tracker's first task; until then the action's own text says what it cites
        review_refs=linked.get((r["audit_ref"], r["action_id"])) or split_refs(r["review_refs"] or ""),
        history=history.get((r["audit_ref"], r["action_id"]), []),
    ) for r in rows]


def _history(store: Store, audit_ref: str | None) -> dict[tuple[str, str], list[Update]]:
    table = store.table("action_updates")
    query = sa.select(table).order_by(table.c.received_at, table.c.source_file, table.c.source_row)
    if audit_ref is not None:
        query = query.where(table.c.audit_ref == audit_ref)
    history: dict[tuple[str, str], list[Update]] = {}
    with store.connect() as connection:
        for row in connection.execute(query):
            history.setdefault((row.audit_ref, row.action_id), []).append(
                Update(row.status, row.progress_note or "", row.reported_on, row.agency_code))
    return history


def record_updates(store: Store, agency_code: str, source_file: str, sha256: str, reported_on: date,
                   updates: Iterable[dict[str, Any]]) -> int:
    """Add an accepted file's rows to the history; keyed by (agency, the file's content, row), so a rerun, or
    the same file taken again after a crash left it in the inbox, adds nothing."""
    now = utcnow()
    rows = [{"id": stable_id("action_update", agency_code, sha256, str(u["row"])),
             "audit_ref": u["audit_ref"], "action_id": u["action_id"], "agency_code": agency_code,
             "status": u["status"], "progress_note": u["progress_note"] or None, "reported_on": reported_on,
             "source_file": source_file, "source_row": u["row"], "received_at": now} for u in updates]
    with store.begin() as connection:
        return store._upsert(connection, "action_updates", rows, keys=["id"], update=False)


def update_count(store: Store) -> int:
    table = store.table("action_updates")
    with store.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def updates_in_file(store: Store, agency_code: str, source_file: str) -> list[dict[str, Any]]:
    """What one accepted update file recorded, in its row order (for the sender's acknowledgement)."""
    table = store.table("action_updates")
    query = sa.select(table.c.audit_ref, table.c.action_id, table.c.status).where(
        table.c.agency_code == agency_code, table.c.source_file == source_file).order_by(table.c.source_row)
    with store.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]
