"""`maa demo`: run a whole sample audit through Airflow on the embedded default.

It plays the roles a real audit has: the nominating agency drops its case list
into the inbox, and Airflow (`airflow dags test`, the real task runner and
triggerer) does the rest. Emails land in output/outbox as .eml files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from maa import settings
from maa.definitions import load_definition

SAMPLE_AUDIT = "MATA-2026-01.yaml"


def _environment(project: Path, audits_dir: Path, data_dir: Path) -> dict[str, str]:
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", project / ".airflow"))
    airflow_home.mkdir(parents=True, exist_ok=True)
    environment = dict(os.environ)
    environment.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(project / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "MAA_AUDITS_DIR": str(audits_dir),
        "MAA_DATA_DIR": str(data_dir),
        "MAA_OUTPUT_DIR": str(settings.output_dir()),
        "MAA_INBOX_POLL_SECONDS": os.environ.get("MAA_INBOX_POLL_SECONDS", "5"),
    })
    if "AIRFLOW_VAR_MAA_PSEUDONYM_KEY" not in environment:
        # The demo's own key, kept beside its Airflow home; a real deployment sets the variable.
        key_file = airflow_home / "pseudonym-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        environment["AIRFLOW_VAR_MAA_PSEUDONYM_KEY"] = key_file.read_text().strip()
    return environment


def _reset_sample(ref: str, data_dir: Path) -> None:
    """The sample starts afresh each time; a user's own data folder is never cleared."""
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(settings.output_dir() / ref, ignore_errors=True)
    for email in settings.outbox_dir().glob(f"{ref}--*.eml"):
        email.unlink()


def run(audit: Path | None, data: Path | None) -> int:
    project = settings.PROJECT_DIR
    if audit is None:
        audit = settings.include_dir() / "audits" / SAMPLE_AUDIT
        definition = load_definition(audit)
        data_dir = project / ".demo" / "data"
        _reset_sample(definition.ref, data_dir)
        shutil.copytree(settings.include_dir() / "sample" / "data", data_dir, dirs_exist_ok=True)
    else:
        definition = load_definition(audit)
        data_dir = (data or project / "data").resolve()
    audits_dir = project / ".demo" / "audits"
    shutil.rmtree(audits_dir, ignore_errors=True)
    audits_dir.mkdir(parents=True)
    shutil.copy(audit, audits_dir / Path(audit).name)

    environment = _environment(project, audits_dir, data_dir)
    airflow = str(Path(sys.executable).with_name("airflow"))
    log_file = Path(environment["AIRFLOW_HOME"]) / "demo.log"
    print(f"demo: {definition.ref} ({definition.type}) with data in {data_dir}")
    print("demo: preparing Airflow's metadata database (SQLite)")
    subprocess.run([airflow, "db", "migrate"], env=environment, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    print(f"demo: running DAG {definition.dag_id}; Airflow's log: {log_file}")
    started = time.monotonic()
    with log_file.open("w") as log:
        result = subprocess.run([airflow, "dags", "test", definition.dag_id], env=environment,
                                stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    outputs = sorted((settings.output_dir() / definition.ref).glob("*"))
    emails = sorted(settings.outbox_dir().glob(f"{definition.ref}--*.eml"))
    for path in outputs:
        print(f"  {path.relative_to(project) if path.is_relative_to(project) else path}")
    print(f"demo: {len(outputs)} files under {settings.output_dir() / definition.ref}, "
          f"{len(emails)} emails in {settings.outbox_dir()}, {elapsed:.0f} s")
    if result.returncode != 0:
        print(f"demo: the run failed; see {log_file}", file=sys.stderr)
    return result.returncode
