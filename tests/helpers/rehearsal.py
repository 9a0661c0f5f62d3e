"""A whole audit run through dag.test() as a rehearsal (weeks of the timetable shortened to seconds), and
reading which emails it sent."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from maa.audit.definitions import AuditDefinition, load_definition
from tests.helpers.dags import dag_bag
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import nominations_csv
from tests.helpers.signoff import APPROVE, Answer, Answerer
from tests.helpers.workbooks import chair_analysis, completed_return

SAMPLE_DAG_ID = "maa_mata_2026_01"
# Audit time moves on only while nothing of the run works, so this sets how long the rehearsal waits in all,
# not whether the returns land in time; it leaves the people (threads of the test) weeks to answer in.
SECONDS_PER_WEEK = 5
SAMPLE_REF = "MATA-2026-01"
SAMPLE_CASES = ["C-01", "C-02"]
SAMPLE_RETURNING = ["CSC", "POL", "ICB", "GHC", "EDU"]  # PROB never returns


def practitioner(code: str) -> str:
    return f"practitioner.{code.lower()}@agency.example.org"


def sample_return(definition: AuditDefinition, code: str, tmp_path: Path, cells: dict[str, object] | None = None,
                  case_refs: list[str] = SAMPLE_CASES, further: dict[str, str] | None = None) -> bytes:
    """A completed return naming the agency's nominated practitioner (`cells` as `completed_return` takes
    them; `further`: more Overview rows, such as other attendees)."""
    return completed_return(definition, code, case_refs, tmp_path, cells=cells, overview={
        "nominated_practitioner": f"Practitioner {code}", "nominated_practitioner_email": practitioner(code),
        **(further or {})})


def sample_inbox(folders: AuditFolders, tmp_path: Path, first_tries: dict[str, dict[str, object]] | None = None,
                 changes: dict[str, object] | None = None, further: dict[str, dict[str, str]] | None = None
                 ) -> AuditDefinition:
    """The sample audit (with `changes`) and every file its people send dropped before the rehearsal starts:
    the case list, five returns (an agency in `first_tries` gets those Findings cells wrong), the chair's
    analysis and narrative, and the review findings register."""
    definition = load_definition(folders.write_definition(changes))
    inbox = folders.inbox(SAMPLE_REF)
    (inbox / "nominations.csv").write_text(nominations_csv())
    drop_returns(inbox, definition, SAMPLE_RETURNING, SAMPLE_CASES, tmp_path, further, first_tries)
    (inbox / "chair").mkdir()
    (inbox / "chair" / "analysis.xlsx").write_bytes(chair_analysis(definition, tmp_path))
    (inbox / "chair" / "narrative.md").write_text("## Overview\n\nCases **C-01** and C-02 show drift.\n")
    copy_review_register(folders.data)
    return definition


def run_rehearsal(dag_id: str = SAMPLE_DAG_ID) -> str:
    dag = dag_bag().get_dag(dag_id)
    return str(dag.test(run_conf={"rehearsal_seconds_per_week": SECONDS_PER_WEEK}).state)


def kinds_of(message) -> str:
    return message["X-MAA-Key"].split("|")[1]


def kinds(catcher: MailCatcher) -> Counter:
    return Counter(kinds_of(m) for m in catcher.messages)


def drop_returns(inbox: Path, definition: AuditDefinition, codes: list[str], case_refs: list[str], tmp: Path,
                 further: dict[str, dict[str, str]] | None = None,
                 first_tries: dict[str, dict[str, object]] | None = None) -> None:
    """Each agency's completed return in the audit's inbox (see `sample_return`), by agency code."""
    (inbox / "returns").mkdir()
    for code in codes:
        (inbox / "returns" / f"{code}.xlsx").write_bytes(sample_return(
            definition, code, tmp, (first_tries or {}).get(code), case_refs, (further or {}).get(code)))


def copy_review_register(data: Path) -> None:
    """The sample review findings register, which the chair's actions cite, in the data folder."""
    registers = data / "registers"
    registers.mkdir(exist_ok=True)
    shutil.copy(PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv", registers)


def rehearse_approved_first_time(dag_id: str) -> None:
    """The whole audit as a rehearsal, the Business Unit and then QiiP approving the first draft."""
    answerer = Answerer(dag_id, [
        Answer("round_1.bu_quality_assurance", "business-unit", APPROVE),
        Answer("round_1.qiip_signoff", "qiip", APPROVE),
    ]).start()
    assert run_rehearsal(dag_id) == "success"
    assert answerer.thread is not None
    answerer.thread.join(timeout=10)
