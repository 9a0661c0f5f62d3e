"""The roles as data: each with exactly what it needs, the directory's groups mapped one to one, each
audit's own pairs naming its agencies' coordinators, and a sign-off stage answered by its role only.
(tests/integration/test_local_services.py and test_signoff_roles.py try them through Airflow's REST API.)"""

from __future__ import annotations

import pytest

from maa.audit.definitions import AuditDefinition
from maa.audit.roles import STAGE_ROLES, agency_of, assignee, coordinator_role, directory_mapping
from maa.pipeline.permissions import (
    CREATE,
    DAG_RUNS,
    DAGS,
    EDIT,
    READ,
    audit_access_control,
    global_pairs,
)
from maa.signoff.people import respondent
from tests.helpers.definitions import AuditFolders, sample_definition
from tests.helpers.people import fab_user

SAMPLE = AuditDefinition.model_validate(sample_definition())
CODES = {agency.code for agency in SAMPLE.agencies}
# What no role of ours may touch at all (Admin, FAB's own, is not ours).
OFF_LIMITS = {"Connections", "Variables", "Users", "Roles", "Permissions", "Permission Views", "Passwords",
              "Pools", "Configurations", "DAG Code", "Providers", "Audit Logs"}


def every_pair() -> dict[str, set[tuple[str, str]]]:
    """Each role's global pairs with its pairs on an audit DAG (as access_control gives them)."""
    pairs = {role: set(held) for role, held in global_pairs(CODES).items()}
    for role, resources in audit_access_control(SAMPLE).items():
        pairs[role] |= {(action, f"{resource} (this audit)") for resource, actions in resources.items()
                        for action in actions}
    return pairs


def test_no_role_of_ours_deletes_anything_or_touches_connections_variables_or_users() -> None:
    for role, pairs in every_pair().items():
        assert not [pair for pair in pairs if pair[0] == "can_delete"], role
        assert not [pair for pair in pairs if pair[1] in OFF_LIMITS], role


def test_only_the_business_unit_starts_an_audit_and_only_the_operator_edits_every_dag() -> None:
    starters = {role for role, pairs in every_pair().items() if (CREATE, f"{DAG_RUNS} (this audit)") in pairs
                or (CREATE, DAG_RUNS) in pairs}
    assert starters == {"Business Unit"}
    assert {role for role, pairs in every_pair().items() if (EDIT, DAGS) in pairs} == {"Operator"}
    assert global_pairs(CODES)["Public"] == frozenset(), "every directory login holds Public: it grants nothing"


def test_a_coordinator_reads_its_audits_dags_and_runs_and_nothing_inside_them() -> None:
    police = every_pair()["Coordinator POL"]
    assert police == {(READ, "Website"), ("menu_access", DAGS), (READ, "Plugins"), (READ, "DAGs (this audit)"),
                      (READ, "DAG Runs (this audit)")}


def test_each_audit_dag_names_the_business_unit_qiip_and_its_own_agencies_coordinators() -> None:
    two_agencies = AuditDefinition.model_validate(sample_definition({
        "agencies": [a for a in sample_definition()["agencies"] if a["code"] in ("POL", "EDU")],
        "nominating_agency": "POL"}, remove=("extensions",)))
    assert audit_access_control(two_agencies) == {
        "Business Unit": {DAGS: {READ, EDIT}, DAG_RUNS: {READ, CREATE}},
        "QiiP": {DAGS: {READ, EDIT}, DAG_RUNS: {READ}},
        "Coordinator POL": {DAGS: {READ}, DAG_RUNS: {READ}},
        "Coordinator EDU": {DAGS: {READ}, DAG_RUNS: {READ}},
    }
    assert set(global_pairs(CODES)) == {"Business Unit", "QiiP", "Operator", "Public",
                                        *(coordinator_role(code) for code in CODES)}


def test_the_directory_maps_one_group_to_one_role_with_a_coordinators_group_per_agency() -> None:
    mapping = directory_mapping(lambda group: f"cn=maa-{group},ou=groups,dc=example,dc=org", ["pol", "CSC", "POL"])
    assert mapping == {
        "cn=maa-admins,ou=groups,dc=example,dc=org": ["Admin"],
        "cn=maa-business-unit,ou=groups,dc=example,dc=org": ["Business Unit"],
        "cn=maa-qiip,ou=groups,dc=example,dc=org": ["QiiP"],
        "cn=maa-operators,ou=groups,dc=example,dc=org": ["Operator"],
        "cn=maa-coordinator-csc,ou=groups,dc=example,dc=org": ["Coordinator CSC"],
        "cn=maa-coordinator-pol,ou=groups,dc=example,dc=org": ["Coordinator POL"],
    }
    assert (agency_of("Coordinator POL"), agency_of("QiiP"), agency_of("Coordinator ")) == ("POL", None, None)


@pytest.mark.parametrize("stage", sorted(STAGE_ROLES))
def test_a_sign_off_stage_is_answered_by_its_role_only_and_the_person_is_noted(
        stage: str, folders: AuditFolders) -> None:
    from maa.pipeline import resources
    from maa.web.auth_manager import AuditFabAuthManager

    manager, assigned = AuditFabAuthManager(), {assignee(STAGE_ROLES[stage])["id"]}
    answering = fab_user("dana.jones", STAGE_ROLES[stage], "Public", first="Dana", last="Jones")
    answering.id = 7
    other_stage = next(role for role in STAGE_ROLES.values() if role != STAGE_ROLES[stage])
    others = [fab_user(f"someone-{role}", role) for role in ("Admin", "Operator", "Coordinator POL", "Public",
                                                              other_stage)]
    for user in others:
        user.id = 8
        assert not manager.is_authorized_hitl_task(assigned_users=assigned, user=user), user.username
    assert respondent(resources.store(), "someone-Admin") is None, "nobody refused is noted"
    assert manager.is_authorized_hitl_task(assigned_users=assigned, user=answering)
    noted = respondent(resources.store(), "dana.jones")
    assert (noted.full_name, noted.user_id) == ("Dana Jones", "7"), "the decision will name her"
