"""The one way every file that arrives is taken in: the case list, agency returns, the chair's analysis
and narrative, a PAA's data extracts and action owners' updates.

Settle (the caller waits for that), read within limits, check, then accept or refuse:

1. a file over its size limit is refused unread (copied to quarantine in blocks);
2. the check runs on the bytes read; any exception while reading or checking becomes a refusal with a
   reason naming the file, never a failed task that leaves the file in the inbox;
3. the file is copied to where it is kept (archive, or quarantine beside its reasons), owner-only,
   under its version;
4. the outcome, the file's record and its event (and, when accepted, what it brings) are written in
   one transaction: whoever sees the outcome finds the kept file;
5. the sender is told (the email's key carries the version, so telling twice sends once);
6. the file leaves the inbox, unless it was replaced meanwhile (then the new file waits for the next look).

A crash anywhere leaves the file in the inbox; the next look finds its kept copy (by digest) and its
record under the same version, records nothing twice, tells no one twice, and finishes.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from maa import config
from maa.intake import inbox
from maa.outputs.store import Store

log = logging.getLogger(__name__)


class InboxKind(StrEnum):
    """What a file is, as the store records it."""

    NOMINATIONS = "nominations"
    RETURN = "return"
    ANALYSIS = "analysis"
    PAA_DATA = "paa_data"
    ACTION_UPDATE = "action_update"
    ATTENDANCE = "attendance"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class CheckResult(Protocol):
    """What every check returns: accepted, or refused with reasons that say where."""

    @property
    def accepted(self) -> bool: ...

    def reasons(self) -> list[str]: ...


R = TypeVar("R", bound=CheckResult)


@dataclass(frozen=True)
class Arrival:
    """A settled file in an inbox, and what it is."""

    folder: str  # the audit's ref (or the tracker's folder): where it is archived or quarantined
    kind: InboxKind
    sender: str | None  # the agency code, where one agency sends it
    source: Any  # its path in the inbox
    relative: Path  # its name under the folder's archive or quarantine, e.g. returns/POL.xlsx
    describe: str  # what it should be, for reasons: "an agency return workbook"
    max_bytes: int
    companions: tuple[tuple[Any, str], ...] = ()  # (inbox path, kept name with {version}) that travel with it
    events_ref: str | None = None  # the ref its events are recorded under, where not the folder's

    def __post_init__(self) -> None:
        if self.events_ref is None:
            object.__setattr__(self, "events_ref", self.folder)

    @property
    def name(self) -> str:
        return self.relative.name


@dataclass(frozen=True)
class Taken(Generic[R]):
    """A file taken in: its outcome, the version it is kept as, and what its check found."""

    arrival: Arrival
    outcome: Outcome
    version: int
    kept_as: Path
    sha256: str
    reasons: list[str]
    result: R | None  # None when the file could not be read or checked
    landed_at: datetime | None  # when it landed in the inbox (UTC), by the inbox's own clock
    companions: Mapping[str, bytes] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


Check = Callable[[bytes, Mapping[str, bytes]], R]


def unreadable_reason(arrival: Arrival, error: BaseException) -> str:
    """A reason for a file that broke its reader: what to do, never the error's own text (it may quote the
    file)."""
    return (f"{arrival.name} could not be read as {arrival.describe} ({type(error).__name__}): it may be "
            "damaged or saved in another format; save it again (from the template, where there is one) "
            "and send it again")


def too_large_reason(arrival: Arrival) -> str:
    return (f"{arrival.name} is larger than {arrival.max_bytes // 1024 // 1024 or 1} MiB: far larger than "
            f"{arrival.describe} can be")


def kept_path(arrival: Arrival, outcome: Outcome, version: int) -> Path:
    root = config.audit_archive if outcome is Outcome.ACCEPTED else config.audit_quarantine
    return root(arrival.folder) / inbox.versioned(arrival.relative, version)


def take(arrival: Arrival, check: Check[R], store: Store, *,
         refused_before_check: list[str] | None = None,
         record: Callable[[Taken[R]], None] | None = None,
         event: Callable[[Taken[R]], tuple[str, str, str]],
         tell_sender: Callable[[Taken[R]], None]) -> Taken[R]:
    """Take one settled file in (see the module's docstring); returns what became of it.

    `refused_before_check` refuses the file without reading it for a reason the caller knows (it came
    after the grace period); `record` writes what an accepted file brings, inside the transaction;
    `event` names the store event (kind, subject, detail); `tell_sender` emails the sender.
    """
    landed = inbox.landed_at(arrival.source)
    data, companions, oversized = _read(arrival)
    sha256 = hashlib.sha256(data).hexdigest() if data is not None else inbox.sha256_of(arrival.source)
    kept_before = _kept_copy(arrival, sha256)  # an interrupted take of this very file: finish it
    version = kept_before[0] if kept_before else inbox.next_version(arrival.folder, arrival.relative)
    earlier = _recorded(store, arrival, version, sha256)
    if earlier is not None:
        outcome, reasons = Outcome(earlier["outcome"]), (earlier["reasons"] or "").splitlines()
        result = _run_check(arrival, check, data, companions, [])[0] if data is not None else None
        taken = Taken(arrival, outcome, version, kept_path(arrival, outcome, version), sha256, reasons, result,
                      landed, companions)
    else:
        refusals = [*(refused_before_check or []), *oversized]
        taken = _decide(arrival, check, data, companions, refusals, version, sha256, landed)
    if kept_before is None or kept_before[1] != taken.kept_as:
        _keep_copies(taken, data)  # kept before it is recorded: whoever sees the outcome finds the file
    if earlier is None:
        with store.transaction():
            if taken.accepted and record is not None:
                record(taken)
            store.record_inbox_file(arrival.folder, arrival.kind, arrival.sender, version, taken.outcome,
                                    str(taken.kept_as), sha256, "\n".join(taken.reasons), landed_at=landed)
            store.record_event(arrival.events_ref or arrival.folder, *event(taken))
        _log(taken)
    tell_sender(taken)
    _leave_inbox(taken)
    return taken


def _read(arrival: Arrival) -> tuple[bytes | None, dict[str, bytes], list[str]]:
    """The file's bytes (None when over its limit: it is never read whole), its companions' bytes, and a
    reason for each companion over the limit (left unread)."""
    if inbox.size_of(arrival.source) > arrival.max_bytes:
        return None, {}, []
    companions, oversized = {}, []
    for source, kept_name in arrival.companions:
        if not source.exists():
            continue
        if inbox.size_of(source) > arrival.max_bytes:
            oversized.append(f"{source.name} is larger than {arrival.max_bytes // 1024 // 1024 or 1} MiB")
        else:
            companions[kept_name] = source.read_bytes()
    return arrival.source.read_bytes(), companions, oversized


def _run_check(arrival: Arrival, check: Check[R], data: bytes, companions: Mapping[str, bytes],
               reasons: list[str]) -> tuple[R | None, list[str]]:
    try:
        result = check(data, companions)
    except Exception as error:  # noqa: BLE001 - whatever a reader meets in a file, the sender hears why
        log.warning("%s/%s: %s could not be checked (%s)", arrival.folder, arrival.kind, arrival.name,
                    type(error).__name__)
        return None, [*reasons, unreadable_reason(arrival, error)]
    return result, [*reasons, *result.reasons()]


def _decide(arrival: Arrival, check: Check[R], data: bytes | None, companions: Mapping[str, bytes],
            refused_before_check: list[str] | None, version: int, sha256: str,
            landed: datetime | None) -> Taken[R]:
    result: R | None = None
    if data is None:
        reasons = [too_large_reason(arrival)]
    elif refused_before_check:
        reasons = list(refused_before_check)
    else:
        result, reasons = _run_check(arrival, check, data, companions, [])
    outcome = Outcome.ACCEPTED if result is not None and result.accepted and not reasons else Outcome.REFUSED
    return Taken(arrival, outcome, version, kept_path(arrival, outcome, version), sha256, reasons, result,
                 landed, companions)


def _recorded(store: Store, arrival: Arrival, version: int, sha256: str) -> dict[str, Any] | None:
    for row in store.inbox_files(arrival.folder, arrival.kind, arrival.sender):
        if row["version"] == version and row["sha256"] == sha256:
            return row
    return None


def _kept_copy(arrival: Arrival, sha256: str) -> tuple[int, Path] | None:
    """A kept copy of these very bytes, made after the inbox file landed: a take of it that stopped before the
    end. The same bytes sent again land after their earlier copy was kept, and are a new arrival."""
    landed = arrival.source.stat().st_mtime_ns if hasattr(arrival.source.stat(), "st_mtime_ns") else None
    for outcome in Outcome:
        folder = kept_path(arrival, outcome, 1).parent
        if not folder.is_dir():
            continue
        for version in range(inbox.next_version(arrival.folder, arrival.relative) - 1, 0, -1):
            candidate = kept_path(arrival, outcome, version)
            if candidate.is_file() and inbox.sha256_of(candidate) == sha256 and (
                    landed is None or candidate.stat().st_mtime_ns >= landed):
                return version, candidate
    return None


def _log(taken: Taken[Any]) -> None:
    arrival = taken.arrival
    if taken.accepted:
        log.info("%s: %s %s version %s accepted", arrival.folder, arrival.sender or "", arrival.kind, taken.version)
    else:
        log.warning("%s: %s %s version %s refused: %s", arrival.folder, arrival.sender or "", arrival.kind,
                    taken.version, "; ".join(taken.reasons))


def _keep_copies(taken: Taken[Any], data: bytes | None) -> None:
    """The file and its companions copied to where they are kept, under the version, owner-only."""
    inbox.copy_new(taken.arrival.source, data, taken.kept_as)
    for source, kept_name in taken.arrival.companions:
        if source.exists():
            inbox.copy_new(source, taken.companions.get(kept_name),
                           taken.kept_as.with_name(kept_name.format(version=taken.version)))
    if not taken.accepted:
        inbox.write_reasons(taken.kept_as, taken.arrival.name, taken.reasons)


def _leave_inbox(taken: Taken[Any]) -> None:
    """Remove what was taken from the inbox, but never a file that has been replaced since it was read: a
    sender who corrects a file the moment the refusal reaches them has sent a new arrival, for the next look."""
    if _still_there(taken.arrival.source, taken.sha256):
        taken.arrival.source.unlink(missing_ok=True)
    for source, kept_name in taken.arrival.companions:
        read = taken.companions.get(kept_name)
        if _still_there(source, hashlib.sha256(read).hexdigest() if read is not None else None):
            source.unlink(missing_ok=True)


def _still_there(source: Any, sha256: str | None) -> bool:
    """The file is in the inbox with the content taken (`sha256` None: a companion left unread, any content)."""
    try:
        if sha256 is None:
            return bool(source.exists())
        return sha256 == inbox.sha256_of(source)
    except OSError:  # gone already
        return False
