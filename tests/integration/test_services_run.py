"""Phases 1 and 2 as users run them: Airflow's scheduler, triggerer and API server, a rehearsal,
the agencies' files dropped while it runs, and a real SMTP server on loopback."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from maa.definitions import load_definition
from maa.services import FINISHED, LocalAirflow
from maa.store import Store
from tests.conftest import PSEUDONYM_KEY, AuditFolders, MailCatcher, nominations_csv, sample_definition
from tests.workbooks import completed_return

pytestmark = pytest.mark.slow

SECONDS_PER_WEEK = 12
USERS = {"business-unit": "user", "viewer": "viewer"}
AGENCIES = [{"code": f"A{n:02d}", "name": f"Agency {n}",
             "coordinator": {"name": f"Coordinator {n}", "email": f"coordinator{n}@agency{n}.example.org"}}
            for n in range(1, 13)]


@pytest.fixture
def airflow(folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path):
    environment = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
        "AIRFLOW_VAR_MAA_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "MAA_INBOX_POLL_SECONDS": "1",
        "MAA_INBOX_SETTLE_SECONDS": "0",
    }
    with LocalAirflow(environment, USERS) as services:
        yield services


def test_twelve_agencies_wait_without_a_worker_slot_and_returns_are_taken_as_they_come(
        airflow: LocalAirflow, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition_path = folders.write_definition({"agencies": AGENCIES, "nominating_agency": "A01"},
                                               remove=("extensions",))
    definition = load_definition(definition_path)
    inbox = folders.inbox(definition.ref)
    (inbox / "nominations.csv").write_text(nominations_csv())

    with pytest.raises(Exception, match="403"):
        airflow.trigger(definition.dag_id, "viewer")  # a viewer cannot start an audit
    run_id = airflow.trigger(definition.dag_id, "business-unit", {"rehearsal_seconds_per_week": SECONDS_PER_WEEK})

    waiting = _wait_until(lambda: _states(airflow, definition.dag_id, run_id, "receive_return"),
                          lambda states: len(states) == 12 and set(states.values()) == {"deferred"}, timeout=150)
    assert set(waiting.values()) == {"deferred"}, "every agency waits in the triggerer, none in a worker slot"
    running = [ti for ti in airflow.task_instances(definition.dag_id, run_id, "business-unit")
               if ti["state"] == "running"]
    assert running == []

    store = Store()
    case_refs = [c["case_ref"] for c in store.cases(definition.ref)]
    for code in ("A01", "A02", "A03"):
        (inbox / "returns").mkdir(exist_ok=True)
        (inbox / "returns" / f"{code}.xlsx").write_bytes(
            completed_return(definition, code, case_refs, tmp_path))
    accepted = _wait_until(lambda: store.returns(definition.ref),
                           lambda returns: len(returns) == 3, timeout=90)
    assert sorted(accepted) == ["A01", "A02", "A03"], "taken as they come, long before the deadline"

    state = _wait_until(lambda: airflow.run_state(definition.dag_id, run_id, "business-unit"),
                        lambda s: s in FINISHED, timeout=240)
    assert state == "success"
    final = _states(airflow, definition.dag_id, run_id, "receive_return")
    assert sorted(c for c, s in final.items() if s == "skipped") == [f"A{n:02d}" for n in range(4, 13)]
    assert sorted(c for c, s in final.items() if s == "success") == ["A01", "A02", "A03"]
    returns = store.returns(definition.ref)
    assert {c: r["status"] for c, r in returns.items() if r["status"] == "accepted"} == \
           {"A01": "accepted", "A02": "accepted", "A03": "accepted"}

    subjects = smtp_server.subjects()
    assert sum("Return accepted" in s for s in subjects) == 3
    assert sum("Reminder" in s for s in subjects) == 9, "a week before the deadline, to those without a return"
    assert all("REHEARSAL" in s for s in subjects)
    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"
    qiip = sample_definition()["qiip"]["emails"]
    assert {m["To"] for m in smtp_server.messages if "No return from" in m["Subject"]} >= set(qiip)
    summary = next(ti for ti in airflow.task_instances(definition.dag_id, run_id, "business-unit")
                   if ti["task_id"] == "escalate_missing_returns")
    assert summary["state"] == "success"
    xcom = airflow.api("GET", f"/dags/{definition.dag_id}/dagRuns/{run_id}/taskInstances/escalate_missing_returns"
                              "/xcomEntries/return_value", "business-unit")
    rows = xcom["value"] if isinstance(xcom["value"], list) else json.loads(xcom["value"])
    assert {r["agency"]: r["status"] for r in rows}["A01"] == "accepted", "the status table is visible in the UI"


def _states(airflow: LocalAirflow, dag_id: str, run_id: str, task_id: str) -> dict[str, str]:
    return {ti.get("rendered_map_index") or str(ti["map_index"]): ti["state"]
            for ti in airflow.task_instances(dag_id, run_id, "business-unit") if ti["task_id"] == task_id}


def _wait_until(read, done, timeout: float):
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value
