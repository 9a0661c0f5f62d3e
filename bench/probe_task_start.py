"""Subprocess probe: the DAG file parse at a task start, as Airflow's task runner does it.

To run one task the runner parses the task's DAG file in a fresh process, with the parsing context
naming the task's DAG (`_AIRFLOW_PARSING_CONTEXT_DAG_ID`), into a BundleDagBag, then looks the DAG up.
The probe imports what the runner has imported by then (the Task SDK, BundleDagBag), then times that
parse: CPU time of this process, and wall time.

Usage: probe_task_start.py DAG_FILE DAG_ID RESULT_JSON
"""

from __future__ import annotations

import argparse
from pathlib import Path

from probe_io import Stopwatch, write_result


def import_runner() -> tuple[type, object]:
    import airflow.sdk  # noqa: F401
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.sdk.definitions._internal.dag_parsing_context import _airflow_parsing_context_manager

    return BundleDagBag, _airflow_parsing_context_manager


def parse(bag_class: type, parsing_context: object, dag_file: Path, dag_id: str, task_id: str) -> object:
    """The runner's parse: the DAG file alone, the context naming the DAG and the task."""
    with parsing_context(dag_id=dag_id, task_id=task_id):
        return bag_class(dag_folder=str(dag_file), safe_mode=False, load_op_links=False, bundle_path=dag_file.parent,
                         bundle_name="dags-folder")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("dag_file", type=Path)
    arguments.add_argument("dag_id")
    arguments.add_argument("result")
    options = arguments.parse_args()

    watch = Stopwatch()
    bag_class, parsing_context = watch.step("import", import_runner)
    bag = watch.step("parse", lambda: parse(bag_class, parsing_context, options.dag_file.resolve(), options.dag_id,
                                            "prepare_audit"))
    dag = bag.dags.get(options.dag_id)
    write_result(options.result, {
        **watch.figures(),
        "dags": sorted(bag.dags),
        "tasks": len(dag.tasks) if dag else 0,
        "import_errors": {str(path): str(error)[:500] for path, error in bag.import_errors.items()},
    })


if __name__ == "__main__":
    main()
