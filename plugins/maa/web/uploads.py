"""An agency's return uploaded on a page goes where a dropped file goes, and the page waits for the outcome.

One code path: the upload is written (whole, then moved in) to `inbox/<REF>/returns/<AGENCY>.xlsx`,
and the agency's own wait in the audit's DAG takes it, validates it and records the outcome, exactly
as for a file copied there. The page then reads that outcome from the store, matched by the file's
digest. The DAG knows the run's clock (a rehearsal's weeks), its retries and its mail spool; the API
server only carries the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maa.audit.definitions import AuditDefinition, Status
from maa.intake.xlsx import MAX_FILE_BYTES
from maa.outputs.private_files import write_private

if TYPE_CHECKING:
    from maa.outputs.store import Store

OPEN = "open"


class UploadRefused(Exception):
    """Refused before anything was written: the page says why, and the sender still has the file."""


@dataclass(frozen=True)
class Outcome:
    version: int
    outcome: str  # "accepted" or "refused"
    reasons: tuple[str, ...]
    sha256: str
    landed: datetime  # when the file reached the inbox (UTC); the page says it in London time


@dataclass(frozen=True)
class ReturnSlot:
    """One audit's return as the agency sees it on its upload page."""

    definition: AuditDefinition
    code: str  # the agency's code as the definition spells it
    state: str  # OPEN, or why no upload is taken: accepted, closed, not yet open
    deadline: Any
    history: tuple[Outcome, ...]
    waiting_file: bool  # a file sits in the inbox, not yet taken


def history(store: Store, ref: str, code: str) -> tuple[Outcome, ...]:
    return tuple(Outcome(f["version"], f["outcome"], tuple(filter(None, (f["reasons"] or "").split("\n"))),
                         f["sha256"], (f["landed_at"] or f["received_at"]).replace(tzinfo=UTC))
                 for f in store.inbox_files(ref, "return", code))


def _state(definition: AuditDefinition, store: Store, code: str) -> str:
    from maa.programme.phase import packs_sent
    from maa.returns.receiving import ACCEPTED, NO_RETURN

    status = store.returns(definition.ref).get(code, {}).get("status")
    if definition.status is not Status.active:
        return f"not taking returns: the audit is {definition.status.value}"
    if status in ACCEPTED:
        return "accepted"
    if status == NO_RETURN:
        return "closed: the deadline and its grace period have passed"
    if not packs_sent(store, definition.ref):
        return "not open yet: the audit pack and return template have not been sent"
    return OPEN


def return_slots(definitions: list[AuditDefinition], store: Store, code: str) -> list[ReturnSlot]:
    """The audits this agency takes part in (its code matched ignoring case), and whether each takes a
    return now."""
    from maa.pipeline.resources import inbox_root
    from maa.returns.receiving import return_path

    slots = []
    for definition in definitions:
        agency = next((a for a in definition.agencies if a.code.upper() == code.upper()), None)
        if agency is None:
            continue
        slots.append(ReturnSlot(definition, agency.code, _state(definition, store, agency.code),
                                definition.submission_deadline_for(agency.code),
                                history(store, definition.ref, agency.code),
                                return_path(definition, agency.code, inbox_root()).exists()))
    return slots


def check_size(declared_length: str | None) -> None:
    """Before a byte is read: a request must say its length, and no return is anywhere near the limit."""
    if declared_length is None or not declared_length.isdecimal():
        raise UploadRefused("The upload did not say how large it is; please try again from this page.")
    if int(declared_length) > MAX_FILE_BYTES + 64 * 1024:  # the form's own fields need a little room
        raise UploadRefused(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB: far larger than a "
                            "return can be. Nothing was kept; check you chose the return workbook.")


def drop_in_inbox(slot: ReturnSlot, data: bytes, file_name: str) -> str:
    """Write the upload whole under a name of its own, then move it into the inbox without replacing
    anything: the DAG's wait never sees half a file, and a file still waiting there (another upload a
    moment earlier) is never overwritten. Returns the file's sha256, by which its outcome is found."""
    from maa.pipeline.resources import inbox_root
    from maa.returns.receiving import return_path

    if slot.state != OPEN:
        raise UploadRefused(f"{slot.definition.ref} is not taking a return from {slot.code}: {slot.state}.")
    if not file_name.lower().endswith(".xlsx"):
        raise UploadRefused(f"{file_name!r} is not an Excel workbook (.xlsx): use the return template you were "
                            "sent.")
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB.")
    write_into_inbox(return_path(slot.definition, slot.code, inbox_root()), data, slot.code)
    return hashlib.sha256(data).hexdigest()


def write_into_inbox(target: Any, data: bytes, hint: str) -> None:
    """`data` written whole under a name of its own (`hint` in it), then moved to `target` in the inbox without
    replacing a file waiting there (UploadRefused)."""
    partial = target.parent / f".{hint}.{uuid.uuid4().hex}.uploading"
    if _is_local(target):  # owner-only from its first byte: a return names practitioners, and may a child
        write_private(Path(partial.path), data, exclusive=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
    try:
        _move_in(partial, target)
    finally:
        if partial.exists():
            partial.unlink()


def _move_in(partial: Any, target: Any) -> None:
    waiting = UploadRefused("An earlier file is still being checked; its outcome will show here within minutes.")
    if _is_local(target):  # a local folder: link, which never replaces
        try:
            os.link(Path(partial.path), Path(target.path))
        except FileExistsError:
            raise waiting from None
        return
    if target.exists():  # object storage has no such primitive: checked, then renamed
        raise waiting
    partial.rename(target)


def _is_local(path: Any) -> bool:
    return getattr(path, "protocol", "file") in ("file", "local")


async def await_outcome(store: Store, ref: str, code: str, sha256: str, seen: int, timeout: float,
                        poll: float = 1.0) -> Outcome | None:
    """This file's outcome once the DAG has taken it: a record after the `seen` earlier ones, of the same
    content (another upload taken meanwhile is not mistaken for it)."""
    deadline = time.monotonic() + timeout
    while True:
        outcomes = await asyncio.to_thread(history, store, ref, code)
        mine = [o for o in outcomes[seen:] if o.sha256 == sha256]
        if mine:
            return mine[-1]
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(poll)
