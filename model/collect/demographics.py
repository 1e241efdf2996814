"""Derived case fields: ages as typed, standard age bands and IMD quintiles (import, subgroups)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from model.core.columns import per_unique

# "93", "93y", "93 yrs", "93 years old", "93yo", "6 months" (→ 0), "3 weeks" (→ 0): ages as
# clinicians write them. "m" alone is not a unit (it could be the patient's sex).
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(y|yr|yrs|year|years|yo|y/o|y\.o\.?|mo|mos|month|months|"
                     r"w|wk|wks|week|weeks|d|day|days)?\.?\s*(?:old)?\s*$", re.IGNORECASE)
_YEARS_PER = {"mo": 1 / 12, "mos": 1 / 12, "month": 1 / 12, "months": 1 / 12, "w": 1 / 52, "wk": 1 / 52,
              "wks": 1 / 52, "week": 1 / 52, "weeks": 1 / 52, "d": 1 / 365, "day": 1 / 365, "days": 1 / 365}

AGE_BANDS: tuple[str, ...] = ("0–15", "16–39", "40–64", "65–79", "80+")
_AGE_EDGES = (0, 16, 40, 65, 80, np.inf)


def _age_years(text: str) -> float:
    match = _AGE_RE.match(text)
    if match is None:
        return np.nan
    number, unit = float(match.group(1)), (match.group(2) or "").casefold()
    if unit in _YEARS_PER:
        return float(np.floor(number * _YEARS_PER[unit]))  # completed years: 6 months is 0
    return number


def parse_ages(cells: pd.Series) -> pd.Series:
    """Ages in years from text as typed ("93", "93y", "93 yrs", "6 months" → 0); NaN otherwise."""
    return pd.Series(per_unique(cells.astype("str"), _age_years, na=np.nan), index=cells.index, dtype=float)


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
