"""Email through the ledger: once each, the same Message-ID on a resend, the outbox without SMTP."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from openpyxl import Workbook

from maa.outputs.mailer import OFFICIAL, OFFICIAL_SENSITIVE, Email, EmailRefused
from maa.outputs.store import Store
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher

REF = "MATA-2026-01"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path}/s.sqlite")


def notice(recipient: str = "amira.shah@csc.example.org", **changes) -> Email:
    fields = dict(ref=REF, kind="notice", recipient=recipient, what="Notice of multi-agency audit: Neglect",
                  body="Please take part in the audit.", marking=OFFICIAL)
    fields.update(changes)
    return Email(**fields)


def attachments_in(folder: Path) -> tuple[Path, Path]:
    pdf = folder / "audit-pack-POL.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%fictional pack\n")
    xlsx = folder / "return-template-POL.xlsx"
    workbook = Workbook()
    workbook.active.append(["field", "value"])
    workbook.save(xlsx)
    return pdf, xlsx


def outbox_files(folders: AuditFolders, *sub: str) -> list[Path]:
    return sorted(folders.output.joinpath("outbox", *sub).glob("*.eml"))


def read_eml(path: Path) -> EmailMessage:
    return message_from_bytes(path.read_bytes(), policy=policy.default)


def insecure_connection(monkeypatch: pytest.MonkeyPatch, catcher: MailCatcher, **extra: object) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
        "conn_type": "smtp", "host": catcher.host, "port": catcher.port,
        "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 10, **extra},
    }))


# Keys and Message-IDs ---------------------------------------------------------------------------

def test_the_message_id_is_derived_from_the_key() -> None:
    email = notice()
    assert email.message_id == notice(body="Different words, same message").message_id
    assert email.message_id == notice(recipient="Amira.Shah@CSC.example.org").message_id
    assert email.message_id != notice(version=2).message_id
    assert email.message_id != notice(kind="reminder").message_id
    assert email.message_id != notice(recipient="ben.okafor@police.example.org").message_id
    assert email.message_id != notice(ref="MATA-2026-02").message_id
    assert email.message_id.startswith("<") and email.message_id.endswith(">") and "@" in email.message_id


@pytest.mark.parametrize(("marking", "subject"), [
    (OFFICIAL, "OFFICIAL [MATA-2026-01] Notice of multi-agency audit: Neglect"),
    (OFFICIAL_SENSITIVE, "OFFICIAL-SENSITIVE [MATA-2026-01] Notice of multi-agency audit: Neglect"),
])
def test_the_subject_reads_marking_ref_what(marking: str, subject: str) -> None:
    assert notice(marking=marking).subject == subject


# Without smtp_default: the outbox -------------------------------------------------------------------

def test_without_smtp_default_the_email_is_written_to_the_outbox(folders: AuditFolders, store: Store) -> None:
    email = notice()
    assert resources.mailer(store).send(email) is True
    [path] = outbox_files(folders)
    message = read_eml(path)
    assert message["Message-ID"] == email.message_id
    assert message["Subject"] == email.subject
    assert message["To"] == email.recipient
    assert "Please take part in the audit." in message.get_body().get_content()
    assert store.email_status(email.key) == "sent"


def test_a_second_send_of_the_same_email_is_not_sent_again(folders: AuditFolders, store: Store) -> None:
    email = notice()
    assert resources.mailer(store).send(email) is True
    [path] = outbox_files(folders)
    path.unlink()
    assert resources.mailer(store).send(email) is False  # a rerun: another Mailer over the same ledger
    assert resources.mailer(store).send(notice(body="Reworded")) is False
    assert outbox_files(folders) == []
    assert [row["status"] for row in store.emails(REF)] == ["sent"]


def test_a_new_version_is_a_new_message(folders: AuditFolders, store: Store) -> None:
    mailer = resources.mailer(store)
    assert mailer.send(notice()) is True
    assert mailer.send(notice(version=2, body="Revised")) is True
    assert len(outbox_files(folders)) == 2
    assert {row["version"] for row in store.emails(REF)} == {1, 2}


def test_a_dry_run_writes_to_the_dry_run_outbox_and_records_nothing(folders: AuditFolders, store: Store) -> None:
    email = notice(marking=OFFICIAL_SENSITIVE)
    assert resources.mailer(store, dry_run=True).send(email) is True
    [path] = outbox_files(folders, "dry-run")
    assert read_eml(path)["Message-ID"] == email.message_id
    assert outbox_files(folders) == []
    assert store.email_status(email.key) is None
    assert store.emails(REF) == []

    assert resources.mailer(store).send(email) is True  # the real run still sends
    assert len(outbox_files(folders)) == 1
    assert store.email_status(email.key) == "sent"


# Over SMTP --------------------------------------------------------------------------------------

def test_delivered_once_over_smtp(folders: AuditFolders, store: Store, smtp_server: MailCatcher) -> None:
    pdf, xlsx = attachments_in(folders.output)
    email = notice(kind="audit_pack", marking=OFFICIAL_SENSITIVE, what="Audit pack and return workbook for Police",
                   attachments=(pdf, xlsx))
    assert resources.mailer(store).send(email) is True
    assert resources.mailer(store).send(email) is False
    [message] = smtp_server.messages
    assert message["Message-ID"] == email.message_id
    assert message["Subject"] == "OFFICIAL-SENSITIVE [MATA-2026-01] Audit pack and return workbook for Police"
    assert message["To"] == "amira.shah@csc.example.org"
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(parts) == {"audit-pack-POL.pdf", "return-template-POL.xlsx"}
    assert parts["audit-pack-POL.pdf"].get_content_type() == "application/pdf"
    assert parts["return-template-POL.xlsx"].get_content_type() == XLSX
    assert parts["audit-pack-POL.pdf"].get_payload(decode=True) == pdf.read_bytes()
    assert parts["return-template-POL.xlsx"].get_payload(decode=True) == xlsx.read_bytes()
    assert outbox_files(folders) == []  # SMTP configured: nothing in the outbox
    assert store.email_status(email.key) == "sent"


def test_a_dry_run_sends_nothing_over_smtp(folders: AuditFolders, store: Store, smtp_server: MailCatcher) -> None:
    assert resources.mailer(store, dry_run=True).send(notice()) is True
    assert smtp_server.messages == []
    assert len(outbox_files(folders, "dry-run")) == 1


def test_a_crash_after_acceptance_resends_with_the_same_message_id(folders: AuditFolders, store: Store,
                                                                   smtp_server: MailCatcher,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    recording = Store.email_sent
    crashes = []

    def crash_once(self: Store, message_key: str) -> None:
        if not crashes:
            crashes.append(message_key)
            raise ConnectionError("the audit store went away")
        recording(self, message_key)

    monkeypatch.setattr(Store, "email_sent", crash_once)
    email = notice()
    with pytest.raises(ConnectionError):
        resources.mailer(store).send(email)
    assert len(smtp_server.messages) == 1  # the server had accepted it
    assert store.email_status(email.key) == "pending"

    assert resources.mailer(store).send(email) is True  # the task's retry
    assert [m["Message-ID"] for m in smtp_server.messages] == [email.message_id, email.message_id]
    assert store.email_status(email.key) == "sent"

    assert resources.mailer(store).send(email) is False
    assert len(smtp_server.messages) == 2
    [row] = store.emails(REF)
    assert row["message_id"] == email.message_id


def test_official_sensitive_is_refused_without_tls(folders: AuditFolders, store: Store, smtp_server: MailCatcher,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    insecure_connection(monkeypatch, smtp_server)
    sensitive = notice(kind="audit_pack", marking=OFFICIAL_SENSITIVE)
    with pytest.raises(EmailRefused):
        resources.mailer(store).send(sensitive)
    assert smtp_server.messages == []
    assert store.email_status(sensitive.key) is None
    assert outbox_files(folders) == []

    official = notice()
    assert resources.mailer(store).send(official) is True
    assert [m["Message-ID"] for m in smtp_server.messages] == [official.message_id]


@pytest.mark.parametrize("flag", [True, "true", "yes"])
def test_official_sensitive_goes_to_a_mail_catcher(folders: AuditFolders, store: Store, smtp_server: MailCatcher,
                                                   monkeypatch: pytest.MonkeyPatch, flag: object) -> None:
    insecure_connection(monkeypatch, smtp_server, mail_catcher=flag)
    assert resources.mailer(store).send(notice(marking=OFFICIAL_SENSITIVE)) is True
    assert len(smtp_server.messages) == 1


# The SMTP server down for a while --------------------------------------------------------------

def test_a_message_the_server_refused_is_delivered_once_by_the_retry(folders: AuditFolders, store: Store,
                                                                     smtp_server: MailCatcher,
                                                                     tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "the-task"
    email = notice(kind="audit_pack")
    smtp_server.go_down()
    with pytest.raises(ConnectionRefusedError):
        resources.mailer(store, spool=spool).send(email)
    assert store.email_status(email.key) == "pending"
    [spooled] = spool.glob("*.eml")
    assert spooled.stat().st_mode & 0o077 == 0, "a spooled message may carry an audit pack: owner only"

    with pytest.raises(ConnectionRefusedError):  # a retry while the server is still down loses nothing
        resources.mailer(store, spool=spool).deliver_spooled()
    assert spooled.exists() and smtp_server.messages == []

    smtp_server.come_back()
    retry = resources.mailer(store, spool=spool)
    assert retry.deliver_spooled() == 1
    assert [m["Message-ID"] for m in smtp_server.messages] == [email.message_id]
    assert store.email_status(email.key) == "sent"
    assert list(spool.glob("*")) == []
    assert retry.deliver_spooled() == 0
    assert retry.send(email) is False, "the task, carrying on, does not send it again"
    assert len(smtp_server.messages) == 1


def test_a_spooled_message_recorded_as_sent_is_dropped_not_resent(folders: AuditFolders, store: Store,
                                                                   smtp_server: MailCatcher, tmp_path: Path) -> None:
    spool = tmp_path / "spool" / "the-task"
    email = notice()
    assert resources.mailer(store, spool=spool).send(email) is True
    spool.mkdir(parents=True, exist_ok=True)
    (spool / email.file_name).write_bytes(bytes(email.to_message("multi-agency-audit@localhost")))
    assert resources.mailer(store, spool=spool).deliver_spooled() == 0
    assert len(smtp_server.messages) == 1 and list(spool.glob("*")) == []


def test_a_spooled_official_sensitive_message_is_not_resent_over_a_connection_without_tls(
        folders: AuditFolders, store: Store, smtp_server: MailCatcher, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    spool = tmp_path / "spool" / "the-task"
    pack = notice(kind="audit_pack", marking=OFFICIAL_SENSITIVE)
    smtp_server.go_down()
    with pytest.raises(ConnectionRefusedError):
        resources.mailer(store, spool=spool).send(pack)
    smtp_server.come_back()
    insecure_connection(monkeypatch, smtp_server)  # the operator pointed smtp_default at a plain relay meanwhile
    with pytest.raises(EmailRefused):
        resources.mailer(store, spool=spool).deliver_spooled()
    assert smtp_server.messages == [] and len(list(spool.glob("*.eml"))) == 1, "refused, and kept for later"
