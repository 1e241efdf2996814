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

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from model.benchmark.benchmark_store import _stored_cells, values_for_measure
from model.core import settings
from model.store import migrations
from model.store.case_answers import PACKED_COLUMNS, Answer, pack, unpack, write_case_answers
from model.store.store import open_memory, open_store

NAMES = migrations.known_names()
STAMP = "2026-01-05T09:00:00+00:00"
OUTCOMES = ("met", "not_met", "exception", "missing")


def _database_at(path: Path, k: int) -> Database:
    """A file with only the first `k` known migrations applied, foreign keys on as the app has them."""
    db = Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    old = Migrations(migrations.MIGRATION_SET)
    for name in NAMES[:k]:
        old(name=name)(importlib.import_module(f"model.store.migrations.{name}").migrate)
    old.apply(db)
    return db


def _insert(db: Database, table: str, row: dict[str, object]) -> None:
    columns = ", ".join(row)
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def _answer(db: Database, case_id: int, criterion_id: int, answer: dict[str, object]) -> None:
    """One answer: a row of the answers table up to m007, packed on the case row from m008."""
    if db.execute("SELECT type FROM sqlite_master WHERE name = 'answers'").fetchone() == ("table",):
        _insert(db, "answers", {"case_id": case_id, "criterion_id": criterion_id, **answer})
    elif "answers_sum" in db["cases"].columns_dict:
        write_case_answers(db, case_id, {criterion_id: Answer(**answer)})  # type: ignore[arg-type]
    else:  # m008..m017: packed, without the sum m018 added
        row = db.execute(f"SELECT {', '.join(PACKED_COLUMNS)} FROM cases WHERE id = ?", [case_id]).fetchone()
        packed = pack(unpack(*row) | {criterion_id: Answer(**answer)})  # type: ignore[arg-type]
        db.execute(f"UPDATE cases SET {' , '.join(c + ' = ?' for c in PACKED_COLUMNS)} WHERE id = ?",
                   [*(packed[c] for c in PACKED_COLUMNS), case_id])


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


#: Columns holding SQLite INTEGERs among those m009 moved into blobs (read back as numpy numbers).
_INTEGER_COLUMNS = {"id", "dataset_id", "measure_id", "area_id", "period_id", "detail_id", "period_sortable",
                    "is_national", "source_row"}


def _as_sqlite(value: object, column: str) -> object:
    """A value decoded by numpy/pandas as sqlite3 would have returned it."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_ | np.integer) or (column in _INTEGER_COLUMNS and float(value).is_integer()):
        return int(value)
    return float(value) if isinstance(value, np.floating) else value


def _rows_moved_by_m009(db: Database, name: str, columns: tuple[str, ...]) -> list[tuple]:
    """benchmark_values (a view, earlier a table) and benchmark_cells became one blob row per measure
    in m009 (benchmark_columns); their rows are read back through the store instead of SQL."""
    measure_ids = [int(r[0]) for r in db.execute("SELECT id FROM benchmark_measures ORDER BY id")]
    if name == "benchmark_values":
        frames = [values_for_measure(db, m)[list(columns)] for m in measure_ids]
    else:
        cells = {m: _stored_cells(db, m)[1] for m in measure_ids}
        frames = [pd.DataFrame(c).assign(measure_id=m)[list(columns)] for m, c in cells.items() if c]
    rows = [row for f in frames for row in f.astype(object).itertuples(index=False, name=None)]
    return [tuple(_as_sqlite(v, c) for v, c in zip(row, columns, strict=True)) for row in rows]


def _same_rows(db: Database, before: dict[str, list[tuple]]) -> None:
    """The upgraded file still holds every row it held, in the columns it had (new columns aside)."""
    relations = set(db.table_names()) | set(db.view_names())
    for name, (columns, *rows) in before.items():
        if name in ("benchmark_values", "benchmark_cells") and name not in relations:
            after = sorted(_rows_moved_by_m009(db, name, columns), key=repr)
        else:
            quoted = ", ".join(f'"{c}"' for c in columns)
            after = sorted(db.execute(f'SELECT {quoted} FROM "{name}"').fetchall(), key=repr)
            if name == "settings":  # opening stamps the AuditLoop version (settings.stamp_version)
                after = [row for row in after if row[0] not in (settings.CREATED_BY_KEY, settings.OPENED_BY_KEY)]
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
    from model.core.errors import StoreError
    from model.store.case_answers import answers_long

    db = open_memory()
    try:
        _fill_core(db)
        db.execute("UPDATE cases SET outcomes = 'M' WHERE id = 2")  # one letter for two criteria
        with pytest.raises(StoreError, match="Case 2 has 1 answers stored for 2 criteria"):
            answers_long(db, [1])
    finally:
        db.close()


# --- m009: benchmark values as one blob row per measure ---------------------------------------------

_LONG = ("org code,org name,period,measure,numerator,denominator,value\n"
         "RA1,A,2024/25,m1,,,\nRA2,B,2023/24,m1,,,12.5\nRA3,C,,m1,,,\nRA1,A,2023/24,m2,3,4,75\nRA3,C,2023/24,m2,,,*\n")


def _values_as_m005_stored_them(db: Database, tmp_path: Path) -> None:
    """Two parsed files written into the m005 benchmark_values table, plus a measure without values."""
    from model.benchmark.benchmark_import import VALUE_COLUMNS, parse_file
    from tests.generators import generate_fingertips_csv

    (tmp_path / "long.csv").write_text(_LONG, encoding="utf-8")
    files = [generate_fingertips_csv(tmp_path / "f.csv", rows=1500, seed=3), tmp_path / "long.csv"]
    next_id = 1
    for dataset_id, path in enumerate(files, start=1):
        values = parse_file(path).values
        _insert(db, "benchmark_datasets", {"id": dataset_id, "file_name": path.name, "sha256": str(dataset_id),
                                           "format": "long", "imported_at": STAMP})
        codes = list(dict.fromkeys(values["measure_code"]))
        for offset, code in enumerate([*codes, "empty"]):
            _insert(db, "benchmark_measures", {"id": 10 * dataset_id + offset, "dataset_id": dataset_id,
                                               "measure_code": code, "scale": 100.0 if offset else None})
        frame = values[VALUE_COLUMNS].drop(columns="measure_code").astype(object)
        frame = frame.where(frame.notna(), None).assign(is_national=values["is_national"].astype(int))
        frame.insert(0, "measure_id", [10 * dataset_id + codes.index(c) for c in values["measure_code"]])
        frame.insert(0, "dataset_id", dataset_id)
        frame.insert(0, "id", range(next_id, next_id + len(frame)))
        next_id += len(frame) + 5  # a gap, as deletes leave
        marks = ", ".join("?" * frame.shape[1])
        with db.atomic():  # a bare executemany would leave its implicit transaction open
            db.conn.executemany(f"INSERT INTO benchmark_values ({', '.join(frame.columns)}) VALUES ({marks})",
                                frame.itertuples(index=False, name=None))


def _read_as_before_m009(db: Database, measure_id: int, period: str | None) -> pd.DataFrame:
    """values_for_measure as it was written against the benchmark_values view (m006–m008)."""
    where = "WHERE v.measure_id = ?" + (" AND v.period = ?" if period is not None else "")
    frame = pd.read_sql_query(
        f"SELECT v.*, m.measure_code, m.scale FROM benchmark_values v JOIN benchmark_measures m "
        f"ON m.id = v.measure_id {where} ORDER BY v.id",
        db.conn, params=[measure_id] + ([period] if period is not None else []),
    )
    frame["is_national"] = frame["is_national"].astype(bool)
    num = pd.to_numeric(frame["numerator"], errors="coerce")
    den = pd.to_numeric(frame["denominator"], errors="coerce")
    from_counts = num / den.where(den > 0)
    frame["proportion"] = from_counts.where(from_counts.notna(), frame["value"] / frame["scale"])
    return frame


def _periods_before_m009(db: Database, measure_id: int) -> list[str]:
    rows = db.execute("SELECT period, MIN(period_sortable) FROM benchmark_values WHERE measure_id = ? AND period "
                      "IS NOT NULL GROUP BY period ORDER BY MIN(period_sortable), MIN(id)", [measure_id])
    return [str(r[0]) for r in rows]


def test_m009_values_read_back_identically_through_the_store(tmp_path):
    from model.benchmark.benchmark_import import parse_file
    from model.benchmark.benchmark_store import periods_for_measure, save_dataset

    path = tmp_path / "old.sqlite"
    db = _database_at(path, NAMES.index("m006_benchmark_links_period"))
    _values_as_m005_stored_them(db, tmp_path)
    earlier = Migrations(migrations.MIGRATION_SET)  # up to the last migration before m009 (m006 moves the rows)
    for name in NAMES[:NAMES.index("m009_benchmark_columns")]:
        earlier(name=name)(importlib.import_module(f"model.store.migrations.{name}").migrate)
    earlier.apply(db)
    measure_ids = [int(r[0]) for r in db.execute("SELECT id FROM benchmark_measures ORDER BY id")]
    periods = {m: _periods_before_m009(db, m) for m in measure_ids}
    expected = {(m, p): _read_as_before_m009(db, m, p) for m in measure_ids for p in [None, *periods[m], "none"]}
    assert sum(len(f) for (_, p), f in expected.items() if p is None) == 1505
    db.close()
    store = open_store(path)
    try:
        upgraded = store.db
        assert "benchmark_values" not in upgraded.view_names() and "benchmark_cells" not in upgraded.table_names()
        assert upgraded["benchmark_columns"].count == 5  # one row per measure with values
        for (measure_id, period), frame in expected.items():
            pd.testing.assert_frame_equal(values_for_measure(upgraded, measure_id, period), frame, check_exact=True)
        assert {m: periods_for_measure(upgraded, m) for m in measure_ids} == periods
        # New values get ids above every moved one.
        last = int(upgraded.execute("SELECT MAX(last_id) FROM benchmark_columns").fetchone()[0])
        new = save_dataset(upgraded, parse_file(tmp_path / "long.csv"))
        new_ids = [i for m in upgraded.execute("SELECT id FROM benchmark_measures WHERE dataset_id = ?", [new])
                   for i in values_for_measure(upgraded, int(m[0]))["id"]]
        assert last == 1505 + 5 and min(new_ids) == last + 1
    finally:
        store.close()


def test_m019_keeps_the_reports_and_records_every_kind_of_document(tmp_path):
    path = tmp_path / "m016.sqlite"
    db = _database_at(path, NAMES.index("m019_generated_documents"))
    _fill_core(db)
    _insert(db, "generated_reports", {"cycle_id": 1, "version": 1, "created_at": STAMP, "format": "pdf",
                                      "sha256": "ab" * 32, "status": "final", "path_name": "r.pdf"})
    uid = db.execute("SELECT uuid FROM generated_reports").fetchone()[0]
    db.close()
    store = open_store(path)
    try:
        db = store.db
        assert db.execute("SELECT kind, status, uuid FROM generated_reports").fetchall() == [("report", "final", uid)]
        _insert(db, "generated_reports", {"cycle_id": 1, "kind": "summary", "version": 1, "created_at": STAMP,
                                          "format": "png", "sha256": "cd" * 32, "status": "", "path_name": "s.png"})
        assert db.execute("SELECT uuid FROM generated_reports WHERE kind = 'summary'").fetchone()[0]  # the trigger
        with pytest.raises(sqlite3.IntegrityError):  # a report is always draft or final
            _insert(db, "generated_reports", {"cycle_id": 1, "version": 2, "created_at": STAMP, "format": "pdf",
                                              "sha256": "ef" * 32, "status": ""})
        with pytest.raises(sqlite3.IntegrityError):
            _insert(db, "generated_reports", {"cycle_id": 1, "kind": "letter", "version": 1, "created_at": STAMP,
                                              "format": "pdf", "sha256": "ef" * 32, "status": ""})
    finally:
        store.close()
