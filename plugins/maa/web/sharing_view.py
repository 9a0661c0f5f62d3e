"""Phase 4 on the agency's upload page: for each audit whose learning briefing has gone out, the coordinator
confirms when and how it was shared in the agency (maa.signoff.sharing checks and stores it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from maa.audit.definitions import AuditDefinition
from maa.signoff.sharing import Shared, briefing_sent, sharing_status

if TYPE_CHECKING:
    from maa.outputs.store import Store


@dataclass(frozen=True)
class SharingSlot:
    definition: AuditDefinition
    code: str  # the agency's code as the definition spells it
    shared: Shared | None


def sharing_slots(definitions: list[AuditDefinition], store: Store, code: str) -> list[SharingSlot]:
    """The audits this agency is in whose learning briefing has been sent (a rehearsal's is not the
    audit's), with its confirmation so far."""
    from maa.outputs.rehearsals import rehearsal_refs

    rehearsed, slots = rehearsal_refs(store), []
    for definition in definitions:
        takes_part = any(a.code.upper() == code.upper() for a in definition.agencies)
        if definition.ref in rehearsed or not takes_part or not briefing_sent(store, definition.ref):
            continue
        status = next(s for s in sharing_status(definition, store) if s.agency.code.upper() == code.upper())
        slots.append(SharingSlot(definition, status.agency.code, status.shared))
    return slots
