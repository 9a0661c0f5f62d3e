"""`maa demo`: run a whole audit through Airflow on the embedded default.

For the sample audit it plays every role, as rehearsal (each week of the
timetable lasts a few seconds): the nominating agency drops its case list, the
coordinators drop their returns (one with mistakes, then corrected; one with a
safeguarding concern; one never), and Airflow (`airflow dags test`: the real
task runner, with triggers run in-process) does the rest. Emails land in
output/outbox as .eml files unless an `smtp_default` connection exists.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from maa import config
from maa.audit.definitions import AuditDefinition, load_definition
from maa.meeting.analysis import THEMES_COLUMNS as ANALYSIS_THEME_COLUMNS
from maa.outputs.private_files import private_file, private_folder, write_private
from maa.pipeline.pseudonym_key import SENSITIVE_NAMES_SETTING, with_pseudonym_sensitive

if TYPE_CHECKING:
    from maa.outputs.store import Store

SAMPLE_AUDIT = "MATA-2026-01.yaml"
SAMPLE_SECONDS_PER_WEEK = 10


def airflow_environment(project: Path, audits_dir: Path, data_dir: Path) -> dict[str, str]:
    airflow_home = private_folder(Path(os.environ.get("AIRFLOW_HOME", project / ".airflow")))
    environment = dict(os.environ)
    environment.update({
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(project / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "MAA_AUDITS_DIR": str(audits_dir),
        "MAA_DATA_DIR": str(data_dir),
        "MAA_OUTPUT_DIR": str(config.output_dir()),
        SENSITIVE_NAMES_SETTING: with_pseudonym_sensitive(os.environ.get(SENSITIVE_NAMES_SETTING, "")),
    })
    if "AIRFLOW_VAR_MAA_PSEUDONYM_KEY" not in environment:
        # This machine's own key, beside its Airflow home; a real deployment sets the variable.
        key_file = airflow_home / "pseudonym-key"
        if not key_file.exists():
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile: that key stands
                write_private(key_file, secrets.token_hex(32).encode(), exclusive=True)
        environment["AIRFLOW_VAR_MAA_PSEUDONYM_KEY"] = key_file.read_text().strip()
    return environment


class SampleRoles:
    """The people of the sample audit, dropping their files into the inbox as the audit goes."""

    def __init__(self, definition: AuditDefinition, data_dir: Path, scratch: Path):
        self.definition = definition
        self.data_dir = data_dir
        self.inbox = data_dir / "inbox" / definition.ref
        self.scratch = scratch
        private_folder(scratch)
        self.answers: dict[str, dict[str, Any]] = yaml.safe_load(
            (config.include_dir() / "sample" / "returns.yaml").read_text())
        self.corrections: dict[str, bytes] = {}  # agency code -> its corrected return, sent once refused

    def place_register(self) -> None:
        """The Business Unit's review findings register, which the chair's actions cite."""
        registers = self.data_dir / "registers"
        registers.mkdir(parents=True, exist_ok=True)
        shutil.copy(config.include_dir() / "sample" / "data" / "registers" / "review_findings.csv", registers)

    def drop_case_list(self) -> None:
        source = config.include_dir() / "sample" / "data" / "inbox" / self.definition.ref / "nominations.csv"
        write_private(self.inbox / "nominations.csv", source.read_bytes())

    def drop_returns(self, case_refs: list[str]) -> None:
        """Every agency that answers sends its return; those with `first_attempt_mistakes` get them wrong, and
        have their correction ready (the rehearsal's clock runs while this process would build it)."""
        for code, answers in self.answers.items():
            mistakes = answers.get("first_attempt_mistakes") or {}
            write_private(self.inbox / "returns" / f"{code}.xlsx",
                          self._return_workbook(code, answers, case_refs, mistakes=mistakes))
            if mistakes:
                self.corrections[code] = self._return_workbook(code, answers, case_refs, mistakes={})

    def correct_refused_returns(self, store: Store) -> None:
        for event in store.events(self.definition.ref, "return_refused"):
            code = event["subject"].split("/")[0]
            if code in self.corrections:
                write_private(self.inbox / "returns" / f"{code}.xlsx", self.corrections.pop(code))

    def _return_workbook(self, code: str, answers: dict[str, Any], case_refs: list[str],
                         mistakes: dict[str, Any]) -> bytes:
        from openpyxl import load_workbook

        from maa.preparation.return_template import write_return_template

        template = write_return_template(self.definition, code, case_refs, self.scratch / f"{code}-template.xlsx")
        workbook = load_workbook(template)
        for row in workbook["Overview"].iter_rows(min_row=2):
            if row[0].value in answers and row[0].value != "template_version":
                row[1].value = answers[row[0].value]
        findings = workbook["Findings"]
        for number, row in enumerate(findings.iter_rows(min_row=2)):
            grade = answers["grades"][number % len(answers["grades"])]
            row[2].value = grade
            if grade != "Not involved":
                row[3].value, row[4].value, row[5].value = (
                    answers["worked_well"], answers["worked_less_well"], answers["learning"])
        for cell, value in mistakes.items():
            findings[cell] = value
        if answers.get("concerns"):
            concerns = workbook.create_sheet("Concerns")
            concerns.append(["case_ref", "concern"])
            for concern in answers["concerns"]:
                concerns.append(concern)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


    def drop_analysis(self, revised: bool = False) -> None:
        """The chair's analysis (and narrative); revised, it adds what QiiP asked for to the first version."""
        from openpyxl import load_workbook

        from maa.preparation.return_template import write_analysis_template

        sample = yaml.safe_load((config.include_dir() / "sample" / "chair" / "analysis.yaml").read_text())
        revision = sample["revision"] if revised else {"themes": [], "actions": []}
        workbook = load_workbook(write_analysis_template(self.definition, self.scratch / "analysis-template.xlsx"))
        for theme in sample["themes"] + revision["themes"]:
            workbook["Themes"].append([theme[column] for column in ANALYSIS_THEME_COLUMNS])
        for action in sample["actions"] + revision["actions"]:
            workbook["Actions"].append([str(value) for value in action])
        chair = self.inbox / "chair"
        write_private(chair / "narrative.md", (config.include_dir() / "sample" / "chair" / "narrative.md").read_bytes())
        with private_file(chair / "analysis.xlsx") as handle:
            workbook.save(handle)


# The sample's sign-off: the Business Unit passes each draft to QiiP, QiiP sends the first back, then approves.
SIGNOFF_ANSWERS = {
    "round_1.bu_quality_assurance": ("business-unit", "Approve", "Quality assured: ready for QiiP."),
    "round_1.qiip_signoff": ("qiip", "Request changes",
                             "Please draw out the cumulative picture of neglect across the three cases."),
    "round_2.bu_quality_assurance": ("business-unit", "Approve", "Revised as QiiP asked."),
    "round_2.qiip_signoff": ("qiip", "Approve", "Approved by QiiP."),
}


def _reset_sample(ref: str, data_dir: Path) -> None:
    """The sample starts afresh each time; a user's own data folder is never cleared."""
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(config.output_dir() / ref, ignore_errors=True)
    for email in config.outbox_dir().glob(f"{ref}--*.eml"):
        email.unlink()


def demo_people() -> dict[str, Any]:
    """The people the demo logs in as (the same trial logins as `make up`'s staff)."""
    from maa.ops.local import STAFF
    from maa.ops.services import Person

    return {login: Person(*STAFF[login]) for login in ("business-unit", "qiip", "operator")}


def run(audit: Path | None, data: Path | None) -> int:
    from maa.ops.services import LocalAirflow

    project = config.PROJECT_DIR
    sample = audit is None
    audit = audit or config.include_dir() / "audits" / SAMPLE_AUDIT
    definition = load_definition(audit)
    data_dir = (project / ".demo" / "data") if sample else (data or project / "data").resolve()
    if sample:
        _reset_sample(definition.ref, data_dir)
    audits_dir = project / ".demo" / "audits"
    shutil.rmtree(audits_dir, ignore_errors=True)
    audits_dir.mkdir(parents=True)
    shutil.copy(audit, audits_dir / Path(audit).name)

    environment = airflow_environment(project, audits_dir, data_dir)
    if sample:
        environment.setdefault("MAA_INBOX_POLL_SECONDS", "1")
        environment.setdefault("MAA_INBOX_SETTLE_SECONDS", "1")
    os.environ.update(environment)  # this process reads the same store as the run
    print(f"demo: {definition.ref} ({definition.type}) with data in {data_dir}")
    print(f"demo: starting Airflow (scheduler, DAG processor, triggerer, API server); logs in "
          f"{Path(environment['AIRFLOW_HOME']) / 'service-logs'}")
    started = time.monotonic()
    with LocalAirflow(environment, demo_people()) as airflow:
        airflow.wait_for_dag(definition.dag_id, "business-unit")
        for earlier in airflow.unfinished_runs(definition.dag_id, "business-unit"):
            if sample:  # an interrupted demo's run would hold the new one in the queue (one run at a time)
                airflow.stop_run(definition.dag_id, earlier, "business-unit")
                print(f"demo: stopped the earlier, unfinished sample run {earlier}")
            else:
                print(f"demo: {definition.dag_id} already has the run {earlier} under way; yours waits behind it")
        conf = {"rehearsal_seconds_per_week": SAMPLE_SECONDS_PER_WEEK} if sample else {}
        run_id = airflow.trigger(definition.dag_id, "business-unit", conf)
        print(f"demo: {airflow.url} — the Business Unit triggered run {run_id}"
              + (f" (a rehearsal: a week of the timetable lasts {SAMPLE_SECONDS_PER_WEEK} s)" if sample else ""))
        roles = SampleRoles(definition, data_dir, project / ".demo" / "scratch") if sample else None
        if roles:
            roles.place_register()
            roles.drop_case_list()
        state = _follow(airflow, definition, run_id, roles)
    _summarise(definition, project, time.monotonic() - started)
    print(f"demo: the run ended {state}")
    return 0 if state == "success" else 1


def _follow(airflow: Any, definition: AuditDefinition, run_id: str, roles: SampleRoles | None) -> str:
    """Wait for the run to end, answering as the agencies, the chair, the Business Unit and QiiP would
    (sample only); sign-offs go through Airflow's REST API as those users."""
    from maa.ops.services import FINISHED
    from maa.pipeline import resources

    store, returns_sent, analyses_sent = None, False, 0
    answered: set[tuple[str, int]] = set()  # (task, try): a question asked again would be answered again, visibly
    told: set[str] = set()
    while (state := airflow.run_state(definition.dag_id, run_id, "business-unit")) not in FINISHED:
        time.sleep(1)
        _say_what_it_waits_for(airflow, definition, run_id, told, files=roles is None)
        if roles is None:
            continue
        store = store or resources.store()
        case_refs = [c["case_ref"] for c in store.cases(definition.ref)]
        if case_refs and not returns_sent:
            roles.drop_returns(case_refs)
            returns_sent = True
        if returns_sent:
            roles.correct_refused_returns(store)
        if analyses_sent == 0 and store.events(definition.ref, "chair_briefing_sent"):
            roles.drop_analysis()
            analyses_sent = 1
            print("demo: the chair sent the analysis and narrative")
        if analyses_sent == 1 and store.events(definition.ref, "changes_requested"):
            roles.drop_analysis(revised=True)
            analyses_sent = 2
            print("demo: the chair sent a revised analysis")
        for task_id, attempt in airflow.answerable(definition.dag_id, run_id, "business-unit").items():
            if task_id in SIGNOFF_ANSWERS and (task_id, attempt) not in answered:
                user, option, comment = SIGNOFF_ANSWERS[task_id]
                airflow.answer(definition.dag_id, run_id, task_id, user, option, comment)
                answered.add((task_id, attempt))
                print(f"demo: {user} answered {task_id}: {option}" + (f" (try {attempt})" if attempt > 1 else ""))
    return state


def _say_what_it_waits_for(airflow: Any, definition: AuditDefinition, run_id: str, told: set[str], *,
                           files: bool) -> None:
    """Print, once each, the answers the run is parked for and (with `files`, when nobody plays the people)
    the files its waits look out for: whose, which task, where, and which login."""
    from maa.ops.waiting import file_waits, signoff_wait

    task_instances = airflow.task_instances(definition.dag_id, run_id, "business-unit")
    logins = {person.role: login for login, person in airflow.people.items()}
    waits = [(f"{ti['task_id']}/{ti['try_number']}",
              signoff_wait(definition, ti["task_id"], airflow.url, run_id, logins))
             for ti in task_instances if ti["state"] == "awaiting_input"]
    if files:
        waits += [(sentence, sentence) for sentence in file_waits(definition, task_instances, _inbox_shown())]
    for key, sentence in waits:
        if sentence and key not in told:
            told.add(key)
            print(f"demo: {sentence}")


def _inbox_shown() -> str:
    """The inbox as the people who drop files see it: MAA_INBOX_URL, or the data folder's inbox."""
    from maa.intake.inbox import local_inbox

    return config.settings().inbox_url or str(local_inbox())


def _summarise(definition: AuditDefinition, project: Path, elapsed: float) -> None:
    outputs = sorted((config.output_dir() / definition.ref).glob("*"))
    emails = sorted(config.outbox_dir().glob(f"{definition.ref}--*.eml"))
    for path in outputs:
        print(f"  {path.relative_to(project) if path.is_relative_to(project) else path}")
    print(f"demo: {len(outputs)} files under {config.output_dir() / definition.ref}, "
          f"{len(emails)} emails in {config.outbox_dir()}, {elapsed:.0f} s")
