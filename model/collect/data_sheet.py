"""Choosing the sheet of a workbook most likely to hold the cases.

Instruction-like sheets ("Read me", "Notes", "Lookups", summaries), mostly-text sheets and
hidden sheets are passed over in favour of the sheet with the most table-like rows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence

import pandas as pd

from model.collect.cell_codes import ColumnCodes, _modal_width, _row_counts
from model.collect.sheet_files import RawSheet
from model.core.errors import ImportProblem

_INSTRUCTION_NAME_RE = re.compile(
    r"\b(read\s*me|instructions?|notes|guidance|help|key|keys|lookups?|lists?|definitions?|"
    r"drop\s*downs?|validation|summary|dashboard|charts?|pivot)\b",
    re.IGNORECASE,
)


def guess_sheet(sheets: Mapping[str, RawSheet]) -> str:
    """``guess_data_sheet`` for sheets as read by ``read_raw_sheets`` (hidden sheets last)."""
    return guess_data_sheet({n: s.grid for n, s in sheets.items()}, [n for n, s in sheets.items() if not s.visible],
                            codes={n: s.codes for n, s in sheets.items()})


def _sheet_score(name: str, grid: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> int:
    """How many table-like rows a sheet has (instruction sheets score below any data sheet)."""
    if grid.empty:
        return -2
    counts = _row_counts(grid, codes)
    width = _modal_width(counts)
    rows = int((counts >= max(2, math.ceil(width * 0.5))).sum()) if width >= 2 else 0
    if _INSTRUCTION_NAME_RE.search(name):
        return -1 if rows else -2
    if width > 3:
        return rows
    # Notes and instructions: narrow sheets where most filled rows hold a sentence.
    top = grid.head(200)
    long_rows = top.apply(lambda col: col.str.len().gt(60).fillna(False).astype(bool)).any(axis=1)
    return 0 if long_rows[counts.head(200) > 0].mean() >= 0.5 else rows


def guess_data_sheet(
    grids: Mapping[str, pd.DataFrame], hidden: Collection[str] = (), *,
    codes: Mapping[str, Sequence[ColumnCodes] | None] | None = None,
) -> str:
    """The name of the sheet most likely to hold the cases.

    Instruction-like sheets ("Read me", "Instructions", "Notes", "Key", "Lookup", "Lists",
    summaries) and mostly-text sheets are passed over; among the rest the sheet with the most
    table-like rows wins (the first one on a tie).

    Args:
        grids: sheet name -> text grid (``RawSheet.grid``), in workbook order.
        hidden: names of sheets hidden in the workbook; chosen only when nothing else has data.
        codes: sheet name -> ``RawSheet.codes``, when known (saves working them out again).

    Raises:
        ImportProblem: there are no sheets, or every sheet is empty.
    """
    if not grids:
        raise ImportProblem("The workbook has no worksheets.", hint="Check you chose the right file.")
    if len(grids) == 1:
        return next(iter(grids))  # an empty single sheet is reported by find_header
    scores = {name: _sheet_score(name, grid, (codes or {}).get(name)) for name, grid in grids.items()}
    if max(scores.values()) == -2:
        raise ImportProblem("Every sheet in the workbook is empty.", hint="Check you chose the right file.")
    # Visible sheets with data first; hidden ones (old data, lookups) only when nothing else has data.
    return max(scores, key=lambda n: (scores[n] > 0 and n not in hidden, scores[n]))
