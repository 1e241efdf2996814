"""Finding the header row of a text grid, below any title rows, and the column names it gives.

A row of group labels just above the header (merged cells such as "Criteria" over S1..S4)
makes a two-row header whose names read "Criteria – S1". The user can also point at the
header row themselves (``_explicit_header``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.collect.cell_codes import _modal_width, _row_counts
from model.core.errors import ImportProblem

HEADER_SCAN_ROWS = 30
_NUMBER_RE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?"
_DATE_LIKE_RE = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"


@dataclass(frozen=True)
class HeaderGuess:
    """Where the header is and what the column names are.

    Attributes:
        row: 0-based position of the first header row.
        height: 1, or 2 for a group-label row above the sub-headers.
        names: one label per grid column, whitespace collapsed ("" when blank).
        display: one label per grid column with the original line breaks.
        guessed: True when no row looked clearly like a header and a fallback was used.
    """

    row: int
    height: int
    names: tuple[str, ...]
    display: tuple[str, ...]
    guessed: bool = False


def _collapse(text: str) -> str:
    """Line breaks and runs of spaces inside a header become one space."""
    return " ".join(text.split())


def _fill_merged(grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Copy each merged range's value into all its cells (how a reader sees a merged header)."""
    filled = grid.copy()
    for r0, c0, r1, c1 in merged:
        if r0 >= len(filled) or c0 >= filled.shape[1]:
            continue
        value = filled.iat[r0, c0]
        filled.iloc[r0 : r1 + 1, c0 : c1 + 1] = value
    return filled


def _is_label(values: pd.Series) -> pd.Series:
    """True for cells that look like column titles: short text, not a number or a date."""
    text = values.astype("str").str.strip()
    numeric = text.str.fullmatch(_NUMBER_RE) | text.str.fullmatch(_DATE_LIKE_RE)
    # "Auditor: FY1 team" is a line of a title block, not a column title.
    key_value = text.str.contains(r"\w:\s+\S", regex=True)
    return values.notna() & (text != "") & ~(numeric | key_value).fillna(False) & (text.str.len() <= 80)


def _labels(row: pd.Series) -> list[str]:
    return [_collapse(str(v)).casefold() for v in row if isinstance(v, str) and v.strip()]


def _header_like(row: pd.Series, min_cells: int) -> bool:
    """Enough short, mostly distinct text cells to be a header row."""
    filled = row[row.notna() & (row.astype("str").str.strip() != "")]
    if len(filled) < min_cells:
        return False
    if _is_label(filled).mean() < 0.8:
        return False
    labels = _labels(filled)
    return len(set(labels)) >= 0.8 * len(labels)


def _data_below(counts: pd.Series, row: int, cells: int, strict: bool) -> bool:
    """One of the next few filled rows holds at least half as many cells as the header
    (``strict``: and the very next row is filled, as it is under a real header)."""
    below = counts.iloc[row + 1 :]
    if strict and len(below) and below.iat[0] == 0:
        return False
    below = below[below > 0].head(3)
    return below.empty or bool((below >= max(1, cells * 0.5)).any())


def _group_row(filled: pd.DataFrame, grid: pd.DataFrame, header: int, merged: Sequence[Any]) -> bool:
    """Is the row just above the header a row of group labels (e.g. "Criteria" over S1..S4)?"""
    if header == 0:
        return False
    above, below = grid.iloc[header - 1], filled.iloc[header]
    present = above.notna() & (above.astype("str").str.strip() != "")
    if not present.any() or not _is_label(above[present]).all():
        return False
    width = int((below.notna()).sum())
    spans = [c1 - c0 + 1 for r0, c0, r1, c1 in merged if r0 == header - 1 and c1 > c0]
    if spans:
        return any(span < 0.9 * max(width, 1) for span in spans)
    first_header_col = int(np.flatnonzero(below.notna().to_numpy())[0]) if width else 0
    first_above = int(np.flatnonzero(present.to_numpy())[0])
    return first_above > first_header_col and int(present.sum()) < width


def _group_labels(grid: pd.DataFrame, filled: pd.DataFrame, header: int, merged: Sequence[Any]) -> pd.Series:
    """Group label over each column: merged ranges when known, else carried to the right."""
    above = filled.iloc[header - 1]
    if any(r0 == header - 1 for r0, *_ in merged):
        return above
    # No merge information (CSV/HTML without colspan): a label covers the blank cells to its right.
    header_cols = grid.iloc[header].notna()
    carried = above.ffill()
    return carried.where(header_cols | above.notna())


def _combine(group: object, sub: object) -> str:
    """ "Group – Sub" unless one is blank or both say the same (a vertical merge)."""
    g = str(group).strip() if isinstance(group, str) else ""
    s = str(sub).strip() if isinstance(sub, str) else ""
    if not g or _collapse(g).casefold() == _collapse(s).casefold():
        return s
    return f"{g} – {s}" if s else g


def find_header(
    grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]] = (), counts: pd.Series | None = None
) -> HeaderGuess:
    """Find the header row below any title rows.

    The header is the first row (of the top ``HEADER_SCAN_ROWS``) whose filled cells are short,
    distinct text and at least ~60% as many as a typical data row, with data-like rows below
    it. A row of group labels just above it (merged cells such as "Criteria" over S1..S4) makes
    a two-row header whose names read "Criteria – S1".

    Args:
        grid: a text grid (``RawSheet.grid``).
        merged: the sheet's merged ranges, 0-based inclusive.
        counts: filled cells per row, when the caller has them already.

    Raises:
        ImportProblem: the sheet is empty.
    """
    counts = _row_counts(grid) if counts is None else counts
    if grid.empty or not counts.any():
        raise ImportProblem("The sheet is empty.", hint="Choose the sheet that holds the data.")
    filled = _fill_merged(grid.iloc[: HEADER_SCAN_ROWS + 1], merged)
    width = _modal_width(counts.iloc[:500])
    min_cells = max(2 if width >= 2 else 1, math.ceil(width * 0.6))
    header, guessed = None, False
    # First pass: a header with data straight below; second: allow a gap under it.
    for strict in (True, False):
        header = next((row for row in range(min(HEADER_SCAN_ROWS, len(grid)))
                       if counts.iat[row] and _header_like(filled.iloc[row], min_cells)
                       and _data_below(counts, row, int(counts.iat[row]), strict)), None)
        if header is not None:
            break
    if header is None:
        # Fallback: the first of the fullest rows at the top; the user can correct it.
        header, guessed = int(counts.iloc[:HEADER_SCAN_ROWS].idxmax()), True
    return _header_guess(grid, filled, header, merged, guessed)


def _header_guess(grid: pd.DataFrame, filled: pd.DataFrame, header: int, merged: Sequence[Any],
                  guessed: bool) -> HeaderGuess:
    sub = filled.iloc[header]
    if _group_row(filled, grid, header, merged):
        groups = _group_labels(grid, filled, header, merged)
        display = [_combine(g, s) for g, s in zip(groups, sub, strict=True)]
        return HeaderGuess(header - 1, 2, tuple(_collapse(d) for d in display), tuple(display), guessed)
    display = [str(v).strip() if isinstance(v, str) else "" for v in sub]
    return HeaderGuess(header, 1, tuple(_collapse(d) for d in display), tuple(display), guessed)


def _explicit_header(
    grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]], header_row: int, height: int
) -> HeaderGuess:
    """The header the user pointed at (1-based first row, one or two rows high)."""
    if grid.empty:
        raise ImportProblem("The sheet is empty.", hint="Choose the sheet that holds the data.")
    last = header_row - 1 + (height - 1)
    if header_row < 1 or height not in (1, 2) or last >= len(grid):
        raise ImportProblem(f"Row {header_row} is not a possible header row for this sheet.",
                            hint=f"Choose a row between 1 and {len(grid)}.")
    filled = _fill_merged(grid.iloc[: last + 1], merged)
    sub = filled.iloc[last]
    groups = _group_labels(grid, filled, last, merged) if height == 2 else pd.Series(np.nan, index=sub.index)
    display = [_combine(g, s) for g, s in zip(groups, sub, strict=True)]
    return HeaderGuess(header_row - 1, height, tuple(_collapse(d) for d in display), tuple(display))
