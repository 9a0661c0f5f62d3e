"""QiiP's action tracker on a page: every action, filtered by audit, owner agency, RAG status and review
finding, and the same selection exported as a workbook (every text cell formula-safe)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from maa.preparation.return_template import safe_cell
from maa.tracker.actions import stored_register, tracked_actions
from maa.tracker.register import STATUSES
from maa.tracker.report import ACTION_COLUMNS, RAG_ORDER, action_row

if TYPE_CHECKING:
    from maa.outputs.store import Store


# The export's column headings, as the page's table words them.
COLUMN_TITLES = {"audit_ref": "Audit", "action_id": "Action", "action": "What is to be done",
                 "owner_agency": "Owner agency", "due_date": "Due", "status": "Action status", "rag": "RAG status",
                 "review_refs": "Review findings", "last_update": "Last update"}


@dataclass(frozen=True)
class TrackerFilter:
    audit: str = ""
    agency: str = ""
    status: str = ""  # the action's own: Not started, In progress, Complete
    rag: str = ""
    finding: str = ""

    def keeps(self, row: dict[str, Any]) -> bool:
        return ((not self.audit or row["audit_ref"] == self.audit)
                and (not self.agency or row["owner_agency"] == self.agency)
                and (not self.status or row["status"] == self.status)
                and (not self.rag or row["rag"] == self.rag)
                and (not self.finding or self.finding in row["review_refs"].split("; ")))

    def in_words(self) -> str:
        """The filter as people read it, for the export's header."""
        chosen = [f"{label} {value}" for label, value in (
            ("audit", self.audit), ("owner agency", self.agency), ("action status", self.status),
            ("RAG status", self.rag), ("review finding", self.finding)) if value]
        return "actions with " + ", ".join(chosen) if chosen else "every action"

    def query(self) -> str:
        """The filter as a query string, for the export link."""
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in self.__dict__.items() if v})


@dataclass(frozen=True)
class TrackerPage:
    rows: list[dict[str, Any]]
    total: int
    choices: dict[str, list[str]]  # each filter's options, from all actions (not only the selection)
    findings: dict[str, str]  # review ref -> its title, for the finding filter's labels


def tracker_page(store: Store, today: date, chosen: TrackerFilter) -> TrackerPage:
    every = [action_row(a, today) for a in tracked_actions(store)]
    register = {f.ref: f.title for f in stored_register(store)}
    cited = sorted({ref for row in every for ref in filter(None, row["review_refs"].split("; "))})
    return TrackerPage(
        rows=[row for row in every if chosen.keeps(row)],
        total=len(every),
        choices={"audit": sorted({r["audit_ref"] for r in every}),
                 "agency": sorted({r["owner_agency"] for r in every}),
                 "status": list(STATUSES),
                 "rag": list(RAG_ORDER),
                 "finding": sorted(set(register) | set(cited))},
        findings=register,
    )


def export_workbook(page: TrackerPage, chosen: TrackerFilter, today: date) -> bytes:
    """The rows on the page as an .xlsx: a cell starting =, +, - or @ is stored as text, never run."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Actions"
    sheet.append([safe_cell(f"OFFICIAL: action tracker, {today:%d %B %Y}: {chosen.in_words()}")])
    sheet.append([COLUMN_TITLES[column] for column in ACTION_COLUMNS])
    for row in page.rows:
        sheet.append([safe_cell(row[column]) for column in ACTION_COLUMNS])
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
