"""Waiting operators: they defer to the triggerer, so an audit waiting for weeks holds no worker slot.

Each wait reads the audit definition afresh, so an edit (a date moved, a
coordinator replaced, `status: paused` or `withdrawn`) takes effect at the
audit's next wait; a long wait is cut into slices to notice edits meanwhile.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException

from maa import clock
from maa.definitions import AuditDefinition, Status, load_current
from maa.timetable import at_send_time

RECHECK = timedelta(hours=6)
PAUSED_RECHECK = timedelta(hours=1)


def _seconds(variable: str, default: float) -> float:
    return float(os.environ.get(variable, default))


class _DefinitionAwareWait(BaseOperator):
    ui_color = "#e6f0fa"

    def __init__(self, *, definition_file: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.definition_file = definition_file

    def current_definition(self) -> AuditDefinition | None:
        """The definition now; None while paused (after deferring); skips when withdrawn."""
        definition = load_current(self.definition_file)
        if definition.status is Status.withdrawn:
            raise AirflowSkipException(f"{definition.ref} is withdrawn: the rest of the audit is skipped")
        return definition

    def defer_until(self, moment: datetime) -> None:
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        self.defer(trigger=DateTimeTrigger(moment=moment), method_name="resume")

    def pause_if_paused(self, definition: AuditDefinition) -> None:
        if definition.status is Status.paused:
            self.log.info("%s is paused: looking again in %s", definition.ref, PAUSED_RECHECK)
            self.defer_until(clock.now() + PAUSED_RECHECK)

    def resume(self, context: Any, event: Any = None) -> Any:
        return self.execute(context)


class MilestoneSensor(_DefinitionAwareWait):
    """Waits until 09:00 Europe/London on a milestone's date, as the definition now gives it."""

    def __init__(self, *, milestone: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.milestone = milestone

    def execute(self, context: Any) -> str:
        definition = self.current_definition()
        self.pause_if_paused(definition)
        target = at_send_time(definition.timetable[self.milestone])
        now = clock.now()
        if now >= target:
            self.log.info("%s: %s was %s", definition.ref, self.milestone, target.isoformat())
            return target.isoformat()
        self.log.info("%s: waiting for %s at %s", definition.ref, self.milestone, target.isoformat())
        self.defer_until(min(target, now + RECHECK))
        return ""


class NominationsSensor(_DefinitionAwareWait):
    """Waits for the nominating agency's case list, validating each file that arrives.

    A refused file is quarantined and its reasons emailed; the wait goes on
    until a corrected file is accepted. Halfway through the notice period the
    nominating agency is reminded, at its end the Business Unit is told; the
    audit waits rather than fails.
    """

    ui_color = "#fdf0d5"

    def execute(self, context: Any) -> str:
        from maa.mailer import Mailer
        from maa.phase1 import receive_nominations
        from maa.pipeline.triggers import InboxTrigger
        from maa.store import Store

        definition = self.current_definition()
        self.pause_if_paused(definition)
        store = Store()
        now = clock.now()
        state = receive_nominations(definition, store, Mailer(store, dry_run=is_dry_run(context)), now)
        if state.accepted:
            return "accepted"
        wake_at = min(t for t in (state.next_reminder_at, now + RECHECK) if t is not None)
        self.defer(
            trigger=InboxTrigger([state.inbox_file], wake_at.isoformat(),
                                 _seconds("MAA_INBOX_POLL_SECONDS", 300)),
            method_name="resume",
        )
        return "waiting"


def is_dry_run(context: Any) -> bool:
    return bool((context.get("params") or {}).get("dry_run", False))

