"""The store: migrations, backups before migrating, integrity failures, a second instance."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from model.core.errors import StoreError
from model.store import migrations
from model.store.store import (
    BACKUPS_KEPT,
    backup_now,
    list_backups,
    location_warnings,
    open_memory,
    open_store,
    restore_backup,
    save_copy_as,
)

ROOT = Path(__file__).resolve().parents[2]


def test_new_file_gets_every_migration_and_no_backup(tmp_path):
    store = open_store(tmp_path / "a.sqlite")
    try:
        assert migrations.pending(store.db) == []
        assert {"audits", "cycles", "criteria", "cases", "actions"} <= set(store.db.table_names())
        assert "answers" in store.db.view_names()
        assert store.backup is None
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        store.close()


def _old_file(tmp_path: Path) -> Path:
    """A file at schema version 1 only (as an older AuditLoop would have left it)."""
    path = tmp_path / "old.sqlite"
    db = Database(path)
    from sqlite_utils.migrations import Migrations

    first = migrations.known_names()[0]
    old = Migrations(migrations.MIGRATION_SET)
    old(name=first)(__import__(f"model.store.migrations.{first}", fromlist=["migrate"]).migrate)
    old.apply(db)
    db["audits"].insert({"uid": "u1", "title": "Kept across the upgrade", "created_at": "2026-01-01",
                         "updated_at": "2026-01-01"})
    db.close()
    return path


def test_backup_taken_before_migrating_an_existing_file(tmp_path):
    if len(migrations.known_names()) < 2:
        pytest.skip("only one migration exists")
    path = _old_file(tmp_path)
    store = open_store(path)
    try:
        assert store.backup is not None and store.backup.exists()
        assert store.backup.parent == tmp_path / "backups"
        backup = Database(store.backup)
        assert backup["audits"].count == 1
        assert len(migrations.pending(backup)) >= 1  # the backup is the pre-upgrade file
        assert store.db["audits"].count == 1
        backup.close()
    finally:
        store.close()


def test_file_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    store = open_store(path)
    store.db["_sqlite_migrations"].insert({"migration_set": migrations.MIGRATION_SET, "name": "m999_future",
                                           "applied_at": "2030-01-01"})
    store.close()
    with pytest.raises(StoreError, match="newer version"):
        open_store(path)


def test_second_instance_gets_a_clear_message(tmp_path):
    path = tmp_path / "shared.sqlite"
    store = open_store(path)
    try:
        code = ("import sys; sys.path.insert(0, sys.argv[2]);"
                "from model.store.store import open_store; from model.core.errors import StoreError\n"
                "try:\n    open_store(sys.argv[1])\nexcept StoreError as e:\n    print(e.message); sys.exit(3)")
        done = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 3, done.stderr
        assert "already open in another AuditLoop window" in done.stdout
    finally:
        store.close()
    reopened = open_store(path)  # the lock is released on close
    reopened.close()


def test_not_a_database_is_a_known_error(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not an AuditLoop data file"):
        open_store(path)


def test_integrity_failure_names_the_latest_backup(tmp_path):
    path = tmp_path / "damaged.sqlite"
    store = open_store(path)
    store.db["audits"].insert_all([{"uid": f"u{i}", "title": "x" * 500, "created_at": "t", "updated_at": "t"}
                                   for i in range(200)])
    backup = backup_now(store.db, path)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):  # clobber b-tree pages, keep the header
        data[offset] = 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert "damaged" in info.value.message
    assert backup.name in info.value.hint
    restore_backup(backup, path)
    store = open_store(path)
    assert store.db["audits"].count == 200
    store.close()


def test_backups_are_pruned_to_the_last_ten(tmp_path):
    path = tmp_path / "b.sqlite"
    store = open_store(path)
    try:
        for _ in range(BACKUPS_KEPT + 3):
            backup_now(store.db, path)
        assert len(list_backups(path)) == BACKUPS_KEPT
    finally:
        store.close()


def test_save_copy_as_is_a_consistent_database(tmp_path):
    store = open_store(tmp_path / "c.sqlite")
    try:
        store.db["settings"].insert({"key": "trust_name", "value": "Demo"})
        save_copy_as(store.db, tmp_path / "copy.sqlite")
    finally:
        store.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    assert copy.execute("SELECT value FROM settings WHERE key = 'trust_name'").fetchone() == ("Demo",)
    copy.close()


@pytest.mark.parametrize("path, expected", [
    ("/home/me/OneDrive - NHS/audits/a.sqlite", "OneDrive"),
    ("/home/me/SharePoint/Team/a.sqlite", "OneDrive"),
    ("//fileserver/share/a.sqlite", "network share"),
])
def test_location_warnings(path, expected):
    assert any(expected in w for w in location_warnings(Path(path)))


def test_local_folder_has_no_warning(tmp_path):
    assert location_warnings(tmp_path / "a.sqlite") == []


def test_foreign_keys_cascade_in_memory():
    db = open_memory()
    db["audits"].insert({"id": 1, "uid": "u", "title": "t", "created_at": "t", "updated_at": "t"})
    db["cycles"].insert({"audit_id": 1, "number": 1, "created_at": "t", "updated_at": "t"})
    db.execute("DELETE FROM audits WHERE id = 1")
    assert db["cycles"].count == 0


def test_no_sqlite_utils_plugins_are_looked_for_or_loaded(tmp_path):
    """model/__init__ marks sqlite-utils' plugins loaded: no entry-point scan at start, no foreign code
    on our connections."""
    from sqlite_utils import plugins

    store = open_store(tmp_path / "a.sqlite")
    store.close()
    foreign = [p for p in plugins.pm.get_plugins() if p.__name__ != "sqlite_utils.hookspecs"]
    assert plugins._plugins_loaded and foreign == []
