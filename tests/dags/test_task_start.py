"""A task start builds its own audit's DAG only, reading its definition file only, however many audits there are.

Airflow's task runner parses the DAG file of the task with the parsing context naming the task's DAG; the
probe does the same in a fresh interpreter (as a task process is), counting the DAGs the factory builds and
the definition files opened.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.definitions import PROJECT, AuditFolders

PROBE = """
import json, sys
from pathlib import Path

audits, dag_id, dag_folder = Path(sys.argv[1]), sys.argv[2] or None, sys.argv[3]
opened = []
def note_opened(event, args):
    if event == "open" and isinstance(args[0], (str, Path)) and Path(args[0]).parent == audits:
        opened.append(Path(args[0]).name)
sys.addaudithook(note_opened)

from airflow.dag_processing.dagbag import BundleDagBag
from airflow.sdk.definitions._internal.dag_parsing_context import _airflow_parsing_context_manager
from maa.pipeline import factory

built = []
build_dag = factory.build_dag
def counted_build(definition, path):
    built.append(definition.dag_id)
    return build_dag(definition, path)
factory.build_dag = counted_build

with _airflow_parsing_context_manager(dag_id=dag_id, task_id="prepare_audit"):
    bag = BundleDagBag(dag_folder=dag_folder, safe_mode=False, load_op_links=False,
                       bundle_path=Path(dag_folder).parent if dag_folder.endswith(".py") else Path(dag_folder),
                       bundle_name="dags-folder")
print(json.dumps({"dags": sorted(bag.dags), "built": built, "opened": opened,
                  "import_errors": sorted(Path(p).name for p in bag.import_errors)}))
"""


def parse_as_a_task_start(folders: AuditFolders, dag_id: str | None, dag_folder: Path) -> dict:
    """The parse in a fresh interpreter; `dag_id` None parses as the DAG processor does (no context)."""
    finished = subprocess.run([sys.executable, "-c", PROBE, str(folders.audits), dag_id or "", str(dag_folder)],
                              capture_output=True, text=True, check=True, timeout=120)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def write_audits(folders: AuditFolders, count: int) -> None:
    for number in range(1, count + 1):
        folders.write_definition({"ref": f"MATA-2026-{number:02d}"})
    folders.write_definition({"ref": "MATA-2026-99", "timescale": {"notice": 4, "agency_audit": 5}},
                             name="broken.yaml")


def test_a_task_start_builds_one_dag_from_one_definition_file(folders: AuditFolders) -> None:
    write_audits(folders, 6)
    parsed = parse_as_a_task_start(folders, "maa_mata_2026_05", PROJECT / "dags" / "maa_audits.py")
    assert parsed == {"dags": ["maa_mata_2026_05"], "built": ["maa_mata_2026_05"], "opened": ["MATA-2026-05.yaml"],
                      "import_errors": []}


def test_the_dag_processor_still_builds_every_dag_and_reports_the_broken_file(folders: AuditFolders) -> None:
    write_audits(folders, 3)
    parsed = parse_as_a_task_start(folders, None, PROJECT / "dags")
    audits = ["maa_mata_2026_01", "maa_mata_2026_02", "maa_mata_2026_03"]
    assert parsed["built"] == audits
    assert parsed["dags"] == sorted([*audits, "maa_action_tracker", "maa_retention"])
    assert parsed["import_errors"] == ["maa_definition_errors.py"]


def test_with_the_context_set_the_errors_file_reads_nothing(folders: AuditFolders) -> None:
    """Parsing the whole folder for one DAG (as `airflow tasks test` may) reads that audit's file only."""
    write_audits(folders, 3)
    parsed = parse_as_a_task_start(folders, "maa_mata_2026_02", PROJECT / "dags")
    assert parsed["built"] == ["maa_mata_2026_02"]
    assert parsed["opened"] == ["MATA-2026-02.yaml"]
    assert parsed["import_errors"] == []
    assert parsed["dags"] == ["maa_action_tracker", "maa_mata_2026_02", "maa_retention"]


def test_a_task_start_of_a_programme_dag_builds_no_audit_dag(folders: AuditFolders) -> None:
    write_audits(folders, 2)
    parsed = parse_as_a_task_start(folders, "maa_action_tracker", PROJECT / "dags" / "maa_action_tracker.py")
    assert parsed == {"dags": ["maa_action_tracker"], "built": [], "opened": [], "import_errors": []}
