"""`maa roles sync`: the project's roles in Airflow's FAB user records, each with exactly its permissions.

Idempotent: a role is created when missing, given the global pairs maa.pipeline.permissions lists for it
and stripped of any other (one added by hand is removed at the next sync). A DAG's own pairs ("DAG:<id>",
"DAG Run:<id>") are left alone: each DAG's access_control owns them. Admin is FAB's own and untouched.
There is one coordinator role per agency code of every definition, so that no DAG's access_control names
a role that does not exist (Airflow would refuse the whole DAG file, hiding every audit).

`make up`, `make demo` and the end-to-end tests also make their trial logins here (`--local-logins`),
each with one role and the password kept in `.airflow/users.json`; Airflow stores it hashed.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maa.audit.roles import defined_agency_codes
from maa.pipeline.permissions import DAG_OWN_PREFIXES, Pair, global_pairs


@dataclass(frozen=True)
class RoleChange:
    role: str
    created: bool
    added: tuple[Pair, ...]
    removed: tuple[Pair, ...]

    def describe(self) -> str:
        if self.created:
            return f"{self.role}: created with {len(self.added)} permissions"
        if not (self.added or self.removed):
            return f"{self.role}: unchanged"
        return (f"{self.role}: " + ", ".join([f"+{a} on {r}" for a, r in self.added]
                                              + [f"-{a} on {r}" for a, r in self.removed]))


@dataclass(frozen=True)
class Login:
    """A trial login for `make up`, the demo and the tests: one role, a person's name, a password."""

    role: str
    name: str
    password: str


@dataclass(frozen=True)
class Account:
    """A FAB user record as `maa resolve-case --as` checks it."""

    login: str
    full_name: str
    email: str | None
    active: bool
    roles: frozenset[str]


def sync_roles(security_manager: Any, agency_codes: Iterable[str]) -> list[RoleChange]:
    return [_sync_role(security_manager, name, pairs) for name, pairs in global_pairs(set(agency_codes)).items()]


def _sync_role(security_manager: Any, name: str, wanted: frozenset[Pair]) -> RoleChange:
    role = security_manager.find_role(name)
    created = role is None
    if created:
        role = security_manager.add_role(name)
    held = {(p.action.name, p.resource.name): p for p in role.permissions if p.action and p.resource}
    added = []
    for action, resource in sorted(wanted - set(held)):
        permission = security_manager.create_permission(action, resource)
        if permission is None:
            raise RuntimeError(f"FAB could not create the permission {action} on {resource}")
        security_manager.add_permission_to_role(role, permission)
        added.append((action, resource))
    removed = []
    for pair, permission in sorted(held.items()):
        if pair not in wanted and not pair[1].startswith(DAG_OWN_PREFIXES):
            security_manager.remove_permission_from_role(role, permission)
            removed.append(pair)
    return RoleChange(name, created, tuple(added), tuple(removed))


def ensure_logins(security_manager: Any, logins: dict[str, Login]) -> list[str]:
    """Each login exists, holds exactly its one role and answers to its password; what was done, per login."""
    from werkzeug.security import check_password_hash

    done = []
    for login, wanted in logins.items():
        role = security_manager.find_role(wanted.role)
        if role is None:
            raise RuntimeError(f"{login}: no role {wanted.role!r} (roles are synced first)")
        first, _, last = wanted.name.rpartition(" ")
        first, last = (first, last) if first else (last, "")
        user = security_manager.find_user(username=login)
        if user is None:
            security_manager.add_user(login, first, last, f"{login}@trial.invalid", [role], password=wanted.password)
            done.append(f"{login}: created ({wanted.role})")
            continue
        if [r.name for r in user.roles] != [wanted.role] or (user.first_name, user.last_name) != (first, last):
            user.roles, user.first_name, user.last_name = [role], first, last
            security_manager.update_user(user)
            done.append(f"{login}: now {wanted.role}")
        if not check_password_hash(user.password or "", wanted.password):
            security_manager.reset_password(user.id, wanted.password)
            done.append(f"{login}: password reset to the one in users.json")
    return done


def account(login: str) -> Account | None:
    """The FAB user record of `login` with its roles, read from Airflow's metadata database."""
    import sqlalchemy as sa
    from airflow.providers.fab.auth_manager.models import User
    from airflow.utils.session import create_session

    from maa.web.access import full_name, role_names

    with create_session() as session:
        user = session.scalar(sa.select(User).where(User.username == login))
        if user is None:
            return None
        return Account(login=user.username, full_name=full_name(user), email=user.email,
                       active=bool(user.is_active), roles=role_names(user))


def sync_coordinator_roles(agency_codes: Iterable[str]) -> list[RoleChange]:
    """Only the coordinator roles for these agencies (a definition registered on the audit pages)."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    from maa.audit.roles import coordinator_role
    from maa.pipeline.permissions import COORDINATOR_PAIRS

    with get_application_builder() as appbuilder:
        return [_sync_role(appbuilder.sm, coordinator_role(code), COORDINATOR_PAIRS) for code in sorted(agency_codes)]


def run_sync(definition_files: list[Path], local_logins: bool) -> int:
    """The command: roles for the audits folder's definitions and any files named, then trial logins read
    as JSON from stdin ({login: {"role", "name", "password"}}) when asked."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    from maa.audit.definitions import load_all

    extra = load_all(definition_files)
    for error in extra.errors.values():
        print(error.describe(), file=sys.stderr)
    if extra.errors:
        return 1
    logins = {login: Login(**fields) for login, fields in json.loads(sys.stdin.read()).items()} if local_logins \
        else {}
    codes = defined_agency_codes() | {a.code.upper() for d in extra.definitions.values() for a in d.agencies}
    started = time.monotonic()
    logging.getLogger("airflow.providers.fab").setLevel(logging.WARNING)  # it logs each pair; we say what changed
    with get_application_builder() as appbuilder:
        changes = sync_roles(appbuilder.sm, codes)
        made = ensure_logins(appbuilder.sm, logins)
    for line in [change.describe() for change in changes] + made:
        print(f"  {line}")
    print(f"roles: {len(changes)} roles in sync, {len(logins)} trial logins, {time.monotonic() - started:.1f} s")
    return 0
