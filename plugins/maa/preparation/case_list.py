"""The nominating agency's case list: received, checked, pseudonymised and archived, or refused with
reasons; reminders halfway through the notice period and an escalation at its end.

The accepted list is read back from the archive (in memory only) for the name checks on returns,
the analysis and updates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from maa.audit.definitions import AuditDefinition
from maa.audit.pseudonym import KeySource
from maa.audit.timetable import at_send_time, roll_forward
from maa.intake import inbox
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.outputs import reminders, rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.preparation.nominations import (
    FILE_NAME,
    MAX_BYTES,
    NominationsResult,
    Nominee,
    check_nominations,
    read_accepted,
)
from maa.preparation.notice import template_context

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class NominationsState:
    accepted: bool
    inbox_file: str
    next_reminder_at: datetime | None


def notice_reminder_times(definition: AuditDefinition) -> tuple[datetime, datetime]:
    """Halfway through the notice period, and when it ends (09:00 London, working days)."""
    start, weeks = definition.timetable["notice_issued"], definition.timescale.notice
    halfway = roll_forward(start + timedelta(days=weeks * 7 // 2))
    ended = roll_forward(start + timedelta(weeks=weeks))
    return at_send_time(halfway), at_send_time(ended)


def accepted_nominations(store: Store, ref: str) -> Path | None:
    accepted = [f for f in store.inbox_files(ref, "nominations") if f["outcome"] == "accepted"]
    return Path(accepted[-1]["stored_as"]) if accepted else None


def receive_nominations(definition: AuditDefinition, store: Store, mailer: Mailer, now: datetime, *,
                        key: KeySource, inbox_root: InboxRoot | None = None) -> NominationsState:
    """One look at the inbox: accept or refuse a file there, remind or escalate when due."""
    path = inbox.inbox_path(definition.ref, FILE_NAME, root=inbox_root)
    if accepted_nominations(store, definition.ref) is None and inbox.is_settled(path):
        _take_nominations(definition, store, mailer, path, key())
    if accepted_nominations(store, definition.ref) is not None:
        return NominationsState(True, str(path), None)
    halfway, ended = notice_reminder_times(definition)
    reminders.chase(store, definition.ref, reminders.Reminder(
        "nominations_reminder", halfway, ended, "the case list is awaited within the notice period"), now,
        lambda: _nominations_chase(definition, mailer, "nominations_reminder", "Reminder: case list not yet received"))
    if now >= ended:
        _nominations_chase(definition, mailer, "nominations_escalation",
                           "Escalation: notice period ended without the case list", to_nominator=False)
    upcoming = [t for t in (halfway, ended) if t > now]
    return NominationsState(False, str(path), min(upcoming) if upcoming else None)


def _take_nominations(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any, key: bytes) -> None:
    arrival = Arrival(definition.ref, InboxKind.NOMINATIONS, definition.nominating_agency, path, Path(FILE_NAME),
                      "a case list (CSV)", MAX_BYTES)

    def record(taken: Taken[NominationsResult]) -> None:
        assert taken.result is not None
        store.save_cases(definition.ref, [n.pseudonymised(key, definition.start) for n in taken.result.nominees])

    def event(taken: Taken[NominationsResult]) -> tuple[str, str, str]:
        detail = f"{len(taken.result.nominees)} cases" if taken.accepted and taken.result else "\n".join(taken.reasons)
        return f"nominations_{taken.outcome}", f"v{taken.version}", detail

    def tell_sender(taken: Taken[NominationsResult]) -> None:
        if taken.accepted:
            return
        nominator = definition.nominator
        body = rendering.render("email/nominations_refused.txt", **template_context(definition),
                                reasons=taken.reasons, version=taken.version, kept_as=taken.kept_as.name)
        for recipient in dict.fromkeys([definition.business_unit.email, nominator.coordinator.email]):
            mailer.send(Email(ref=definition.ref, kind="nominations_refused", recipient=recipient,
                              version=taken.version, what=f"Case list refused (version {taken.version})", body=body,
                              marking=OFFICIAL))

    take(arrival, lambda data, _: check_nominations(definition, data, key=key), store, record=record, event=event,
         tell_sender=tell_sender)


def _nominations_chase(definition: AuditDefinition, mailer: Mailer, kind: str, what: str,
                       to_nominator: bool = True) -> None:
    nominator = definition.nominator
    halfway, ended = notice_reminder_times(definition)
    body = rendering.render(f"email/{kind}.txt", **template_context(definition), nominating=nominator,
                          notice_end=ended.date(), deadline=definition.timetable["submission_deadline"])
    recipients = [definition.business_unit.email] + ([nominator.coordinator.email] if to_nominator else [])
    for recipient in recipients:
        mailer.send(Email(ref=definition.ref, kind=kind, recipient=recipient, what=what, body=body,
                          marking=OFFICIAL))


def audit_children(definition: AuditDefinition, store: Store) -> tuple[list[str], list[Nominee]]:
    """The audit's case refs, and its nominated children (in memory only) for the name check; none once
    retention has purged the case list (the action tracker reads progress notes long after)."""
    if not definition.has_cases:
        return [], []
    archived = accepted_nominations(store, definition.ref)
    children = read_accepted(archived) if archived and archived.exists() else []
    return [c["case_ref"] for c in store.cases(definition.ref)], children
