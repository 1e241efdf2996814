"""Reading spreadsheets as they come from wards: finding the data sheet, the header and the rows.

This module holds the entry points and the finished table: ``read_table`` reads a file's data
sheet into a ``SheetTable`` (a header and one row per case), ``build_table`` does the same for a
sheet already read. The steps live in their own modules and their public names are re-exported
here:

- ``model.collect.sheet_files``: opening files (checks, format sniffing, workbooks, CSV
  encodings and delimiters, HTML tables) into ``RawSheet`` text grids;
- ``model.collect.hidden_rows``: rows hidden in an .xlsx sheet;
- ``model.collect.cell_text``: typed cells turned into text (dates, numbers, booleans);
- ``model.collect.cell_codes``: cells as codes into distinct texts, for fast per-cell tests;
- ``model.collect.data_sheet``: which sheet holds the cases;
- ``model.collect.header_detection``: where the header is and what the columns are called;
- ``model.collect.sheet_rows``: which rows below the header are cases (empty, repeated-header,
  totals, summary and hidden rows are dropped with a reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.collect.cell_codes import ColumnCodes, _Cells
from model.collect.data_sheet import guess_data_sheet, guess_sheet
from model.collect.header_detection import HeaderGuess, _explicit_header, find_header
from model.collect.sheet_files import RawSheet, list_sheets, read_raw_sheets
from model.collect.sheet_rows import _CASE, _EMPTY, _REASONS, _classify_rows, _is_column_numbers
from model.core.columns import column_letter
from model.core.errors import ImportProblem
from model.core.input_files import MAX_FILE_BYTES

__all__ = [
    "EXCEL_MAX_ROWS",
    "MAX_FILE_BYTES",
    "ColumnCodes",
    "DroppedRow",
    "HeaderGuess",
    "RawSheet",
    "SheetTable",
    "build_table",
    "column_letter",
    "find_header",
    "guess_data_sheet",
    "guess_sheet",
    "list_sheets",
    "read_raw_sheets",
    "read_table",
]

EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class DroppedRow:
    """A row below the header that is not a case.

    Attributes:
        row: the 1-based row number as Excel (or a text editor, for CSV) shows it.
        reason: why it was left out, in plain words.
    """

    row: int
    reason: str


@dataclass(frozen=True, eq=False)
class SheetTable:
    """A data sheet reduced to a header and one row per case.

    Attributes:
        path: the file read.
        sheet: the sheet name.
        header_row: the first header row, 1-based as Excel shows it.
        header_height: number of header rows (2 for "Group – Sub" headers).
        columns: unique single-line column names, used for matching.
        display_headers: the headers as typed, line breaks kept, for display.
        letters: the Excel column letter of each column.
        data: text cells (NaN for blank), columns named as ``columns``, index = the 1-based
            Excel row of each data row (named "row").
        dropped_rows: rows below the header that were left out, with reasons.
        warnings: anything the user should know about how the sheet was read.
    """

    path: Path
    sheet: str
    header_row: int
    header_height: int
    columns: tuple[str, ...]
    display_headers: tuple[str, ...]
    letters: tuple[str, ...]
    data: pd.DataFrame
    dropped_rows: tuple[DroppedRow, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def excel_rows(self) -> list[int]:
        """The 1-based Excel row number of every data row, in order."""
        return [int(r) for r in self.data.index]

    def letter_of(self, column: str) -> str:
        """The Excel column letter of a column name."""
        return self.letters[self.columns.index(column)]

    def where(self, row: int | None = None, column: str | None = None) -> str:
        """A location for messages, e.g. "sheet Data, row 14, column D (Ward)"."""
        parts = [f"{self.path.name}, sheet {self.sheet}"]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {self.letter_of(column)} ({column})")
        return ", ".join(parts)


def _unique_names(names: Sequence[str], letters: Sequence[str]) -> list[str]:
    """Blank headers become "Column D"; repeated ones get " (2)", " (3)"."""
    seen: Counter[str] = Counter()
    out = []
    for name, letter in zip(names, letters, strict=True):
        base = name or f"Column {letter}"
        seen[base.casefold()] += 1
        out.append(base if seen[base.casefold()] == 1 else f"{base} ({seen[base.casefold()]})")
    return out


def build_table(
    path: Path,
    raw: RawSheet,
    *,
    row_limit: int = EXCEL_MAX_ROWS,
    header_row: int | None = None,
    header_height: int = 1,
) -> SheetTable:
    """Turn a RawSheet into a SheetTable: header found, empty and totals rows dropped.

    Args:
        path: the file the sheet came from (for messages).
        raw: the sheet as read.
        row_limit: a sheet this long probably lost rows when saved in Excel (warned).
        header_row: the user's choice of (first) header row, 1-based; None finds it.
        header_height: with ``header_row``: 2 when a group-label row sits above the sub-headers.

    Raises:
        ImportProblem: the sheet is empty, or ``header_row`` is outside it.
    """
    grid = raw.grid
    cells = _Cells(grid, raw.codes)
    blank = cells.blank()  # (columns, rows)
    where = f"{path.name}, sheet {raw.name}"
    try:
        if header_row is None:
            guess = find_header(grid, raw.merged, pd.Series((~blank).sum(axis=0), index=grid.index))
        else:
            guess = _explicit_header(grid, raw.merged, header_row, header_height)
    except ImportProblem as exc:
        raise ImportProblem(exc.message, where=where, hint=exc.hint) from exc
    start = guess.row + guess.height
    dropped: list[DroppedRow] = []
    if start < len(grid) and _is_column_numbers(grid.iloc[start]):
        dropped.append(DroppedRow(start + 1, "column numbers"))
        start += 1
    rows = slice(start, len(grid))  # the body is the grid's tail
    keep = [i for i, c in enumerate(grid.columns) if guess.names[c] or cells.filled(c, rows).any()]
    keep_cols = [grid.columns[i] for i in keep]
    letters = [column_letter(int(c)) for c in keep_cols]
    names = _unique_names([guess.names[c] for c in keep_cols], letters)
    body = grid.iloc[start:][keep_cols]
    body.index = pd.RangeIndex(start + 1, len(grid) + 1)  # Excel row numbers
    reasons = _classify_rows(body, blank[keep, start:], [guess.names[c] for c in keep_cols], raw.hidden_rows,
                             cells, rows)
    # Trailing empty rows are just the end of the used range; they are not worth listing.
    filled = np.flatnonzero(reasons != _EMPTY)
    reasons = reasons[: filled[-1] + 1] if len(filled) else reasons[:0]
    dropped += [DroppedRow(start + 1 + int(p), _REASONS[reasons[p]]) for p in np.flatnonzero(reasons)]
    data = body.iloc[: len(reasons)]
    if reasons.any():
        data = data[reasons == _CASE]
    data.columns = names
    data.index.name = "row"
    return SheetTable(
        path=path, sheet=raw.name, header_row=guess.row + 1, header_height=guess.height,
        columns=tuple(names), display_headers=tuple(guess.display[c] or n for c, n in zip(keep_cols, names,
                                                                                          strict=True)),
        letters=tuple(letters), data=data, dropped_rows=tuple(dropped),
        warnings=raw.warnings + _table_warnings(grid, guess, row_limit)
        + _nul_warnings(cells, keep_cols, names, letters, rows),
    )


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _nul_warnings(cells: _Cells, columns: Sequence[object], names: Sequence[str], letters: Sequence[str],
                  rows: slice) -> tuple[str, ...]:
    """Columns whose cells hold NUL characters (Excel writes them as _x0000_; a damaged or
    binary export): kept as they are (they are bound, never written into SQL), but named."""
    out = []
    for column, name, letter in zip(columns, names, letters, strict=True):
        hits = int(cells.test(column, _has_nul, rows).sum())
        if hits:
            out.append(f"Column {letter} ({name}): {hits:,} cell{'s' if hits != 1 else ''} hold NUL characters "
                       "(invisible control codes from a damaged or binary export). They are kept as they are; "
                       "check the column, or clean it in Excel with Find and Replace.")
    return tuple(out)


def _table_warnings(grid: pd.DataFrame, guess: HeaderGuess, row_limit: int) -> tuple[str, ...]:
    warnings = []
    if guess.guessed:
        warnings.append(f"No row looked clearly like a header; row {guess.row + 1} was used. Check it.")
    if len(grid) >= row_limit:
        warnings.append(
            f"The sheet reaches {row_limit:,} rows, Excel's limit: rows beyond it may have been lost "
            "when the file was saved in Excel."
        )
    return tuple(warnings)


def read_table(
    path: str | Path,
    sheet: str | None = None,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    row_limit: int = EXCEL_MAX_ROWS,
    header_row: int | None = None,
    header_height: int = 1,
) -> SheetTable:
    """Read a spreadsheet's data sheet into a SheetTable.

    Args:
        path: an .xlsx/.xlsm/.xlsb/.xls/.ods workbook or a .csv/.tsv/.txt file.
        sheet: the sheet to read; None picks it with ``guess_data_sheet``.
        max_bytes: files larger than this are refused before reading (default 100 MB).
        row_limit: warn when a sheet reaches this many rows (Excel's 1,048,576 by default).
        header_row: the (first) header row, 1-based, when the user has chosen it; None finds it.
        header_height: with ``header_row``, 2 for a group-label row above the sub-headers.

    Raises:
        ImportProblem: the file cannot be read; the message says why and what to do.
    """
    path = Path(path)
    sheets = read_raw_sheets(path, None if sheet is None else [sheet], max_bytes=max_bytes)
    name = sheet if sheet is not None else guess_sheet(sheets)
    return build_table(path, sheets[name], row_limit=row_limit, header_row=header_row,
                       header_height=header_height)
