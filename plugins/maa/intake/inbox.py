"""Files leaving the inbox: accepted ones archived, refused ones quarantined with reasons.

The inbox is an Airflow ObjectStoragePath (`MAA_INBOX_URL`, default the data
folder's `inbox/`), so it may be a local folder, a network share or object
storage; archive and quarantine stay in the data folder. Nothing is lost and
nothing is overwritten: each file received gets the next version number for its
name, shared between archive and quarantine.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maa import config

_VERSIONED = re.compile(r"^(?P<stem>.+)\.v(?P<version>\d+)(?P<suffix>\.[^.]+)?$")


@dataclass(frozen=True)
class Filed:
    path: Path
    version: int
    sha256: str


def inbox_root() -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(config.settings().inbox_url or f"file://{config.data_dir() / 'inbox'}")


def inbox_path(ref: str, *parts: str) -> Any:
    path = inbox_root() / ref
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


def _take(ref: str, source: Any, data: bytes | None, relative: Path, root: Path) -> Filed:
    """Write the kept copy first, then remove the inbox file: a crash in between loses nothing.

    `data` is the content already read; None copies a file too large to read whole, in blocks.
    """
    version = next_version(ref, relative)
    target = root / relative.parent / f"{relative.stem}.v{version}{relative.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(target, "xb") as handle:  # never overwrite a kept file
        if data is not None:
            handle.write(data)
            digest.update(data)
        else:
            with source.open("rb") as incoming:
                for block in iter(lambda: incoming.read(1 << 20), b""):
                    handle.write(block)
                    digest.update(block)
    source.unlink()
    return Filed(target, version, digest.hexdigest())


def archive(ref: str, source: Any, data: bytes, relative: Path) -> Filed:
    return _take(ref, source, data, relative, config.audit_archive(ref))


def size_of(path: Any) -> int:
    return int(path.stat().st_size)


def quarantine(ref: str, source: Any, data: bytes | None, relative: Path, reasons: list[str]) -> Filed:
    filed = _take(ref, source, data, relative, config.audit_quarantine(ref))
    filed.path.with_name(filed.path.name + ".reasons.txt").write_text(
        f"{relative.name} (kept as {filed.path.name}) was refused:\n" + "".join(f"- {r}\n" for r in reasons),
        encoding="utf-8",
    )
    return filed
