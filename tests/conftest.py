"""Test environment: a private Airflow home, folders per test, real SMTP and PostgreSQL.

Airflow reads its configuration when first imported, so the environment is set
here, before any test module imports it.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_DEFINITION = PROJECT / "include" / "audits" / "MATA-2026-01.yaml"
PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef"
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="maa-airflow-home-"))

os.environ.update({
    "AIRFLOW_HOME": str(_AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(_AIRFLOW_HOME / "logs"),
    "AIRFLOW_VAR_MAA_PSEUDONYM_KEY": PSEUDONYM_KEY,
    "MAA_INBOX_SETTLE_SECONDS": "0",
    "MAA_INBOX_POLL_SECONDS": "0.5",
    # FAB (in-process API apps and the services tests start): tests log in far more often than people do,
    # and a role changed by a test applies at the next request, not after the user cache's 30 s.
    "AIRFLOW__FAB__AUTH_RATE_LIMITED": "False",
    "AIRFLOW__FAB__CACHE_TTL": "0",
})
for _inherited in ("AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_CONN_MAA_STORE", "MAA_AUDITS_DIR", "MAA_DATA_DIR",
                   "MAA_OUTPUT_DIR"):
    os.environ.pop(_inherited, None)

POSTGRES_ADMIN_URL = os.environ.get("MAA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
_POSTGRES_ADMIN_ENGINE_URL = POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg2://", 1)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database (SQLite in the session's Airflow home), migrated once."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=dict(os.environ),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _AIRFLOW_HOME


# The people the in-process tests log in as (FAB user records in the session's Airflow database).
PEOPLE = {
    "business-unit": ("Business Unit", "Dana Jones"),
    "qiip": ("QiiP", "Priya Nair"),
    "operator": ("Operator", "Ola Berg"),
    "admin": ("Admin", "Alex Admin"),
    "coordinator-pol": ("Coordinator POL", "Ben Okafor"),
    "coordinator-icb": ("Coordinator ICB", "Grace Mensah"),
}


def password_of(login: str) -> str:
    return f"{login}-password-for-tests"


@pytest.fixture(scope="session")
def fab_logins(airflow_db: Path) -> dict[str, tuple[str, str]]:
    """The roles (`maa roles sync`, for the sample's agencies) and PEOPLE's logins in the session's Airflow
    database, made as `make up` makes them. Tests that log in or answer a sign-off as someone use them with
    `fab_auth_manager`."""
    from maa.ops.services import AUTH_MANAGER

    logins = {login: {"role": role, "name": name, "password": password_of(login)}
              for login, (role, name) in PEOPLE.items()}
    environment = {**os.environ, "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER}
    environment.pop("MAA_AUDITS_DIR", None)
    done = subprocess.run([sys.executable, "-m", "maa.cli", "roles", "sync", "--local-logins"],
                          input=json.dumps(logins), env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return PEOPLE


@pytest.fixture
def fab_auth_manager(fab_logins: dict, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """This test runs under the project's FAB auth manager (roles checked, DAGs' access_control applied)."""
    from maa.ops.services import AUTH_MANAGER

    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", AUTH_MANAGER)
    return fab_logins


@dataclass
class AuditFolders:
    """Per-test audits, data and output folders, set in the environment."""

    audits: Path
    data: Path
    output: Path

    def write_definition(self, changes: dict[str, Any] | None = None, name: str | None = None,
                         remove: tuple[str, ...] = ()) -> Path:
        definition = sample_definition(changes, remove)
        path = self.audits / (name or f"{definition['ref']}.yaml")
        path.write_text(yaml.safe_dump(definition, sort_keys=False))
        return path

    def inbox(self, ref: str) -> Path:
        folder = self.data / "inbox" / ref
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def sample_definition(changes: dict[str, Any] | None = None, remove: tuple[str, ...] = ()) -> dict[str, Any]:
    definition = yaml.safe_load(SAMPLE_DEFINITION.read_text())
    definition = copy.deepcopy(definition)
    definition.update(changes or {})
    for key in remove:
        definition.pop(key, None)
    return definition


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditFolders:
    result = AuditFolders(tmp_path / "audits", tmp_path / "data", tmp_path / "output")
    for folder in (result.audits, result.data, result.output):
        folder.mkdir()
    monkeypatch.setenv("MAA_AUDITS_DIR", str(result.audits))
    monkeypatch.setenv("MAA_DATA_DIR", str(result.data))
    monkeypatch.setenv("MAA_OUTPUT_DIR", str(result.output))
    return result


# SMTP -----------------------------------------------------------------------------------------

@dataclass
class MailCatcher:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Any = None

    def go_down(self) -> None:
        """The mail server stops answering (connections refused) until `come_back`."""
        self.controller.stop()

    def come_back(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self.controller.start()

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == recipient]

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]


class _Collector:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.catcher.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server on loopback (aiosmtpd), wired in as Airflow's smtp_default connection."""
    catcher = MailCatcher("127.0.0.1", _free_port())
    catcher.come_back()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": catcher.host, "port": catcher.port,
        "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 10, "mail_catcher": True},
    }))
    yield catcher
    with contextlib.suppress(AssertionError, RuntimeError):  # already down
        catcher.controller.stop()


# PostgreSQL -----------------------------------------------------------------------------------

@contextmanager
def fresh_postgres_database(purpose: str):
    """A new, empty PostgreSQL database (its postgresql:// URL), dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(_POSTGRES_ADMIN_ENGINE_URL, isolation_level="AUTOCOMMIT")
    name = f"maa_test_{purpose}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable (.ci/run starts it): {exc}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_store(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh PostgreSQL database for the audit store, wired in as the maa_store connection."""
    from maa.outputs.store import _engine_for

    with fresh_postgres_database("store") as url:
        monkeypatch.setenv("AIRFLOW_CONN_MAA_STORE", url)
        yield url.replace("postgresql://", "postgresql+psycopg2://", 1)
        _engine_for.cache_clear()


# Nominations ----------------------------------------------------------------------------------

DISTINCTIVE_NAME = "Xanthippe Quorralind"
DISTINCTIVE_SYSTEM_ID = "QZX-99887766"
DISTINCTIVE_DOB = "2016-02-29"


def nominations_csv(rows: list[tuple[str, str, str, str]] | None = None) -> str:
    rows = rows if rows is not None else [
        ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB),
        ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17"),
    ]
    lines = ["case_ref,system_id,child_name,date_of_birth"] + [",".join(r) for r in rows]
    return "\n".join(lines) + "\n"
