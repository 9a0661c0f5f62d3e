"""`make bench-in-flight`: many audits in flight at once, each with twelve agencies waiting for returns.

Airflow's own services run here as a partnership would run them on one machine (scheduler, DAG
processor, triggerer and API server; the LocalExecutor on a PostgreSQL metadata database, the audit
store on PostgreSQL too). N copies of the sample, widened to twelve agencies and two cases, are
triggered through the REST API in real time (no rehearsal): the notice date has passed and the
deadline is six weeks away, so once Phase 1 is done every agency's return is awaited. Then:

1. worker slots held while the audits wait: task instances running, sampled across every run (target 0);
2. the scheduler's and triggerer's CPU (share of one core) and resident memory over a quiet minute;
3. the time from a return landing in an inbox to its acknowledgement email (.eml in the outbox), for
   a few audits, with the inbox polled every POLL_SECONDS (production default: 300 s).

Usage: in_flight.py [--audits N] [--quiet-seconds S]
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import yaml
from report import Figure, say, summary_table
from workloads import case_refs, nominations_csv, phase1_definition, write_completed_return

from maa.audit.definitions import load_definition

AGENCIES, CASES = 12, 2
POLL_SECONDS = 10
LANDINGS = 5
POSTGRES_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def in_flight_ref(number: int) -> str:
    return f"MATA-2031-{number:03d}"


def write_audits(root: Path, count: int) -> list[Path]:
    """`count` twelve-agency audits that started last week, each with its case list already in the inbox."""
    start = date.today() - timedelta(days=date.today().weekday() + 7)  # last week's Monday
    paths = []
    for number in range(1, count + 1):
        definition = phase1_definition(AGENCIES)
        definition.update(ref=in_flight_ref(number), start=start)
        path = root / "audits" / f"{definition['ref']}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
        inbox = root / "data" / "inbox" / definition["ref"]
        inbox.mkdir(parents=True)
        (inbox / "nominations.csv").write_text(nominations_csv(CASES, start), encoding="utf-8")
        paths.append(path)
    return paths


@contextmanager
def postgres_database(purpose: str):
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"maa_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def group_usage(group: int) -> tuple[float, float]:
    """CPU seconds used so far and resident MB now, over a service's whole process group (its task
    processes and subprocesses included)."""
    import psutil

    cpu = rss = 0.0
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) != group:
                continue
            times = process.cpu_times()
            cpu += times.user + times.system
            rss += process.memory_info().rss
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue
    return cpu, rss / 1e6


def wait_until(read, done, timeout: float, every: float = 2.0):
    deadline = time.monotonic() + timeout
    while not done(value := read()) and time.monotonic() < deadline:
        time.sleep(every)
    return value


def measure(count: int, quiet_seconds: float) -> list[Figure]:
    from maa.ops.services import LocalAirflow, Person

    with tempfile.TemporaryDirectory(prefix="maa-in-flight-") as temporary, \
            postgres_database("airflow") as metadata, postgres_database("store") as store_url:
        root = Path(temporary)
        paths = write_audits(root, count)
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "MAA_"))},
            "AIRFLOW_HOME": str(root / "airflow-home"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[1] / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace("postgresql://", "postgresql+psycopg2://"),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "16",
            "AIRFLOW_CONN_MAA_STORE": store_url,
            "AIRFLOW_VAR_MAA_PSEUDONYM_KEY": "bench-only-pseudonym-key-0123456",
            "MAA_AUDITS_DIR": str(root / "audits"), "MAA_DATA_DIR": str(root / "data"),
            "MAA_OUTPUT_DIR": str(root / "output"),
            "MAA_INBOX_POLL_SECONDS": str(POLL_SECONDS), "MAA_INBOX_SETTLE_SECONDS": "0",
        }
        business_unit = {"business-unit": Person("Business Unit", "Bench Business Unit")}
        with LocalAirflow(environment, business_unit) as airflow:
            definitions = [load_definition(p) for p in paths]
            started = time.monotonic()
            runs = {d.dag_id: airflow.trigger(d.dag_id, "business-unit") for d in definitions}
            say(f"in flight: {count} audits triggered; waiting for {count * AGENCIES} agencies to wait")

            def waiting() -> int:  # total_entries: a page holds at most 100 task instances
                return sum(airflow.api("GET", f"/dags/~/dagRuns/~/taskInstances?task_id={task_id}&state=deferred"
                                              "&limit=1", "business-unit")["total_entries"]
                           for task_id in ("receive_return", "wait_for_submission_deadline"))

            expected = count * (AGENCIES + 1)  # every agency's return, and each audit's deadline
            deferred = wait_until(waiting, lambda n: n == expected, timeout=60 * 60, every=10)
            setup_s = time.monotonic() - started
            if deferred != expected:
                raise RuntimeError(f"only {deferred} of {expected} waits deferred after {setup_s:.0f} s")
            say(f"in flight: every agency waiting after {setup_s:.0f} s; a quiet {quiet_seconds:.0f} s follows")

            services = {name: airflow.processes[name].pid for name in ("scheduler", "triggerer")}
            before = {name: group_usage(pid) for name, pid in services.items()}
            held, holders, memory = [], collections.Counter(), {name: [] for name in services}
            quiet_until = time.monotonic() + quiet_seconds
            while time.monotonic() < quiet_until:
                running = airflow.api("GET", "/dags/~/dagRuns/~/taskInstances?state=running&limit=100",
                                      "business-unit")
                held.append(running["total_entries"])
                holders.update(ti["task_id"] for ti in running["task_instances"])
                for name, pid in services.items():
                    memory[name].append(group_usage(pid)[1])
                time.sleep(5)
            after = {name: group_usage(pid) for name, pid in services.items()}

            latencies, outbox = [], root / "output" / "outbox"
            for definition in definitions[:LANDINGS]:
                refs = case_refs(CASES)
                target = root / "data" / "inbox" / definition.ref / "returns" / "A02.xlsx"
                target.parent.mkdir(parents=True, exist_ok=True)
                staged = write_completed_return(definition, "A02", refs, root / f"{definition.ref}-A02.xlsx")
                landed = time.monotonic()
                staged.replace(target)
                wait_until(lambda ref=definition.ref: list(outbox.glob(f"{ref}--return_accepted-A02--*.eml")),
                           bool, timeout=10 * POLL_SECONDS + 120, every=0.5)
                latencies.append(time.monotonic() - landed)
            for dag_id, run_id in runs.items():
                airflow.stop_run(dag_id, run_id, "business-unit")

    figures = [
        Figure(f"{count} audits x {AGENCIES} agencies: all waiting after", setup_s, "s"),
        Figure("worker slots held while they wait (max of samples)", max(held), "count", target=0),
    ]
    for name in services:
        cpu_share = (after[name][0] - before[name][0]) / quiet_seconds * 100
        figures += [Figure(f"{name} CPU while they wait (% of one core)", cpu_share, "%"),
                    Figure(f"{name} memory while they wait (max RSS)", max(memory[name]), "MB")]
    figures += [
        Figure(f"return landed -> acknowledgement (median of {len(latencies)}, poll {POLL_SECONDS} s)",
               statistics.median(latencies), "s"),
        Figure("return landed -> acknowledgement (slowest)", max(latencies), "s"),
    ]
    if holders:
        say(f"in flight: tasks seen running while the audits waited: {dict(holders)}")
    return figures


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("--audits", type=int, default=50)
    arguments.add_argument("--quiet-seconds", type=float, default=60)
    options = arguments.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop Airflow's services and drop the databases
    figures = measure(options.audits, options.quiet_seconds)
    print()
    print(summary_table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
