"""Who is invited to the findings meeting: the chair, each agency's coordinator, and for each accepted return
its nominated practitioner and the further attendees it lists (managers, subject-matter experts, strategic
leads). The invitation and agenda go to all of them; the final report to those not recorded as absent.
"""

from __future__ import annotations

from typing import NamedTuple

from maa.audit.definitions import AuditDefinition
from maa.outputs.store import Store
from maa.returns.attendees import return_attendees
from maa.returns.receiving import ACCEPTED


class Invitee(NamedTuple):
    role: str  # as the invitation shows it: "POL practitioner", "POL: Team manager"
    name: str
    email: str


def invitees(definition: AuditDefinition, store: Store) -> list[Invitee]:
    """Everyone invited, each email once (the first role it is invited in)."""
    people = [Invitee("Chair", definition.chair.name, definition.chair.email)]
    returns = store.returns(definition.ref)
    listed = return_attendees(store, definition.ref)
    for agency in definition.agencies:
        people.append(Invitee(f"{agency.code} coordinator", agency.coordinator.name, agency.coordinator.email))
        stored = returns.get(agency.code, {})
        if stored.get("status") not in ACCEPTED:
            continue
        if stored.get("practitioner_email"):
            people.append(Invitee(f"{agency.code} practitioner", stored["practitioner_name"],
                                  stored["practitioner_email"]))
        people += [Invitee(f"{agency.code}: {a.role}", a.name, a.email) for a in listed.get(agency.code, [])]
    once: dict[str, Invitee] = {}
    for person in people:
        once.setdefault(person.email.casefold(), person)
    return list(once.values())
