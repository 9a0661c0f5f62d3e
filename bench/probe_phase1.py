"""Subprocess probe: Phase 1 of one audit through `maa.phase1`, step by step, without Airflow's scheduler.

A fresh interpreter, like a task process: each step's time includes the first
use of what it imports (Great Expectations for the nominations, WeasyPrint for
the packs), which is what a real task run pays. `run.py` sets the environment
(data, output and audits folders, the pseudonym key, no SMTP connection, so
every email goes to the outbox). The figures go to a JSON file.

Usage: probe_phase1.py DEFINITION_YAML RESULT_JSON
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from probe_io import Stopwatch, write_result

from maa.pipeline import resources


def setup(definition_path: Path) -> tuple[Any, Any, Any]:
    """What every Phase 1 task does first: import the package, read the definition, open store and mailer."""
    from maa.audit.definitions import load_definition

    definition = load_definition(definition_path)
    store = resources.store()
    return definition, store, resources.mailer(store)


def run_phase1(definition_path: Path) -> Stopwatch:
    """prepare → send_notice → receive_nominations → build_audit_packs → send_audit_packs."""
    watch = Stopwatch()
    definition, store, mailer = watch.step("setup", lambda: setup(definition_path))
    from maa.audit.timetable import at_send_time
    from maa.preparation import audit_packs, case_list, notice

    # A moment just after the notice went out: the case list is in, no reminder is due yet.
    now = at_send_time(definition.timetable["notice_issued"]) + timedelta(hours=1)
    key = resources.pseudonym_key
    watch.step("prepare", lambda: notice.prepare(definition, definition_path.name, store, key=key))
    watch.step("send_notice", lambda: notice.send_notice(definition, mailer))
    watch.step("receive_nominations", lambda: case_list.receive_nominations(definition, store, mailer, now, key=key))
    watch.step("build_audit_packs", lambda: audit_packs.build_audit_packs(definition, store, now.date()))
    watch.step("send_audit_packs", lambda: audit_packs.send_audit_packs(definition, mailer))
    return watch


def outcome(watch: Stopwatch) -> dict[str, Any]:
    """What the run achieved, so that `run.py` can refuse figures from a run that failed part-way."""
    return {
        "notices_sent": watch.returned["send_notice"],
        "nominations_accepted": watch.returned["receive_nominations"].accepted,
        "packs_built": len(watch.returned["build_audit_packs"]),
        "packs_sent": watch.returned["send_audit_packs"],
    }


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("definition", type=Path)
    arguments.add_argument("result", type=Path)
    options = arguments.parse_args()

    watch = run_phase1(options.definition)
    write_result(options.result, {
        "steps_s": watch.seconds,
        "total_s": sum(watch.seconds.values()),
        "outcome": outcome(watch),
    })


if __name__ == "__main__":
    main()
