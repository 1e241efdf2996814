"""A sheet's cells as codes into their distinct texts, and the per-cell questions asked of them.

A big sheet has 100,000 rows but few distinct texts per column (answers, wards, dates), so
``ColumnCodes`` keeps each column as codes into a table of texts and ``_Cells`` answers
"blank?", "Total?" and the like once per distinct text instead of once per cell. The filled
cell counts per row that sheet choice and header detection both start from live here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.core.columns import hashable_text


@dataclass(frozen=True, eq=False)
class ColumnCodes:
    """One grid column as codes into a table of texts, so a question about every cell ("blank?",
    "Total?") is answered once per distinct text instead of once per cell.

    Attributes:
        codes: one per cell, the position of its text in ``texts``; -1 for an empty (NaN) cell.
        texts: the texts the codes point at. Usually distinct; a column of numbers, which are
            mostly distinct anyway, has one text per cell (and a text nobody points at may be
            there too), which costs time, never correctness.
        shared: for the columns of a wide sheet, which all point into one ``texts``: the
            answers to ``hits`` questions, kept for every column (None: not shared).
    """

    codes: np.ndarray
    texts: np.ndarray
    shared: dict[tuple[object, str | None], np.ndarray] | None = None

    @classmethod
    def of(cls, values: pd.Series) -> ColumnCodes:
        """Codes for a text column (``RawSheet.grid[c]``)."""
        return cls(*_factorize(hashable_text(values)))

    @functools.cached_property
    def first_points(self) -> np.ndarray:
        """The code point of each text's first character (0 for "", which makes it a candidate
        for every test; so does any text whose first character cannot be read this way)."""
        if len(self.texts) <= 32:  # a Python loop beats numpy's conversion on a few texts
            return np.fromiter((ord(t[0]) if isinstance(t, str) and t else 0 for t in self.texts), dtype=np.uint32,
                               count=len(self.texts))
        try:
            # "U1" keeps each text's first character: one C loop, however long the texts.
            return self.texts.astype("U1").view(np.uint32)
        except (TypeError, ValueError, UnicodeError):
            return np.zeros(len(self.texts), dtype=np.uint32)

    def hits(self, predicate: Callable[[str], bool], starts: str | None = None) -> np.ndarray:
        """``predicate`` of each text as a bool array.

        Args:
            predicate: the test, on one text.
            starts: when given, the (casefolded) characters a matching text can begin with
                after leading whitespace; texts that begin otherwise are False without calling
                ``predicate``, so a column of 100,000 case numbers costs one numpy pass.

        The columns of a wide sheet share one table of texts, and ``shared`` is then their
        common cache: each question is answered once for all of them, not once per column.
        """
        if self.shared is None:
            return self._hits(predicate, starts)
        key = (predicate, starts)
        if key not in self.shared:
            self.shared[key] = self._hits(predicate, starts)
        return self.shared[key]

    def _hits(self, predicate: Callable[[str], bool], starts: str | None) -> np.ndarray:
        hits = np.zeros(len(self.texts), dtype=bool)
        if starts is None:
            todo = np.arange(len(self.texts))
        else:
            todo = np.flatnonzero(_lead_table(starts)[np.minimum(self.first_points, 128)])
        if len(todo):
            hits[todo] = np.fromiter((bool(predicate(t)) for t in self.texts[todo]), dtype=bool, count=len(todo))
        return hits


@functools.lru_cache(maxsize=256)
def _lead_table(starts: str) -> np.ndarray:
    """Which first characters a text may have to be worth testing, by code point: whitespace,
    "" and any casefolding to one of ``starts``; index 128 stands for every non-ASCII character,
    always tested (casefolding and regex case rules map some of them to ASCII letters: "ſ" is "s")."""
    table = np.array([chr(p).isspace() or chr(p).casefold() in starts for p in range(128)] + [True])
    table[0] = True  # "" (or a text starting with NUL)
    return table


def _factorize(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) with -1 for missing; 32-bit codes (a sheet has < 2**31 rows)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int32), np.asarray(uniques, dtype=object)


class _Cells:
    """A grid's columns as ``ColumnCodes``, so every per-cell test of ``build_table`` (blank?
    "Total"? the header again?) runs once per distinct value and column, not per cell.

    Args:
        grid: the text grid; tests are asked for at grid row positions (``rows``).
        codes: the codes the reader made for ``grid`` (``RawSheet.codes``); None works them out.
    """

    def __init__(self, grid: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> None:
        fits = codes is not None and len(codes) == grid.shape[1] and all(len(c.codes) == len(grid) for c in codes)
        made = codes if fits and codes is not None else [ColumnCodes.of(grid[c]) for c in grid.columns]
        self._columns = dict(zip(grid.columns, made, strict=True))
        self._rows = len(grid)

    def test(self, column: object, predicate: Callable[[str], bool], rows: slice | np.ndarray | None = None,
             na: bool = False, starts: str | None = None) -> np.ndarray:
        """``predicate`` of each cell of a column (of ``rows``, a slice or positions) as a bool
        array (``na`` for empty cells); ``starts`` as in ``ColumnCodes.hits``."""
        col = self._columns[column]
        codes = col.codes if rows is None else col.codes[rows]
        hits = col.hits(predicate, starts)
        if not hits.any():  # the usual answer: no per-cell spreading needed
            return codes < 0 if na else np.zeros(len(codes), dtype=bool)
        picked: np.ndarray = np.append(hits, na)[codes]  # code -1 (NaN) picks the last entry
        return picked

    def filled(self, column: object, rows: slice | np.ndarray) -> np.ndarray:
        """True for the cells (of ``rows``) that are not NaN."""
        filled: np.ndarray = self._columns[column].codes[rows] >= 0
        return filled

    def blank(self) -> np.ndarray:
        """(columns, rows) bool array: True where a cell is empty or holds only whitespace.

        Column-major, so that per-row questions (all blank? first filled column?) are a few
        vectorised passes over whole columns rather than 100,000 tiny reductions.
        """
        if not self._columns:
            return np.ones((0, self._rows), dtype=bool)
        return np.vstack([self.test(c, _is_blank, na=True, starts="") for c in self._columns])


def _is_blank(text: str) -> bool:
    return not text.strip()


def _blank_mask(frame: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> pd.DataFrame:
    """True where a cell is empty or holds only whitespace."""
    if frame.empty:
        return frame.isna()
    return pd.DataFrame(_Cells(frame, codes).blank().T, index=frame.index, columns=frame.columns)


def _row_counts(grid: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> pd.Series:
    """Number of filled (not blank) cells in each row."""
    return (~_blank_mask(grid, codes)).sum(axis=1)


def _modal_width(counts: pd.Series) -> int:
    """The most common number of filled cells among rows with at least two."""
    wide = counts[counts >= 2]
    if wide.empty:
        return 1
    return int(wide.value_counts().idxmax())
