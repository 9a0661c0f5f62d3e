"""`make up` and `make down` as a user runs them: the services start in the background, each person logs in
with the password shown once, a coordinator may look but not start an audit, and `down` stops everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maa.services import AirflowApiError, LocalAirflow, free_port
from tests.conftest import AuditFolders

pytestmark = pytest.mark.slow


def _local(action: str, environment: dict[str, str], port: int) -> str:
    done = subprocess.run([sys.executable, "-m", "maa.local", action, "--port", str(port)], env=environment,
                          capture_output=True, text=True, timeout=240, check=True)
    return done.stdout


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(400)
def test_up_starts_the_services_with_a_login_for_each_role_and_down_stops_them(
        folders: AuditFolders, tmp_path: Path) -> None:
    folders.write_definition()
    home = tmp_path / "airflow-home"
    environment = {**os.environ, "AIRFLOW_HOME": str(home)}
    port = free_port()
    first = _local("up", environment, port)
    try:
        assert f"http://localhost:{port}" in first
        passwords = json.loads((home / "users.json").read_text())
        assert (home / "users.json").stat().st_mode & 0o077 == 0
        for user, role in (("business-unit", "user"), ("qiip", "user"), ("operator", "op"),
                           ("coordinator-pol", "viewer"), ("coordinator-csc", "viewer")):
            assert f"{user:<24} {role:<7} {passwords[user]}" in first, "each password shown on the first start"
        again = _local("up", environment, port)
        assert "already running" in again and passwords["qiip"] not in again

        airflow = LocalAirflow(environment, {user: "" for user in passwords}, port=port)
        airflow.wait_for_dag("maa_mata_2026_01", "business-unit")
        assert airflow.api("GET", "/dags/maa_mata_2026_01", "coordinator-pol")["dag_id"] == "maa_mata_2026_01"
        with pytest.raises(AirflowApiError) as refused:
            airflow.api("POST", "/dags/maa_mata_2026_01/dagRuns", "coordinator-pol", {"logical_date": None})
        assert refused.value.status == 403, "a coordinator may look, not start an audit"
        assert sorted(p.name for p in (home / "service-logs").glob("*.log")) == [
            "api-server.log", "dag-processor.log", "scheduler.log", "triggerer.log"]
    finally:
        pids = json.loads((home / "services.json").read_text())
        stopped = _local("down", environment, port)
    assert "stopped scheduler, dag-processor, triggerer, api-server" in stopped
    assert not any(_alive(process["pid"]) for process in pids.values())
    assert not (home / "services.json").exists()
