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
