"""The Audit Panel's decision to run an audit (the 2023 procedure): when it approved it, its minute, where the
cases came from, how many were put to it and selected, and why the others were not, as counts.

Only counts and reasons: a Panel block never holds a child's details, so the definition can stay in git.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from maa.audit.fields import Day, Strict, Text
from maa.audit.loading import DefinitionProblems

MAX_CASES = 1000
MATA_MAX_CASES = 60  # the most cases a MATA's case list may hold


class NotSelected(Strict):
    count: int = Field(strict=True, ge=1, le=MAX_CASES)
    reason: Text


class Panel(Strict):
    approved_on: Day
    minute: Text
    sources: list[Text] = Field(default_factory=list)
    nominated: int | None = Field(default=None, strict=True, ge=0, le=MAX_CASES)
    selected: int | None = Field(default=None, strict=True, ge=0, le=MAX_CASES)
    not_selected: list[NotSelected] = Field(default_factory=list)

    @model_validator(mode="after")
    def _counts_agree(self) -> Panel:
        """The counts the Panel gave must add up: it selects from the cases put to it, and every case it did
        not select is in one of the reasons."""
        problems = []
        left_out = sum(n.count for n in self.not_selected)
        if self.nominated is not None and self.selected is not None and self.selected > self.nominated:
            problems.append(("panel.selected", f"{self.selected} selected but {self.nominated} nominated: the Panel "
                                               "selects at most the cases put to it"))
        elif self.nominated is not None and self.selected is not None and self.not_selected:
            if left_out != self.nominated - self.selected:
                problems.append(("panel.not_selected", f"the counts add up to {left_out}, but nominated - selected "
                                                       f"is {self.nominated - self.selected}"))
        elif self.nominated is not None and left_out > self.nominated:
            problems.append(("panel.not_selected", f"the counts add up to {left_out}, more than the "
                                                   f"{self.nominated} nominated"))
        if problems:
            raise DefinitionProblems(problems)
        return self

    def summary_lines(self) -> list[str]:
        """The decision in plain sentences, for the timetable, the DAG's page and the notice."""
        lines = [f"Approved by the Audit Panel on {self.approved_on:%a %d %b %Y} ({self.minute})."]
        if self.sources:
            lines.append("Cases nominated by: " + ", ".join(self.sources) + ".")
        counts = [f"{what} {number}" for what, number in (("nominated", self.nominated), ("selected", self.selected))
                  if number is not None]
        if counts:
            lines.append("Cases " + ", ".join(counts) + ".")
        lines += [f"Not selected: {n.count}, {n.reason}." for n in self.not_selected]
        return lines


def panel_rule(panel: Panel | None, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Panel's decision against the audit it approved: before the start, and a number of cases the audit
    type can hold (the case list must then have exactly that many rows)."""
    if panel is None:
        return []
    problems = []
    start, audit_type = data.get("start"), data.get("type")
    if start is not None and panel.approved_on > start:
        problems.append(("panel.approved_on", f"{panel.approved_on} is after the audit's start {start}: the Panel "
                                              "approves an audit on or before its start"))
    counted = panel.nominated is not None or panel.selected is not None or panel.not_selected
    if audit_type == "PAA" and counted:
        problems.append(("panel", "a PAA audits areas, not cases: give approved_on, minute and sources only"))
    elif panel.selected is not None and audit_type == "MACA" and panel.selected != 1:
        problems.append(("panel.selected", f"{panel.selected}: a MACA audits exactly one case"))
    elif (panel.selected is not None and audit_type == "MATA" and data.get("nominating_agency")
          and not 2 <= panel.selected <= MATA_MAX_CASES):
        problems.append(("panel.selected", f"{panel.selected}: a MATA with nominated cases audits 2 to "
                                           f"{MATA_MAX_CASES}"))
    return problems
