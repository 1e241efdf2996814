"""Calendar buckets of an SPC series: months and ISO weeks as pandas period ordinals.

A case date becomes the ordinal of its month or ISO week (Monday to Sunday), so buckets can
be counted with `np.bincount` and gaps kept; blank or unreadable dates get no bucket. Also
the names of buckets in sentences.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

Bucket = Literal["month", "week"]
FREQ: dict[str, str] = {"month": "M", "week": "W-SUN"}  # a W-SUN period runs Monday to Sunday (ISO week)


def period_ordinals(dates: pd.Series, freq: str) -> np.ndarray:
    """Period ordinal of each ISO date (−1 when blank or unreadable)."""
    # Parse each distinct date once: audits repeat the same few hundred dates many times.
    codes, uniques = pd.factorize(dates)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.slice(0, 10)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    per_unique = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last slot: the NA sentinel (−1)
    ok = parsed.notna().to_numpy()
    if ok.any():
        per_unique[:-1][ok] = pd.PeriodIndex(parsed[ok], freq=freq).asi8
    picked: np.ndarray = per_unique[codes]
    return picked


def period_ordinal(day: str | None, freq: str) -> int | None:
    """Period ordinal of one ISO date, or None when blank or unreadable."""
    try:
        return pd.Period(str(day)[:10], freq=freq).ordinal if day else None
    except ValueError:
        return None


def bucket_label(d: date, bucket: str) -> str:
    return d.strftime("%b %Y") if bucket == "month" else f"w/c {d.day} {d:%b %Y}"
