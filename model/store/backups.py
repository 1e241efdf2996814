"""Backups of the data file: taken, checked, listed, pruned and restored without ever losing it.

Layout beside the data file `<stem>.sqlite`:

    backups/<stem>-<YYYYmmdd-HHMMSS-ffffff>-<reason>.sqlite      the rotation (the last BACKUPS_KEPT)
    backups/preserved/<stem>-<stamp>-<reason>.sqlite              originals set aside, never pruned

Every file is written under a `.partial` name, checked, flushed to disk and only then renamed,
so a process killed at any moment leaves either the old state or the new one, never half a file
under a real name (issue "Never lose the data file"). A restore copies through SQLite's backup
API into a temporary file beside the data file and moves it into place with one `os.replace`.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from model.core.errors import StoreError
from model.store import migrations
from model.store.files import InstanceLock, fsync_dir, fsync_file, has_sqlite_header, store_error

BACKUP_DIR_NAME = "backups"
PRESERVED_DIR_NAME = "preserved"
BACKUPS_KEPT = 10
PARTIAL_SUFFIX = ".partial"
RESTORE_STEP_PAGES = 256  # pages copied per step of the backup API (1 MB at 4 KiB pages)
STALE_PARTIAL_SECONDS = 600  # a .partial this old belongs to a process that died
PRESERVED_REASONS = ("replaced", "newer-version", "empty")
_STAMP = re.compile(r"-(\d{8}-\d{6}-\d{6})-([a-z0-9-]+)\.sqlite$")

# Test seam: called with the name of each step of backup_now/restore_backup ("copy" after every
# chunk of pages). The kill tests in tests/model/test_backups_killed.py pause here; None in use.
step_hook: Callable[[str], None] | None = None


@dataclass(frozen=True)
class BackupInfo:
    """What one backup file holds and whether it can be restored.

    Attributes:
        path: the backup file.
        taken_at: when it was taken (from its name; the file's time if the name has none).
        reason: why it was taken ("manual", "before-upgrade", "replaced", ...).
        size: bytes on disk.
        audits: audits it holds (not counting the bin), None when it cannot be read.
        cases: cases it holds (not counting the bin), None when it cannot be read.
        good: it opens, passes SQLite's quick check and this version of AuditLoop can use it.
        problem: why it is not good, in plain words ("" when good).
        preserved: an original set aside by a restore, kept apart from the rotation.
    """

    path: Path
    taken_at: datetime
    reason: str
    size: int
    audits: int | None
    cases: int | None
    good: bool
    problem: str
    preserved: bool


def _step(name: str) -> None:
    if step_hook is not None:
        step_hook(name)


def backup_dir(path: Path) -> Path:
    """The `backups/` folder next to the data file."""
    return Path(path).parent / BACKUP_DIR_NAME


def preserved_dir(path: Path) -> Path:
    """The `backups/preserved/` folder: originals set aside, never pruned."""
    return backup_dir(path) / PRESERVED_DIR_NAME


def _stamped_name(path: Path, reason: str) -> str:
    return f"{Path(path).stem}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}-{reason}.sqlite"


def _is_preserved_name(name: str) -> bool:
    match = _STAMP.search(name)
    return match is not None and match.group(2) in PRESERVED_REASONS


# --- taking backups --------------------------------------------------------------------


def backup_now(db: Database, path: Path, *, reason: str = "manual", keep: int = BACKUPS_KEPT) -> Path:
    """Copy the live database with `VACUUM INTO` (consistent even while open) and prune old ones.

    The copy is written as `<name>.partial`, quick-checked and flushed, then renamed: a backup
    under a real name is always complete.

    Raises:
        StoreError: the copy could not be written or failed its check (nothing is left behind).
    """
    folder = backup_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _stamped_name(path, reason)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        db.execute("VACUUM INTO ?", [str(partial)])
        _step("copied")
        problem = _check_file(partial, quick=True, usable_here=False)
        if problem:
            raise StoreError(f"The new backup failed its check ({problem}).", where=str(partial),
                             hint="Check the disk has space and is healthy, then back up again.")
        fsync_file(partial)
        _step("checked")
        os.replace(partial, target)
        fsync_dir(folder)
        _step("renamed")
    except sqlite3.Error as exc:
        raise store_error(exc, target) from exc
    finally:
        partial.unlink(missing_ok=True)
    prune_backups(path, keep=keep)
    return target


def list_backups(path: Path) -> list[Path]:
    """The rotation's complete backups of this data file, newest first.

    Unfinished `.partial` files and preserved originals (also older `-replaced` files left in
    the rotation folder by earlier versions) are not listed.
    """
    folder = backup_dir(path)
    if not folder.exists():
        return []
    found = [p for p in folder.glob(f"{Path(path).stem}-*.sqlite")
             if p.is_file() and not _is_preserved_name(p.name)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def list_preserved(path: Path) -> list[Path]:
    """Originals set aside by restores (and newer-version files), newest first; never pruned."""
    stem = Path(path).stem
    found = list(preserved_dir(path).glob(f"{stem}-*.sqlite")) if preserved_dir(path).exists() else []
    if backup_dir(path).exists():  # left in the rotation folder by earlier versions
        found += [p for p in backup_dir(path).glob(f"{stem}-*.sqlite") if _is_preserved_name(p.name)]
    return sorted((p for p in found if p.is_file()), key=lambda p: p.name, reverse=True)


def latest_good_backup(path: Path) -> Path | None:
    """The newest backup that opens, passes SQLite's quick check and this version can use; or None."""
    for candidate in list_backups(path):
        if not _check_file(candidate, quick=True):
            return candidate
    return None


def prune_backups(path: Path, *, keep: int = BACKUPS_KEPT) -> None:
    """Delete all but the newest `keep` rotation backups, and stale `.partial` files.

    Preserved originals are never deleted.
    """
    for old in list_backups(path)[keep:]:
        old.unlink(missing_ok=True)
    folder = backup_dir(path)
    if folder.exists():
        for partial in folder.glob(f"{Path(path).stem}-*{PARTIAL_SUFFIX}"):
            if time.time() - partial.stat().st_mtime > STALE_PARTIAL_SECONDS:
                partial.unlink(missing_ok=True)


# --- checking backups ------------------------------------------------------------------


def backup_info(backup: Path, *, preserved: bool = False) -> BackupInfo:
    """Open one backup read-only and say what it holds and whether it is good."""
    backup = Path(backup)
    size = backup.stat().st_size
    match = _STAMP.search(backup.name)
    if match:
        taken_at = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f")
        reason = match.group(2)
    else:
        taken_at, reason = datetime.fromtimestamp(backup.stat().st_mtime), ""
    problem = _check_file(backup, quick=True)
    audits, cases = _counts(backup) if not problem else (None, None)
    return BackupInfo(path=backup, taken_at=taken_at, reason=reason, size=size, audits=audits, cases=cases,
                      good=not problem, problem=problem, preserved=preserved)


def backup_infos(path: Path) -> list[BackupInfo]:
    """Every backup of the data file (the rotation, then preserved originals), each checked."""
    rotation = [backup_info(p) for p in list_backups(path)]
    return rotation + [backup_info(p, preserved=True) for p in list_preserved(path)]


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def _check_file(path: Path, *, quick: bool, usable_here: bool = True) -> str:
    """'' when `path` is a sound AuditLoop data file (that this version can use); else what is wrong."""
    try:
        if Path(path).stat().st_size == 0:
            return "the file is empty (0 bytes)"
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror})"
    if not has_sqlite_header(path):
        return "not an SQLite database"
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        return f"cannot be opened ({exc})"
    try:
        rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
        if not rows or rows[0][0] != "ok":
            return "damaged: " + "; ".join(str(r[0]) for r in rows[:3])
        return _version_problem(conn) if usable_here else ""
    except sqlite3.DatabaseError as exc:
        return f"damaged: {exc}"
    finally:
        conn.close()


def _version_problem(conn: sqlite3.Connection) -> str:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone()
    if not has_table:
        return "not an AuditLoop data file"
    names = {r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                        [migrations.MIGRATION_SET])}
    if names - set(migrations.known_names()):
        return "written by a newer version of AuditLoop"
    return ""


def _counts(path: Path) -> tuple[int | None, int | None]:
    conn = _read_only(path)
    try:
        return _count(conn, "audits"), _count(conn, "cases")
    finally:
        conn.close()


def _count(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        where = " WHERE deleted_at IS NULL" if "deleted_at" in columns else ""
        return int(conn.execute(f"SELECT count(*) FROM {table}{where}").fetchone()[0]) if columns else None
    except sqlite3.Error:
        return None


# --- restoring -------------------------------------------------------------------------


def restore_backup(backup: Path, path: Path, *, reason: str = "replaced") -> Path | None:
    """Replace the (closed) data file with a backup, atomically; return where the old file was kept.

    In order: the backup is checked; it is copied with SQLite's backup API into a temporary
    file beside the data file, which is integrity-checked and flushed to disk; the current file
    (with its WAL, if any) is copied into backups/preserved/ as `<stem>-<stamp>-<reason>`; the
    temporary file then replaces the data file in one `os.replace`. Killed at any moment, the
    data file is either the old one or the restored one, whole.

    Raises:
        StoreError: the backup is not good, the data file is open elsewhere, or the disk fails.
    """
    backup, path = Path(backup), Path(path)
    problem = _check_file(backup, quick=True)
    if problem:
        raise StoreError(f"This backup cannot be restored: {problem}.", where=str(backup),
                         hint="Choose another backup in File > Backups (the list says which are good).")
    lock = InstanceLock(path)
    lock.acquire()
    temp = path.with_name(f"{path.name}.restore{PARTIAL_SUFFIX}")
    try:
        _copy_checked(backup, temp)
        preserved = _preserve(path, reason) if path.exists() and path.stat().st_size > 0 else None
        _step("preserved")
        # A stale WAL would be replayed into the restored file: it goes first (a copy is preserved).
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(temp, path)
        fsync_dir(path.parent)
        _step("replaced")
    except (sqlite3.Error, OSError) as exc:
        raise _restore_error(exc, path) from exc
    finally:
        for leftover in (temp, Path(str(temp) + "-journal")):
            leftover.unlink(missing_ok=True)
        lock.release()
    return preserved


def _copy_checked(backup: Path, temp: Path) -> None:
    """Copy `backup` into `temp` page by page, integrity-check it and flush it to disk."""
    for leftover in (temp, Path(str(temp) + "-journal")):
        leftover.unlink(missing_ok=True)
    source = _read_only(backup)
    target = sqlite3.connect(str(temp))
    try:
        source.backup(target, pages=RESTORE_STEP_PAGES, progress=lambda *_: _step("copy"))
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no WAL beside it
        rows = target.execute("PRAGMA integrity_check").fetchall()
    finally:
        target.close()
        source.close()
    if not rows or rows[0][0] != "ok":
        raise StoreError("The restored copy failed its integrity check; the data file was not changed.",
                         where=str(temp), hint="Check the disk is healthy, or restore another backup.")
    fsync_file(temp)
    _step("checked")


def _preserve(path: Path, reason: str) -> Path:
    """Copy the data file (and its WAL) into backups/preserved/, complete before it is named."""
    folder = preserved_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / _stamped_name(path, reason)
    for suffix in ("-wal", ""):  # the WAL first: a named main file always has its WAL beside it
        source = Path(str(path) + suffix)
        if not source.exists():
            continue
        final = Path(str(kept) + suffix)
        partial = Path(str(final) + PARTIAL_SUFFIX)
        shutil.copyfile(source, partial)
        fsync_file(partial)
        os.replace(partial, final)
    fsync_dir(folder)
    return kept


def start_new_data_file(path: Path) -> Path:
    """Set an empty (0-byte) data file aside in backups/preserved/ so a new one can be created there.

    Only for a file the user was told is empty and chose to replace; returns where it went.

    Raises:
        StoreError: the file is not empty (it is never moved then).
    """
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise StoreError("The data file is not empty, so it was left as it is.", where=str(path),
                         hint="Open it, or restore a backup from File > Backups.")
    folder = preserved_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / _stamped_name(path, "empty")
    if path.exists():
        os.replace(path, kept)
    return kept


def _restore_error(exc: sqlite3.Error | OSError, path: Path) -> StoreError:
    if isinstance(exc, sqlite3.Error):
        return store_error(exc, path)
    return StoreError(f"The backup could not be restored ({exc.strerror or exc}); the data file was not "
                      "replaced.", where=str(path), hint="Check the disk has space and you can write there.")


def save_copy_as(db: Database, target: Path) -> None:
    """Write a consistent copy of the open database to `target` (File > Save copy as).

    Written as `<target>.partial` and renamed when complete, so an existing file at `target`
    is only replaced by a whole copy.
    """
    target = Path(target)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    partial.unlink(missing_ok=True)
    try:
        db.execute("VACUUM INTO ?", [str(partial)])
        fsync_file(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise store_error(exc, target) from exc
    finally:
        partial.unlink(missing_ok=True)
