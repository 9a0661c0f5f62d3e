"""Triggers run in the triggerer: waiting costs no worker slot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from maa.audit import clock
from maa.intake import inbox

# A trigger that fires within seconds of its task deferring can have the resumed task failed by the
# executor's stale "success" for the deferral (apache/airflow#72716, open in 3.3). Holding the first
# firing this long after the trigger starts keeps clear of it; a retry would recover anyway.
HOLD_SECONDS = 15.0


class InboxTrigger(BaseTrigger):
    """Fires when a watched inbox file (an ObjectStoragePath URL) has settled, or at `wake_at` (ISO)."""

    def __init__(self, paths: list[str], wake_at: str | None, poll_seconds: float, hold_seconds: float = HOLD_SECONDS):
        super().__init__()
        self.paths = paths
        self.wake_at = wake_at
        self.poll_seconds = poll_seconds
        self.hold_seconds = hold_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("maa.pipeline.triggers.InboxTrigger",
                {"paths": self.paths, "wake_at": self.wake_at, "poll_seconds": self.poll_seconds,
                 "hold_seconds": self.hold_seconds})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        await asyncio.sleep(self.hold_seconds)
        wake_at = datetime.fromisoformat(self.wake_at) if self.wake_at else None
        from airflow.sdk import ObjectStoragePath

        watched = [ObjectStoragePath(p) for p in self.paths]
        while True:
            arrived = [str(p) for p in await asyncio.to_thread(lambda: [p for p in watched if inbox.is_settled(p)])]
            if arrived:
                yield TriggerEvent({"reason": "file", "paths": arrived})
                return
            if wake_at is not None and clock.now() >= wake_at:
                yield TriggerEvent({"reason": "time"})
                return
            await asyncio.sleep(self.poll_seconds)
