"""A rehearsal's busy ledger in the store: spans opened and closed by task instance, one run's apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from maa.audit.busy import RunLedger
from maa.audit.clock import WAITING, AuditClock
from maa.config import LONDON
from maa.outputs.store import Store

RUN = "maa_mata_2026_01/manual__2026-06-01"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path}/s.sqlite")


def test_a_look_is_busy_while_it_works_and_closes_what_a_trigger_opened_for_it(store: Store) -> None:
    ledger = RunLedger(store, RUN)
    start = datetime.now(UTC)
    ledger.open("receive_return[1]", at=start)  # the trigger noticed POL's file
    other = RunLedger(store, "maa_mata_2026_01/manual__other")
    other.open("receive_return[1]", at=start)
    with ledger.busy("receive_return[1]"):  # POL's look takes it
        assert [kind for kind, _, end, _ in ledger.spans() if end is None] == ["busy"], "the trigger's span handed on"
    ledger.waiting("receive_return[1]", None)  # it parks until its next look
    assert [kind for kind, _, end, _ in ledger.spans() if end is None] == ["waiting"]
    with ledger.busy("receive_return[1]"):
        pass
    assert all(end is not None and end >= start for _, _, end, _ in ledger.spans())
    assert [end for _, _, end, _ in other.spans()] == [None], "another run's ledger is its own"


def test_a_step_that_fails_still_ends_its_span(store: Store) -> None:
    ledger = RunLedger(store, RUN)
    with pytest.raises(RuntimeError), ledger.busy("send_notice[-1]"):
        raise RuntimeError("the mail server is down")
    ((_, _, end, _),) = ledger.spans()
    assert end is not None


def test_the_clock_reads_the_ledger_from_the_store(store: Store) -> None:
    ledger = RunLedger(store, RUN)
    start = datetime.now(UTC) - timedelta(seconds=40)
    origin = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    ledger.open("wait_for_submission_deadline[-1]", WAITING, at=start, target=origin + timedelta(weeks=7))
    ledger.open("build_audit_packs[-1]", at=start + timedelta(seconds=10))
    ledger.close("build_audit_packs[-1]", at=start + timedelta(seconds=30))
    clock = AuditClock(seconds_per_week=10, run_start=start, origin=origin, ledger=ledger)
    assert clock.from_wall_clock(start + timedelta(seconds=35)) == origin + timedelta(weeks=1.5)
    assert clock.to_wall_clock(origin + timedelta(weeks=1.5)) == start + timedelta(seconds=35)
