"""Read OHID Fingertips indicator exports (CSV), matching columns by name.

`tests.generators.generate_fingertips_csv` writes a large export with the real quirks, for the tests and bench.
"""

from __future__ import annotations

import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.benchmark.benchmark_cleaning import (
    _finish,
    _guess_scales,
    _measures_frame,
    _provenance,
    _suppressed_text,
    _to_number,
    _unreadable_problems,
)
from model.benchmark.benchmark_headers import _FINGERTIPS, _FINGERTIPS_REQUIRED, NATIONAL_CODE, _norm
from model.benchmark.benchmark_parsed import NUMERIC_COLUMNS, ParsedBenchmark
from model.benchmark.benchmark_reading import _read_bytes, _sha256
from model.core.errors import ImportProblem

_FINGERTIPS_NAMES = frozenset(_FINGERTIPS.values())
_PARENT_COMPARISON = re.compile(r"^compared to (?!england\b)(.+) value or percentiles$")
_FINGERTIPS_TEXT = [
    "measure_code",
    "measure_name",
    "parent_code",
    "parent_name",
    "org_code",
    "org_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value_note",
    "compared_to_national",
]


def parse_fingertips(path: Path | str) -> ParsedBenchmark:
    """Read an OHID Fingertips indicator export (CSV), matching columns by name.

    Handles a quoted line break in the indicator name, data rows one field short, UTF-8 with
    or without BOM and CRLF, several indicators/areas/sexes/ages/categories/periods, and the
    parent-comparison column whose name depends on the parent area type.
    """
    path = Path(path)
    data = _read_bytes(path)
    # hashlib releases the GIL: hash the file while pandas parses it (a tenth of the time).
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_sha256, data)
        frame, encoding = _read_fingertips_csv(data)
        sha256 = digest.result()
    by_norm = {_norm(c): c for c in frame.columns}
    missing = [_FINGERTIPS[k] for k in _FINGERTIPS_REQUIRED if _FINGERTIPS[k] not in by_norm]
    if missing:
        raise ImportProblem(
            "This does not look like a Fingertips export: missing " + ", ".join(missing) + ".",
            where=str(path),
            hint="Download the indicator data again from Fingertips as CSV.",
        )
    values, problems, names = _fingertips_values(frame, by_norm)
    values, duplicates, dup_problems = _finish(
        values,
        ["measure_code", "org_code", "area_type", "sex", "age", "category_type", "category", "period"],
    )
    measures = _fingertips_measures(values, names)
    # Text columns stay categorical: provenance reads periods and area types from the
    # categories, and the store finds distinct rows from their codes without hashing text.
    provenance = _provenance(path, sha256, values, "OHID Fingertips", encoding=encoding)
    return ParsedBenchmark(
        format="fingertips",
        provenance=provenance,
        measures=measures,
        values=values,
        problems=problems + dup_problems,
        duplicates=duplicates,
        suppressed_count=int(values["value"].isna().sum()),
        rejected_rows=int(len(duplicates)) + sum(p["reason"].endswith("; row left out") for p in problems),
    )


def _read_fingertips_csv(data: bytes) -> tuple[pd.DataFrame, str]:
    """read_csv with numbers inferred and text columns as categories; returns the encoding too.

    UTF-8 is tried strictly first (the C engine drops a BOM itself), then cp1252: letting the
    parser fail is cheaper than decoding a large file twice.
    """
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return _read_csv_as(data, encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _read_csv_as(data: bytes, encoding: str) -> pd.DataFrame:
    sample = data[:65536].decode(encoding, errors="ignore").lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(sample)), [])
    text_names = {_FINGERTIPS[k] for k in _FINGERTIPS_TEXT}
    # Text columns as categories: they repeat heavily (sex, age, period, names), so parsing,
    # hashing and de-duplicating work on small integer codes (and they stay categories).
    dtypes = {c: "category" for c in header if _norm(c) in text_names or _PARENT_COMPARISON.match(_norm(c))}
    # Only blank cells are NA ("n/a" in a numeric column must stay visible as text); the C
    # engine pads a row that is one field short with NaN (checked in the tests). Columns we
    # never read (Recent Trend, New data, Compared to goal…) are skipped: about 5% faster.
    return pd.read_csv(
        io.BytesIO(data),
        encoding=encoding,
        encoding_errors="strict",
        keep_default_na=False,
        na_values=[""],
        dtype=dtypes,
        usecols=_is_fingertips_column,
        engine="c",
    )


def _is_fingertips_column(name: str) -> bool:
    """Whether parse_fingertips reads this column (matched by normalised name)."""
    norm = _norm(name)
    return norm in _FINGERTIPS_NAMES or bool(_PARENT_COMPARISON.match(norm))


def _fingertips_values(
    frame: pd.DataFrame, by_norm: dict[str, str]
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, str]]:
    # Rename in place of copying: at 100,000 rows every full copy costs as much as parsing.
    renames = {by_norm[published]: ours for ours, published in _FINGERTIPS.items() if published in by_norm}
    parent_cols = [c for n, c in by_norm.items() if _PARENT_COMPARISON.match(n)]
    if parent_cols:
        renames[parent_cols[0]] = "compared_to_parent"
    values = frame.rename(columns=renames)
    for col in [*_FINGERTIPS, "compared_to_parent"]:
        if col not in values:
            values[col] = None
    values["source_row"] = np.arange(len(values)) + 2
    problems: list[dict[str, Any]] = []
    raw_value_text: pd.Series | None = None
    for col in NUMERIC_COLUMNS:
        if pd.api.types.is_numeric_dtype(values[col]):  # read as numbers: no text to report or keep
            values[col] = values[col].astype(float)
            continue
        numbers, text = _to_number(values[col])
        if text.notna().any():
            problems += _unreadable_problems(text, values["source_row"], by_norm.get(_FINGERTIPS[col], col))
        values[col] = numbers
        if col == "value":
            raw_value_text = text
    values["period_sortable"] = pd.to_numeric(values["period_sortable"], errors="coerce")
    codes, uniques = pd.factorize(values["measure_code"])
    if (codes < 0).any():  # a row without an indicator ID belongs to no measure: never guessed
        column = by_norm[_FINGERTIPS["measure_code"]]
        problems += [{"row": int(r), "column": column, "value": "", "reason": "no indicator ID; row left out"}
                     for r in values.loc[codes < 0, "source_row"]]
        values, codes = values[codes >= 0], codes[codes >= 0]
    stripped = np.array([" ".join(str(u).split()) for u in uniques], dtype=object)
    values["measure_code"] = (
        pd.Categorical.from_codes(codes, categories=stripped)
        if len(set(stripped)) == len(stripped)
        else stripped[codes]
    )
    names = _first_names(values["measure_name"], codes, stripped)
    values["suppressed_text"] = _suppressed_text(values["value"], raw_value_text)
    no_code = values["org_code"].isna()
    if no_code.any():
        column = by_norm[_FINGERTIPS["org_code"]]
        problems += [
            {"row": int(r), "column": column, "value": "", "reason": "no area code; row left out"}
            for r in values.loc[no_code, "source_row"]
        ]
        values = values[~no_code]
    values["is_national"] = _fingertips_national(values)
    return values, problems, names


def _first_names(names: pd.Series, codes: np.ndarray, uniques: np.ndarray) -> dict[str, str]:
    """Each indicator's name from its first row, with the quoted line break collapsed."""
    result = {}
    for code_index, row in zip(*np.unique(codes, return_index=True), strict=True):
        name = names.iloc[row]
        code = str(uniques[code_index])
        result[code] = " ".join(name.split()) if isinstance(name, str) else code
    return result


def main_ages(values: pd.DataFrame) -> pd.Series:
    """Per row, whether its age is its measure's main age: the one most rows have ("65+ yrs").

    An export can add other ages for some areas only (England and the regions also "80+ yrs");
    those are breakdowns, like sex and category, not the indicator's headline figure.
    """
    age = values["age"].astype(object).where(values["age"].notna(), "")
    counts = pd.DataFrame({"m": values["measure_code"].astype(object), "a": age}).value_counts(sort=True)
    main = counts[~counts.index.get_level_values("m").duplicated()]  # the most common age per measure
    wanted = pd.Series(main.index.get_level_values("a"), index=main.index.get_level_values("m"))
    return pd.Series(age.to_numpy() == values["measure_code"].astype(object).map(wanted).to_numpy(), index=values.index)


def _fingertips_national(values: pd.DataFrame) -> pd.Series:
    """England rows without a category, at the main age, Persons (or the only sex when there is no Persons)."""
    england = (values["org_code"] == NATIONAL_CODE) & values["category_type"].isna()
    national = pd.Series(False, index=values.index)
    if england.any():
        england &= main_ages(values)
        rows = values[england]
        persons = rows["sex"].astype(str).str.lower() == "persons"
        has_persons = persons.groupby(rows["measure_code"]).transform("any")
        national[rows.index] = persons | ~has_persons
    return national


def _fingertips_measures(values: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    scales = _guess_scales(values)
    return _measures_frame((code, names.get(code, code), scales.get(code, np.nan)) for code in names)


FINGERTIPS_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
]
