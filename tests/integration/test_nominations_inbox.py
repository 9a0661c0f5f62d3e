"""The nominations inbox, one look at a time: every bad file is kept, explained and mailed; nothing is lost."""

from __future__ import annotations

from datetime import datetime

import pytest

from maa.audit.definitions import load_definition
from maa.audit.pseudonym import MissingPseudonymKey
from maa.config import LONDON
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import case_list, notice
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv

REF = "MATA-2026-01"
GOOD = ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17")
DISTINCTIVE = ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=LONDON)  # two days into the notice period: no chasing yet

BAD_FILES = {
    "missing column": (b"case_ref,system_id,child_name\nC-01,QZX-1,Someone\nC-02,QZX-2,Other\n",
                       "row 1, column date_of_birth: column is missing"),
    "duplicate system id": (nominations_csv([DISTINCTIVE, ("C-02", DISTINCTIVE_SYSTEM_ID, "B", "2019-05-17")]),
                            "row 3, column system_id: the same system_id appears on more than one row"),
    "date of birth in the future": (nominations_csv([DISTINCTIVE, ("C-02", "QZX-2", "B", "2040-01-01")]),
                                    "row 3, column date_of_birth: the date of birth is not in the past"),
    "an adult": (nominations_csv([DISTINCTIVE, ("C-02", "QZX-2", "B", "2001-01-01")]),
                 "row 3, column date_of_birth: the child must be under 18"),
    "not CSV": (b"PK\x03\x04\x14\x00\x00\x00binary-workbook-bytes", "not a CSV text file"),
    "empty": (b"", "the file is empty"),
}


@pytest.fixture
def audit(folders: AuditFolders, smtp_server: MailCatcher):
    definition = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    return definition, store, resources.mailer(store)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_case_list_is_quarantined_with_reasons_and_the_business_unit_told(
        case: str, audit, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    definition, store, mailer = audit
    content, expected = BAD_FILES[case]
    inbox = folders.inbox(REF) / "nominations.csv"
    inbox.write_bytes(content if isinstance(content, bytes) else content.encode())

    state = case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key)

    assert not state.accepted
    assert not inbox.exists(), "the file left the inbox"
    kept = folders.data / "quarantine" / REF / "nominations.v1.csv"
    assert kept.read_bytes() == (content if isinstance(content, bytes) else content.encode())
    reasons = kept.with_name("nominations.v1.csv.reasons.txt").read_text()
    assert expected in reasons
    (to_business_unit,) = smtp_server.to(definition.business_unit.email)
    assert expected in to_business_unit.get_content()
    assert smtp_server.to(definition.agency("CSC").coordinator.email), "the nominating agency is told too"
    for message in smtp_server.messages:
        assert DISTINCTIVE_NAME not in message.as_string() and DISTINCTIVE_SYSTEM_ID not in message.as_string()
    assert DISTINCTIVE_NAME not in reasons
    assert store.cases(REF) == []
    assert not (folders.output / REF).exists(), "no audit pack is built"

    inbox.write_text(nominations_csv([DISTINCTIVE, GOOD]))
    assert case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key).accepted
    assert (folders.data / "archive" / REF / "nominations.v2.csv").exists()
    assert [c["case_ref"] for c in store.cases(REF)] == ["C-01", "C-02"]


def test_a_case_list_of_other_than_the_cases_the_panel_selected_is_refused_with_that_reason(
        folders: AuditFolders, smtp_server: MailCatcher) -> None:
    panel = {"approved_on": "2026-05-14", "minute": "Audit Panel 2026-05 item 4", "nominated": 6, "selected": 3,
             "not_selected": [{"count": 3, "reason": "outside the theme"}]}
    definition = load_definition(folders.write_definition({"panel": panel}))
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    mailer = resources.mailer(store)
    inbox = folders.inbox(REF) / "nominations.csv"
    inbox.write_text(nominations_csv([DISTINCTIVE, GOOD]))

    assert not case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key).accepted
    expected = ("2 cases listed; the Audit Panel selected 3 cases (Audit Panel 2026-05 item 4; the definition's "
                "panel.selected): send exactly those")
    reasons = (folders.data / "quarantine" / REF / "nominations.v1.csv.reasons.txt").read_text()
    assert expected in reasons
    assert expected in smtp_server.to(definition.business_unit.email)[0].get_content()
    assert store.cases(REF) == []

    inbox.write_text(nominations_csv([DISTINCTIVE, GOOD, ("C-03", "QZX-55667788", "Fictional Child Three",
                                                          "2018-01-09")]))
    assert case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key).accepted
    assert [c["case_ref"] for c in store.cases(REF)] == ["C-01", "C-02", "C-03"]


def test_the_stored_cases_carry_a_keyed_hash_and_an_age_band_only(audit, folders: AuditFolders) -> None:
    definition, store, mailer = audit
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv([DISTINCTIVE, GOOD]))
    assert case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key).accepted
    with store.engine.connect() as connection:
        rows = [tuple(r) for r in connection.exec_driver_sql(
            "SELECT case_ref, system_id_hash, age_band FROM cases ORDER BY case_ref")]
    assert [(r[0], r[2]) for r in rows] == [("C-01", "10-15"), ("C-02", "5-9")]
    assert all(len(r[1]) == 64 and DISTINCTIVE_SYSTEM_ID not in r[1] for r in rows)


def test_a_missing_case_list_is_chased_halfway_and_escalated_when_the_notice_period_ends(
        audit, smtp_server: MailCatcher) -> None:
    definition, store, mailer = audit
    halfway, ended = case_list.notice_reminder_times(definition)
    assert (halfway.date().isoformat(), ended.date().isoformat()) == ("2026-06-08", "2026-06-15")

    state = case_list.receive_nominations(definition, store, mailer, NOW, key=resources.pseudonym_key)
    assert smtp_server.messages == [] and state.next_reminder_at == halfway

    for _ in range(2):  # looking again changes nothing: each message goes once
        state = case_list.receive_nominations(definition, store, mailer, halfway, key=resources.pseudonym_key)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [definition.business_unit.email, definition.agency("CSC").coordinator.email])
    assert state.next_reminder_at == ended

    case_list.receive_nominations(definition, store, mailer, ended, key=resources.pseudonym_key)
    escalations = [m for m in smtp_server.messages if "Escalation" in m["Subject"]]
    assert [m["To"] for m in escalations] == [definition.business_unit.email]
    assert "The audit is waiting: it has not failed." in escalations[0].get_content()


def test_a_wait_first_woken_after_the_notice_period_escalates_without_a_reminder_and_records_why(
        audit, smtp_server: MailCatcher) -> None:
    definition, store, mailer = audit
    _, ended = case_list.notice_reminder_times(definition)

    case_list.receive_nominations(definition, store, mailer, ended, key=resources.pseudonym_key)

    assert [m["Subject"].split("] ")[1] for m in smtp_server.messages] == [
        "Escalation: notice period ended without the case list"]
    (missed,) = store.events(definition.ref, "reminder_not_sent")
    assert missed["subject"] == "nominations_reminder"


def test_a_case_audit_refuses_to_start_without_the_pseudonym_key(
        audit, monkeypatch: pytest.MonkeyPatch) -> None:
    definition, store, _ = audit
    monkeypatch.delenv("AIRFLOW_VAR_MAA_PSEUDONYM_KEY")
    with pytest.raises(MissingPseudonymKey, match="maa_pseudonym_key"):
        notice.prepare(definition, "MATA-2026-01.yaml", store, key=resources.pseudonym_key)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM audits").scalar_one() == 0
