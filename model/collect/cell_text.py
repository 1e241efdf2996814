"""Typed cells (from calamine, csv or html) turned into text, one column at a time.

Everything is read as text so identifiers keep their leading zeros; a real Excel date stays a
date until it is turned into text here, once per column:

- whole-number floats become ``"1"`` (not ``"1.0"``), other numbers their shortest repr;
- dates become ISO ``"2026-03-11"``; date-times ``"2026-03-11 14:35:00"``; times ``"14:35:00"``;
- booleans become ``"TRUE"``/``"FALSE"`` as Excel shows them; empty cells become NaN.

Each column comes with its ``ColumnCodes``, made while converting, so the table builder need
not work them out again.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from model.collect.cell_codes import ColumnCodes, _factorize
from model.collect.header_detection import HEADER_SCAN_ROWS

_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float"})
# Columns of one such type (and empty cells) become text one distinct value at a time.
_PER_VALUE_KINDS = frozenset({"date", "datetime", "time", "timedelta", "boolean"})
_UNIFORM_KINDS = _NUMBER_KINDS | _PER_VALUE_KINDS | {"string", "empty"}
_type_of = np.frompyfunc(type, 1, 1)
_STR_DTYPE = pd.StringDtype("python", na_value=np.nan)  # what dtype="str" means without pyarrow
_HEAD_ROWS = HEADER_SCAN_ROWS + 2  # title and header rows: text above typed data
#: A sheet with more columns than this (and not too many cells) is converted in one pass.
WIDE_COLUMNS = 256
_WIDE_CELLS = 20_000_000


@functools.lru_cache(maxsize=65536, typed=True)
def _cell_text(value: object) -> str:
    """Text for a non-string, non-number calamine cell (dates, times, booleans)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
    return str(value)


def _numbers_text(values: np.ndarray) -> np.ndarray:
    """Whole numbers without ".0"; others in their shortest form."""
    arr = values.astype(np.float64)
    whole = np.isfinite(arr) & (np.abs(arr) < 2**53) & (arr == np.round(arr))
    # str() of Python ints is a third faster than numpy's int -> unicode -> object.
    ints = np.fromiter(map(str, arr[whole].astype(np.int64).tolist()), dtype=object, count=int(whole.sum()))
    if len(ints) == len(arr):
        return ints
    out = np.empty(len(arr), dtype=object)
    out[whole] = ints
    out[~whole] = arr[~whole].astype(str)
    return out


def _text_column(values: np.ndarray) -> tuple[pd.Series, ColumnCodes]:
    """One column of typed calamine (or csv/html) cells as text (NaN for empty), with its codes.

    Below the title and header rows a column usually holds one type of cell (numbers, dates or
    text), converted in bulk; the rows above, and columns that mix types, go type by type.
    """
    uniform = _uniform_codes(values)  # a text column, header and all
    head, tail = values[:_HEAD_ROWS], values[_HEAD_ROWS:]
    if uniform is None and len(tail):
        uniform = _uniform_codes(tail)
        if uniform is not None:
            head_codes, head_texts = _mixed_codes(head)
            tail_codes, tail_texts = uniform
            uniform = (np.concatenate([head_codes, np.where(tail_codes >= 0, tail_codes + len(head_texts), -1)]),
                       np.concatenate([head_texts, tail_texts]))
    codes, texts = _mixed_codes(values) if uniform is None else uniform
    return _text_series(codes, texts), ColumnCodes(codes, texts)


def _uniform_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and texts of a column of one cell type (empty cells allowed); None if it mixes types."""
    sample = infer_dtype(values[:: max(1, len(values) // 16)], skipna=False)
    if sample not in _UNIFORM_KINDS:
        return None  # already mixed in a sample (a header above numbers): so is the whole column
    if sample == "string":
        # Looks like text (answers, wards, names): a handful of distinct values, so factorise
        # first and check the distinct values, not every cell, are all text.
        codes, texts = _factorize(values)
        if infer_dtype(texts, skipna=False) == "string":
            empty = np.flatnonzero(texts == "")
            if len(empty):
                codes[codes == empty[0]] = -1  # "" is an empty cell
            return codes, texts
    kind = infer_dtype(values, skipna=False)
    if kind in _NUMBER_KINDS:
        # Numbers (case numbers) are mostly distinct: each cell is its own text.
        numbers = values.astype(np.float64)
        codes = np.arange(len(values), dtype=np.int32)
        codes[np.isnan(numbers)] = -1
        return codes, _numbers_text(numbers)
    if kind in _PER_VALUE_KINDS:
        codes, uniques = _factorize(values)  # dates: a few hundred distinct days
        return codes, np.fromiter(map(_cell_text, uniques), dtype=object, count=len(uniques))
    return None


def _mixed_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and texts of cells of any types (dates typed as text next to real dates, numbers and words)."""
    missing = pd.isna(values)  # None/NaN (odd cells) are empty cells
    types = _type_of(values)
    out = values.copy()
    out[missing] = np.nan
    # Element-wise numpy comparisons of exact classes (a bool is not a number here), not Python's.
    num = ((types == float) | (types == int)) & ~missing  # noqa: E721
    if num.any():
        out[num] = _numbers_text(values[num])
    text = types == str  # noqa: E721
    out[text & (values == "")] = np.nan
    other = ~(num | text | missing)
    if other.any():
        # One type at a time: values of different types can compare equal (True == 1), and a
        # factorisation would merge them.
        kinds, kind_codes = pd.factorize(types[other])[::-1]
        spread = np.empty(int(other.sum()), dtype=object)
        for k in range(len(kinds)):
            of_kind = kind_codes == k
            codes, uniques = pd.factorize(values[other][of_kind])
            spread[of_kind] = np.fromiter(map(_cell_text, uniques), dtype=object, count=len(uniques))[codes]
        out[other] = spread
    return _factorize(out)


def _text_series(codes: np.ndarray, texts: np.ndarray) -> pd.Series:
    """The text column the codes stand for (NaN for -1), of pandas' "str" dtype."""
    # StringArray checks the cells are text without the copy pd.Series(..., dtype="str") makes.
    cells = pd.arrays.StringArray(np.append(texts, np.nan)[codes], dtype=_STR_DTYPE)
    return pd.Series(cells, copy=False)


def _rows_to_grid(rows: list[list[object]]) -> pd.DataFrame:
    """A rectangular text grid from calamine (or csv/html) rows."""
    return _text_grid(rows)[0]


def _text_grid(rows: Sequence[Sequence[object]]) -> tuple[pd.DataFrame, tuple[ColumnCodes, ...]]:
    """A rectangular text grid from csv/html (or calamine) rows, with each column's codes."""
    return _grid_of_cells(_cells_of_rows(rows))


def _cells_of_rows(rows: Sequence[Sequence[object]]) -> np.ndarray:
    """Rows of cells as a (rows, columns) object array; short rows are padded with ""."""
    if not rows:
        return np.empty((0, 0), dtype=object)
    lengths = set(map(len, rows))
    width = max(lengths)
    if len(lengths) > 1:  # CSV rows may be short; calamine's never are
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    # One flat C-level copy (a third faster than np.array(rows)); columns are strided views.
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width).reshape(
        len(rows), width)


def _grid_of_cells(cells: np.ndarray) -> tuple[pd.DataFrame, tuple[ColumnCodes, ...]]:
    """The text grid of a (rows, columns) object array of typed cells, with each column's codes."""
    if cells.shape[1] == 0:
        return pd.DataFrame(), ()
    if cells.shape[1] > WIDE_COLUMNS and cells.size <= _WIDE_CELLS:
        return _wide_grid(cells)
    columns = [_text_column(col) for col in cells.T]
    grid = pd.DataFrame({c: series for c, (series, _) in enumerate(columns)}, index=pd.RangeIndex(len(cells)),
                        copy=False)
    return grid, tuple(codes for _, codes in columns)


def _wide_grid(cells: np.ndarray) -> tuple[pd.DataFrame, tuple[ColumnCodes, ...]]:
    """A wide sheet (a Forms export with a column per question, or 16,384 columns) in one pass.

    Per-column conversion costs about 0.1 ms of pandas and numpy overhead per column, which is
    seconds for 16,384 columns of a few rows. Here every cell is converted at once, the grid is
    one object block, and all columns point into one table of texts whose per-text questions
    (``ColumnCodes.shared``) are answered once for the whole sheet.
    """
    rows, width = cells.shape
    codes, texts = _mixed_codes(cells.T.ravel())  # column-major: each column's codes are contiguous
    grid = pd.DataFrame(np.append(texts, np.nan)[codes].reshape(width, rows).T, dtype=object, copy=False)
    per_column = codes.reshape(width, rows)
    shared: dict[tuple[object, str | None], np.ndarray] = {}
    return grid, tuple(ColumnCodes(per_column[c], texts, shared) for c in range(width))
