"""The action tracker's DAG: updates are taken in before anything that reads them."""

from __future__ import annotations


def test_the_tracker_dag_runs_updates_before_anything_that_reads_them() -> None:
    from maa.pipeline.tracker_dag import build_tracker_dag

    dag = build_tracker_dag()
    upstream = {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}
    assert upstream == {
        "load_review_findings_register": [],
        "receive_action_updates": ["load_review_findings_register"],
        "remind_action_owners": ["receive_action_updates"],
        "ask_owners_for_impact_progress": ["receive_action_updates"],
        "send_impact_update_reports": ["ask_owners_for_impact_progress"],
        "send_monthly_tracker_report": ["receive_action_updates"],
    }
    assert {task.owner for task in dag.tasks} == {"qiip"} and all(task.retries >= 1 for task in dag.tasks)
    assert set(dag.params) == {"today", "dry_run"}
