"""Importing cases from a spreadsheet into a cycle: plan (pure) → commit (one transaction).

`plan_import` (``model.collect.import_plan``) turns a `SheetTable` plus the user's column
mapping (``model.collect.import_mapping``) and decisions into the rows to store, per-criterion
counts and the problems found (``model.collect.import_checks``), without touching the database
except to read the cycle's criteria and existing case references. `commit_import`, here,
stores a plan all-or-nothing (`db.atomic()`), so a failure or a Cancel half-way leaves no
trace. This module also keeps the record of past imports, and re-exports the public names of
the other import modules so one import serves a script or the import wizard.

Mapping targets ("ignore", a case field, "criterion:<lineage>") are described in
``model.collect.import_mapping``; how identifiers are validated and pseudonymised (DOMAIN.md
§10) in ``model.collect.import_checks``.

Full pipeline from a script (what bench/ should time)::

    from model.collect.sheets import read_table
    from model.collect.case_import import auto_mapping, commit_import, file_sha256, plan_import
    table = read_table(path)
    mapping = auto_mapping(db, cycle_id, table)
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=key)
    commit_import(db, cycle_id, plan, file_name=path.name, sha256=file_sha256(path))
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.demographics import age_band, imd_quintile_from_decile
from model.collect.import_checks import ROW_DROPPED, VALUE_DROPPED, VALUE_KEPT, WITHHELD
from model.collect.import_mapping import (
    CASE_FIELDS,
    CRITERION_PREFIX,
    IGNORE,
    auto_mapping,
    criterion_target,
    identifying_warnings,
    list_profiles,
    load_profile,
    save_profile,
    table_at_header,
)
from model.collect.import_plan import (
    OUTCOME_COLUMNS,
    ImportPlan,
    plan_import,
    proposed_merges,
    rejected_csv,
    unrecognised_values,
)
from model.collect.value_merge import remember_merges
from model.core import sql_values  # noqa: F401  # numpy scalars bind as numbers
from model.core.progress import Progress, report
from model.core.util import now_iso, saved
from model.store.case_answers import pack_columns

__all__ = [
    "BATCH_ROWS",
    "CASE_FIELDS",
    "CRITERION_PREFIX",
    "IGNORE",
    "OUTCOME_COLUMNS",
    "ROWS_PER_STATEMENT",
    "ROW_DROPPED",
    "VALUE_DROPPED",
    "VALUE_KEPT",
    "WITHHELD",
    "ImportPlan",
    "auto_mapping",
    "commit_import",
    "criterion_target",
    "file_sha256",
    "find_previous_import",
    "identifying_warnings",
    "list_imports",
    "list_profiles",
    "load_profile",
    "plan_import",
    "proposed_merges",
    "rejected_csv",
    "save_profile",
    "table_at_header",
    "unrecognised_values",
]

BATCH_ROWS = 20_000
ROWS_PER_STATEMENT = 500


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (re-imports of the same file are recognised by it)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_previous_import(db: Database, cycle_id: int, sha256: str) -> int | None:
    """The id of an earlier import of the same file into this cycle, if any."""
    row = db.execute("SELECT id FROM imports WHERE cycle_id = ? AND sha256 = ? ORDER BY id DESC LIMIT 1",
                     [cycle_id, sha256]).fetchone()
    return None if row is None else int(row[0])


_CASE_COLUMNS = ("id", "cycle_id", "case_ref", "patient_key", "nhs_number", "hospital_number", "age", "age_band",
                 "sex", "ethnicity", "imd_decile", "imd_quintile", "ward", "site", "team", "case_date", "collector",
                 "import_id", "source_row", "created_at", "updated_at", "uuid")


def new_uuids(count: int) -> list[str]:
    """`count` unique ids of 32 hex digits (the form m016's trigger writes): an 80-bit random
    prefix for the batch, then a counter. In order within the batch, so the unique index on
    `cases.uuid` grows at its end instead of splitting pages at random (0.45 s of a
    100,000-case import with fully random ids)."""
    prefix = os.urandom(10).hex()
    return [f"{prefix}{i:012x}" for i in range(count)]


def _case_rows(plan: ImportPlan, cycle_id: int, import_id: int, first_id: int) -> pd.DataFrame:
    """The plan's cases as table rows, numbered from `first_id` (blanks are turned into NULL by `_insert`)."""
    cases = plan.cases.copy()
    stamp = now_iso()
    cases["cycle_id"], cases["import_id"], cases["created_at"], cases["updated_at"] = cycle_id, import_id, stamp, stamp
    cases["id"] = np.arange(first_id, first_id + len(cases), dtype=np.int64)
    # Each case's uuid (m016) is made here: the insert trigger that fills a missing one runs an
    # UPDATE per row, which nearly doubled the time of a 100,000-case import.
    cases["uuid"] = new_uuids(len(cases))
    if "age" in cases:
        cases["age_band"] = age_band(cases["age"]).astype(object)
    if "imd_decile" in cases:
        cases["imd_quintile"] = imd_quintile_from_decile(cases["imd_decile"])
    for column in _CASE_COLUMNS:
        if column not in cases:
            cases[column] = None
    rows = cases[list(_CASE_COLUMNS)]
    for column, values in pack_columns(plan.answer_columns, len(cases)).items():
        rows[column] = values  # the answers ride on the case rows (model.store.case_answers)
    return rows


def _sql_values(column: pd.Series) -> tuple[np.ndarray, bool]:
    """A column as the Python objects sqlite3 binds: int/float/str, None for blank (never NaN),
    and whether any value is not blank (one pass to find the blanks serves both)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return column.to_numpy().astype(object), len(column) > 0  # numpy hands over Python ints
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
        numbers = column.to_numpy()
        filled = ~np.isnan(numbers)
        out = np.full(len(numbers), None, dtype=object)
        out[filled] = numbers[filled].tolist()  # Python floats, made only for the filled cells
        return out, bool(filled.any())
    blank = column.isna().to_numpy()
    out = column.to_numpy(dtype=object, copy=True)
    out[blank] = None
    return out, not blank.all()


def _constant(values: np.ndarray) -> tuple[object] | None:
    """(value,) for a column holding one int or text value throughout, else None."""
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, int | str) or not (values == first).all():
        return None
    return (first,)


def _rows_sql(rows: int, columns: int, constants: int) -> str:
    """``(?1, ?2, ?9), (?3, ?4, ?9)``: `rows` rows of numbered parameters, each row's own values
    first, then the constants, bound once per statement and shared by every row."""
    shared = [f"?{rows * columns + k + 1}" for k in range(constants)]
    return ", ".join("(" + ", ".join([f"?{r * columns + j + 1}" for j in range(columns)] + shared) + ")"
                     for r in range(rows))


def _insert(db: Database, table: str, frame: pd.DataFrame, progress: Progress | None, done: int, total: int,
            text: str) -> int:
    """Insert a frame with multi-row VALUES statements, BATCH_ROWS rows between progress reports.

    One statement per row (plain executemany) runs SQLite's per-statement set-up for every
    row: multi-row statements cost half as much. The rows are laid out one batch at a time in
    a small reused buffer rather than all at once. Each report is a cancellation point
    (Cancel rolls everything back).
    """
    count = len(frame)
    if not count:
        return done
    values = {column: _sql_values(frame[column]) for column in frame.columns}
    # An empty column whose default is NULL anyway is left out: fewer values to bind.
    no_default = {r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[4] is None}
    kept = [c for c, (_v, filled) in values.items() if c not in no_default or filled] or list(values)[:1]
    # A column with one value throughout (cycle, import, time stamps, criteria list) is bound
    # once per statement instead of once per row. Every value is bound, never written into the
    # SQL: any text (a quote, a NUL character) is stored as it is.
    constants = {c: one[0] for c in kept if count > 1 and (one := _constant(values[c][0])) is not None}
    columns = [c for c in kept if c not in constants]
    shared = list(constants.values())
    limit = db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(shared)
    per = max(1, min(ROWS_PER_STATEMENT, limit // max(len(columns), 1)))
    head = f"INSERT INTO {table} ({', '.join([*columns, *constants])}) VALUES "
    buffer = np.empty((min(BATCH_ROWS, count), len(columns)), dtype=object)
    for start in range(0, count, BATCH_ROWS):
        report(progress, done, total, text)
        batch = buffer[:min(BATCH_ROWS, count - start)]
        for j, column in enumerate(columns):
            batch[:, j] = values[column][0][start:start + len(batch)]
        full = len(batch) // per * per
        if full:
            rows = batch[:full].reshape(-1, per * len(columns)).tolist()
            db.conn.executemany(head + _rows_sql(per, len(columns), len(shared)),
                                [row + shared for row in rows] if shared else rows)
        if full < len(batch):
            db.conn.execute(head + _rows_sql(len(batch) - full, len(columns), len(shared)),
                            batch[full:].ravel().tolist() + shared)
        done += len(batch)
    return done


def _delete_import(db: Database, import_id: int) -> None:
    """Remove an earlier import: its cases (answers with them) and its record."""
    db.execute("DELETE FROM cases WHERE import_id = ?", [import_id])
    db.execute("DELETE FROM imports WHERE id = ?", [import_id])


def commit_import(db: Database, cycle_id: int, plan: ImportPlan, *, file_name: str, sha256: str,
                  replace_import_id: int | None = None, progress: Progress | None = None) -> int:
    """Store a plan all-or-nothing and record the import; returns the new import's id.

    When `replace_import_id` is given, that import's cases are deleted first, in the same
    transaction. A failure or Cancel (`progress` raising `Cancelled`) leaves the database
    exactly as it was.
    """
    replace_import_id = replace_import_id if replace_import_id is not None else plan.replace_import_id
    total = len(plan.cases)
    with db.atomic():
        if replace_import_id is not None:
            _delete_import(db, replace_import_id)
        cursor = db.execute(
            "INSERT INTO imports (cycle_id, file_name, sha256, sheet, header_row, imported_at, case_count, "
            "mapping_json, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [cycle_id, file_name, sha256, plan.sheet, plan.header_row, now_iso(), plan.case_count,
             json.dumps(plan.mapping, ensure_ascii=False), json.dumps(plan.report(), ensure_ascii=False)])
        import_id = saved(cursor.lastrowid)
        # The cases are numbered here, as SQLite would number them (after the highest id), so
        # their ids need not be read back: the transaction holds the write lock throughout.
        first_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM cases").fetchone()[0]
        rows = _case_rows(plan, cycle_id, import_id, first_id)
        _insert(db, "cases", rows, progress, 0, total, "Storing cases…")
        for field_name, spellings in plan.merges.items():  # the user's merges, for the next import
            remember_merges(db, field_name, spellings)
        report(progress, total, total, "Finishing…")
    return import_id


def list_imports(db: Database, cycle_id: int) -> list[dict[str, object]]:
    """The cycle's imports, newest first (id, file_name, imported_at, case_count, report)."""
    rows = db.query("SELECT id, file_name, sheet, imported_at, case_count, report_json FROM imports "
                    "WHERE cycle_id = ? ORDER BY id DESC", [cycle_id])
    return [{**{k: v for k, v in r.items() if k != "report_json"}, "report": json.loads(r["report_json"] or "{}")}
            for r in rows]
