"""Watching a run on Airflow's running services (maa.ops.services.LocalAirflow) from an end-to-end test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from maa.ops.services import LocalAirflow


def task_states(airflow: LocalAirflow, dag_id: str, run_id: str, task_id: str) -> dict[str, str]:
    """A (mapped) task's state per map index, as the Business Unit sees it in the UI."""
    return {ti.get("rendered_map_index") or str(ti["map_index"]): ti["state"]
            for ti in airflow.task_instances(dag_id, run_id, "business-unit") if ti["task_id"] == task_id}


def wait_until(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float) -> Any:
    """`read()` every second until `done` says so or `timeout` passes; the last value read."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(1)
        value = read()
    return value


def wait_until_answerable(airflow: LocalAirflow, dag_id: str, run_id: str, task_id: str, timeout: float) -> int:
    """The try of `task_id` once an answer can be given to it (LocalAirflow.answerable: no fixed wait)."""
    ready = wait_until(lambda: airflow.answerable(dag_id, run_id, "business-unit"),
                       lambda tasks: task_id in tasks, timeout=timeout)
    assert task_id in ready, f"{task_id} never asked"
    return ready[task_id]


def answer_once(airflow: LocalAirflow, dag_id: str, run_id: str, task_id: str, user: str, attempt: int) -> None:
    """Answer, and check the answer was taken by the try that asked: the task ends without asking again."""
    def state() -> tuple[str, int]:
        ti = next(ti for ti in airflow.task_instances(dag_id, run_id, "business-unit") if ti["task_id"] == task_id)
        return ti["state"], ti["try_number"]

    airflow.answer(dag_id, run_id, task_id, user, "Approve", "Content and tone checked.")
    ended = wait_until(state, lambda s: s[0] not in ("awaiting_input", "scheduled", "queued", "running"),
                       timeout=240)
    assert ended == ("success", attempt), f"{task_id}: the answer was not taken by try {attempt}: {ended}"
