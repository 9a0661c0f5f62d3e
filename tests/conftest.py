"""Test environment: a private Airflow home, folders per test, real SMTP and PostgreSQL.

Airflow reads its configuration when first imported, so the environment is set
here, before any test module imports it. What tests share besides fixtures is in tests/helpers/.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from maa.ops.services import free_port
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import PSEUDONYM_KEY
from tests.helpers.people import PEOPLE, password_of
from tests.helpers.postgres import fresh_postgres_database

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


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database (SQLite in the session's Airflow home), migrated once."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, env=dict(os.environ),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return _AIRFLOW_HOME


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


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditFolders:
    result = AuditFolders(tmp_path / "audits", tmp_path / "data", tmp_path / "output")
    for folder in (result.audits, result.data, result.output):
        folder.mkdir()
    monkeypatch.setenv("MAA_AUDITS_DIR", str(result.audits))
    monkeypatch.setenv("MAA_DATA_DIR", str(result.data))
    monkeypatch.setenv("MAA_OUTPUT_DIR", str(result.output))
    return result


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server on loopback (aiosmtpd), wired in as Airflow's smtp_default connection."""
    catcher = MailCatcher("127.0.0.1", free_port())
    catcher.come_back()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": catcher.host, "port": catcher.port,
        "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 10, "mail_catcher": True},
    }))
    yield catcher
    with contextlib.suppress(AssertionError, RuntimeError):  # already down
        catcher.controller.stop()


@pytest.fixture
def postgres_store(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh PostgreSQL database for the audit store, wired in as the maa_store connection."""
    from maa.outputs.store import _engine_for

    with fresh_postgres_database("store") as url:
        monkeypatch.setenv("AIRFLOW_CONN_MAA_STORE", url)
        yield url.replace("postgresql://", "postgresql+psycopg2://", 1)
        _engine_for.cache_clear()
