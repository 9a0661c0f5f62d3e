"""Triggers run in the triggerer: waiting costs no worker slot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from maa.audit import clock
from maa.intake import inbox

# A trigger that fires within seconds of its task deferring can have the resumed task failed by the
# executor's stale "success" for the deferral (apache/airflow#72716, open in 3.3). Holding the first
# firing this long after the trigger starts keeps clear of it; a retry would recover anyway.
HOLD_SECONDS = 15.0


@dataclass(frozen=True)
class RehearsalWake:
    """A rehearsal wait's target in audit time, and what the trigger needs to read the run's busy ledger."""

    seconds_per_week: float
    run_start: str
    origin: str
    run: str
    who: str
    wake_at: str

    @classmethod
    def of(cls, audit_clock: clock.AuditClock, run: str, who: str, wake_at: datetime) -> dict[str, Any]:
        if audit_clock.run_start is None or audit_clock.origin is None:
            raise ValueError("a rehearsal clock needs its run's start and the audit time it stands for")
        return asdict(cls(audit_clock.seconds_per_week, audit_clock.run_start.isoformat(),
                          audit_clock.origin.isoformat(), run, who, wake_at.isoformat()))

    def ledger(self) -> Any:
        from maa.audit.busy import RunLedger
        from maa.pipeline.context import task_store

        return RunLedger(task_store(), self.run)

    def clock(self, ledger: Any) -> clock.AuditClock:
        return clock.AuditClock(self.seconds_per_week, datetime.fromisoformat(self.run_start),
                                datetime.fromisoformat(self.origin), ledger)


class InboxTrigger(BaseTrigger):
    """Fires when a watched inbox file (an ObjectStoragePath URL) has settled, or at `wake_at` (ISO, wall
    clock); in a rehearsal also once audit time reaches `rehearsal`'s target, read afresh from the run's busy
    ledger at every poll (a step working meanwhile moves the moment later). A file noticed in a rehearsal
    opens a busy span for the task it wakes: audit time stands still until that task has taken it."""

    def __init__(self, paths: list[str], wake_at: str | None, poll_seconds: float, hold_seconds: float = HOLD_SECONDS,
                 rehearsal: dict[str, Any] | None = None):
        super().__init__()
        self.paths = paths
        self.wake_at = wake_at
        self.poll_seconds = poll_seconds
        self.hold_seconds = hold_seconds
        self.rehearsal = rehearsal

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("maa.pipeline.triggers.InboxTrigger",
                {"paths": self.paths, "wake_at": self.wake_at, "poll_seconds": self.poll_seconds,
                 "hold_seconds": self.hold_seconds, "rehearsal": self.rehearsal})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        await asyncio.sleep(self.hold_seconds)
        wake_at = datetime.fromisoformat(self.wake_at) if self.wake_at else None
        from airflow.sdk import ObjectStoragePath

        watched = [ObjectStoragePath(p) for p in self.paths]
        wake = RehearsalWake(**self.rehearsal) if self.rehearsal else None
        ledger = await asyncio.to_thread(wake.ledger) if wake else None
        while True:
            arrived = [str(p) for p in await asyncio.to_thread(lambda: [p for p in watched if inbox.is_settled(p)])]
            if arrived:
                if wake and ledger:
                    await asyncio.to_thread(ledger.open, wake.who)
                yield TriggerEvent({"reason": "file", "paths": arrived})
                return
            pause = self.poll_seconds
            if wake_at is not None and clock.now() >= wake_at:
                yield TriggerEvent({"reason": "time"})
                return
            if wake and ledger:
                due = await asyncio.to_thread(wake.clock(ledger).to_wall_clock, datetime.fromisoformat(wake.wake_at))
                left = (due - datetime.now(UTC)).total_seconds()
                if left <= 0:
                    yield TriggerEvent({"reason": "time"})
                    return
                pause = min(pause, left)  # the moment only ever moves later: looking then is never too early
            await asyncio.sleep(pause)
