"""The audit pages' rules without a server: who sees what, an audit's phase, and the registration form's
mapping of a definition's problems back to the field where they were typed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from maa.definitions import AuditDefinition, Status
from maa.web.access import Forbidden, Visitor
from maa.web.dashboard import AUDIT_COMPLETION, FINDINGS, IMPACT, NOT_STARTED, PREPARATION, REPORT, SHARING, phase_of
from maa.web.registration import Registration, definition_from
from tests.conftest import sample_definition


def test_logins_map_to_what_each_may_see(monkeypatch: pytest.MonkeyPatch) -> None:
    business_unit, qiip = Visitor.named("Business-Unit"), Visitor.named("qiip")
    police = Visitor.named("coordinator-pol")
    assert (business_unit.business_unit, business_unit.programme, business_unit.agency) == (True, True, None)
    assert (qiip.business_unit, qiip.programme) == (False, True)
    assert (police.programme, police.agency) == (False, "POL")
    police.check_upload("pol")
    business_unit.check_upload("ICB")  # a return emailed to the Business Unit can be uploaded for the agency
    with pytest.raises(Forbidden, match="yours is POL"):
        police.check_upload("ICB")
    with pytest.raises(Forbidden, match="Only the Business Unit"):
        qiip.check_registration()
    with pytest.raises(Forbidden, match="Business Unit and QiiP"):
        Visitor.named("operator").check_programme()
    monkeypatch.setenv("MAA_QIIP_USERS", "qiip.chair, qiip.deputy")
    assert Visitor.named("qiip.deputy").programme and not Visitor.named("qiip").programme


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
    paused = definition.model_copy(update={"status": Status.paused})
    assert phase_of(paused, dates["notice_issued"], packs_sent=True, approved=False) == "Paused"


def test_the_form_leaves_blanks_to_the_types_defaults_and_names_a_bad_agency_line() -> None:
    registration = Registration({"ref": "MATA-2027-09", "type": "MATA", "agency_audit": "6", "notice": "",
                                 "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n\n"
                                             "POL | Police | Ben Okafor"})
    data = definition_from(registration)
    assert data["timescale"] == {"agency_audit": 6}
    assert [a["code"] for a in data["agencies"]] == ["CSC"]
    assert registration.problems == {"agencies": [
        "line 3: one agency a line: CODE | Agency name | Coordinator's name | coordinator's email"]}
