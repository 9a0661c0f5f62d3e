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
export MAA_DATA_DIR ?= $(CURDIR)/data
export MAA_OUTPUT_DIR ?= $(CURDIR)/output

AUDIT ?=
DATA ?=
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast up lint bench lock clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

demo: setup
	$(BIN)/maa demo $(if $(AUDIT),--audit $(AUDIT)) $(if $(DATA),--data $(DATA))

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

# Who may log in to `make up`: the sign-off stages are assigned to business-unit and qiip (MAA_BUSINESS_UNIT_USERS,
# MAA_QIIP_USERS). Passwords are made on first start, printed once, kept in .airflow/ (not in git).
UP_USERS ?= admin:admin,business-unit:user,qiip:user,operator:op

# A local pseudonym key for this machine's runs; a real deployment sets the variable in a secrets backend.
PSEUDONYM_KEY_FILE := $(AIRFLOW_HOME)/pseudonym-key

up: setup
	@mkdir -p $(AIRFLOW_HOME)
	@test -s $(PSEUDONYM_KEY_FILE) || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(PSEUDONYM_KEY_FILE))
	$(BIN)/airflow db migrate >/dev/null
	@echo "make up: http://localhost:8080, users (name:role) $(UP_USERS); passwords are in" \
	  "$(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated (made on the first start)"
	AIRFLOW_VAR_MAA_PSEUDONYM_KEY=$$(cat $(PSEUDONYM_KEY_FILE)) AIRFLOW__CORE__PARALLELISM=4 \
	  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$(UP_USERS)" $(BIN)/airflow standalone

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/run.py

lock:
	$(BIN)/python -m pip freeze --exclude-editable > /tmp/maa-freeze.txt
	@echo "Review /tmp/maa-freeze.txt against requirements.txt and requirements-dev.txt"

clean:
	rm -rf .airflow .demo output/outbox/dry-run .pytest_cache .ruff_cache
