"""The pipeline's idea of now (Europe/London), and rehearsal mode.

In a rehearsal each week of the timetable lasts N seconds of the run's idle time: the run's start is the
notice date at 09:00, and audit time moves on 604,800/N times faster than the wall clock, but only while
some wait of the run is waiting for a moment still to come and nothing of it works. Every step, every look
of a wait and every file noticed in the inbox and not yet taken is a busy span in the run's ledger
(`maa.audit.busy`), every wait between its looks a waiting span with its target; audit time stands still
inside busy spans, outside waiting ones, and from a wait's target until its look, so the time from one task
to the next (a scheduler's loop, a task process starting, a trigger firing) costs none either.
So a slow or busy machine makes a rehearsal take longer, and its record is the same as on a fast one.
Waits convert their audit-time targets back to wall-clock moments through the same ledger, and look again
when a busy span has moved the moment later. Off (N = 0) by default.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from maa.config import LONDON

WEEK = timedelta(weeks=1)


def now() -> datetime:
    return datetime.now(LONDON)


def run_day(context: Mapping[str, Any]) -> date:
    """The day a daily programme run (the tracker, retention) acts for: its `today` param when given, else
    the run's own date in London (a scheduled run's data interval end, a manual one's logical date or
    run_after), never the wall clock, so a rerun of a day decides exactly what it decided before."""
    given = (context.get("params") or {}).get("today")
    if given:
        return date.fromisoformat(str(given))
    dag_run = context.get("dag_run")
    moment = context.get("data_interval_end") or context.get("logical_date") or getattr(dag_run, "run_after", None)
    if moment is None:
        raise ValueError("the run has no date: give the `today` param")
    return moment.astimezone(LONDON).date()


BUSY, WAITING = "busy", "waiting"
# BUSY or WAITING, wall clock (UTC) start and end (None: open), and a waiting span's target in audit time
Span = tuple[str, datetime, datetime | None, datetime | None]


class BusyLedger(Protocol):
    """Where a rehearsal's busy and waiting spans are kept (the store, see `maa.audit.busy`)."""

    def spans(self) -> Sequence[Span]: ...


def merged_spans(spans: Iterable[tuple[datetime, datetime | None]], until: datetime) -> list[tuple[datetime, datetime]]:
    """The spans as disjoint intervals in order, an open one taken as lasting until `until`."""
    closed = sorted((start, end if end is not None else max(start, until)) for start, end in spans)
    result: list[tuple[datetime, datetime]] = []
    for start, end in closed:
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def held_intervals(spans: Iterable[Span], start: datetime, until: datetime, origin: datetime,
                   speed: float) -> list[tuple[datetime, datetime]]:
    """When audit time stood still, from `start` to `until`: while anything of the run was busy, while no
    wait was waiting for a moment still to come (between one task and the next, a task starting), and while
    a wait whose moment has come had not yet looked: in each the run has work in hand.

    Audit time is followed from `start` (where it is `origin`) through every boundary of a span, and split
    where it reaches a waiting span's target: from there that wait is due, and holds audit time until its
    look closes the span."""
    events: list[tuple[datetime, int, int]] = []  # (when, +1 opens / -1 closes, span number)
    kinds: list[str] = []
    targets: list[datetime | None] = []
    for number, (kind, opened, ended, target) in enumerate(spans):
        kinds.append(kind)
        targets.append(target)
        events += [(max(opened, start), 1, number), (min(ended or until, until), -1, number)]
    events.sort(key=lambda event: (event[0], -event[1]))  # a span that opens and closes at once still counts
    held: list[tuple[datetime, datetime]] = []
    busy, waiting, due = 0, set[int](), set[int]()
    audit, moment = origin, start

    def advance(to: datetime) -> None:
        """Follow audit time from `moment` to `to`, with the spans open over that stretch."""
        nonlocal audit, moment
        while moment < to:
            due.update(number for number in waiting - due
                       if (target := targets[number]) is not None and target <= audit)
            pending = [number for number in waiting if number not in due]
            if busy or not pending or waiting & due:
                held.append((moment, to))
                moment = to
                return
            timed = [(target, number) for number in pending if (target := targets[number]) is not None]
            if timed:
                target, first = min(timed)
                if moment + (target - audit) / speed < to:
                    moment, audit = moment + (target - audit) / speed, target
                    due.add(first)
                    continue
            audit += (to - moment) * speed
            moment = to

    for when, change, number in events:
        if when > moment:
            advance(min(when, until))
        if kinds[number] == BUSY:
            busy += change
        elif change > 0:
            waiting.add(number)
        else:
            waiting.discard(number)
    advance(until)
    return merged_spans(held, until)


def idle_between(busy: Sequence[tuple[datetime, datetime]], start: datetime, moment: datetime) -> timedelta:
    """Wall-clock time from `start` to `moment` outside every held interval (negative before `start`)."""
    if moment <= start:
        return moment - start
    idle = moment - start
    for busy_start, busy_end in busy:
        overlap = min(busy_end, moment) - max(busy_start, start)
        if overlap > timedelta(0):
            idle -= overlap
    return idle


def moment_after_idle(busy: Sequence[tuple[datetime, datetime]], start: datetime, idle: timedelta) -> datetime:
    """The first wall-clock moment by which `idle` time outside the held intervals has passed since `start`,
    counting none held beyond those known (the inverse of `idle_between`)."""
    moment, remaining = start, idle
    if remaining <= timedelta(0):
        return start + remaining
    for busy_start, busy_end in busy:
        if busy_end <= moment:
            continue
        gap = busy_start - moment
        if remaining <= gap:
            return moment + remaining
        remaining -= max(gap, timedelta(0))
        moment = busy_end
    return moment + remaining


@dataclass(frozen=True)
class AuditClock:
    """Audit time for one run; without rehearsal it is simply the wall clock. A rehearsal clock without a
    ledger counts every wall-clock second (a run's reports rebuilt outside it)."""

    seconds_per_week: float = 0.0
    run_start: datetime | None = None
    origin: datetime | None = None  # the audit time the run's start stands for
    ledger: BusyLedger | None = field(default=None, compare=False, repr=False)

    @property
    def rehearsal(self) -> bool:
        return self.seconds_per_week > 0

    @property
    def speed(self) -> float:
        return WEEK.total_seconds() / self.seconds_per_week

    def now(self) -> datetime:
        if not self.rehearsal:
            return now()
        return self.from_wall_clock(datetime.now(UTC))

    def _anchors(self) -> tuple[datetime, datetime]:
        if self.run_start is None or self.origin is None:
            raise ValueError("a rehearsal clock needs its run's start and the audit time it stands for")
        return self.run_start, self.origin

    def _busy(self) -> list[tuple[datetime, datetime]]:
        """When the run's audit time stood still, as the ledger knows it now (one read); none without one."""
        if self.ledger is None or self.run_start is None or self.origin is None:
            return []
        return held_intervals(self.ledger.spans(), self.run_start, datetime.now(UTC), self.origin, self.speed)

    def to_wall_clock(self, audit_time: datetime) -> datetime:
        """When, on the wall clock, audit time reaches `audit_time` if nothing more of the run works; a busy
        span after this answer makes the true moment later (waits ask again)."""
        if not self.rehearsal:
            return audit_time
        run_start, origin = self._anchors()
        return moment_after_idle(self._busy(), run_start, (audit_time - origin) / self.speed).astimezone(UTC)

    def from_wall_clock(self, moment: datetime) -> datetime:
        """The audit time that the wall-clock `moment` stands for (the inverse of `to_wall_clock`)."""
        if not self.rehearsal:
            return moment.astimezone(LONDON)
        run_start, origin = self._anchors()
        # Whole seconds, rounded up: a wait whose moment has come reads it as come, not a microsecond short.
        offset = math.ceil((idle_between(self._busy(), run_start, moment) * self.speed).total_seconds())
        return (origin + timedelta(seconds=offset)).astimezone(LONDON)

    def wall_clock_delta(self, audit_delta: timedelta) -> timedelta:
        return audit_delta / self.speed if self.rehearsal else audit_delta


def for_run(context: Mapping[str, Any], origin: datetime, ledger: BusyLedger | None = None) -> AuditClock:
    """The clock of the run in `context`; `origin` is the notice date at 09:00 and `ledger` the run's busy
    spans (both used in rehearsal only)."""
    params = context.get("params") or {}
    seconds_per_week = float(params.get("rehearsal_seconds_per_week") or 0)
    dag_run = context.get("dag_run")
    if seconds_per_week <= 0 or dag_run is None or dag_run.start_date is None:
        return AuditClock()
    return AuditClock(seconds_per_week, dag_run.start_date.astimezone(UTC), origin, ledger)
