"""The definition's optional `meeting:` block: how the findings meeting is held.

The 2021 process holds it as one recorded day: Part 1 (2.5 hours: each agency's practitioner presents and
takes questions), a break, Part 2 (2 hours: open discussion of the learning and the key questions). A block
left out, or a part not given, takes those defaults. The virtual meeting's link must be https, since the
invitation sends everyone to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from maa.audit.loading import DefinitionProblems

_PART = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")
MAX_LINK = 500


@dataclass(frozen=True)
class MeetingPart:
    """One part of the meeting, from its start to its end, on the meeting's day (London time)."""

    start: time
    end: time

    @property
    def hours(self) -> float:
        day = datetime.min.date()
        return (datetime.combine(day, self.end) - datetime.combine(day, self.start)).seconds / 3600

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _part(value: Any) -> MeetingPart:
    """"HH:MM-HH:MM", a real time each side and the end after the start."""
    if isinstance(value, MeetingPart):
        return value
    match = _PART.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError('write the part as "HH:MM-HH:MM", such as "09:30-12:00"')
    hours_from, minutes_from, hours_to, minutes_to = (int(g) for g in match.groups())
    try:
        part = MeetingPart(time(hours_from, minutes_from), time(hours_to, minutes_to))
    except ValueError:
        raise ValueError(f"{value.strip()} holds a time that does not exist (00:00 to 23:59)") from None
    if part.end <= part.start:
        raise ValueError(f"{part} ends before it starts")
    return part


def _https_link(value: Any) -> str:
    """An https address with a host and no spaces: the invitation's link to the virtual meeting."""
    if not isinstance(value, str):
        raise ValueError("the meeting's link must be text: an https:// address")
    link = value.strip()
    parts = urlsplit(link)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in link):
        raise ValueError("the meeting's link must be an https:// address (no spaces)")
    if len(link) > MAX_LINK:
        raise ValueError(f"the meeting's link is longer than {MAX_LINK} characters")
    return link


def _yes_or_no(value: Any) -> bool:
    if type(value) is not bool:
        raise ValueError("true or false: whether the meeting is recorded")
    return value


Part = Annotated[MeetingPart, BeforeValidator(_part)]
HttpsLink = Annotated[str, BeforeValidator(_https_link)]
YesOrNo = Annotated[bool, BeforeValidator(_yes_or_no)]
DEFAULT_PART1 = MeetingPart(time(9, 30), time(12, 0))  # 2.5 hours
DEFAULT_PART2 = MeetingPart(time(13, 0), time(15, 0))  # 2 hours, after the break


class FindingsMeeting(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    link: HttpsLink | None = None
    recorded: YesOrNo = True  # the 2021 process records the day
    part1: Part = DEFAULT_PART1
    part2: Part = DEFAULT_PART2

    @model_validator(mode="after")
    def _break_between(self) -> FindingsMeeting:
        if self.part2.start < self.part1.end:
            raise DefinitionProblems([("meeting.part2", f"starts at {self.part2.start:%H:%M}, before Part 1 ends "
                                                        f"at {self.part1.end:%H:%M}: Part 2 follows a break")])
        return self

    @property
    def break_time(self) -> MeetingPart | None:
        """The break between the parts (None when Part 2 starts as Part 1 ends)."""
        if self.part2.start == self.part1.end:
            return None
        return MeetingPart(self.part1.end, self.part2.start)
