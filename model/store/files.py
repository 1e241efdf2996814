"""File-level helpers of the store: the single-instance lock, durable writes, error mapping.

Kept apart from store.py and backups.py, which both need them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from model.core.errors import (
    DataFileLocked,
    DataFileReadOnly,
    FolderNotWritable,
    StoreError,
    StoreInUse,
)

SQLITE_HEADER = b"SQLite format 3\x00"


class InstanceLock:
    """OS-level exclusive locks held while the store is open: one per file, whatever its name.

    Two locks: `<real file>.lock` beside the file the path resolves to (symlinks followed, so
    every name of it shares the lock, also across computers on a share), and, once the file
    exists, `<dev>-<inode>.lock` in a per-user folder of the temporary directory, which also
    catches a hard link (another name for the same file, perhaps in another folder). The OS
    releases both if AuditLoop crashes, so a stale lock file never blocks anyone.

    Args:
        path: the data file (it need not exist yet).
        read_only: the file is opened read-only; a folder that cannot hold the lock file beside
            it is then tolerated (the identity lock still keeps a second window out).
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.real = real_path(self.path)
        self.lock_path = Path(str(self.real) + ".lock")
        self.read_only = read_only
        self._handles: list[BinaryIO] = []
        self._identity: tuple[int, int] | None = None

    def acquire(self) -> None:
        """Take the locks or raise StoreInUse saying the file is open elsewhere.

        Raises:
            StoreInUse: another AuditLoop holds either lock.
            FolderNotWritable: the lock file cannot be created beside a file opened for writing.
        """
        try:
            fh = open(self.lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        except OSError as exc:
            if not self.read_only:
                raise folder_not_writable(self.path, existing=self.real.exists()) from exc
        else:
            self._take(fh)
        try:
            self.follow_file()
        except BaseException:
            self.release()
            raise

    def follow_file(self) -> None:
        """Take the identity lock of the file as it is now (call again once a new file exists)."""
        try:
            st = os.stat(self.real)
        except OSError:
            return
        identity = (st.st_dev, st.st_ino)
        if identity == self._identity or not st.st_ino:
            return
        folder = identity_lock_dir()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fh = open(folder / f"{st.st_dev}-{st.st_ino}.lock", "a+b")  # noqa: SIM115
        except OSError:
            return  # no private temporary folder: the lock beside the file is all there is
        self._take(fh)
        self._identity = identity

    def _take(self, fh: BinaryIO) -> None:
        try:
            _lock_file(fh)
        except OSError as exc:
            fh.close()
            self.release()
            raise StoreInUse(
                "This data file is already open in another AuditLoop window.",
                where=str(self.path),
                hint="Switch to that window, or close it and try again.",
            ) from exc
        self._handles.append(fh)

    def release(self) -> None:
        """Release the locks (idempotent)."""
        while self._handles:
            fh = self._handles.pop()
            with contextlib.suppress(OSError):
                _unlock_file(fh)
            fh.close()
        self._identity = None


def real_path(path: Path) -> Path:
    """The file a path names, symlinks followed (the path as given when that fails)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(path)


def identity_lock_dir() -> Path:
    """The per-user folder holding the `<dev>-<inode>.lock` files."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"auditloop-locks-{user}"


def folder_not_reachable(path: Path) -> FolderNotWritable:
    """The plain message for a data file in a folder this user may not open or create."""
    return FolderNotWritable(
        "AuditLoop is not allowed to open the folder the data file is in (or a folder above it), "
        "nor to create it. Nothing was changed.",
        where=str(Path(path).parent),
        hint="Open a data file in your Documents folder, or ask whoever manages that folder for access.",
    )


def folder_not_writable(path: Path, *, existing: bool) -> FolderNotWritable:
    """The plain message for a data file whose folder AuditLoop cannot write to."""
    if existing:
        return FolderNotWritable(
            "The data file is in a folder AuditLoop cannot write to, so it cannot keep its lock, "
            "journal and backups beside the file. Nothing was changed.",
            where=str(Path(path).parent),
            hint="Copy the file to your Documents folder (or another folder you can write to) and open the copy.",
        )
    return FolderNotWritable(
        "AuditLoop cannot create a data file here: the folder is read-only.",
        where=str(Path(path).parent),
        hint="Choose a folder you can write to, such as Documents.",
    )


def read_only_file(path: Path, what: str = "") -> DataFileReadOnly:
    """The plain message for a data file that cannot be written (`what` says what was refused)."""
    return DataFileReadOnly(
        what or "This data file is read-only, so the change was not saved.",
        where=str(path),
        hint="Copy it to your Documents folder (or another folder you can write to) and open the copy, "
             "or ask for permission to change it.",
    )


def locked_by_other_program(path: Path) -> DataFileLocked:
    """The plain message for SQLite's "database is locked" from a program that is not AuditLoop."""
    return DataFileLocked(
        "Another program is using the data file and has locked it (it is not another AuditLoop window).",
        where=str(path),
        hint="Close the other program (a database viewer, a backup or sync tool), then try again.",
    )


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


def store_error(exc: sqlite3.Error | OSError, path: Path) -> StoreError:
    """Map sqlite3 (and OS) errors at the model boundary to messages a user can act on.

    Never "damaged" for a file that is not: only SQLite's own "not a database"/"malformed" say so.
    """
    text = str(exc).lower()
    folder_ok = os.access(Path(path).parent, os.W_OK)
    if "locked" in text or "busy" in text:
        return locked_by_other_program(path)
    if "readonly" in text or "read-only" in text or isinstance(exc, PermissionError) or "permission" in text:
        if not folder_ok:
            return folder_not_writable(path, existing=Path(path).exists())
        return read_only_file(path, "The data file cannot be written (it is read-only).")
    if "unable to open" in text and not folder_ok:
        return folder_not_writable(path, existing=Path(path).exists())
    if "disk is full" in text or "full" in text:
        msg, hint = "The disk is full.", "Free some space and try again."
    elif "not a database" in text or "malformed" in text:
        msg, hint = "The data file is damaged.", "Restore the latest backup from File > Backups."
    else:
        msg, hint = f"The data file could not be used: {exc}", "Try again, or restore a backup."
    return StoreError(msg, where=str(path), hint=hint)
