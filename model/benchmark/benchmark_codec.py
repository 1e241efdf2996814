"""How a measure's stored values are packed: lookup ids, compact numpy arrays, one blob per measure.

Repeated text is stored once per dataset in lookup tables (migration m006, `_LOOKUPS`); each
measure's values are one row of `benchmark_columns` (migration m009), whose `layout` records
the dtype of every array in its blob. `model.benchmark.benchmark_store` does the SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

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
