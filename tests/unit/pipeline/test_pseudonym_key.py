"""The pseudonym key is a secret to Airflow: masked in task log lines by Airflow's own masker, and named
sensitive in the environments the project builds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import structlog

from maa.ops.demo import airflow_environment
from maa.pipeline.pseudonym_key import with_pseudonym_sensitive
from maa.pipeline.resources import pseudonym_key
from tests.helpers.definitions import PROJECT
from tests.helpers.nominations import PSEUDONYM_KEY


def task_log_line(message: str) -> dict:
    """`message` logged through the processors Airflow's task logging uses, secrets masker included."""
    from airflow.sdk.log import logging_processors

    written = io.BytesIO()
    structlog.wrap_logger(structlog.BytesLogger(written), processors=list(logging_processors(json_output=True))).info(
        message)
    return json.loads(written.getvalue())


def test_once_read_the_key_is_masked_in_a_task_log_line() -> None:
    assert pseudonym_key() == PSEUDONYM_KEY.encode()
    line = task_log_line(f"hashing system ids with {PSEUDONYM_KEY} for C-01")
    assert line["event"] == "hashing system ids with *** for C-01"


def test_the_environment_the_project_builds_names_pseudonym_sensitive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES", raising=False)
    assert airflow_environment(PROJECT, tmp_path, tmp_path)["AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES"] == "pseudonym"
    monkeypatch.setenv("AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES", "nhs_number, mosaic")
    assert airflow_environment(PROJECT, tmp_path, tmp_path)["AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES"] == \
        "nhs_number,mosaic,pseudonym"


@pytest.mark.parametrize(("configured", "expected"), [("", "pseudonym"), ("pseudonym", "pseudonym"),
                                                       ("token_x,pseudonym ,y", "token_x,pseudonym,y")])
def test_pseudonym_is_added_to_the_sensitive_names_once(configured: str, expected: str) -> None:
    assert with_pseudonym_sensitive(configured) == expected
