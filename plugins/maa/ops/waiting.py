"""What a run waits for from a person, in words the demo prints: whose answer or file, which task, where,
and which login to use, read from the run's task instances as Airflow's REST API gives them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from maa.audit.definitions import AuditDefinition
from maa.audit.roles import STAGE_ROLES
from maa.signoff.decisions import STAGES

# States in which a wait for a file is under way (looking, or deferred to the triggerer between looks).
WAITING_STATES = {"running", "deferred", "up_for_reschedule"}
_ROUND = re.compile(r"^round_(\d+)\.(\w+)$")


def signoff_wait(definition: AuditDefinition, task_id: str, base_url: str, run_id: str,
                 logins: Mapping[str, str]) -> str | None:
    """The sign-off task `task_id`, parked for an answer, as a sentence; None for any other task."""
    match = _ROUND.match(task_id)
    if not match or match[2] not in STAGE_ROLES:
        return None
    role = STAGE_ROLES[match[2]]
    login = logins.get(role)
    link = f"{base_url}/dags/{definition.dag_id}/runs/{run_id}/tasks/{task_id}/required_actions"
    who = f"log in as {login}" if login else f"log in as someone holding the {role} role"
    return (f"waiting for {STAGES[match[2]]} of round {match[1]}'s draft ({task_id}), answered by the {role} "
            f"role: open {link}, {who}, and choose Approve or Request changes")


def file_waits(definition: AuditDefinition, task_instances: Iterable[Mapping[str, Any]], inbox: str) -> list[str]:
    """A sentence for each file a wait of the run is looking out for now: who sends it and where it goes."""
    folder = f"{inbox.rstrip('/')}/{definition.ref}"
    found = []
    for ti in task_instances:
        if ti.get("state") not in WAITING_STATES:
            continue
        task_id = str(ti["task_id"])
        if task_id == "receive_nominations":
            found.append(f"waiting for {definition.nominator.name}'s case list ({task_id}): "
                         f"nominations.csv into {folder}/")
        elif task_id == "receive_return":
            code = str(ti.get("rendered_map_index") or "")
            if code in {a.code for a in definition.agencies}:
                found.append(f"waiting for {definition.agency(code).name}'s return ({task_id}[{code}]): "
                             f"{code}.xlsx into {folder}/returns/")
        elif task_id.endswith("receive_chair_analysis") or task_id.endswith("receive_revised_analysis"):
            found.append(f"waiting for the chair's analysis ({task_id}): analysis.xlsx (and narrative.md, if "
                         f"any) into {folder}/chair/")
    return found
