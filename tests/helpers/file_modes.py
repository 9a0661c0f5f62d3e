"""Watching how files come to be: with every permission the umask allows, and every chmod recorded.

Under umask 0 a file created without an explicit mode is world-readable, so a file found 0600 afterwards
was either created 0600 or restricted later; the chmods recorded (through Python's audit hooks, which
see every os.chmod, Path.chmod and os.fchmod) tell which.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_chmods: list[list[str]] = []  # the recorders of the watches open now


def _record(event: str, arguments: tuple) -> None:
    if event == "os.chmod" and _chmods:
        for recorder in _chmods:
            recorder.append(str(arguments[0]))


sys.addaudithook(_record)  # audit hooks cannot be removed: this one records only inside `created_openly`


@contextmanager
def created_openly() -> Iterator[list[str]]:
    """Umask 0 inside the block; yields the paths (or descriptors) chmod was called on meanwhile."""
    recorder: list[str] = []
    _chmods.append(recorder)
    previous = os.umask(0)
    try:
        yield recorder
    finally:
        os.umask(previous)
        _chmods.remove(recorder)


def modes(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (not `root` itself), by relative path, as `ls -l` shows its mode."""
    return {str(path.relative_to(root)): stat.filemode(path.stat().st_mode) for path in sorted(root.rglob("*"))}
