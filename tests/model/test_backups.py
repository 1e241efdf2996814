"""Backups: checked before they are named or offered, preserved originals never pruned, empty and
newer-version data files refused without a byte written."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from model.core.errors import EmptyDataFile, NewerVersionFile, StoreError, StoreInUse
from model.store import migrations
from model.store.backups import PARTIAL_SUFFIX, STALE_PARTIAL_SECONDS
from model.store.store import (
    BACKUPS_KEPT,
    backup_infos,
    backup_now,
    latest_good_backup,
    list_backups,
    list_preserved,
    open_store,
    restore_backup,
    start_new_data_file,
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store_with(path: Path, audits: int) -> None:
    store = open_store(path)
    store.db["audits"].insert_all({"uid": f"u{i}", "title": f"Audit {i}", "created_at": "t", "updated_at": "t"}
                                  for i in range(audits))
    cycle = store.db["cycles"].insert({"audit_id": 1, "number": 1, "created_at": "t", "updated_at": "t"}).last_pk
    store.db["cases"].insert_all({"cycle_id": cycle, "case_ref": f"c{i}", "created_at": "t", "updated_at": "t"}
                                 for i in range(7))
    store.db["audits"].update(audits, {"deleted_at": "t"})  # one in the bin: not counted
    store.close()


def test_backup_infos_say_what_each_backup_holds(tmp_path):
    path = tmp_path / "a.sqlite"
    _store_with(path, 3)
    store = open_store(path)
    backup = backup_now(store.db, path)
    store.close()
    [info] = backup_infos(path)
    assert info.path == backup and info.good and info.problem == "" and not info.preserved
    assert (info.audits, info.cases) == (2, 7)
    assert info.reason == "manual" and info.size == backup.stat().st_size
    assert abs((info.taken_at - info.taken_at.now()).total_seconds()) < 60


def test_list_backups_ignores_partial_files_and_prune_removes_only_stale_ones(tmp_path):
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        good = backup_now(store.db, path)
        fresh = good.with_name("a-29990101-000000-000000-manual.sqlite" + PARTIAL_SUFFIX)
        stale = good.with_name("a-20000101-000000-000000-manual.sqlite" + PARTIAL_SUFFIX)
        for partial in (fresh, stale):
            partial.write_bytes(b"SQLite format 3\x00 half written")
        old = time.time() - STALE_PARTIAL_SECONDS - 60
        os.utime(stale, (old, old))
        assert list_backups(path) == [good]
        backup_now(store.db, path)
        assert fresh.exists() and not stale.exists()  # a fresh one may still be being written
    finally:
        store.close()


def test_preserved_originals_are_never_pruned(tmp_path):
    path = tmp_path / "a.sqlite"
    _store_with(path, 2)
    store = open_store(path)
    first = backup_now(store.db, path)
    store.close()
    kept = restore_backup(first, path)
    assert kept is not None and kept.parent == tmp_path / "backups" / "preserved" and "-replaced" in kept.name
    legacy = tmp_path / "backups" / "a-20250101-000000-000000-replaced.sqlite"  # as older versions left it
    legacy.write_bytes(kept.read_bytes())
    store = open_store(path)
    try:
        for _ in range(BACKUPS_KEPT + 3):
            backup_now(store.db, path)
    finally:
        store.close()
    assert len(list_backups(path)) == BACKUPS_KEPT
    assert kept.exists() and legacy.exists()
    assert list_preserved(path) == [kept, legacy]
    assert not {kept, legacy} & set(list_backups(path))
    infos = backup_infos(path)
    assert [i.preserved for i in infos[-2:]] == [True, True] and infos[-1].reason == "replaced"


def test_restoring_a_damaged_backup_is_refused_and_the_data_file_is_unchanged(tmp_path):
    path = tmp_path / "a.sqlite"
    _store_with(path, 2)
    bad = tmp_path / "backups" / "a-20260101-000000-000000-manual.sqlite"
    bad.parent.mkdir()
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    before = _sha(path)
    with pytest.raises(StoreError, match="cannot be restored"):
        restore_backup(bad, path)
    assert _sha(path) == before and list_preserved(path) == []
    assert latest_good_backup(path) is None


def test_restore_is_refused_while_the_file_is_open(tmp_path):
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    backup = backup_now(store.db, path)
    try:
        with pytest.raises(StoreInUse):
            restore_backup(backup, path)
    finally:
        store.close()


def test_zero_length_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "a.sqlite"
    _store_with(path, 2)
    store = open_store(path)
    good = backup_now(store.db, path)
    store.close()
    path.write_bytes(b"")
    with pytest.raises(EmptyDataFile) as info:
        open_store(path)
    assert "empty (0 bytes)" in info.value.message and good.name in info.value.hint
    assert path.stat().st_size == 0
    assert not Path(str(path) + "-wal").exists() and not Path(str(path) + "-journal").exists()


def test_start_new_data_file_sets_the_empty_file_aside(tmp_path):
    path = tmp_path / "a.sqlite"
    path.write_bytes(b"")
    kept = start_new_data_file(path)
    assert kept.exists() and kept.stat().st_size == 0 and kept in list_preserved(path)
    store = open_store(path)
    assert store.db["audits"].count == 0
    store.close()
    with pytest.raises(StoreError, match="not empty"):
        start_new_data_file(path)  # a real data file is never moved


def test_newer_version_file_in_rollback_mode_is_left_byte_identical(tmp_path):
    path = tmp_path / "new.sqlite"
    _store_with(path, 2)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
                 [migrations.MIGRATION_SET, "m999_future", "2030-01-01"])
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert path.read_bytes()[18:20] == b"\x01\x01"  # rollback-journal mode
    before, mtime = _sha(path), path.stat().st_mtime_ns
    with pytest.raises(NewerVersionFile, match="newer version"):
        open_store(path)
    assert _sha(path) == before and path.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite", "new.sqlite.lock"]


def test_a_newer_backup_is_not_good(tmp_path):
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    older = backup_now(store.db, path)
    store.db["_sqlite_migrations"].insert({"migration_set": migrations.MIGRATION_SET, "name": "m999_future",
                                           "applied_at": "2030-01-01"})
    newer = backup_now(store.db, path)
    store.close()
    info = {i.path: i for i in backup_infos(path)}
    assert not info[newer].good and "newer version" in info[newer].problem
    assert latest_good_backup(path) == older


def test_newer_version_file_in_wal_mode_is_left_byte_identical_with_nothing_beside_it(tmp_path):
    path = tmp_path / "new.sqlite"
    store = open_store(path)
    store.db["_sqlite_migrations"].insert({"migration_set": migrations.MIGRATION_SET, "name": "m999_future",
                                           "applied_at": "2030-01-01"})
    store.close()
    assert path.read_bytes()[18:20] == b"\x02\x02"  # WAL mode, closed cleanly (no -wal left)
    before = _sha(path)
    with pytest.raises(NewerVersionFile):
        open_store(path)
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.sqlite", "new.sqlite.lock"]
