"""Phase 4, sharing the learning: once the final report and learning briefing are out, each agency's coordinator
confirms on the agency's upload page when and how the briefing was shared in the agency (a date and a line of
text). The tracker report and the impact update report show which agencies have confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from maa.audit.definitions import Agency, AuditDefinition
from maa.intake.identifiers import IdentifierMatcher
from maa.intake.xlsx import IDENTIFYING_REASONS
from maa.outputs.store import Store, utcnow
from maa.preparation.case_list import audit_children

MAX_HOW = 300
PUBLISHED = "final_published"  # the event signoff.final_report records when it sends them


@dataclass(frozen=True)
class Shared:
    agency_code: str
    shared_on: date
    how: str
    confirmed_by: str
    confirmed_at: datetime


@dataclass(frozen=True)
class SharingStatus:
    """An agency of the audit and its confirmation, if it has given one."""

    agency: Agency
    shared: Shared | None


class SharingRefused(ValueError):
    """A confirmation that cannot be stored: (field, problem) for each thing wrong, the text never repeated."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))


def briefing_sent(store: Store, ref: str) -> bool:
    return bool(store.events(ref, PUBLISHED))


def confirm_sharing(definition: AuditDefinition, store: Store, code: str, shared_on: str, how: str,
                    confirmed_by: str, today: date) -> Shared:
    """Check the confirmation (SharingRefused naming each field) and store it, replacing an earlier one."""
    agency_code, day, text = check_sharing(definition, store, code, shared_on, how, today)
    shared = Shared(agency_code, day, text, confirmed_by, utcnow())
    with store.begin() as connection:
        store._upsert(connection, "learning_shared", [{
            "audit_ref": definition.ref, "agency_code": agency_code, "shared_on": day, "how": text,
            "confirmed_by": confirmed_by, "confirmed_at": shared.confirmed_at,
        }], keys=["audit_ref", "agency_code"])
    return shared


def check_sharing(definition: AuditDefinition, store: Store, code: str, shared_on: str, how: str,
                  today: date) -> tuple[str, date, str]:
    """The agency's code as the definition spells it, the day and the text on one line; or SharingRefused."""
    agency = next((a for a in definition.agencies if a.code.upper() == code.upper()), None)
    if agency is None:
        raise SharingRefused([("agency", f"{code} takes no part in {definition.ref}")])
    if not briefing_sent(store, definition.ref):
        raise SharingRefused([("audit", f"the learning briefing for {definition.ref} has not been sent yet")])
    problems = []
    day = None
    try:
        day = date.fromisoformat(shared_on.strip())
    except ValueError:
        problems.append(("shared_on", "not a date: give the day it was shared (YYYY-MM-DD)"))
    if day is not None and day > today:
        problems.append(("shared_on", f"{day:%d %B %Y} is after today: confirm once it has been shared"))
    text = " ".join(how.split())
    if not text:
        problems.append(("how", "say how it was shared, such as \"team briefings in each locality\""))
    elif len(text) > MAX_HOW:
        problems.append(("how", f"longer than {MAX_HOW} characters: one line is enough"))
    elif (found := IdentifierMatcher(audit_children(definition, store)[1]).identifies(text)) is not None:
        problems.append(("how", IDENTIFYING_REASONS[found]))
    if problems or day is None:
        raise SharingRefused(problems)
    return agency.code, day, text


def sharing_status(definition: AuditDefinition, store: Store) -> list[SharingStatus]:
    """Each agency of the audit, in the definition's order, with its confirmation or None."""
    table = store.table("learning_shared")
    with store.connect() as connection:
        rows = connection.execute(sa.select(table).where(table.c.audit_ref == definition.ref))
        found = {row.agency_code: Shared(row.agency_code, row.shared_on, row.how, row.confirmed_by, row.confirmed_at)
                 for row in rows}
    return [SharingStatus(agency, found.get(agency.code)) for agency in definition.agencies]
