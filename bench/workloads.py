"""The inputs each benchmark parses or runs, written into temporary folders.

Everything is derived from the project's sample definition, so the benchmark
follows the sample when it changes: our audits are copies of it, the
dag-factory DAGs mirror the DAG our factory builds from it, and the Phase 1
audit is the sample widened to twelve agencies. All people are fictional.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from maa.definitions import AuditDefinition, dag_id_for, load_definition
from maa.timetable import at_send_time

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "include" / "audits" / "MATA-2026-01.yaml"
BENCH = Path(__file__).resolve().parent

PYTHON_OPERATOR = "airflow.providers.standard.operators.python.PythonOperator"
PYTHON_SENSOR = "airflow.providers.standard.sensors.python.PythonSensor"
DATE_TIME_SENSOR = "airflow.providers.standard.sensors.date_time.DateTimeSensorAsync"


def bench_ref(number: int) -> str:
    """Distinct refs well away from real audits' years."""
    return f"MATA-2030-{number:03d}"


# Our audit definitions ----------------------------------------------------------------------

def write_audit_copies(folder: Path, count: int) -> Path:
    """`count` copies of the sample, only the ref changed, so each file parses exactly like the sample."""
    text = SAMPLE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        ref = bench_ref(number)
        copy, replaced = re.subn(r"^ref:.*$", f"ref: {ref}", text, count=1, flags=re.MULTILINE)
        if replaced != 1:
            raise ValueError(f"{SAMPLE}: no top-level 'ref:' line to replace")
        (folder / f"{ref}.yaml").write_text(copy, encoding="utf-8")
    return folder


# dag-factory's equivalent -------------------------------------------------------------------

def _python_task(task_id: str, upstream: str | None, callable_name: str = "noop",
                 operator: str = PYTHON_OPERATOR, **extra: Any) -> dict[str, Any]:
    """One task in dag-factory's list form, its body a trivial callable in bench_tasks."""
    task = {"task_id": task_id, "operator": operator, "python_callable": f"bench_tasks.{callable_name}", **extra}
    if upstream:
        task["dependencies"] = [upstream]
    return task


def dagfactory_dag(definition: AuditDefinition, ref: str) -> dict[str, Any]:
    """The DAG our factory builds for a MATA (same tasks, order, defaults, tags and param) as dag-factory YAML."""
    notice_at = at_send_time(definition.timetable["notice_issued"]).isoformat()
    tasks = [
        _python_task("prepare_audit", None),
        {"task_id": "wait_for_notice_date", "operator": DATE_TIME_SENSOR, "target_time": notice_at,
         "dependencies": ["prepare_audit"]},
        _python_task("send_notice", "wait_for_notice_date"),
        _python_task("receive_nominations", "send_notice", "nominations_received", PYTHON_SENSOR,
                     mode="reschedule", poke_interval=300),
        _python_task("build_audit_packs", "receive_nominations"),
        _python_task("send_audit_packs", "build_audit_packs"),
    ]
    return {dag_id_for(ref): {
        "description": f"{definition.type} {ref}: {definition.title}",
        "schedule": None,
        "catchup": False,
        "max_active_runs": 1,
        "tags": ["multi-agency-audit", str(definition.type), str(definition.status)],
        "default_args": {
            "owner": "business-unit",
            "retries": 3,
            "retry_delay": {"__type__": "datetime.timedelta", "minutes": 1},
            "retry_exponential_backoff": True,
            "max_retry_delay": {"__type__": "datetime.timedelta", "minutes": 30},
        },
        "params": {"dry_run": {"__type__": "airflow.sdk.Param", "default": False, "type": "boolean",
                               "title": "Dry run"}},
        "tasks": tasks,
    }}


def write_dagfactory_folder(folder: Path, count: int) -> Path:
    """A dags folder holding dag-factory's loader and one YAML DAG per audit."""
    definition = load_definition(SAMPLE)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BENCH / "dagfactory_loader.py", folder / "dagfactory_loader.py")
    for number in range(1, count + 1):
        ref = bench_ref(number)
        (folder / f"{ref}.yaml").write_text(yaml.safe_dump(dagfactory_dag(definition, ref), sort_keys=False))
    return folder


# Phase 1 ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phase1Workspace:
    definition: Path
    audits: Path
    data: Path
    output: Path


PHASE1_REF = "MATA-2030-P1"


def phase1_definition(agencies: int) -> dict[str, Any]:
    """The sample with agencies A01..An (A01 nominates); its extensions named the sample's agencies."""
    definition = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    definition.pop("extensions", None)
    codes = [f"A{n:02d}" for n in range(1, agencies + 1)]
    definition.update(ref=PHASE1_REF, nominating_agency=codes[0], agencies=[
        {"code": code, "name": f"Agency {code}",
         "coordinator": {"name": f"Coordinator {code}", "email": f"coordinator.{code.lower()}@example.org"}}
        for code in codes
    ])
    return definition


def nominations_csv(cases: int, start: date) -> str:
    """Fictional children, all under 18 on the audit's start date, with distinct system ids."""
    rows = ["case_ref,system_id,child_name,date_of_birth"]
    for n in range(1, cases + 1):
        born = date(start.year - 1 - n, (n % 12) + 1, 10)
        rows.append(f"C-{n:02d},SYS-9{n:03d}-{n * 37:04d},Bench Child-{n:02d} Fictional,{born.isoformat()}")
    return "\n".join(rows) + "\n"


def write_phase1_workspace(root: Path, agencies: int, cases: int) -> Phase1Workspace:
    """Audits, data and output folders for one Phase 1 run, the case list already in the inbox."""
    workspace = Phase1Workspace(root / "audits" / f"{PHASE1_REF}.yaml", root / "audits", root / "data",
                                root / "output")
    definition = phase1_definition(agencies)
    workspace.audits.mkdir(parents=True, exist_ok=True)
    workspace.definition.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
    inbox = workspace.data / "inbox" / PHASE1_REF
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "nominations.csv").write_text(nominations_csv(cases, definition["start"]), encoding="utf-8")
    return workspace
