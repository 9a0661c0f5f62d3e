"""The product's settings: every `MAA_*` environment variable is read here and nowhere else.

`settings()` gives one frozen `Settings` for the environment as it stands; it is built once per
distinct environment (a test that changes a variable gets a new one, a task process builds one).
The README's table "Settings" lists the same variables with the same defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PROJECT_DIR = Path(__file__).resolve().parents[2]
# The [ref] of emails about the whole action tracker rather than one audit (its DAG file needs it at parse time).
TRACKER_REF = "ACTION-TRACKER"

# Every variable, its default, and what it is for (the README's table says the same).
VARIABLES: dict[str, tuple[str, str]] = {
    "MAA_INCLUDE_DIR": ("include/", "definitions, templates and SQL (the project's include/)"),
    "MAA_AUDITS_DIR": ("<include>/audits", "the audit definitions"),
    "MAA_DATA_DIR": ("data/", "inbox, archive, quarantine, mail spool, the embedded store"),
    "MAA_OUTPUT_DIR": ("output/", "reports and the outbox"),
    "MAA_INBOX_URL": ("", "an ObjectStoragePath URL for the inbox (a share, s3://...); default <data>/inbox"),
    "MAA_INBOX_SETTLE_SECONDS": ("5", "a file unchanged this long has finished arriving"),
    "MAA_INBOX_POLL_SECONDS": ("30", "how often a waiting inbox is looked at"),
    # The trigger's first-look hold, a poll, the settle time, starting the task and validating the file
    # all fit in the page's wait (tests/unit/web/test_uploads.py checks the sum).
    "MAA_UPLOAD_WAIT_SECONDS": ("120", "how long the upload page waits for a file's outcome"),
    "MAA_RETRY_DELAY_SECONDS": ("60", "the first retry's wait (it doubles, at most 30 minutes)"),
    "MAA_OPERATOR_EMAIL": ("", "who is emailed when a task fails for good"),
    "MAA_MAIL_FROM": ("multi-agency-audit@localhost", "the sender of every email"),
    "MAA_UP_PORT": ("8080", "the port `make up` serves Airflow's UI on"),
}


@dataclass(frozen=True)
class Settings:
    include_dir: Path
    audits_dir: Path
    data_dir: Path
    output_dir: Path
    inbox_url: str | None
    inbox_settle_seconds: float
    inbox_poll_seconds: float
    upload_wait_seconds: float
    retry_delay_seconds: float
    operator_email: str | None
    mail_from: str
    up_port: int

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> Settings:
        def value(name: str) -> str:
            return environment.get(name) or VARIABLES[name][0]

        def folder(name: str, default: Path) -> Path:
            return Path(environment.get(name) or default).resolve()

        include = folder("MAA_INCLUDE_DIR", PROJECT_DIR / "include")
        return cls(
            include_dir=include,
            audits_dir=folder("MAA_AUDITS_DIR", include / "audits"),
            data_dir=folder("MAA_DATA_DIR", PROJECT_DIR / "data"),
            output_dir=folder("MAA_OUTPUT_DIR", PROJECT_DIR / "output"),
            inbox_url=environment.get("MAA_INBOX_URL") or None,
            inbox_settle_seconds=float(value("MAA_INBOX_SETTLE_SECONDS")),
            inbox_poll_seconds=float(value("MAA_INBOX_POLL_SECONDS")),
            upload_wait_seconds=float(value("MAA_UPLOAD_WAIT_SECONDS")),
            retry_delay_seconds=float(value("MAA_RETRY_DELAY_SECONDS")),
            operator_email=environment.get("MAA_OPERATOR_EMAIL") or None,
            mail_from=value("MAA_MAIL_FROM"),
            up_port=int(value("MAA_UP_PORT")),
        )


@lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    return Settings.from_environment({n: v for n, v in zip(VARIABLES, values, strict=True) if v is not None})


def settings() -> Settings:
    """The settings for the environment as it stands now (built once per distinct environment)."""
    return _settings_for(tuple(os.environ.get(name) for name in VARIABLES))


# Where things are, from the settings ------------------------------------------------------------

def include_dir() -> Path:
    return settings().include_dir


def audits_dir() -> Path:
    return settings().audits_dir


def data_dir() -> Path:
    return settings().data_dir


def output_dir() -> Path:
    return settings().output_dir


def templates_dir() -> Path:
    return include_dir() / "templates"


def sql_dir() -> Path:
    return include_dir() / "sql"


def audit_archive(ref: str) -> Path:
    return data_dir() / "archive" / ref


def audit_quarantine(ref: str) -> Path:
    return data_dir() / "quarantine" / ref


def audit_output(ref: str) -> Path:
    return output_dir() / ref


def outbox_dir() -> Path:
    return output_dir() / "outbox"
