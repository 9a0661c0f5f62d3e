"""Files that may hold children's data or a secret, owner-only from their first byte.

A file created open and restricted afterwards can be read in between, and stays open if the process
dies before the chmod. Here every file is created by `os.open` with mode 0600 and every folder this
module creates with 0700 (the umask can only take bits away, never widen them). Folders that already
exist are left as they are: they may be shared parents such as /tmp.

    private_folder(path)                       the folder and its missing parents, 0700
    write_private(path, data)                  whole or not at all: a 0600 file beside it, then a rename
    write_private(path, data, exclusive=True)  `path` itself, 0600, refused if it exists (never overwrites)
    private_file(path, exclusive=...)          the same as an open binary handle, for writers that stream
                                               (WeasyPrint, openpyxl, a copy in blocks)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
FOLDER_MODE = 0o700
OWNER_ONLY_UMASK = 0o077  # for the product's own processes: whatever they create without a mode is private too
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def private_folder(path: Path) -> Path:
    """`path`, creating it and every missing parent with mode 0700."""
    target = Path(path)
    missing = [folder for folder in (target, *target.parents) if not folder.is_dir()]
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process: fine if it is a folder
            if not folder.is_dir():
                raise
    return target


@contextmanager
def private_file(path: Path, *, exclusive: bool = False) -> Iterator[BinaryIO]:
    """A binary handle on a new 0600 file, flushed to disk when the block ends.

    `exclusive` creates `path` itself and fails with FileExistsError if it exists. Otherwise the data goes
    to a hidden file beside `path` that replaces it once complete: a reader never sees half a file, and a
    failure leaves whatever was there before.
    """
    path = Path(path)
    private_folder(path.parent)
    written = path if exclusive else path.with_name(f".{path.name}.{secrets.token_hex(6)}.partial")
    descriptor = os.open(written, _CREATE, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not exclusive:
            os.replace(written, path)
    except BaseException:
        written.unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> Path:
    """`data` as an owner-only file at `path` (see `private_file`)."""
    with private_file(path, exclusive=exclusive) as handle:
        handle.write(data)
    return Path(path)


def owner_only_umask() -> int:
    """Make this process's new files and folders owner-only by default; the umask it had before."""
    return os.umask(OWNER_ONLY_UMASK)
