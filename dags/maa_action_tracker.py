"""Airflow DAG `maa_action_tracker`: QiiP's daily action tracker across every approved audit.

The logic lives in the `maa` package; this file only asks the factory for the DAG.
"""

from maa.pipeline.tracker_dag import build_tracker_dag

dag = build_tracker_dag()
