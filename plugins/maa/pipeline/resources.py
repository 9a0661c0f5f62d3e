"""The one adapter between the product and Airflow's connections and variables.

The domain packages never ask Airflow for anything: the store's URL, the SMTP server, the pseudonym key
and the inbox's location are read here and handed in, as a `Store`, a `Mailer`'s transport, a key and
an inbox root. The command line, the pages and the tasks all build their resources through this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from maa import config
from maa.audit.pseudonym import MINIMUM_KEY_LENGTH, MissingPseudonymKey
from maa.intake.inbox import InboxRoot, local_inbox
from maa.outputs.mailer import Mailer, SmtpSettings, SmtpTransport
from maa.outputs.store import Store, embedded_url
from maa.pipeline.pseudonym_key import KEY_NAME, read_pseudonym_key

STORE_CONNECTION = "maa_store"
SMTP_CONNECTION = "smtp_default"
PSEUDONYM_KEY = KEY_NAME


def start_airflow() -> None:
    """Import Airflow now, for a command that uses its connections: it configures logging as it loads."""
    import airflow  # noqa: F401


def _connection(conn_id: str) -> Any | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def store_url() -> str:
    """The `maa_store` connection's URL (PostgreSQL through psycopg2), or the embedded SQLite file's."""
    connection = _connection(STORE_CONNECTION)
    if connection is None:
        return embedded_url()
    uri = connection.get_uri()
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg2://" + uri.removeprefix(prefix)
    return uri


def store() -> Store:
    return Store(store_url())


def smtp_settings() -> SmtpSettings | None:
    """The `smtp_default` connection as plain settings, or None: emails then go to the outbox."""
    connection = _connection(SMTP_CONNECTION)
    if connection is None:
        return None
    return SmtpSettings.from_extra(connection.host or "localhost", connection.port, connection.login,
                                   connection.password, connection.extra_dejson or {})


def mailer(store: Store, *, dry_run: bool = False, rehearsal: bool = False, spool: Path | None = None) -> Mailer:
    """A mailer over `smtp_default` when it exists (never for a dry run, which writes the outbox only)."""
    smtp = None if dry_run else smtp_settings()
    return Mailer(store, dry_run=dry_run, rehearsal=rehearsal, spool=spool,
                  transport=SmtpTransport(smtp) if smtp else None)


def pseudonym_key() -> bytes:
    """The key of the system ids' keyed hash: the Airflow variable, or a connection's password, so that
    Airflow's secrets backends apply to it; masked in task logs from the moment it is read."""
    key = read_pseudonym_key()
    if not key or len(key) < MINIMUM_KEY_LENGTH:
        raise MissingPseudonymKey(
            f"The Airflow variable (or connection password) {PSEUDONYM_KEY} is missing or shorter than "
            f"{MINIMUM_KEY_LENGTH} characters: the audit will not start without it, because system ids "
            "are stored only as a keyed hash. Set it, for example with "
            f"`airflow variables set {PSEUDONYM_KEY} \"$(openssl rand -hex 32)\"`, and keep it safe."
        )
    return key.encode()


def inbox_root() -> InboxRoot:
    """The inbox as an ObjectStoragePath: `MAA_INBOX_URL` (a share, object storage, with Airflow's
    connection for its credentials), else the data folder's inbox; the triggers watch it by URL."""
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(config.settings().inbox_url or f"file://{local_inbox()}")
