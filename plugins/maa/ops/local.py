"""`make up` and `make down`: Airflow's services on this machine, left running in the background.

The same services the demo and the end-to-end tests start (`maa.ops.services.LocalAirflow`): the
scheduler, DAG processor, triggerer and API server, on SQLite with the LocalExecutor and a small
parallelism. Logs go to `<AIRFLOW_HOME>/service-logs/`, the processes' ids to
`<AIRFLOW_HOME>/services.json`, which `make down` reads to stop them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from maa import config
from maa.audit.definitions import definition_files, load_all
from maa.audit.roles import ADMIN, BUSINESS_UNIT, OPERATOR, QIIP, coordinator_role
from maa.ops.services import Person
from maa.outputs.private_files import owner_only_umask

# A trial login per role, for fictional people: the Business Unit triggers audits and answers its quality
# assurance, QiiP answers the sign-off, the operator clears and reruns tasks, the admin does everything.
STAFF = {"admin": (ADMIN, "Alex Admin"), "business-unit": (BUSINESS_UNIT, "Sam Carter"),
         "qiip": (QIIP, "Priya Nair"), "operator": (OPERATOR, "Ola Berg")}


def users(audits_dir: Path) -> dict[str, Person]:
    """The staff, and a login for each agency's coordinator (the person the latest audit names), who sees
    the audits their agency takes part in."""
    coordinators = {}
    definitions = sorted(load_all(definition_files(audits_dir)).definitions.values(), key=lambda d: d.start)
    for definition in definitions:
        for agency in definition.agencies:
            coordinators[f"coordinator-{agency.code.lower()}"] = Person(coordinator_role(agency.code),
                                                                        agency.coordinator.name)
    return {**{login: Person(role, name) for login, (role, name) in STAFF.items()},
            **dict(sorted(coordinators.items()))}


def _pid_file(home: Path) -> Path:
    return home / "services.json"


def _running(home: Path) -> dict[str, int]:
    """The services a previous `up` left running (process group ids), if any still are: a process id
    counts only with the start time recorded for it, so an id reused since (after a reboot) is left alone."""
    import psutil

    path = _pid_file(home)
    if not path.exists():
        return {}
    alive = {}
    for name, process in json.loads(path.read_text()).items():
        try:
            if psutil.Process(process["pid"]).create_time() == process["started"]:
                alive[name] = process["pid"]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return alive


def up(port: int) -> int:
    from maa.ops.demo import airflow_environment
    from maa.ops.services import LocalAirflow, users_file

    project = config.PROJECT_DIR
    environment = airflow_environment(project, config.audits_dir(), config.data_dir())
    home = Path(environment["AIRFLOW_HOME"])
    if running := _running(home):
        print(f"up: already running ({', '.join(running)}) on http://localhost:{port}; `make down` stops it")
        return 0
    people = users(config.audits_dir())
    passwords_path = home / "users.json"
    known = set(json.loads(passwords_path.read_text())) if passwords_path.exists() else set()
    airflow = LocalAirflow(environment, people, port=port)
    print(f"up: starting Airflow's scheduler, DAG processor, triggerer and API server; logs in "
          f"{home / 'service-logs'}")
    airflow.start()
    import psutil

    _pid_file(home).write_text(json.dumps({name: {"pid": p.pid, "started": psutil.Process(p.pid).create_time()}
                                           for name, p in airflow.processes.items()}, indent=2))
    print(f"up: roles and logins (maa roles sync):\n{airflow.roles_report.rstrip()}")
    passwords = json.loads(users_file(home, people).read_text())
    print(f"up: http://localhost:{port} (the audit pages: Audits in its navigation, or "
          f"http://localhost:{port}/maa/)")
    for login, person in people.items():
        shown = passwords[login] if login not in known else "(as before)"
        print(f"  {login:<24} {person.role:<16} {shown}")
    print(f"up: passwords are kept in {passwords_path} (owner only, never in git); new ones are shown once")
    print("up: `make down` stops the services")
    return 0


def down(timeout: float = 30) -> int:
    from maa.ops.demo import airflow_environment

    home = Path(airflow_environment(config.PROJECT_DIR, config.audits_dir(), config.data_dir())["AIRFLOW_HOME"])
    running = _running(home)
    for pid in running.values():
        with contextlib.suppress(ProcessLookupError):  # gone meanwhile
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _running(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in _running(home).values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    _pid_file(home).unlink(missing_ok=True)
    print(f"down: stopped {', '.join(running) or 'nothing (none was running)'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    owner_only_umask()  # and the services it starts inherit it (LocalAirflow starts them with it too)
    parser = argparse.ArgumentParser(prog="python -m maa.ops.local", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--port", type=int, default=config.settings().up_port)
    arguments = parser.parse_args(argv)
    return up(arguments.port) if arguments.action == "up" else down()


if __name__ == "__main__":
    sys.exit(main())
