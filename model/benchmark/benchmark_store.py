"""Store and query national benchmark datasets; link them to audit criteria; headless import.

A dataset is one imported file (`ParsedBenchmark`), saved all-or-nothing. Importing the same
bytes again (same SHA-256) is refused unless `replace=True`, which swaps the old copy for the
new one in one transaction and keeps criterion links pointing at the same measure codes.

Transactions use `db.atomic()`: with sqlite-utils 4 a write through `db.execute` outside an
open transaction commits at once, so a bare `with db.conn:` would not make the import atomic.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.benchmark.benchmark_import import (
    ParsedBenchmark,
    WideMapping,
    detect_format,
    parse_file,
    propose_wide_mapping,
)
from model.core.errors import KnownError


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
    return int(db["benchmark_datasets"].insert(record).last_pk)


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
        ids[str(m.measure_code)] = int(db["benchmark_measures"].insert(record).last_pk)
    return ids


# Repeated text is stored once per dataset in lookup tables (migration m006). Each measure's
# values are one row of `benchmark_columns` (migration m009): the lookup ids, numbers and
# value ids as numpy arrays, one after another in one blob, their dtypes recorded in `layout`.
_LOOKUPS = (  # (table, the values' column pointing at it, its text columns)
    ("benchmark_areas", "area_id", ("org_code", "org_name", "parent_code", "parent_name", "area_type")),
    ("benchmark_periods", "period_id", ("period", "period_sortable")),
    ("benchmark_details", "detail_id", ("sex", "age", "category_type", "category", "suppressed_text", "value_note",
                                        "compared_to_national", "compared_to_parent", "is_national")),
)
_NUMBER_COLUMNS = ("numerator", "denominator", "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998")
#: Columns of the former `benchmark_values` view (m006, dropped by m009), in the order values_for_measure returns.
VALUE_VIEW_COLUMNS = (
    "id", "dataset_id", "measure_id", "org_code", "org_name", "parent_code", "parent_name", "area_type", "sex", "age",
    "category_type", "category", "period", "period_sortable", *_NUMBER_COLUMNS, "suppressed_text", "value_note",
    "compared_to_national", "compared_to_parent", "is_national", "source_row",
)


def _distinct_rows(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(0-based id of each row's combination of `columns`, position of each combination's first row).

    Vectorised: each column's codes are folded into one mixed-radix key (re-factorised only
    if the key would overflow), then the key is factorised once. Blank (None/NaN) is one value.
    """
    key, size = np.zeros(len(frame), dtype=np.int64), 1
    for col in columns:
        codes, uniques = pd.factorize(frame[col])
        width = len(uniques) + 1  # blank is code -1, shifted to 0
        if size * width >= 2**62:
            key, seen = pd.factorize(key)
            size = len(seen)
        key, size = key * width + codes + 1, size * width
    key, _ = pd.factorize(key)
    if not len(key):
        return key, key
    # Ids follow first appearance, so a row starts a combination exactly when it exceeds every id before it.
    before = np.maximum.accumulate(np.concatenate(([-1], key[:-1])))
    return key, np.flatnonzero(key > before)


def _as_sql_value(values: np.ndarray) -> list[Any]:
    """Python values for sqlite3: None for a blank, numpy numbers as Python int/float."""
    objects = values.astype(object)
    objects[pd.isna(values)] = None
    return objects.tolist()


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


def _compact(array: np.ndarray) -> np.ndarray:
    """The array in the fewest bytes per item that keep every value exactly (little-endian).

    Writing the blob is most of the store's time; the dtype chosen is recorded, so a reader
    gets the same numbers back. float32 holds NaN, whole numbers below 2**24 and many counts.
    """
    if array.dtype.kind in "iu":
        low, high = (int(array.min()), int(array.max())) if len(array) else (0, 0)
        dtype = next(d for d in ("<i1", "<i2", "<i4", "<i8") if np.iinfo(d).min <= low and high <= np.iinfo(d).max)
        return array.astype(dtype)
    wide = array.astype("<f8")
    narrow = wide.astype("<f4")
    # Compared bit for bit: -0.0 stays -0.0, and NaN (one bit pattern from the parsers) matches itself.
    return narrow if np.array_equal(narrow.astype("<f8").view("<i8"), wide.view("<i8")) else wide


def _encode(columns: dict[str, np.ndarray]) -> tuple[str, bytearray]:
    """(layout JSON, blob): each array compacted, one after another (migration m009)."""
    arrays = {name: _compact(array) for name, array in columns.items()}
    layout = [[name, array.dtype.str] for name, array in arrays.items()]
    data = bytearray(sum(array.nbytes for array in arrays.values()))
    offset = 0
    for array in arrays.values():  # copied once, straight into the blob
        np.frombuffer(data, dtype=array.dtype, count=len(array), offset=offset)[:] = array
        offset += array.nbytes
    return json.dumps(layout), data  # sqlite3 stores any buffer as a BLOB


def _decode(layout: str, data: bytes, count: int) -> dict[str, np.ndarray]:
    """The arrays of one `benchmark_columns` row, whatever dtypes its layout records."""
    columns, offset = {}, 0
    for name, dtype_str in json.loads(layout):
        dtype = np.dtype(dtype_str)
        columns[name] = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
        offset += dtype.itemsize * count
    return columns


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
        db["benchmark_profiles"].upsert(record, pk="name")


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


# --- Finding our trust -----------------------------------------------------------------------


def _name_key(series: pd.Series) -> pd.Series:
    """Lower case, '&' as 'and', apostrophes dropped, other punctuation as spaces, spaces collapsed."""
    text = series.astype(object).fillna("").astype(str).str.lower().str.replace("&", " and ", regex=False)
    text = text.str.replace(r"['’‘`]", "", regex=True)  # St Aldhelm’s = St Aldhelms
    return text.str.replace(r"[^\w\s]", " ", regex=True).str.split().str.join(" ")


def find_our_rows(
    values_df: pd.DataFrame, trust_code: str, site_codes: Sequence[str] = (), trust_name: str = ""
) -> pd.DataFrame:
    """Our trust's rows: by code (the trust and its sites) first, else by name.

    Args:
        values_df: rows with org_code, org_name, parent_code, parent_name.
        trust_code: our 3-character ODS code.
        site_codes: our 5-character site codes (sites under `trust_code` are found anyway).
        trust_name: our name, used only when no code matches (names change at mergers).

    Returns:
        The matching rows plus `match_kind` ("code" or "name"); empty when nothing matches.
        Name matches must be confirmed by the user before use.
    """
    trust = trust_code.strip().upper()
    codes = {trust, *(c.strip().upper() for c in site_codes)} - {""}
    org = values_df["org_code"].fillna("").astype(str).str.upper()
    parent = values_df["parent_code"].fillna("").astype(str).str.upper()
    by_code = org.isin(codes) | ((parent == trust) & (trust != ""))
    if by_code.any():
        return values_df[by_code].assign(match_kind="code")
    wanted = _name_key(pd.Series([trust_name])).iloc[0]
    if not wanted:
        return values_df.iloc[0:0].assign(match_kind=pd.Series(dtype=str))
    by_name = (_name_key(values_df["org_name"]) == wanted) | (_name_key(values_df["parent_name"]) == wanted)
    return values_df[by_name].assign(match_kind="name")


# --- Headless import -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _measure_summary(parsed: ParsedBenchmark) -> list[dict[str, Any]]:
    values = parsed.values
    national = parsed.national_values()
    out = []
    for m in parsed.measures.itertuples(index=False):
        rows = values[values["measure_code"] == m.measure_code]
        others = rows[~rows["is_national"]]
        nat = national[national["measure_code"] == m.measure_code]
        out.append(
            {
                "code": str(m.measure_code),
                "name": str(m.name),
                "unit": m.unit,
                "kind": m.kind,
                "rows": len(rows),
                "organisations": int(others["org_code"].nunique()),
                "suppressed": int(rows["value"].isna().sum()),
                "national": [
                    {k: _jsonable(getattr(r, k)) for k in ("period", "value", "numerator", "denominator")}
                    for r in nat.itertuples(index=False)
                ],
            }
        )
    return out


def summarise(parsed: ParsedBenchmark, *, problems_shown: int = 100) -> dict[str, Any]:
    """The JSON summary of a parsed file (fields documented in docs/benchmark-json.md)."""
    values = parsed.values
    others = values[~values["is_national"]]
    by_type = others.groupby("area_type")["org_code"].nunique()
    prov = parsed.provenance
    return {
        "file": prov.file_name,
        "format": parsed.format,
        "publisher": prov.publisher,
        "title": prov.title,
        "sha256": prov.sha256,
        "encoding": prov.encoding,
        "rows": len(values),
        "organisations": int(others["org_code"].nunique()),
        "areas_by_type": {str(k): int(v) for k, v in by_type.items()},
        "periods": list(prov.periods),
        "suppressed_cells": parsed.suppressed_count,
        "rejected_rows": parsed.rejected_rows,
        "duplicate_rows": int(parsed.duplicates["source_row"].nunique()) if len(parsed.duplicates) else 0,
        "problem_count": len(parsed.problems),
        "problems": [{k: _jsonable(v) for k, v in p.items()} for p in parsed.problems[:problems_shown]],
        "measures": _measure_summary(parsed),
        "mapping": parsed.mapping.to_dict() if parsed.mapping else None,
    }


def import_benchmark_json(
    path: Path | str,
    *,
    dry_run: bool = False,
    db: Database | None = None,
    profile: str | WideMapping | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Read a benchmark file, store it unless `dry_run`, and return the JSON summary.

    Args:
        path: the file.
        dry_run: only read and summarise; nothing is stored.
        db: the store (required unless dry_run; also needed to load a profile by name).
        profile: a saved profile name or a WideMapping, for wide national audit tables.
        replace: replace an earlier import of the same file.

    Raises:
        KnownError: unreadable file, unknown layout, already imported, missing store.
    """
    path = Path(path)
    mapping = None
    if isinstance(profile, WideMapping):
        mapping = profile
    elif profile:
        if db is None:
            raise KnownError("A profile can only be loaded from a data file.", hint="Give --db PATH.")
        mapping = load_profile(db, profile)
    if detect_format(path) == "national_audit_wide" and mapping is None:
        mapping = propose_wide_mapping(path)
    parsed = parse_file(path, mapping)
    summary = summarise(parsed)
    summary["dry_run"] = dry_run
    summary["dataset_id"] = None
    if not dry_run:
        if db is None:
            raise KnownError("No data file to store the import in.", hint="Give --db PATH, or use --dry-run.")
        name = profile if isinstance(profile, str) else None
        summary["dataset_id"] = save_dataset(db, parsed, profile_name=name, replace=replace)
    return summary


def _text_report(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['file']}: {summary['format']} ({summary['publisher'] or 'publisher unknown'})",
        f"Rows {summary['rows']}, organisations {summary['organisations']}, periods "
        f"{', '.join(summary['periods']) or '-'}",
        f"Suppressed cells {summary['suppressed_cells']}, rejected rows {summary['rejected_rows']}, "
        f"problems {summary['problem_count']}",
    ]
    for m in summary["measures"]:
        national = "; ".join(f"{n['period']}: {n['value']}" for n in m["national"]) or "none in file"
        lines.append(f"  {m['code']} {m['name']} [{m['unit'] or '?'}]: {m['rows']} rows; national {national}")
    if summary["dataset_id"] is not None:
        lines.append(f"Stored as dataset {summary['dataset_id']}.")
    return "\n".join(lines)


def main_import_benchmark(argv: Sequence[str]) -> int:
    """`main.py import-benchmark FILE [--json] [--dry-run] [--db PATH] [--profile NAME] [--replace]`.

    Args:
        argv: the arguments after `import-benchmark` (a leading "import-benchmark" is ignored).

    Returns:
        0 on success; 2 with a message on stderr for a KnownError.
    """
    args = list(argv)
    if args and args[0] == "import-benchmark":
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="main.py import-benchmark", description="Import a national benchmark file."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--dry-run", action="store_true", help="read and summarise only; store nothing")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file to store the import in")
    parser.add_argument("--profile", help="a saved column mapping for national audit tables")
    parser.add_argument("--replace", action="store_true", help="replace an earlier import of the same file")
    opts = parser.parse_args(args)
    try:
        summary = _run_import(opts)
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False) if opts.json else _text_report(summary))
    return 0


def _run_import(opts: argparse.Namespace) -> dict[str, Any]:
    if opts.db is None:
        if not opts.dry_run:
            raise KnownError(
                "No data file given to store the import in.", hint="Add --db PATH, or use --dry-run."
            )
        if opts.profile:
            raise KnownError("A profile can only be loaded from a data file.", hint="Add --db PATH.")
        return import_benchmark_json(opts.file, dry_run=True)
    from model.store.store import open_store  # imported here: the dry run needs no store at all

    store = open_store(opts.db)
    try:
        return import_benchmark_json(
            opts.file, dry_run=opts.dry_run, db=store.db, profile=opts.profile, replace=opts.replace
        )
    finally:
        store.close()
