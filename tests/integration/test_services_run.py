"""A whole audit as users run it: Airflow's scheduler, triggerer and API server, a rehearsal, the
agencies' and the chair's files dropped while it runs, the sign-offs answered through the REST API the
UI uses (where Airflow itself refuses the wrong user), and a real SMTP server on loopback."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from maa.audit.definitions import load_definition
from maa.ops.services import FINISHED, AirflowApiError, LocalAirflow, Person
from maa.outputs.store import Store
from maa.pipeline import resources
from tests.helpers.definitions import PROJECT, AuditFolders, sample_definition
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import PSEUDONYM_KEY, nominations_csv
from tests.helpers.postgres import fresh_postgres_database
from tests.helpers.services import answer_once, task_states, wait_until, wait_until_answerable
from tests.helpers.workbooks import ACTIONS, chair_analysis, completed_return

pytestmark = pytest.mark.slow

SECONDS_PER_WEEK = 12
PEOPLE = {"business-unit": Person("Business Unit", "Dana Jones"), "qiip": Person("QiiP", "Priya Nair"),
          "coordinator-a01": Person("Coordinator A01", "Coordinator 1")}
AGENCIES = [{"code": f"A{n:02d}", "name": f"Agency {n}",
             "coordinator": {"name": f"Coordinator {n}", "email": f"coordinator{n}@agency{n}.example.org"}}
            for n in range(1, 13)]


@pytest.fixture
def definition_path(folders: AuditFolders) -> Path:
    """Twelve agencies, defined before the services start: `maa roles sync` makes their coordinators' roles
    first, which the audit's DAG names."""
    return folders.write_definition({"agencies": AGENCIES, "nominating_agency": "A01"}, remove=("extensions",))


@pytest.fixture
def airflow(definition_path: Path, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch):
    """The multi-machine topology of docker-compose.yml run natively: PostgreSQL for Airflow and the audit
    store, Redis as the broker, two Celery workers. (SQLite with the LocalExecutor, what `make up` runs, is
    driven by tests/integration/test_local_services.py.)"""
    environment = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW_VAR_MAA_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "MAA_INBOX_POLL_SECONDS": "1",
        "MAA_INBOX_SETTLE_SECONDS": "0",
        "MAA_RETRY_DELAY_SECONDS": "5",  # then 10 and 20: the mail server is down for less than that
        # A task whose worker was killed is noticed, failed and retried within seconds, not five minutes.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "10",
    }
    with fresh_postgres_database("airflow") as metadata, fresh_postgres_database("store") as store, \
            redis_database() as broker:
        engine_url = metadata.replace("postgresql://", "postgresql+psycopg2://", 1)
        environment.update({
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": engine_url,
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + engine_url,
            "AIRFLOW_CONN_MAA_STORE": store,
        })
        monkeypatch.setenv("AIRFLOW_CONN_MAA_STORE", store)  # this process reads the store the workers write
        with LocalAirflow(environment, PEOPLE, celery_workers=2) as services:
            yield services


@contextmanager
def redis_database():
    """A Redis database index of its own on the local server (.ci/run starts it), emptied afterwards."""
    import redis

    index = 1 + uuid.uuid4().int % 15
    client = redis.Redis(host="127.0.0.1", port=6379, db=index)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis on 127.0.0.1:6379 is not reachable (.ci/run starts it): {exc}")
    client.flushdb()
    try:
        yield f"redis://127.0.0.1:6379/{index}"
    finally:
        client.flushdb()
        client.close()


@pytest.mark.timeout(600)
def test_twelve_agencies_wait_without_a_worker_slot_and_the_audit_runs_to_sign_off(
        airflow: LocalAirflow, definition_path: Path, folders: AuditFolders, smtp_server: MailCatcher,
        tmp_path: Path) -> None:
    definition = load_definition(definition_path)
    inbox = folders.inbox(definition.ref)
    (inbox / "nominations.csv").write_text(nominations_csv())

    airflow.wait_for_dag(definition.dag_id, "coordinator-a01")
    with pytest.raises(AirflowApiError, match="403"):
        airflow.trigger(definition.dag_id, "coordinator-a01")  # a coordinator sees the audit, cannot start it
    run_id = airflow.trigger(definition.dag_id, "business-unit", {"rehearsal_seconds_per_week": SECONDS_PER_WEEK})

    waiting = wait_until(lambda: task_states(airflow, definition.dag_id, run_id, "receive_return"),
                          lambda states: len(states) == 12 and set(states.values()) == {"deferred"}, timeout=150)
    assert set(waiting.values()) == {"deferred"}, "every agency waits in the triggerer, none in a worker slot"
    running = wait_until(lambda: [ti["task_id"] for ti in airflow.task_instances(definition.dag_id, run_id,
                                                                                  "business-unit")
                                   if ti["state"] == "running"], lambda tasks: tasks == [], timeout=30)
    assert running == [], "nothing holds a worker slot while the audit waits"
    assert set(task_states(airflow, definition.dag_id, run_id, "receive_return").values()) == {"deferred"}

    store = resources.store()
    case_refs = [c["case_ref"] for c in store.cases(definition.ref)]
    smtp_server.go_down()  # the acknowledgements cannot go: each return's task fails and waits for its retry
    for code in ("A01", "A02", "A03"):
        (inbox / "returns").mkdir(exist_ok=True)
        (inbox / "returns" / f"{code}.xlsx").write_bytes(
            completed_return(definition, code, case_refs, tmp_path))
    accepted = wait_until(lambda: store.returns(definition.ref),
                           lambda returns: len(returns) == 3, timeout=90)
    assert sorted(accepted) == ["A01", "A02", "A03"], "taken as they come, long before the deadline"
    smtp_server.come_back()
    # Mid-run, the scheduler and a worker die and are started again: after the reminders, whose window is
    # one rehearsal week (12 s) and shorter than a restart on a busy machine (a reminder found due only
    # after the deadline is rightly not sent).
    wait_until(lambda: [e for e in store.emails(definition.ref)
                         if e["kind"].startswith("return_reminder-") and e["status"] == "sent"],
                lambda sent: len(sent) >= len(AGENCIES[3:]), timeout=150)
    airflow.kill("scheduler", "celery-worker-1")
    airflow.restart("scheduler", "celery-worker-1")

    _chair_sends_analysis_after_the_briefing(definition, folders, store, tmp_path)
    _sign_off_through_the_rest_api(airflow, definition.dag_id, run_id)
    state = wait_until(lambda: airflow.run_state(definition.dag_id, run_id, "business-unit"),
                        lambda s: s in FINISHED, timeout=240)
    assert state == "success"
    assert (folders.output / definition.ref / "audit-overview-report.pdf").exists()
    assert [a["action_id"] for a in store.actions(definition.ref)] == ["A1", "A2"]
    for number in (1, 2):  # twelve agencies at once keep both workers busy
        worker_log = (airflow.home / "service-logs" / f"celery-worker-{number}.log").read_text()
        assert "execute_workload" in worker_log and "succeeded" in worker_log, f"celery worker {number} ran nothing"
    finals = {m["To"] for m in smtp_server.messages if "final_report" in m["X-MAA-Key"]}
    assert set(qiip := sample_definition()["qiip"]["emails"]) <= finals and definition.chair.email in finals
    final = task_states(airflow, definition.dag_id, run_id, "receive_return")
    assert sorted(c for c, s in final.items() if s == "skipped") == [f"A{n:02d}" for n in range(4, 13)]
    assert sorted(c for c, s in final.items() if s == "success") == ["A01", "A02", "A03"]
    returns = store.returns(definition.ref)
    assert {c: r["status"] for c, r in returns.items() if r["status"] == "accepted"} == \
           {"A01": "accepted", "A02": "accepted", "A03": "accepted"}

    subjects = smtp_server.subjects()
    assert sum("Return accepted" in s for s in subjects) == 3
    reminded = sorted(m["To"] for m in smtp_server.messages if "|return_reminder-" in m["X-MAA-Key"])
    assert reminded == sorted(a["coordinator"]["email"] for a in AGENCIES[3:]), \
        "a week before the deadline, to those without a return (the chair and QiiP may be reminded too: a slow " \
        "machine stretches a rehearsal's days)"
    assert all("REHEARSAL" in s for s in subjects)
    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"
    ledger = store.emails(definition.ref)
    assert {row["status"] for row in ledger} == {"sent"}, "every acknowledgement delayed by the outage went"
    assert sorted(row["message_id"] for row in ledger) == sorted(m["Message-ID"] for m in smtp_server.messages), \
        "each message sent once, under the Message-ID its key gives"
    assert [f["version"] for f in store.inbox_files(definition.ref, "return")] == [1, 1, 1], "no file taken twice"
    assert len(store.findings(definition.ref)) == 3 * len(case_refs) * len(definition.domains)
    assert {m["To"] for m in smtp_server.messages if "No return from" in m["Subject"]} >= set(qiip)
    summary = next(ti for ti in airflow.task_instances(definition.dag_id, run_id, "business-unit")
                   if ti["task_id"] == "escalate_missing_returns")
    assert summary["state"] == "success"
    xcom = airflow.api("GET", f"/dags/{definition.dag_id}/dagRuns/{run_id}/taskInstances/escalate_missing_returns"
                              "/xcomEntries/return_value", "business-unit")
    rows = xcom["value"] if isinstance(xcom["value"], list) else json.loads(xcom["value"])
    assert {r["agency"]: r["status"] for r in rows}["A01"] == "accepted", "the status table is visible in the UI"


def _chair_sends_analysis_after_the_briefing(definition, folders: AuditFolders, store: Store, tmp_path: Path) -> None:
    registers = folders.data / "registers"
    registers.mkdir(exist_ok=True)
    shutil.copy(PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv", registers)
    wait_until(lambda: store.events(definition.ref, "chair_briefing_sent"), bool, timeout=240)
    chair = folders.inbox(definition.ref) / "chair"
    chair.mkdir(exist_ok=True)
    actions = [(a[0], a[1], owner, *a[3:]) for a, owner in zip(ACTIONS, ("A01", "A02"), strict=True)]
    (chair / "analysis.xlsx").write_bytes(chair_analysis(definition, tmp_path, actions=actions))


def _sign_off_through_the_rest_api(airflow: LocalAirflow, dag_id: str, run_id: str) -> None:
    """The Business Unit's quality assurance, then QiiP's decision, each refused to the other's user."""
    for task_id, wrong_user, right_user in (("round_1.bu_quality_assurance", "qiip", "business-unit"),
                                            ("round_1.qiip_signoff", "business-unit", "qiip")):
        attempt = wait_until_answerable(airflow, dag_id, run_id, task_id, timeout=240)
        assert list(airflow.awaiting_input(dag_id, run_id, "business-unit")) == [task_id]
        with pytest.raises(AirflowApiError) as refused:
            airflow.answer(dag_id, run_id, task_id, wrong_user, "Approve")
        assert refused.value.status == 403
        answer_once(airflow, dag_id, run_id, task_id, right_user, attempt)
