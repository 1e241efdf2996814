"""File-level helpers of the store: the single-instance lock, durable writes, error mapping.

Kept apart from store.py and backups.py, which both need them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import BinaryIO

from model.core.errors import StoreError, StoreInUse

SQLITE_HEADER = b"SQLite format 3\x00"


class InstanceLock:
    """An OS-level exclusive lock on `<data file>.lock`, held while the store is open.

    The OS releases it if AuditLoop crashes, so a stale lock file never blocks anyone.
    """

    def __init__(self, path: Path) -> None:
        self.lock_path = Path(str(path) + ".lock")
        self._fh: BinaryIO | None = None

    def acquire(self) -> None:
        """Take the lock or raise StoreInUse saying the file is open elsewhere."""
        fh = open(self.lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock_file(fh)
        except OSError as exc:
            fh.close()
            raise StoreInUse(
                "This data file is already open in another AuditLoop window.",
                where=str(self.lock_path.with_suffix("")),
                hint="Switch to that window, or close it and try again.",
            ) from exc
        self._fh = fh

    def release(self) -> None:
        """Release the lock (idempotent)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):
                _unlock_file(self._fh)
            self._fh.close()
            self._fh = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock_file(fh: BinaryIO) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock_file(fh: BinaryIO) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_file(fh: BinaryIO) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock_file(fh: BinaryIO) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def has_sqlite_header(path: Path) -> bool:
    """True when the file starts with SQLite's 16-byte magic string."""
    try:
        with Path(path).open("rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def fsync_file(path: Path) -> None:
    """Flush a closed file's bytes to the disk."""
    with Path(path).open("rb+") as fh:
        os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename) to the disk; a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """Map sqlite3 errors at the model boundary to messages a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        msg, hint = "The data file is busy (locked by another program).", "Close other programs using it."
    elif "readonly" in text or "read-only" in text or "permission" in text:
        msg, hint = "The data file cannot be written.", "Choose a folder you can write to."
    elif "disk is full" in text or "full" in text:
        msg, hint = "The disk is full.", "Free some space and try again."
    elif "not a database" in text or "malformed" in text:
        msg, hint = "The data file is damaged.", "Restore the latest backup from File > Backups."
    else:
        msg, hint = f"The data file could not be used: {exc}", "Try again, or restore a backup."
    return StoreError(msg, where=str(path), hint=hint)
