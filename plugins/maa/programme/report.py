"""QiiP's programme report for a period: `output/programme/programme-report-<from>-<to>.pdf` and `.xlsx`.

The evidence for the partnership's yearly report and for a PAA's first area: audits by type and phase, returns
on time per agency, grades per domain across audits and year on year, recurring themes, actions by status
and RAG, review findings no action answers, and the Audit Panel's decisions. OFFICIAL: counts, codes and
labels only (see maa.programme.records), both files owner-only and every workbook text cell formula-safe.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from maa import config
from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL
from maa.outputs.private_files import private_file
from maa.outputs.store import Store
from maa.preparation.return_template import GRADES, safe_cell
from maa.programme.records import GOOD_GRADES, Period, ProgrammeRecords, programme_records
from maa.tracker.report import RAG_ORDER, write_sheet

PROGRAMME_FOLDER = "programme"


def report_paths(period: Period) -> tuple[Path, Path]:
    stem = config.output_dir() / PROGRAMME_FOLDER / f"programme-report-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}"
    return stem.with_suffix(".pdf"), stem.with_suffix(".xlsx")


def good_share(grades: Counter) -> str:
    """Outstanding or Good as a share of the findings graded (those "Not involved" are not graded)."""
    graded = sum(grades[g] for g in GRADES if g != "Not involved")
    return f"{sum(grades[g] for g in GOOD_GRADES) * 100 / graded:.0f}%" if graded else "n/a"


def build_programme_report(store: Store, definitions: list[AuditDefinition], period: Period,
                           today: date) -> tuple[Path, Path, ProgrammeRecords]:
    """Both files for the period, as the records stand today (or on the period's last day, if that is earlier);
    a second run for the same period rewrites its own files."""
    records = programme_records(store, definitions, period, min(today, period.last))
    pdf, xlsx = report_paths(period)
    context = {"audit": {"ref": "Audit programme"}, "marking": OFFICIAL, "records": records, "grades": GRADES,
               "rag_order": RAG_ORDER, "good_share": good_share, "generated_on": today}
    rendering.html_to_pdf(rendering.render("reports/programme_report.html", **context), pdf)
    write_programme_workbook(records, xlsx, today)
    return pdf, xlsx, records


def write_programme_workbook(records: ProgrammeRecords, target: Path, today: date) -> Path:
    """The PDF's figures as sheets QiiP can sort and filter."""
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    for line in ([OFFICIAL], ["Programme report", records.period.first, records.period.last],
                 ["Statuses and RAG as at", records.as_of], ["Made on", today]):
        about.append([safe_cell(value) for value in line])
    write_sheet(workbook, "Audits", ("ref", "type", "title", "theme", "start", "signoff_due", "phase", "approved_on"),
                [[a.ref, a.type, a.title, a.theme, a.start, a.signoff_due, a.phase, a.approved_on]
                 for a in records.audits])
    write_sheet(workbook, "Returns by agency", ("agency", "name", "asked", "on_time", "late", "no_return",
                                                "awaiting", "on_time_share"),
                [[r.code, r.name, r.asked, r.on_time, r.late, r.no_return, r.awaiting, r.on_time_share]
                 for r in records.returns])
    write_sheet(workbook, "Grades by domain", ("domain", *GRADES),
                [[domain, *(grades[g] for g in GRADES)] for domain, grades in records.grades.items()])
    write_sheet(workbook, "Grades by year", ("year", "domain", *GRADES),
                [[year, domain, *(grades[g] for g in GRADES)]
                 for year, domains in records.grades_by_year.items() for domain, grades in sorted(domains.items())])
    write_sheet(workbook, "Recurring themes", ("kind", "theme_or_domain", "audits"),
                [["theme", r.label, "; ".join(r.audits)] for r in records.themes]
                + [["weak domain", r.label, "; ".join(r.audits)] for r in records.weak_domains])
    write_sheet(workbook, "Actions", ("audit_ref", "action_id", "owner_agency", "due_date", "theme", "status", "rag"),
                [[a.audit_ref, a.action_id, a.owner_agency, a.due_date, a.theme, a.status, a.rag]
                 for a in records.actions])
    write_sheet(workbook, "Impact reviews", ("audit_ref", "reported_on"), [list(r) for r in records.impact_reviews])
    write_sheet(workbook, "Unanswered findings", ("review_ref", "review_type", "title"),
                [[f.ref, f.review_type, f.title] for f in records.unanswered])
    write_sheet(workbook, "Panel decisions", ("audit_ref", "approved_on", "minute", "sources", "nominated",
                                              "selected", "not_selected"),
                [[p.ref, p.approved_on, p.minute, "; ".join(p.sources), p.nominated, p.selected,
                  "; ".join(f"{count}: {reason}" for count, reason in p.not_selected)] for p in records.panel]
                + [[ref, None, "none recorded", None, None, None, None] for ref in records.no_panel])
    with private_file(target) as handle:
        workbook.save(handle)
    return target


def financial_year(day: date) -> Period:
    """The financial year (1 April to 31 March) `day` falls in: the partnership's yearly report's period."""
    first = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return Period(first, date(first.year + 1, 3, 31))


def period_from_text(first: str, last: str) -> Period:
    """The period as typed (YYYY-MM-DD twice); ValueError saying which is wrong."""
    days: list[date] = []
    for which, text in (("first", first), ("last", last)):
        try:
            days.append(date.fromisoformat(text.strip()))
        except ValueError:
            raise ValueError(f"the period's {which} day, {text!r}, is not a date: write it as YYYY-MM-DD") from None
    return Period(*days)

