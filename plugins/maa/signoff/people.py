"""The person behind a login: who answered a sign-off, by full name, as Airflow's API server knew them.

A sign-off's decision is recorded by the task that resumes after the answer, on a worker with no access to
Airflow's user records; the API server, which checks that the person may answer, notes who they are here
first (maa.web.auth_manager), so the decision, the reports and the emails can name them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from maa.outputs.store import Store, utcnow


@dataclass(frozen=True)
class Respondent:
    login: str
    user_id: str
    full_name: str
    email: str | None = None


def note_respondent(store: Store, person: Respondent) -> None:
    """Remember (or refresh) who holds `person.login`: names change in the directory, the login does not."""
    with store.begin() as connection:
        store._upsert(connection, "people", [{
            "login": person.login[:256], "user_id": person.user_id[:64], "full_name": person.full_name[:256],
            "email": (person.email or None) and person.email[:320], "noted_at": utcnow(),
        }], keys=["login"])


def respondent(store: Store, login: str) -> Respondent | None:
    table = store.table("people")
    with store.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.login == login)).first()
    if row is None:
        return None
    return Respondent(login=row.login, user_id=row.user_id, full_name=row.full_name, email=row.email)
