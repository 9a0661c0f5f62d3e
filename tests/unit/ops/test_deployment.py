"""The deployment files, checked as far as this machine allows (Docker cannot run here): the compose file's
services, health checks, volumes and secrets, its logins (FAB, roles made by the init job); the image
installing exactly the pinned requirements; CI installing what the LDAP test and python-ldap need."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
import yaml

from tests.helpers.definitions import PROJECT

AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                    "airflow-worker")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((PROJECT / "docker-compose.yml").read_text())


def pins(name: str) -> dict[str, str]:
    lines = (PROJECT / name).read_text().splitlines()
    return {_canonical(line.split("==")[0]): line.split("==")[1].strip() for line in lines if "==" in line}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_service_of_the_celery_topology_is_there_and_watched(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "mailpit", "airflow-init", *AIRFLOW_SERVICES}
    for name, service in services.items():
        if name != "airflow-init":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service["build"] == "." and service["env_file"] == ".env"
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        mounted = {volume.split(":")[0] for volume in service["volumes"]}
        assert {"./dags", "./plugins", "./include", "./data", "./output"} <= mounted
    assert services["airflow-worker"]["command"] == "celery worker"
    assert "maa db upgrade" in " ".join(services["airflow-init"]["command"])


def test_logins_are_fabs_and_the_init_job_makes_the_roles_before_any_dag_is_parsed(compose: dict) -> None:
    from maa.ops.services import AUTH_MANAGER

    services = compose["services"]
    init = " ".join(services["airflow-init"]["command"])
    assert init.index("airflow db migrate") < init.index("maa roles sync") < init.index("airflow users create")
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        environment = services[name]["environment"]
        assert environment["AIRFLOW__CORE__AUTH_MANAGER"] == AUTH_MANAGER, name
        assert "FabAuthManager" in AUTH_MANAGER, "Airflow applies DAGs' access_control only then"
        assert environment["AIRFLOW__FAB__CONFIG_FILE"].startswith("/opt/airflow/project/include/auth/"), name
        assert not [key for key in environment if "SIMPLE_AUTH_MANAGER" in key], "no plain-text password file"
    default_config = re.search(r":-([\w.]+)}", services["airflow-init"]["environment"]["AIRFLOW__FAB__CONFIG_FILE"])
    assert (PROJECT / "include" / "auth" / default_config.group(1)).is_file(), "FAB ignores a missing file"
    assert "airflow-secrets" not in compose["volumes"]


def test_secrets_come_from_the_env_file_and_the_example_names_every_one(compose: dict) -> None:
    text = (PROJECT / "docker-compose.yml").read_text()
    required = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)\}", text))  # ${NAME}, no default: .env must give it
    example = {line.split("=")[0] for line in (PROJECT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert required <= example, f"missing from .env.example: {required - example}"
    environment = compose["services"]["airflow-scheduler"]["environment"]
    for name in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
                 "AIRFLOW_VAR_MAA_PSEUDONYM_KEY"):
        assert re.fullmatch(r"\$\{[A-Z_]+\}", environment[name]), f"{name} is written into the file"
    assert ".env" in (PROJECT / ".gitignore").read_text().splitlines()


def test_mail_goes_to_the_mail_catcher_which_says_it_is_one(compose: dict) -> None:
    import json

    connection = json.loads(compose["services"]["airflow-worker"]["environment"]["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert connection["host"] == "mailpit" and connection["extra"]["mail_catcher"] is True


def test_the_image_installs_exactly_the_pinned_requirements() -> None:
    dockerfile = (PROJECT / "Dockerfile").read_text()
    installs = [line.strip() for line in dockerfile.splitlines() if "pip install" in line]
    assert installs == ["&& pip install --no-deps -r requirements.txt && pip check \\",
                        "RUN pip install --no-deps -e . && chown -R airflow: /opt/airflow"]
    assert "libldap-2.5-0 libsasl2-2" in dockerfile, "python-ldap's libraries stay in the image"
    assert "install -y --no-install-recommends build-essential libldap2-dev libsasl2-dev" in dockerfile


def test_ci_installs_openldap_when_it_is_missing() -> None:
    ci = (PROJECT / ".ci" / "run").read_text()
    assert "libldap2-dev libsasl2-dev slapd ldap-utils" in ci
    assert ci.index("slapd ldap-utils") < ci.index("make lint"), "before make setup builds python-ldap"


def test_the_pins_are_what_this_environment_runs() -> None:
    """requirements.txt (runtime) and requirements-dev.txt pin every installed distribution at its version."""
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions()
                 if d.metadata["Name"] and _canonical(d.metadata["Name"]) not in ("maa", "pip", "setuptools")}
    assert {name: installed.get(name) for name in {**runtime, **dev}} == {**runtime, **dev}
    assert "apache-airflow-providers-celery" in runtime, "the Celery workers' executor is in the image"
