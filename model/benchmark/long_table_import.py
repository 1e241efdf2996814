"""Read long benchmark tables: one row per organisation × period × measure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.benchmark.benchmark_cleaning import (
    _blank_to_none,
    _finish,
    _guess_scales,
    _measures_frame,
    _provenance,
    _suppressed_text,
    _to_number,
    _unreadable_problems,
)
from model.benchmark.benchmark_headers import NATIONAL_CODE, NATIONAL_NAMES, _find_header, _long_columns
from model.benchmark.benchmark_parsed import ParsedBenchmark
from model.benchmark.benchmark_reading import _load_grid, _read_bytes, _sha256, _table_below
from model.core.errors import ImportProblem


def parse_long(path: Path | str) -> ParsedBenchmark:
    """Read a long table: organisation code, name, period, measure, numerator, denominator, value."""
    path = Path(path)
    data = _read_bytes(path)
    grid, encoding, _, _ = _load_grid(path, data)
    header_at = _find_header(grid)
    table = _table_below(grid, header_at)
    cols = _long_columns(list(table.columns))
    if cols is None:
        raise ImportProblem("The long table's columns were not recognised.", where=str(path))
    rows = pd.Series(table.index, index=table.index)
    values = pd.DataFrame(index=table.index)
    for key in ("org_code", "org_name", "period"):
        values[key] = _blank_to_none(table[cols[key]]) if key in cols else None
    values["measure_code"] = _blank_to_none(table[cols["measure"]])
    problems: list[dict[str, Any]] = []
    no_measure = values["measure_code"].isna()
    if no_measure.any():  # a row without a measure belongs to none: left out, never guessed
        problems += [{"row": int(r), "column": cols["measure"], "value": "", "reason": "no measure; row left out"}
                     for r in table.index[no_measure]]
        table, values, rows = table[~no_measure], values[~no_measure], rows[~no_measure]
    values["measure_code"] = values["measure_code"].astype(str).str.strip()
    raw_value = pd.Series(None, index=table.index, dtype=object)
    for key in ("numerator", "denominator", "value"):
        if key not in cols:
            values[key] = np.nan
            continue
        values[key], text = _to_number(table[cols[key]])
        problems += _unreadable_problems(text, rows, cols[key])
        if key == "value":
            raw_value = text
    if "value" not in cols:
        values["value"] = values["numerator"] / values["denominator"].where(values["denominator"] > 0) * 100
    values["suppressed_text"] = _suppressed_text(values["value"], raw_value)
    names = values[["org_code", "org_name"]].apply(lambda s: s.astype(str).str.strip().str.lower())
    values["is_national"] = names.isin(NATIONAL_NAMES).any(axis=1) | (values["org_code"] == NATIONAL_CODE)
    values["area_type"] = np.where(values["is_national"], "National", "Organisation")
    values["period_sortable"] = np.nan
    values["source_row"] = table.index
    values, duplicates, dup_problems = _finish(
        values.reset_index(drop=True), ["measure_code", "org_code", "period"]
    )
    scales = _guess_scales(values)
    measures = _measures_frame((c, c, _scale_or_range(values, c, s)) for c, s in scales.items())
    return ParsedBenchmark(
        format="long",
        provenance=_provenance(path, _sha256(data), values, "", encoding=encoding),
        measures=measures,
        values=values,
        problems=problems + dup_problems,
        duplicates=duplicates,
        suppressed_count=int(values["value"].isna().sum()),
        rejected_rows=int(len(duplicates)) + int(no_measure.sum()),
    )


def _scale_or_range(values: pd.DataFrame, code: str, scale: float) -> float:
    """Without counts, guess from the range: all ≤ 1 → proportion, all ≤ 100 → percent."""
    if np.isfinite(scale):
        return scale
    v = values.loc[values["measure_code"] == code, "value"].dropna()
    if v.empty:
        return np.nan
    return 1.0 if v.max() <= 1 else 100.0 if v.max() <= 100 else np.nan
