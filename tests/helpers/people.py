"""The people the in-process tests log in as (FAB user records in the session's Airflow database)."""

from __future__ import annotations

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


def fab_user(login: str, *roles: str, first: str = "", last: str = ""):
    """A FAB user record as the API server hands it to the pages (not saved anywhere)."""
    from airflow.providers.fab.auth_manager.models import Role, User

    return User(username=login, first_name=first, last_name=last, roles=[Role(name=name) for name in roles])
