"""The project's DAG folder parsed as Airflow's DAG processor parses it."""

from __future__ import annotations

from tests.helpers.definitions import PROJECT


def dag_bag():
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # older layout
        from airflow.models.dagbag import DagBag
    return DagBag(dag_folder=str(PROJECT / "dags"))
