"""Column helpers that keep Python-level work proportional to distinct values, not rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def hashable_text(values: pd.Series) -> pd.Series | np.ndarray:
    """Text columns as a plain object array, which pandas factorises twice as fast as the "str"
    dtype (missing cells stay NaN, so they still get the NaN code)."""
    return values.to_numpy(dtype=object) if isinstance(values.dtype, pd.StringDtype) else values


def per_unique(values: pd.Series, func: Callable[[str], object], na: object = None) -> np.ndarray:
    """Apply ``func`` once per distinct value and spread the results (``na`` for NaN).

    Text columns repeat a handful of values many times ("Yes", "AMU"), so this keeps the
    Python-level work proportional to the number of distinct values, not of rows.
    """
    codes, uniques = pd.factorize(hashable_text(values), use_na_sentinel=True)
    results = [func(u) for u in np.asarray(uniques, dtype=object)]
    results.append(na)  # code -1 (NaN) picks the last entry
    # fromiter keeps tuples as single objects, where np.array would unpack them.
    mapped = np.fromiter(results, dtype=object, count=len(results))
    picked: np.ndarray = mapped[codes]
    return picked


def column_letter(index: int) -> str:
    """The Excel letter(s) of a 0-based column position (0 -> "A", 27 -> "AB")."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
