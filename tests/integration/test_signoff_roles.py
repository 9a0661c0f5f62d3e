"""The sign-off through Airflow's REST API as each role, on `make up`'s kind of services (SQLite, the
LocalExecutor, FAB's auth manager): the Business Unit's quality assurance is answered by the Business Unit
only and QiiP's sign-off by QiiP only (Admin, the operator and a coordinator are refused both), and the
decisions, the final report and its email name the people who answered, with their roles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maa.audit.roles import BUSINESS_UNIT, QIIP
from maa.ops.services import FINISHED, AirflowApiError, LocalAirflow, Person
from maa.pipeline import resources
from maa.signoff.decisions import decisions
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.outputs import pdf_text
from tests.helpers.services import answer_once, wait_until, wait_until_answerable
from tests.integration.test_full_audit import DAG_ID, REF, audit, kinds_of  # noqa: F401 (audit: the fixture)

pytestmark = pytest.mark.slow

SECONDS_PER_WEEK = 10
PEOPLE = {"business-unit": Person(BUSINESS_UNIT, "Dana Jones"), "qiip": Person(QIIP, "Priya Nair"),
          "operator": Person("Operator", "Ola Berg"), "admin": Person("Admin", "Alex Admin"),
          "coordinator-pol": Person("Coordinator POL", "Ben Okafor")}
STAGES = (("round_1.bu_quality_assurance", "business-unit"), ("round_1.qiip_signoff", "qiip"))


@pytest.fixture
def airflow(audit, tmp_path: Path):  # noqa: F811 (the fixture above)
    environment = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
                   "MAA_INBOX_POLL_SECONDS": "1", "MAA_INBOX_SETTLE_SECONDS": "0"}
    with LocalAirflow(environment, PEOPLE) as services:
        yield services


@pytest.mark.timeout(900)
def test_each_stage_is_answered_by_its_role_only_and_the_decisions_name_the_people(
        airflow: LocalAirflow, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    run_id = airflow.trigger(DAG_ID, "business-unit", {"rehearsal_seconds_per_week": SECONDS_PER_WEEK})
    for task_id, answers in STAGES:
        attempt = wait_until_answerable(airflow, DAG_ID, run_id, task_id, timeout=600)
        for user in sorted(set(PEOPLE) - {answers}):
            with pytest.raises(AirflowApiError) as refused:
                airflow.answer(DAG_ID, run_id, task_id, user, "Approve")
            assert refused.value.status == 403, (task_id, user)
            if user in ("admin", "qiip", "business-unit"):  # allowed to edit the DAG: refused as no respondent
                assert "is not a respondent for the task" in str(refused.value), (task_id, user)
        answer_once(airflow, DAG_ID, run_id, task_id, answers, attempt)

    state = wait_until(lambda: airflow.run_state(DAG_ID, run_id, "business-unit"), lambda s: s in FINISHED,
                       timeout=300)
    assert state == "success"
    recorded = [(d.stage, d.option, d.name, d.role, d.by) for d in decisions(resources.store(), REF)]
    assert recorded == [("bu_quality_assurance", "Approve", "Dana Jones", BUSINESS_UNIT, "business-unit"),
                        ("qiip_signoff", "Approve", "Priya Nair", QIIP, "qiip")]
    final = pdf_text(folders.output / REF / "audit-overview-report.pdf")
    assert "Approved for QiiP by Priya Nair (QiiP)" in final and "Dana Jones (Business Unit)" in final
    email = next(m for m in smtp_server.messages if kinds_of(m) == "final_report")
    assert "approved for QiiP by Priya Nair (QiiP)" in email.get_body(("plain",)).get_content()
