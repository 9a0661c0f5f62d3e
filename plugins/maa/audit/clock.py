"""The pipeline's idea of now (Europe/London), and rehearsal mode.

In a rehearsal each week of the timetable lasts N seconds from the run's start:
the run's start is the notice date at 09:00, and audit time runs 604,800/N
times faster than the wall clock. Waits convert their audit-time targets back
to wall-clock moments for the triggerer. Off (N = 0) by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

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


@dataclass(frozen=True)
class AuditClock:
    """Audit time for one run; without rehearsal it is simply the wall clock."""

    seconds_per_week: float = 0.0
    run_start: datetime | None = None
    origin: datetime | None = None  # the audit time the run's start stands for

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

    def to_wall_clock(self, audit_time: datetime) -> datetime:
        """When, on the wall clock, audit time reaches `audit_time`."""
        if not self.rehearsal:
            return audit_time
        run_start, origin = self._anchors()
        return (run_start + (audit_time - origin) / self.speed).astimezone(UTC)

    def from_wall_clock(self, moment: datetime) -> datetime:
        """The audit time that the wall-clock `moment` stands for (the inverse of `to_wall_clock`)."""
        if not self.rehearsal:
            return moment.astimezone(LONDON)
        run_start, origin = self._anchors()
        return (origin + (moment - run_start) * self.speed).astimezone(LONDON)

    def wall_clock_delta(self, audit_delta: timedelta) -> timedelta:
        return audit_delta / self.speed if self.rehearsal else audit_delta


def for_run(context: Mapping[str, Any], origin: datetime) -> AuditClock:
    """The clock of the run in `context`; `origin` is the notice date at 09:00 (used in rehearsal only)."""
    params = context.get("params") or {}
    seconds_per_week = float(params.get("rehearsal_seconds_per_week") or 0)
    dag_run = context.get("dag_run")
    if seconds_per_week <= 0 or dag_run is None or dag_run.start_date is None:
        return AuditClock()
    return AuditClock(seconds_per_week, dag_run.start_date.astimezone(UTC), origin)
