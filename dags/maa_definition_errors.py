"""Airflow import errors for audit definitions that cannot be used (DAG-less by design).

Kept apart from maa_audits.py so that a broken definition never hides the other audits' DAGs.
"""

from maa.pipeline.factory import raise_definition_errors

raise_definition_errors()
