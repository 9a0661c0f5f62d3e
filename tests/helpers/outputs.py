"""Reading what the pipeline sends and writes, as a person would: PDF text, workbook XML, email attachments."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

from pypdf import PdfReader


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_attachments()}


def readable_bytes(name: str, payload: bytes) -> str:
    """Text a person could read from a file: PDF text, the XML inside an xlsx, or the bytes."""
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(payload)).pages)
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return payload.decode("utf-8", "replace")


def readable(path: Path) -> str:
    return readable_bytes(path.name, path.read_bytes())


def message_text(message: EmailMessage) -> str:
    """The body and every attachment's readable text."""
    return "\n".join([message.get_body(("plain",)).get_content(),
                      *(readable_bytes(name, payload) for name, (_, payload) in attachments(message).items())])


def pdf_text(path: Path) -> str:
    """The PDF's text with runs of white space as one space, so a phrase wrapped in a table cell still matches."""
    return " ".join(readable(path).split())
