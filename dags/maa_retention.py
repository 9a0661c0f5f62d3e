"""Airflow DAG `maa_retention`: identifying files removed retention_days after the audit ended, daily.

The logic lives in the `maa` package (maa.privacy.retention); this file only asks the factory for the DAG.
"""

from maa.pipeline.retention_dag import retention_dag

dag = retention_dag()
