"""Trivial callables for the dag-factory comparison DAGs.

The comparison measures how long a YAML-to-DAG tool takes to build DAGs, not
what the tasks do, so the PythonOperators and the nominations sensor point here.
The parse probe runs from this folder, so `bench_tasks.noop` is importable there.
"""


def noop(**_context: object) -> None:
    """Stands in for every Phase 1 task body."""


def nominations_received(**_context: object) -> bool:
    """Stands in for the nominations check: the sensor's poke."""
    return True
