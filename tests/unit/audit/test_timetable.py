"""The timetable as PRODUCT.md defines it.

W(n) = start + n weeks, rolled forward to the next working day (Monday to Friday,
not a bank holiday in England and Wales); a working day is kept. The impact
review is the unrolled practitioner event plus N calendar months (clamped at the
month's end), then rolled.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from maa.audit.definitions import AuditDefinition
from maa.audit.timetable import MILESTONES, add_months, at_send_time, build_timetable, is_working_day
from maa.config import LONDON
from tests.helpers.definitions import sample_definition

SEVEN_MILESTONES = ("notice_issued", "submission_deadline", "practitioner_event", "review_end",
                    "chair_report_due", "signoff_due", "impact_review_due")

# England and Wales bank holidays as published on gov.uk, typed in independently of the code.
BANK_HOLIDAYS = {date.fromisoformat(d) for d in (
    "2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28",
    "2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19",
    "2022-12-26", "2022-12-27",
    "2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25",
    "2023-12-26",
    "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26",
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
)}


def stages(notice: int = 2, agency_audit: int = 5, review: int = 2, chair_report: int = 2, signoff: int = 1,
           impact_review_months: int = 6) -> SimpleNamespace:
    return SimpleNamespace(notice=notice, agency_audit=agency_audit, review=review, chair_report=chair_report,
                           signoff=signoff, impact_review_months=impact_review_months)


def milestones(start: str, **lengths: int) -> dict[str, str]:
    return build_timetable(date.fromisoformat(start), stages(**lengths)).as_json()


def expected_working_day(day: date) -> date:
    while day.weekday() >= 5 or day in BANK_HOLIDAYS:
        day += timedelta(days=1)
    return day


def expected_months_later(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def without_timescale(audit_type: str, start: date) -> AuditDefinition:
    """The sample definition as another type, giving no timescale (so the type's defaults apply)."""
    changes: dict = {"type": audit_type, "start": start, "extensions": {}}
    remove: tuple[str, ...] = ("timescale",)
    if audit_type == "PAA":
        changes["period"] = {"from": date(2026, 4, 1), "to": date(2027, 3, 31)}
        remove += ("nominating_agency",)
    return AuditDefinition.model_validate(sample_definition(changes, remove))


def test_the_seven_milestones_in_order() -> None:
    assert tuple(MILESTONES) == SEVEN_MILESTONES
    assert tuple(milestones("2026-06-01")) == SEVEN_MILESTONES


def test_worked_example_by_hand_christmas_and_new_year() -> None:
    # A MATA (2/5/2/2/1, impact 6 months) starting Monday 31 October 2022:
    #   notice_issued        W(0)  = Mon 31 Oct 2022, a working day, kept.
    #   submission_deadline  W(7)  = Mon 19 Dec 2022, kept.
    #   practitioner_event   W(8)  = Mon 26 Dec 2022 (Boxing Day); Tue 27 Dec is the substitute for
    #                                Christmas Day (a Sunday) -> Wed 28 Dec 2022.
    #   review_end           W(9)  = Mon 2 Jan 2023, the substitute for New Year's Day (a Sunday)
    #                                -> Tue 3 Jan 2023.
    #   chair_report_due     W(11) = Mon 16 Jan 2023, kept.
    #   signoff_due          W(12) = Mon 23 Jan 2023, kept.
    #   impact_review_due    the practitioner event BEFORE rolling (26 Dec 2022) + 6 months
    #                        = Mon 26 Jun 2023, kept. (From the rolled 28 Dec it would wrongly be 28 Jun.)
    assert milestones("2022-10-31") == {
        "notice_issued": "2022-10-31",
        "submission_deadline": "2022-12-19",
        "practitioner_event": "2022-12-28",
        "review_end": "2023-01-03",
        "chair_report_due": "2023-01-16",
        "signoff_due": "2023-01-23",
        "impact_review_due": "2023-06-26",
    }


def test_worked_example_by_hand_a_maca_over_christmas_2021() -> None:
    # A MACA (1/2/1/2/1, impact 6 months) starting Monday 15 November 2021:
    #   notice_issued        W(0) = Mon 15 Nov 2021.
    #   submission_deadline  W(3) = Mon 6 Dec 2021.
    #   practitioner_event   W(4) = Mon 13 Dec 2021.
    #   review_end           W(4) = Mon 13 Dec 2021 (review is one week).
    #   chair_report_due     W(6) = Mon 27 Dec 2021; 25 and 26 Dec fall on a weekend, so Mon 27 and
    #                               Tue 28 Dec are the substitute days -> Wed 29 Dec 2021.
    #   signoff_due          W(7) = Mon 3 Jan 2022, the substitute for New Year's Day (a Saturday)
    #                               -> Tue 4 Jan 2022.
    #   impact_review_due    13 Dec 2021 + 6 months = Mon 13 Jun 2022.
    assert milestones("2021-11-15", notice=1, agency_audit=2, review=1, chair_report=2, signoff=1) == {
        "notice_issued": "2021-11-15",
        "submission_deadline": "2021-12-06",
        "practitioner_event": "2021-12-13",
        "review_end": "2021-12-13",
        "chair_report_due": "2021-12-29",
        "signoff_due": "2022-01-04",
        "impact_review_due": "2022-06-13",
    }


@pytest.mark.parametrize(("start", "notice_issued", "why"), [
    ("2024-03-13", "2024-03-13", "a Wednesday is a working day: kept"),
    ("2024-03-08", "2024-03-08", "a Friday is a working day: kept"),
    ("2024-03-09", "2024-03-11", "Saturday -> Monday"),
    ("2024-03-10", "2024-03-11", "Sunday -> Monday"),
    ("2024-03-28", "2024-03-28", "Maundy Thursday is a working day"),
    ("2024-03-29", "2024-04-02", "Good Friday, the weekend and Easter Monday -> Tuesday"),
    ("2024-04-01", "2024-04-02", "Easter Monday -> Tuesday"),
    ("2023-04-07", "2023-04-11", "Good Friday 2023 -> Tuesday after Easter Monday"),
    ("2021-12-24", "2021-12-24", "Christmas Eve is a working day"),
    ("2021-12-25", "2021-12-29", "Christmas Day on a Saturday: substitutes on Mon 27 and Tue 28"),
    ("2021-12-27", "2021-12-29", "substitute day for Christmas Day"),
    ("2021-12-28", "2021-12-29", "substitute day for Boxing Day"),
    ("2022-12-26", "2022-12-28", "Boxing Day on a Monday, then the Christmas substitute"),
    ("2022-12-27", "2022-12-28", "substitute day for Christmas Day (a Sunday)"),
    ("2022-01-01", "2022-01-04", "New Year's Day on a Saturday, then its substitute Monday"),
    ("2022-01-03", "2022-01-04", "substitute day for New Year's Day"),
    ("2026-08-31", "2026-09-01", "summer bank holiday"),
    ("2022-09-19", "2022-09-20", "a one-off bank holiday (state funeral)"),
])
def test_a_start_date_is_rolled_to_the_next_working_day(start: str, notice_issued: str, why: str) -> None:
    assert milestones(start)["notice_issued"] == notice_issued, why


@pytest.mark.parametrize(("start", "milestone", "expected", "why"), [
    ("2024-02-09", "submission_deadline", "2024-04-02", "W(7) is Good Friday 29 Mar 2024"),
    ("2024-02-05", "practitioner_event", "2024-04-02", "W(8) is Easter Monday 1 Apr 2024"),
    ("2021-11-08", "practitioner_event", "2022-01-04", "W(8) is Mon 3 Jan 2022, the New Year substitute"),
    ("2021-10-25", "review_end", "2021-12-29", "W(9) is Mon 27 Dec 2021, the Christmas substitute"),
    ("2021-10-12", "chair_report_due", "2021-12-29", "W(11) is Tue 28 Dec 2021, the Boxing Day substitute"),
    ("2022-10-04", "signoff_due", "2022-12-28", "W(12) is Tue 27 Dec 2022, the Christmas substitute"),
    ("2024-01-06", "submission_deadline", "2024-02-26", "W(7) is a Saturday"),
])
def test_later_milestones_roll_over_holidays_and_weekends(start: str, milestone: str, expected: str,
                                                          why: str) -> None:
    assert milestones(start)[milestone] == expected, why


@pytest.mark.parametrize("lengths", [
    dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1, impact_review_months=6),
    dict(notice=1, agency_audit=2, review=1, chair_report=2, signoff=1, impact_review_months=6),
    dict(notice=3, agency_audit=5, review=3, chair_report=1, signoff=4, impact_review_months=12),
    dict(notice=0, agency_audit=1, review=1, chair_report=3, signoff=2, impact_review_months=9),
], ids=["MATA", "MACA", "long", "short"])
def test_every_milestone_is_w_n_rolled_for_every_start_day(lengths: dict[str, int]) -> None:
    to_deadline = lengths["notice"] + lengths["agency_audit"]
    weeks = {
        "notice_issued": 0,
        "submission_deadline": to_deadline,
        "practitioner_event": to_deadline + 1,
        "review_end": to_deadline + lengths["review"],
        "chair_report_due": to_deadline + lengths["review"] + lengths["chair_report"],
        "signoff_due": to_deadline + lengths["review"] + lengths["chair_report"] + lengths["signoff"],
    }
    start = date(2021, 1, 1)
    while start <= date(2024, 12, 31):
        dates = build_timetable(start, stages(**lengths)).dates
        for name, n in weeks.items():
            assert dates[name] == expected_working_day(start + timedelta(weeks=n)), (start, name)
        event = start + timedelta(weeks=to_deadline + 1)
        impact = expected_working_day(expected_months_later(event, lengths["impact_review_months"]))
        assert dates["impact_review_due"] == impact, start
        start += timedelta(days=1)


def test_working_days_are_weekdays_that_are_not_bank_holidays_in_england_and_wales() -> None:
    day = date(2021, 1, 1)
    while day < date(2027, 1, 1):
        assert is_working_day(day) is (day.weekday() < 5 and day not in BANK_HOLIDAYS), day
        day += timedelta(days=1)


@pytest.mark.parametrize(("day", "months", "expected"), [
    ("2022-08-31", 6, "2023-02-28"),
    ("2023-08-31", 6, "2024-02-29"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2023-01-31", 1, "2023-02-28"),
    ("2024-03-31", 6, "2024-09-30"),
    ("2024-05-31", 12, "2025-05-31"),
    ("2023-12-15", 2, "2024-02-15"),
    ("2024-08-29", 6, "2025-02-28"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2025-07-10", 6, "2026-01-10"),
])
def test_calendar_months_keep_the_day_and_clamp_at_the_month_end(day: str, months: int, expected: str) -> None:
    assert add_months(date.fromisoformat(day), months) == date.fromisoformat(expected)


@pytest.mark.parametrize(("start", "months", "impact_review_due", "why"), [
    # practitioner event unrolled = start + 8 weeks for a MATA
    ("2022-07-06", 6, "2023-02-28", "event Wed 31 Aug 2022 + 6 months = Tue 28 Feb 2023"),
    ("2023-07-06", 6, "2024-02-29", "event Thu 31 Aug 2023 + 6 months = Thu 29 Feb 2024 (leap year)"),
    ("2025-07-06", 6, "2026-03-02", "event Sun 31 Aug 2025 + 6 months = Sat 28 Feb 2026, rolled to Mon 2 Mar"),
    ("2025-07-06", 7, "2026-03-31", "event Sun 31 Aug 2025 (unrolled) + 7 months = Tue 31 Mar 2026, "
                                    "not 1 Apr from the rolled 1 Sep"),
    ("2023-06-05", 12, "2024-07-31", "event Mon 31 Jul 2023 + 12 months = Wed 31 Jul 2024"),
    ("2023-08-06", 6, "2024-04-02", "event Sun 1 Oct 2023 + 6 months = Mon 1 Apr 2024 (Easter Monday), rolled"),
])
def test_impact_review_is_the_unrolled_event_plus_months_then_rolled(start: str, months: int,
                                                                     impact_review_due: str, why: str) -> None:
    assert milestones(start, impact_review_months=months)["impact_review_due"] == impact_review_due, why


@pytest.mark.parametrize(("audit_type", "expected"), [
    ("MATA", dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1, impact_review_months=6)),
    ("MACA", dict(notice=1, agency_audit=2, review=1, chair_report=2, signoff=1, impact_review_months=6)),
    ("PAA", dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1, impact_review_months=6)),
])
def test_per_type_default_stages(audit_type: str, expected: dict[str, int]) -> None:
    definition = without_timescale(audit_type, start=date(2027, 1, 4))
    assert definition.timescale.model_dump() == expected
    assert definition.timetable.as_json() == build_timetable(date(2027, 1, 4), stages(**expected)).as_json()


@pytest.mark.parametrize(("audit_type", "expected"), [
    # Mon 4 Jan 2027, MATA/PAA 2/5/2/2/1/6: W(7) 22 Feb, W(8) 1 Mar, W(9) 8 Mar, W(11) 22 Mar,
    # W(12) 29 Mar = Easter Monday 2027 -> 30 Mar; impact 1 Mar + 6 months = Wed 1 Sep 2027.
    ("MATA", ["2027-01-04", "2027-02-22", "2027-03-01", "2027-03-08", "2027-03-22", "2027-03-30", "2027-09-01"]),
    ("PAA", ["2027-01-04", "2027-02-22", "2027-03-01", "2027-03-08", "2027-03-22", "2027-03-30", "2027-09-01"]),
    # MACA 1/2/1/2/1/6: W(3) 25 Jan, W(4) 1 Feb, W(4) 1 Feb, W(6) 15 Feb, W(7) 22 Feb;
    # impact 1 Feb + 6 months = Sun 1 Aug 2027 -> Mon 2 Aug.
    ("MACA", ["2027-01-04", "2027-01-25", "2027-02-01", "2027-02-01", "2027-02-15", "2027-02-22", "2027-08-02"]),
])
def test_per_type_default_timetables_by_hand(audit_type: str, expected: list[str]) -> None:
    definition = without_timescale(audit_type, start=date(2027, 1, 4))
    assert definition.timetable.as_json() == dict(zip(SEVEN_MILESTONES, expected, strict=True))


@pytest.mark.parametrize(("day", "utc_offset"), [(date(2026, 1, 15), timedelta(0)),
                                                 (date(2026, 7, 15), timedelta(hours=1))])
def test_notices_go_out_at_nine_london_time(day: date, utc_offset: timedelta) -> None:
    moment = at_send_time(day)
    assert moment == datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON)
    assert moment.utcoffset() == utc_offset
