"""The audit timetable: milestone dates from a start date and stage lengths.

PRODUCT.md: W(n) = start + n weeks, rolled forward to the next working day in
England and Wales; the impact review adds calendar months to the unrolled
practitioner event date, clamping at month end, and is then rolled.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol

import holidays

from maa.config import LONDON

MILESTONES = (
    "notice_issued",
    "submission_deadline",
    "practitioner_event",
    "review_end",
    "chair_report_due",
    "signoff_due",
    "impact_review_due",
)

MILESTONE_LABELS = {
    "notice_issued": "Notice issued",
    "submission_deadline": "Agency returns due",
    "practitioner_event": "Practitioner event (findings meeting)",
    "review_end": "Review period ends",
    "chair_report_due": "Chair's report due",
    "signoff_due": "QiiP sign-off due",
    "impact_review_due": "Impact review due",
}

SEND_TIME = time(9, 0)


class Stages(Protocol):
    notice: int
    agency_audit: int
    review: int
    chair_report: int
    signoff: int
    impact_review_months: int


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    england = holidays.UK(subdiv="ENG", years=year)
    wales = holidays.UK(subdiv="WLS", years=year)
    return frozenset(england) | frozenset(wales)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def roll_forward(day: date) -> date:
    """The day itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Calendar months, keeping the day of the month and clamping at month end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day`."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_after(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


@dataclass(frozen=True)
class Timetable:
    start: date
    dates: dict[str, date]

    def __getitem__(self, milestone: str) -> date:
        return self.dates[milestone]

    def as_json(self) -> dict[str, str]:
        return {name: self.dates[name].isoformat() for name in MILESTONES}


def build_timetable(start: date, stages: Stages) -> Timetable:
    weeks_to_deadline = stages.notice + stages.agency_audit

    def week(n: int) -> date:
        return roll_forward(start + timedelta(weeks=n))

    event_unrolled = start + timedelta(weeks=weeks_to_deadline + 1)
    review_end = weeks_to_deadline + stages.review
    chair_report_due = review_end + stages.chair_report
    dates = {
        "notice_issued": week(0),
        "submission_deadline": week(weeks_to_deadline),
        "practitioner_event": week(weeks_to_deadline + 1),
        "review_end": week(review_end),
        "chair_report_due": week(chair_report_due),
        "signoff_due": week(chair_report_due + stages.signoff),
        "impact_review_due": roll_forward(add_months(event_unrolled, stages.impact_review_months)),
    }
    return Timetable(start=start, dates=dates)


def at_send_time(day: date) -> datetime:
    """09:00 Europe/London on that day: when notices and reminders go out."""
    return datetime.combine(day, SEND_TIME, tzinfo=LONDON)


def end_of_day(day: date) -> datetime:
    """Something due on a day is on time until the end of that day, London time."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LONDON)
