"""Phases 2 to 4 for `run.py`: agency returns validated, then the reports built from them.

Each measurement runs its probe in a fresh interpreter, ROUNDS times, and
reports medians, as Phase 1 does in `run.py`. A probe that did not reach its
expected outcome (a return refused, a report not built or not sent) fails the
run; a figure over its target does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probes import ProbeFailed, run_probe, workspace_environment
from report import Figure, median, repeat
from workloads import ACTIONS, ReturnsWorkload, write_reports_workspace, write_returns_workload

DOMAINS = 6  # the definitions' default domains: one Findings row per case and domain

# Returns --------------------------------------------------------------------------------------

RETURNS_AGENCIES, RETURNS_CASES, RETURNS_COUNT = 6, 10, 20
GX_IMPORTS_TARGET = 1  # Great Expectations is imported once per process, however many files it validates


def returns_once(workload: ReturnsWorkload, airflow_home: Path) -> dict[str, Any]:
    """Every return validated in one fresh process; refuses a run in which any return was not accepted."""
    workspace = workload.workspace
    sample = run_probe("probe_returns.py",
                       [str(workspace.definition), str(workspace.case_list), *map(str, workload.returns)],
                       workspace_environment(airflow_home, workspace))
    rows = RETURNS_CASES * DOMAINS
    if sample["accepted"] != RETURNS_COUNT or sample["findings_rows"] != [rows] * RETURNS_COUNT:
        raise ProbeFailed(f"returns: {sample['accepted']} of {RETURNS_COUNT} accepted, Findings rows "
                          f"{sample['findings_rows']} ({rows} expected in each)")
    return sample


def measure_returns(scratch: Path, airflow_home: Path, rounds: int) -> list[dict[str, Any]]:
    """The same workbooks each round (validation only reads them), each round in a new process."""
    workload = write_returns_workload(scratch / "returns", RETURNS_AGENCIES, RETURNS_CASES, RETURNS_COUNT)
    return repeat(rounds, lambda _: returns_once(workload, airflow_home), lambda sample: (
        f"first {sample['first_s']:.2f} s, then {sample['median_later_s']:.3f} s each, "
        f"GX imported {sample['gx_imports']}x, {sample['peak_rss_mb']:.0f} MB"), "returns")


def returns_figures(samples: list[dict[str, Any]]) -> list[Figure]:
    label = f"Returns ({RETURNS_COUNT} x {RETURNS_CASES * DOMAINS} rows, {RETURNS_AGENCIES} agencies)"
    return [
        Figure(f"{label}: first return, imports included", median(samples, lambda s: s["first_s"]), "s"),
        Figure(f"{label}: per return after the first", median(samples, lambda s: s["median_later_s"]), "s"),
        Figure(f"{label}: great_expectations imports", median(samples, lambda s: s["gx_imports"]), "count",
               GX_IMPORTS_TARGET),
        Figure(f"{label}: peak memory", median(samples, lambda s: s["peak_rss_mb"]), "MB"),
    ]


# Reports --------------------------------------------------------------------------------------

REPORTS_AGENCIES, REPORTS_CASES = 12, 10
REPORTS_PROBE_TIMEOUT_S = 400  # the reports take a minute or more; a hung WeasyPrint should still end the run
CHAIR_BRIEFING_TARGET_S = 5.0
REPORTS = {  # probe step: what it produces
    "practitioner_pack": "practitioner pack (built, emailed)",
    "chair_briefing": "chair's briefing",
    "draft_report": "draft Audit Overview Report",
    "final_report": "final report + learning briefing (emailed)",
}
TARGETS_S = {"chair_briefing": CHAIR_BRIEFING_TARGET_S}


def expected_reports_outcome() -> dict[str, Any]:
    """Every return and the analysis accepted; the pack to the chair, each coordinator and practitioner."""
    return {
        "cases": REPORTS_CASES,
        "returns_accepted": REPORTS_AGENCIES,
        "findings": REPORTS_AGENCIES * REPORTS_CASES * DOMAINS,
        "analysis_accepted": True,
        "pack_emails": 1 + 2 * REPORTS_AGENCIES,
        "final_emailed": True,
        "actions_tracked": len(ACTIONS),
        "every_pdf_has_pages": True,
    }


def reports_once(scratch: Path, airflow_home: Path, run_number: int) -> dict[str, Any]:
    """One audit from nothing to its final report in a fresh process and workspace."""
    workspace = write_reports_workspace(scratch / f"reports-{run_number}", REPORTS_AGENCIES, REPORTS_CASES)
    sample = run_probe("probe_reports.py", [str(workspace.audit.definition), str(workspace.drops)],
                       workspace_environment(airflow_home, workspace.audit), timeout_s=REPORTS_PROBE_TIMEOUT_S)
    expected = expected_reports_outcome()
    if sample["outcome"] != expected:
        raise ProbeFailed(f"the reports did not complete as expected: {sample['outcome']} (expected {expected})")
    return sample


def measure_reports(scratch: Path, airflow_home: Path, rounds: int) -> list[dict[str, Any]]:
    def describe(sample: dict[str, Any]) -> str:
        steps = ", ".join(f"{step} {sample['steps_s'][step]:.1f} s" for step in REPORTS)
        return f"{steps}; {sum(sample['pages'].values())} pages, {sample['peak_rss_mb']:.0f} MB"

    return repeat(rounds, lambda number: reports_once(scratch, airflow_home, number), describe, "reports")


def reports_figures(samples: list[dict[str, Any]]) -> list[Figure]:
    """Each report apart (WeasyPrint's warm-up too, paid once per task process), then the whole set."""
    label = f"Reports ({REPORTS_AGENCIES} agencies, {REPORTS_CASES} cases)"
    figures = [Figure(f"{label}: WeasyPrint import + first PDF",
                      median(samples, lambda s: s["steps_s"]["weasyprint_warm_up"]), "s")]
    figures += [Figure(f"{label}: {what}", median(samples, lambda s, step=step: s["steps_s"][step]), "s",
                       TARGETS_S.get(step))
                for step, what in REPORTS.items()]
    figures += [
        Figure(f"{label}: total, four reports", median(samples, lambda s: s["reports_s"]), "s"),
        Figure(f"{label}: pages, all PDFs", median(samples, lambda s: sum(s["pages"].values())), "count"),
        Figure(f"{label}: pages per second", median(samples, lambda s: s["pages_per_s"]), "pages/s"),
        Figure(f"{label}: peak memory", median(samples, lambda s: s["peak_rss_mb"]), "MB"),
    ]
    return figures
