"""How an audit's run ended, recorded for retention (maa.privacy.endings) from what Airflow knows of the run.

The audit DAG's success and failure callbacks record a run that ended without QiiP's approval at the run's end
as Airflow recorded it; the first task to apply a withdrawal records it then (`record_withdrawal`). A rehearsal
records neither: it is not the audit, and must not start the clock on the real audit's files. The DAG factory
imports this module at every parse, so the store is imported only when a run ends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from maa.audit import clock
from maa.audit.definitions import AuditDefinition

log = logging.getLogger(__name__)

FIRST_STEP = "prepare_audit"


def is_rehearsal(context: Mapping[str, Any]) -> bool:
    """The run's own setting (its params, or its conf where a callback's context has no params)."""
    conf = getattr(context.get("dag_run"), "conf", None) or {}
    params = context.get("params") or conf
    return float(params.get("rehearsal_seconds_per_week") or 0) > 0


def record_withdrawal(context: Mapping[str, Any], definition: AuditDefinition) -> None:
    """The moment this run applied the audit's withdrawal; a later task of the run records nothing more."""
    from maa.pipeline.context import task_store
    from maa.privacy.endings import Ending, record_ending

    if is_rehearsal(context):
        return
    if record_ending(task_store(), definition.ref, str(context["run_id"]), Ending.withdrawn, clock.now(),
                     "withdrawn in its definition: the rest of the run skipped"):
        log.info("%s: withdrawal recorded for run %s", definition.ref, context["run_id"])


def record_run_end(context: Mapping[str, Any]) -> None:
    """on_success_callback and on_failure_callback of an audit's DAG: the run ended; unless QiiP approved the
    audit (the approval is its end), record when, from the run's end date."""
    from maa.audit.lookup import definition_for_dag
    from maa.pipeline.context import task_store
    from maa.privacy.endings import Ending, record_ending
    from maa.signoff.decisions import approval

    found = definition_for_dag(context["dag"].dag_id)
    if found is None or is_rehearsal(context):
        return
    ref, store = found[1].ref, task_store()
    if approval(store, ref) is not None:
        return
    run_id = str(context["run_id"])
    ended: datetime = getattr(context.get("dag_run"), "end_date", None) or clock.now()
    if record_ending(store, ref, run_id, Ending.without_approval, ended,
                     f"run {run_id} ended ({context.get('reason') or 'done'}) without QiiP's approval"):
        log.info("%s: run %s ended at %s without QiiP's approval", ref, run_id, ended.isoformat())


def record_run_resumed(context: Mapping[str, Any], definition: AuditDefinition) -> None:
    """A task of a run that was recorded as ended (it failed) runs again: the run goes on, and retention must
    not count from that failure."""
    from maa.pipeline.context import task_store
    from maa.privacy.endings import reopen_run

    ti = context.get("ti")
    run_id = context.get("run_id") or getattr(ti, "run_id", None)
    if run_id is None or is_rehearsal(context) or getattr(ti, "task_id", None) == FIRST_STEP:
        return  # the first step migrates the store before anything reads it; the run's next task reopens
    if reopen_run(task_store(), definition.ref, str(run_id)):
        log.info("%s: run %s goes on after its recorded end: that end no longer counts", definition.ref, run_id)
