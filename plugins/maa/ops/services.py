"""Airflow's own services on this machine, and a small client for its REST API.

The demo and the end-to-end tests run audits the way users do: the scheduler,
the DAG processor, the triggerer (so waits run concurrently, holding no worker
slot) and the API server, driven only through the REST API the UI uses, each
call as a person logged in with a role. SQLite and the LocalExecutor by default;
any Airflow configuration in the environment (PostgreSQL, Celery, an LDAP
webserver_config) is passed through. Logins and roles are FAB's (the auth manager
of maa.web.auth_manager): `maa roles sync` runs before the services start.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maa.outputs.private_files import OWNER_ONLY_UMASK, private_folder, write_private

log = logging.getLogger(__name__)

COMPONENTS = ("scheduler", "dag-processor", "triggerer", "api-server")
FINISHED = ("success", "failed")
AUTH_MANAGER = "maa.web.auth_manager.AuditFabAuthManager"
# A read the API server did not answer in time (the machine busy) is asked again; a write is never repeated.
READ_ATTEMPTS = 3
# The scheduler's line once it has taken the executor's report of a task process's exit (SchedulerJobRunner.
# process_executor_events); for a human-in-the-loop task, the exit of the try that parked it.
_PARKED_EXIT = re.compile(r"TaskInstance Finished: .*?, ti_id=([0-9a-f-]+), .*?, state=awaiting_input, ")


@dataclass(frozen=True)
class Person:
    """Someone who logs in: their role and their name (reports and decisions show the name)."""

    role: str
    name: str


class AirflowApiError(RuntimeError):
    def __init__(self, status: int, method: str, path: str, body: str):
        self.status = status
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def users_file(airflow_home: Path, logins: Iterable[str]) -> Path:
    """The trial logins' initial passwords: made once, kept out of git, readable by the owner only. The file
    is created owner-only (never loosened and tightened after); a new login's password goes in by writing a
    new owner-only file and renaming it over the old. Airflow keeps only their hashes."""
    path = airflow_home / "users.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    missing = {login: secrets.token_urlsafe(12) for login in logins if login not in known}
    if missing or not path.exists():
        write_private(path, json.dumps({**known, **missing}, indent=2).encode())
    return path


@dataclass
class LocalAirflow:
    """Scheduler, DAG processor, triggerer and API server as child processes, stopped together."""

    environment: dict[str, str]
    people: dict[str, Person]  # login -> who they are; their logins are made at start
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    commands: dict[str, list[str]] = field(default_factory=dict)
    celery_workers: int = 0  # with the CeleryExecutor configured in `environment`: workers on this machine
    tokens: dict[str, str] = field(default_factory=dict)  # login -> its JWT (a login a day, as a person)
    roles_report: str = ""  # what `maa roles sync` did at start
    parked_exits: set[str] = field(default_factory=set)  # task instance ids (one per try), from the scheduler's log
    scheduler_log_read: int = 0  # how far `parked_exits` has read the scheduler's log

    @property
    def home(self) -> Path:
        return Path(self.environment["AIRFLOW_HOME"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def passwords(self) -> dict[str, str]:
        return json.loads(users_file(self.home, self.people).read_text())

    def _service_environment(self) -> dict[str, str]:
        environment = dict(self.environment)
        environment.update({
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
            # Every service signs and checks the same sessions and tokens.
            "AIRFLOW__API__SECRET_KEY": environment.get("AIRFLOW__API__SECRET_KEY") or secrets.token_urlsafe(32),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": environment.get("AIRFLOW__API_AUTH__JWT_SECRET")
            or secrets.token_urlsafe(32),
            "AIRFLOW__CORE__PARALLELISM": environment.get("AIRFLOW__CORE__PARALLELISM", "4"),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
        })
        return environment

    def start(self, timeout: float = 120) -> LocalAirflow:
        airflow = str(Path(sys.executable).with_name("airflow"))
        private_folder(self.home / "service-logs")
        environment = self._service_environment()
        self.environment = environment
        subprocess.run([airflow, "db", "migrate"], env=environment, check=True, umask=OWNER_ONLY_UMASK,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.roles_report = self.sync_roles()
        commands = {component: [airflow, component] for component in COMPONENTS}
        commands["api-server"] += ["--port", str(self.port)]
        for number in range(1, self.celery_workers + 1):  # one log server per machine: workers share the files
            commands[f"celery-worker-{number}"] = [airflow, "celery", "worker", "--celery-hostname",
                                                   f"worker{number}@%h", "--concurrency", "2", "--skip-serve-logs"]
        try:
            for name, arguments in commands.items():
                self.start_component(name, arguments)
            self._wait_until_healthy(timeout)
        except BaseException:
            self.stop()  # a service that failed to start must not leave the others running
            raise
        return self

    def sync_roles(self) -> str:
        """`maa roles sync` with this environment, making the people's logins (before any DAG names a role);
        its report."""
        passwords = self.passwords()
        logins = {login: {"role": person.role, "name": person.name, "password": passwords[login]}
                  for login, person in self.people.items()}
        done = subprocess.run([sys.executable, "-m", "maa.cli", "roles", "sync", "--local-logins"],
                              input=json.dumps(logins), env=self.environment, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"maa roles sync failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def start_component(self, name: str, arguments: list[str]) -> None:
        """Start (or start again) one service, its output appended to service-logs/<name>.log."""
        with open(self.home / "service-logs" / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(arguments, env=self.environment, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True,
                                                    umask=OWNER_ONLY_UMASK)
        self.commands[name] = arguments

    def kill(self, *names: str) -> None:
        """SIGKILL services and whatever they started, as a machine failing would: no clean shutdown."""
        for name in names:
            process = self.processes[name]
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def restart(self, *names: str, timeout: float = 120) -> None:
        for name in names:
            self.start_component(name, self.commands[name])
        self._wait_until_healthy(timeout)

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for component, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"airflow {component} exited ({process.returncode}); see "
                                       f"{self.home / 'service-logs' / (component + '.log')}")
            try:
                health = self.request("GET", "/api/v2/monitor/health")
                if all(health.get(part, {}).get("status") == "healthy"
                       for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")):
                    return
            except (OSError, AirflowApiError):
                pass
            time.sleep(1)
        raise TimeoutError(f"Airflow was not healthy within {timeout:.0f} s; logs in {self.home / 'service-logs'}")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def __enter__(self) -> LocalAirflow:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # REST API ---------------------------------------------------------------------------

    def log_in(self, user: str, password: str) -> str:
        """A new JWT for `user`, as POST /auth/token gives one (a directory login is checked against the
        directory there, and its roles refreshed from its groups)."""
        return self.request("POST", "/auth/token", {"username": user, "password": password})["access_token"]

    def token(self, user: str) -> str:
        """The user's JWT, logging in once (FAB limits logins per minute, and a person logs in once a day)."""
        if user not in self.tokens:
            self.tokens[user] = self.log_in(user, self.passwords()[user])
        return self.tokens[user]

    def api(self, method: str, path: str, user: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request(method, f"/api/v2{path}", body, token=self.token(user))

    def request(self, method: str, path: str, body: dict[str, Any] | None = None,
                 token: str | None = None) -> dict[str, Any]:
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    text = response.read().decode()
                break
            except urllib.error.HTTPError as error:
                raise AirflowApiError(error.code, method, path, error.read().decode(errors="replace")) from None
            except (TimeoutError, ConnectionResetError, urllib.error.URLError) as error:
                slow = isinstance(error, TimeoutError | ConnectionResetError) or isinstance(
                    getattr(error, "reason", None), TimeoutError)
                if method != "GET" or not slow or attempt == READ_ATTEMPTS:
                    raise
                log.info("%s %s: no answer within 30 s (a busy machine), asking again", method, path)
        return json.loads(text) if text else {}

    def wait_for_dag(self, dag_id: str, user: str, timeout: float = 90) -> None:
        """Until `user` sees the DAG: a new DAG is unknown (404), and refused (403) to someone whose access
        its access_control gives, until the DAG processor has written it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.api("GET", f"/dags/{dag_id}", user)
                return
            except AirflowApiError as error:
                if error.status not in (403, 404):
                    raise
            time.sleep(1)
        raise TimeoutError(f"DAG {dag_id} did not appear within {timeout:.0f} s")

    def trigger(self, dag_id: str, user: str, conf: dict[str, Any] | None = None) -> str:
        self.wait_for_dag(dag_id, user)
        self.api("PATCH", f"/dags/{dag_id}", user, {"is_paused": False})
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", user, {"logical_date": None, "conf": conf or {}})
        return run["dag_run_id"]

    def unfinished_runs(self, dag_id: str, user: str) -> list[str]:
        runs = self.api("GET", f"/dags/{dag_id}/dagRuns?state=queued&state=running", user)["dag_runs"]
        return [run["dag_run_id"] for run in runs]

    def stop_run(self, dag_id: str, run_id: str, user: str) -> None:
        """Mark a run failed (its waits end), as the UI's "Mark as failed" does."""
        self.api("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}", user, {"state": "failed"})

    def run_state(self, dag_id: str, run_id: str, user: str) -> str:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}", user)["state"]

    def task_instances(self, dag_id: str, run_id: str, user: str) -> list[dict[str, Any]]:
        return self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=500", user)["task_instances"]

    def awaiting_input(self, dag_id: str, run_id: str, user: str) -> dict[str, int]:
        """Tasks parked for a person's answer (human-in-the-loop), as the UI's "Required actions" lists them:
        task id -> try number (a retried task asks again)."""
        return {ti["task_id"]: ti["try_number"] for ti in self.task_instances(dag_id, run_id, user)
                if ti["state"] == "awaiting_input"}

    def answerable(self, dag_id: str, run_id: str, user: str) -> dict[str, int]:
        """The parked tasks an answer can be given to now: task id -> try number.

        Airflow 3.3 loses an answer that reaches the scheduler before the executor's report that the parked
        try's process has ended (the resumed task is taken for one killed externally, retried, and asks
        again). So a task counts once the API reports it awaiting input with its question unanswered and the
        scheduler has logged that it took the executor's report of that try's exit: from then on no report
        is left to race the answer, however busy the machine.
        """
        ready = {}
        for ti in self.task_instances(dag_id, run_id, user):
            if ti["state"] != "awaiting_input" or ti["id"] not in self._parked_exits():
                continue
            question = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/"
                                       f"{ti['map_index']}/hitlDetails", user)
            if question.get("responded_at") is None:
                ready[ti["task_id"]] = ti["try_number"]
        return ready

    def _parked_exits(self) -> set[str]:
        """The tries whose parking exit the scheduler has taken, read on from where the last look stopped."""
        scheduler_log = self.home / "service-logs" / "scheduler.log"
        if scheduler_log.exists():
            with scheduler_log.open("rb") as handle:
                handle.seek(self.scheduler_log_read)
                text = handle.read()
            complete = text.rfind(b"\n") + 1  # a line still being written is read next time
            self.scheduler_log_read += complete
            self.parked_exits.update(_PARKED_EXIT.findall(text[:complete].decode(errors="replace")))
        return self.parked_exits

    def answer(self, dag_id: str, run_id: str, task_id: str, user: str, option: str, comment: str = "") -> None:
        """What the UI sends when `user` answers a human-in-the-loop task; Airflow checks who may answer."""
        self.api("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/-1/hitlDetails", user,
                 {"chosen_options": [option], "params_input": {"comment": comment}})
