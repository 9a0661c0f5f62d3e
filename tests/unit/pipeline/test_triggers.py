"""The inbox trigger in a rehearsal: it reads the run's busy ledger as it polls, so a target in audit time is
not reached while the run works, and a file it notices holds audit time until the task has taken it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from maa.audit.busy import RunLedger
from maa.audit.clock import AuditClock
from maa.config import LONDON
from maa.outputs.store import Store
from maa.pipeline.triggers import InboxTrigger, RehearsalWake
from tests.helpers.definitions import AuditFolders

RUN, WHO = "maa_mata_2026_01/manual__1", "receive_return[5]"
ORIGIN = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)


def trigger(clock: AuditClock, wake_at: datetime, paths: list[str] = ()) -> InboxTrigger:
    return InboxTrigger(list(paths), (datetime.now(UTC) + timedelta(hours=6)).isoformat(), 0.05, hold_seconds=0,
                        rehearsal=RehearsalWake.of(clock, RUN, WHO, wake_at))


async def first_event(waiting: InboxTrigger):
    async for event in waiting.run():
        return event.payload
    return None


def test_a_target_is_not_reached_while_the_run_works_and_is_once_it_stops(folders: AuditFolders) -> None:
    ledger = RunLedger(Store(), RUN)
    clock = AuditClock(seconds_per_week=1, run_start=datetime.now(UTC), origin=ORIGIN, ledger=ledger)
    ledger.waiting(WHO, ORIGIN + timedelta(days=1))
    ledger.open("build_audit_packs[-1]")  # working from the start: no audit time passes

    async def scenario():
        waiting = asyncio.ensure_future(first_event(trigger(clock, ORIGIN + timedelta(days=1))))
        await asyncio.sleep(1.0)  # seven times as long as the target is away in idle time
        assert not waiting.done(), "fired while the run was working"
        await asyncio.to_thread(ledger.close, "build_audit_packs[-1]")
        return await asyncio.wait_for(waiting, timeout=60)

    assert asyncio.run(scenario()) == {"reason": "time"}
    assert clock.now() >= ORIGIN + timedelta(days=1)


def test_a_file_noticed_holds_audit_time_until_its_task_has_looked(folders: AuditFolders) -> None:
    ledger = RunLedger(Store(), RUN)
    clock = AuditClock(seconds_per_week=1, run_start=datetime.now(UTC), origin=ORIGIN, ledger=ledger)
    ledger.waiting(WHO, ORIGIN + timedelta(weeks=9))
    returned = folders.inbox("MATA-2026-01") / "PROB.xlsx"
    returned.write_bytes(b"a return")
    event = asyncio.run(first_event(trigger(clock, ORIGIN + timedelta(weeks=9), [f"file://{returned}"])))
    assert event == {"reason": "file", "paths": [f"file://{returned}"]}
    held = clock.now()
    assert clock.now() == held, "noticed, not yet taken: audit time stands still"
    with ledger.busy(WHO):  # the task's look takes the file
        pass
    assert all(end is not None for _, _, end, _ in ledger.spans())
