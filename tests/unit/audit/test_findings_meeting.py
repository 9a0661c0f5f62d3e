"""The definition's `meeting:` block: the 2021 process's day by default, every mistake named by its field."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from maa.audit.definitions import DefinitionError, load_definition
from maa.audit.findings_meeting import MeetingPart
from maa.meeting.practitioner_pack import agenda
from tests.helpers.definitions import AuditFolders


def _load(folders: AuditFolders, meeting: object):
    return load_definition(folders.write_definition({"meeting": meeting})).meeting


def test_left_out_the_meeting_is_the_2021_processs_recorded_day(folders: AuditFolders) -> None:
    meeting = load_definition(folders.write_definition()).meeting
    assert meeting.link is None and meeting.recorded is True
    assert (meeting.part1.hours, meeting.part2.hours) == (2.5, 2)
    assert [(item.part, str(item.when)) for item in agenda(meeting)] == [
        ("Part 1 (2.5 hours)", "09:30-12:00"), ("Break", "12:00-13:00"), ("Part 2 (2 hours)", "13:00-15:00")]


def test_a_meeting_as_given(folders: AuditFolders) -> None:
    meeting = _load(folders, {"link": "https://meet.example.org/j/123?pwd=a", "recorded": False,
                              "part1": "10:00-12:30", "part2": " 12:30 - 14:00 "})
    assert meeting.link == "https://meet.example.org/j/123?pwd=a" and meeting.recorded is False
    assert meeting.part2 == MeetingPart(time(12, 30), time(14, 0)) and meeting.break_time is None
    assert [item.part for item in agenda(meeting)] == ["Part 1 (2.5 hours)", "Part 2 (1.5 hours)"]


@pytest.mark.parametrize(("meeting", "problem"), [
    ({"link": "http://meet.example.org/j/1"}, ("meeting.link", "the meeting's link must be an https:// address "
                                                               "(no spaces)")),
    ({"link": "https://meet.example.org/a b"}, ("meeting.link", "the meeting's link must be an https:// address "
                                                                "(no spaces)")),
    ({"link": "javascript:alert(1)"}, ("meeting.link", "the meeting's link must be an https:// address (no spaces)")),
    ({"recorded": "yes"}, ("meeting.recorded", "true or false: whether the meeting is recorded")),
    ({"recorded": 1}, ("meeting.recorded", "true or false: whether the meeting is recorded")),
    ({"part1": "9:30-12:00"}, ("meeting.part1", 'write the part as "HH:MM-HH:MM", such as "09:30-12:00"')),
    ({"part1": "09:30"}, ("meeting.part1", 'write the part as "HH:MM-HH:MM", such as "09:30-12:00"')),
    ({"part2": "13:00-24:30"}, ("meeting.part2", "13:00-24:30 holds a time that does not exist (00:00 to 23:59)")),
    ({"part1": "12:00-09:30"}, ("meeting.part1", "12:00-09:30 ends before it starts")),
    ({"part2": "11:00-13:00"}, ("meeting.part2", "starts at 11:00, before Part 1 ends at 12:00: Part 2 follows a "
                                                 "break")),
    ({"room": "B12"}, ("meeting.room", "not a field of an audit definition (misspelt?)")),
])
def test_each_mistake_is_named_by_its_field(folders: AuditFolders, meeting: dict, problem: tuple[str, str]) -> None:
    with pytest.raises(DefinitionError) as refused:
        _load(folders, meeting)
    assert refused.value.problems == [problem]
    assert isinstance(refused.value.path, Path)
