"""The typed values audit definitions are made of, shared by the definition and its blocks (maa.audit.panel)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _calendar_date(value: Any) -> date:
    """A day written YYYY-MM-DD, in the years an audit can mean: later dates would overflow the timetable."""
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()} is not a real date") from None
    if type(value) is not date:
        raise ValueError("not a date: write it as YYYY-MM-DD")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{value} is outside the years a definition may use ({FIRST_YEAR} to {LAST_YEAR})")
    return value


Day = Annotated[date, BeforeValidator(_calendar_date)]


class Strict(BaseModel):
    """A block of a definition: no field it does not know, and unchangeable once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
