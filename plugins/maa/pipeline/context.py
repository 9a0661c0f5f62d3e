"""One audit task's resources, built once from the context the operator already holds.

A step receives an `AuditContext` (definition, store, mailer, audit clock, inbox, dry run) instead of
fetching Airflow's context from a global and opening its own store; the waits build one per look.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from airflow.sdk.exceptions import AirflowRescheduleException, AirflowSkipException

from maa import config
from maa.audit import clock
from maa.audit.busy import RunLedger
from maa.audit.definitions import AuditDefinition, Status, load_current
from maa.audit.timetable import at_send_time
from maa.intake.inbox import InboxRoot
from maa.outputs.mailer import Mailer
from maa.outputs.store import Store
from maa.pipeline import resources

log = logging.getLogger(__name__)

# How long a report built at a milestone waits for the outcome of files that landed before it: the agency's
# own wait looks at its inbox every poll, so this is the poll, the trigger's hold and a task start, with room.
OUTCOME_WAIT = 600.0
DAG_TEST_USER = "dag_test"  # the user dag.test() triggers its run as


@lru_cache(maxsize=4)
def _store_at(url: str) -> Store:
    return Store(url)


def task_store() -> Store:
    """The store for this process: opened (and its schema checked) once, then handed to every step."""
    return _store_at(resources.store_url())


def is_dry_run(context: Mapping[str, Any]) -> bool:
    return bool((context.get("params") or {}).get("dry_run", False))


def runs_triggers_inline(context: Mapping[str, Any]) -> bool:
    """dag.test() (and `airflow dags test`) runs a deferred task's trigger inline and no other task of the run
    meanwhile: there a task that waits for another hands the run back (it is rescheduled) instead, so the
    others take their turn as they would beside it in the real scheduler."""
    return getattr(context.get("dag_run"), "triggering_user_name", None) == DAG_TEST_USER


def run_key(context: Mapping[str, Any]) -> str:
    """The run a rehearsal's busy ledger belongs to."""
    ti = context["ti"]
    return f"{ti.dag_id}/{ti.run_id}"


def task_key(context: Mapping[str, Any]) -> str:
    """This task instance, as its busy spans name it (every try the same: a dead try's span ends at the next)."""
    ti = context["ti"]
    return f"{ti.task_id}[{ti.map_index if ti.map_index is not None else -1}]"


def audit_clock(context: Mapping[str, Any], definition: AuditDefinition, store: Store) -> clock.AuditClock:
    """The run's clock; a rehearsal's counts only the time its ledger shows nothing of the run working."""
    ledger = RunLedger(store, run_key(context)) if "ti" in context else None
    return clock.for_run(context, at_send_time(definition.timetable["notice_issued"]), ledger)


def task_spool(context: Mapping[str, Any]) -> Path:
    """This task instance's own spool folder (shared by its tries, never by another task, so no two
    processes deliver the same spooled message); under the data folder, which every worker mounts."""
    ti = context["ti"]
    mapped = ti.map_index is not None and ti.map_index >= 0
    parts = [ti.dag_id, ti.run_id, ti.task_id + (f"-{ti.map_index}" if mapped else "")]
    return config.data_dir().joinpath("spool", *(re.sub(r"[^A-Za-z0-9._-]+", "_", part) for part in parts))


def task_mailer(context: Mapping[str, Any], store: Store, *, rehearsal: bool = False, resume: bool = True) -> Mailer:
    """A task's mailer, spooling into the task's own folder; with `resume`, it first delivers what an earlier
    try of the task could not (the SMTP server was down): a retry owes those messages before anything else."""
    mailer = resources.mailer(store, dry_run=is_dry_run(context), rehearsal=rehearsal, spool=task_spool(context))
    if resume and (delivered := mailer.deliver_spooled()):
        log.info("Delivered %s message(s) an earlier try could not", delivered)
    return mailer


class AuditContext:
    """What every step of one audit's run works with; the mailer is made when a step first sends."""

    def __init__(self, context: Mapping[str, Any], definition: AuditDefinition, definition_file: str, *,
                 resume_spool: bool = True):
        self._context = context
        self._resume_spool = resume_spool
        self.definition = definition
        self.definition_file = definition_file
        self.store = task_store()
        self.clock = audit_clock(context, definition, self.store)
        self.dry_run = is_dry_run(context)
        self.inbox: InboxRoot = resources.inbox_root()

    @cached_property
    def mailer(self) -> Mailer:
        return task_mailer(self._context, self.store, rehearsal=self.clock.rehearsal, resume=self._resume_spool)

    @property
    def today(self) -> date:
        """The audit's day (in a rehearsal, the day the rehearsal has reached)."""
        return self.clock.now().date()

    @property
    def rehearsal(self) -> bool:
        return self.clock.rehearsal

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """This task works: in a rehearsal, audit time stands still meanwhile (see `maa.audit.clock`)."""
        ledger = self.clock.ledger
        if not isinstance(ledger, RunLedger):
            yield
            return
        with ledger.busy(task_key(self._context)):
            yield

    def waiting(self, target: datetime | None) -> None:
        """This task waits until its next look, for the audit time `target` (None: for a file only): in a
        rehearsal, audit time moves on meanwhile until `target`, then stands still until it looks."""
        if isinstance(self.clock.ledger, RunLedger):
            self.clock.ledger.waiting(task_key(self._context), target)

    @classmethod
    def for_task(cls, context: Mapping[str, Any], definition_file: str, *, resume_spool: bool = True) -> AuditContext:
        """The definition as it is now (a withdrawn audit skips whatever is left of its run)."""
        definition = load_current(definition_file)
        if definition.status is Status.withdrawn:
            from maa.pipeline.run_end import record_withdrawal

            record_withdrawal(context, definition)  # when it ended, for retention
            raise AirflowSkipException(f"{definition.ref} is withdrawn: the rest of the audit is skipped")
        from maa.pipeline.run_end import record_run_resumed

        record_run_resumed(context, definition)
        return cls(context, definition, definition_file, resume_spool=resume_spool)

    def await_landed_returns(self, milestone: str) -> list[str]:
        """Hold a report until every return that landed by the end of `milestone`'s day has its outcome (the
        agencies' own waits take them in), at most OUTCOME_WAIT seconds; the agencies still pending then."""
        from maa.audit.timetable import end_of_day
        from maa.returns.receiving import landed_awaiting_outcome

        by = end_of_day(self.definition.timetable[milestone])
        poll = max(0.5, min(config.settings().inbox_poll_seconds, 10.0))
        give_up = time.monotonic() + OUTCOME_WAIT
        while pending := landed_awaiting_outcome(self.definition, self.store, by, self.clock, self.inbox):
            if runs_triggers_inline(self._context):  # the waits that take them look only once this task yields
                log.info("%s: the return(s) from %s landed by %s: looking again once they are taken",
                         self.definition.ref, ", ".join(pending), by)
                raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=poll))
            if time.monotonic() >= give_up:
                log.warning("%s: built without the outcome of the return(s) from %s, which landed by %s",
                            self.definition.ref, ", ".join(pending), by)
                return pending
            time.sleep(poll)
        return []
