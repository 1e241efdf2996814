"""Turning read cells into values, shared by every parser: numbers, suppression, repeats, scales.

A suppressed or unreadable cell becomes NaN with its raw text in `suppressed_text` (never 0);
`suppressed_text` is None when the value was read as a number, "" when the cell was blank.
Repeated organisation rows are left out and reported (`_finish`); a measure's scale and unit
are guessed from its counts (`_guess_scales`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.benchmark.benchmark_parsed import MEASURE_COLUMNS, VALUE_COLUMNS, Provenance

#: Markers national publishers use for suppressed or unavailable cells (compared lower-case).
SUPPRESSION_MARKERS = frozenset({"", "*", "**", "n/a", "na", "-", "–", "c", "x", "..", ":", "~", "s", "supp"})
_LESS_THAN = re.compile(r"^<\s*\d+(\.\d+)?$")


def _is_marker(text: pd.Series) -> pd.Series:
    lowered = text.str.strip().str.lower()
    return lowered.isin(SUPPRESSION_MARKERS) | lowered.str.match(_LESS_THAN.pattern)


def _to_number(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(floats with NaN for anything unreadable, raw text where unreadable else None)."""
    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype(float), pd.Series(None, index=raw.index, dtype=object)
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    return numbers.astype(float), text.astype(object).where(numbers.isna(), None)


def _unreadable_problems(text: pd.Series, rows: pd.Series, column: str) -> list[dict[str, Any]]:
    """Problems for unreadable cells that are not a known suppression marker."""
    present = text.dropna()
    bad = present[~_is_marker(present.astype(str))]
    return [
        {
            "row": int(rows[i]),
            "column": column,
            "value": str(v),
            "reason": "not a number or a known suppression marker; left empty",
        }
        for i, v in bad.items()
    ]


def marker_cells(table: pd.DataFrame, columns: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """Suppression markers as written → cells holding them, cell by cell, over `columns` (each once)."""
    counts: dict[str, int] = {}
    for col in dict.fromkeys(columns):
        numbers, text = _to_number(table[col])
        present = text.dropna().astype(str)
        present = present[(present != "") & _is_marker(present)]
        for marker, n in present.value_counts(sort=False).items():
            counts[str(marker)] = counts.get(str(marker), 0) + int(n)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _suppressed_text(value: pd.Series, raw: pd.Series | None) -> pd.Series:
    """The raw text where the value is empty ("" for a blank cell), None where it was read.

    `raw` None: the column was read as numbers, so every empty value was a blank cell.
    """
    if raw is None:
        return pd.Series(np.where(value.isna(), "", None), index=value.index, dtype=object)  # type: ignore[call-overload]  # numpy's stubs reject None; it makes an object array
    text = raw.astype(object).where(raw.notna(), "")
    return pd.Series(np.where(value.isna(), text, None), index=value.index, dtype=object)


def _blank_to_none(series: pd.Series) -> pd.Series:
    text = series.astype(object)
    return text.where(text.notna() & (text.astype(str).str.strip() != ""), None)


def _repeat_candidates(values: pd.DataFrame, key: list[str]) -> pd.Series:
    """Rows whose `key` columns repeat another row's; candidates only, the exact check follows.

    When every key column is categorical (Fingertips), the category codes are the values, so a
    mixed-radix key of them finds the repeats without hashing 100,000 rows column by column.
    """
    columns = [values[c] for c in key]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        return pd.util.hash_pandas_object(values[key], index=False).duplicated(keep=False)
    row_key, size = np.zeros(len(values), dtype=np.int64), 1
    for column in columns:
        width = len(column.cat.categories) + 1  # blank is code -1, shifted to 0
        if size * width >= 2**62:  # keep the key inside int64
            row_key, seen = pd.factorize(row_key)
            size = len(seen)
        row_key, size = row_key * width + column.cat.codes.to_numpy(dtype=np.int64) + 1, size * width
    return pd.Series(row_key, index=values.index).duplicated(keep=False)


def _finish(values: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Order the columns, drop repeated organisation rows (keeping the first), report them.

    A repeat is the same code *and* name for the same measure and breakdown. One code used by
    organisations with different names is kept (both rows) and reported, since matching our
    trust by that code would be ambiguous.
    """
    for col in VALUE_COLUMNS:
        if col not in values:
            values[col] = None
    values = values[VALUE_COLUMNS]
    has_code = values["org_code"].notna()
    # One vectorised pass finds candidate repeats; the exact check runs only on those rows.
    same_key = _repeat_candidates(values, key) & has_code
    dup = pd.Series(False, index=values.index)
    if same_key.any():
        subset = values[same_key]
        dup[subset.index] = subset.duplicated([*key, "org_name"], keep="first")
    duplicates = values[dup].reset_index(drop=True)
    problems = [
        {
            "row": int(r.source_row),
            "column": "",
            "value": str(r.org_code),
            "reason": f"repeated row for {r.org_code} ({r.org_name}); the first one was kept",
        }
        for r in duplicates.drop_duplicates("source_row").itertuples()
    ]
    kept = values[~dup].reset_index(drop=True) if dup.any() else values.reset_index(drop=True)
    clashes = _code_clashes(kept, key) if (same_key & ~dup).sum() > 0 else []
    return kept, duplicates, problems + clashes


def _code_clashes(values: pd.DataFrame, key: list[str]) -> list[dict[str, Any]]:
    clash = values[values.duplicated(key, keep=False) & values["org_code"].notna()]
    names = clash.groupby("org_code", sort=False).agg(
        row=("source_row", "min"), names=("org_name", lambda s: sorted({str(v) for v in s}))
    )
    return [
        {
            "row": int(r.row),
            "column": "",
            "value": str(code),
            "reason": f"code {code} is used by {len(r.names)} organisations ({'; '.join(r.names)}); "
            "rows kept, but matching by this code is ambiguous",
        }
        for code, r in names.iterrows()
    ]


def _unit_from_scale(scale: float) -> tuple[str, str]:
    units = {
        1.0: ("proportion", "proportion"),
        100.0: ("percent", "proportion"),
        1000.0: ("per 1,000", "rate"),
        1e5: ("per 100,000", "rate"),
    }
    return units.get(scale, ("", "unknown"))


def _guess_scales(values: pd.DataFrame) -> pd.Series:
    """Per measure, value ÷ (numerator/denominator) as a power of ten: 100 for %, 1e5 for rates.

    NaN when the counts are absent or the ratio is not close to a power of ten.
    """
    # The first 20,000 rows with counts are plenty to tell a percentage from a rate.
    ok = (values["numerator"] > 0) & (values["denominator"] > 0) & (values["value"] > 0)
    rows = np.flatnonzero(ok.to_numpy())[:20_000]
    sample = {c: values[c].to_numpy()[rows] for c in ("value", "numerator", "denominator", "measure_code")}
    ratio = pd.Series(sample["value"] * sample["denominator"] / sample["numerator"])
    median = ratio.groupby(sample["measure_code"], sort=False).median()
    power = 10.0 ** np.round(np.log10(median))
    scales = power.where((median / power - 1).abs() < 0.05)
    return scales.reindex(pd.unique(values["measure_code"]))


def _measures_frame(rows: Iterable[tuple[str, str, float]]) -> pd.DataFrame:
    records = []
    for code, name, scale in rows:
        unit, kind = _unit_from_scale(scale)
        records.append({"measure_code": code, "name": name, "unit": unit, "kind": kind, "scale": scale})
    return pd.DataFrame(records, columns=MEASURE_COLUMNS)


def _provenance(path: Path, sha256: str, values: pd.DataFrame, publisher: str, **extra: Any) -> Provenance:
    # Periods in time order when the file gives a sortable key, else in file order.
    codes, periods = pd.factorize(values["period"])
    firsts = pd.Series(values["period_sortable"].to_numpy()).groupby(codes).min()
    order = firsts[firsts.index >= 0]
    if order.notna().any():
        order = order.sort_values(kind="stable")
    return Provenance(
        publisher=publisher,
        file_name=path.name,
        sha256=sha256,
        periods=tuple(str(periods[i]) for i in order.index),
        area_types=tuple(str(a) for a in pd.unique(values["area_type"].dropna())),
        **extra,
    )
