"""The DAG factory: one DAG per audit definition.

The DAG files stay thin: `dags/maa_audits.py` asks `audit_dags()` for every
valid definition's DAG, and `dags/maa_definition_errors.py` calls
`raise_definition_errors()`, so a broken definition shows as an import error
naming its file while every other audit's DAG still loads.

Airflow's task runner parses the whole DAG file to run one task, with the
parsing context naming the DAG it wants: then only that audit's definition is
read and its DAG built, so a task start costs the same with 1 audit or 200.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

from airflow.sdk import DAG, Asset, Param, TaskGroup, get_parsing_context
from airflow.sdk.definitions.param import ParamsDict

from maa.audit.definitions import AuditDefinition, AuditType, definition_files, load_all
from maa.audit.lookup import definition_for_dag
from maa.config import settings
from maa.pipeline import report_tasks, tasks
from maa.pipeline.alerts import notify_operator
from maa.pipeline.docs import doc_md
from maa.pipeline.operators import (
    AnalysisSensor,
    AuditStepOperator,
    MilestoneSensor,
    NominationsSensor,
    ReturnSensor,
)
from maa.pipeline.permissions import access_control_unwarned, audit_access_control, when_applied
from maa.pipeline.run_end import record_run_end
from maa.pipeline.signoff import SignoffOperator, comment_param
from maa.signoff.decisions import MAX_ROUNDS

DEFAULT_ARGS = {
    "owner": "business-unit",
    "on_failure_callback": notify_operator,
    "retries": 3,
    # The first retry's wait, doubling after each (a mail server down for a while, a store restarting).
    "retry_delay": timedelta(seconds=settings().retry_delay_seconds),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


class AuditDefinitionsError(ValueError):
    """Raised at parse time by the errors DAG file; Airflow shows it as an import error."""


def build_dag(definition: AuditDefinition, path: Path) -> DAG:
    file_name = path.name
    with access_control_unwarned(), DAG(
        dag_id=definition.dag_id,
        description=f"{definition.type} {definition.ref}: {definition.title}",
        dag_display_name=f"{definition.ref}: {definition.title}",  # what DAG cards and lists show, not the id
        doc_md=doc_md(definition, file_name),
        schedule=None,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        on_success_callback=record_run_end,  # an end without approval starts retention's days
        on_failure_callback=record_run_end,
        tags=["multi-agency-audit", str(definition.type), definition.status.value],
        # Who may see, start and answer in this audit: its agencies' coordinators, the Business Unit, QiiP.
        access_control=when_applied(audit_access_control(definition)),
    ) as dag:
        step = partial(AuditStepOperator, definition_file=file_name)
        with _phase("phase_1_preparation", "Phase 1: the notice, the case list, the audit packs"):
            prepared = step(step=tasks.prepare_audit)
            notice_date = MilestoneSensor(task_id="wait_for_notice_date", milestone="notice_issued",
                                          definition_file=file_name)
            notice = step(step=tasks.send_notice)
            packs = step(step=tasks.build_audit_packs)
            prepared >> notice_date >> notice
            if not definition.has_cases:  # a PAA, or a thematic MATA: no case list to wait for
                notice >> packs
            else:
                nominations = NominationsSensor(task_id="receive_nominations", definition_file=file_name)
                notice >> nominations >> packs
            packs_sent = step(step=tasks.send_audit_packs)
            packs >> packs_sent
        with _phase("phase_2_returns", "Phase 2: each agency's return, the deadline, no returns"):
            deadline, returns_closed = _agency_returns(step, file_name, packs, packs_sent)
        with _phase("phase_3_findings", "Phase 3: the practitioner pack, the chair's briefing and analysis"):
            if definition.type is AuditType.PAA:  # the year's data: in the chair's briefing, and again before the draft
                returns_closed >>= step(step=tasks.receive_data_extracts, trigger_rule="none_failed")
            analysis = _findings_meeting(step, file_name, deadline, returns_closed)
            if definition.type is AuditType.PAA:
                analysis >>= step(step=tasks.receive_data_extracts, task_id="receive_late_data_extracts")
        with _phase("phase_4_signoff", "Phase 4: drafts, the Business Unit's and QiiP's decisions, the final report"):
            _signoff(step, definition, file_name, analysis)
    # Set once the tasks exist: a DAG's params are deep-copied into every task built inside it, and each copy
    # is validated again whenever the DAG is serialised. Tasks see them all the same (the run's params are
    # the DAG's merged with the task's own).
    dag.params = ParamsDict(run_params())
    return dag


def _phase(group_id: str, tooltip: str) -> TaskGroup:
    """A phase the graph view folds, so a laptop-wide screen shows the audit's shape. Its tasks keep their
    ids (no group prefix): the docs, the UI's links and every test name them so."""
    return TaskGroup(group_id=group_id, tooltip=tooltip, prefix_group_id=False)


def run_params() -> dict[str, Param]:
    """What the Business Unit may set when it triggers an audit; fresh for each DAG (a run's values land in
    its Param objects)."""
    return {
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Write every email to output/outbox/dry-run only and record none, "
                                     "so a later real run still sends them."),
        "rehearsal_seconds_per_week": Param(
            0, type="number", minimum=0, title="Rehearsal: seconds per week",
            description="0 for a real audit. Otherwise a training run: each week of the timetable lasts "
                        "this many seconds of the run's idle time (audit time stands still while the run "
                        "works), from the run's start, which stands for the notice date at 09:00; emails and "
                        "reports say REHEARSAL."),
    }


def _agency_returns(step, file_name: str, packs, packs_sent):
    """Phase 2: one return sensor per agency; the deadline summary; no-return escalation after grace."""
    returns = ReturnSensor.partial(
        task_id="receive_return", definition_file=file_name, map_index_template="{{ task.agency_code }}",
    ).expand(agency_code=packs.output)  # the agencies whose packs were built
    deadline = MilestoneSensor(task_id="wait_for_submission_deadline", milestone="submission_deadline",
                               until_day_end=True, definition_file=file_name)
    packs_sent >> [returns, deadline]
    deadline >> step(step=tasks.escalate_missing_returns)
    returns_closed = step(step=tasks.report_no_returns, trigger_rule="none_failed")
    returns >> returns_closed
    return deadline, returns_closed


def _findings_meeting(step, file_name: str, deadline, returns_closed):
    """Phase 3: the practitioner pack at the deadline; once every agency has returned or the grace period
    is over, the chair's briefing, and (after the pack) an addendum; then the chair's analysis."""
    pack = step(step=report_tasks.send_practitioner_pack)
    deadline >> pack
    briefing = step(step=report_tasks.send_chair_briefing, trigger_rule="none_failed")
    returns_closed >> briefing
    [returns_closed, pack] >> step(step=report_tasks.send_late_returns_addendum,  # what the pack did not carry
                                   trigger_rule="none_failed")
    analysis = AnalysisSensor(task_id="receive_chair_analysis", definition_file=file_name)
    briefing >> analysis
    return analysis


def _signoff(step, definition: AuditDefinition, file_name: str, analysis) -> None:
    """Phase 4: up to three rounds of draft, Business Unit QA, then QiiP; the final report once approved.

    Each decision branches to its own landing task (approved, or changes requested by whom), so that a
    branch skipping the path it did not choose never skips a task another round still needs.
    """
    from airflow.providers.standard.operators.empty import EmptyOperator

    asset = Asset(name=f"audit_overview_report_{definition.dag_id.removeprefix('maa_')}")
    publish = step(step=report_tasks.publish_final_report, trigger_rule="none_failed_min_one_success",
                   outlets=[asset])
    previous_requests: list = []
    upstream = analysis
    for round_number in range(1, MAX_ROUNDS + 1):
        group_id = f"round_{round_number}"
        with TaskGroup(group_id=group_id):
            if previous_requests:
                changes = step(step=report_tasks.send_changes_to_chair, step_args=(round_number - 1,),
                               trigger_rule="none_failed_min_one_success")
                revised = AnalysisSensor(task_id="receive_revised_analysis", definition_file=file_name,
                                         revision_round=round_number)
                previous_requests >> changes >> revised
                upstream = revised
            draft = step(step=report_tasks.build_draft_report, step_args=(round_number,))
            upstream >> draft
            approved_by_qiip = EmptyOperator(task_id="approved_by_qiip")
            requests, before = [], draft
            for stage, who in (("bu_quality_assurance", "bu"), ("qiip_signoff", "qiip")):
                asked = EmptyOperator(task_id=f"changes_requested_by_{who}")
                approve_to = f"{group_id}.qiip_signoff" if who == "bu" else approved_by_qiip.task_id
                decide = SignoffOperator(task_id=stage, stage=stage, round_number=round_number,
                                         definition_file=file_name, approve_to=approve_to, changes_to=asked.task_id,
                                         summary_task_id=draft.task_id, params=comment_param())
                before >> decide >> asked
                requests.append(asked)
                before = decide
            before >> approved_by_qiip >> publish
        if round_number == 1:
            reminder = MilestoneSensor(task_id="wait_for_signoff_due", milestone="signoff_due",
                                       until_day_end=True, definition_file=file_name)
            draft >> reminder >> step(step=report_tasks.remind_qiip_of_signoff)
        previous_requests = requests
    previous_requests >> step(step=report_tasks.alert_rounds_exhausted, trigger_rule="none_failed_min_one_success")


def audit_dags(folder: Path | None = None) -> dict[str, DAG]:
    """Every valid definition's DAG; at a task start, only the DAG of the task (none if it is not an audit's)."""
    if (wanted := get_parsing_context().dag_id) is not None:
        if (found := definition_for_dag(wanted, folder)) is None:
            return {}
        path, definition = found
        return {definition.dag_id: build_dag(definition, path)}
    loaded = load_all(definition_files(folder))
    return {d.dag_id: build_dag(d, path) for path, d in loaded.definitions.items()}


def raise_definition_errors(folder: Path | None = None) -> None:
    """The import error naming every unusable definition; nothing at a task start, which runs an audit whose
    definition was usable when its DAG was parsed (the DAG processor keeps reporting the others)."""
    if get_parsing_context().dag_id is not None:
        return
    errors = load_all(definition_files(folder)).errors
    if errors:
        raise AuditDefinitionsError(
            f"{len(errors)} audit definition file(s) cannot be used; every other audit's DAG is loaded.\n"
            + "\n".join(error.describe() for error in errors.values())
        )
