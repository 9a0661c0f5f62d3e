"""Fresh PostgreSQL databases on the server the tests use (127.0.0.1:5432 unless MAA_TEST_POSTGRES says)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest

POSTGRES_ADMIN_URL = os.environ.get("MAA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
_POSTGRES_ADMIN_ENGINE_URL = POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg2://", 1)


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
