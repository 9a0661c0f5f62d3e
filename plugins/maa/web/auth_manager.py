"""Airflow's FAB auth manager, with sign-off stages assigned to roles rather than to accounts.

Airflow lets a human-in-the-loop task be answered only by its `assigned_users`, compared by user id. FAB ids
are numbers that exist only once a person has logged in (a directory login is registered at its first
sign-in) and differ between installations, so the sign-off assigns each stage to a role instead
(`{"id": "role:QiiP"}`, maa.audit.roles.assignee) and this class lets a user answer when they hold that
role. As it lets them, it notes who they are (full name from their FAB user record, itself filled from the
directory at each login) for the decision to name them (maa.signoff.people).

Configure it as `[core] auth_manager = maa.web.auth_manager.AuditFabAuthManager`. Its name keeps
"FabAuthManager": Airflow's DAG processor applies DAGs' access_control only when that string is in the
setting.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager

from maa.audit.roles import ROLE_ASSIGNEE
from maa.web.access import full_name, role_names

log = logging.getLogger(__name__)


class AuditFabAuthManager(FabAuthManager):
    def is_authorized_hitl_task(self, *, assigned_users: set[str], user: Any) -> bool:
        held = {f"{ROLE_ASSIGNEE}{role}" for role in role_names(user)}
        allowed = user.get_id() in assigned_users or bool(held & assigned_users)
        if allowed:
            _note_respondent(user)
        return allowed


def _note_respondent(user: Any) -> None:
    """Best effort: a store that cannot be written leaves the decision naming the login, and the answer
    still counts (refusing a sign-off for want of a name would help nobody)."""
    from maa.pipeline import resources
    from maa.signoff.people import Respondent, note_respondent

    try:
        note_respondent(resources.store(), Respondent(login=user.get_name(), user_id=str(user.get_id()),
                                              full_name=full_name(user), email=getattr(user, "email", None)))
    except Exception:  # noqa: BLE001 - any store failure; logged, the answer proceeds
        log.warning("could not note who answered a sign-off (login %s); the decision names the login",
                    user.get_name(), exc_info=True)
