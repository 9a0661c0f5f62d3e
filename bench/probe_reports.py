"""Subprocess probe: the reports of the findings meeting and the draft for one audit, each timed on its own.

Two modes, each a fresh interpreter. `prepare` brings the audit to the findings meeting once (its figures
are kept in the JSON, not reported): the case list accepted, every agency's return dropped into the inbox
and received before the deadline, the chair's analysis (with its narrative) received. `reports` then
builds, on a copy of that state restored for each round, in the pipeline's order: the practitioner pack
(built and emailed), the chair's briefing and the draft Audit Overview Report. WeasyPrint's import and
first PDF are timed apart, so that each report's time is its own: a task process pays that warm-up once
besides. Pages are counted in every PDF, after timing. `run.py` sets the environment (no SMTP: emails go
to the outbox).

Usage: probe_reports.py prepare DEFINITION_YAML DROPS_DIR RESULT_JSON
       probe_reports.py reports DEFINITION_YAML RESULT_JSON
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from probe_io import Stopwatch, write_result

PDFS = {"practitioner_pack": "practitioner-pack.pdf", "chair_briefing": "chair-briefing.pdf",
        "draft_report": "audit-overview-report-draft.pdf"}


def setup(definition_path: Path) -> tuple[Any, Any, Any]:
    """What every task does first: import the package, read the definition, open the store and the mailer."""
    from maa.audit.definitions import load_definition
    from maa.pipeline import resources

    definition = load_definition(definition_path)
    store = resources.store()
    return definition, store, resources.mailer(store)


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


def build_reports(watch: Stopwatch, definition: Any, store: Any, mailer: Any) -> None:
    """Each report on the day the pipeline would build it."""
    from maa.meeting import chair_briefing, practitioner_pack
    from maa.signoff import drafts

    timetable = definition.timetable
    watch.step("weasyprint_warm_up", warm_up_weasyprint)
    watch.step("practitioner_pack", lambda: practitioner_pack.send_practitioner_pack(
        definition, store, mailer, timetable["submission_deadline"]))
    watch.step("chair_briefing",
               lambda: chair_briefing.build_chair_briefing(definition, store, timetable["review_end"]))
    watch.step("draft_report", lambda: drafts.build_draft(definition, store, 1, timetable["chair_report_due"]))


def pdf_pages(definition: Any) -> dict[str, int]:
    """Pages of each report's PDF."""
    from pypdf import PdfReader

    from maa import config

    folder = config.audit_output(definition.ref)
    return {report: len(PdfReader(folder / name).pages) for report, name in PDFS.items()}


def prepared(watch: Stopwatch, store: Any, definition: Any) -> dict[str, Any]:
    """What `prepare` achieved, so that `run.py` can refuse a state that is not the findings meeting's."""
    return {
        "cases": len(store.cases(definition.ref)),
        "returns_accepted": sum(status == "accepted" for status in watch.returned["receive_returns"]),
        "findings": len(store.findings(definition.ref)),
        "analysis_accepted": watch.returned["receive_analysis"].accepted_version is not None,
    }


def prepare(definition_path: Path, drops: Path) -> dict[str, Any]:
    watch = Stopwatch()
    definition, store, mailer = watch.step("setup", lambda: setup(definition_path))
    to_findings_meeting(watch, definition, store, mailer, drops, definition_path.name)
    return {**watch.figures(), "outcome": prepared(watch, store, definition)}


def reports(definition_path: Path) -> dict[str, Any]:
    watch = Stopwatch()
    definition, store, mailer = watch.step("setup", lambda: setup(definition_path))
    build_reports(watch, definition, store, mailer)
    pages = pdf_pages(definition)
    return {**watch.figures(), "pages": pages,
            "outcome": {"pack_emails": watch.returned["practitioner_pack"],
                        "every_pdf_has_pages": all(count > 0 for count in pages.values())}}


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    modes = arguments.add_subparsers(dest="mode", required=True)
    prepare_mode = modes.add_parser("prepare")
    prepare_mode.add_argument("definition", type=Path)
    prepare_mode.add_argument("drops", type=Path)
    prepare_mode.add_argument("result", type=Path)
    reports_mode = modes.add_parser("reports")
    reports_mode.add_argument("definition", type=Path)
    reports_mode.add_argument("result", type=Path)
    options = arguments.parse_args()
    figures = prepare(options.definition, options.drops) if options.mode == "prepare" else reports(options.definition)
    write_result(options.result, figures)


if __name__ == "__main__":
    main()
