"""What several test modules share: test data, readers of what the pipeline writes, and drivers of Airflow and
the browser. Fixtures stay in the conftest.py files; test modules import from here, never from each other."""
