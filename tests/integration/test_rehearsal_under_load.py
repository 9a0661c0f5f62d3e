"""A rehearsal through dag.test() while other processes keep every core busy gives the sample's intended
record, as on an idle machine: audit time stands still while the run works, so a slow task never pushes a
return, a correction or the practitioner pack past its deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maa.audit.busy import RunLedger
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.outputs import pdf_text
from tests.helpers.rehearsal import (
    SAMPLE_DAG_ID,
    SAMPLE_REF,
    kinds,
    kinds_of,
    practitioner,
    run_rehearsal,
    sample_inbox,
    sample_return,
)
from tests.helpers.signoff import APPROVE, Answer, Answerer

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db", "fab_auth_manager")]

POLICE_MISTAKE = {"C6": "Excellent"}  # not a grade: the first return is refused, the corrected one accepted


@pytest.fixture
def busy_cores() -> Iterator[int]:
    """One spinning process per core for the whole test, stopped after it (and ending by themselves should this
    process die first: a timed-out test skips its teardown)."""
    count = os.cpu_count() or 2
    spin = f"import os\nwhile os.getppid() == {os.getpid()}: pass"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    yield count
    for spinner in spinners:
        spinner.kill()
        spinner.wait()


def police_corrects(folders: AuditFolders, smtp_server: MailCatcher, corrected: bytes, stop: threading.Event) -> None:
    """As Police would: once emailed that the first return was refused, send the corrected one, made
    beforehand (a person's time to correct is theirs; this thread's, building a workbook on a loaded
    machine, is not the pipeline's)."""
    while not stop.is_set():
        if any("Return refused" in subject for subject in smtp_server.subjects()):
            (folders.inbox(SAMPLE_REF) / "returns" / "POL.xlsx").write_bytes(corrected)
            return
        time.sleep(0.3)


@pytest.mark.timeout(1500)  # every core is taken by the spinners: the run's work gets a share of one
def test_a_rehearsal_on_a_loaded_machine_keeps_the_samples_record(
        busy_cores: int, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition = sample_inbox(folders, tmp_path, first_tries={"POL": POLICE_MISTAKE})
    stop = threading.Event()
    corrected = sample_return(definition, "POL", tmp_path)
    police = threading.Thread(target=police_corrects, args=(folders, smtp_server, corrected, stop), daemon=True)
    police.start()
    answerer = Answerer(SAMPLE_DAG_ID, [Answer("round_1.bu_quality_assurance", "business-unit", APPROVE),
                                        Answer("round_1.qiip_signoff", "qiip", APPROVE)]).start()
    started = time.monotonic()
    try:
        assert run_rehearsal() == "success"
    finally:
        stop.set()
    assert answerer.thread is not None
    answerer.thread.join(timeout=10)
    assert answerer.refused == []
    print(f"rehearsal with {busy_cores} cores kept busy: {time.monotonic() - started:.0f} s")

    store = resources.store()
    returns = store.returns(SAMPLE_REF)
    assert {code: r["status"] for code, r in returns.items()} == {
        "CSC": "accepted", "POL": "accepted", "ICB": "accepted", "GHC": "accepted", "EDU": "accepted",
        "PROB": "no_return"}
    assert [(f["version"], f["outcome"]) for f in store.inbox_files(SAMPLE_REF, "return", "POL")] == [
        (1, "refused"), (2, "accepted")], "Police's correction accepted"

    output = folders.output / SAMPLE_REF
    pack = pdf_text(output / "practitioner-pack.pdf")
    assert "Not yet received: Probation Service." in pack, "the pack misses only Probation"
    briefing = pdf_text(output / "chair-briefing.pdf")
    assert "5 of 6 agencies returned" in briefing and "No return: Probation Service" in briefing
    final = pdf_text(output / "audit-overview-report.pdf")
    assert "Probation Service (PROB) no return" in final

    sent = kinds(smtp_server)
    assert sent["practitioner_pack_addendum"] == 0, "nothing came after the pack"
    assert {m["To"] for m in smtp_server.messages if kinds_of(m) == "practitioner_pack"} >= {
        practitioner(code) for code in ("CSC", "POL", "ICB", "GHC", "EDU")}
    assert sent["return_reminder-PROB"] == 1 and sent["return_reminder-POL"] == 0
    assert sent["return_refused-POL"] == 1 and sent["return_accepted-POL"] == 1
    assert sent["bu_quality_assurance_request"] == 1 and sent["qiip_signoff_request"] == 2  # both QiiP mailboxes
    spans = RunLedger(store, f"{SAMPLE_DAG_ID}/{_run_id()}").spans()
    assert spans and all(end is not None for _, _, end, _ in spans), "every span of the run ended"


def _run_id() -> str:
    from airflow.models import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.query(DagRun).filter(DagRun.dag_id == SAMPLE_DAG_ID).order_by(DagRun.id.desc()).first().run_id
