"""What the DAG processor stores for each audit: small, and without the DAG's params repeated in every task.

Airflow deep-copies a DAG's params into each task built inside it and validates every copy again at each
serialisation; the factory sets them once the tasks exist. These tests pin that, and that a run's tasks
still see the params the Business Unit set.
"""

from __future__ import annotations

import json

import pytest
from airflow.sdk.definitions.param import process_params
from airflow.serialization.serialized_objects import DagSerialization

from maa.audit.definitions import load_definition
from maa.pipeline.factory import build_dag
from tests.helpers.definitions import SAMPLE_DEFINITION

# Serialised JSON of the sample's DAG: 55 KB while every task carried the DAG's params, 30 KB since.
MAX_SERIALISED_BYTES = 34 * 1024
RUN_PARAMS = ["dry_run", "rehearsal_seconds_per_week"]


@pytest.fixture(scope="module")
def sample_dag():
    return build_dag(load_definition(SAMPLE_DEFINITION), SAMPLE_DEFINITION)


@pytest.fixture(scope="module")
def serialised(sample_dag) -> dict:
    return DagSerialization.to_dict(sample_dag)["dag"]


def test_an_audit_dag_serialises_small(serialised: dict) -> None:
    assert len(json.dumps(serialised)) <= MAX_SERIALISED_BYTES


def test_the_run_params_are_the_dags_only_and_the_signoff_form_keeps_its_comment(serialised: dict) -> None:
    assert [name for name, _ in serialised["params"]] == RUN_PARAMS
    task_params = {task["__var"]["task_id"]: [name for name, _ in task["__var"].get("params", [])]
                   for task in serialised["tasks"]}
    with_params = {task_id: names for task_id, names in task_params.items() if names}
    assert with_params == {f"round_{n}.{stage}": ["comment"] for n in (1, 2, 3)
                           for stage in ("bu_quality_assurance", "qiip_signoff")}


def test_each_task_of_a_run_sees_the_params_it_was_triggered_with() -> None:
    """What Airflow's task runner hands a task as `params`: the DAG's, the task's own, then the run's conf."""
    dag = build_dag(load_definition(SAMPLE_DEFINITION), SAMPLE_DEFINITION)  # a run's values land in its Params
    assert process_params(dag, dag.get_task("send_notice"), {}, suppress_exception=False) == {
        "dry_run": False, "rehearsal_seconds_per_week": 0}
    conf = {"dry_run": True, "rehearsal_seconds_per_week": 30}
    for task in dag.tasks:
        params = process_params(dag, task, conf, suppress_exception=False)
        own = {"comment": None} if task.task_id.endswith(("bu_quality_assurance", "qiip_signoff")) else {}
        assert params == {**conf, **own}, task.task_id
