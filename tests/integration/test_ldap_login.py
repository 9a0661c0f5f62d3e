"""Logins from a real directory: Debian's OpenLDAP on loopback, Airflow's services with the project's
LDAP webserver_config (include/auth/webserver_config_ldap.py) as shipped. A member of the QiiP group logs in
(POST /auth/token, as scripts do; the browser's login form goes the same way) and is QiiP, named as the
directory names her; removed from the group she loses the role at her next login, and gets it back when
added again. A coordinators' group gives that agency's role; someone in no group signs in to nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maa.ops.services import AirflowApiError, LocalAirflow, Person
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.ldap import GROUPS_BASE, PEOPLE_BASE, SERVICE_DN, openldap, password_of

pytestmark = pytest.mark.slow

SAMPLE = "maa_mata_2026_01"


def roles_of(airflow: LocalAirflow, login: str) -> tuple[list[str], str]:
    """The user record's roles and full name, as an admin reads them in FAB's user list."""
    user = airflow.request("GET", f"/auth/fab/v1/users/{login}", token=airflow.token("admin"))
    return sorted(role["name"] for role in user["roles"]), f"{user['first_name']} {user['last_name']}"


def status_of(airflow: LocalAirflow, token: str, path: str) -> int:
    try:
        airflow.request("GET", f"/api/v2{path}", token=token)
    except AirflowApiError as refused:
        return refused.status
    return 200


@pytest.mark.timeout(600)
def test_a_directory_group_gives_its_role_at_login_and_leaving_it_takes_the_role_away(
        folders: AuditFolders, tmp_path: Path) -> None:
    folders.write_definition()
    with openldap(tmp_path / "ldap") as directory:
        environment = {
            **os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow-home"),
            "AIRFLOW__FAB__CONFIG_FILE": str(PROJECT / "include" / "auth" / "webserver_config_ldap.py"),
            "LDAP_URI": directory.uri, "LDAP_BIND_DN": SERVICE_DN, "LDAP_BIND_PASSWORD": directory.service_password,
            "LDAP_PEOPLE_BASE": PEOPLE_BASE, "LDAP_GROUPS_BASE": GROUPS_BASE,
        }
        # The only login of FAB's own is an admin (the break-glass account compose's init job makes too).
        with LocalAirflow(environment, {"admin": Person("Admin", "Alex Admin")}) as airflow:
            airflow.wait_for_dag(SAMPLE, "admin")
            alice = airflow.log_in("alice", password_of("alice"))
            assert roles_of(airflow, "alice") == (["Public", "QiiP"], "Alice Liddell")
            assert status_of(airflow, alice, f"/dags/{SAMPLE}") == 200, "QiiP reads the audits"
            with pytest.raises(AirflowApiError) as wrong:
                airflow.log_in("alice", "not her password")
            assert wrong.value.status == 401

            directory.remove_member("qiip", "alice")
            assert status_of(airflow, alice, f"/dags/{SAMPLE}") == 200, "until her next login"
            alice = airflow.log_in("alice", password_of("alice"))
            assert roles_of(airflow, "alice") == (["Public"], "Alice Liddell")
            assert status_of(airflow, alice, f"/dags/{SAMPLE}") == 403
            assert status_of(airflow, alice, "/dags") == 403, "Public grants nothing"

            directory.add_member("qiip", "alice")
            alice = airflow.log_in("alice", password_of("alice"))
            assert roles_of(airflow, "alice")[0] == ["Public", "QiiP"]
            assert status_of(airflow, alice, f"/dags/{SAMPLE}") == 200

            bob = airflow.log_in("bob", password_of("bob"))
            assert roles_of(airflow, "bob") == (["Coordinator POL", "Public"], "Bob Okafor")
            assert status_of(airflow, bob, f"/dags/{SAMPLE}") == 200, "Police take part in the sample"
            assert status_of(airflow, bob, f"/dags/{SAMPLE}/dagRuns/~/taskInstances") == 403
            carol = airflow.log_in("carol", password_of("carol"))
            assert roles_of(airflow, "carol")[0] == ["Public"]
            assert status_of(airflow, carol, "/dags") == 403
