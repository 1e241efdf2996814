"""The integrity check left out of a start-up open (open_store(defer_integrity=True)) and run after it:
a damaged file is still caught; the check is never left out when opening would write."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.core import settings
from model.core.errors import DamagedDataFile
from model.store.store import backup_now, damaged_file_error, integrity_findings, open_store

PAGE = 4096


ROWS = {"audits": lambda i: {"uid": f"u{i}", "title": "x" * 900, "created_at": "t", "updated_at": "t"},
        "import_profiles": lambda i: {"name": f"p{i}", "mapping_json": "x" * 900, "created_at": "t",
                                      "updated_at": "t"}}


def damaged_at_the_end(tmp_path: Path, *, backup: bool = True, table: str = "audits") -> tuple[Path, Path | None]:
    """A data file whose last pages (300 rows of `table` written after every migration) are
    overwritten: the schema, the migrations and the settings still read, as a failing disk
    leaves a file. The register reads audits; nothing at start-up reads import_profiles."""
    path = tmp_path / "auditloop.sqlite"
    store = open_store(path)
    store.db[table].insert_all([ROWS[table](i) for i in range(300)])
    good = backup_now(store.db, path) if backup else None
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    for offset in range(len(data) - PAGE * 6, len(data) - PAGE * 2):
        data[offset] = 0x5A
    path.write_bytes(bytes(data))
    return path, good


def test_a_deferred_open_leaves_the_check_out_and_the_check_after_it_catches_the_damage(tmp_path):
    path, good = damaged_at_the_end(tmp_path)
    store = open_store(path, defer_integrity=True)  # opens: nothing it reads is damaged
    try:
        assert store.integrity_deferred
        db = store.connect()
        try:
            findings = integrity_findings(db)
        finally:
            db.close()
    finally:
        store.close()
    assert findings and findings != ["ok"]
    error = damaged_file_error(path, findings)
    assert "damaged" in error.message and good is not None and good.name in error.hint
    with pytest.raises(DamagedDataFile):  # every other open still checks before it returns
        open_store(path)


def test_a_sound_file_has_no_findings(tmp_path):
    path = tmp_path / "auditloop.sqlite"
    open_store(path).close()
    store = open_store(path, defer_integrity=True)
    try:
        assert store.integrity_deferred and integrity_findings(store.db) == []
    finally:
        store.close()


def test_the_check_is_not_left_out_when_opening_would_write(tmp_path):
    path, _good = damaged_at_the_end(tmp_path)
    store = open_store(path, check_integrity=False)
    settings.put(store.db, settings.OPENED_BY_KEY, "0.0.1")  # an older AuditLoop opened it last: we stamp it
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with pytest.raises(DamagedDataFile):
        open_store(path, defer_integrity=True)


def test_a_new_file_has_nothing_to_check_later(tmp_path):
    store = open_store(tmp_path / "new.sqlite", defer_integrity=True)
    try:
        assert not store.integrity_deferred
    finally:
        store.close()
