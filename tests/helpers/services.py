"""Watching a run on Airflow's running services (maa.ops.services.LocalAirflow) from an end-to-end test."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from maa.ops.demo import ANSWER_AFTER_S
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


def answer_until_taken(airflow: LocalAirflow, dag_id: str, run_id: str, task_id: str, user: str, attempt: int) -> None:
    """Answer, and answer again if the task asks again: Airflow 3.3 can lose an answer that beats the
    executor's report of the parked task, retrying it, and a person would answer again (as maa.ops.demo does)."""
    def state() -> tuple[str, int]:
        ti = next(ti for ti in airflow.task_instances(dag_id, run_id, "business-unit") if ti["task_id"] == task_id)
        return ti["state"], ti["try_number"]

    for _ in range(3):
        airflow.answer(dag_id, run_id, task_id, user, "Approve", "Content and tone checked.")
        current, tried = wait_until(state, lambda s, attempt=attempt: s[0] in ("success", "skipped")
                                     or (s[0] == "awaiting_input" and s[1] > attempt), timeout=240)
        if current != "awaiting_input":
            return
        attempt = tried
        time.sleep(ANSWER_AFTER_S)
