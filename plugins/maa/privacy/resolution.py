"""Resolving a case ref to its child, for the Business Unit, until the audit's identifying files are purged.

`maa resolve-case` is the only command that prints a child's name, date of birth and system id (PRODUCT.md
"Personal data"). It reads them from the audit's accepted case list in the archive, the same file Phase 1
archived and built the audit packs from, so there is no second copy to keep or purge. Every request is recorded
in `case_resolutions` (who asked, from which account, when, the outcome) and logged; neither the record nor
the log line carries the child's details, and a case ref that is not the audit's is not recorded at all (it
could be a mistyped name).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from maa.outputs.store import Store, utcnow
from maa.preparation.case_list import accepted_nominations
from maa.preparation.nominations import Nominee, read_accepted
from maa.privacy.retention import purge_of, purged_on

log = logging.getLogger(__name__)

RESOLVED, PURGED, UNKNOWN_CASE, NO_CASE_LIST = "resolved", "purged", "unknown_case", "no_case_list"


class UnknownAudit(LookupError):
    """The ref is not an audit in the store; nothing is recorded against a ref that may be mistyped."""


@dataclass(frozen=True)
class Resolution:
    ref: str
    outcome: str
    case_ref: str | None = None
    child: Nominee | None = None
    purged_on: date | None = None


def resolve_case(store: Store, ref: str, case_ref: str, *, asked_by: str, os_user: str) -> Resolution:
    """The child behind `case_ref` (outcome RESOLVED), or why not; the request is recorded either way."""
    audit_ref = _audit_ref(store, ref)
    purge = purge_of(store, audit_ref)
    known = {c["case_ref"].casefold(): c["case_ref"] for c in store.cases(audit_ref)}
    canonical = known.get(case_ref.strip().casefold())
    if purge is not None:
        resolution = Resolution(audit_ref, PURGED, canonical, purged_on=purged_on(purge))
    elif canonical is None:
        resolution = Resolution(audit_ref, UNKNOWN_CASE)
    else:
        archived = accepted_nominations(store, audit_ref)
        child = None
        if archived is not None and archived.is_file():
            child = next((n for n in read_accepted(archived) if n.case_ref == canonical), None)
        resolution = Resolution(audit_ref, RESOLVED if child else NO_CASE_LIST, canonical, child)
    _record(store, resolution, asked_by, os_user)
    log.info("resolve-case %s %s for %s (account %s): %s", audit_ref, resolution.case_ref or "(not a case of "
             "this audit)", asked_by, os_user, resolution.outcome)
    return resolution


def _audit_ref(store: Store, ref: str) -> str:
    table = store.table("audits")
    with store.connect() as connection:
        found = connection.execute(sa.select(table.c.ref).where(sa.func.lower(table.c.ref) == ref.strip().lower())
                                   ).scalar_one_or_none()
    if found is None:
        raise UnknownAudit(f"no audit {ref} in the audit store")
    return found


def _record(store: Store, resolution: Resolution, asked_by: str, os_user: str) -> None:
    with store.begin() as connection:
        store._upsert(connection, "case_resolutions", [{
            "id": uuid.uuid4().hex, "audit_ref": resolution.ref, "case_ref": resolution.case_ref,
            "asked_by": asked_by[:200], "os_user": os_user[:200], "asked_at": utcnow(), "outcome": resolution.outcome,
        }], keys=["id"], update=False)


def resolutions(store: Store, ref: str) -> list[dict]:
    table = store.table("case_resolutions")
    with store.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(
            sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.asked_at))]
