"""Upgrading a data file from every schema version this AuditLoop knows.

The fixture databases are generated, not committed: for each migration k, a file with only
migrations 1..k applied (as the AuditLoop that shipped migration k left it) is filled with
representative rows and opened with `open_store`, which backs it up and migrates it.
Every table and view it had must still hold the same rows in the same columns afterwards;
a future migration that removes data on purpose has to say so in `_same_rows`.
"""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from model import migrations
from model.case_answers import Answer, write_case_answers
from model.store import open_memory, open_store

NAMES = migrations.known_names()
STAMP = "2026-01-05T09:00:00+00:00"
OUTCOMES = ("met", "not_met", "exception", "missing")


def _database_at(path: Path, k: int) -> Database:
    """A file with only the first `k` known migrations applied, foreign keys on as the app has them."""
    db = Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    old = Migrations(migrations.MIGRATION_SET)
    for name in NAMES[:k]:
        old(name=name)(importlib.import_module(f"model.migrations.{name}").migrate)
    old.apply(db)
    return db


def _insert(db: Database, table: str, row: dict[str, object]) -> None:
    columns = ", ".join(row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _answer(db: Database, case_id: int, criterion_id: int, answer: dict[str, object]) -> None:
    """One answer: a row of the answers table up to m007, packed on the case row from m008."""
    if db.execute("SELECT type FROM sqlite_master WHERE name = 'answers'").fetchone() == ("table",):
        _insert(db, "answers", {"case_id": case_id, "criterion_id": criterion_id, **answer})
    else:
        write_case_answers(db, case_id, {criterion_id: Answer(**answer)})  # type: ignore[arg-type]


def _fill_core(db: Database) -> None:
    """An audit, a cycle, two criteria, an import, three cases and their answers (all m001 tables)."""
    stamp = {"created_at": STAMP, "updated_at": STAMP}
    _insert(db, "standards", {"id": 1, "uid": "std-1", "title": "NICE NG51", **stamp})
    _insert(db, "audits", {"id": 1, "uid": "aud-1", "title": "Sepsis on AMU", "standard_id": 1, **stamp})
    _insert(db, "cycles", {"id": 1, "audit_id": 1, "number": 1, "period_start": "2026-01-01",
                           "period_end": "2026-03-31", **stamp})
    _insert(db, "criteria", {"id": 1, "cycle_id": 1, "lineage": "L1", "position": 0,
                             "short_name": "Screening", "target": 95, **stamp})
    _insert(db, "criteria", {"id": 2, "cycle_id": 1, "lineage": "L2", "position": 1, "short_name": "Antibiotics",
                             "answer_type": "time_diff", "threshold": 60, **stamp})
    _insert(db, "imports", {"id": 1, "cycle_id": 1, "file_name": "ward.xlsx", "sha256": "ab" * 32,
                            "imported_at": STAMP, "case_count": 3})
    for case_id in (1, 2, 3):
        _insert(db, "cases", {"id": case_id, "cycle_id": 1, "case_ref": f"C{case_id}", "age": 70 + case_id,
                              "imd_decile": case_id, "ward": "AMU", "case_date": "2026-01-0" + str(case_id),
                              "import_id": 1, "source_row": case_id + 1, **stamp})
        _answer(db, case_id, 1, {"outcome": OUTCOMES[case_id - 1], "raw": ["Yes", "No", "N/A"][case_id - 1]})
        _answer(db, case_id, 2, {"outcome": OUTCOMES[case_id % 4], "raw": str(30 * case_id),
                                 "value": 30.0 * case_id})
    _insert(db, "recommendations", {"id": 1, "audit_id": 1, "cycle_id": 1, "text": "Teach the screening tool",
                                    **stamp})
    _insert(db, "actions", {"id": 1, "audit_id": 1, "recommendation_id": 1, "text": "Sepsis teaching", **stamp})


def _fill_benchmarks(db: Database) -> None:
    """A national dataset with one measure, one value (while benchmark_values is a table) and a link."""
    _insert(db, "benchmark_datasets", {"id": 1, "file_name": "fingertips.csv", "sha256": "cd" * 32,
                                       "format": "fingertips", "imported_at": STAMP})
    _insert(db, "benchmark_measures", {"id": 1, "dataset_id": 1, "measure_code": "92443", "name": "Sepsis"})
    if db.execute("SELECT type FROM sqlite_master WHERE name = 'benchmark_values'").fetchone() == ("table",):
        _insert(db, "benchmark_values", {"id": 1, "dataset_id": 1, "measure_id": 1, "org_code": "RXX",
                                         "org_name": "A Trust", "area_type": "NHS trust", "period": "2024/25",
                                         "period_sortable": 20240000, "numerator": 45.0, "denominator": 50.0,
                                         "value": 90.0, "source_row": 2})
    _insert(db, "benchmark_links", {"audit_id": 1, "criterion_lineage": "L1", "measure_id": 1,
                                    "created_at": STAMP})


def _snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every user table and view, rows sorted, with their column names first."""
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                      "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'")]
    out = {}
    for name in names:
        cursor = db.execute(f'SELECT * FROM "{name}"')
        out[name] = [tuple(d[0] for d in cursor.description), *sorted(cursor.fetchall(), key=repr)]
    return out


def _schema(db: Database) -> list[tuple]:
    return db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def _fresh_schema() -> list[tuple]:
    db = open_memory()
    try:
        return _schema(db)
    finally:
        db.close()


def _same_rows(db: Database, before: dict[str, list[tuple]]) -> None:
    """The upgraded file still holds every row it held, in the columns it had (new columns aside)."""
    for name, (columns, *rows) in before.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        after = sorted(db.execute(f'SELECT {quoted} FROM "{name}"').fetchall(), key=repr)
        assert after == rows, name


@pytest.mark.parametrize("k", range(1, len(NAMES)), ids=NAMES[:-1])
def test_every_schema_version_upgrades_with_rows_intact(tmp_path, k):
    path = tmp_path / "old.sqlite"
    db = _database_at(path, k)
    _fill_core(db)
    if "benchmark_datasets" in db.table_names():
        _fill_benchmarks(db)
    before = _snapshot(db)
    db.close()
    store = open_store(path)
    try:
        upgraded = store.db
        assert migrations.pending(upgraded) == []
        assert [r[0] for r in upgraded.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")] == NAMES
        _same_rows(upgraded, before)
        assert _schema(upgraded) == _fresh_schema()  # as if the file had been made today
        assert store.backup is not None and store.backup.exists()
        assert store.backup.parent == tmp_path / "backups"
        backup = Database(store.backup)
        assert migrations.pending(backup) == NAMES[k:]  # the backup is the file before the upgrade
        assert backup["answers"].count == 6
        backup.close()
        assert upgraded.execute("PRAGMA foreign_key_check").fetchall() == []
        assert upgraded.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert upgraded.execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        store.close()


def test_current_file_opens_without_a_backup(tmp_path):
    path = tmp_path / "current.sqlite"
    db = _database_at(path, len(NAMES))
    _fill_core(db)
    _fill_benchmarks(db)
    before = _snapshot(db)
    db.close()
    store = open_store(path)
    try:
        assert store.backup is None and not (tmp_path / "backups").exists()
        _same_rows(store.db, before)
    finally:
        store.close()


@pytest.fixture
def before_m008(tmp_path) -> Path:
    """A file at the last schema before m008 (one answers row per case and criterion), filled."""
    path = tmp_path / "m007.sqlite"
    db = _database_at(path, NAMES.index("m008_packed_answers"))
    _fill_core(db)
    _fill_benchmarks(db)
    db.close()
    return path


EXPECTED_ANSWERS = [(1, 1, "met", "Yes", None), (1, 2, "not_met", "30", 30.0),
                    (2, 1, "not_met", "No", None), (2, 2, "exception", "60", 60.0),
                    (3, 1, "exception", "N/A", None), (3, 2, "missing", "90", 90.0)]


def test_m008_packs_answers_on_the_cases_and_keeps_the_view(before_m008):
    store = open_store(before_m008)
    db = store.db
    try:
        assert db.execute("SELECT type FROM sqlite_master WHERE name = 'answers'").fetchone() == ("view",)
        assert db.execute("SELECT case_id, criterion_id, outcome, raw, value FROM answers ORDER BY 1, 2").fetchall() \
            == EXPECTED_ANSWERS
        assert db.execute("SELECT answer_criteria, outcomes, answer_raws, answer_values FROM cases WHERE id = 1"
                          ).fetchone() == ("1,2", "MN", '["Yes", "30"]', "[null, 30.0]")
        db.execute("DELETE FROM cases WHERE id = 2")  # a case's answers go with it
        assert db.execute("SELECT DISTINCT case_id FROM answers ORDER BY 1").fetchall() == [(1,), (3,)]
        db.execute("DELETE FROM criteria WHERE id = 1")  # and a criterion's, from every case (trigger)
        assert db.execute("SELECT case_id, criterion_id, outcome, raw, value FROM answers ORDER BY 1").fetchall() \
            == [(1, 2, "not_met", "30", 30.0), (3, 2, "missing", "90", 90.0)]
        assert db.execute("SELECT answer_criteria, outcomes FROM cases WHERE id = 3").fetchone() == ("2", "-")
        db.execute("DELETE FROM audits WHERE id = 1")  # the whole audit cascades down to its answers
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone() == (0,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        store.close()


def test_m008_check_refuses_letters_that_are_not_outcomes():
    db = open_memory()
    try:
        _fill_core(db)
        for good in ("MN", "E-", "--"):
            db.execute("UPDATE cases SET outcomes = ? WHERE id = 1", [good])
        for wrong in ("MX", "mn", "M "):
            with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
                db.execute("UPDATE cases SET outcomes = ? WHERE id = 1", [wrong])
        db.execute("UPDATE cases SET answer_criteria = '', outcomes = '', answer_raws = NULL WHERE id = 1")
        assert db.execute("SELECT COUNT(*) FROM answers WHERE case_id = 1").fetchone() == (0,)
    finally:
        db.close()


def test_deleting_a_middle_criterion_cuts_it_out_of_every_array():
    db = open_memory()
    try:
        _fill_core(db)
        _insert(db, "criteria", {"id": 3, "cycle_id": 1, "lineage": "L3", "position": 2, "short_name": "Lactate",
                                 "created_at": STAMP, "updated_at": STAMP})
        write_case_answers(db, 1, {3: Answer("met", "y", 2.5)})
        assert db.execute("SELECT answer_criteria, outcomes, answer_raws, answer_values FROM cases WHERE id = 1"
                          ).fetchone() == ("1,2,3", "MNM", '["Yes", "30", "y"]', "[null, 30.0, 2.5]")
        db.execute("DELETE FROM criteria WHERE id = 2")
        assert db.execute("SELECT answer_criteria, outcomes, answer_raws, answer_values FROM cases WHERE id = 1"
                          ).fetchone() == ("1,3", "MM", '["Yes","y"]', "[null,2.5]")
        assert db.execute("SELECT criterion_id, outcome, raw, value FROM answers WHERE case_id = 1 ORDER BY 1"
                          ).fetchall() == [(1, "met", "Yes", None), (3, "met", "y", 2.5)]
    finally:
        db.close()


def test_answers_of_a_case_that_do_not_match_its_criteria_are_a_store_error():
    from model.case_answers import answers_long
    from model.errors import StoreError

    db = open_memory()
    try:
        _fill_core(db)
        db.execute("UPDATE cases SET outcomes = 'M' WHERE id = 2")  # one letter for two criteria
        with pytest.raises(StoreError, match="Case 2 has 1 answers stored for 2 criteria"):
            answers_long(db, [1])
    finally:
        db.close()
