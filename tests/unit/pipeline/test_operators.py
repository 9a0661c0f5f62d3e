"""The waiting operators defer to the triggerer (no worker slot held), or under dag.test() are rescheduled, and
read the definition afresh."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowRescheduleException, AirflowSkipException, TaskDeferred

from maa.config import LONDON
from maa.pipeline import resources
from maa.pipeline.operators import RECHECK, MilestoneSensor, NominationsSensor
from maa.privacy.endings import Ending, audit_end
from tests.helpers.definitions import AuditFolders


def milestone_sensor(path) -> MilestoneSensor:
    return MilestoneSensor(task_id="wait_for_notice_date", milestone="notice_issued", definition_file=path.name)


def test_a_future_milestone_defers_to_the_triggerer(folders: AuditFolders) -> None:
    start = date.today() + timedelta(days=60)
    path = folders.write_definition({"start": start.isoformat()}, remove=("extensions",))
    with pytest.raises(TaskDeferred) as deferred:
        milestone_sensor(path).execute({})
    trigger = deferred.value.trigger
    assert type(trigger).__name__ == "DateTimeTrigger"
    assert deferred.value.method_name == "resume"
    # A long wait is cut into slices, so that an edited definition takes effect meanwhile.
    assert trigger.moment <= datetime.now(LONDON) + RECHECK + timedelta(seconds=5)


def test_a_milestone_today_at_nine_or_earlier_does_not_wait(folders: AuditFolders) -> None:
    path = folders.write_definition({"start": "2026-06-01"})
    assert milestone_sensor(path).execute({}) == "2026-06-01T09:00:00+01:00"


def test_an_edit_takes_effect_at_the_next_wait(folders: AuditFolders) -> None:
    future = date.today() + timedelta(days=60)
    path = folders.write_definition({"start": future.isoformat()}, remove=("extensions",))
    sensor = milestone_sensor(path)
    with pytest.raises(TaskDeferred):
        sensor.execute({})
    folders.write_definition({"start": "2026-06-01"}, name=path.name)  # the Panel brings the audit forward
    assert sensor.resume({}, event=None).startswith("2026-06-01")


def test_a_paused_audit_waits_and_looks_again(folders: AuditFolders) -> None:
    path = folders.write_definition({"status": "paused"})
    with pytest.raises(TaskDeferred) as deferred:
        milestone_sensor(path).execute({})
    assert deferred.value.trigger.moment > datetime.now(LONDON) + timedelta(minutes=50)


@pytest.mark.parametrize("sensor_class", [MilestoneSensor, NominationsSensor])
def test_a_withdrawn_audit_skips_the_rest(folders: AuditFolders, sensor_class) -> None:
    path = folders.write_definition({"status": "withdrawn"})
    extra = {"milestone": "notice_issued"} if sensor_class is MilestoneSensor else {}
    with pytest.raises(AirflowSkipException, match="withdrawn"):
        sensor_class(task_id="wait", definition_file=path.name, **extra).execute({"run_id": "manual__1"})
    ended = audit_end(resources.store(), "MATA-2026-01")
    assert ended is not None and ended.ending is Ending.withdrawn, "recorded when the run applied it, for retention"


def test_waiting_for_nominations_defers_to_an_inbox_trigger(folders: AuditFolders) -> None:
    start = date.today() + timedelta(days=1)
    path = folders.write_definition({"start": start.isoformat()}, remove=("extensions",))
    with pytest.raises(TaskDeferred) as deferred:
        NominationsSensor(task_id="receive_nominations", definition_file=path.name).execute(
            {"params": {}, "ti": SimpleNamespace(dag_id="maa_mata_2026_01", run_id="manual__1",
                                                 task_id="receive_nominations", map_index=-1)})
    trigger = deferred.value.trigger
    assert type(trigger).__name__ == "InboxTrigger"
    assert trigger.paths == [f"file://{folders.data}/inbox/MATA-2026-01/nominations.csv"]


def dag_test_context(**params: object) -> dict:
    """What a task sees under dag.test(): the run is triggered by its "dag_test" user."""
    run = SimpleNamespace(triggering_user_name="dag_test", start_date=datetime.now(UTC))
    ti = SimpleNamespace(dag_id="maa_mata_2026_01", run_id="manual__1", task_id="receive_nominations", map_index=-1)
    return {"params": params, "dag_run": run, "ti": ti}


def test_under_dag_test_a_wait_is_rescheduled_so_the_run_goes_on_meanwhile(folders: AuditFolders) -> None:
    """dag.test() would run its trigger inline and every other task only after it: the wait hands the run
    back instead, to look again at its next poll (a file) or at its moment (a milestone)."""
    start = date.today() + timedelta(days=1)
    path = folders.write_definition({"start": start.isoformat()}, remove=("extensions",))
    with pytest.raises(AirflowRescheduleException) as rescheduled:
        NominationsSensor(task_id="receive_nominations", definition_file=path.name).execute(dag_test_context())
    assert rescheduled.value.reschedule_date <= datetime.now(UTC) + timedelta(seconds=1)
    with pytest.raises(AirflowRescheduleException) as rescheduled:
        milestone_sensor(path).execute(dag_test_context())
    assert rescheduled.value.reschedule_date > datetime.now(UTC) + timedelta(hours=1)


def test_a_rehearsal_wait_hands_its_target_to_the_trigger_in_audit_time(folders: AuditFolders) -> None:
    start = date.today() + timedelta(days=1)
    path = folders.write_definition({"start": start.isoformat()}, remove=("extensions",))
    context = dag_test_context(rehearsal_seconds_per_week=10)
    context["dag_run"].triggering_user_name = "business-unit"
    with pytest.raises(TaskDeferred) as deferred:
        NominationsSensor(task_id="receive_nominations", definition_file=path.name).execute(context)
    trigger = deferred.value.trigger
    assert trigger.rehearsal["who"] == "receive_nominations[-1]"
    assert trigger.rehearsal["run"] == "maa_mata_2026_01/manual__1"
    assert datetime.fromisoformat(trigger.rehearsal["wake_at"]).date() > start, "the reminder, in audit time"
