"""A wait's look at an empty inbox imports none of the heavy libraries: they load once a file is there.

Each look is a task start in a fresh process; Great Expectations alone takes seconds to import (over a
minute on a loaded machine), which a wait for a file that has not come must not pay. The looks run in a
fresh interpreter, as in a task process, and report which heavy libraries were loaded after each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from maa.audit.definitions import load_definition
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.workbooks import completed_return

HEAVY = ("great_expectations", "pandas", "weasyprint", "openpyxl")

PROBE = f"""
import json, sys
from types import SimpleNamespace
from airflow.sdk.exceptions import TaskDeferred
from maa.pipeline import operators

definition_file, agency = sys.argv[1], sys.argv[2]
waits = {{
    "receive_nominations": lambda: operators.NominationsSensor(task_id="receive_nominations",
                                                               definition_file=definition_file),
    "receive_return": lambda: operators.ReturnSensor(task_id="receive_return", agency_code=agency,
                                                     definition_file=definition_file),
    "receive_chair_analysis": lambda: operators.AnalysisSensor(task_id="receive_chair_analysis",
                                                               definition_file=definition_file),
}}
looks = {{}}
for task_id in sys.argv[3:]:
    context = {{"params": {{}}, "ti": SimpleNamespace(dag_id="maa_audit", run_id="manual__1", task_id=task_id,
                                                    map_index=0)}}
    try:
        outcome = waits[task_id]().execute(context)
    except TaskDeferred as deferred:
        outcome = "deferred to " + type(deferred.trigger).__name__
    looks[task_id] = {{"outcome": outcome, "loaded": sorted(m for m in {HEAVY!r} if m in sys.modules)}}
print(json.dumps(looks))
"""


def look(definition: Path, agency: str, *task_ids: str) -> dict[str, dict]:
    """One look of each wait, in order, in one fresh interpreter."""
    finished = subprocess.run([sys.executable, "-c", PROBE, definition.name, agency, *task_ids], cwd=PROJECT,
                              capture_output=True, text=True, check=True, timeout=180)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def last_week() -> str:
    """A start a week ago: the notice period is under way, no deadline has passed."""
    return (date.today() - timedelta(days=7)).isoformat()


def test_looks_at_empty_inboxes_import_nothing_heavy(folders: AuditFolders) -> None:
    definition = folders.write_definition({"start": last_week()}, remove=("extensions",))
    looks = look(definition, "CSC", "receive_nominations", "receive_return", "receive_chair_analysis")
    assert looks == {task_id: {"outcome": "deferred to InboxTrigger", "loaded": []}
                     for task_id in ("receive_nominations", "receive_return", "receive_chair_analysis")}


def test_a_return_in_the_inbox_is_checked_with_great_expectations(folders: AuditFolders, tmp_path: Path) -> None:
    """The other side: once the file is there, the same look imports what checking it takes."""
    path = folders.write_definition(
        {"ref": "PAA-2026-01", "type": "PAA", "start": last_week(), "period": {"from": "2025-04-01",
                                                                             "to": "2026-03-31"}},
        remove=("nominating_agency", "theme", "extensions"))
    returns = folders.inbox("PAA-2026-01") / "returns"
    returns.mkdir()
    (returns / "CSC.xlsx").write_bytes(completed_return(load_definition(path), "CSC", [], tmp_path))
    looks = look(path, "CSC", "receive_return")
    assert looks["receive_return"]["outcome"] == "accepted"
    assert {"great_expectations", "pandas", "openpyxl"} <= set(looks["receive_return"]["loaded"])
