"""A return validated, and the reports built, for `run.py`: what the tasks of an audit cost.

1. One agency return (10 cases x 6 domains) validated in a fresh process, as each receiving task does:
   the whole process (interpreter, imports, Great Expectations' context) and the check alone.
2. The practitioner pack, the chair's briefing and the draft report of an audit of REPORTS_AGENCIES
   agencies at each of REPORTS_CASES cases: the audit is brought to the findings meeting once per size,
   then each round builds the reports in a fresh process on a copy of that state.

Rounds interleave the sizes; figures are medians. A probe that did not reach its expected outcome (a
return refused, a report not built or not sent) fails the run; a figure that misses its target does not.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probes import ProbeFailed, run_probe, workspace_environment
from report import Figure, median, say
from workloads import ReportsWorkspace, write_reports_workspace, write_returns_workload

DOMAINS = 6  # the definitions' default domains: one Findings row per case and domain

# Returns --------------------------------------------------------------------------------------

RETURNS_AGENCIES, RETURNS_CASES = 6, 10


def measure_returns(scratch: Path, airflow_home: Path, rounds: int) -> list[dict[str, Any]]:
    """The same workbook each round (validation only reads it), each round in a new process."""
    workload = write_returns_workload(scratch / "returns", RETURNS_AGENCIES, RETURNS_CASES, 1)
    workspace, (return_file,) = workload.workspace, workload.returns
    samples = []
    for round_number in range(1, rounds + 1):
        sample = run_probe("probe_returns.py", [str(workspace.definition), str(workspace.case_list), str(return_file)],
                           workspace_environment(airflow_home, workspace))
        if sample["findings_rows"] != RETURNS_CASES * DOMAINS:
            raise ProbeFailed(f"returns: {sample['findings_rows']} Findings rows, {RETURNS_CASES * DOMAINS} expected")
        samples.append(sample)
        say(f"  round {round_number}: a return in a fresh process {sample['process_cpu_s']:.2f} s CPU "
            f"({sample['process_wall_s']:.2f} s wall), the check {sample['cpu_s']['check']:.2f} s CPU")
    return samples


def returns_figures(samples: list[dict[str, Any]]) -> list[Figure]:
    label = f"A return ({RETURNS_CASES} cases x {DOMAINS} domains)"
    return [
        Figure(f"{label} validated in a fresh process, imports included",
               median(samples, lambda s: s["process_cpu_s"]), "s", wall=median(samples, lambda s: s["process_wall_s"])),
        Figure(f"{label}: of which check_return (GX imported and set up in it)", median(
            samples, lambda s: s["cpu_s"]["check"]), "s", wall=median(samples, lambda s: s["wall_s"]["check"])),
        Figure(f"{label}: peak memory", median(samples, lambda s: s["peak_rss_mb"]), "MB"),
    ]


# Reports --------------------------------------------------------------------------------------

REPORTS_AGENCIES, REPORTS_CASES = 6, (10, 30)
REPORTS_PROBE_TIMEOUT_S = 600  # a report of many pages takes minutes; a hung WeasyPrint should still end the run
CHAIR_BRIEFING_TARGET_S = 5.0  # CPU, at the fewer cases
REPORTS = {  # probe step: what it produces
    "weasyprint_warm_up": "WeasyPrint import + first PDF",
    "practitioner_pack": "practitioner pack (built, emailed)",
    "chair_briefing": "chair's briefing",
    "draft_report": "draft Audit Overview Report",
}


@dataclass(frozen=True)
class PreparedAudit:
    """An audit at its findings meeting, and a pristine copy of it to restore before each round."""

    cases: int
    workspace: ReportsWorkspace
    root: Path
    pristine: Path

    def restore(self) -> None:
        shutil.rmtree(self.root)
        shutil.copytree(self.pristine, self.root)


def prepare(scratch: Path, airflow_home: Path, cases: int) -> PreparedAudit:
    """The audit of `cases` cases taken to its findings meeting (every return and the analysis accepted)."""
    root = scratch / f"reports-{cases}"
    workspace = write_reports_workspace(root, REPORTS_AGENCIES, cases)
    sample = run_probe("probe_reports.py", ["prepare", str(workspace.audit.definition), str(workspace.drops)],
                       workspace_environment(airflow_home, workspace.audit), timeout_s=REPORTS_PROBE_TIMEOUT_S)
    expected = {"cases": cases, "returns_accepted": REPORTS_AGENCIES,
                "findings": REPORTS_AGENCIES * cases * DOMAINS, "analysis_accepted": True}
    if sample["outcome"] != expected:
        raise ProbeFailed(f"{cases} cases: the findings meeting was not reached: {sample['outcome']} "
                          f"(expected {expected})")
    pristine = scratch / f"reports-{cases}-at-the-findings-meeting"
    shutil.copytree(root, pristine)
    say(f"  {cases} cases: at the findings meeting after {sample['process_wall_s']:.0f} s")
    return PreparedAudit(cases, workspace, root, pristine)


def build_reports(audit: PreparedAudit, airflow_home: Path) -> dict[str, Any]:
    """The three reports in a fresh process; refuses a run in which one was not built or the pack not sent."""
    audit.restore()
    sample = run_probe("probe_reports.py", ["reports", str(audit.workspace.audit.definition)],
                       workspace_environment(airflow_home, audit.workspace.audit), timeout_s=REPORTS_PROBE_TIMEOUT_S)
    # The pack goes to the chair, and to each agency's coordinator and nominated practitioner.
    expected = {"pack_emails": 1 + 2 * REPORTS_AGENCIES, "every_pdf_has_pages": True}
    if sample["outcome"] != expected:
        raise ProbeFailed(f"{audit.cases} cases: the reports did not complete: {sample['outcome']} "
                          f"(expected {expected})")
    return sample


def measure_reports(scratch: Path, airflow_home: Path, rounds: int) -> dict[int, list[dict[str, Any]]]:
    audits = [prepare(scratch, airflow_home, cases) for cases in REPORTS_CASES]
    samples: dict[int, list[dict[str, Any]]] = {audit.cases: [] for audit in audits}
    for round_number in range(1, rounds + 1):
        for audit in audits:
            sample = build_reports(audit, airflow_home)
            samples[audit.cases].append(sample)
            steps = ", ".join(f"{step} {sample['cpu_s'][step]:.1f} s" for step in REPORTS)
            say(f"  round {round_number}: {audit.cases} cases: {steps} CPU; {sum(sample['pages'].values())} pages")
    return samples


def reports_figures(samples: dict[int, list[dict[str, Any]]]) -> list[Figure]:
    """Each report at each size, CPU and wall, with its pages; WeasyPrint's warm-up apart (paid once per task)."""
    figures = []
    for cases, runs in samples.items():
        label = f"Reports ({REPORTS_AGENCIES} agencies, {cases} cases)"
        for step, what in REPORTS.items():
            target = CHAIR_BRIEFING_TARGET_S if (step, cases) == ("chair_briefing", REPORTS_CASES[0]) else None
            figures.append(Figure(f"{label}: {what}", median(runs, lambda s, step=step: s["cpu_s"][step]), "s", target,
                                  wall=median(runs, lambda s, step=step: s["wall_s"][step])))
        figures += [Figure(f"{label}: pages, {what}", median(runs, lambda s, step=step: s["pages"][step]), "count")
                    for step, what in REPORTS.items() if step != "weasyprint_warm_up"]
        figures.append(Figure(f"{label}: peak memory", median(runs, lambda s: s["peak_rss_mb"]), "MB"))
    return figures
