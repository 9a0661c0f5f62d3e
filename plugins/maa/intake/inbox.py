"""Where files arrive and where they are kept: the inbox, the archive and the quarantine.

The inbox root is handed in: the data folder's `inbox/` by default, or an Airflow ObjectStoragePath
(`MAA_INBOX_URL`: a network share, object storage) that the pipeline's adapter builds. Archive and
quarantine stay in the data folder. Nothing is lost and nothing is overwritten: each file received
gets the next version number for its name, shared between archive and quarantine, and every kept
file is created owner-only (0600, in 0700 folders): it may name a child.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maa import config
from maa.outputs.private_files import private_file

# A local pathlib.Path or an Airflow ObjectStoragePath: both have the pathlib API the intake uses.
InboxRoot = Any

_VERSIONED = re.compile(r"^(?P<stem>.+)\.v(?P<version>\d+)(?P<suffix>\.[^.]+)?$")


@dataclass(frozen=True)
class Filed:
    path: Path
    version: int
    sha256: str


def local_inbox() -> Path:
    return config.data_dir() / "inbox"


def inbox_path(ref: str, *parts: str, root: InboxRoot | None = None) -> Any:
    path = (local_inbox() if root is None else root) / ref
    for part in parts:
        path = path / part
    return path


def landed_at(path: Any) -> datetime | None:
    """When the file was last written in the inbox (UTC), or None where the store keeps no such time."""
    try:
        modified = path.stat().st_mtime
    except (OSError, AttributeError, KeyError, TypeError):
        return None
    return datetime.fromtimestamp(float(modified), UTC) if modified is not None else None


def is_settled(path: Any) -> bool:
    """True once the file exists and has not changed for a while: one still being copied in waits."""
    settle = config.settings().inbox_settle_seconds
    try:
        modified = path.stat().st_mtime
    except (FileNotFoundError, OSError):
        return False
    except (AttributeError, KeyError, TypeError):  # object stores without a modification time
        return path.exists()
    return modified is None or time.time() - float(modified) >= settle


def size_of(path: Any) -> int:
    return int(path.stat().st_size)


def next_version(ref: str, relative: Path) -> int:
    highest = 0
    for root in (config.audit_archive(ref), config.audit_quarantine(ref)):
        folder = root / relative.parent
        if not folder.is_dir():
            continue
        for existing in folder.iterdir():
            match = _VERSIONED.match(existing.name)
            if match and match["stem"] == relative.stem and (match["suffix"] or "") == relative.suffix:
                highest = max(highest, int(match["version"]))
    return highest + 1


def versioned(relative: Path, version: int) -> Path:
    return relative.parent / f"{relative.stem}.v{version}{relative.suffix}"


def _write_new(target: Path, blocks: Iterable[bytes]) -> str:
    """Write a new owner-only file (never overwriting one) and return its sha256."""
    digest = hashlib.sha256()
    with private_file(target, exclusive=True) as handle:
        for block in blocks:
            handle.write(block)
            digest.update(block)
    return digest.hexdigest()


def copy_new(source: Any, data: bytes | None, target: Path) -> str:
    """Copy an inbox file to its kept place (never over another) and return its sha256; the inbox copy
    goes only once the outcome is recorded. `data` is the content already read; None copies a file too
    large to read whole, in blocks."""
    if data is not None:
        return _write_new(target, [data])
    with source.open("rb") as incoming:
        return _write_new(target, iter(lambda: incoming.read(1 << 20), b""))


def write_reasons(kept: Path, file_name: str, reasons: list[str]) -> None:
    text = f"{file_name} (kept as {kept.name}) was refused:\n" + "".join(f"- {r}\n" for r in reasons)
    reasons_file = kept.with_name(kept.name + ".reasons.txt")
    reasons_file.unlink(missing_ok=True)
    _write_new(reasons_file, [text.encode("utf-8")])


def sha256_of(source: Any) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as incoming:
        for block in iter(lambda: incoming.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
