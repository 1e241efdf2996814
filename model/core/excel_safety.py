"""Text written to spreadsheets must never run as a formula (DOMAIN.md §10); CSVs are written one way.

A cell whose text begins — after any spaces — with = + - @, a tab, a carriage return or a line
feed can be executed by Excel (or LibreOffice), so such text gets a leading single quote;
numbers stay numbers. This module is the only place that decides it: every export (CSV, Excel
workbook, proforma headers, notes and drop-down lists) goes through `neutralise`, and every
CSV the app writes goes through `write_csv` (every field quoted, CRLF line endings).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_LINE_END = "\r\n"


def is_risky(text: str) -> bool:
    """True when Excel could run `text` as a formula (a risky first character after spaces)."""
    return text.lstrip(" ").startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """A cell value safe from formula injection: risky text gets a leading "'"; other values pass."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def unneutralise(value: Any) -> str:
    """The text `neutralise` was given (for reading back what AuditLoop itself wrote)."""
    text = str(value or "")
    return text[1:] if text.startswith("'") and is_risky(text[1:]) else text


def neutralise_frame(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """A copy whose text cells (in `columns`, default all) and text headers cannot run as formulas."""
    import pandas as pd

    out = frame.copy()
    for col in columns if columns is not None else list(out.columns):
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def csv_writer(handle: IO[str]) -> Any:
    """A csv.writer quoting every field, CRLF line endings (open `handle` with newline="")."""
    return csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator=CSV_LINE_END)


def write_csv_rows(handle: IO[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write rows to an open text file, every text cell neutralised, every field quoted, CRLF."""
    writer = csv_writer(handle)
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])


def frame_to_csv(frame: pd.DataFrame, handle: IO[str] | str, *, header: bool = True,
                 encoding: str = "utf-8-sig") -> None:
    """Write a DataFrame as CSV: text neutralised (cells and headers), QUOTE_ALL, CRLF, no index."""
    safe = neutralise_frame(frame)
    kwargs: dict[str, Any] = {"index": False, "header": header, "quoting": csv.QUOTE_ALL,
                              "lineterminator": CSV_LINE_END}
    if isinstance(handle, str):
        safe.to_csv(handle, encoding=encoding, **kwargs)
    else:
        safe.to_csv(handle, **kwargs)
