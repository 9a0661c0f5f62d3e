"""Multi-agency safeguarding audit pipeline.

Everything that is not Airflow wiring lives here, in modules named for what
they are about, so that the CLI, the tests and the DAGs share one code path.
"""
