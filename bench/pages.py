"""`make bench-pages`: the audit pages with a programme of 50 audits, through Airflow's own API server app.

50 copies of the sample audit in a new store (SQLite), each with six agencies, half of them with an
accepted return and one with a refused file, and 20 tracked actions each. The dashboard, tracker and
an agency's upload page are requested through the app `airflow api-server` serves (plugins, login
cookie and all) in this process, ROUNDS times each after one warm-up; the median and slowest are
printed beside the target. Missing a target is reported, never a failure.

Usage: pages.py [--audits N] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from workloads import PROJECT, write_audit_copies

from maa.ops.services import AUTH_MANAGER

TARGET_MS = 1000.0  # a page the Business Unit opens many times a day answers within a second
PAGES = ("/maa/dashboard", "/maa/tracker", "/maa/upload/POL")
LOGINS = {"business-unit": "Business Unit", "coordinator-pol": "Coordinator POL"}


def seed(audits: Path, data: Path, count: int) -> None:
    from maa.audit.definitions import definition_files, load_all
    from maa.outputs.store import Store

    store = Store(f"sqlite:///{data / 'store.sqlite'}")
    for path, definition in load_all(definition_files(audits)).definitions.items():
        store.save_audit(definition, path.name)
        for agency in definition.agencies[:3]:
            store.save_return(definition.ref, agency.code, status="accepted", version=1)
        store.record_inbox_file(definition.ref, "return", definition.agencies[3].code, 1, "refused", "x", "0" * 64,
                                "sheet Findings, row 4, column grade: not on the scale")
        store.save_actions(definition.ref, [
            {"action_id": f"A{n}", "action": f"Action {n}", "owner_agency": definition.agencies[n % 6].code,
             "due_date": date.today() + timedelta(days=10 * n - 60), "theme": "Drift", "review_refs": "",
             "status": "Not started"} for n in range(1, 21)])
    print(f"seeded {count} audits, {count * 20} actions")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audits", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maa-bench-pages-") as temporary:
        scratch = Path(temporary)
        os.environ.update({
            "AIRFLOW_HOME": str(scratch / "airflow-home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
            "AIRFLOW__API_AUTH__JWT_SECRET": "bench-pages-secret-0123456789abcdef",
            "MAA_AUDITS_DIR": str(write_audit_copies(scratch / "audits", options.audits)),
            "MAA_DATA_DIR": str(scratch / "data"), "MAA_OUTPUT_DIR": str(scratch / "output"),
        })
        (scratch / "data").mkdir()
        subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], check=True,
                       capture_output=True)
        subprocess.run([sys.executable, "-m", "maa.cli", "roles", "sync", "--local-logins"], check=True,
                       capture_output=True, text=True, input=json.dumps(
                           {login: {"role": role, "name": "Bench Person", "password": "bench-password"}
                            for login, role in LOGINS.items()}))
        seed(scratch / "audits", scratch / "data", options.audits)
        from airflow.api_fastapi.app import create_app
        from fastapi.testclient import TestClient

        client = TestClient(create_app())
        print(f"{'page':<20} {'median':>9} {'slowest':>9} {'target':>9}  ({options.rounds} rounds, "
              f"{options.audits} audits, {os.cpu_count()} CPUs)")
        missed = []
        tokens = {login: client.post("/auth/token", json={"username": login, "password": "bench-password"}
                                     ).json()["access_token"] for login in LOGINS}  # FAB limits logins a minute
        for page in PAGES:
            client.cookies.set("_token", tokens["coordinator-pol" if "upload" in page else "business-unit"])
            timings = []
            for round_number in range(options.rounds + 1):
                started = time.perf_counter()
                response = client.get(page)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{page}: HTTP {response.status_code}")
                if round_number:  # the first request of each page warms its imports
                    timings.append(elapsed)
            median = statistics.median(timings)
            print(f"{page:<20} {median:>7.0f} ms {max(timings):>7.0f} ms {TARGET_MS:>6.0f} ms"
                  f"{'  MISSED' if median > TARGET_MS else ''}")
            if median > TARGET_MS:
                missed.append(page)
        print(f"targets missed: {', '.join(missed)}" if missed else "every page within its target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
