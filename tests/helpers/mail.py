"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class MailCatcher:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Any = None

    def go_down(self) -> None:
        """The mail server stops answering (connections refused) until `come_back`."""
        self.controller.stop()

    def come_back(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Collector(self), hostname=self.host, port=self.port)
        self.controller.start()

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == recipient]

    def subjects(self) -> list[str]:
        return [m["Subject"] for m in self.messages]


class _Collector:
    def __init__(self, catcher: MailCatcher):
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.catcher.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"
