"""The DAG factory: one DAG per audit definition.

The DAG files stay thin: `dags/maa_audits.py` asks `audit_dags()` for every
valid definition's DAG, and `dags/maa_definition_errors.py` calls
`raise_definition_errors()`, so a broken definition shows as an import error
naming its file while every other audit's DAG still loads.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from airflow.sdk import DAG, Param

from maa.definitions import AuditDefinition, AuditType, load_all
from maa.pipeline import tasks
from maa.pipeline.docs import doc_md
from maa.pipeline.operators import MilestoneSensor, NominationsSensor, ReturnSensor

DEFAULT_ARGS = {
    "owner": "business-unit",
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


class AuditDefinitionsError(ValueError):
    """Raised at parse time by the errors DAG file; Airflow shows it as an import error."""


def build_dag(definition: AuditDefinition, path: Path) -> DAG:
    file_name = path.name
    with DAG(
        dag_id=definition.dag_id,
        description=f"{definition.type} {definition.ref}: {definition.title}",
        doc_md=doc_md(definition, file_name),
        schedule=None,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["multi-agency-audit", str(definition.type), definition.status.value],
        params={
            "dry_run": Param(False, type="boolean", title="Dry run",
                             description="Write every email to output/outbox/dry-run only and record none, "
                                         "so a later real run still sends them."),
            "rehearsal_seconds_per_week": Param(
                0, type="number", minimum=0, title="Rehearsal: seconds per week",
                description="0 for a real audit. Otherwise a training run: each week of the timetable lasts "
                            "this many seconds from the run's start, which stands for the notice date at 09:00; "
                            "emails and reports say REHEARSAL."),
        },
    ) as dag:
        prepared = tasks.prepare_audit(file_name)
        notice_date = MilestoneSensor(task_id="wait_for_notice_date", milestone="notice_issued",
                                      definition_file=file_name)
        notice = tasks.send_notice(file_name)
        packs = tasks.build_audit_packs(file_name)
        prepared >> notice_date >> notice
        if definition.type is AuditType.PAA:
            notice >> packs
        else:
            nominations = NominationsSensor(task_id="receive_nominations", definition_file=file_name)
            notice >> nominations >> packs
        packs_sent = tasks.send_audit_packs(file_name)
        packs >> packs_sent
        _agency_returns(file_name, packs, packs_sent)
    return dag


def _agency_returns(file_name: str, agency_codes, packs_sent) -> None:
    """Phase 2: one return sensor per agency; the deadline summary; no-return escalation after grace."""
    returns = ReturnSensor.partial(
        task_id="receive_return", definition_file=file_name, map_index_template="{{ task.agency_code }}",
    ).expand(agency_code=agency_codes)
    deadline = MilestoneSensor(task_id="wait_for_submission_deadline", milestone="submission_deadline",
                               until_day_end=True, definition_file=file_name)
    packs_sent >> [returns, deadline]
    deadline >> tasks.escalate_missing_returns(file_name)
    returns >> tasks.report_no_returns(file_name)


def audit_dags(folder: Path | None = None) -> dict[str, DAG]:
    from maa.definitions import definition_files

    loaded = load_all(definition_files(folder))
    return {d.dag_id: build_dag(d, path) for path, d in loaded.definitions.items()}


def raise_definition_errors(folder: Path | None = None) -> None:
    from maa.definitions import definition_files

    errors = load_all(definition_files(folder)).errors
    if errors:
        raise AuditDefinitionsError(
            f"{len(errors)} audit definition file(s) cannot be used; every other audit's DAG is loaded.\n"
            + "\n".join(error.describe() for error in errors.values())
        )
