"""The pipeline's idea of now (Europe/London), and rehearsal mode.

In a rehearsal each week of the timetable lasts N seconds of the run's idle time: the run's start is the
notice date at 09:00, and audit time moves on 604,800/N times faster than the wall clock, but only while
some wait of the run is waiting and nothing of it works. Every step, every look of a wait and every file
noticed in the inbox and not yet taken is a busy span in the run's ledger (`maa.audit.busy`), every
wait between its looks a waiting span; audit time stands still outside waiting spans and inside busy ones,
so the time from one task to the next (a scheduler's loop, a task process starting) costs none either.
So a slow or busy machine makes a rehearsal take longer, and its record is the same as on a fast one.
Waits convert their audit-time targets back to wall-clock moments through the same ledger, and look again
when a busy span has moved the moment later. Off (N = 0) by default.
"""

from __future__ import annotations

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
Span = tuple[str, datetime, datetime | None]  # BUSY or WAITING, wall clock (UTC) start and end (None: open)


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


def held_intervals(spans: Iterable[Span], start: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """When audit time stood still, from `start` to `until`: while anything of the run was busy, and while
    no wait of the run was waiting (between one step and the next, a task starting: the run is at work)."""
    spans = list(spans)
    waiting = merged_spans(((s, e) for kind, s, e in spans if kind == WAITING), until)
    gaps, cursor = [], start
    for wait_start, wait_end in waiting:
        if wait_start > cursor:
            gaps.append((cursor, min(wait_start, until)))
        cursor = max(cursor, wait_end)
    if cursor < until:
        gaps.append((cursor, until))
    return merged_spans([*((s, e) for kind, s, e in spans if kind == BUSY), *gaps], until)


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
        if self.ledger is None or self.run_start is None:
            return []
        return held_intervals(self.ledger.spans(), self.run_start, datetime.now(UTC))

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
        return (origin + idle_between(self._busy(), run_start, moment) * self.speed).astimezone(LONDON)

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
