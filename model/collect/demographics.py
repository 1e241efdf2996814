"""Derived case fields: standard age bands and IMD quintiles (used by import and subgroups)."""

from __future__ import annotations

import numpy as np
import pandas as pd

AGE_BANDS: tuple[str, ...] = ("0–15", "16–39", "40–64", "65–79", "80+")
_AGE_EDGES = (0, 16, 40, 65, 80, np.inf)


def age_band(ages: pd.Series) -> pd.Series:
    """Standard age bands: 0–15, 16–39, 40–64, 65–79, 80+ (an ordered categorical).

    Args:
        ages: ages in completed years (numbers or numeric text).

    Returns:
        The band per age; NaN for a missing, non-numeric or negative age.
    """
    numeric = pd.to_numeric(ages, errors="coerce")
    return pd.cut(numeric, bins=list(_AGE_EDGES), right=False, labels=list(AGE_BANDS), ordered=True)


def imd_quintile_from_decile(deciles: pd.Series) -> pd.Series:
    """IMD quintile (1 = most deprived) from the decile: 1–2 -> 1, …, 9–10 -> 5.

    Args:
        deciles: IMD deciles 1–10 (numbers or numeric text).

    Returns:
        An Int64 series; <NA> for a missing or invalid decile.
    """
    numeric = pd.to_numeric(deciles, errors="coerce")
    valid = numeric.between(1, 10) & (numeric % 1 == 0)
    return ((numeric + 1) // 2).where(valid).astype("Int64")
