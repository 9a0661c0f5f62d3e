# Multi-agency audit pipeline. Every target creates .venv when it is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(BIN):$(PATH)

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DEFAULT_TIMEZONE := Europe/London
# Airflow hides these variables' values (beyond its own list: password, secret...) in logs, the API and the UI.
export AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES ?= pseudonym
export MAA_DATA_DIR ?= $(CURDIR)/data
export MAA_OUTPUT_DIR ?= $(CURDIR)/output

AUDIT ?=
DATA ?=
PYTEST_ARGS ?=
TEST_WORKERS ?= 2

.PHONY: setup demo test test-fast up down lint bench bench-in-flight bench-pages lock clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

demo: setup
	$(BIN)/maa demo $(if $(AUDIT),--audit $(AUDIT)) $(if $(DATA),--data $(DATA))

# The fast tests run on two workers (pytest-xdist: each has its own Airflow home, folders and ports); the slow
# end-to-end runs one at a time, since each keeps both cores busy with Airflow's own processes.
test: test-fast
	$(BIN)/pytest -m slow $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -m "not slow" -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Airflow's services in the background on http://localhost:8080 (SQLite, LocalExecutor, parallelism 4): users for
# the Business Unit, QiiP, the operator, an admin and each coordinator of the audits defined; passwords made on the
# first start, shown once, kept in $(AIRFLOW_HOME)/users.json (not in git); logs in $(AIRFLOW_HOME)/service-logs.
up: setup
	$(BIN)/python -m maa.ops.local up

down: setup
	$(BIN)/python -m maa.ops.local down

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run.py

# 50 audits in flight on Airflow's services (PostgreSQL on 127.0.0.1): slots held, CPU, memory, acknowledgement time.
bench-in-flight: setup
	$(BIN)/python bench/in_flight.py $(BENCH_ARGS)

bench-pages: setup
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

lock:
	$(BIN)/python -m pip freeze --exclude-editable > /tmp/maa-freeze.txt
	@echo "Review /tmp/maa-freeze.txt against requirements.txt and requirements-dev.txt"

clean:
	rm -rf .airflow .demo output/outbox/dry-run .pytest_cache .ruff_cache .mypy_cache
