"""Phase 1 through Airflow itself (`dag.test()`), a real SMTP server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.helpers.dags import dag_bag
from tests.helpers.definitions import AuditFolders, sample_definition
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv
from tests.helpers.outputs import attachments, readable, readable_bytes

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]

REF = "MATA-2026-01"
DAG_ID = "maa_mata_2026_01"
COORDINATORS = [a["coordinator"]["email"] for a in sample_definition()["agencies"]]
BUSINESS_UNIT = sample_definition()["business_unit"]["email"]
IDENTIFIERS = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, "29 February 2016", "29 Feb 2016",
               "29/02/2016")


# From the chair's analysis on, the run waits for people (test_full_audit.py plays them); here those tasks are
# marked done, so a run covers Phases 1 to 3 up to the chair's briefing and then ends.
AFTER_THE_BRIEFING = (r"receive_chair_analysis|round_\d\..+|wait_for_signoff_due|remind_qiip_of_signoff"
                      r"|publish_final_report|alert_rounds_exhausted")


def run_audit(dag_id: str = DAG_ID, **conf) -> str:
    dag = dag_bag().get_dag(dag_id)
    return str(dag.test(run_conf=conf or None, mark_success_pattern=AFTER_THE_BRIEFING).state)


def kinds(messages) -> list[str]:
    return [m["X-MAA-Key"].split("|")[1] for m in messages]


def phase1_messages(catcher: MailCatcher) -> list:
    """The notices and audit packs (the sample's past dates also close Phase 2 as "no return")."""
    return [m for m in catcher.messages if kinds([m])[0] in ("notice", "audit_pack")]


def store_rows(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        names = sa.inspect(engine).get_table_names()
        counts = {n: connection.execute(sa.text(f"SELECT COUNT(*) FROM {n}")).scalar_one() for n in names}
    engine.dispose()
    return counts


def store_text(url: str) -> str:
    """Every value in every table of the audit store, as one text."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        text = "\n".join(str(tuple(row)) for table in meta.sorted_tables
                         for row in connection.execute(sa.select(table)))
    engine.dispose()
    return text


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, folders: AuditFolders) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_store")
    return f"sqlite:///{folders.data / 'maa-store.sqlite'}"


def test_phase1_sends_each_coordinator_a_notice_and_an_audit_pack_once(
        folders: AuditFolders, smtp_server: MailCatcher, store_url: str) -> None:
    folders.write_definition()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())

    assert run_audit() == "success"

    for coordinator in COORDINATORS:
        received = [m for m in phase1_messages(smtp_server) if m["To"] == coordinator]
        assert sorted(kinds(received)) == ["audit_pack", "notice"], coordinator
        notice = next(m for m in received if "notice" in m["X-MAA-Key"])
        assert notice["Subject"] == f"OFFICIAL [{REF}] Notice of multi-agency audit: " \
                                    "Neglect: children subject to a child protection plan"
        assert "Agency returns due: Monday 20 July 2026" in notice.get_content()
        pack = next(m for m in received if "audit_pack" in m["X-MAA-Key"])
        assert pack["Subject"].startswith(f"OFFICIAL-SENSITIVE [{REF}] Audit pack")
        files = attachments(pack)
        code = next(a["code"] for a in sample_definition()["agencies"] if a["coordinator"]["email"] == coordinator)
        assert set(files) == {f"audit-pack-{code}.pdf", f"return-template-{code}.xlsx"}
        assert files[f"audit-pack-{code}.pdf"][0] == "application/pdf"
        text = readable_bytes(f"audit-pack-{code}.pdf", files[f"audit-pack-{code}.pdf"][1])
        assert DISTINCTIVE_NAME in text and "C-01" in text and "C-02" in text
        assert "OFFICIAL-SENSITIVE" in text and "Page 1 of 2" in text
        workbook = load_workbook(io.BytesIO(files[f"return-template-{code}.xlsx"][1]))
        findings = list(workbook["Findings"].iter_rows(values_only=True))
        assert findings[0] == ("case_ref", "domain", "grade", "worked_well", "worked_less_well", "learning")
        assert len(findings) == 1 + 2 * 6
        overview = dict(workbook["Overview"].iter_rows(min_row=2, values_only=True))
        assert overview["audit_ref"] == REF and overview["agency_code"] == code

    assert len(phase1_messages(smtp_server)) == 2 * len(COORDINATORS)
    assert not (folders.data / "inbox" / REF / "nominations.csv").exists(), "the accepted file leaves the inbox"
    assert (folders.data / "archive" / REF / "nominations.v1.csv").exists()
    assert store_rows(store_url)["cases"] == 2


def test_a_rerun_sends_no_email_twice_and_writes_no_row_twice(
        folders: AuditFolders, smtp_server: MailCatcher, store_url: str) -> None:
    folders.write_definition()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    assert run_audit() == "success"
    first_messages, first_rows = len(smtp_server.messages), store_rows(store_url)

    assert run_audit() == "success"

    assert len(smtp_server.messages) == first_messages
    rows = store_rows(store_url)
    per_run = ("events", "audit_endings")  # what each run did and how each ended: a row per run, by design
    assert {k: v for k, v in rows.items() if k not in per_run} == \
           {k: v for k, v in first_rows.items() if k not in per_run}
    assert rows["emails"] == first_messages
    assert (first_rows["audit_endings"], rows["audit_endings"]) == (1, 2), "each run's end recorded once"


def test_a_replaced_coordinator_gets_what_the_old_one_had_and_nobody_gets_anything_twice(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    path = folders.write_definition()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    assert run_audit() == "success"
    sent_before = len(smtp_server.messages)

    definition = sample_definition()
    definition["agencies"][1]["coordinator"] = {"name": "New Person", "email": "new.person@police.example.org"}
    folders.write_definition(definition, name=path.name)
    assert run_audit() == "success"

    new_messages = smtp_server.messages[sent_before:]
    assert {m["To"] for m in new_messages} == {"new.person@police.example.org"}
    assert sorted(kinds(phase1_messages(MailCatcher("", 0, new_messages)))) == ["audit_pack", "notice"]


def test_a_task_that_fails_for_good_tells_the_operator_once_with_a_link_and_no_details(
        folders: AuditFolders, smtp_server: MailCatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing pseudonym key is configuration: no retry mends it, so the run fails at once and says so."""
    folders.write_definition()
    monkeypatch.delenv("AIRFLOW_VAR_MAA_PSEUDONYM_KEY")
    monkeypatch.setenv("MAA_OPERATOR_EMAIL", "operator@example.org")
    assert run_audit() == "failed"

    (alert,) = smtp_server.messages
    assert alert["To"] == "operator@example.org"
    assert alert["Subject"] == f"OFFICIAL [{REF}] Task failed: prepare_audit (MissingPseudonymKey)"
    body = alert.get_body(("plain",)).get_content()
    assert "try 1, its last" in body
    assert f"/dags/{DAG_ID}/runs/" in body and "/tasks/prepare_audit" in body
    assert "maa_pseudonym_key" not in body, "the error's own text stays in the log"


def test_a_withdrawn_audit_skips_its_waits_and_sends_nothing(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    folders.write_definition({"status": "withdrawn"})
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    run_audit()
    assert smtp_server.messages == []
    assert (folders.inbox(REF) / "nominations.csv").exists()


def test_a_dry_run_writes_the_outbox_only_and_the_real_run_still_sends(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    folders.write_definition()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())

    assert run_audit(dry_run=True) == "success"
    assert smtp_server.messages == []
    dry = sorted(p.name for p in (folders.output / "outbox" / "dry-run").glob("*.eml"))
    assert len([name for name in dry if "--notice--" in name or "--audit_pack--" in name]) == 2 * len(COORDINATORS)

    assert run_audit() == "success"
    assert len(phase1_messages(smtp_server)) == 2 * len(COORDINATORS)
    assert len(smtp_server.messages) == len(dry), "the real run sends what the dry run wrote"


def test_refused_nominations_are_kept_explained_and_a_corrected_file_is_picked_up(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    folders.write_definition()
    inbox = folders.inbox(REF)
    bad = nominations_csv([
        ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB),
        ("C-02", DISTINCTIVE_SYSTEM_ID, "Fictional Child Two", "2031-05-17"),
    ])
    (inbox / "nominations.csv").write_text(bad)

    run_over = threading.Event()

    def correct_after_refusal() -> None:
        """The nominating agency sends the corrected file once the refusal reaches it, however long that takes."""
        while not run_over.wait(0.2):
            if any("Case list refused" in s for s in smtp_server.subjects()):
                (inbox / "nominations.csv").write_text(nominations_csv())
                return

    corrector = threading.Thread(target=correct_after_refusal, daemon=True)
    corrector.start()
    try:
        assert run_audit() == "success"
    finally:
        run_over.set()
        corrector.join()

    quarantined = folders.data / "quarantine" / REF
    reasons = (quarantined / "nominations.v1.csv.reasons.txt").read_text()
    assert "row 3, column system_id: the same system_id appears on more than one row" in reasons
    assert "row 3, column date_of_birth: the date of birth is not in the past" in reasons
    assert (quarantined / "nominations.v1.csv").read_text() == bad, "the refused file is kept as it came"
    assert (folders.data / "archive" / REF / "nominations.v2.csv").exists()

    subjects = smtp_server.subjects()
    refused = [m for m in smtp_server.messages if "Case list refused" in m["Subject"]]
    assert sorted(m["To"] for m in refused) == sorted([BUSINESS_UNIT, COORDINATORS[0]])
    assert "row 3, column system_id" in refused[0].get_content()
    first_pack = next(i for i, s in enumerate(subjects) if "Audit pack" in s)
    assert all(i < first_pack for i, s in enumerate(subjects) if "Case list refused" in s)
    assert kinds(smtp_server.messages).count("audit_pack") == len(COORDINATORS)
    for message in refused:
        assert not any(identifier in message.as_string() for identifier in IDENTIFIERS)


def test_a_childs_identifiers_appear_only_in_the_audit_packs_and_the_files_that_carry_them(
        folders: AuditFolders, smtp_server: MailCatcher, store_url: str, capfd: pytest.CaptureFixture,
        airflow_db: Path) -> None:
    folders.write_definition()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    assert run_audit() == "success"
    captured = capfd.readouterr()

    def leaks(text: str) -> list[str]:
        return [identifier for identifier in IDENTIFIERS if identifier in text]

    assert leaks(captured.out + captured.err) == [], "task logs on the console"
    for log_file in (airflow_db / "logs").rglob("*"):
        if log_file.is_file():
            assert leaks(log_file.read_text(errors="replace")) == [], log_file
    assert leaks((airflow_db / "airflow.db").read_bytes().decode("utf-8", "replace")) == [], \
        "Airflow's metadata database (XCom, rendered fields, logs)"
    assert leaks(store_text(store_url)) == [], "the audit store"

    for path in folders.output.rglob("*"):
        if path.is_file() and not path.name.startswith("audit-pack-"):
            assert leaks(readable(path)) == [], path
    pack_texts = [readable(p) for p in folders.output.rglob("audit-pack-*.pdf")]
    assert pack_texts and all(DISTINCTIVE_NAME in text for text in pack_texts)

    for message in smtp_server.messages:
        carried = leaks(message.get_body().get_content()) + [
            leak for name, (_, payload) in attachments(message).items()
            for leak in leaks(readable_bytes(name, payload))
        ]
        if message["X-MAA-Key"].split("|")[1] == "audit_pack":
            assert DISTINCTIVE_NAME in carried, "the pack itself names the child"
            assert message["Subject"].startswith("OFFICIAL-SENSITIVE")
        else:
            assert carried == [], message["Subject"]


def test_a_partnership_arrangements_audit_sends_packs_listing_areas_without_nominations(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    folders.write_definition({"ref": "PAA-2026-01", "type": "PAA", "title": "Partnership arrangements 2025-26",
                              "period": {"from": "2025-04-01", "to": "2026-03-31"}},
                             remove=("nominating_agency", "theme", "extensions"))
    assert run_audit("maa_paa_2026_01") == "success"

    packs = [m for m in smtp_server.messages if "audit_pack" in m["X-MAA-Key"]]
    assert sorted(m["To"] for m in packs) == sorted(COORDINATORS)
    files = attachments(packs[0])
    pdf_name = next(name for name in files if name.endswith(".pdf"))
    text = readable_bytes(pdf_name, files[pdf_name][1])
    assert "Tuesday 1 April 2025" in text and "Section 11 reporting" in text and "SIN decision process" in text
    workbook = load_workbook(io.BytesIO(next(v for k, v in files.items() if k.endswith(".xlsx"))[1]))
    rows = list(workbook["Findings"].iter_rows(values_only=True))
    assert rows[0][0] == "area" and len(rows) == 1 + 10
