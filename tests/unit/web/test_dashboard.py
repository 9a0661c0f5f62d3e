"""The dashboard's phase of an audit, from its timetable and its decisions."""

from __future__ import annotations

from datetime import timedelta

from maa.audit.definitions import AuditDefinition, Status
from maa.web.dashboard import AUDIT_COMPLETION, FINDINGS, IMPACT, NOT_STARTED, PREPARATION, REPORT, SHARING, phase_of
from tests.helpers.definitions import sample_definition


def test_an_audits_phase_follows_its_timetable_and_its_decisions() -> None:
    definition = AuditDefinition.model_validate(sample_definition())
    dates = definition.timetable.dates

    def phase(day, packs_sent=True, approved=False):
        return phase_of(definition, day, packs_sent=packs_sent, approved=approved)

    assert phase(dates["notice_issued"] - timedelta(days=1)) == NOT_STARTED
    assert phase(dates["notice_issued"], packs_sent=False) == PREPARATION
    assert phase(dates["submission_deadline"]) == AUDIT_COMPLETION
    assert phase(dates["practitioner_event"]) == FINDINGS
    assert phase(dates["chair_report_due"]) == REPORT
    assert phase(dates["signoff_due"], approved=True) == SHARING
    assert phase(dates["impact_review_due"], approved=True) == IMPACT
    for status in (Status.paused, Status.withdrawn):
        halted = definition.model_copy(update={"status": status})
        assert phase_of(halted, dates["notice_issued"], packs_sent=True, approved=False) == status.value.capitalize()
