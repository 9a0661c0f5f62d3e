"""dag-factory's loader for the comparison: one airflow DAG per YAML file beside it.

Copied as-is into the temporary dags folder; DagBag imports it like any DAG file.
"""

from pathlib import Path

from dagfactory import load_yaml_dags

_HERE = str(Path(__file__).resolve().parent)

load_yaml_dags(globals_dict=globals(), dags_folder=_HERE, defaults_config_path=_HERE)
