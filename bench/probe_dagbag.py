"""Subprocess probe: Airflow's own import time, then one DagBag parse of a dags folder.

`run.py` starts it in a fresh interpreter for every measurement, so no module
imported by one parse is already loaded for the next, as in a DAG processor's
fresh parsing process. The figures go to a JSON file (see probe_io).

Usage: probe_dagbag.py DAGS_FOLDER RESULT_JSON [--profile PSTATS_FILE]
"""

from __future__ import annotations

import argparse
import time

from probe_io import write_result


def import_dagbag() -> type:
    """Import the Task SDK and DagBag: the cost every parse pays before any DAG file is read.

    DagBag moved to airflow.dag_processing in Airflow 3.3; the fallback keeps the
    probe usable on the earlier 3.x layout.
    """
    import airflow.sdk  # noqa: F401

    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:
        from airflow.models.dagbag import DagBag
    return DagBag


def parse(dag_bag_class: type, dags_folder: str, profile_to: str | None):
    """One DagBag over the folder; optionally under cProfile to see where the time goes."""
    if profile_to is None:
        return dag_bag_class(dag_folder=dags_folder)
    import cProfile

    profiler = cProfile.Profile()
    bag = profiler.runcall(dag_bag_class, dag_folder=dags_folder)
    profiler.dump_stats(profile_to)
    return bag


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("dags_folder")
    arguments.add_argument("result")
    arguments.add_argument("--profile")
    options = arguments.parse_args()

    started = time.perf_counter()
    dag_bag_class = import_dagbag()
    imported = time.perf_counter()
    bag = parse(dag_bag_class, options.dags_folder, options.profile)
    parsed = time.perf_counter()

    write_result(options.result, {
        "import_s": imported - started,
        "parse_s": parsed - imported,
        "dags": len(bag.dags),
        "import_errors": {str(path): str(error)[:500] for path, error in bag.import_errors.items()},
    })


if __name__ == "__main__":
    main()
