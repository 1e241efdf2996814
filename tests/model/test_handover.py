"""Handing an audit over as one package file (model.report.handover*), and m016's record uuids."""

from __future__ import annotations

import importlib
import sqlite3
import zipfile
from pathlib import Path

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from model.core.errors import KnownError, NewerVersionFile, StoreError
from model.demo import build_demo
from model.report.handover import PACKAGE_TABLES, HandoverNote, read_package
from model.report.handover_export import export_audit
from model.report.handover_import import import_audit, latest_received_note
from model.store import migrations
from model.store.package_format import PACKAGE_APPLICATION_ID
from model.store.store import open_memory, open_store

NOTE = HandoverNote(from_name="Dr Ada Lovelace (FY2)", to_name="Dr Grace Hopper (FY2)", handed_over_on="2026-08-05",
                    done="Cycle 1 collected and reported.", next_steps="Re-audit in March after the teaching.",
                    contacts="Audit office, ext 4321")
NHS_NUMBERS = ["9990000018", "9990000026", "9990000034"]  # the 999 range is never issued to patients


@pytest.fixture
def demo(tmp_path: Path):
    store = build_demo(tmp_path / "demo.sqlite")
    yield store
    store.close()


def _exported(demo, tmp_path: Path, audit_id: int = 1) -> Path:
    path = tmp_path / "vte.auditloop"
    export_audit(demo.db, audit_id, path, handover_note=NOTE)
    return path


def _shape(db: Database, audit_id: int) -> dict[str, list[tuple]]:
    """What must survive the trip, without ids."""
    cycles = "SELECT id FROM cycles WHERE audit_id = ?"
    return {
        "cycles": db.execute("SELECT uuid, number, label, status, period_start, period_end FROM cycles "
                             "WHERE audit_id = ? ORDER BY number", [audit_id]).fetchall(),
        "criteria": db.execute(f"SELECT uuid, lineage, position, short_name, target, answer_type FROM criteria "
                               f"WHERE cycle_id IN ({cycles}) ORDER BY uuid", [audit_id]).fetchall(),
        "cases": db.execute(f"SELECT uuid, case_ref, patient_key, age_band, sex, ward, case_date FROM cases "
                            f"WHERE cycle_id IN ({cycles}) AND deleted_at IS NULL ORDER BY uuid",
                            [audit_id]).fetchall(),
        "outcomes": db.execute(f"SELECT cs.uuid, cr.uuid, a.outcome, a.raw, a.value FROM answers a "
                               f"JOIN cases cs ON cs.id = a.case_id JOIN criteria cr ON cr.id = a.criterion_id "
                               f"WHERE cs.cycle_id IN ({cycles}) AND cs.deleted_at IS NULL ORDER BY 1, 2",
                               [audit_id]).fetchall(),
        "actions": db.execute("SELECT uuid, text, owner, status, original_deadline FROM actions WHERE audit_id = ? "
                              "ORDER BY uuid", [audit_id]).fetchall(),
        "recommendations": db.execute("SELECT uuid, text, criterion_lineages_json FROM recommendations "
                                      "WHERE audit_id = ? ORDER BY uuid", [audit_id]).fetchall(),
    }


# --- m016 ------------------------------------------------------------------------------------------


def test_every_record_gets_a_uuid_on_insert_and_keeps_a_given_one():
    db = open_memory()
    stamp = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    db["audits"].insert({"uid": "a1", "title": "T", **stamp})
    db["cycles"].insert({"audit_id": 1, "number": 1, **stamp})
    db["cycles"].insert({"audit_id": 1, "number": 2, "uuid": "given", **stamp})
    uuids = [r[0] for r in db.execute("SELECT uuid FROM cycles ORDER BY id")]
    assert len(uuids[0]) == 32 and int(uuids[0], 16) >= 0 and uuids[1] == "given"
    with pytest.raises(sqlite3.IntegrityError):
        db["cycles"].insert({"audit_id": 1, "number": 3, "uuid": "given", **stamp})


def test_m016_backfills_existing_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    db = Database(path)
    old = Migrations(migrations.MIGRATION_SET)
    names = migrations.known_names()
    for name in names[:names.index("m016_record_uuids")]:
        old(name=name)(importlib.import_module(f"model.store.migrations.{name}").migrate)
    old.apply(db)
    stamp = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    db["audits"].insert({"uid": "a1", "title": "T", **stamp})
    for n in (1, 2):
        db["cycles"].insert({"audit_id": 1, "number": n, **stamp})
    db.close()
    store = open_store(path)
    try:
        uuids = {r[0] for r in store.db.execute("SELECT uuid FROM cycles")}
        assert len(uuids) == 2 and None not in uuids
    finally:
        store.close()


# --- export and import ---------------------------------------------------------------------------


def test_round_trip_into_a_fresh_data_file(demo, tmp_path):
    path = _exported(demo, tmp_path)
    summary = read_package(path)
    assert summary.audits[0]["uid"] == demo.db.execute("SELECT uid FROM audits WHERE id = 1").fetchone()[0]
    assert summary.note == NOTE and not summary.migrated
    assert summary.schema_version == migrations.schema_version(demo.db)
    target = open_store(tmp_path / "receiver" / "mine.sqlite")
    try:
        result = import_audit(target.db, path)
        assert result.applied and result.audit_id is not None and result.backup is not None
        assert result.backup.exists()
        assert result.added["cycles"] == 2 and result.added["cases"] == summary.counts["cases"] > 0
        assert _shape(target.db, result.audit_id) == _shape(demo.db, 1)
        assert target.db.execute("PRAGMA foreign_key_check").fetchall() == []
        note = latest_received_note(target.db, result.audit_id)
        assert note is not None and note["next_steps"] == NOTE.next_steps and note["from_name"] == NOTE.from_name
        again = import_audit(target.db, path)  # the audit is there now: a merge, which is a later slice
        assert again.merge_needed and not again.applied and again.added == {}
        assert target.db.execute("SELECT COUNT(*) FROM audits").fetchone() == (1,)
    finally:
        target.close()


def test_dry_run_changes_nothing(demo, tmp_path):
    path = _exported(demo, tmp_path)
    db = open_memory()
    result = import_audit(db, path, dry_run=True)
    assert not result.applied and result.added["cases"] > 0
    assert db.execute("SELECT COUNT(*) FROM audits").fetchone() == (0,)


def test_no_identifier_reaches_the_package_even_when_the_audit_keeps_them(demo, tmp_path):
    db = demo.db
    db.execute("UPDATE audits SET keep_identifiers = 1 WHERE id = 1")
    case_ids = [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id IN (SELECT id FROM cycles "
                                         "WHERE audit_id = 1) ORDER BY id LIMIT 3")]
    for case_id, nhs in zip(case_ids, NHS_NUMBERS, strict=True):
        db.execute("UPDATE cases SET nhs_number = ?, hospital_number = ?, patient_key = ? WHERE id = ?",
                   [nhs, f"RXH{nhs[-6:]}", "ab" * 32, case_id])
    db.execute("UPDATE cases SET case_ref = ? WHERE id = ?", [NHS_NUMBERS[0], case_ids[0]])
    db.execute("UPDATE actions SET evidence = ? WHERE audit_id = 1",
               [f"Checked with the ward for patient {NHS_NUMBERS[1][:3]} {NHS_NUMBERS[1][3:6]} {NHS_NUMBERS[1][6:]}"])
    db.conn.commit()
    from model.collect.pseudonym import key_path_for, load_or_create_key

    uid = db.execute("SELECT uid FROM audits WHERE id = 1").fetchone()[0]
    key = load_or_create_key(key_path_for(demo.path, uid))
    path = _exported(demo, tmp_path)
    data = path.read_bytes()
    for nhs in NHS_NUMBERS:
        for form in (nhs, f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}", f"RXH{nhs[-6:]}"):
            assert form.encode() not in data, form
    assert b"ab" * 32 in data  # the pseudonym travels, so the same patient still links across cycles
    assert key not in data and key.hex().encode() not in data  # the key stays beside the data file


def test_unknown_audit_is_a_known_error(demo, tmp_path):
    with pytest.raises(KnownError, match="does not exist"):
        export_audit(demo.db, 999, tmp_path / "x.auditloop", handover_note=NOTE)


# --- refusals ------------------------------------------------------------------------------------


def test_a_data_file_is_refused(demo, tmp_path):
    with pytest.raises(KnownError, match="AuditLoop data file"):
        read_package(demo.path)


def test_a_random_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(KnownError, match="another program"):
        read_package(path)


def test_a_zip_is_refused(tmp_path):
    path = tmp_path / "audit.auditloop"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "hello")
    with pytest.raises(KnownError, match="zip archive"):
        read_package(path)


def test_a_truncated_package_is_refused(demo, tmp_path):
    path = _exported(demo, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(KnownError, match="incomplete"):
        read_package(path)


def test_text_and_empty_files_are_refused(tmp_path):
    (tmp_path / "a.auditloop").write_text("hello, this is not a database at all\n" * 10)
    (tmp_path / "b.auditloop").write_bytes(b"")
    with pytest.raises(KnownError, match="not an SQLite"):
        read_package(tmp_path / "a.auditloop")
    with pytest.raises(KnownError, match="empty"):
        read_package(tmp_path / "b.auditloop")


def test_a_newer_package_is_refused(demo, tmp_path):
    path = _exported(demo, tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('auditloop', 'm999_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(NewerVersionFile, match="newer version"):
        read_package(path)


def test_an_older_package_is_upgraded_in_a_copy_never_in_place(tmp_path):
    path = tmp_path / "old.auditloop"
    db = Database(path)
    names = migrations.known_names()
    old = Migrations(migrations.MIGRATION_SET)
    for name in names[:-1]:
        old(name=name)(importlib.import_module(f"model.store.migrations.{name}").migrate)
    db.execute(f"PRAGMA application_id = {PACKAGE_APPLICATION_ID}")
    old.apply(db)
    for statement in PACKAGE_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    stamp = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    db["audits"].insert({"uid": "old-audit", "title": "Older", **stamp})
    db["cycles"].insert({"audit_id": 1, "number": 1, **stamp})
    db["package_info"].insert_all([{"key": "format_version", "value": "1"}, {"key": "schema_version", "value": "15"}])
    db["handover_note"].insert({"from_name": "Dr Old"})
    db.close()
    before = path.read_bytes()
    summary = read_package(path)
    assert summary.migrated and summary.note.from_name == "Dr Old" and summary.counts["cycles"] == 1
    receiver = open_memory()
    assert import_audit(receiver, path).applied
    assert receiver.execute("SELECT uuid IS NOT NULL FROM cycles").fetchone() == (1,)
    assert path.read_bytes() == before


def test_the_store_will_not_open_a_package_as_a_data_file(demo, tmp_path):
    path = _exported(demo, tmp_path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="audit package"):
        open_store(path)
    assert path.read_bytes() == before


def test_the_package_names_the_auditloop_version_that_wrote_it(demo, tmp_path):
    import sqlite3

    from model import __version__

    con = sqlite3.connect(_exported(demo, tmp_path))
    try:
        info = dict(con.execute("SELECT key, value FROM package_info").fetchall())
    finally:
        con.close()
    assert info["auditloop_version"] == __version__
