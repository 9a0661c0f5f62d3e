"""`make up` and `make down` as a user runs them: the services start in the background with a second audit
beside the sample, each person logs in with the password shown once and may do exactly what their role
allows through Airflow's REST API (no one but Admin deletes a DAG, only the Business Unit starts an audit,
a coordinator sees only their agency's audits), each role uses its audit pages in a real browser
(Chromium, driven by Playwright, logged in on FAB's login page) while the audit runs, and `down` stops
everything."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from maa.audit.clock import now
from maa.audit.definitions import load_definition
from maa.ops.local import users
from maa.ops.services import AirflowApiError, LocalAirflow, free_port
from maa.pipeline import resources
from tests.helpers.browser import check_accessible, chromium, log_in, screenshot
from tests.helpers.definitions import AuditFolders
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv
from tests.helpers.services import task_states, wait_until
from tests.helpers.tracker_seed import action
from tests.helpers.workbooks import completed_return

pytestmark = pytest.mark.slow


def _local(action: str, environment: dict[str, str], port: int) -> str:
    done = subprocess.run([sys.executable, "-m", "maa.ops.local", action, "--port", str(port)], env=environment,
                          capture_output=True, text=True, timeout=240, check=True)
    return done.stdout


def _alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


SAMPLE, SECOND = "maa_mata_2026_01", "maa_maca_2026_05"


def _status(airflow: LocalAirflow, method: str, path: str, user: str, body: dict | None = None) -> int:
    """What the REST API answers `user` (a refusal is an answer too)."""
    try:
        airflow.api(method, path, user, body)
    except AirflowApiError as refused:
        return refused.status
    return 200


@pytest.mark.timeout(900)
def test_up_starts_the_services_with_a_login_for_each_role_who_use_the_audit_pages_and_down_stops_them(
        folders: AuditFolders, tmp_path: Path) -> None:
    start = now().date() - timedelta(days=14)  # two weeks in: the agencies' returns are open for five more
    definition = load_definition(folders.write_definition({"start": start.isoformat()}, remove=("extensions",)))
    folders.write_definition({"ref": "MACA-2026-05", "type": "MACA", "title": "Housing and police", "theme": None,
                              "nominating_agency": "POL", "agencies": [
                                  {"code": "POL", "name": "Police", "coordinator": {
                                      "name": "Ben Okafor", "email": "ben.okafor@police.example.org"}},
                                  {"code": "HSG", "name": "Housing", "coordinator": {
                                      "name": "Rui Costa", "email": "rui.costa@housing.example.org"}}]},
                             remove=("extensions", "theme"))
    (folders.inbox(definition.ref) / "nominations.csv").write_text(nominations_csv())
    home = tmp_path / "airflow-home"
    environment = {**os.environ, "AIRFLOW_HOME": str(home)}
    port = free_port()
    first = _local("up", environment, port)
    try:
        assert f"http://localhost:{port}" in first
        passwords = json.loads((home / "users.json").read_text())
        assert (home / "users.json").stat().st_mode & 0o777 == 0o600
        assert all(password not in (home / "airflow.db").read_bytes().decode(errors="replace")
                   for password in passwords.values()), "Airflow keeps only their hashes"
        for user, role in (("business-unit", "Business Unit"), ("qiip", "QiiP"), ("operator", "Operator"),
                           ("admin", "Admin"), ("coordinator-pol", "Coordinator POL"),
                           ("coordinator-hsg", "Coordinator HSG")):
            assert f"{user:<24} {role:<16} {passwords[user]}" in first, "each password shown on the first start"
        assert "Coordinator HSG: created" in first and "roles in sync" in first
        again = _local("up", environment, port)
        assert "already running" in again and passwords["qiip"] not in again

        airflow = LocalAirflow(environment, users(folders.audits), port=port)
        airflow.wait_for_dag(SECOND, "coordinator-hsg")
        airflow.wait_for_dag(SAMPLE, "business-unit")
        _each_role_may_do_exactly_its_part(airflow)
        assert sorted(p.name for p in (home / "service-logs").glob("*.log")) == [
            "api-server.log", "dag-processor.log", "scheduler.log", "triggerer.log"]
        run_id = _the_audit_pages_in_a_browser(airflow, passwords, definition, folders, tmp_path)
        _what_the_operator_and_the_coordinators_may_do_with_a_run(airflow, run_id)
        assert _status(airflow, "DELETE", f"/dags/{SECOND}", "admin") == 200, "Admin may delete a DAG"
    finally:
        pids = json.loads((home / "services.json").read_text())
        stopped = _local("down", environment, port)
    assert "stopped scheduler, dag-processor, triggerer, api-server" in stopped
    assert not any(_alive(process["pid"]) for process in pids.values())
    assert not (home / "services.json").exists()


def _each_role_may_do_exactly_its_part(airflow: LocalAirflow) -> None:
    """Through the REST API the UI uses: nobody but Admin deletes an audit's DAG, nobody but the Business
    Unit starts one, a coordinator sees the audits their agency is in and nothing of the others."""
    for user in ("qiip", "business-unit", "operator", "coordinator-pol"):
        assert _status(airflow, "DELETE", f"/dags/{SAMPLE}", user) == 403, user
    for user in ("qiip", "coordinator-pol", "coordinator-hsg", "operator"):
        assert _status(airflow, "POST", f"/dags/{SECOND}/dagRuns", user, {"logical_date": None}) == 403, user
    for user in ("qiip", "business-unit", "operator", "coordinator-pol"):
        for resource in ("/connections", "/variables", "/pools"):
            assert _status(airflow, "GET", resource, user) == 403, (user, resource)
    housing = [dag["dag_id"] for dag in airflow.api("GET", "/dags", "coordinator-hsg")["dags"]]
    assert housing == [SECOND], "Housing takes part in the second audit only"
    assert _status(airflow, "GET", f"/dags/{SAMPLE}", "coordinator-hsg") == 403
    assert _status(airflow, "GET", f"/dags/{SAMPLE}/dagRuns", "coordinator-hsg") == 403
    assert _status(airflow, "GET", f"/dags/{SECOND}/dagRuns", "coordinator-hsg") == 200, "sees its own"
    police = {dag["dag_id"] for dag in airflow.api("GET", "/dags", "coordinator-pol")["dags"]}
    assert police == {SAMPLE, SECOND}, "Police take part in both"
    assert _status(airflow, "GET", f"/dagSources/{SECOND}", "coordinator-pol") == 403, "no DAG source"
    for user in ("business-unit", "qiip"):
        audits = {dag["dag_id"] for dag in airflow.api("GET", "/dags", user)["dags"]}
        assert audits == {SAMPLE, SECOND}, f"{user} sees the audits, not the programme's DAGs"
    operator = {dag["dag_id"] for dag in airflow.api("GET", "/dags", "operator")["dags"]}
    assert {SAMPLE, SECOND, "maa_retention", "maa_action_tracker"} <= operator
    assert _status(airflow, "PATCH", f"/dags/{SECOND}", "operator", {"is_paused": True}) == 200, "may pause"
    # FAB's limit: answering a sign-off needs "can_edit" on the DAG, and that also pauses it.
    assert _status(airflow, "PATCH", f"/dags/{SECOND}", "qiip", {"is_paused": True}) == 200
    assert _status(airflow, "PATCH", f"/dags/{SECOND}", "coordinator-pol", {"is_paused": False}) == 403
    assert _status(airflow, "POST", "/dags/maa_retention/dagRuns", "operator",
                   {"logical_date": None, "conf": {"dry_run": True}}) == 200, "a retention dry run"
    assert _status(airflow, "POST", "/dags/maa_retention/dagRuns", "business-unit", {"logical_date": None}) == 403


def _what_the_operator_and_the_coordinators_may_do_with_a_run(airflow: LocalAirflow, run_id: str) -> None:
    """The operator reads a task's log and clears tasks (a dry run of it); QiiP and the Business Unit read no
    log; a coordinator sees the run, not what is inside it."""
    log = f"/dags/{SAMPLE}/dagRuns/{run_id}/taskInstances/prepare_audit/logs/1"
    assert _status(airflow, "GET", log, "operator") == 200
    for user in ("business-unit", "qiip", "coordinator-pol"):
        assert _status(airflow, "GET", log, user) == 403, user
    clear = {"dry_run": True, "dag_run_id": run_id, "task_ids": ["prepare_audit"], "only_failed": False}
    assert _status(airflow, "POST", f"/dags/{SAMPLE}/clearTaskInstances", "operator", clear) == 200
    assert _status(airflow, "POST", f"/dags/{SAMPLE}/clearTaskInstances", "business-unit", clear) == 200
    assert _status(airflow, "POST", f"/dags/{SAMPLE}/clearTaskInstances", "qiip", clear) == 403
    assert _status(airflow, "GET", f"/dags/{SAMPLE}/dagRuns/{run_id}", "coordinator-pol") == 200
    for inside in ("taskInstances", "hitlDetails", "taskInstances/escalate_missing_returns/xcomEntries"):
        assert _status(airflow, "GET", f"/dags/{SAMPLE}/dagRuns/{run_id}/{inside}", "coordinator-pol") == 403, inside


def _the_audit_pages_in_a_browser(airflow: LocalAirflow, passwords: dict[str, str], definition,
                                  folders: AuditFolders, tmp_path: Path) -> str:
    """The audit runs; the Business Unit watches it, Police upload a return (refused, then accepted), another
    agency's page is refused, QiiP filters and exports the tracker, the operator is told the programme's pages
    are not theirs and finds the retention DAG by its name, the Business Unit registers an audit."""
    from openpyxl import load_workbook

    ref, url = definition.ref, airflow.url
    run_id = airflow.trigger(definition.dag_id, "business-unit")  # the Business Unit may start it
    waiting = wait_until(lambda: task_states(airflow, definition.dag_id, run_id, "receive_return"),
                          lambda states: len(states) == 6 and set(states.values()) == {"deferred"}, timeout=180)
    assert set(waiting.values()) == {"deferred"}, "every agency's return is awaited"
    store = resources.store()
    case_refs = [c["case_ref"] for c in store.cases(ref)]
    pages_seen = []
    with chromium() as browser:
        business_unit = log_in(browser, url, "business-unit", passwords["business-unit"])
        business_unit.goto(url)
        business_unit.get_by_role("link", name="Audits").click()  # the entry in Airflow's own navigation
        business_unit.wait_for_url("**/plugin/audits")
        framed = business_unit.frame_locator("iframe").locator(f"#audit-{ref}")
        assert "0 of 6 returned" in framed.inner_text()
        screenshot(business_unit, "dashboard-in-airflow")

        police = log_in(browser, url, "coordinator-pol", passwords["coordinator-pol"])
        police.goto(f"{url}/maa/")
        assert police.url.endswith("/maa/upload/POL")
        check_accessible(police)
        named = completed_return(definition, "POL", case_refs, tmp_path, cells={"D3": f"{DISTINCTIVE_NAME} said"})
        for data, outcome in ((named, "Refused"), (completed_return(definition, "POL", case_refs, tmp_path),
                                                   "Accepted")):
            police.set_input_files(f"#file-{ref}", files=[{"name": "Police return.xlsx", "buffer": data,
                                   "mimeType": "application/octet-stream"}])
            police.get_by_role("button", name="Upload and check").click()
            police.wait_for_selector("#outcome", timeout=120_000)
            assert police.locator("#outcome").inner_text().startswith(f"{outcome}: {ref}")
            screenshot(police, f"upload-{outcome.lower()}")
            pages_seen.append(police.content())
        assert "row 3, column worked_well, cell D3: names a nominated child" in pages_seen[0]
        police.goto(f"{url}/maa/upload/ICB")
        assert "belongs to another agency; yours is POL" in police.locator("main").inner_text()
        police.goto(f"{url}/maa/dashboard")
        assert "for the Business Unit and QiiP" in police.locator("main").inner_text()

        business_unit.goto(f"{url}/maa/dashboard")
        check_accessible(business_unit)
        row = business_unit.locator(f"#audit-{ref}").inner_text()
        assert "1 of 6 returned" in row and "Phase 2" in row
        screenshot(business_unit, "dashboard")
        pages_seen.append(business_unit.content())

        today = now().date()
        store.save_actions(ref, [action("A1", "POL", today - timedelta(days=2), "=1+1 joint chronology"),
                                 action("A2", "ICB", today + timedelta(days=90), "Health visiting checks")])
        qiip = log_in(browser, url, "qiip", passwords["qiip"])
        qiip.goto(f"{url}/maa/tracker")
        check_accessible(qiip)
        qiip.get_by_label("RAG status").select_option("red")
        qiip.get_by_label("Action status").select_option("Not started")
        qiip.get_by_role("button", name="Filter").click()
        assert "1 of 2 actions" in qiip.locator("main").inner_text()
        screenshot(qiip, "tracker")
        pages_seen.append(qiip.content())
        with qiip.expect_download() as download:
            qiip.get_by_role("link", name="Export these to Excel (.xlsx)").click()
        exported = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Actions"]
        assert [exported["B3"].value, exported["C3"].value] == ["A1", "'=1+1 joint chronology"]

        operator = log_in(browser, url, "operator", passwords["operator"])  # runs the services, not the audits
        operator.goto(f"{url}/maa/dashboard")
        assert "for the Business Unit and QiiP" in operator.locator("main").inner_text()
        operator.goto(f"{url}/dags/maa_retention")
        operator.get_by_text("Programme: retention of ended audits' files").first.wait_for()
        screenshot(operator, "operator-retention-dag")

        business_unit.goto(f"{url}/maa/audits/new")
        check_accessible(business_unit)
        for label, value in (("Reference", "MATA-2027-05"), ("Title", "Domestic abuse: police and health"),
                             ("Theme", "Domestic abuse"),
                             ("Chair's name", "Robin Vale"), ("Chair's email", "robin.vale@example.org")):
            business_unit.get_by_label(label).fill(value)
        business_unit.get_by_role("button", name="Register the audit").click()
        assert "Registered MATA-2027-05" in business_unit.locator("#outcome").inner_text()
        pages_seen.append(business_unit.content())
    airflow.wait_for_dag("maa_mata_2027_05", "business-unit", timeout=120)
    assert store.returns(ref)["POL"]["status"] == "accepted"
    for identifier in (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB):
        assert not any(identifier in page for page in pages_seen), "no child's identifier on any page"
    return run_id
