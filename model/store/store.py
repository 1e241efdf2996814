"""The store: one SQLite file, opened through sqlite-utils.

Opening a store does, in order: take the single-instance lock, refuse an empty file, a file
that is not SQLite or one from a newer AuditLoop (all read-only: nothing is written before
these checks), check integrity, back up the file if migrations are pending, apply them, and
switch on WAL and foreign keys. The GUI resolves the default path (QStandardPaths); this
module only ever takes a path. Backups and restores live in model.store.backups (re-exported).

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
from pathlib import Path

from sqlite_utils import Database

from model.core import settings
from model.core.errors import DamagedDataFile, EmptyDataFile, NewerVersionFile, StoreError
from model.store import changes, migrations, writer
from model.store.backups import (  # noqa: F401 - re-exported: the store's public API
    BACKUP_DIR_NAME,
    BACKUPS_KEPT,
    BackupInfo,
    backup_dir,
    backup_info,
    backup_infos,
    backup_now,
    latest_good_backup,
    list_backups,
    list_preserved,
    preserved_dir,
    prune_backups,
    restore_backup,
    save_copy_as,
    start_new_data_file,
)
from model.store.connection import DataFileConnection, DataFileDatabase, ReadOnlyConnection
from model.store.files import (
    InstanceLock,
    folder_not_reachable,
    folder_not_writable,
    has_sqlite_header,
    read_only_file,
    real_path,
    store_error,
)
from model.store.package_format import is_package

_store_error = store_error  # the old private name, kept for callers that import it
BUSY_TIMEOUT_MS = 5000


@dataclass
class Store:
    """An open AuditLoop data file.

    Attributes:
        path: the SQLite file.
        db: a sqlite-utils Database bound to the thread that opened the store.
        warnings: plain-language warnings about the location (network share, OneDrive).
        backup: the backup taken before migrating on this open, if any.
        read_only: the file itself is read-only: it was opened read-only and every write is
            refused with DataFileReadOnly (a KnownError), never a raw sqlite error.
        integrity_deferred: opened with `defer_integrity` and the full integrity check was left
            for the caller to run in the background (`integrity_findings`).
    """

    path: Path
    db: Database
    warnings: list[str] = field(default_factory=list)
    backup: Path | None = None
    read_only: bool = False
    integrity_deferred: bool = False
    _lock: InstanceLock | None = None

    def connect(self) -> Database:
        """Open a new connection for use in another thread (WAL lets it read while we write).

        Off the writer thread the connection is read-only (SQLite's `query_only`): a
        background write that bypasses the one writer fails at once (model.store.writer).
        """
        db = connect(self.path, read_only=self.read_only)
        if not writer.on_writer_thread():
            db.conn.execute("PRAGMA query_only = ON")
            db.conn.query_only = True  # type: ignore[attr-defined]  # a DataFileConnection: a write there is a bug
        return db

    def close(self) -> None:
        """Close the connection and release the single-instance lock."""
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def connect(path: Path, *, read_only: bool = False) -> Database:
    """Open a connection to an existing, migrated store file with the house pragmas.

    `secure_delete` is on for every connection: deleted rows (a purged audit's identifiers) are
    overwritten with zeros in the file, not left in free pages. A read-only connection refuses
    writes with DataFileReadOnly.
    """
    try:
        conn: DataFileConnection
        if read_only:
            conn = sqlite3.connect(f"{real_path(Path(path)).as_uri()}?mode=ro", uri=True,
                                   timeout=BUSY_TIMEOUT_MS / 1000, factory=ReadOnlyConnection)
        else:
            # No statement cache: SQLite's authorizer, which records what each write changes
            # (model.store.changes), runs when a statement is prepared, so each must be.
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, factory=DataFileConnection,
                                   cached_statements=0)
            changes.watch(conn)
        conn.data_path = Path(path)
        if not writer.on_writer_thread():
            conn.wait_for_own_writes = writer.WRITER.wait_idle
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc
    return DataFileDatabase(conn)


def open_store(path: Path | str, *, check_integrity: bool = True, defer_integrity: bool = False) -> Store:
    """Open (creating if needed) the data file at `path` and bring its schema up to date.

    The full `PRAGMA integrity_check` reads every page (0.15 s for an 18 MB department file).
    With `defer_integrity` it is left to the caller (`Store.integrity_deferred`, then
    `integrity_findings` on a background connection) when opening writes nothing: no migration
    is pending and this version opened the file last. Otherwise it runs here as always, so a
    damaged file is never backed up, migrated or stamped.

    Raises:
        StoreInUse: the file is open in another AuditLoop window.
        EmptyDataFile: the file exists but is 0 bytes; it is left untouched (never re-initialised).
        NewerVersionFile: the file is from a newer AuditLoop; it is left byte-identical.
        DamagedDataFile: the file fails its integrity check.
        StoreError: the file is not SQLite, or cannot be written.
    """
    path = Path(path)
    read_only = _writable_or_read_only(path)
    lock = InstanceLock(path, read_only=read_only)
    lock.acquire()
    try:
        existed = path.exists()
        if existed:
            _refuse_unusable(path)
        db = connect(path, read_only=read_only)
        lock.follow_file()  # a new file exists now: its identity lock keeps hard links out too
        deferred = False
        try:
            if existed and check_integrity:
                deferred = defer_integrity and _opening_writes_nothing(db)
                if not deferred:
                    check_integrity_or_raise(db, path)
            _refuse_newer(db, path)  # again on the real connection (after any hot-journal rollback)
            if read_only:
                _refuse_pending(db, path)
                backup = None
            else:
                _enable_wal(db, path)
                backup = _migrate(db, path, existed)
                settings.stamp_version(db, new_file=not existed)
        except BaseException:
            db.close()
            raise
    except BaseException:
        lock.release()
        raise
    warnings = location_warnings(path)
    if read_only:
        warnings.insert(0, READ_ONLY_WARNING)
    return Store(path=path, db=db, warnings=warnings, backup=backup, read_only=read_only,
                 integrity_deferred=deferred, _lock=lock)


READ_ONLY_WARNING = ("This data file is read-only: you can look at it, but nothing you change can be saved. "
                     "To work on it, copy it to your Documents folder (or another folder you can write to) "
                     "and open the copy.")


def _writable_or_read_only(path: Path) -> bool:
    """Check the places AuditLoop must write before touching anything; True means "open read-only".

    Raises:
        FolderNotWritable: a new file cannot be created in the folder, or a writable file is in a
            folder that cannot hold its lock, journal and backups.
    """
    real = real_path(path)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError as exc:  # the folder, or one it is in, may not be opened by this user
        raise folder_not_reachable(path) from exc
    except OSError as exc:
        raise folder_not_writable(path, existing=False) from exc
    folder_ok = os.access(real.parent, os.W_OK)
    if not real.exists():
        if not folder_ok:
            raise folder_not_writable(path, existing=False)
        return False
    if not os.access(real, os.W_OK):
        return True
    if not folder_ok:
        raise folder_not_writable(path, existing=True)
    return False


def _refuse_pending(db: Database, path: Path) -> None:
    if migrations.pending(db):
        raise read_only_file(path, "This data file is read-only and was written by an older AuditLoop: it must "
                                   "be updated before it can be opened, and a read-only file cannot be updated.")


def open_memory() -> Database:
    """A fully migrated in-memory database, for tests and the self-test."""
    db = Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


def _refuse_unusable(path: Path) -> None:
    """Checks that read the file only: empty, not SQLite, from a newer version."""
    if path.stat().st_size == 0:
        good = latest_good_backup(path)
        raise EmptyDataFile(
            "The data file is empty (0 bytes): it holds no audits. It was left as it is.",
            where=str(path),
            hint=(f"Restore the latest good backup ({good.name}) from {good.parent}, or move the empty file "
                  "away to start a new data file." if good else
                  "No good backup was found; move the empty file away to start a new data file."),
        )
    if not has_sqlite_header(path):
        raise StoreError(
            "This file is not an AuditLoop data file (it is not an SQLite database).",
            where=str(path),
            hint="Choose the .auditloop file itself, or restore one of its backups.",
        )
    if is_package(path):
        raise StoreError(
            "This file is an audit package (a handover from another data file), not a data file.",
            where=str(path),
            hint="Open your own data file and use File > Import audit… to add the audit to it.",
        )
    # With no WAL beside it the file alone is the truth: `immutable` reads it without creating a
    # -wal/-shm or taking a lock. With a WAL, a read-only connection reads through it.
    flags = "mode=ro" if Path(str(path) + "-wal").exists() else "immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return  # the read-write open below reports it
    try:
        _refuse_newer(Database(conn), path)
    except sqlite3.Error:
        pass  # e.g. a hot journal a read-only connection may not roll back: checked again after opening
    finally:
        conn.close()


def _refuse_newer(db: Database, path: Path) -> None:
    if migrations.unknown_applied(db):
        raise NewerVersionFile(
            "This data file was written by a newer version of AuditLoop. It was left as it is.",
            where=str(path),
            hint="Install the newer AuditLoop, or open a backup made by this version.",
        )


def _migrate(db: Database, path: Path, existed: bool) -> Path | None:
    if not migrations.pending(db):
        return None
    backup = backup_now(db, path, reason="before-upgrade") if existed else None
    try:
        migrations.apply(db)
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc
    return backup


def _enable_wal(db: Database, path: Path) -> None:
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc


def _opening_writes_nothing(db: Database) -> bool:
    """No migration is pending and this version stamped the file last (so opening writes nothing);
    False too when the schema cannot be read (the full check then says why)."""
    from model.core.version import __version__

    try:
        return not migrations.pending(db) and settings.get(db, settings.OPENED_BY_KEY) == __version__
    except sqlite3.DatabaseError:
        return False


_DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


def _check_rows(db: Database, pragma: str) -> list[str]:
    """The rows of `PRAGMA quick_check` or `integrity_check` (["ok"] when sound); SQLite refusing
    to read damaged pages counts as a finding. Anything else (a lock) raises sqlite3.Error."""
    try:
        return [str(r[0]) for r in db.execute(f"PRAGMA {pragma}").fetchall()]
    except sqlite3.DatabaseError as exc:
        if not any(word in str(exc).lower() for word in _DAMAGE_WORDS):
            raise
        return [str(exc)]


def integrity_findings(db: Database) -> list[str]:
    """What SQLite finds wrong with the file ([] when it is sound): `quick_check` first, which
    answers in about half the time and catches most damage, then the full `integrity_check`.

    For a background connection after a deferred open; `damaged_file_error` words the result.
    """
    for pragma in ("quick_check", "integrity_check"):
        rows = _check_rows(db, pragma)
        if rows != ["ok"]:
            return rows
    return []


def damaged_file_error(path: Path, findings: list[str]) -> DamagedDataFile:
    """The error a damaged file raises, naming the newest good backup."""
    latest = latest_good_backup(path)
    hint = (
        f"Restore the latest good backup ({latest.name}) from File > Backups."
        if latest
        else "No good backup exists; keep this file and ask your IT service for a copy."
    )
    return DamagedDataFile(f"The data file is damaged ({'; '.join(findings[:3])}).", where=str(path), hint=hint)


def check_integrity_or_raise(db: Database, path: Path) -> None:
    """Run `PRAGMA integrity_check`; a damaged file raises with the newest good backup named."""
    try:
        rows = _check_rows(db, "integrity_check")
    except sqlite3.Error as exc:
        raise store_error(exc, path) from exc  # locked by another program, unreadable: not damage
    if rows != ["ok"]:
        raise damaged_file_error(path, rows)


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


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """All-or-nothing block: every write inside commits together or not at all."""
    with db.atomic():
        yield db
