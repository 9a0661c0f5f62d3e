"""Retention: the files that identify children removed `retention_days` after the audit ended, and logged.

An audit ends with QiiP's approval, its withdrawal, or a run that ended without approval; when, is read from
the record (maa.privacy.endings), so that every day's look counts from the same moment.

PRODUCT.md ("Personal data") lists what identifies a child, and only that goes:
- everything under `inbox/<REF>/`, `archive/<REF>/` and `quarantine/<REF>/` (case list, returns, the chair's
  analysis, reasons files: senders' files may name anyone);
- the audit packs, `output/<REF>/audit-pack-*.pdf` (the only report that names children);
- the outbox emails carrying them: audit packs to coordinators and safeguarding concerns to `concerns_to`,
  the dry-run copies in `outbox/dry-run/` included, and any such message still spooled under `data/spool/`
  (a send the SMTP server never took).
What is pseudonymised stays: the audit store (case refs, keyed hashes, age bands), every other report, the
return templates (case refs only) and every other email, so the audit's findings and actions outlive the purge.

Every removed file is recorded in `purged_files` (audit, where, size, sha256, when; never its contents) before
it is removed, so there is never a removal without a record; its id makes a rerun record nothing twice, and a
rerun finds nothing left to remove. The first completed purge of an audit is recorded in `purges`, from which
`maa resolve-case` says when the identifiers went. The `maa_retention` DAG and `maa purge` run this same code.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa

from maa import config
from maa.audit.definitions import AuditDefinition, Status
from maa.intake.inbox import InboxRoot, local_inbox
from maa.outputs.store import Store, stable_id, utcnow
from maa.privacy.endings import AuditEnd, audit_end, refs_with_endings

log = logging.getLogger(__name__)

# The email kinds that carry a child's identifiers (see the Email(...) calls in
# maa.preparation.audit_packs.send_audit_packs and maa.returns.receiving.raise_concerns); the tests send
# them through those very functions, so a renamed kind fails a test.
IDENTIFYING_EMAIL_KIND = "audit_pack"
IDENTIFYING_EMAIL_KIND_PREFIX = "concern-"

# The names the pipeline gives what it takes in, relative to inbox/<REF>/, archive/<REF>/ or quarantine/<REF>/.
# Anything else was dropped there by a person and its name may itself name a child: it is logged and recorded
# by its digest only.
_PIPELINE_NAME = re.compile(
    r"^(nominations|(returns|updates)/[A-Za-z0-9_]{1,20}|chair/(analysis|narrative)|data/[a-z_]{1,40})"
    r"(\.v\d+)?\.(csv|xlsx|md)(\.reasons\.txt)?$")

NOT_ENDED, WITHIN_RETENTION, DUE, HELD = "not ended", "within retention", "due", "held"


def carries_identifiers(email_kind: str) -> bool:
    return email_kind == IDENTIFYING_EMAIL_KIND or email_kind.startswith(IDENTIFYING_EMAIL_KIND_PREFIX)


@dataclass(frozen=True)
class IdentifyingFile:
    """One file to remove, named as it is logged and recorded: `root` (data, output, or inbox for a remote
    MAA_INBOX_URL) and `path` relative to it."""

    root: str
    path: str
    size: int
    sha256: str
    location: Any = field(compare=False, repr=False)  # a Path, or an ObjectStoragePath for a remote inbox

    def __str__(self) -> str:
        return f"{self.root}:{self.path}"


def first_purge_day(ended: date, retention_days: int) -> date:
    """The first day an audit's files may go: the day it ended plus `retention_days` whole days have passed."""
    return ended + timedelta(days=retention_days + 1)


@dataclass(frozen=True)
class AuditRetention:
    """What retention decided for one audit on `today`, and the identifying files it found (DUE only)."""

    ref: str
    state: str
    ended: AuditEnd | None = None
    retention_days: int | None = None
    files: tuple[IdentifyingFile, ...] = ()
    reason: str = ""

    @property
    def purge_from(self) -> date | None:
        """The first day the files may go, once ended under a known retention."""
        if self.ended is None or self.retention_days is None:
            return None
        return first_purge_day(self.ended.day, self.retention_days)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def describe(self) -> str:
        if self.state == NOT_ENDED:
            return f"{self.ref}: {self.reason or 'not ended (not approved, withdrawn or its run ended)'}; kept"
        if self.state == HELD:
            return f"{self.ref}: held, {self.reason}"
        assert self.ended is not None
        policy_text = (f"{self.ended.describe()}, retention {self.retention_days} days, "
                       f"purge from {self.purge_from:%Y-%m-%d}")
        if self.state == WITHIN_RETENTION:
            return f"{self.ref}: {policy_text}; kept"
        return f"{self.ref}: {policy_text}; {len(self.files)} identifying file(s), {self.size} bytes"


@dataclass(frozen=True)
class RetentionReport:
    today: date
    dry_run: bool
    audits: tuple[AuditRetention, ...]
    refused_updates: tuple[IdentifyingFile, ...] = ()  # see refused_updates_due

    def in_state(self, state: str) -> list[AuditRetention]:
        return [a for a in self.audits if a.state == state]

    @property
    def files(self) -> list[IdentifyingFile]:
        return [f for a in self.audits for f in a.files]

    def summary(self) -> str:
        due = self.in_state(DUE)
        verb = "would be removed (dry run: nothing removed)" if self.dry_run else "removed"
        return (f"Retention on {self.today:%Y-%m-%d}: {len(due)} audit(s) past retention, "
                f"{len(self.files)} identifying file(s) ({sum(a.size for a in due)} bytes) {verb}; "
                f"{len(self.in_state(WITHIN_RETENTION))} within retention, {len(self.in_state(NOT_ENDED))} "
                f"not ended, {len(self.in_state(HELD))} held")

    def lines(self) -> Iterator[tuple[int, str]]:
        """What the run did, line by line with its log level: the task log and `maa purge` say the same."""
        verb = "would remove" if self.dry_run else "removed"
        for audit in self.audits:
            yield (logging.WARNING if audit.state == HELD else logging.INFO), audit.describe()
            for found in audit.files:
                yield logging.INFO, f"  {verb} {found} ({found.size} bytes)"
        for found in self.refused_updates:
            yield logging.INFO, f"  {verb} refused action update {found} ({found.size} bytes)"
        yield logging.INFO, self.summary()


# The policy ------------------------------------------------------------------------------------------------

REFUSED_UPDATES_REF = config.TRACKER_REF  # the purge log's audit_ref for refused action updates


def run_retention(store: Store, today: date, *, dry_run: bool, ref: str | None = None,
                  inbox_root: InboxRoot | None = None) -> RetentionReport:
    """Decide for every audit in the store (or just `ref`) and, unless `dry_run`, remove what is due.

    Retention days come from the definition as it is now. An ended audit whose definition cannot be found
    is held, not purged with a guessed period: removal cannot be undone, and the operator is told instead.
    `inbox_root` is the inbox elsewhere (MAA_INBOX_URL), searched beside the data folder's own.
    """
    from maa.audit.definitions import load_all

    definitions = {d.ref.casefold(): d for d in load_all().definitions.values()}
    refs = _audit_refs(store)
    if ref is not None:
        refs = [r for r in refs if r.casefold() == ref.casefold()]
        if not refs:
            raise LookupError(f"no audit {ref} in the audit store")
    decided = []
    for audit_ref in refs:
        decision = _decide(store, audit_ref, definitions.get(audit_ref.casefold()), today, inbox_root)
        if decision.state == DUE and not dry_run:
            _remove(store, decision, today)
        decided.append(decision)
    refused = tuple(refused_updates_due(today)) if ref is None else ()
    if refused and not dry_run:
        _record_purged_files(store, REFUSED_UPDATES_REF, refused)
        for found in refused:
            found.location.unlink(missing_ok=True)
    report = RetentionReport(today, dry_run, tuple(decided), refused)
    for level, line in report.lines():
        log.log(level, "%s", line)
    return report


def _decide(store: Store, ref: str, definition: AuditDefinition | None, today: date,
            inbox_root: InboxRoot | None) -> AuditRetention:
    try:
        ended = audit_end(store, ref)
    except ValueError as unreadable:
        return AuditRetention(ref, HELD, reason=str(unreadable))
    if ended is None:
        return AuditRetention(ref, NOT_ENDED, reason=_not_ended(definition))
    if definition is None:
        return AuditRetention(ref, HELD, ended, reason=f"{ended.describe()} but its definition is "
                                                       f"not in {config.audits_dir()}: retention_days unknown")
    kept = AuditRetention(ref, WITHIN_RETENTION, ended, definition.retention_days)
    if today < first_purge_day(ended.day, definition.retention_days):
        return kept
    return AuditRetention(ref, DUE, ended, definition.retention_days,
                          tuple(identifying_files(ref, inbox_root)))


def _not_ended(definition: AuditDefinition | None) -> str:
    """Why an audit with no recorded ending is kept; a withdrawal counts once a run has applied it."""
    if definition is not None and definition.status is Status.withdrawn:
        return ("withdrawn, but no run has applied the withdrawal yet (trigger its DAG: the run records it and "
                "skips the rest)")
    return ""


# Finding the files -----------------------------------------------------------------------------------------

def identifying_files(ref: str, inbox_root: InboxRoot | None = None) -> list[IdentifyingFile]:
    """Every file on disk that identifies a child of audit `ref`, in a stable order."""
    data, output = config.data_dir(), config.output_dir()
    found = list(_received_files(ref, inbox_root))
    for folder in (config.audit_archive(ref), config.audit_quarantine(ref)):
        found += [_identify("data", path, _relative(path, data), _relative(path, folder)) for path in _walk(folder)]
    packs = config.audit_output(ref)
    if packs.is_dir():
        found += [_identify("output", path, _relative(path, output))
                  for path in sorted(packs.iterdir()) if path.is_file()
                  and path.name.startswith("audit-pack-") and path.name.endswith((".pdf", ".pdf.tmp"))]
    outbox = config.outbox_dir()
    sent = [path for folder in (outbox, outbox / "dry-run") if folder.is_dir() for path in sorted(folder.iterdir())]
    found += [_identify("output", path, _relative(path, output)) for path in _identifying_emails(ref, sent)]
    spooled = _walk(data / "spool")  # maa.pipeline.context.task_spool: kept there until recorded as sent
    found += [_identify("data", path, _relative(path, data)) for path in _identifying_emails(ref, spooled)]
    return found


def refused_updates_due(today: date) -> list[IdentifyingFile]:
    """Refused action-update workbooks kept in quarantine/tracker/ longer than the default retention.

    They belong to no one audit (an owner's file may cover several) and one may have been refused for
    naming a child, so they go the default `retention_days` after they were refused (the file's time):
    the sender was told why at once, and the reasons stay in the store.
    """
    from maa.audit.definitions import AuditDefinition
    from maa.tracker.register import TRACKER_FOLDER

    days = AuditDefinition.model_fields["retention_days"].default
    folder, data = config.audit_quarantine(TRACKER_FOLDER), config.data_dir()
    return [_identify("data", path, _relative(path, data), _relative(path, folder)) for path in _walk(folder)
            if datetime.fromtimestamp(path.stat().st_mtime, config.LONDON).date() + timedelta(days=days + 1)
            <= today]


def _received_files(ref: str, root: InboxRoot | None) -> Iterator[IdentifyingFile]:
    """The audit's inbox in the data folder and, when MAA_INBOX_URL names another (a share, object storage),
    that one too: files left in the local one from before the switch identify children just the same."""
    data = config.data_dir()
    folder = data / "inbox" / ref
    for path in _walk(folder):
        yield _identify("data", path, _relative(path, data), _relative(path, folder))
    if root is None or _is_local_inbox(root):
        return
    remote = root / ref
    if remote.exists():
        for path in sorted(remote.rglob("*"), key=str):
            if path.is_file():
                yield _identify("inbox", path, _relative(path, root), _relative(path, remote))


def _is_local_inbox(root: InboxRoot) -> bool:
    if getattr(root, "protocol", "file") not in ("file", "local"):
        return False
    return Path(getattr(root, "path", str(root))).resolve() == local_inbox().resolve()


def _identifying_emails(ref: str, candidates: list[Path]) -> Iterator[Path]:
    """The email files among `candidates` (sent to the outbox, dry-run copies, spooled, or a crash's leftover
    .tmp) of `ref` and of the kinds that carry identifiers.

    The file name starts with the ref (maa.outputs.mailer.Email.file_name); the X-MAA-Key header says whose and what it
    is for certain, and the file name's kind stands in when a half-written .tmp has no header yet.
    """
    for path in candidates:
        if path.is_file() and path.suffix in (".eml", ".tmp") and path.name.startswith(f"{ref}--"):
            key_ref, kind = _email_key(path)
            if key_ref == ref and carries_identifiers(kind):
                yield path


def _email_key(path: Path) -> tuple[str, str]:
    with path.open("rb") as handle:
        headers = BytesParser(policy=policy.default).parse(handle, headersonly=True)
    key = str(headers.get("X-MAA-Key") or "")
    if key.count("|") >= 3:
        key_ref, kind, *_ = key.split("|")
        return key_ref, kind
    key_ref, _, rest = path.name.partition("--")
    return key_ref, rest.partition("--")[0]


def _walk(folder: Path) -> list[Path]:
    """Regular files under `folder`, without following links out of it."""
    if not folder.is_dir():
        return []
    return sorted(Path(top) / name for top, _, names in os.walk(folder) for name in names)


def _relative(path: Any, root: Any) -> str:
    """`path` relative to `root`, for a Path or an ObjectStoragePath (whose `.path` has no protocol)."""
    return PurePosixPath(getattr(path, "path", str(path))).relative_to(getattr(root, "path", str(root))).as_posix()


def _identify(root: str, location: Any, relative: str, within_audit: str | None = None) -> IdentifyingFile:
    """Size and digest of one file; a name the pipeline did not give is replaced by the digest (see above)."""
    digest, size = hashlib.sha256(), 0
    with location.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    sha256 = digest.hexdigest()
    if within_audit is not None and not _PIPELINE_NAME.match(within_audit):
        relative = str(PurePosixPath(relative[: len(relative) - len(within_audit)]) / f"unrecognised-{sha256[:16]}")
    return IdentifyingFile(root, relative, size, sha256, location)


# Removing them, and the purge log --------------------------------------------------------------------------

def _remove(store: Store, decision: AuditRetention, today: date) -> None:
    """Record the audit's files (one transaction), then remove them: a crash in between leaves records of files
    still on disk, which the rerun meets again under the same ids and removes."""
    _record_purged_files(store, decision.ref, decision.files)
    for found in decision.files:
        found.location.unlink(missing_ok=True)
    for folder in (config.data_dir() / "inbox" / decision.ref, config.audit_archive(decision.ref),
                   config.audit_quarantine(decision.ref)):
        _remove_empty_folders(folder)
    _record_purge(store, decision, today)


def _remove_empty_folders(folder: Path) -> None:
    """The audit's inbox, archive and quarantine folders once empty; a folder still holding anything stays."""
    if not folder.is_dir():
        return
    for top, _, _ in sorted(os.walk(folder), key=lambda entry: len(entry[0]), reverse=True):
        try:
            Path(top).rmdir()
        except OSError:
            continue


def _record_purged_files(store: Store, ref: str, files: tuple[IdentifyingFile, ...]) -> None:
    now = utcnow()
    with store.begin() as connection:
        store._upsert(connection, "purged_files", [{
            "id": stable_id(ref, found.root, found.path, found.sha256), "audit_ref": ref, "root": found.root,
            "path": found.path, "size_bytes": found.size, "sha256": found.sha256, "purged_at": now,
        } for found in files], keys=["id"], update=False)


def _record_purge(store: Store, decision: AuditRetention, today: date) -> None:
    """The audit's first completed purge, with the totals of everything ever removed for it."""
    assert decision.ended is not None
    removed = purged_files(store, decision.ref)
    with store.begin() as connection:
        store._upsert(connection, "purges", [{
            "audit_ref": decision.ref, "ended_on": decision.ended.day, "ending": str(decision.ended.ending),
            "retention_days": decision.retention_days,
            "run_day": today, "purged_at": utcnow(), "files": len(removed),
            "size_bytes": sum(r["size_bytes"] for r in removed),
        }], keys=["audit_ref"], update=False)


def purged_files(store: Store, ref: str) -> list[dict[str, Any]]:
    table = store.table("purged_files")
    query = sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.root, table.c.path)
    with store.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def purge_of(store: Store, ref: str) -> dict[str, Any] | None:
    """The audit's purge record, or None while its identifying files are still kept."""
    table = store.table("purges")
    with store.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.audit_ref == ref)).first()
    return dict(row._mapping) if row else None


def _audit_refs(store: Store) -> list[str]:
    table = store.table("audits")
    with store.connect() as connection:
        recorded = set(connection.execute(sa.select(table.c.ref)).scalars())
    return sorted(recorded | set(refs_with_endings(store)))


def purged_on(purge: dict[str, Any]) -> date:
    """The London day the purge happened (stored in UTC, as every time in the store)."""
    return purge["purged_at"].replace(tzinfo=UTC).astimezone(config.LONDON).date()
