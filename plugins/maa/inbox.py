"""Files leaving the inbox: accepted ones archived, refused ones quarantined with reasons.

Nothing is lost and nothing is overwritten: each file received gets the next
version number for its name, shared between archive and quarantine.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from maa import settings

_VERSIONED = re.compile(r"^(?P<stem>.+)\.v(?P<version>\d+)(?P<suffix>\.[^.]+)?$")


@dataclass(frozen=True)
class Filed:
    path: Path
    version: int
    sha256: str


def is_settled(path: Path) -> bool:
    """A file still being copied in is left for the next look."""
    settle = float(os.environ.get("MAA_INBOX_SETTLE_SECONDS", "5"))
    try:
        return time.time() - path.stat().st_mtime >= settle
    except FileNotFoundError:
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def next_version(ref: str, name: str) -> int:
    stem, suffix = Path(name).stem, Path(name).suffix
    highest = 0
    for folder in (settings.audit_archive(ref), settings.audit_quarantine(ref)):
        if not folder.is_dir():
            continue
        for existing in folder.iterdir():
            match = _VERSIONED.match(existing.name)
            if match and match["stem"] == stem and (match["suffix"] or "") == suffix:
                highest = max(highest, int(match["version"]))
    return highest + 1


def _move(source: Path, folder: Path, version: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}.v{version}{source.suffix}"
    if target.exists():
        raise FileExistsError(f"{target} exists: refusing to overwrite a kept file")
    shutil.move(source, target)
    return target


def archive(ref: str, source: Path) -> Filed:
    version = next_version(ref, source.name)
    digest = sha256_of(source)
    return Filed(_move(source, settings.audit_archive(ref), version), version, digest)


def quarantine(ref: str, source: Path, reasons: list[str]) -> Filed:
    version = next_version(ref, source.name)
    digest = sha256_of(source)
    target = _move(source, settings.audit_quarantine(ref), version)
    target.with_name(target.name + ".reasons.txt").write_text(
        f"{source.name} (kept as {target.name}) was refused:\n" + "".join(f"- {r}\n" for r in reasons),
        encoding="utf-8",
    )
    return Filed(target, version, digest)
