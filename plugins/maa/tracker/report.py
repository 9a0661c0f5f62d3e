"""QiiP's monthly action tracker report: `output/tracker/action-tracker-<YYYY-MM-DD>.pdf` and `.xlsx`.

Actions by audit and by the review finding they answer, each with its RAG status; the
overdue list; review findings no action answers. Built by the first tracker run of each
month (a run missed on the 1st is made up the next day), emailed to QiiP once a month.
Statuses, dates and RAG only: owners' progress notes stay in the impact update reports,
so this report is OFFICIAL. Every text cell of the workbook is made formula-safe.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email
from maa.outputs.private_files import private_file
from maa.preparation.return_template import safe_cell
from maa.signoff.sharing import SharingStatus, sharing_status
from maa.tracker.actions import TrackedAction, stored_register
from maa.tracker.register import AMBER, GREEN, RED, TRACKER_FOLDER, TRACKER_REF, Tracker, rag

RAG_ORDER = (RED, AMBER, GREEN)
ACTION_COLUMNS = ("audit_ref", "action_id", "action", "owner_agency", "due_date", "status", "rag", "review_refs",
                  "last_update")


def report_paths(tracker: Tracker) -> tuple[Path, Path]:
    stem = tracker.output_path(TRACKER_FOLDER, f"action-tracker-{tracker.today:%Y-%m-%d}")
    return stem.with_suffix(".pdf"), stem.with_suffix(".xlsx")


def action_row(action: TrackedAction, today: date) -> dict[str, Any]:
    """One action as the reports and the tracker page show it."""
    return {"audit_ref": action.audit_ref, "action_id": action.action_id, "action": action.action,
            "owner_agency": action.owner_agency, "due_date": action.due_date, "status": action.status,
            "rag": rag(action.status, action.due_date, today), "review_refs": "; ".join(action.review_refs),
            "last_update": action.latest.reported_on if action.latest else None}


def report_context(tracker: Tracker) -> dict[str, Any]:
    rows = [action_row(a, tracker.today) for a in tracker.actions()]
    register = stored_register(tracker.store)
    known = {f.ref for f in register}
    by_audit: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_audit.setdefault(row["audit_ref"], []).append(row)
    citing: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        for ref in filter(None, row["review_refs"].split("; ")):
            citing.setdefault(ref, []).append(row)
    return {
        "audit": {"ref": "All audits"}, "marking": OFFICIAL, "generated_on": tracker.today,
        "rows": rows, "counts": Counter(r["rag"] for r in rows), "rag_order": RAG_ORDER,
        "audits": [(ref, _title(tracker, ref), audit_rows) for ref, audit_rows in by_audit.items()],
        "by_finding": [(f, citing[f.ref]) for f in register if f.ref in citing],
        "not_in_register": sorted((ref, r) for ref, r in citing.items() if ref not in known),
        "unanswered": [f for f in register if f.ref not in citing],
        "overdue": sorted((r for r in rows if r["rag"] == RED), key=lambda r: (r["due_date"], r["audit_ref"])),
        "sharing": learning_shared(tracker, list(by_audit)),
    }


def learning_shared(tracker: Tracker, refs: list[str]) -> dict[str, list[SharingStatus]]:
    """Phase 4: per audit, which agencies have confirmed sharing the learning briefing (none listed for an
    audit whose definition has left the audits folder: its agencies are not known)."""
    return {ref: sharing_status(tracker.definitions[ref], tracker.store) if ref in tracker.definitions else []
            for ref in refs}


def _title(tracker: Tracker, ref: str) -> str:
    definition = tracker.definitions.get(ref)
    return definition.title if definition else "(definition no longer in the audits folder)"


def build_tracker_report(tracker: Tracker) -> tuple[Path, Path, Counter]:
    """Both files for the run's date (a rerun the same day rewrites its own); the RAG counts."""
    context = report_context(tracker)
    pdf, xlsx = report_paths(tracker)
    rendering.html_to_pdf(rendering.render("reports/action_tracker.html", **context), pdf)
    write_tracker_workbook(context, xlsx)
    return pdf, xlsx, context["counts"]


def publish_monthly_report(tracker: Tracker) -> dict[str, Any] | None:
    """The month's report to QiiP, once a month: None when this month's has gone already, or while no
    audit has been approved with actions (the first run after one is sends that month's report)."""
    month = f"{tracker.today:%Y-%m}"
    if tracker.happened(TRACKER_REF, "tracker_report", month) or not tracker.actions():
        return None
    pdf, xlsx, counts = build_tracker_report(tracker)
    body = rendering.render("email/tracker_report.txt", today=tracker.today, counts=counts,
                          business_units=tracker.business_units())
    sent = sum(tracker.mailer.send(Email(
        ref=TRACKER_REF, kind="tracker_report", recipient=recipient, version=int(tracker.today.strftime("%Y%m")),
        what=f"Action tracker report, {tracker.today:%B %Y}", body=body, marking=OFFICIAL, attachments=(pdf, xlsx),
    )) for recipient in tracker.qiip())
    tracker.record(TRACKER_REF, "tracker_report", month, pdf.name)
    return {"pdf": str(pdf), "xlsx": str(xlsx), "emails": sent, **{rag: counts[rag] for rag in RAG_ORDER}}


# The workbook ------------------------------------------------------------------------------------

_FILLS = {RED: "F4C7C3", AMBER: "FCE8B2", GREEN: "B7E1CD"}


def write_tracker_workbook(context: dict[str, Any], target: Path) -> Path:
    """The same content as the PDF, for QiiP to sort and filter; every text cell formula-safe."""
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    for line in ([context["marking"]], ["Action tracker report", context["generated_on"]],
                 ["RAG", "green: complete or due more than 14 days ahead; amber: due within 14 days; red: overdue"]):
        about.append([safe_cell(value) for value in line])
    write_sheet(workbook, "Actions", ACTION_COLUMNS, [[r[c] for c in ACTION_COLUMNS] for r in context["rows"]])
    write_sheet(workbook, "By review finding", ("review_ref", "review_type", "title", *ACTION_COLUMNS[:2], "rag"),
                [[f.ref, f.review_type, f.title, r["audit_ref"], r["action_id"], r["rag"]]
                 for f, rows in context["by_finding"] for r in rows])
    write_sheet(workbook, "Overdue", ACTION_COLUMNS, [[r[c] for c in ACTION_COLUMNS] for r in context["overdue"]])
    write_sheet(workbook, "Unanswered findings", ("review_ref", "review_type", "title", "finding"),
                [[f.ref, f.review_type, f.title, f.finding] for f in context["unanswered"]])
    write_sheet(workbook, "Learning shared", ("audit_ref", "agency_code", "shared_on", "how"),
                [[ref, s.agency.code,
                  *((s.shared.shared_on, s.shared.how) if s.shared else (None, "not yet confirmed"))]
                 for ref, statuses in context["sharing"].items() for s in statuses])
    with private_file(target) as handle:
        workbook.save(handle)
    return target


def write_sheet(workbook: Any, title: str, header: tuple[str, ...], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    rag_column = header.index("rag") if "rag" in header else None
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
        if rag_column is not None:
            sheet.cell(sheet.max_row, rag_column + 1).fill = PatternFill("solid", fgColor=_FILLS[row[rag_column]])
    sheet.freeze_panes = "A2"
