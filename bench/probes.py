"""Running a probe script in a fresh interpreter with a controlled environment.

Every measurement is a new process so that one run's imports never make the
next one look fast, and the environment is built from scratch for the
variables that matter, so that `make bench` and a bare `python bench/run.py`
measure the same thing whatever the caller's shell exports.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workloads import BENCH, PROJECT, AuditWorkspace

PROBE_TIMEOUT_S = 300  # dag-factory's 200 DAGs take a minute on a busy machine

# Nothing of the caller's Airflow or pipeline setup leaks in: its connections (a real mail server,
# the audit store), variables, metadata database or secrets backend, or its audit folders.
_DROPPED_PREFIXES = ("AIRFLOW_CONN_", "AIRFLOW_VAR_", "AIRFLOW_CONFIG", "AIRFLOW__DATABASE__", "AIRFLOW__SECRETS__",
                     "MAA_")
# A fixed key for the benchmark's fictional children (32 characters); it guards nothing real.
PSEUDONYM_KEY = "bench-only-pseudonym-key-0123456"


class ProbeFailed(RuntimeError):
    """A probe that crashed or timed out: its figures would be meaningless."""


def environment(airflow_home: Path, dags_folder: Path, **extra: str) -> dict[str, str]:
    """The caller's environment minus anything that could reach real services, plus Airflow's settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_DROPPED_PREFIXES)}
    env.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # dag-factory's usage telemetry is sent from DAG runs only, but a benchmark sends nothing anyway.
        "AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        **extra,
    })
    return env


def workspace_environment(airflow_home: Path, workspace: AuditWorkspace) -> dict[str, str]:
    """What a pipeline task sees for one audit: its folders, the pseudonym key, files taken once they land."""
    return environment(
        airflow_home, PROJECT / "dags",
        MAA_AUDITS_DIR=str(workspace.audits), MAA_DATA_DIR=str(workspace.data),
        MAA_OUTPUT_DIR=str(workspace.output), AIRFLOW_VAR_MAA_PSEUDONYM_KEY=PSEUDONYM_KEY,
        MAA_INBOX_SETTLE_SECONDS="0",
    )


def children_cpu_s() -> float:
    """CPU time (user and system) of every child process this process has waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_probe(script: str, arguments: list[str], env: dict[str, str],
              timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """Run bench/<script> with its result file appended to the arguments; return the figures it wrote, with
    the whole process's CPU and wall time beside them (interpreter start and every import included)."""
    with tempfile.TemporaryDirectory(prefix="maa-bench-probe-") as scratch:
        result = Path(scratch) / "result.json"
        command = [sys.executable, str(BENCH / script), *arguments, str(result)]
        cpu_before, started = children_cpu_s(), time.perf_counter()
        try:
            finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise ProbeFailed(f"{script} took longer than {timeout_s:.0f} s") from exc
        process = {"process_cpu_s": children_cpu_s() - cpu_before, "process_wall_s": time.perf_counter() - started}
        if finished.returncode != 0 or not result.exists():
            tail = "\n".join((finished.stderr or finished.stdout).splitlines()[-25:])
            raise ProbeFailed(f"{script} {' '.join(arguments)} exited {finished.returncode}:\n{tail}")
        return {**json.loads(result.read_text()), **process}
