"""`make bench`: how long Airflow takes to parse our audits, next to dag-factory, and what the phases cost.

1. The dags folder parsed by DagBag with 1 and with 100 audit definitions, in a
   fresh interpreter each time; Airflow's own import is timed apart, because a
   DAG file can only be judged on what it adds to it.
2. astronomer's dag-factory building the same DAG, task for task, from 100 YAML files,
   parsed the same way, for scale.
3. Phase 1 (12 agencies, 10 cases) through `maa.phase1`, step by step, with its
   peak memory.
4. Phase 2: 20 completed agency returns (10 cases x 6 domains each) validated by
   `maa.returns.checks.check_return` in one process: the first with its imports, the
   rest each, how often Great Expectations is imported (once), peak memory.
5. Phases 3 and 4 (12 agencies, 10 cases): the audit taken to the findings
   meeting (nominations, every return, the chair's analysis), then the
   practitioner pack, chair's briefing, draft and final reports timed one by
   one, with the pages of every PDF and peak memory (see measure_phases).

Every figure is the median of ROUNDS runs. Targets are printed beside the
figures; missing one is reported, never a failure. A probe that crashes or
builds the wrong number of DAGs does fail the run: its figures would be wrong.

Usage: run.py [--rounds N] [--profile]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from measure_phases import (
    REPORTS_AGENCIES,
    REPORTS_CASES,
    RETURNS_AGENCIES,
    RETURNS_CASES,
    RETURNS_COUNT,
    measure_reports,
    measure_returns,
    reports_figures,
    returns_figures,
)
from probes import ProbeFailed, environment, run_probe, workspace_environment
from report import Figure, median, repeat, say, summary_table, write_json
from workloads import (
    BENCH,
    PROJECT,
    write_audit_copies,
    write_dagfactory_folder,
    write_phase1_workspace,
)

ROUNDS = 3
FEW, MANY = 1, 100
PARSE_BEYOND_IMPORT_TARGET_S = 1.0
PER_EXTRA_AUDIT_TARGET_MS = 10.0
PHASE1_AGENCIES, PHASE1_CASES = 12, 10
PHASE1_STEPS = ("setup", "prepare", "send_notice", "receive_nominations", "build_audit_packs", "send_audit_packs")
RESULTS = BENCH / "results"
OURS, DAG_FACTORY = "ours", "dag-factory"


# Parsing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParseCase:
    suite: str
    count: int
    dags_folder: Path
    env: dict[str, str]


# Each (suite, audit count)'s probe results, one per round.
Samples = dict[tuple[str, int], list[dict[str, Any]]]


def parse_cases(scratch: Path, airflow_home: Path) -> list[ParseCase]:
    """Our dags folder over N copies of the sample, and dag-factory's folder with N YAML DAGs, for each N."""
    cases = []
    for count in (FEW, MANY):
        audits = write_audit_copies(scratch / f"audits-{count}", count)
        cases.append(ParseCase(OURS, count, PROJECT / "dags",
                               environment(airflow_home, PROJECT / "dags", MAA_AUDITS_DIR=str(audits))))
        folder = write_dagfactory_folder(scratch / f"dagfactory-{count}", count)
        cases.append(ParseCase(DAG_FACTORY, count, folder, environment(airflow_home, folder)))
    return cases


def parse_once(case: ParseCase, profile_to: Path | None = None) -> dict[str, Any]:
    """One DagBag in a fresh process; refuses a parse that did not build exactly one DAG per audit."""
    options = ["--profile", str(profile_to)] if profile_to else []
    sample = run_probe("probe_dagbag.py", [str(case.dags_folder), *options], case.env)
    if sample["import_errors"] or sample["dags"] != case.count:
        raise ProbeFailed(f"{case.suite} x{case.count}: {sample['dags']} DAGs built, {case.count} expected; "
                          f"import errors: {sample['import_errors']}")
    return sample


def measure_parsing(cases: list[ParseCase], rounds: int) -> Samples:
    """Rounds interleave the cases, so a slow spell on the machine touches all of them alike.

    One unrecorded parse per suite first: the new Airflow home writes its config
    then, and bytecode caches are filled, which no real parse after the first pays.
    """
    for case in cases:
        if case.count == FEW:
            parse_once(case)
    samples: Samples = {(c.suite, c.count): [] for c in cases}
    for round_number in range(1, rounds + 1):
        for case in cases:
            sample = parse_once(case)
            samples[(case.suite, case.count)].append(sample)
            say(f"  parse {case.suite:<11} x{case.count:<3} round {round_number}: "
                f"import {sample['import_s']:.2f} s, parse {sample['parse_s']:.3f} s, "
                f"{sample['peak_rss_mb']:.0f} MB")
    return samples


def parse_s(samples: Samples, suite: str, count: int) -> float:
    """Median parse time beyond Airflow's import: what the DAG files themselves cost."""
    return median(samples[(suite, count)], lambda s: s["parse_s"])


def per_extra_audit_ms(samples: Samples, suite: str) -> float:
    """What each audit beyond the first adds: (t_many - t_few) / (many - few), so fixed costs cancel out."""
    return (parse_s(samples, suite, MANY) - parse_s(samples, suite, FEW)) / (MANY - FEW) * 1000


def suite_figures(samples: Samples, suite: str, targets: tuple[float | None, float | None]) -> list[Figure]:
    """The same four figures for either suite; targets (parse of one audit, per extra audit) apply to ours."""
    return [
        Figure(f"{suite}: parse {FEW} audit beyond import", parse_s(samples, suite, FEW), "s", targets[0]),
        Figure(f"{suite}: parse {MANY} audits beyond import", parse_s(samples, suite, MANY), "s"),
        Figure(f"{suite}: per extra audit", per_extra_audit_ms(samples, suite), "ms", targets[1]),
        Figure(f"{suite}: peak memory, parse {MANY} audits",
               median(samples[(suite, MANY)], lambda s: s["peak_rss_mb"]), "MB"),
    ]


def parse_figures(samples: Samples) -> list[Figure]:
    """Airflow's import once, then the same figures for each suite, then dag-factory against ours."""
    every_sample = [sample for runs in samples.values() for sample in runs]
    return [
        Figure("Airflow import (airflow.sdk + DagBag)", median(every_sample, lambda s: s["import_s"]), "s"),
        *suite_figures(samples, OURS, (PARSE_BEYOND_IMPORT_TARGET_S, PER_EXTRA_AUDIT_TARGET_MS)),
        *suite_figures(samples, DAG_FACTORY, (None, None)),
        Figure(f"dag-factory / ours, parse {MANY} audits",
               parse_s(samples, DAG_FACTORY, MANY) / parse_s(samples, OURS, MANY), "x"),
    ]


def profile_parse(case: ParseCase) -> str:
    """Where a parse of many audits spends its time: the top of a cProfile by cumulative time."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    profile = RESULTS / f"parse-{case.count}.prof"
    parse_once(case, profile_to=profile)
    text = io.StringIO()
    stats = pstats.Stats(str(profile), stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(25)
    return f"cProfile of {case.suite} x{case.count} (saved as {profile}):\n{text.getvalue()}"


# Phase 1 ----------------------------------------------------------------------------------------

def phase1_once(scratch: Path, airflow_home: Path, run_number: int) -> dict[str, Any]:
    """One Phase 1 in a fresh process and a fresh workspace; refuses a run that did not reach the end."""
    workspace = write_phase1_workspace(scratch / f"phase1-{run_number}", PHASE1_AGENCIES, PHASE1_CASES)
    sample = run_probe("probe_phase1.py", [str(workspace.definition)], workspace_environment(airflow_home, workspace))
    expected = {"notices_sent": PHASE1_AGENCIES, "nominations_accepted": True,
                "packs_built": PHASE1_AGENCIES, "packs_sent": PHASE1_AGENCIES}
    if sample["outcome"] != expected:
        raise ProbeFailed(f"Phase 1 did not complete as expected: {sample['outcome']} (expected {expected})")
    return sample


def measure_phase1(scratch: Path, airflow_home: Path, rounds: int) -> list[dict[str, Any]]:
    """Phase 1 `rounds` times, each from nothing (new store, inbox and outbox), as a new audit would run."""
    return repeat(rounds, lambda number: phase1_once(scratch, airflow_home, number),
                  lambda sample: f"{sample['total_s']:.2f} s, {sample['peak_rss_mb']:.0f} MB", "phase 1")


def phase1_figures(samples: list[dict[str, Any]]) -> list[Figure]:
    """Each step's median, so the slow step stands out; 'setup' is imports, definition, store and mailer."""
    label = f"Phase 1 ({PHASE1_AGENCIES} agencies, {PHASE1_CASES} cases)"
    figures = [Figure(f"{label}: {step}", median(samples, lambda s, step=step: s["steps_s"][step]), "s")
               for step in PHASE1_STEPS]
    figures.append(Figure(f"{label}: total", median(samples, lambda s: s["total_s"]), "s"))
    figures.append(Figure(f"{label}: peak memory", median(samples, lambda s: s["peak_rss_mb"]), "MB"))
    return figures


# Report -----------------------------------------------------------------------------------------

def context(rounds: int, elapsed_s: float) -> dict[str, Any]:
    """What the figures depend on, so that runs on other machines or versions are not compared blindly."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": rounds,
        "statistic": "median",
        "elapsed_s": round(elapsed_s, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "versions": {name: version(name) for name in ("apache-airflow", "apache-airflow-task-sdk", "dag-factory")},
        "phase1": {"agencies": PHASE1_AGENCIES, "cases": PHASE1_CASES},
        "returns": {"agencies": RETURNS_AGENCIES, "cases": RETURNS_CASES, "returns": RETURNS_COUNT},
        "reports": {"agencies": REPORTS_AGENCIES, "cases": REPORTS_CASES},
    }


# Everything, in order --------------------------------------------------------------------------

def measure_parse_section(scratch: Path, airflow_home: Path,
                          options: argparse.Namespace) -> tuple[list[Figure], dict[str, list[dict[str, Any]]]]:
    """Our dags folder and dag-factory's, profiled when ours misses its per-audit target (or when asked)."""
    cases = parse_cases(scratch, airflow_home)
    say(f"Parsing with DagBag: {FEW} and {MANY} audits, ours and dag-factory, {options.rounds} rounds")
    samples = measure_parsing(cases, options.rounds)
    if options.profile or per_extra_audit_ms(samples, OURS) > PER_EXTRA_AUDIT_TARGET_MS:
        say(profile_parse(next(c for c in cases if (c.suite, c.count) == (OURS, MANY))))
    return parse_figures(samples), {f"{suite} x{count}": runs for (suite, count), runs in samples.items()}


# Each section: what it measures, then how to run it (scratch, Airflow home, rounds) and turn its samples into figures.
Section = tuple[str, Callable[[Path, Path, int], list[dict[str, Any]]], Callable[[list[dict[str, Any]]], list[Figure]]]
PHASE_SECTIONS: dict[str, Section] = {
    "phase1": ("Phase 1 through maa.phase1", measure_phase1, phase1_figures),
    "returns": ("Agency returns through maa.returns.checks.check_return", measure_returns, returns_figures),
    "reports": ("Reports of Phases 3 and 4 through maa.phase3 and maa.phase4", measure_reports, reports_figures),
}


def measure_all(options: argparse.Namespace) -> tuple[list[Figure], dict[str, Any]]:
    """Parse benchmarks first (they are the quick ones), then each phase in the pipeline's order."""
    with tempfile.TemporaryDirectory(prefix="maa-bench-") as temporary:
        scratch = Path(temporary)
        airflow_home = scratch / "airflow-home"
        airflow_home.mkdir()
        figures, parse_samples = measure_parse_section(scratch, airflow_home, options)
        samples: dict[str, Any] = {"parse": parse_samples}
        for name, (title, measure, to_figures) in PHASE_SECTIONS.items():
            say(f"{title}: {options.rounds} rounds")
            samples[name] = measure(scratch, airflow_home, options.rounds)
            figures += to_figures(samples[name])
    return figures, samples


def main() -> int:
    """Every measurement, then the table and the JSON."""
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--rounds", type=int, default=ROUNDS, help="runs per measurement (median reported)")
    arguments.add_argument("--profile", action="store_true",
                           help=f"profile our {MANY}-audit parse even when it is within target")
    options = arguments.parse_args()
    started = time.monotonic()
    figures, samples = measure_all(options)
    elapsed = time.monotonic() - started
    print()
    print(summary_table(figures))
    write_json(RESULTS / "latest.json", figures, context(options.rounds, elapsed), samples)
    print(f"\nMedians of {options.rounds} runs; {elapsed:.0f} s in all. Saved to {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
