"""What the DAG files cost, for `run.py`: the DAG processor's loop, ours beside dag-factory, and a task start.

1. One DAG-processor loop (parse, serialise, send to the manager) over our audits DAG file with 1, 100
   and 200 copies of the sample definition, and over dag-factory's loader with the same DAGs as YAML,
   each in a fresh process (probe_dag_processor).
2. A task start with 1 and 200 audits: the task runner's parse of the audits DAG file with the parsing
   context set (probe_task_start).

Rounds interleave every case (ours and dag-factory alternating), so a slow spell on the shared machine
touches them alike; figures are medians. A probe that builds the wrong DAGs fails the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probes import ProbeFailed, environment, run_probe
from report import Figure, median, say
from workloads import PROJECT, bench_ref, write_audit_copies, write_dagfactory_folder

from maa.audit.definitions import dag_id_for

OURS, DAG_FACTORY = "ours", "dag-factory"
COUNTS = (1, 100, 200)
TASK_START_COUNTS = (1, 200)
FEW, MANY = COUNTS[0], COUNTS[-1]
PER_AUDIT_TARGET_MS = 40.0  # parse and serialise, for each audit beyond the first
AHEAD_OF_DAG_FACTORY_TARGET = 3.0  # dag-factory's cost per further audit over ours, at least
TASK_START_GROWTH_TARGET = 1.5  # a task start with MANY audits over one with FEW, at most
LOOP_STEPS = {"parse": "parse", "serialise": "serialise", "loop": "one DAG-processor loop"}
PER_AUDIT_STEPS = {"parse+serialise": "parse + serialise", "loop": "one DAG-processor loop"}


@dataclass(frozen=True)
class DagFile:
    suite: str
    count: int
    path: Path  # the file the DAG processor (or the task runner) parses
    env: dict[str, str]


def dag_files(scratch: Path, airflow_home: Path) -> list[DagFile]:
    """Our audits DAG file over N copies of the sample, and dag-factory's loader over N YAML DAGs, for each N."""
    files = []
    for count in COUNTS:
        audits = write_audit_copies(scratch / f"audits-{count}", count)
        files.append(DagFile(OURS, count, PROJECT / "dags" / "maa_audits.py",
                             environment(airflow_home, PROJECT / "dags", MAA_AUDITS_DIR=str(audits))))
        folder = write_dagfactory_folder(scratch / f"dagfactory-{count}", count)
        files.append(DagFile(DAG_FACTORY, count, folder / "dagfactory_loader.py", environment(airflow_home, folder)))
    return files


def processor_loop(dag_file: DagFile) -> dict[str, Any]:
    sample = run_probe("probe_dag_processor.py", [str(dag_file.path)], dag_file.env)
    if sample["import_errors"] or sample["dags"] != dag_file.count:
        raise ProbeFailed(f"{dag_file.suite} x{dag_file.count}: {sample['dags']} DAGs serialised, {dag_file.count} "
                          f"expected; import errors: {sample['import_errors']}")
    return sample


def task_start(dag_file: DagFile) -> dict[str, Any]:
    """A task of the first audit starting: its DAG, and only its DAG, must come out of the parse."""
    dag_id = dag_id_for(bench_ref(1))
    sample = run_probe("probe_task_start.py", [str(dag_file.path), dag_id], dag_file.env)
    if sample["import_errors"] or sample["dags"] != [dag_id] or not sample["tasks"]:
        raise ProbeFailed(f"task start x{dag_file.count}: DAGs {sample['dags']} ({dag_id} expected alone); "
                          f"import errors: {sample['import_errors']}")
    return sample


Samples = dict[str, list[dict[str, Any]]]  # "loop ours x100", "task start x200": one sample per round


def measure_dags(scratch: Path, airflow_home: Path, rounds: int) -> Samples:
    """One unrecorded loop per suite first (the Airflow home writes its config, bytecode caches fill), then
    `rounds` rounds of every loop and task start."""
    files = dag_files(scratch, airflow_home)
    for dag_file in files:
        if dag_file.count == FEW:
            processor_loop(dag_file)
    starts = [f for f in files if f.suite == OURS and f.count in TASK_START_COUNTS]
    samples: Samples = {}
    for round_number in range(1, rounds + 1):
        for dag_file in files:
            loop = processor_loop(dag_file)
            samples.setdefault(f"loop {dag_file.suite} x{dag_file.count}", []).append(loop)
            say(f"  round {round_number}: {dag_file.suite:<11} x{dag_file.count:<3} parse "
                f"{loop['cpu_s']['parse']:.2f} s, serialise {loop['cpu_s']['serialise']:.2f} s, "
                f"loop {loop['cpu_s']['loop']:.2f} s CPU ({loop['wall_s']['loop']:.2f} s wall)")
            if dag_file in starts:
                start = task_start(dag_file)
                samples.setdefault(f"task start x{dag_file.count}", []).append(start)
                say(f"  round {round_number}: task start x{dag_file.count:<3} {start['cpu_s']['parse'] * 1000:.0f} ms "
                    f"CPU ({start['wall_s']['parse'] * 1000:.0f} ms wall)")
    return samples


def step_s(samples: Samples, key: str, step: str, clock: str = "cpu_s") -> float:
    """Median seconds of a step; parse and serialise together as 'parse+serialise'."""
    steps = step.split("+")
    return median(samples[key], lambda s: sum(s[clock][name] for name in steps))


def per_further_audit_ms(samples: Samples, suite: str, step: str, clock: str = "cpu_s") -> float:
    """What each audit beyond the first adds: (t_many - t_few) / (many - few), so fixed costs cancel out."""
    many, few = (step_s(samples, f"loop {suite} x{n}", step, clock) for n in (MANY, FEW))
    return (many - few) / (MANY - FEW) * 1000


def timed(measure: str, samples: Samples, key: str, step: str) -> Figure:
    """A step's median CPU and wall time, in milliseconds."""
    return Figure(measure, step_s(samples, key, step) * 1000, "ms", wall=step_s(samples, key, step, "wall_s") * 1000)


def loop_figures(samples: Samples) -> list[Figure]:
    """Each suite's steps at each count, what a further audit adds, the ratio to dag-factory and the sizes."""
    every_loop = [s for key, runs in samples.items() if key.startswith("loop") for s in runs]
    figures = [Figure("Airflow import in a parsing child", median(every_loop, lambda s: s["cpu_s"]["import"]) * 1000,
                      "ms", wall=median(every_loop, lambda s: s["wall_s"]["import"]) * 1000)]
    for suite in (OURS, DAG_FACTORY):
        figures += [timed(f"{suite} x{count}: {what}", samples, f"loop {suite} x{count}", step)
                    for count in COUNTS for step, what in LOOP_STEPS.items()]
        for step, what in PER_AUDIT_STEPS.items():
            figures.append(Figure(f"{suite}: {what}, per further audit", per_further_audit_ms(samples, suite, step),
                                  "ms", PER_AUDIT_TARGET_MS if (suite, step) == (OURS, "parse+serialise") else None,
                                  wall=per_further_audit_ms(samples, suite, step, "wall_s")))
        figures.append(Figure(f"{suite}: serialised DAG per audit (JSON)",
                              median(samples[f"loop {suite} x{MANY}"],
                                     lambda s: sum(s["serialised_bytes"]) / len(s["serialised_bytes"])) / 1024, "KB"))
        figures.append(Figure(f"{suite} x{MANY}: peak memory of the parsing child",
                              median(samples[f"loop {suite} x{MANY}"], lambda s: s["peak_rss_mb"]), "MB"))
    for step, what in PER_AUDIT_STEPS.items():
        ours, theirs = (per_further_audit_ms(samples, suite, step) for suite in (OURS, DAG_FACTORY))
        figures.append(Figure(f"dag-factory / ours, {what} per further audit", theirs / ours, "x",
                              AHEAD_OF_DAG_FACTORY_TARGET if step == "parse+serialise" else None, at_least=True))
    return figures


def task_start_figures(samples: Samples) -> list[Figure]:
    """The parse at a task start with FEW and MANY audits, and how much more MANY costs."""
    figures = [timed(f"task start x{count}: the runner's parse of the DAG file", samples, f"task start x{count}",
                     "parse") for count in TASK_START_COUNTS]
    few, many = (f.value for f in figures)
    figures.append(Figure(f"task start x{MANY} / x{FEW}", many / few, "x", TASK_START_GROWTH_TARGET))
    return figures


def dag_figures(samples: Samples) -> list[Figure]:
    return loop_figures(samples) + task_start_figures(samples)
