"""At and after the submission deadline: the return-status summary to the Business Unit, and QiiP told
of agencies with no return once the grace period is over.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from maa.audit.definitions import AuditDefinition
from maa.config import LONDON
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.returns.receiving import NO_RETURN

log = logging.getLogger(__name__)



def return_status(definition: AuditDefinition, store: Store) -> list[dict[str, str]]:
    """Agency, status, received at, version and the last file's outcome: what the BU sees at the deadline."""
    returns = store.returns(definition.ref)
    rows = []
    for agency in definition.agencies:
        files = store.inbox_files(definition.ref, "return", agency.code)
        stored = returns.get(agency.code, {})
        status = stored.get("status") or ("refused, awaiting a corrected file" if files else "awaiting")
        extended = definition.extensions.get(agency.code)
        rows.append({
            "agency": agency.code,
            "name": agency.name,
            "status": status.replace("_", " "),
            "received_at": _in_london(stored["received_at"]) if stored.get("received_at") else "",
            "version": str(files[-1]["version"]) if files else "",
            "outcome": files[-1]["outcome"] if files else "",
            "deadline": f"{definition.submission_deadline_for(agency.code):%Y-%m-%d}"
                        + (" (extended)" if extended else ""),
        })
    return rows


def _in_london(stored_utc: datetime) -> str:
    """A time the store keeps in UTC, as London reads it, with its zone."""
    return f"{stored_utc.replace(tzinfo=UTC).astimezone(LONDON):%Y-%m-%d %H:%M %Z}"


def escalate_at_deadline(definition: AuditDefinition, store: Store, mailer: Mailer) -> list[dict[str, str]]:
    """The return-status summary to the Business Unit, naming the agencies without an accepted return."""
    rows = return_status(definition, store)
    missing = [r for r in rows if r["status"] not in ("accepted", "accepted late")]
    body = rendering.render("email/returns_at_deadline.txt", audit=definition, rows=rows, missing=missing)
    what = (f"Escalation: {len(missing)} agency return(s) missing at the deadline" if missing
            else "All agency returns accepted by the deadline")
    mailer.send(Email(ref=definition.ref, kind="returns_at_deadline", recipient=definition.business_unit.email,
                      what=what, body=body, marking=OFFICIAL))
    return rows


def report_no_returns(definition: AuditDefinition, store: Store, mailer: Mailer) -> list[str]:
    """After the grace period: QiiP and the Business Unit are told which agencies made no return."""
    returns = store.returns(definition.ref)
    missing = [a for a in definition.agencies if returns.get(a.code, {}).get("status") == NO_RETURN]
    if missing:
        body = rendering.render("email/no_returns.txt", audit=definition, missing=missing)
        for recipient in [*definition.qiip.emails, definition.business_unit.email]:
            mailer.send(Email(ref=definition.ref, kind="no_returns", recipient=recipient, body=body,
                              what=f"No return from {', '.join(a.code for a in missing)}", marking=OFFICIAL))
    return [a.code for a in missing]
