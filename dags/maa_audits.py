"""Airflow DAGs for multi-agency audits: one DAG per definition in include/audits/ (or MAA_AUDITS_DIR).

The logic lives in the `maa` package; this file only asks the factory for the DAGs.
"""

from maa.pipeline.factory import audit_dags

globals().update(audit_dags())
