"""Airflow wiring: the DAG factory, its tasks, sensors and triggers.

Modules here import Airflow; nothing here imports pandas, GX or WeasyPrint at
module level, so parsing the DAG folder stays fast.
"""
