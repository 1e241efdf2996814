"""Store and query national benchmark datasets; saved column mappings; links to audit criteria.

A dataset is one imported file (`ParsedBenchmark`), saved all-or-nothing. Importing the same
bytes again (same SHA-256) is refused unless `replace=True`, which swaps the old copy for the
new one in one transaction and keeps criterion links pointing at the same measure codes.

Transactions use `db.atomic()`: with sqlite-utils 4 a write through `db.execute` outside an
open transaction commits at once, so a bare `with db.conn:` would not make the import atomic.

How values are packed into their rows is `model.benchmark.benchmark_codec`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.benchmark.benchmark_codec import (
    _LOOKUPS,
    _NUMBER_COLUMNS,
    VALUE_VIEW_COLUMNS,
    _decode,
    _distinct_rows,
    _encode,
)
from model.benchmark.benchmark_parsed import ParsedBenchmark, WideMapping
from model.core import sql_values  # noqa: F401  # numpy scalars bind as numbers
from model.core.errors import KnownError
from model.store.rows import inserted_id


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- Datasets --------------------------------------------------------------------------------


def find_dataset_by_sha(db: Database, sha256: str) -> int | None:
    """The id of a stored dataset with these bytes, or None."""
    row = db.execute(
        "SELECT id FROM benchmark_datasets WHERE sha256 = ? ORDER BY id LIMIT 1", [sha256]
    ).fetchone()
    return int(row[0]) if row else None


def save_dataset(
    db: Database, parsed: ParsedBenchmark, *, profile_name: str | None = None, replace: bool = False
) -> int:
    """Store a parsed file: dataset, measures and values, all or nothing.

    Args:
        db: the store.
        parsed: the parser's result.
        profile_name: the saved column mapping used, if any (recorded for provenance).
        replace: when the same file (SHA-256) was imported before, replace it instead of refusing.

    Returns:
        The new dataset id.

    Raises:
        KnownError: when the file was imported before and `replace` is False.
    """
    previous = find_dataset_by_sha(db, parsed.provenance.sha256)
    if previous is not None and not replace:
        when = db.execute("SELECT imported_at FROM benchmark_datasets WHERE id = ?", [previous]).fetchone()[0]
        raise KnownError(
            f"This file was already imported on {when[:10]}.",
            where=parsed.provenance.file_name,
            hint="Use the stored copy, or choose Replace to import it again.",
        )
    with db.atomic():
        dataset_id = _insert_dataset(db, parsed, profile_name)
        measure_ids = _insert_measures(db, dataset_id, parsed.measures)
        _insert_values(db, dataset_id, measure_ids, parsed.values)
        if previous is not None:
            _repoint_links(db, previous, measure_ids)
            _delete(db, previous)
    return dataset_id


def _insert_dataset(db: Database, parsed: ParsedBenchmark, profile_name: str | None) -> int:
    prov = parsed.provenance
    record = {
        "file_name": prov.file_name,
        "sha256": prov.sha256,
        "format": parsed.format,
        "publisher": prov.publisher,
        "title": prov.title,
        "encoding": prov.encoding,
        "periods_json": json.dumps(list(prov.periods)),
        "area_types_json": json.dumps(list(prov.area_types)),
        "mapping_json": json.dumps(parsed.mapping.to_dict()) if parsed.mapping else None,
        "profile_name": profile_name,
        "row_count": len(parsed.values),
        "suppressed_count": parsed.suppressed_count,
        "imported_at": _now(),
    }
    return int(inserted_id(db.table("benchmark_datasets").insert(record)))


def _insert_measures(db: Database, dataset_id: int, measures: pd.DataFrame) -> dict[str, int]:
    ids = {}
    for m in measures.itertuples(index=False):
        scale = None if m.scale is None or (isinstance(m.scale, float) and math.isnan(m.scale)) else m.scale
        record = {
            "dataset_id": dataset_id,
            "measure_code": str(m.measure_code),
            "name": str(m.name),
            "unit": m.unit or "",
            "kind": m.kind or "unknown",
            "scale": scale,
        }
        ids[str(m.measure_code)] = int(inserted_id(db.table("benchmark_measures").insert(record)))
    return ids


def _as_sql_value(values: np.ndarray) -> list[Any]:
    """Python values for sqlite3: None for a blank, numpy numbers as Python int/float."""
    objects = values.astype(object)
    objects[pd.isna(values)] = None
    listed: list[Any] = objects.tolist()
    return listed


def _insert_lookup(db: Database, dataset_id: int, table: str, columns: Sequence[str], values: pd.DataFrame
                   ) -> np.ndarray:
    """Store each distinct combination of `columns` once; return every value row's lookup id."""
    key, firsts = _distinct_rows(values, columns)
    first_id = int(db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])
    # Only the first row of each combination is converted: a few thousand values, not 100,000.
    records = zip(
        (np.arange(len(firsts)) + first_id).tolist(),
        [dataset_id] * len(firsts),
        *(_as_sql_value(values[c].to_numpy()[firsts]) for c in columns),
        strict=True,
    )
    marks = ", ".join("?" * (len(columns) + 2))
    db.conn.executemany(f"INSERT INTO {table} (id, dataset_id, {', '.join(columns)}) VALUES ({marks})", records)
    return key + first_id


def _insert_values(db: Database, dataset_id: int, measure_ids: dict[str, int], values: pd.DataFrame) -> None:
    # Factorise first: mapping 100,000 codes one by one costs more than storing them.
    positions, uniques = pd.factorize(values["measure_code"])
    names = [str(u) for u in uniques]
    missing = set(names) - set(measure_ids)
    if missing:
        raise KnownError(f"Values refer to measures that are not listed: {sorted(missing)[:5]}.")
    if (positions < 0).any():  # the parsers leave such rows out; filing them anywhere would be a guess
        raise KnownError(f"{int((positions < 0).sum())} value(s) have no measure code.",
                         hint="Give every row its indicator or measure, or remove the rows without one.")
    frame = values.assign(is_national=values["is_national"].astype(bool).astype(int))
    ids = {key: _insert_lookup(db, dataset_id, table, columns, frame) for table, key, columns in _LOOKUPS}
    first_id = int(db.execute("SELECT COALESCE(MAX(last_id), 0) + 1 FROM benchmark_columns").fetchone()[0])
    # One stable sort groups the rows by measure and keeps file order (= id order) within each.
    order = np.argsort(positions, kind="stable")
    arrays = {
        "id": order + first_id,
        **{key: ids[key][order] for _, key, _ in _LOOKUPS},
        **{c: pd.to_numeric(values[c], errors="coerce").to_numpy(dtype=float)[order] for c in _NUMBER_COLUMNS},
        "source_row": pd.to_numeric(values["source_row"], errors="coerce").to_numpy(dtype=float)[order],
    }
    bounds = np.searchsorted(positions[order], np.arange(len(names) + 1))
    records = []
    for k, name in enumerate(names):  # one row per measure, not per value
        part = slice(bounds[k], bounds[k + 1])
        layout, data = _encode({c: a[part] for c, a in arrays.items()})
        count = int(bounds[k + 1] - bounds[k])
        records.append((measure_ids[name], count, int(arrays["id"][part][-1]), layout, data))
    db.conn.executemany(
        "INSERT INTO benchmark_columns (measure_id, row_count, last_id, layout, data) VALUES (?, ?, ?, ?, ?)", records
    )


def _repoint_links(db: Database, old_dataset: int, new_ids: dict[str, int]) -> None:
    """Links to the replaced dataset's measures follow the measure code to the new copy."""
    rows = db.execute(
        "SELECT l.id, m.measure_code FROM benchmark_links l JOIN benchmark_measures m ON m.id = l.measure_id "
        "WHERE m.dataset_id = ?",
        [old_dataset],
    ).fetchall()
    for link_id, code in rows:
        if code in new_ids:
            db.execute("UPDATE benchmark_links SET measure_id = ? WHERE id = ?", [new_ids[code], link_id])


def _delete(db: Database, dataset_id: int) -> None:
    # Explicit deletes so the result does not depend on PRAGMA foreign_keys being on.
    measure_ids = "SELECT id FROM benchmark_measures WHERE dataset_id = ?"
    db.execute(f"DELETE FROM benchmark_links WHERE measure_id IN ({measure_ids})", [dataset_id])
    db.execute(f"DELETE FROM benchmark_columns WHERE measure_id IN ({measure_ids})", [dataset_id])
    for table, _, _ in _LOOKUPS:
        db.execute(f"DELETE FROM {table} WHERE dataset_id = ?", [dataset_id])
    db.execute("DELETE FROM benchmark_measures WHERE dataset_id = ?", [dataset_id])
    db.execute("DELETE FROM benchmark_datasets WHERE id = ?", [dataset_id])


def delete_dataset(db: Database, dataset_id: int) -> None:
    """Remove a dataset with its measures, values and criterion links."""
    with db.atomic():
        _delete(db, dataset_id)


def list_datasets(db: Database) -> pd.DataFrame:
    """Stored datasets, newest first, with how many measures each holds."""
    return pd.read_sql_query(
        "SELECT d.id, d.file_name, d.format, d.publisher, d.title, d.sha256, d.periods_json, "
        "d.area_types_json, d.profile_name, d.row_count, d.suppressed_count, d.imported_at, "
        "(SELECT COUNT(*) FROM benchmark_measures m WHERE m.dataset_id = d.id) AS measure_count "
        "FROM benchmark_datasets d ORDER BY d.imported_at DESC, d.id DESC",
        db.conn,
    )


def measures(db: Database, dataset_id: int | None = None) -> pd.DataFrame:
    """Measures (all, or one dataset's) with their dataset's file name."""
    where, params = ("WHERE m.dataset_id = ?", [dataset_id]) if dataset_id is not None else ("", [])
    return pd.read_sql_query(
        "SELECT m.id, m.dataset_id, m.measure_code, m.name, m.unit, m.kind, m.scale, d.file_name "
        f"FROM benchmark_measures m JOIN benchmark_datasets d ON d.id = m.dataset_id {where} "
        "ORDER BY m.dataset_id, m.id",
        db.conn,
        params=params,
    )


def _stored_cells(db: Database, measure_id: int) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    """(the measure's dataset_id, measure_code and scale, or None if unknown; its value arrays, in id order)."""
    row = db.execute(
        "SELECT m.dataset_id, m.measure_code, m.scale, c.row_count, c.layout, c.data FROM benchmark_measures m "
        "LEFT JOIN benchmark_columns c ON c.measure_id = m.id WHERE m.id = ?",
        [measure_id],
    ).fetchone()
    if row is None:
        return None, {}
    measure = {"dataset_id": row[0], "measure_code": row[1], "scale": row[2]}
    return measure, (_decode(row[4], row[5], row[3]) if row[4] is not None else {})


def _as_sql_reads(array: np.ndarray, *, integer: bool = False) -> np.ndarray:
    """A NaN-for-NULL number column typed as pandas.read_sql_query typed the old view's column.

    All NULL gives an object column of None; an INTEGER column without NULLs gives int64.
    """
    missing = np.isnan(array)
    if missing.all():
        return np.full(len(array), None, dtype=object)
    if integer and not missing.any() and np.array_equal(array, np.floor(array)):
        return array.astype(np.int64)
    return array


def _lookup_rows(db: Database, table: str, dataset_id: int, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the dataset's rows of a lookup table as an object grid, id first; the row of each id, -1 if absent)."""
    columns = next(cols for name, _, cols in _LOOKUPS if name == table)
    rows = db.execute(f"SELECT id, {', '.join(columns)} FROM {table} WHERE dataset_id = ?", [dataset_id]).fetchall()
    grid = np.array(rows, dtype=object).reshape(len(rows), len(columns) + 1)
    return grid, pd.Index(grid[:, 0].astype(np.int64)).get_indexer(ids)


def _typed_columns(grid: np.ndarray, positions: np.ndarray, columns: Sequence[str]) -> dict[str, pd.Series]:
    """Each text column of a lookup grid, one entry per position, typed as read_sql_query types them."""
    used, where = np.unique(positions, return_inverse=True)
    # Typing the distinct rows used gives the same dtype as typing every value (it depends only
    # on which kinds of value occur); `take` then spreads them over the rows cheaply.
    return {
        col: pd.Series(grid[used, j + 1], dtype=object).infer_objects().take(where).reset_index(drop=True)
        for j, col in enumerate(columns)
    }


def _values_frame(db: Database, measure_id: int, period: str | None) -> pd.DataFrame:
    """The rows the old `benchmark_values` view gave for a measure, plus measure_code and scale."""
    measure, cells = _stored_cells(db, measure_id)
    if measure is None or not cells:
        return pd.DataFrame(columns=[*VALUE_VIEW_COLUMNS, "measure_code", "scale"])
    dataset_id = measure["dataset_id"]
    lookups = {key: (cols, *_lookup_rows(db, table, dataset_id, cells[key])) for table, key, cols in _LOOKUPS}
    # As the view's inner joins did, a value whose lookup row is missing is left out.
    keep = np.logical_and.reduce([positions >= 0 for _, _, positions in lookups.values()])
    if period is not None:
        wanted = db.execute("SELECT id FROM benchmark_periods WHERE dataset_id = ? AND period = ?",
                            [dataset_id, period]).fetchall()
        keep &= np.isin(cells["period_id"], [r[0] for r in wanted])
    count = int(keep.sum())
    if not count:
        return pd.DataFrame(columns=[*VALUE_VIEW_COLUMNS, "measure_code", "scale"])
    found: dict[str, Any] = {
        "id": cells["id"][keep].astype(np.int64),
        "dataset_id": np.full(count, dataset_id, dtype=np.int64),
        "measure_id": np.full(count, measure_id, dtype=np.int64),
        "source_row": _as_sql_reads(cells["source_row"][keep].astype(float), integer=True),
        **{c: _as_sql_reads(cells[c][keep].astype(float)) for c in _NUMBER_COLUMNS},
    }
    for columns, grid, positions in lookups.values():
        found.update(_typed_columns(grid, positions[keep], columns))
    constants = {c: pd.Series(np.full(count, measure[c], dtype=object)).infer_objects()
                 for c in ("measure_code", "scale")}
    return pd.DataFrame({c: found[c] for c in VALUE_VIEW_COLUMNS} | constants)


def values_for_measure(db: Database, measure_id: int, period: str | None = None) -> pd.DataFrame:
    """One measure's rows (optionally one period), with `proportion` (0–1) for funnel plots.

    `proportion` is numerator / denominator when both are known, else value / the measure's
    scale; NaN when neither can be had (suppressed).
    """
    frame = _values_frame(db, measure_id, period)
    frame["is_national"] = frame["is_national"].astype(bool)
    num = pd.to_numeric(frame["numerator"], errors="coerce")
    den = pd.to_numeric(frame["denominator"], errors="coerce")
    from_counts = num / den.where(den > 0)
    frame["proportion"] = from_counts.where(from_counts.notna(), frame["value"] / frame["scale"])
    return frame


def periods_for_measure(db: Database, measure_id: int) -> list[str]:
    """The periods a measure has values for, in time order where the file gave one."""
    measure, cells = _stored_cells(db, measure_id)
    if measure is None or not cells or not len(cells["id"]):
        return []
    # Per lookup row: its first value id; then, as the old GROUP BY period did, per period text:
    # the smallest sortable key (NULL first) and the first id, in that order.
    first = pd.Series(cells["id"]).groupby(cells["period_id"]).min()
    lookup = pd.read_sql_query(
        "SELECT id, period, period_sortable FROM benchmark_periods WHERE dataset_id = ? AND period IS NOT NULL",
        db.conn,
        params=[measure["dataset_id"]],
    )
    lookup["first_id"] = lookup["id"].map(first)
    lookup = lookup.dropna(subset=["first_id"])
    periods = lookup.groupby("period", sort=False).agg(
        sortable=("period_sortable", "min"), first_id=("first_id", "min")
    )
    periods = periods.sort_values(["sortable", "first_id"], na_position="first", kind="stable")
    return [str(p) for p in periods.index]


# --- Profiles and links ----------------------------------------------------------------------


def save_profile(
    db: Database, name: str, mapping: WideMapping, *, format: str = "national_audit_wide"
) -> None:
    """Save (or overwrite) a named column mapping for wide tables."""
    if not name.strip():
        raise KnownError("A profile needs a name.", hint="Type a name such as 'Falls audit 2025'.")
    record = {
        "name": name.strip(),
        "format": format,
        "mapping_json": json.dumps(mapping.to_dict()),
        "updated_at": _now(),
    }
    with db.atomic():
        db.table("benchmark_profiles").upsert(record, pk="name")


def load_profile(db: Database, name: str) -> WideMapping:
    """A saved mapping by name.

    Raises:
        KnownError: when there is no profile of that name.
    """
    row = db.execute("SELECT mapping_json FROM benchmark_profiles WHERE name = ?", [name]).fetchone()
    if row is None:
        raise KnownError(f"There is no import profile called '{name}'.", hint="Pick one from the list.")
    return WideMapping.from_dict(json.loads(row[0]))


def list_profiles(db: Database) -> list[str]:
    """Names of the saved profiles, alphabetically."""
    return [r[0] for r in db.execute("SELECT name FROM benchmark_profiles ORDER BY name COLLATE NOCASE")]


def link_criterion(
    db: Database,
    audit_id: int,
    criterion_lineage: str,
    measure_id: int,
    definition_difference: str = "",
    period: str | None = None,
) -> int:
    """Link an audit criterion to a national measure (updating the note and period if already linked).

    Args:
        db: the store.
        audit_id: the audit owning the criterion.
        criterion_lineage: the criterion's lineage (stable across cycles).
        measure_id: the national measure.
        definition_difference: how the national definition differs from ours.
        period: the national period to compare with by default (None: the latest).

    Returns:
        The link id.
    """
    period = (period or "").strip() or None
    with db.atomic():
        db.execute(
            "INSERT INTO benchmark_links (audit_id, criterion_lineage, measure_id, definition_difference, period, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id, criterion_lineage, measure_id) "
            "DO UPDATE SET definition_difference = excluded.definition_difference, period = excluded.period",
            [audit_id, criterion_lineage, measure_id, definition_difference, period, _now()],
        )
    row = db.execute(
        "SELECT id FROM benchmark_links WHERE audit_id = ? AND criterion_lineage = ? AND measure_id = ?",
        [audit_id, criterion_lineage, measure_id],
    ).fetchone()
    return int(row[0])


def set_link_period(db: Database, link_id: int, period: str | None) -> None:
    """Remember another national period for a link (None: the latest)."""
    with db.atomic():
        db.execute("UPDATE benchmark_links SET period = ? WHERE id = ?", [period or None, link_id])


def links_for_audit(db: Database, audit_id: int) -> pd.DataFrame:
    """An audit's criterion–measure links (with the period chosen, None for the latest), measure and dataset."""
    return pd.read_sql_query(
        "SELECT l.id, l.audit_id, l.criterion_lineage, l.measure_id, l.definition_difference, l.period, "
        "l.created_at, "
        "m.measure_code, m.name AS measure_name, m.unit, m.dataset_id, d.file_name "
        "FROM benchmark_links l JOIN benchmark_measures m ON m.id = l.measure_id "
        "JOIN benchmark_datasets d ON d.id = m.dataset_id WHERE l.audit_id = ? ORDER BY l.id",
        db.conn,
        params=[audit_id],
    )
