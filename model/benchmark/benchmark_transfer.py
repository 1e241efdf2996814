"""Carrying national values from one file to another (an audit package: model.report.handover).

`copy_measures` adds to `dst` the national datasets `src` holds for the given measures: a
dataset `dst` already has (same file SHA-256) is reused, its measures matched by code; another
is added with new ids, its lookup rows (areas, periods, details) renumbered and the values'
blobs rewritten to point at them. Call inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.benchmark.benchmark_codec import _LOOKUPS, _decode, _encode


def copy_measures(src: Database, dst: Database, measure_ids: Iterable[int]) -> dict[int, int]:
    """The national values of `measure_ids` (ids in `src`) added to `dst`; src id -> dst id."""
    wanted = sorted(set(measure_ids))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = src.execute(f"SELECT id, dataset_id, measure_code FROM benchmark_measures WHERE id IN ({marks})",
                       wanted).fetchall()
    mapped: dict[int, int] = {}
    for dataset_id in sorted({int(r[1]) for r in rows}):
        codes = {str(code): int(mid) for mid, ds, code in rows if int(ds) == dataset_id}
        sha = str(src.execute("SELECT sha256 FROM benchmark_datasets WHERE id = ?", [dataset_id]).fetchone()[0])
        found = dst.execute("SELECT id FROM benchmark_datasets WHERE sha256 = ? ORDER BY id LIMIT 1", [sha]).fetchone()
        if found is not None:
            here = {str(c): int(i) for i, c in dst.execute(
                "SELECT id, measure_code FROM benchmark_measures WHERE dataset_id = ?", [found[0]])}
            missing = {c: i for c, i in codes.items() if c not in here}
            mapped |= {i: here[c] for c, i in codes.items() if c in here}
            if missing:
                mapped |= _add_measures(src, dst, int(found[0]), missing, _same_lookups(src, dst, dataset_id,
                                                                                       int(found[0])))
            continue
        new_id = _copy_row(src, dst, "benchmark_datasets", "id = ?", [dataset_id], {"id": None})
        lookups = {table: _copy_lookup(src, dst, table, dataset_id, new_id) for table, _col, _cols in _LOOKUPS}
        mapped |= _add_measures(src, dst, new_id, codes, lookups)
    return mapped


def _copy_row(src: Database, dst: Database, table: str, where: str, args: list[object],
              replace: dict[str, object]) -> int:
    cursor = src.execute(f"SELECT * FROM {table} WHERE {where}", args)
    names = [d[0] for d in cursor.description]
    values = dict(zip(names, cursor.fetchone(), strict=True))
    for column, value in replace.items():
        if value is None:
            values.pop(column, None)
        else:
            values[column] = value
    quoted = ", ".join(f'"{c}"' for c in values)
    inserted = dst.execute(f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(values))})",
                           list(values.values()))
    return int(inserted.lastrowid or 0)


def _copy_lookup(src: Database, dst: Database, table: str, dataset_id: int, new_dataset: int) -> dict[int, int]:
    """The dataset's rows of one lookup table, renumbered after dst's highest id; old id -> new id."""
    columns = next(cols for name, _c, cols in _LOOKUPS if name == table)
    rows = src.execute(f"SELECT id, {', '.join(columns)} FROM {table} WHERE dataset_id = ? ORDER BY id",
                       [dataset_id]).fetchall()
    first = int(dst.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])
    ids = {int(row[0]): first + n for n, row in enumerate(rows)}
    dst.conn.executemany(f"INSERT INTO {table} (id, dataset_id, {', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * (len(columns) + 2))})",
                         [(ids[int(row[0])], new_dataset, *row[1:]) for row in rows])
    return ids


def _same_lookups(src: Database, dst: Database, src_dataset: int, dst_dataset: int) -> dict[str, dict[int, int]]:
    """Lookup ids of two copies of the same dataset, matched by their text."""
    out: dict[str, dict[int, int]] = {}
    for table, _col, columns in _LOOKUPS:
        select = f"SELECT id, {', '.join(columns)} FROM {table} WHERE dataset_id = ?"
        here = {tuple(r[1:]): int(r[0]) for r in dst.execute(select, [dst_dataset])}
        out[table] = {int(r[0]): here.get(tuple(r[1:]), -1) for r in src.execute(select, [src_dataset])}
    return out


def _add_measures(src: Database, dst: Database, dataset_id: int, codes: dict[str, int],
                  lookups: dict[str, dict[int, int]]) -> dict[int, int]:
    mapped = {}
    for _code, measure_id in sorted(codes.items()):
        new_id = _copy_row(src, dst, "benchmark_measures", "id = ?", [measure_id], {"id": None,
                                                                                   "dataset_id": dataset_id})
        mapped[measure_id] = new_id
        row = src.execute("SELECT row_count, last_id, layout, data FROM benchmark_columns WHERE measure_id = ?",
                          [measure_id]).fetchone()
        if row is None:
            continue
        count, last_id, layout, data = int(row[0]), int(row[1]), str(row[2]), bytes(row[3])
        arrays = dict(_decode(layout, data, count))
        for table, column, _cols in _LOOKUPS:
            if column in arrays and lookups.get(table):
                old = arrays[column].astype(np.int64)
                keys = np.fromiter(lookups[table].keys(), dtype=np.int64)
                values = np.fromiter(lookups[table].values(), dtype=np.int64)
                where = pd.Index(keys).get_indexer(old)
                arrays[column] = np.where(where >= 0, values[where], old)
        new_layout, blob = _encode(arrays)
        dst.execute("INSERT INTO benchmark_columns (measure_id, row_count, last_id, layout, data) "
                    "VALUES (?, ?, ?, ?, ?)", [new_id, count, last_id, new_layout, blob])
    return mapped
