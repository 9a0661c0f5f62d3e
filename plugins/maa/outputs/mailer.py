"""Email with a ledger: every message is sent at most once, whatever reruns.

A message's key is (audit, kind, recipient, version); its Message-ID is derived
from the key, so a resend after a crash carries the same Message-ID. The send
is recorded as pending before and as sent after. Without an `smtp_default`
connection messages are written to the outbox folder as .eml files; a dry run
writes them to `outbox/dry-run/` and records nothing.

A message is also spooled (written whole, before it is delivered, to a folder
of the task that sends it) until it is recorded as sent. A task whose send
failed (the SMTP server down) has often already moved on: the return is
accepted, the file archived. Its retry delivers what the spool holds first,
the same bytes under the same Message-ID, so the acknowledgement is not lost
and never goes twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import mimetypes
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

from maa import config
from maa.outputs.private_files import write_private
from maa.outputs.store import Store

log = logging.getLogger(__name__)

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
MESSAGE_ID_DOMAIN = "maa.audit.local"
# Long subjects stay on one line: the default 78-column folding splits them oddly.
MESSAGE_POLICY = policy.SMTP.clone(max_line_length=250)

mimetypes.add_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx")


class EmailRefused(RuntimeError):
    """A message that policy forbids sending over the configured connection."""


@dataclass(frozen=True)
class Email:
    ref: str
    kind: str
    recipient: str
    what: str
    body: str
    marking: str = OFFICIAL
    attachments: tuple[Path, ...] = ()
    version: int = 1
    reply_to: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.ref}|{self.kind}|{self.recipient.lower()}|v{self.version}"

    @property
    def message_id(self) -> str:
        return f"<{hashlib.sha256(self.key.encode()).hexdigest()[:40]}@{MESSAGE_ID_DOMAIN}>"

    @property
    def subject(self) -> str:
        return f"{self.marking} [{self.ref}] {self.what}"

    @property
    def file_name(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9.@-]+", "_", f"{self.ref}--{self.kind}--{self.recipient}--v{self.version}")
        return f"{slug}.eml"

    def to_message(self, sender: str) -> EmailMessage:
        message = EmailMessage(policy=MESSAGE_POLICY)
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Message-ID"] = self.message_id
        message["Date"] = formatdate(localtime=True)
        message["X-Protective-Marking"] = self.marking
        message["X-MAA-Key"] = self.key
        if self.reply_to:
            message["Reply-To"] = self.reply_to
        for name, value in self.extra_headers.items():
            message[name] = value
        message.set_content(self.body)
        for path in self.attachments:
            mime, _ = mimetypes.guess_type(path.name)
            maintype, subtype = (mime or "application/octet-stream").split("/", 1)
            message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
        return message


def _flag(extra: dict[str, Any], name: str) -> bool:
    value = extra.get(name, False)
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server, as the `smtp_default` connection gives it (read by the pipeline's adapter)."""

    host: str
    port: int | None
    login: str | None
    password: str | None
    use_ssl: bool
    use_starttls: bool
    local_test_server: bool  # "mail_catcher": a loopback test server, the only one taking sensitive mail in clear
    timeout: float

    @classmethod
    def from_extra(cls, host: str, port: int | None, login: str | None, password: str | None,
                   extra: dict[str, Any]) -> SmtpSettings:
        return cls(host, port, login, password, use_ssl=not _flag(extra, "disable_ssl"),
                   use_starttls=not _flag(extra, "disable_tls"), local_test_server=_flag(extra, "mail_catcher"),
                   timeout=float(extra.get("timeout", 30)))


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def check_allowed(self, marking: str, subject: str) -> None:
        smtp = self.settings
        encrypted = smtp.use_ssl or smtp.use_starttls
        if marking == OFFICIAL_SENSITIVE and not encrypted and not smtp.local_test_server:
            raise EmailRefused(
                f"{subject!r} is OFFICIAL-SENSITIVE and the smtp_default connection has neither SSL "
                "nor STARTTLS; set \"mail_catcher\": true in its extra only for a local test server"
            )

    def deliver(self, file_name: str, message: EmailMessage) -> None:
        smtp = self.settings
        context = ssl.create_default_context()
        if smtp.use_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port or 465, timeout=smtp.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port or 25, timeout=smtp.timeout)
        with client:
            if not smtp.use_ssl and smtp.use_starttls:
                client.starttls(context=context)
            if smtp.login:
                client.login(smtp.login, smtp.password or "")
            client.send_message(message)


class OutboxTransport:
    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder

    def check_allowed(self, marking: str, subject: str) -> None:
        """Files on the pipeline's own disk: every marking may go there."""

    def deliver(self, file_name: str, message: EmailMessage) -> None:
        """Whole or not at all, readable by the pipeline's user only: a message may carry an audit pack."""
        write_private(self.folder / file_name, bytes(message))


class Mailer:
    """Sends emails once each, recording them in the store's ledger.

    Over the SMTP transport it is handed, else into the outbox; a dry run always writes `outbox/dry-run/`.
    """

    def __init__(self, store: Store, *, dry_run: bool = False, rehearsal: bool = False, sender: str | None = None,
                 spool: Path | None = None, transport: SmtpTransport | None = None):
        self.store = store
        self.dry_run = dry_run
        self.rehearsal = rehearsal
        self.spool = None if dry_run else spool
        self.sender = sender or config.settings().mail_from
        if dry_run:
            self.transport: SmtpTransport | OutboxTransport = OutboxTransport(config.outbox_dir() / "dry-run")
        else:
            self.transport = transport or OutboxTransport(config.outbox_dir())

    def send(self, email: Email) -> bool:
        """Send unless already sent; True when this call sent it."""
        if self.rehearsal and not email.what.startswith("REHEARSAL"):
            email = dataclasses.replace(email, what=f"REHEARSAL: {email.what}")
        self.transport.check_allowed(email.marking, email.subject)
        message = email.to_message(self.sender)
        if self.dry_run:
            self.transport.deliver(email.file_name, message)
            log.info("Dry run: %s written to the outbox only", email.kind)
            return True
        status = self.store.email_status(email.key)
        if status == "sent":
            log.info("Not sending %s to %s again: already sent", email.kind, email.recipient)
            return False
        if status is None:
            self.store.email_pending(
                message_key=email.key, message_id=email.message_id, ref=email.ref, kind=email.kind,
                recipient=email.recipient, version=email.version, subject=email.subject,
                transport=self.transport.name,
            )
        spooled = self.spool / email.file_name if self.spool else None
        if spooled and not spooled.exists():
            write_private(spooled, bytes(message))
        self._deliver(email.file_name, message, spooled)
        return True

    def deliver_spooled(self) -> int:
        """Deliver what an earlier try of this task spooled but could not record as sent; the number delivered.

        Called before the task does anything else, so its retry first sends what it owes.
        """
        if not self.spool or not self.spool.is_dir():
            return 0
        delivered = 0
        for spooled in sorted(self.spool.glob("*.eml")):
            message = message_from_bytes(spooled.read_bytes(), policy=MESSAGE_POLICY)
            if self.store.email_status(message["X-MAA-Key"]) == "sent":
                spooled.unlink()
                continue
            # The connection may have changed since (a plain relay during the outage): the same rule applies.
            self.transport.check_allowed(message["X-Protective-Marking"], message["Subject"])
            self._deliver(spooled.name, message, spooled)
            delivered += 1
        return delivered

    def _deliver(self, file_name: str, message: EmailMessage, spooled: Path | None) -> None:
        self.transport.deliver(file_name, message)
        self.store.email_sent(message["X-MAA-Key"])
        if spooled:
            spooled.unlink(missing_ok=True)
        log.info("Sent %s to %s (%s)", message["X-MAA-Key"].split("|")[1], message["To"], message["Message-ID"])
