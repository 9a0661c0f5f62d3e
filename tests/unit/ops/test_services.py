"""Airflow's services as this machine runs them: the environment each service is started with, and the
simple auth manager's passwords, made once and kept from other users."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from maa.ops.services import AUTH_MANAGER, LocalAirflow, users_file

ROLES = {"business-unit": "user", "qiip": "user", "admin": "admin"}


def test_each_service_is_told_the_users_the_port_and_the_api_it_serves(tmp_path: Path) -> None:
    airflow = LocalAirflow({"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__PARALLELISM": "8", "MAA_DATA_DIR": "d"},
                           ROLES, port=18080)
    environment = airflow._service_environment()
    assert environment["AIRFLOW__CORE__AUTH_MANAGER"] == AUTH_MANAGER, "Airflow checks the partnership's roles"
    assert (environment["AIRFLOW__API__PORT"], environment["AIRFLOW__API__BASE_URL"]) == (
        "18080", "http://127.0.0.1:18080")
    assert environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert environment["AIRFLOW__CORE__PARALLELISM"] == "8", "a configured parallelism is kept"
    assert environment["MAA_DATA_DIR"] == "d", "the rest of the environment is passed through"
    assert len(environment["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32
    assert LocalAirflow({"AIRFLOW_HOME": str(tmp_path)}, ROLES)._service_environment()[
        "AIRFLOW__CORE__PARALLELISM"] == "4"


def test_a_jwt_secret_in_the_environment_is_used_so_every_service_signs_alike(tmp_path: Path) -> None:
    airflow = LocalAirflow({"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__API_AUTH__JWT_SECRET": "s" * 40}, ROLES)
    assert airflow._service_environment()["AIRFLOW__API_AUTH__JWT_SECRET"] == "s" * 40


def test_passwords_are_made_once_per_user_and_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = users_file(tmp_path, {"qiip": "user"})
    first = json.loads(path.read_text())
    assert set(first) == {"qiip"} and len(first["qiip"]) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again = json.loads(users_file(tmp_path, ROLES).read_text())
    assert set(again) == set(ROLES) and again["qiip"] == first["qiip"], "a known user keeps the password"
