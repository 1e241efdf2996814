"""Telling the rows below the header that are cases from those that are not.

Empty rows, repeated header rows (a header on every printed page), totals rows, a short block
of summary rows under the data, rows hidden in Excel, and a row of column numbers under the
header are left out of the table, each with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.collect.cell_codes import _Cells
from model.collect.header_detection import _collapse

# A row whose first filled cell starts like this is a totals/summary row, not a case.
_TOTAL_LEADS = ("totals?", "sum", "overall", "count", "average", "mean", "median", "percent(?:age)?",
                "proportion", "compliance", "compliant")
# "% compliance", "%met": a percentage row under the data is a summary, never a case.
_TOTAL_FIRST_CELL_RE = re.compile(
    r"^\s*(?:%|(?:grand\s+|sub\s*-?\s*)?(?:" + "|".join(_TOTAL_LEADS) + r")\b)", re.IGNORECASE
)
# Any cell holding exactly one of these marks a totals row too.
_TOTAL_WORDS = frozenset({"total", "totals", "grand total", "subtotal", "sub total", "sub-total"})
# The letters a cell matching either can start with (after spaces; "g" and "s" for "grand" and
# "sub"): cells starting with anything else (digits, "Yes", "AMU") need no test, which skips
# almost every cell of a big sheet.
_TOTAL_FIRST_LETTERS = "gs%" + "".join(lead[0] for lead in _TOTAL_LEADS)
_TOTAL_WORD_LETTERS = "".join(sorted({word[0] for word in _TOTAL_WORDS}))
_SUMMARY_BLOCK_MAX_ROWS = 5
_REASONS = ("", "empty row", "repeated header row", "totals row", "summary rows below the data", "hidden in Excel")
_CASE, _EMPTY, _REPEATED, _TOTALS, _SUMMARY, _HIDDEN = range(len(_REASONS))


def _is_column_numbers(row: pd.Series) -> bool:
    """A row like 1, 2, 3, ... under (or over) the header, numbering the columns."""
    values = row.dropna().astype("str").str.strip()
    values = values[values != ""]
    if len(values) < 3 or not values.str.fullmatch(r"\d+").all():
        return False
    nums = values.astype(int).to_numpy()
    return bool((np.diff(nums) == 1).all())


def _is_total_word(text: str) -> bool:
    return text.strip().casefold().rstrip(":") in _TOTAL_WORDS


def _starts_like_total(text: str) -> bool:
    return bool(_TOTAL_FIRST_CELL_RE.match(text))


def _totals_mask(blank: np.ndarray, columns: Sequence[object], cells: _Cells, rows: slice) -> np.ndarray:
    """Rows that add up the others: first filled cell like "Total"/"Sum", or a cell saying "Total".

    ``blank`` is (columns, rows); ``rows`` the body's grid rows.
    """
    filled = ~blank
    any_filled = filled.any(axis=0)
    first_col = np.zeros(blank.shape[1], dtype=np.intp)
    for j in range(len(columns) - 1, -1, -1):  # right to left, so the leftmost filled column wins
        first_col[filled[j]] = j
    first_hit = np.zeros(blank.shape[1], dtype=bool)
    positions = np.arange(rows.start, rows.stop)
    for j in np.flatnonzero(np.bincount(first_col[any_filled], minlength=len(columns))).tolist():
        on = first_col == j  # usually one column holds every first cell
        subset = rows if on.all() else positions[on]
        first_hit[on] = cells.test(columns[j], _starts_like_total, subset, starts=_TOTAL_FIRST_LETTERS)
    words = np.zeros(blank.shape[1], dtype=bool)
    for col in columns:
        words |= cells.test(col, _is_total_word, rows, starts=_TOTAL_WORD_LETTERS)
    return (first_hit & any_filled) | words


def _classify_rows(body: pd.DataFrame, blank: np.ndarray, names: Sequence[str], hidden: frozenset[int],
                   cells: _Cells, rows: slice) -> np.ndarray:
    """A reason for every row that is not a case, as an index into ``_REASONS`` (0 for cases).

    Args:
        body: the rows below the header, kept columns only.
        blank: the body's blank cells, (columns, rows).
        names: the header name of each kept column ("" when blank).
        hidden: 0-based grid positions of rows hidden in Excel.
        cells: the grid's codes.
        rows: the body's grid rows.
    """
    empty = np.asarray(blank.all(axis=0))
    reasons = np.zeros(len(empty), dtype=np.int8)
    reasons[empty] = _EMPTY
    reasons[_repeated_header(body, names, cells, rows) & ~empty] = _REPEATED
    totals = _totals_mask(blank, list(body.columns), cells, rows) & ~empty
    reasons[totals] = _TOTALS
    first_blank = blank[0] if len(blank) else np.ones(len(empty), dtype=bool)
    reasons[_summary_block(empty, first_blank | totals) & (reasons == _CASE)] = _SUMMARY
    hidden_at = np.fromiter(hidden, dtype=np.intp, count=len(hidden)) - rows.start
    hidden_at = hidden_at[(hidden_at >= 0) & (hidden_at < len(empty))]
    reasons[hidden_at[reasons[hidden_at] == _CASE]] = _HIDDEN
    return reasons


def _repeated_header(body: pd.DataFrame, names: Sequence[str], cells: _Cells, rows: slice) -> np.ndarray:
    """Rows that repeat the header (sheets printed with a header on every page)."""
    keyed = [(col, name.casefold()) for col, name in zip(body.columns, names, strict=True) if name]
    if len(keyed) < 2:
        return np.zeros(len(body), dtype=bool)
    # Only rows whose first titled cell repeats its title can be repeats; usually none are.
    first_col, first_key = keyed[0]
    maybe = cells.test(first_col, lambda u: _collapse(u).casefold() == first_key, rows, starts=first_key[:1])
    if not maybe.any():
        return maybe
    sub = body[maybe]
    hits = sum(sub[c].map(lambda v, k=k: isinstance(v, str) and _collapse(v).casefold() == k).to_numpy()
               for c, k in keyed)
    maybe[np.flatnonzero(maybe)] = np.asarray(hits) >= max(2, 0.8 * len(keyed))
    return maybe


def _summary_block(empty: np.ndarray, not_a_case: np.ndarray) -> np.ndarray:
    """A few rows after the last blank row, each a totals row or without a case reference in
    the first column, are formulas' results rather than cases."""
    out = np.zeros(len(empty), dtype=bool)
    filled_pos = np.flatnonzero(~empty)
    if len(filled_pos) == 0:
        return out
    last = filled_pos[-1]
    gaps = np.flatnonzero(empty[:last])
    if len(gaps) == 0:
        return out
    block = slice(gaps[-1] + 1, last + 1)
    size = last - gaps[-1]
    before = int((~empty[: gaps[-1]]).sum())
    if size <= _SUMMARY_BLOCK_MAX_ROWS and before >= 2 * size and not_a_case[block].all():
        out[block] = True
    return out
