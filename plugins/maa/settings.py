"""Where things are: folders from the environment, with the documented defaults."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PROJECT_DIR = Path(__file__).resolve().parents[2]


def _folder(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default).resolve()


def include_dir() -> Path:
    return _folder("MAA_INCLUDE_DIR", PROJECT_DIR / "include")


def audits_dir() -> Path:
    return _folder("MAA_AUDITS_DIR", include_dir() / "audits")


def data_dir() -> Path:
    return _folder("MAA_DATA_DIR", PROJECT_DIR / "data")


def output_dir() -> Path:
    return _folder("MAA_OUTPUT_DIR", PROJECT_DIR / "output")


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


# The [ref] of emails about the whole action tracker rather than one audit (its DAG file needs it at parse time).
TRACKER_REF = "ACTION-TRACKER"
