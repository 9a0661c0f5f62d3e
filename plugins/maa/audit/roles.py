"""The audit programme's roles, named once: the same names in Airflow, in the directory's mapping and on
the audit pages, and who answers each sign-off stage.

Light on purpose (no Airflow here): the DAG factory, the sign-off, the pages and the webserver_config
templates all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ADMIN = "Admin"
BUSINESS_UNIT = "Business Unit"
QIIP = "QiiP"
OPERATOR = "Operator"
# FAB adds this role to every directory login on top of the mapped ones: it must grant nothing.
PUBLIC = "Public"
COORDINATOR_PREFIX = "Coordinator "

# Who answers each human-in-the-loop stage of the sign-off (maa.signoff.decisions.STAGES).
STAGE_ROLES = {"bu_quality_assurance": BUSINESS_UNIT, "qiip_signoff": QIIP}
# A human-in-the-loop assignee naming a role rather than one account (maa.web.auth_manager reads it).
ROLE_ASSIGNEE = "role:"

# The directory group (or identity provider app role) behind each fixed role, by a short name that
# `group_key` turns into the directory's own spelling (a DN, an app role value).
GROUPS = {"admins": ADMIN, "business-unit": BUSINESS_UNIT, "qiip": QIIP, "operators": OPERATOR}
COORDINATOR_GROUP = "coordinator-"


def coordinator_role(agency_code: str) -> str:
    return f"{COORDINATOR_PREFIX}{agency_code.upper()}"


def agency_of(role_name: str) -> str | None:
    """The agency code a coordinator role stands for ("Coordinator POL" -> "POL"), else None."""
    if role_name.startswith(COORDINATOR_PREFIX) and role_name != COORDINATOR_PREFIX:
        return role_name.removeprefix(COORDINATOR_PREFIX)
    return None


def assignee(role_name: str) -> dict[str, str]:
    """The human-in-the-loop assignee standing for everyone who holds `role_name`."""
    return {"id": f"{ROLE_ASSIGNEE}{role_name}", "name": role_name}


def directory_mapping(group_key: Callable[[str], str], agency_codes: Iterable[str]) -> dict[str, list[str]]:
    """FAB's AUTH_ROLES_MAPPING: each directory group to the one role it gives, a coordinators' group per
    agency code (`group_key("coordinator-pol")` -> "Coordinator POL")."""
    mapping = {group_key(short): [role] for short, role in GROUPS.items()}
    for code in sorted({code.upper() for code in agency_codes}):
        mapping[group_key(f"{COORDINATOR_GROUP}{code.lower()}")] = [coordinator_role(code)]
    return mapping


def defined_agency_codes(audits_dir=None) -> set[str]:
    """Every agency code of every usable definition (the coordinator roles `maa roles sync` makes)."""
    from maa.audit.definitions import definition_files, load_all

    loaded = load_all(definition_files(audits_dir))
    return {agency.code.upper() for definition in loaded.definitions.values() for agency in definition.agencies}
