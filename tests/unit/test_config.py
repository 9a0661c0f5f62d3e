"""The one Settings object: every MAA_* variable, its default when unset or empty, and a value read."""

from __future__ import annotations

from pathlib import Path

import pytest

from maa import config
from maa.config import PROJECT_DIR, VARIABLES, Settings


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    defaults = Settings.from_environment({})
    assert defaults == Settings(
        include_dir=PROJECT_DIR / "include", audits_dir=PROJECT_DIR / "include" / "audits",
        data_dir=PROJECT_DIR / "data", output_dir=PROJECT_DIR / "output", inbox_url=None,
        inbox_settle_seconds=5.0, inbox_poll_seconds=30.0, upload_wait_seconds=120.0, retry_delay_seconds=60.0,
        operator_email=None, mail_from="multi-agency-audit@localhost", up_port=8080)


def test_an_empty_variable_is_the_same_as_an_unset_one() -> None:
    assert Settings.from_environment(dict.fromkeys(VARIABLES, "")) == Settings.from_environment({})


def test_variables_are_read_as_their_kind(tmp_path: Path) -> None:
    read = Settings.from_environment({
        "MAA_INCLUDE_DIR": str(tmp_path / "include" / ".." / "include"),
        "MAA_INBOX_POLL_SECONDS": "0.5", "MAA_UP_PORT": "8181", "MAA_OPERATOR_EMAIL": "operator@example.org",
    })
    assert read.include_dir == tmp_path / "include"
    assert read.audits_dir == tmp_path / "include" / "audits", "the audits follow the include folder"
    assert (read.inbox_poll_seconds, read.up_port, read.operator_email) == (0.5, 8181, "operator@example.org")


def test_settings_follow_the_environment_as_it_stands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAA_DATA_DIR", str(tmp_path / "first"))
    assert config.data_dir() == tmp_path / "first"
    monkeypatch.setenv("MAA_DATA_DIR", str(tmp_path / "second"))
    assert config.audit_archive("MATA-2026-01") == tmp_path / "second" / "archive" / "MATA-2026-01"

