"""What the cells of every column of a table hold, worked out for all columns at once.

Role guessing (``model.collect.sheet_analysis``) asks the same questions of each column's
sampled cells: what share are valid NHS numbers, recognised answers, dates, sex codes? Asked
column by column that costs a pandas round trip per column (about 1 ms), which is 16 s for a
sheet of 16,384 columns. Here every column's sample is pooled, each distinct text is judged
once, and the shares come out of a few weighted counts: the cost follows the distinct texts
and the cells, not the number of columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.collect.answers import normalise_answers, parse_uk_dates, validate_nhs_numbers

SAMPLE_SIZE = 5000
_SEX_VALUES = frozenset({"m", "f", "male", "female", "u", "unknown", "other", "x", "i", "indeterminate",
                         "not known", "not stated", "man", "woman"})


@dataclass(frozen=True)
class ColumnFacts:
    """Shares of each column's filled sampled cells (one array entry per column).

    Attributes:
        filled: how many sampled cells are filled (not blank or whitespace only).
        nhs: share that are valid NHS numbers.
        answers: share of the answered cells (not missing) that are recognised answers; 0 when
            no cell is answered.
        dates: share that read as dates, bare numbers (Excel serials) included.
        dates_not_numbers: share that read as dates and are not bare numbers.
        sexes: share that are sex codes (M/F, Male, …).
    """

    filled: np.ndarray
    nhs: np.ndarray
    answers: np.ndarray
    dates: np.ndarray
    dates_not_numbers: np.ndarray
    sexes: np.ndarray


def sample(values: pd.Series) -> pd.Series:
    """Evenly spaced filled cells, enough to judge a column's content without reading 100,000.

    Rows are picked before blanks are dropped (finding the blanks among 100,000 cells costs
    more than the guessing itself); only a sparse column, whose picked rows are mostly blank,
    is sampled again among its filled cells.
    """
    step = max(1, len(values) // SAMPLE_SIZE)
    picked = values.iloc[::step].dropna()
    if step > 1 and len(picked) < SAMPLE_SIZE // 2:
        filled = values.dropna()
        picked = filled.iloc[::max(1, len(filled) // SAMPLE_SIZE)]
    return picked


def _pooled_samples(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(cells, column of each cell): every column's sample, one flat array.

    A table of at most ``SAMPLE_SIZE`` rows is its own sample, taken as one block (a wide
    sheet of a few rows has no per-column work at all); longer tables are sampled column by
    column (they have few columns).
    """
    rows, width = data.shape
    if rows <= SAMPLE_SIZE:
        cells = data.to_numpy(dtype=object).T.ravel()
        return cells, np.repeat(np.arange(width), rows)
    parts = [sample(data.iloc[:, c]).to_numpy(dtype=object) for c in range(width)]
    columns = np.repeat(np.arange(width), [len(p) for p in parts])
    return (np.concatenate(parts) if parts else np.empty(0, dtype=object)), columns


def _per_text(texts: pd.Series) -> dict[str, np.ndarray]:
    """The per-text answers to every question, for the distinct filled texts."""
    if texts.empty:
        nothing = np.zeros(0, dtype=bool)
        return dict.fromkeys(("nhs", "answered", "recognised", "dates", "dates_not_numbers", "sexes"), nothing)
    outcome, _raw = normalise_answers(texts)
    outcome_arr = outcome.to_numpy(dtype=object)
    _iso, problem = parse_uk_dates(texts)
    date_ok = problem.isna().to_numpy(dtype=bool)
    digits = texts.str.strip().str.fullmatch(r"[\d.]+").fillna(False).to_numpy(dtype=bool)
    return {
        "nhs": validate_nhs_numbers(texts)["valid"].to_numpy(dtype=bool),
        "answered": outcome_arr != "missing",
        "recognised": (outcome_arr != "missing") & (outcome_arr != "unrecognised"),
        "dates": date_ok,
        "dates_not_numbers": date_ok & ~digits,
        "sexes": np.fromiter((t.strip().casefold() in _SEX_VALUES for t in texts), dtype=bool, count=len(texts)),
    }


def column_facts(data: pd.DataFrame) -> ColumnFacts:
    """The content shares of every column of ``data`` (text cells, NaN for blank)."""
    width = data.shape[1]
    cells, columns = _pooled_samples(data)
    codes, distinct = pd.factorize(pd.Series(cells, dtype=object).astype("str").to_numpy(dtype=object),
                                   use_na_sentinel=True)
    filled_text = np.fromiter((bool(t.strip()) for t in distinct), dtype=bool, count=len(distinct))
    keep = codes >= 0
    keep[keep] = filled_text[codes[keep]]
    codes, columns = codes[keep], columns[keep]
    # Renumber the filled texts 0..n-1 so each is judged once.
    used = np.flatnonzero(filled_text)
    renumber = np.full(len(distinct), -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    codes = renumber[codes]
    answers = _per_text(pd.Series(np.asarray(distinct, dtype=object)[used], dtype=object))
    filled = np.bincount(columns, minlength=width).astype(np.float64)

    def share(key: str, of: np.ndarray = filled) -> np.ndarray:
        hits = np.bincount(columns, weights=answers[key][codes], minlength=width)
        out: np.ndarray = np.divide(hits, of, out=np.zeros(width), where=of > 0)
        return out

    answered = np.bincount(columns, weights=answers["answered"][codes], minlength=width)
    return ColumnFacts(filled=filled, nhs=share("nhs"), answers=share("recognised", answered), dates=share("dates"),
                       dates_not_numbers=share("dates_not_numbers"), sexes=share("sexes"))
