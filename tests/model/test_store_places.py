"""Places the user cannot write, locks held by other programs, one lock per file (issue 13 parts 2 and 3).

Root ignores file permissions, so when the tests run as root `os.access` is made to answer as it
would for an ordinary user: the chmod still happens, and the code under test is the same.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from model.core.errors import (
    DataFileLocked,
    DataFileReadOnly,
    FolderNotWritable,
    KnownError,
    StoreInUse,
)
from model.plan.audits import Audit, create_audit, list_audits
from model.store import store as store_module
from model.store.files import store_error
from model.store.store import open_store

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def deny_write(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a file or folder read-only (chmod; for root also `os.access`); restored afterwards."""
    denied: dict[Path, int] = {}
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if mode & os.W_OK and Path(path).resolve() in denied:
            return False
        return real_access(path, mode, *args, **kwargs)

    if IS_ROOT:
        monkeypatch.setattr(os, "access", access)

    def deny(path: Path) -> None:
        denied[path.resolve()] = stat.S_IMODE(path.stat().st_mode)
        path.chmod(0o500 if path.is_dir() else 0o400)

    yield deny
    for path, mode in denied.items():
        path.chmod(mode)


def _make_store(path: Path) -> None:
    store = open_store(path)
    create_audit(store.db, Audit(title="Falls"))
    store.close()


def _assert_plain(exc: KnownError) -> None:
    text = str(exc)
    assert exc.message and exc.where and exc.hint
    assert "damaged" not in text.lower() and "Traceback" not in text and "sqlite3" not in text


def test_read_only_folder_refuses_a_new_data_file(tmp_path: Path, deny_write) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    deny_write(folder)
    with pytest.raises(FolderNotWritable) as info:
        open_store(folder / "audit.sqlite")
    _assert_plain(info.value)
    assert "read-only" in info.value.message and "Documents" in info.value.hint
    assert info.value.where == str(folder)
    assert not (folder / "audit.sqlite").exists()


def test_writable_file_in_a_read_only_folder_is_refused_untouched(tmp_path: Path, deny_write) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "audit.sqlite"
    _make_store(path)
    before = path.read_bytes()
    deny_write(folder)
    with pytest.raises(FolderNotWritable) as info:
        open_store(path)
    _assert_plain(info.value)
    assert "folder" in info.value.message and "copy the file to your documents" in info.value.hint.lower()
    assert path.read_bytes() == before


def test_read_only_file_opens_read_only_and_refuses_saves(tmp_path: Path, deny_write) -> None:
    path = tmp_path / "audit.sqlite"
    _make_store(path)
    deny_write(path)
    store = open_store(path)
    try:
        assert store.read_only
        assert any("read-only" in w and "Documents" in w for w in store.warnings)
        assert [a.title for a in list_audits(store.db)] == ["Falls"]  # reading works
        with pytest.raises(DataFileReadOnly) as info:
            create_audit(store.db, Audit(title="Sepsis"))
        _assert_plain(info.value)
        assert isinstance(info.value, KnownError) and "not saved" in info.value.message
        assert "Documents" in info.value.hint
        background = store.connect()  # another thread's connection is read-only as well
        with pytest.raises(DataFileReadOnly):
            background.execute("INSERT INTO audits (title) VALUES ('x')")
        background.close()
    finally:
        store.close()
    assert [a.title for a in list_audits(open_store_read(path))] == ["Falls"]


def open_store_read(path: Path):  # noqa: ANN201
    from sqlite_utils import Database

    return Database(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))


def test_read_only_file_needing_an_upgrade_is_refused_plainly(tmp_path: Path, deny_write, monkeypatch) -> None:
    path = tmp_path / "audit.sqlite"
    _make_store(path)
    deny_write(path)
    monkeypatch.setattr(store_module.migrations, "pending", lambda db: ["m999_future"])
    with pytest.raises(DataFileReadOnly) as info:
        open_store(path)
    _assert_plain(info.value)
    assert "older AuditLoop" in info.value.message


def test_lock_held_by_another_program(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "audit.sqlite"
    _make_store(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = DELETE")  # a rollback journal: an exclusive lock keeps readers out
    other.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 50)
    try:
        with pytest.raises(DataFileLocked) as info:
            open_store(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    _assert_plain(info.value)
    assert "another program" in info.value.message.lower() and "close the other program" in info.value.hint.lower()
    assert not isinstance(info.value, StoreInUse)
    store = open_store(path)  # once the other program lets go, it opens
    store.close()


@pytest.mark.parametrize(("message", "kind"), [
    ("database is locked", DataFileLocked),
    ("attempt to write a readonly database", DataFileReadOnly),
])
def test_sqlite_errors_map_to_their_own_messages(tmp_path: Path, message: str, kind: type) -> None:
    err = store_error(sqlite3.OperationalError(message), tmp_path / "a.sqlite")
    assert type(err) is kind
    _assert_plain(err)


def test_permission_error_maps_to_a_plain_message(tmp_path: Path, deny_write) -> None:
    deny_write(tmp_path)
    err = store_error(PermissionError(13, "Permission denied"), tmp_path / "a.sqlite")
    assert isinstance(err, FolderNotWritable)
    _assert_plain(err)


def test_one_lock_per_file_through_a_symlink_and_a_hard_link(tmp_path: Path) -> None:
    path = tmp_path / "real" / "audit.sqlite"
    path.parent.mkdir()
    _make_store(path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    symlink = elsewhere / "shortcut.sqlite"
    symlink.symlink_to(path)
    hard = elsewhere / "same-file.sqlite"
    os.link(path, hard)
    first = open_store(path)
    try:
        for other_name in (symlink, hard):
            with pytest.raises(StoreInUse) as info:
                open_store(other_name)
            assert "already open" in info.value.message
    finally:
        first.close()
    via_hard = open_store(hard)  # the hard link holds the lock now: the real name is refused
    try:
        with pytest.raises(StoreInUse):
            open_store(path)
        with pytest.raises(StoreInUse):
            open_store(symlink)
    finally:
        via_hard.close()
    open_store(symlink).close()
