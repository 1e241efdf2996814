"""Text written to spreadsheets must never run as a formula (DOMAIN.md §10).

A cell beginning with = + - @, a tab or a carriage return can be executed by Excel, so
such text gets a leading single quote; numbers stay numbers. Every export uses these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell value safe from formula injection: risky text gets a leading "'"; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy whose text cells (in `columns`, default all) cannot run as formulas."""
    import pandas as pd

    out = frame.copy()
    for col in columns if columns is not None else list(out.columns):
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).map(neutralise)
    return out
