"""The audit pages' rules without a server: who sees what, an audit's phase, and the registration form's
mapping of a definition's problems back to the field where they were typed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from maa.audit.definitions import AuditDefinition, Status
from maa.config import Settings
from maa.web.access import Forbidden, Visitor
from maa.web.dashboard import AUDIT_COMPLETION, FINDINGS, IMPACT, NOT_STARTED, PREPARATION, REPORT, SHARING, phase_of
from maa.web.registration import Registration, definition_from, register
from tests.conftest import AuditFolders, sample_definition


def fab_user(login: str, *roles: str, first: str = "", last: str = ""):
    """A FAB user record as the API server hands it to the pages (not saved anywhere)."""
    from airflow.providers.fab.auth_manager.models import Role, User

    return User(username=login, first_name=first, last_name=last, roles=[Role(name=name) for name in roles])


def test_roles_map_to_what_each_may_see() -> None:
    business_unit = Visitor.of(fab_user("dana.jones", "Business Unit", first="Dana", last="Jones"))
    qiip, admin = Visitor.of(fab_user("p.nair", "QiiP")), Visitor.of(fab_user("alex", "Admin"))
    police = Visitor.of(fab_user("ben", "Coordinator POL", "Public"))
    assert (business_unit.name, business_unit.login, qiip.name) == ("Dana Jones", "dana.jones", "p.nair")
    assert (business_unit.business_unit, business_unit.programme, business_unit.agency) == (True, True, None)
    assert (qiip.business_unit, qiip.programme) == (False, True)
    assert (admin.business_unit, admin.qiip) == (True, False), "Admin sees what the Business Unit sees"
    assert (police.programme, police.agency) == (False, "POL")
    police.check_upload("pol")
    business_unit.check_upload("ICB")  # a return emailed to the Business Unit can be uploaded for the agency
    with pytest.raises(Forbidden, match="yours is POL"):
        police.check_upload("ICB")
    with pytest.raises(Forbidden, match="Only the Business Unit"):
        qiip.check_registration()
    for nobody in (fab_user("ola", "Operator"), fab_user("new.starter", "Public")):
        with pytest.raises(Forbidden, match="Business Unit and QiiP"):
            Visitor.of(nobody).check_programme()
    both = Visitor.of(fab_user("sam", "Coordinator POL", "Coordinator EDU"))
    assert both.agencies == ("EDU", "POL") and both.agency == "EDU"
    both.check_upload("POL")
    with pytest.raises(Forbidden, match="yours is EDU, POL"):
        both.check_upload("ICB")


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


def test_the_form_leaves_blanks_to_the_types_defaults_and_names_a_bad_agency_line() -> None:
    registration = Registration({"ref": "MATA-2027-09", "type": "MATA", "agency_audit": "6", "notice": "",
                                 "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n\n"
                                             "POL | Police | Ben Okafor"})
    data = definition_from(registration)
    assert data["timescale"] == {"agency_audit": 6}
    assert [a["code"] for a in data["agencies"]] == ["CSC"]
    assert registration.problems == {"agencies": [
        "line 3: one agency a line: CODE | Agency name | Coordinator's name | coordinator's email"]}


def test_a_refused_form_names_the_line_and_the_field_where_it_was_typed(folders: AuditFolders) -> None:
    registration = Registration({
        "ref": "PAA-2027-01", "type": "PAA", "title": "Partnership arrangements", "start": "2027-01-04",
        "chair_name": "Robin Vale", "chair_email": "robin.vale@example.org", "business_unit": "bu@example.org",
        "qiip": "qiip@example.org", "notice": "²", "period_from": "2027-04-01", "period_to": "2026-04-01",
        "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n\n"
                    "POL | Police | Ben Okafor | not-an-address"})

    assert register(registration, "business-unit", folders.audits) is None
    assert registration.problems["notice"] == ["'²' is not a whole number"]
    assert registration.problems["agencies"] == ["line 3: coordinator email: not a valid email address"]
    assert "period_from" in registration.problems or "period_to" in registration.problems
    assert list(folders.audits.iterdir()) == [], "nothing written, no partial file left"


def test_the_page_waits_longer_than_the_dag_takes_to_look_at_an_upload() -> None:
    """Hold before a trigger's first look, one poll, the default settle time, then about half a minute to start
    the task and validate: an upload's outcome is on the page unless something is wrong."""
    from maa.pipeline.triggers import HOLD_SECONDS

    defaults = Settings.from_environment({})
    UPLOAD_WAIT_SECONDS, INBOX_POLL_SECONDS = defaults.upload_wait_seconds, defaults.inbox_poll_seconds  # noqa: N806

    assert UPLOAD_WAIT_SECONDS >= HOLD_SECONDS + INBOX_POLL_SECONDS + 5 + 30
