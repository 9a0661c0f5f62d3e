"""Audit time: the day a daily run acts for, in London, from its own dates, never the wall clock; a rehearsal's
audit time, which moves on only while nothing of the run works."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from maa.audit.clock import BUSY, WAITING, AuditClock, merged_spans, run_day
from maa.config import LONDON


@pytest.mark.parametrize(("context", "expected"), [
    ({"params": {"today": "2027-01-27"}, "logical_date": datetime(2030, 1, 1, tzinfo=UTC)}, date(2027, 1, 27)),
    ({"params": {"today": ""}, "data_interval_end": datetime(2026, 6, 30, 23, 0, tzinfo=UTC)}, date(2026, 7, 1)),
    ({"params": {}, "data_interval_end": None, "logical_date": datetime(2027, 6, 30, 23, 30, tzinfo=UTC)},
     date(2027, 7, 1)),
    ({"params": {}, "dag_run": SimpleNamespace(run_after=datetime(2026, 12, 31, 23, 59, tzinfo=UTC))},
     date(2026, 12, 31)),
])
def test_a_daily_run_acts_for_its_own_date_in_london_never_the_wall_clock(context: dict, expected: date) -> None:
    """One rule for the tracker and retention DAGs: midnight UTC in summer is already tomorrow in London."""
    assert run_day(context) == expected


START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # the run's start on the wall clock
ORIGIN = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)  # the notice date at 09:00 it stands for


class Spans:
    """A ledger as a list: what the store would hold. Seconds from START; waiting spans are (start, end,
    target in weeks from ORIGIN or None); one waits for a file for 100 s unless `waiting` says otherwise."""

    def __init__(self, *busy: tuple[float, float | None],
                 waiting: tuple[tuple[float, float | None, float | None], ...] = ((0, 100, None),)):
        self.rows = [(BUSY, at(s), None if e is None else at(e), None) for s, e in busy] + [
            (WAITING, at(s), None if e is None else at(e), None if w is None else ORIGIN + timedelta(weeks=w))
            for s, e, w in waiting]

    def spans(self) -> list:
        return self.rows


def rehearsal(ledger: Spans | None = None) -> AuditClock:
    return AuditClock(seconds_per_week=10, run_start=START, origin=ORIGIN, ledger=ledger)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_audit_time_moves_a_week_per_ten_idle_seconds_and_stands_still_while_the_run_works() -> None:
    clock = rehearsal(Spans((5, 25), (10, 15), (30, 32)))  # overlapping spans count once
    assert clock.from_wall_clock(at(5)) == ORIGIN + timedelta(days=3.5)
    assert clock.from_wall_clock(at(20)) == ORIGIN + timedelta(days=3.5), "busy: no audit time passes"
    assert clock.from_wall_clock(at(35)) == ORIGIN + timedelta(weeks=1.3)
    assert rehearsal().from_wall_clock(at(35)) == ORIGIN + timedelta(weeks=3.5), "no ledger: every second counts"


def test_between_one_task_and_the_next_no_audit_time_passes_unless_a_wait_is_waiting() -> None:
    """Phase 1 is a chain of steps: the scheduler's loop and each task's start between them hold audit time,
    however slow the machine; once a wait parks, its waiting moves audit time on."""
    clock = rehearsal(Spans((0, 4), (6, 9), (12, 13), waiting=((13, 23, None), (20, 100, None))))
    assert clock.from_wall_clock(at(13)) == ORIGIN, "steps and the gaps between them"
    assert clock.from_wall_clock(at(28)) == ORIGIN + timedelta(weeks=1.5)
    assert clock.to_wall_clock(ORIGIN + timedelta(weeks=1)) == at(23)


def test_a_target_in_audit_time_is_reached_later_by_the_busy_time_before_it() -> None:
    clock = rehearsal(Spans((5, 25), (30, 32)))
    assert clock.to_wall_clock(ORIGIN + timedelta(weeks=1)) == at(30), "10 idle seconds: 0-5 and 25-30"
    assert clock.to_wall_clock(ORIGIN + timedelta(weeks=2)) == at(42)
    assert clock.to_wall_clock(ORIGIN - timedelta(weeks=1)) == at(-10), "before the run: no busy time counts"
    for seconds in (0, 3, 26, 31.5, 50):  # the two conversions are inverses outside busy spans
        moment = clock.from_wall_clock(at(seconds))
        assert clock.from_wall_clock(clock.to_wall_clock(moment)) == moment


def test_an_open_span_holds_audit_time_until_it_ends() -> None:
    """A look still working: audit time now is where it was when the look began, and a target ahead is as
    far in idle time from now as it was then, so the moment a wait computed moves later."""
    began = datetime.now(UTC) - timedelta(seconds=30)
    run_start = began - timedelta(seconds=60)
    ledger = Spans()
    ledger.rows = [(BUSY, began, None, None), (WAITING, run_start, None, None)]
    clock = AuditClock(seconds_per_week=10, run_start=run_start, origin=ORIGIN, ledger=ledger)
    frozen = clock.now()
    assert frozen == clock.from_wall_clock(began) == ORIGIN + timedelta(weeks=6)
    due = clock.to_wall_clock(frozen + timedelta(weeks=1))
    assert datetime.now(UTC) + timedelta(seconds=9) < due <= datetime.now(UTC) + timedelta(seconds=10)


def test_a_wait_whose_moment_has_come_holds_audit_time_until_it_looks() -> None:
    """However late the scheduler or the triggerer lets a due wait look (a reminder a week before the
    deadline), audit time is still at its moment when it does: the reminder goes in its week."""
    late_look = rehearsal(Spans((40, 41), waiting=((0, 40, 1), (41, None, 2))))  # due at 10 s, looks at 40 s
    assert late_look.from_wall_clock(at(10)) == ORIGIN + timedelta(weeks=1)
    assert late_look.from_wall_clock(at(39)) == ORIGIN + timedelta(weeks=1), "due, not yet looked"
    assert late_look.from_wall_clock(at(46)) == ORIGIN + timedelta(weeks=1.5)
    assert late_look.to_wall_clock(ORIGIN + timedelta(weeks=2)) == at(51)
    other_waits = rehearsal(Spans(waiting=((0, 40, 1), (0, None, 3))))
    assert other_waits.from_wall_clock(at(39)) == ORIGIN + timedelta(weeks=1), "another wait's waiting moves none"


def test_merged_spans_join_overlaps_and_close_open_ones_now() -> None:
    now = at(100)
    assert merged_spans([(at(50), None), (at(1), at(4)), (at(3), at(8)), (at(9), at(10))], now) == [
        (at(1), at(8)), (at(9), at(10)), (at(50), now)]
    assert merged_spans([], now) == []
