"""A whole audit run through dag.test() as a rehearsal (weeks of the timetable shortened to seconds), and
reading which emails it sent."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from maa.audit.definitions import AuditDefinition
from tests.helpers.dags import dag_bag
from tests.helpers.definitions import PROJECT
from tests.helpers.mail import MailCatcher
from tests.helpers.signoff import APPROVE, Answer, Answerer
from tests.helpers.workbooks import completed_return

SAMPLE_DAG_ID = "maa_mata_2026_01"
SECONDS_PER_WEEK = 5  # Phase 1 takes about 16 s here; the returns must still land before the deadline


def practitioner(code: str) -> str:
    return f"practitioner.{code.lower()}@agency.example.org"


def run_rehearsal(dag_id: str = SAMPLE_DAG_ID) -> str:
    dag = dag_bag().get_dag(dag_id)
    return str(dag.test(run_conf={"rehearsal_seconds_per_week": SECONDS_PER_WEEK}).state)


def kinds_of(message) -> str:
    return message["X-MAA-Key"].split("|")[1]


def kinds(catcher: MailCatcher) -> Counter:
    return Counter(kinds_of(m) for m in catcher.messages)


def drop_returns(inbox: Path, definition: AuditDefinition, codes: list[str], case_refs: list[str], tmp: Path,
                 further: dict[str, dict[str, str]] | None = None) -> None:
    """Each agency's completed return in the audit's inbox, naming a practitioner of its own for the meeting
    (and, from `further`, more Overview rows for an agency: its other attendees)."""
    (inbox / "returns").mkdir()
    for code in codes:
        (inbox / "returns" / f"{code}.xlsx").write_bytes(completed_return(
            definition, code, case_refs, tmp, overview={"nominated_practitioner": f"Practitioner {code}",
                                                        "nominated_practitioner_email": practitioner(code),
                                                        **(further or {}).get(code, {})}))


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
