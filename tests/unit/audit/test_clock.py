"""Audit time: the day a daily run acts for, in London, from its own dates, never the wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from maa.audit.clock import run_day


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
