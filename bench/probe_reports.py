"""Subprocess probe: the reports of Phases 3 and 4 for one audit, each timed on its own.

The audit is brought to the findings meeting first, untimed as figures though
kept in the JSON: Phase 1 up to the accepted case list, every agency's return
dropped into the inbox and received before the deadline, then the chair's
analysis (with its narrative) received. WeasyPrint's import and first PDF are
timed apart, once, so that each report's time is its own: a task process pays
that warm-up once besides. Then, in the pipeline's order, the practitioner pack
(built and emailed), the chair's briefing, the draft Audit Overview Report and,
after QiiP's recorded approval, the final report and learning briefing
(built and emailed). Pages are counted in every PDF produced, after timing.
`run.py` sets the environment as for Phase 1 (no SMTP: emails go to the outbox).

Usage: probe_reports.py DEFINITION_YAML DROPS_DIR RESULT_JSON
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from probe_io import Stopwatch, write_result
from probe_phase1 import setup

REPORTS = ("practitioner_pack", "chair_briefing", "draft_report", "final_report")


def to_findings_meeting(watch: Stopwatch, definition: Any, store: Any, mailer: Any, drops: Path,
                        definition_file: str) -> None:
    """Phase 1 to the accepted case list; every return dropped and received; the chair's analysis received."""
    from maa import config
    from maa.audit.timetable import at_send_time
    from maa.meeting import chair_analysis
    from maa.pipeline import resources
    from maa.preparation import case_list, notice
    from maa.returns import receiving

    timetable = definition.timetable
    inbox = config.data_dir() / "inbox" / definition.ref
    after_notice = at_send_time(timetable["notice_issued"]) + timedelta(hours=1)
    key = resources.pseudonym_key
    watch.step("prepare", lambda: notice.prepare(definition, definition_file, store, key=key))
    watch.step("receive_nominations",
               lambda: case_list.receive_nominations(definition, store, mailer, after_notice, key=key))

    def drop_and_receive_returns() -> list[str]:
        # The morning of the deadline: on time, with no reminder still to send.
        before_deadline = at_send_time(timetable["submission_deadline"])
        (inbox / "returns").mkdir(parents=True, exist_ok=True)
        statuses = []
        for agency in definition.agencies:
            shutil.copy(drops / "returns" / f"{agency.code}.xlsx", inbox / "returns" / f"{agency.code}.xlsx")
            statuses.append(receiving.receive_return(definition, store, mailer, agency.code, before_deadline).status)
        return statuses

    def drop_and_receive_analysis() -> Any:
        (inbox / "chair").mkdir(parents=True, exist_ok=True)
        for name in ("analysis.xlsx", "narrative.md"):
            shutil.copy(drops / "chair" / name, inbox / "chair" / name)
        return chair_analysis.receive_analysis(definition, store, mailer, at_send_time(timetable["review_end"]))

    watch.step("receive_returns", drop_and_receive_returns)
    watch.step("receive_analysis", drop_and_receive_analysis)


def warm_up_weasyprint() -> Path:
    """WeasyPrint's import and a first, tiny PDF (fonts found, caches filled), apart from any report."""
    from maa.outputs import rendering

    with tempfile.TemporaryDirectory(prefix="maa-bench-warm-up-") as scratch:
        return rendering.html_to_pdf("<html><body><p>Warm-up</p></body></html>", Path(scratch) / "warm-up.pdf")


def approve(definition: Any, store: Any, day: date) -> None:
    """The sign-off as the procedure has it: the Business Unit's quality assurance, then QiiP's approval."""
    from maa.signoff.decisions import APPROVE, Decision, record_decision

    at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    for stage, by in (("bu_quality_assurance", "business-unit"), ("qiip_signoff", "qiip")):
        record_decision(store, definition.ref, Decision(round=1, stage=stage, option=APPROVE, by=by, at=at,
                                                        comment=""))


def build_reports(watch: Stopwatch, definition: Any, store: Any, mailer: Any) -> None:
    """Each report on the day the pipeline would build it."""
    from maa.meeting import chair_briefing, practitioner_pack
    from maa.signoff import drafts, final_report

    timetable = definition.timetable
    watch.step("weasyprint_warm_up", warm_up_weasyprint)
    watch.step("practitioner_pack", lambda: practitioner_pack.send_practitioner_pack(
        definition, store, mailer, timetable["submission_deadline"]))
    watch.step("chair_briefing",
               lambda: chair_briefing.build_chair_briefing(definition, store, timetable["review_end"]))
    watch.step("draft_report", lambda: drafts.build_draft(definition, store, 1, timetable["chair_report_due"]))
    approve(definition, store, timetable["signoff_due"])
    watch.step("final_report", lambda: final_report.publish_final(definition, store, mailer, timetable["signoff_due"]))


def pdf_pages(definition: Any) -> dict[str, int]:
    """Pages of each report's PDFs (the final report comes with the learning briefing)."""
    from pypdf import PdfReader

    from maa import config

    folder = config.audit_output(definition.ref)
    files = {
        "practitioner_pack": ["practitioner-pack.pdf"],
        "chair_briefing": ["chair-briefing.pdf"],
        "draft_report": ["audit-overview-report-draft.pdf"],
        "final_report": ["audit-overview-report.pdf", "learning-briefing.pdf"],
    }
    return {report: sum(len(PdfReader(folder / name).pages) for name in names) for report, names in files.items()}


def outcome(watch: Stopwatch, store: Any, definition: Any, pages: dict[str, int]) -> dict[str, Any]:
    """What the run achieved, so that `run.py` can refuse figures from a run that failed part-way."""
    final = watch.returned["final_report"]
    return {
        "cases": len(store.cases(definition.ref)),
        "returns_accepted": sum(status == "accepted" for status in watch.returned["receive_returns"]),
        "findings": len(store.findings(definition.ref)),
        "analysis_accepted": watch.returned["receive_analysis"].accepted_version is not None,
        "pack_emails": watch.returned["practitioner_pack"],
        "final_emailed": final["emails"] > 0,
        "actions_tracked": len(store.actions(definition.ref)),
        "every_pdf_has_pages": all(count > 0 for count in pages.values()),
    }


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("definition", type=Path)
    arguments.add_argument("drops", type=Path)
    arguments.add_argument("result", type=Path)
    options = arguments.parse_args()

    watch = Stopwatch()
    definition, store, mailer = watch.step("setup", lambda: setup(options.definition))
    to_findings_meeting(watch, definition, store, mailer, options.drops, options.definition.name)
    build_reports(watch, definition, store, mailer)
    pages = pdf_pages(definition)
    reports_s = sum(watch.seconds[report] for report in REPORTS)
    write_result(options.result, {
        "steps_s": watch.seconds,
        "reports_s": reports_s,
        "pages": pages,
        "pages_per_s": sum(pages.values()) / reports_s,
        "outcome": outcome(watch, store, definition, pages),
    })


if __name__ == "__main__":
    main()
