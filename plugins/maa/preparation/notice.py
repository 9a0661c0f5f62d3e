"""The audit's start: the run recorded (an audit with cases refuses to start without the pseudonym key) and the
notice of audit to every agency's coordinator.

Plain functions over a definition, the store and the mailer, so that they can be tested and rerun
without Airflow. Emails go through the ledger, so a rerun sends nothing twice.
"""

from __future__ import annotations

import logging

from maa.audit.definitions import AuditDefinition
from maa.audit.pseudonym import KeySource
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store

log = logging.getLogger(__name__)


def template_context(definition: AuditDefinition) -> dict:
    return {
        "audit": definition,
        "timetable": definition.timetable.dates,
        "units": definition.review_units,
    }


def prepare(definition: AuditDefinition, definition_file: str, store: Store, key: KeySource) -> None:
    """Refuse to start an audit with cases without the pseudonym key; record the audit as it stands."""
    if definition.has_cases:
        key()
    store.save_audit(definition, definition_file)
    store.record_event(definition.ref, "run_prepared", definition.ref)


def send_notice(definition: AuditDefinition, mailer: Mailer) -> int:
    sent = 0
    for agency in definition.agencies:
        body = rendering.render("email/notice.txt", **template_context(definition), agency=agency,
                              deadline=definition.submission_deadline_for(agency.code))
        sent += mailer.send(Email(
            ref=definition.ref, kind="notice", recipient=agency.coordinator.email,
            what=f"Notice of multi-agency audit: {definition.title}", body=body, marking=OFFICIAL,
            reply_to=definition.business_unit.email,
        ))
    return sent
