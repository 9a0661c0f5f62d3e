"""`make bench`: what the audits cost Airflow and what their tasks cost, next to dag-factory where it compares.

1. The DAG processor's loop over our audits DAG file (parse, serialise, send) with 1, 100 and 200
   audits, beside dag-factory building the same DAGs from YAML; a task start with 1 and 200 audits
   (see measure_dags).
2. One agency return validated in a fresh process, imports included; the practitioner pack, the
   chair's briefing and the draft report at 10 and 30 cases (see measure_phases).

Every measurement is a fresh process. Timed figures are CPU time (of the measured process) with the
wall time beside; each is the median of ROUNDS interleaved runs. Targets are printed beside the figures;
missing one is reported, never a failure. A probe that crashes or builds the wrong DAGs does fail the run:
its figures would be wrong. The figures go to bench/results/latest.json and bench/RESULTS.md.

Usage: run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from measure_dags import COUNTS, TASK_START_COUNTS, dag_figures, measure_dags
from measure_phases import (
    REPORTS_AGENCIES,
    REPORTS_CASES,
    RETURNS_CASES,
    measure_reports,
    measure_returns,
    reports_figures,
    returns_figures,
)
from report import Figure, markdown_table, say, summary_table, write_json
from workloads import BENCH

ROUNDS = 5
RESULTS = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"
PACKAGES = ("apache-airflow", "apache-airflow-task-sdk", "dag-factory", "great_expectations", "pandas", "weasyprint",
            "openpyxl", "pydantic", "jsonschema")

# Each section: what it measures, how to run it (scratch, Airflow home, rounds), how its samples become figures.
Section = tuple[str, Callable[[Path, Path, int], Any], Callable[[Any], list[Figure]]]
SECTIONS: dict[str, Section] = {
    "dags": (f"DAG-processor loops at {'/'.join(map(str, COUNTS))} audits, ours and dag-factory, and task starts "
             f"at {'/'.join(map(str, TASK_START_COUNTS))}", measure_dags, dag_figures),
    "returns": (f"A return of {RETURNS_CASES} cases validated in a fresh process", measure_returns, returns_figures),
    "reports": (f"The reports of a {REPORTS_AGENCIES}-agency audit at {' and '.join(map(str, REPORTS_CASES))} cases",
                measure_reports, reports_figures),
}


def machine() -> dict[str, Any]:
    """What the figures depend on, so that runs on other machines or versions are not compared blindly."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gib": round(memory_gib, 1), "python": platform.python_version(),
            "platform": platform.platform(), "processor": platform.processor() or platform.machine()}


def context(rounds: int, elapsed_s: float, load_before: tuple[float, ...]) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": rounds,
        "statistic": "median",
        "elapsed_s": round(elapsed_s, 1),
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "machine": machine(),
        "versions": {name: version(name) for name in PACKAGES},
    }


def results_markdown(figures: list[Figure], about: dict[str, Any]) -> str:
    """RESULTS.md: the table, then the machine and versions it came from, then how to read it."""
    box = about["machine"]
    load = about["load_average"]
    versions = ", ".join(f"{name} {number}" for name, number in about["versions"].items())
    return "\n".join([
        "# Benchmark results (`make bench`)",
        "",
        f"Run {about['generated_at']}; {about['rounds']} interleaved rounds, medians; {about['elapsed_s']:.0f} s in "
        f"all.",
        f"Machine: {box['cores']} cores ({box['processor']}), {box['memory_gib']} GiB memory, {box['platform']}, "
        f"Python {box['python']}; load average {load['before'][0]} before, {load['after'][0]} after (the machine "
        "is shared, so wall times vary far more than CPU times).",
        f"Packages: {versions}.",
        "",
        markdown_table(figures),
        "",
        "How to read it: *figure* is CPU time of the measured process (a size, count or ratio where the unit says",
        "so) and *wall* the elapsed time beside it. A DAG-processor loop is what Airflow's parsing child does for",
        "one DAG file: parse it (DagBag), serialise each DAG (`DagSerialization.to_dict`) and frame the result for",
        "the manager; the manager's database writes are not included, for either suite. *Per further audit* is",
        f"(t at {COUNTS[-1]} - t at {COUNTS[0]}) / {COUNTS[-1] - COUNTS[0]}, so fixed costs cancel out. A task start",
        "is the task runner's parse of the DAG file with the parsing context set, after Airflow's own imports. The",
        "return is validated in a fresh interpreter timed from outside (interpreter start and every import",
        "included). Each report is built in a fresh process from an audit brought to its findings meeting once.",
        "",
    ])


def measure_all(rounds: int) -> tuple[list[Figure], dict[str, Any]]:
    """Each section in order, in one scratch folder with its own Airflow home."""
    figures: list[Figure] = []
    samples: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="maa-bench-") as temporary:
        scratch = Path(temporary)
        airflow_home = scratch / "airflow-home"
        airflow_home.mkdir()
        for name, (title, measure, to_figures) in SECTIONS.items():
            say(f"{title}: {rounds} rounds")
            samples[name] = measure(scratch, airflow_home, rounds)
            figures += to_figures(samples[name])
    return figures, samples


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved runs per measurement (median)")
    options = arguments.parse_args()
    load_before, started = os.getloadavg(), time.monotonic()
    figures, samples = measure_all(options.rounds)
    about = context(options.rounds, time.monotonic() - started, load_before)
    print()
    print(summary_table(figures))
    write_json(RESULTS / "latest.json", figures, about, samples)
    RESULTS_MD.write_text(results_markdown(figures, about), encoding="utf-8")
    print(f"\nMedians of {options.rounds} rounds; {about['elapsed_s']:.0f} s in all. Saved to {RESULTS_MD} and "
          f"{RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
