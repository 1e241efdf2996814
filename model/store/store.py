"""The store: one SQLite file, opened through sqlite-utils.

Opening a store does, in order: take the single-instance lock, check integrity, back up
the file if migrations are pending, apply them, and switch on WAL and foreign keys. The
GUI resolves the default path (QStandardPaths); this module only ever takes a path.

sqlite3 connections are bound to the thread that made them, so background work calls
`Store.connect()` in its own thread instead of sharing `Store.db`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from model.core.errors import StoreError
from model.store import migrations, writer

BACKUP_DIR_NAME = "backups"
BACKUPS_KEPT = 10
BUSY_TIMEOUT_MS = 5000


@dataclass
class Store:
    """An open AuditLoop data file.

    Attributes:
        path: the SQLite file.
        db: a sqlite-utils Database bound to the thread that opened the store.
        warnings: plain-language warnings about the location (network share, OneDrive).
        backup: the backup taken before migrating on this open, if any.
    """

    path: Path
    db: Database
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None
    _lock: InstanceLock | None = None

    def connect(self) -> Database:
        """Open a new connection for use in another thread (WAL lets it read while we write).

        Off the writer thread the connection is read-only (SQLite's `query_only`): a
        background write that bypasses the one writer fails at once (model.store.writer).
        """
        db = connect(self.path)
        if not writer.on_writer_thread():
            db.conn.execute("PRAGMA query_only = ON")
        return db

    def close(self) -> None:
        """Close the connection and release the single-instance lock."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def connect(path: Path) -> Database:
    """Open a connection to an existing, migrated store file with the house pragmas."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.Error as exc:
        raise _store_error(exc, path) from exc
    return Database(conn)


def open_store(path: Path | str, *, check_integrity: bool = True) -> Store:
    """Open (creating if needed) the data file at `path` and bring its schema up to date.

    Raises:
        StoreError: when the file is in use by another AuditLoop, is corrupt, is newer than
            this version of AuditLoop, or cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = InstanceLock(path)
    lock.acquire()
    try:
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            _check_sqlite_header(path)
        db = connect(path)
        try:
            if existed and check_integrity:
                check_integrity_or_raise(db, path)
            _enable_wal(db, path)
            backup = _migrate(db, path, existed)
        except BaseException:
            db.close()
            raise
    except BaseException:
        lock.release()
        raise
    return Store(path=path, db=db, warnings=location_warnings(path), backup=backup, _lock=lock)


def open_memory() -> Database:
    """A fully migrated in-memory database, for tests and the self-test."""
    db = Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


def _migrate(db: Database, path: Path, existed: bool) -> Path | None:
    unknown = migrations.unknown_applied(db)
    if unknown:
        raise StoreError(
            "This data file was written by a newer version of AuditLoop.",
            where=str(path),
            hint="Install the newer AuditLoop, or open a backup made by this version.",
        )
    if not migrations.pending(db):
        return None
    backup = backup_now(db, path, reason="before-upgrade") if existed else None
    try:
        migrations.apply(db)
    except sqlite3.Error as exc:
        raise _store_error(exc, path) from exc
    return backup


def _enable_wal(db: Database, path: Path) -> None:
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise _store_error(exc, path) from exc


def _check_sqlite_header(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head != b"SQLite format 3\x00":
        raise StoreError(
            "This file is not an AuditLoop data file (it is not an SQLite database).",
            where=str(path),
            hint="Choose the .auditloop file itself, or restore one of its backups.",
        )


def check_integrity_or_raise(db: Database, path: Path) -> None:
    """Run `PRAGMA integrity_check`; a damaged file raises with the newest backup named."""
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        rows = [(str(exc),)]
    if rows and rows[0][0] == "ok":
        return
    latest = latest_backup(path)
    hint = (
        f"Restore the latest backup ({latest.name}) from File > Backups."
        if latest
        else "No backup exists yet; keep this file and ask your IT service for a copy."
    )
    detail = "; ".join(str(r[0]) for r in rows[:3])
    raise StoreError(f"The data file is damaged ({detail}).", where=str(path), hint=hint)


# --- backups ---------------------------------------------------------------------------


def backup_dir(path: Path) -> Path:
    """The `backups/` folder next to the data file."""
    return Path(path).parent / BACKUP_DIR_NAME


def backup_now(db: Database, path: Path, *, reason: str = "manual", keep: int = BACKUPS_KEPT) -> Path:
    """Copy the live database with `VACUUM INTO` (consistent even while open) and prune old ones."""
    folder = backup_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{Path(path).stem}-{stamp}-{reason}.sqlite"
    try:
        db.execute("VACUUM INTO ?", [str(target)])
    except sqlite3.Error as exc:
        raise _store_error(exc, target) from exc
    prune_backups(path, keep=keep)
    return target


def list_backups(path: Path) -> list[Path]:
    """Backups of this data file, newest first."""
    folder = backup_dir(path)
    if not folder.exists():
        return []
    found = folder.glob(f"{Path(path).stem}-*.sqlite")
    return sorted(found, key=lambda p: p.name, reverse=True)


def latest_backup(path: Path) -> Path | None:
    """The newest backup, or None."""
    backups = list_backups(path)
    return backups[0] if backups else None


def prune_backups(path: Path, *, keep: int = BACKUPS_KEPT) -> None:
    """Delete all but the newest `keep` backups."""
    for old in list_backups(path)[keep:]:
        old.unlink(missing_ok=True)


def restore_backup(backup: Path, path: Path) -> None:
    """Replace the (closed) data file with a backup, keeping the replaced file as a backup too."""
    path = Path(path)
    if path.exists():
        folder = backup_dir(path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        os.replace(path, folder / f"{path.stem}-{stamp}-replaced.sqlite")
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    data = Path(backup).read_bytes()
    path.write_bytes(data)


def save_copy_as(db: Database, target: Path) -> None:
    """Write a consistent copy of the open database to `target` (File > Save copy as)."""
    target = Path(target)
    if target.exists():
        target.unlink()
    try:
        db.execute("VACUUM INTO ?", [str(target)])
    except sqlite3.Error as exc:
        raise _store_error(exc, target) from exc


# --- location checks --------------------------------------------------------------------

_SYNCED_MARKERS = ("onedrive", "sharepoint", "dropbox", "google drive", "icloud", "box sync")


def location_warnings(path: Path) -> list[str]:
    """Warn when SQLite would live on a network share or a cloud-synced folder.

    Both break SQLite's locking and can corrupt the file; the data file belongs on the
    local disk (the default per-user app data folder).
    """
    raw = str(path)
    text = raw if raw.startswith(("\\\\", "//")) else str(Path(path).resolve())
    lowered = text.lower()
    warnings = []
    if text.startswith(("\\\\", "//")) or _is_network_mount(text):
        warnings.append(
            "The data file is on a network share. SQLite can be corrupted over a network; "
            "keep it on this computer's own disk and use File > Save copy as to share."
        )
    if any(marker in lowered for marker in _SYNCED_MARKERS):
        warnings.append(
            "The data file is in a folder synced by OneDrive/SharePoint (or similar). Syncing "
            "an open database can corrupt it; move it to the app data folder."
        )
    return warnings


def _is_network_mount(text: str) -> bool:
    """True when the path is on an NFS/CIFS/SMB mount (Linux; other systems by UNC path)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best, best_type = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and text.startswith(parts[1]) and len(parts[1]) > len(best):
            best, best_type = parts[1], parts[2]
    return best_type in {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "sshfs", "fuse.sshfs"}


# --- single instance --------------------------------------------------------------------


class InstanceLock:
    """An OS-level exclusive lock on `<data file>.lock`, held while the store is open.

    The OS releases it if AuditLoop crashes, so a stale lock file never blocks anyone.
    """

    def __init__(self, path: Path) -> None:
        self.lock_path = Path(str(path) + ".lock")
        self._fh: object | None = None

    def acquire(self) -> None:
        """Take the lock or raise StoreError saying the file is open elsewhere."""
        fh = open(self.lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            _lock_file(fh)
        except OSError as exc:
            fh.close()
            raise StoreError(
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
            self._fh.close()  # type: ignore[attr-defined]
            self._fh = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
    import msvcrt

    def _lock_file(fh: object) -> None:
        fh.seek(0)  # type: ignore[attr-defined]
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock_file(fh: object) -> None:
        fh.seek(0)  # type: ignore[attr-defined]
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

else:
    import fcntl

    def _lock_file(fh: object) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[attr-defined]

    def _unlock_file(fh: object) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)  # type: ignore[attr-defined]


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
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


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """All-or-nothing block: every write inside commits together or not at all."""
    with db.atomic():
        yield db
