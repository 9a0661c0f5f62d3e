"""An agency's return uploaded on a page goes where a dropped file goes, and the page waits for the outcome.

One code path: the upload is written (whole, then renamed) to `inbox/<REF>/returns/<AGENCY>.xlsx`,
and the agency's own wait in the audit's DAG takes it, validates it and records the outcome, exactly
as for a file copied there. The page then reads that outcome from the store. The DAG knows the run's
clock (a rehearsal's weeks), its retries and its mail spool; the API server only carries the file.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from maa.definitions import AuditDefinition, AuditType, Status
from maa.xlsx import MAX_FILE_BYTES

OPEN = "open"


class UploadRefused(Exception):
    """Refused before anything was written: the page says why, and the sender still has the file."""


@dataclass(frozen=True)
class Outcome:
    version: int
    outcome: str  # "accepted" or "refused"
    reasons: tuple[str, ...]
    received_at: Any


@dataclass(frozen=True)
class ReturnSlot:
    """One audit's return as the agency sees it on its upload page."""

    definition: AuditDefinition
    state: str  # OPEN, or why no upload is taken: accepted, closed, not yet open
    deadline: Any
    history: tuple[Outcome, ...]
    waiting_file: bool  # a file sits in the inbox, not yet taken


def history(store: Any, ref: str, code: str) -> tuple[Outcome, ...]:
    return tuple(Outcome(f["version"], f["outcome"], tuple(filter(None, (f["reasons"] or "").split("\n"))),
                         f["received_at"]) for f in store.inbox_files(ref, "return", code))


def return_slots(definitions: list[AuditDefinition], store: Any, code: str) -> list[ReturnSlot]:
    """The audits this agency takes part in, and whether each takes a return now."""
    from maa.phase2 import ACCEPTED, NO_RETURN, return_path

    slots = []
    for definition in definitions:
        if code not in {a.code for a in definition.agencies}:
            continue
        status = store.returns(definition.ref).get(code, {}).get("status")
        prepared = definition.type is AuditType.PAA and store.events(definition.ref, "run_prepared") \
            or bool(store.cases(definition.ref))
        if definition.status is not Status.active:
            state = f"not taking returns: the audit is {definition.status.value}"
        elif status in ACCEPTED:
            state = "accepted"
        elif status == NO_RETURN:
            state = "closed: the deadline and its grace period have passed; the Business Unit can help"
        elif not prepared:
            state = "not open yet: the audit pack and return template have not been sent"
        else:
            state = OPEN
        slots.append(ReturnSlot(definition, state, definition.submission_deadline_for(code),
                                history(store, definition.ref, code), return_path(definition, code).exists()))
    return slots


def check_size(declared_length: str | None) -> None:
    """Before a byte is read: a request must say its length, and no return is anywhere near the limit."""
    if declared_length is None or not declared_length.isdigit():
        raise UploadRefused("The upload did not say how large it is; please try again from this page.")
    if int(declared_length) > MAX_FILE_BYTES + 64 * 1024:  # the form's own fields need a little room
        raise UploadRefused(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB: far larger than a "
                            "return can be. Nothing was kept; check you chose the return workbook.")


def drop_in_inbox(slot: ReturnSlot, code: str, data: bytes, file_name: str) -> None:
    """Write the upload whole under a temporary name, then rename it into the inbox: the DAG's wait never
    sees half a file. A file still waiting there is never overwritten: nothing is lost."""
    from maa.phase2 import return_path

    if slot.state != OPEN:
        raise UploadRefused(f"{slot.definition.ref} is not taking a return from {code}: {slot.state}.")
    if not file_name.lower().endswith(".xlsx"):
        raise UploadRefused(f"{file_name!r} is not an Excel workbook (.xlsx): use the return template you were "
                            "sent.")
    if len(data) > MAX_FILE_BYTES:
        raise UploadRefused(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB.")
    target = return_path(slot.definition, code)
    if target.exists():
        raise UploadRefused("An earlier file is still being checked; its outcome will show here within minutes.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{code}.xlsx.uploading"
    partial.write_bytes(data)
    partial.rename(target)


async def await_outcome(store: Any, ref: str, code: str, seen: int, timeout: float,
                        poll: float = 1.0) -> Outcome | None:
    """The outcome of the file after the `seen` ones already recorded, once the DAG has taken it."""
    deadline = time.monotonic() + timeout
    while True:
        outcomes = await asyncio.to_thread(history, store, ref, code)
        if len(outcomes) > seen:
            return outcomes[-1]
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(poll)

