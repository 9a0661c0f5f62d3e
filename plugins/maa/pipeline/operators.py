"""The audit's operators: one that runs a step, and waits that defer to the triggerer, so an audit
waiting for weeks holds no worker slot.

Each wait reads the audit definition afresh, so an edit (a date moved, a
coordinator replaced, `status: paused` or `withdrawn`) takes effect at the
audit's next wait; a long wait is cut into slices to notice edits meanwhile.
Targets are in audit time (see `maa.audit.clock`), handed to triggers as wall-clock moments, or, in a
rehearsal, as audit time that the trigger converts through the run's busy ledger at every poll. Each
step and each look is a busy span of the run: in a rehearsal, audit time stands still meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowRescheduleException, AirflowSkipException

from maa import config
from maa.audit import clock
from maa.audit.definitions import Status
from maa.audit.timetable import at_send_time, end_of_day

if TYPE_CHECKING:
    from airflow.sdk import Context

    from maa.pipeline.context import AuditContext

log = logging.getLogger(__name__)

RECHECK = timedelta(hours=6)
PAUSED_RECHECK = timedelta(hours=1)
# A wait this short is slept through in the worker: deferring would cost more than it saves, and a
# trigger that fires at once can race the executor (see maa.pipeline.triggers.HOLD_SECONDS).
SHORT_WAIT = timedelta(seconds=20)


class AuditStepOperator(BaseOperator):
    """Runs one step of an audit: a function of the task's `AuditContext` (and any further arguments)
    from `maa.pipeline.tasks` or `report_tasks`, its return value the task's XCom.

    A classic operator rather than `@task`: an audit's DAG has some twenty steps, and each decorated
    task costs Airflow about twice as much to build at every parse of the DAG folder.
    """

    ui_color = "#f4f1e8"

    def __init__(self, *, step: Callable[..., Any], definition_file: str, step_args: tuple[Any, ...] = (),
                 **kwargs: Any):
        kwargs.setdefault("task_id", step.__name__)
        kwargs.setdefault("doc_md", step.__doc__)
        super().__init__(**kwargs)
        self.step = step
        self.definition_file = definition_file
        self.step_args = step_args

    def execute(self, context: Context) -> Any:
        from maa.pipeline.context import AuditContext

        audit = AuditContext.for_task(context, self.definition_file)
        with audit.busy():
            return self.step(audit, *self.step_args)


class _DefinitionAwareWait(BaseOperator):
    ui_color = "#e6f0fa"

    def __init__(self, *, definition_file: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.definition_file = definition_file

    def current_audit(self, context: Mapping[str, Any]) -> AuditContext:
        """The audit as its definition is now; waits while paused; skips the rest when withdrawn."""
        from maa.pipeline.context import AuditContext

        audit = AuditContext.for_task(context, self.definition_file)
        if audit.definition.status is Status.paused:
            self.log.info("%s is paused: looking again in %s", audit.definition.ref, PAUSED_RECHECK)
            self.park(context, clock.now() + audit.clock.wall_clock_delta(PAUSED_RECHECK))
        return audit

    def park(self, context: Mapping[str, Any], moment: datetime) -> NoReturn:
        """Look again at the wall-clock `moment`, holding no worker slot meanwhile (under dag.test(), which
        would run the trigger inline and nothing else meanwhile, rescheduled instead)."""
        from maa.pipeline.context import runs_triggers_inline

        if runs_triggers_inline(context):
            raise AirflowRescheduleException(moment.astimezone(UTC))
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        self.defer(trigger=DateTimeTrigger(moment=moment), method_name="resume")

    def wait(self, context: Mapping[str, Any], audit: AuditContext, wake_at: datetime | None,
             inbox_file: str | None = None) -> NoReturn:
        """Wait until `wake_at` (audit time) or until `inbox_file` settles in the inbox, at most one slice.

        In a rehearsal the trigger converts `wake_at` through the run's busy ledger at every poll, so a
        step working meanwhile moves the moment later; under dag.test() the task is rescheduled instead,
        at the moment as the ledger gives it now (its next look asks again).
        """
        from maa.pipeline.context import run_key, runs_triggers_inline, task_key
        from maa.pipeline.triggers import InboxTrigger, RehearsalWake

        audit.waiting(wake_at)
        poll = config.settings().inbox_poll_seconds
        recheck = clock.now() + RECHECK
        wake = min(recheck, audit.clock.to_wall_clock(wake_at)) if wake_at else recheck
        if runs_triggers_inline(context):
            self.park(context, min(wake, clock.now() + timedelta(seconds=poll)) if inbox_file else wake)
        rehearsal = None
        if audit.clock.rehearsal and wake_at is not None:
            rehearsal = RehearsalWake.of(audit.clock, run_key(context), task_key(context), wake_at)
            wake = recheck
        if inbox_file is None and rehearsal is None:
            self.park(context, wake)
        self.defer(trigger=InboxTrigger([inbox_file] if inbox_file else [], wake.isoformat(), poll,
                                        rehearsal=rehearsal), method_name="resume")

    def resume(self, context: Context, event: Any = None) -> Any:
        return self.execute(context)


class MilestoneSensor(_DefinitionAwareWait):
    """Waits for a milestone as the definition now gives it: 09:00 Europe/London on its date, or, with
    `until_day_end`, the end of that day (something due on a date is on time until then)."""

    def __init__(self, *, milestone: str, until_day_end: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.milestone = milestone
        self.until_day_end = until_day_end

    def execute(self, context: Context) -> str:
        from maa.pipeline.context import runs_triggers_inline

        while True:
            audit = self.current_audit(context)
            definition = audit.definition
            day = definition.timetable[self.milestone]
            target = end_of_day(day) if self.until_day_end else at_send_time(day)
            with audit.busy():
                reached = audit.clock.now() >= target
            if reached:
                self.log.info("%s: %s was %s", definition.ref, self.milestone, target.isoformat())
                return target.isoformat()
            self.log.info("%s: waiting for %s at %s", definition.ref, self.milestone, target.isoformat())
            wake = min(audit.clock.to_wall_clock(target), clock.now() + RECHECK)
            if runs_triggers_inline(context) or wake - clock.now() > SHORT_WAIT:
                self.wait(context, audit, target)
            audit.waiting(target)
            time.sleep(max(0.0, (wake - clock.now()).total_seconds()))


class NominationsSensor(_DefinitionAwareWait):
    """Waits for the nominating agency's case list, validating each file that arrives.

    A refused file is quarantined and its reasons emailed; the wait goes on
    until a corrected file is accepted. Halfway through the notice period the
    nominating agency is reminded, at its end the Business Unit is told; the
    audit waits rather than fails.
    """

    ui_color = "#fdf0d5"

    def execute(self, context: Context) -> str:
        from maa.pipeline.resources import pseudonym_key
        from maa.preparation.case_list import receive_nominations

        audit = self.current_audit(context)
        with audit.busy():
            state = receive_nominations(audit.definition, audit.store, audit.mailer, audit.clock.now(),
                                        key=pseudonym_key, inbox_root=audit.inbox)
        if state.accepted:
            return "accepted"
        self.wait(context, audit, state.next_reminder_at, state.inbox_file)


class ReturnSensor(_DefinitionAwareWait):
    """Waits for one agency's return (mapped over the audit's agencies), validating each file that arrives.

    It ends when a return is accepted, or as "no return" (skipped, so the grid shows it) once the
    agency's deadline and grace period have passed; reminders go out on the way.
    """

    ui_color = "#e3f4e8"

    def __init__(self, *, agency_code: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.agency_code = agency_code

    def execute(self, context: Context) -> str:
        from maa.returns.receiving import ReturnStatus, receive_return

        audit = self.current_audit(context)
        with audit.busy():
            state = receive_return(audit.definition, audit.store, audit.mailer, self.agency_code,
                                   audit.clock.now(), audit.clock, inbox_root=audit.inbox)
        if state.status is ReturnStatus.NO_RETURN:
            raise AirflowSkipException(f"{self.agency_code}: no return accepted by the end of the grace period")
        if state.status is not ReturnStatus.WAITING:
            return str(state.status)
        self.wait(context, audit, state.wake_at, state.inbox_file)


class AnalysisSensor(_DefinitionAwareWait):
    """Waits for the chair's analysis workbook (and optional narrative), validating each file that arrives.

    The first round chases the chair three working days before `chair_report_due` and tells the
    Business Unit when it is late; a revision round waits for a version newer than the one sent back.
    """

    ui_color = "#efe6f7"

    def __init__(self, *, revision_round: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.revision_round = revision_round

    def execute(self, context: Context) -> int:
        from maa.meeting.chair_analysis import receive_analysis
        from maa.signoff.drafts import revision_follows_version

        audit = self.current_audit(context)
        ref = audit.definition.ref
        with audit.busy():
            after = revision_follows_version(audit.store, ref, self.revision_round) if self.revision_round else 0
            state = receive_analysis(audit.definition, audit.store, audit.mailer, audit.clock.now(),
                                     after_version=after, chase=self.revision_round is None,
                                     inbox_root=audit.inbox)
        if state.accepted_version is not None:
            return state.accepted_version
        self.wait(context, audit, state.wake_at, state.inbox_file)
