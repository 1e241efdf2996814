"""Synthetic input files for the tests and bench/run.py (not part of the app)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from model.benchmark.fingertips_import import FINGERTIPS_HEADER


def generate_fingertips_csv(path: Path | str, rows: int, seed: int = 0) -> Path:
    """Write a synthetic Fingertips-style export of `rows` data rows (for tests and the bench).

    It carries the real quirks: the 26-column header, CRLF, a quoted line break in the
    indicator name, data rows one field short, and about 1% suppressed values with a note.
    """
    path = Path(path)
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)
    denominator = rng.integers(50, 50_000, rows)
    count = rng.binomial(denominator, 0.02)
    value = count / denominator * 1e5
    half = 1.96 * np.sqrt(np.maximum(count, 1)) / denominator * 1e5
    suppressed = rng.random(rows) < 0.01
    frame = pd.DataFrame(
        {
            "Indicator ID": 90000 + idx % 3,
            "Indicator Name": "Synthetic indicator\nnumber " + pd.Series(idx % 3).astype(str),
            "Parent Code": "E12000001",
            "Parent Name": "North East region (statistical)",
            "Area Code": "E06" + pd.Series(idx // 72).astype(str).str.zfill(6),
            "Area Name": "Area " + pd.Series(idx // 72).astype(str),
            "Area Type": "County & UA",
            "Sex": np.array(["Persons", "Male", "Female"])[idx // 3 % 3],
            "Age": "All ages",
            "Category Type": "",
            "Category": "",
            "Time period": (2010 + idx // 9 % 8).astype(str),
            "Value": value,
            "Lower CI 95.0 limit": value - half,
            "Upper CI 95.0 limit": value + half,
            "Lower CI 99.8 limit": value - 1.6 * half,
            "Upper CI 99.8 limit": value + 1.6 * half,
            "Count": count,
            "Denominator": denominator,
            "Value note": "",
            "Recent Trend": "",
            "Compared to England value or percentiles": "Similar",
            "Compared to Region value or percentiles": "Similar",
            "Time period Sortable": (2010 + idx // 9 % 8) * 10000,
            "New data": "",
        }
    )
    numeric = [
        "Value",
        "Lower CI 95.0 limit",
        "Upper CI 95.0 limit",
        "Lower CI 99.8 limit",
        "Upper CI 99.8 limit",
        "Count",
        "Denominator",
    ]
    frame[numeric] = frame[numeric].astype(object)
    frame.loc[suppressed, numeric] = ""
    frame.loc[suppressed, "Value note"] = "Value suppressed for disclosure control due to small count"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(FINGERTIPS_HEADER) + "\r\n")
        # 25 fields per data row: the trailing "Compared to goal" field is missing, as published.
        frame.to_csv(handle, header=False, index=False, lineterminator="\r\n")
    return path
