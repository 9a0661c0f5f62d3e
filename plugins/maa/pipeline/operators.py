"""The audit's operators: one that runs a step, and waits that defer to the triggerer, so an audit
waiting for weeks holds no worker slot.

Each wait reads the audit definition afresh, so an edit (a date moved, a
coordinator replaced, `status: paused` or `withdrawn`) takes effect at the
audit's next wait; a long wait is cut into slices to notice edits meanwhile.
Targets are in audit time (see `maa.audit.clock`), handed to triggers as wall-clock moments.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from maa import config
from maa.audit import clock
from maa.audit.definitions import AuditDefinition, Status, load_current
from maa.audit.timetable import at_send_time, end_of_day

log = logging.getLogger(__name__)

RECHECK = timedelta(hours=6)
PAUSED_RECHECK = timedelta(hours=1)
# A wait this short is slept through in the worker: deferring would cost more than it saves, and a
# trigger that fires at once can race the executor (see maa.pipeline.triggers.HOLD_SECONDS).
SHORT_WAIT = timedelta(seconds=20)


def is_dry_run(context: Any) -> bool:
    return bool((context.get("params") or {}).get("dry_run", False))


def audit_clock(context: Any, definition: AuditDefinition) -> clock.AuditClock:
    return clock.for_run(context, at_send_time(definition.timetable["notice_issued"]))


def task_spool(context: Any) -> Path:
    """This task instance's own spool folder (shared by its tries, never by another task, so no two
    processes deliver the same spooled message); under the data folder, which every worker mounts."""
    ti = context["ti"]
    mapped = ti.map_index is not None and ti.map_index >= 0
    parts = [ti.dag_id, ti.run_id, ti.task_id + (f"-{ti.map_index}" if mapped else "")]
    return config.data_dir().joinpath("spool", *(re.sub(r"[^A-Za-z0-9._-]+", "_", part) for part in parts))


def make_mailer(context: Any, definition: AuditDefinition, store: Any, *, resume: bool = True) -> Any:
    """The audit task's mailer (its rehearsal and dry-run settings); see `task_mailer`."""
    return task_mailer(context, store, rehearsal=audit_clock(context, definition).rehearsal, resume=resume)


def task_mailer(context: Any, store: Any, *, rehearsal: bool = False, resume: bool = True) -> Any:
    """A task's mailer, spooling into the task's own folder; with `resume`, it first delivers what an earlier
    try of the task could not (the SMTP server was down): a retry owes those messages before anything else."""
    from maa.outputs.mailer import Mailer

    mailer = Mailer(store, dry_run=is_dry_run(context), rehearsal=rehearsal, spool=task_spool(context))
    if resume and (delivered := mailer.deliver_spooled()):
        log.info("Delivered %s message(s) an earlier try could not", delivered)
    return mailer


class AuditStepOperator(BaseOperator):
    """Runs one step of an audit: a plain function of the definition file (and any further arguments)
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

    def execute(self, context: Any) -> Any:
        return self.step(self.definition_file, *self.step_args)


class _DefinitionAwareWait(BaseOperator):
    ui_color = "#e6f0fa"

    def __init__(self, *, definition_file: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.definition_file = definition_file

    def current_definition(self, context: Any) -> tuple[AuditDefinition, clock.AuditClock]:
        """The definition and audit clock now; waits while paused; skips the rest when withdrawn."""
        definition = load_current(self.definition_file)
        if definition.status is Status.withdrawn:
            raise AirflowSkipException(f"{definition.ref} is withdrawn: the rest of the audit is skipped")
        audit = audit_clock(context, definition)
        if definition.status is Status.paused:
            self.log.info("%s is paused: looking again in %s", definition.ref, PAUSED_RECHECK)
            self.defer_until(clock.now() + audit.wall_clock_delta(PAUSED_RECHECK))
        return definition, audit

    def defer_until(self, moment: datetime) -> None:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        self.defer(trigger=DateTimeTrigger(moment=moment), method_name="resume")

    def wait_for_inbox(self, audit: clock.AuditClock, inbox_file: str, wake_at: datetime | None) -> None:
        """Defer until the file settles in the inbox or `wake_at` (audit time), at most one slice."""
        from maa.pipeline.triggers import InboxTrigger

        moments = [clock.now() + RECHECK] + ([audit.to_wall_clock(wake_at)] if wake_at else [])
        poll = config.settings().inbox_poll_seconds
        self.defer(trigger=InboxTrigger([inbox_file], min(moments).isoformat(), poll), method_name="resume")

    def resume(self, context: Any, event: Any = None) -> Any:
        return self.execute(context)


class MilestoneSensor(_DefinitionAwareWait):
    """Waits for a milestone as the definition now gives it: 09:00 Europe/London on its date, or, with
    `until_day_end`, the end of that day (something due on a date is on time until then)."""

    def __init__(self, *, milestone: str, until_day_end: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.milestone = milestone
        self.until_day_end = until_day_end

    def execute(self, context: Any) -> str:
        while True:
            definition, audit = self.current_definition(context)
            day = definition.timetable[self.milestone]
            target = end_of_day(day) if self.until_day_end else at_send_time(day)
            if audit.now() >= target:
                self.log.info("%s: %s was %s", definition.ref, self.milestone, target.isoformat())
                return target.isoformat()
            self.log.info("%s: waiting for %s at %s", definition.ref, self.milestone, target.isoformat())
            wake = min(audit.to_wall_clock(target), clock.now() + RECHECK)
            if wake - clock.now() > SHORT_WAIT:
                self.defer_until(wake)
            time.sleep(max(0.0, (wake - clock.now()).total_seconds()))


class NominationsSensor(_DefinitionAwareWait):
    """Waits for the nominating agency's case list, validating each file that arrives.

    A refused file is quarantined and its reasons emailed; the wait goes on
    until a corrected file is accepted. Halfway through the notice period the
    nominating agency is reminded, at its end the Business Unit is told; the
    audit waits rather than fails.
    """

    ui_color = "#fdf0d5"

    def execute(self, context: Any) -> str:
        from maa.outputs.store import Store
        from maa.preparation.case_list import receive_nominations

        definition, audit = self.current_definition(context)
        store = Store()
        state = receive_nominations(definition, store, make_mailer(context, definition, store), audit.now())
        if state.accepted:
            return "accepted"
        self.wait_for_inbox(audit, state.inbox_file, state.next_reminder_at)
        return "waiting"


class ReturnSensor(_DefinitionAwareWait):
    """Waits for one agency's return (mapped over the audit's agencies), validating each file that arrives.

    It ends when a return is accepted, or as "no return" (skipped, so the grid shows it) once the
    agency's deadline and grace period have passed; reminders go out on the way.
    """

    ui_color = "#e3f4e8"

    def __init__(self, *, agency_code: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.agency_code = agency_code

    def execute(self, context: Any) -> str:
        from maa.outputs.store import Store
        from maa.returns.receiving import NO_RETURN, receive_return

        definition, audit = self.current_definition(context)
        store = Store()
        state = receive_return(definition, store, make_mailer(context, definition, store), self.agency_code,
                               audit.now(), audit)
        if state.status == NO_RETURN:
            raise AirflowSkipException(f"{self.agency_code}: no return accepted by the end of the grace period")
        if state.status != "waiting":
            return state.status
        self.wait_for_inbox(audit, state.inbox_file, state.wake_at)
        return "waiting"


class AnalysisSensor(_DefinitionAwareWait):
    """Waits for the chair's analysis workbook (and optional narrative), validating each file that arrives.

    The first round chases the chair three working days before `chair_report_due` and tells the
    Business Unit when it is late; a revision round waits for a version newer than the one sent back.
    """

    ui_color = "#efe6f7"

    def __init__(self, *, revision_round: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.revision_round = revision_round

    def execute(self, context: Any) -> int:
        from maa.meeting.chair_analysis import receive_analysis
        from maa.outputs.store import Store
        from maa.signoff.drafts import revision_follows_version

        definition, audit = self.current_definition(context)
        store = Store()
        after = revision_follows_version(store, definition.ref, self.revision_round) if self.revision_round else 0
        state = receive_analysis(definition, store, make_mailer(context, definition, store), audit.now(),
                                 after_version=after, chase=self.revision_round is None)
        if state.accepted_version is not None:
            return state.accepted_version
        self.wait_for_inbox(audit, state.inbox_file, state.wake_at)
        return 0
