"""Reading spreadsheets as they come from wards: finding the data sheet, the header and the rows.

Everything is read as text so identifiers keep their leading zeros. Workbooks (.xlsx, .xlsm,
.xlsb, .xls, .ods) go through python-calamine, the engine pandas' ``read_excel(engine="calamine")``
uses; we call it directly because it also tells us about merged cells and gives typed cells
(a real Excel date stays a date), which we turn into text once per column:

- whole-number floats become ``"1"`` (not ``"1.0"``), other numbers their shortest repr;
- dates become ISO ``"2026-03-11"``; date-times ``"2026-03-11 14:35:00"``; times ``"14:35:00"``;
- booleans become ``"TRUE"``/``"FALSE"`` as Excel shows them; empty cells become NaN.

CSV files are decoded as UTF-8 (with or without BOM) or, failing a strict UTF-8 decode, cp1252;
the delimiter (comma, semicolon, tab) is sniffed. HTML tables saved as ``.xls`` (a common
"Export to Excel" from web systems) are read with lxml.

Hidden rows are only exposed by the .xlsx XML itself (calamine does not report them): we scan
the sheet's XML for ``<row ... hidden="1">`` when the sheet part is at most
``HIDDEN_ROW_SCAN_BYTES`` uncompressed, otherwise the table carries a warning that they were
not checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import math
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine
from pandas.api.types import infer_dtype

from model.core.columns import hashable_text
from model.core.errors import ImportProblem

MAX_FILE_BYTES = 100 * 1024 * 1024
EXCEL_MAX_ROWS = 1_048_576
HIDDEN_ROW_SCAN_BYTES = 64 * 1024 * 1024
HEADER_SCAN_ROWS = 30

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_NUMBER_RE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?"
_DATE_LIKE_RE = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
_INSTRUCTION_NAME_RE = re.compile(
    r"\b(read\s*me|instructions?|notes|guidance|help|key|keys|lookups?|lists?|definitions?|"
    r"drop\s*downs?|validation|summary|dashboard|charts?|pivot)\b",
    re.IGNORECASE,
)
# A row whose first filled cell starts like this is a totals/summary row, not a case.
_TOTAL_LEADS = ("totals?", "sum", "overall", "count", "average", "mean", "median")
_TOTAL_FIRST_CELL_RE = re.compile(
    r"^\s*(?:grand\s+|sub\s*-?\s*)?(?:" + "|".join(_TOTAL_LEADS) + r")\b", re.IGNORECASE
)
# Any cell holding exactly one of these marks a totals row too.
_TOTAL_WORDS = frozenset({"total", "totals", "grand total", "subtotal", "sub total", "sub-total"})
# The letters a cell matching either can start with (after spaces; "g" and "s" for "grand" and
# "sub"): cells starting with anything else (digits, "Yes", "AMU") need no test, which skips
# almost every cell of a big sheet.
_TOTAL_FIRST_LETTERS = "gs" + "".join(lead[0] for lead in _TOTAL_LEADS)
_TOTAL_WORD_LETTERS = "".join(sorted({word[0] for word in _TOTAL_WORDS}))
_SUMMARY_BLOCK_MAX_ROWS = 5


@dataclass(frozen=True)
class DroppedRow:
    """A row below the header that is not a case.

    Attributes:
        row: the 1-based row number as Excel (or a text editor, for CSV) shows it.
        reason: why it was left out, in plain words.
    """

    row: int
    reason: str


@dataclass(frozen=True, eq=False)  # eq=False: DataFrames do not compare to a bool
class RawSheet:
    """One sheet as a grid of text cells, before the header is found.

    Attributes:
        name: the sheet name (the file stem for CSV and HTML).
        grid: text cells (NaN for empty); index and columns are 0-based positions, so Excel
            row = index + 1 and the column letter comes from the column position.
        merged: merged ranges as (first_row, first_col, last_row, last_col), 0-based inclusive.
        hidden_rows: 0-based positions of rows hidden in Excel (only known for .xlsx/.xlsm).
        warnings: things the reader could not check or had to guess.
        visible: False for a sheet hidden in the workbook.
        codes: per grid column, its cells as ``ColumnCodes``, made while reading so that
            ``build_table`` need not work them out again; None when not known.
    """

    name: str
    grid: pd.DataFrame
    merged: tuple[tuple[int, int, int, int], ...] = ()
    hidden_rows: frozenset[int] = frozenset()
    warnings: tuple[str, ...] = ()
    visible: bool = True
    codes: tuple[ColumnCodes, ...] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class HeaderGuess:
    """Where the header is and what the column names are.

    Attributes:
        row: 0-based position of the first header row.
        height: 1, or 2 for a group-label row above the sub-headers.
        names: one label per grid column, whitespace collapsed ("" when blank).
        display: one label per grid column with the original line breaks.
        guessed: True when no row looked clearly like a header and a fallback was used.
    """

    row: int
    height: int
    names: tuple[str, ...]
    display: tuple[str, ...]
    guessed: bool = False


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


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """The Excel letter(s) of a 0-based column position (0 -> "A", 27 -> "AB")."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _collapse(text: str) -> str:
    """Line breaks and runs of spaces inside a header become one space."""
    return " ".join(text.split())


def _blank_mask(frame: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> pd.DataFrame:
    """True where a cell is empty or holds only whitespace."""
    if frame.empty:
        return frame.isna()
    return pd.DataFrame(_Cells(frame, codes).blank().T, index=frame.index, columns=frame.columns)


# ---------------------------------------------------------------------------
# Cells as codes into distinct texts
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ColumnCodes:
    """One grid column as codes into a table of texts, so a question about every cell ("blank?",
    "Total?") is answered once per distinct text instead of once per cell.

    Attributes:
        codes: one per cell, the position of its text in ``texts``; -1 for an empty (NaN) cell.
        texts: the texts the codes point at. Usually distinct; a column of numbers, which are
            mostly distinct anyway, has one text per cell (and a text nobody points at may be
            there too), which costs time, never correctness.
    """

    codes: np.ndarray
    texts: np.ndarray

    @classmethod
    def of(cls, values: pd.Series) -> ColumnCodes:
        """Codes for a text column (``RawSheet.grid[c]``)."""
        return cls(*_factorize(hashable_text(values)))

    @functools.cached_property
    def first_points(self) -> np.ndarray:
        """The code point of each text's first character (0 for "", which makes it a candidate
        for every test; so does any text whose first character cannot be read this way)."""
        if len(self.texts) <= 32:  # a Python loop beats numpy's conversion on a few texts
            return np.fromiter((ord(t[0]) if isinstance(t, str) and t else 0 for t in self.texts), dtype=np.uint32,
                               count=len(self.texts))
        try:
            # "U1" keeps each text's first character: one C loop, however long the texts.
            return self.texts.astype("U1").view(np.uint32)
        except (TypeError, ValueError, UnicodeError):
            return np.zeros(len(self.texts), dtype=np.uint32)

    def hits(self, predicate: Callable[[str], bool], starts: str | None = None) -> np.ndarray:
        """``predicate`` of each text as a bool array.

        Args:
            predicate: the test, on one text.
            starts: when given, the (casefolded) characters a matching text can begin with
                after leading whitespace; texts that begin otherwise are False without calling
                ``predicate``, so a column of 100,000 case numbers costs one numpy pass.
        """
        hits = np.zeros(len(self.texts), dtype=bool)
        if starts is None:
            todo = np.arange(len(self.texts))
        else:
            todo = np.flatnonzero(_lead_table(starts)[np.minimum(self.first_points, 128)])
        if len(todo):
            hits[todo] = np.fromiter((bool(predicate(t)) for t in self.texts[todo]), dtype=bool, count=len(todo))
        return hits


@functools.lru_cache(maxsize=256)
def _lead_table(starts: str) -> np.ndarray:
    """Which first characters a text may have to be worth testing, by code point: whitespace,
    "" and any casefolding to one of ``starts``; index 128 stands for every non-ASCII character,
    always tested (casefolding and regex case rules map some of them to ASCII letters: "ſ" is "s")."""
    table = np.array([chr(p).isspace() or chr(p).casefold() in starts for p in range(128)] + [True])
    table[0] = True  # "" (or a text starting with NUL)
    return table


def _factorize(values: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) with -1 for missing; 32-bit codes (a sheet has < 2**31 rows)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int32), np.asarray(uniques, dtype=object)


class _Cells:
    """A grid's columns as ``ColumnCodes``, so every per-cell test of ``build_table`` (blank?
    "Total"? the header again?) runs once per distinct value and column, not per cell.

    Args:
        grid: the text grid; tests are asked for at grid row positions (``rows``).
        codes: the codes the reader made for ``grid`` (``RawSheet.codes``); None works them out.
    """

    def __init__(self, grid: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> None:
        fits = codes is not None and len(codes) == grid.shape[1] and all(len(c.codes) == len(grid) for c in codes)
        made = codes if fits else [ColumnCodes.of(grid[c]) for c in grid.columns]
        self._columns = dict(zip(grid.columns, made, strict=True))  # type: ignore[arg-type]
        self._rows = len(grid)

    def test(self, column: object, predicate: Callable[[str], bool], rows: slice | np.ndarray | None = None,
             na: bool = False, starts: str | None = None) -> np.ndarray:
        """``predicate`` of each cell of a column (of ``rows``, a slice or positions) as a bool
        array (``na`` for empty cells); ``starts`` as in ``ColumnCodes.hits``."""
        col = self._columns[column]
        codes = col.codes if rows is None else col.codes[rows]
        hits = col.hits(predicate, starts)
        if not hits.any():  # the usual answer: no per-cell spreading needed
            return codes < 0 if na else np.zeros(len(codes), dtype=bool)
        return np.append(hits, na)[codes]  # code -1 (NaN) picks the last entry

    def filled(self, column: object, rows: slice | np.ndarray) -> np.ndarray:
        """True for the cells (of ``rows``) that are not NaN."""
        return self._columns[column].codes[rows] >= 0

    def blank(self) -> np.ndarray:
        """(columns, rows) bool array: True where a cell is empty or holds only whitespace.

        Column-major, so that per-row questions (all blank? first filled column?) are a few
        vectorised passes over whole columns rather than 100,000 tiny reductions.
        """
        if not self._columns:
            return np.ones((0, self._rows), dtype=bool)
        return np.vstack([self.test(c, _is_blank, na=True, starts="") for c in self._columns])


# ---------------------------------------------------------------------------
# Typed calamine cells -> text, one column at a time
# ---------------------------------------------------------------------------

_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float"})
# Columns of one such type (and empty cells) become text one distinct value at a time.
_PER_VALUE_KINDS = frozenset({"date", "datetime", "time", "timedelta", "boolean"})
_UNIFORM_KINDS = _NUMBER_KINDS | _PER_VALUE_KINDS | {"string", "empty"}
_type_of = np.frompyfunc(type, 1, 1)
_STR_DTYPE = pd.StringDtype("python", na_value=np.nan)  # what dtype="str" means without pyarrow
_NO_CELL = object()
_HEAD_ROWS = HEADER_SCAN_ROWS + 2  # title and header rows: text above typed data


@functools.lru_cache(maxsize=65536, typed=True)
def _cell_text(value: object) -> str:
    """Text for a non-string, non-number calamine cell (dates, times, booleans)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
    return str(value)


def _numbers_text(values: np.ndarray) -> np.ndarray:
    """Whole numbers without ".0"; others in their shortest form."""
    arr = values.astype(np.float64)
    whole = np.isfinite(arr) & (np.abs(arr) < 2**53) & (arr == np.round(arr))
    # str() of Python ints is a third faster than numpy's int -> unicode -> object.
    ints = np.fromiter(map(str, arr[whole].astype(np.int64).tolist()), dtype=object, count=int(whole.sum()))
    if len(ints) == len(arr):
        return ints
    out = np.empty(len(arr), dtype=object)
    out[whole] = ints
    out[~whole] = arr[~whole].astype(str)
    return out


def _text_column(values: np.ndarray) -> tuple[pd.Series, ColumnCodes]:
    """One column of typed calamine (or csv/html) cells as text (NaN for empty), with its codes.

    Below the title and header rows a column usually holds one type of cell (numbers, dates or
    text), converted in bulk; the rows above, and columns that mix types, go type by type.
    """
    uniform = _uniform_codes(values)  # a text column, header and all
    head, tail = values[:_HEAD_ROWS], values[_HEAD_ROWS:]
    if uniform is None and len(tail):
        uniform = _uniform_codes(tail)
        if uniform is not None:
            head_codes, head_texts = _mixed_codes(head)
            tail_codes, tail_texts = uniform
            uniform = (np.concatenate([head_codes, np.where(tail_codes >= 0, tail_codes + len(head_texts), -1)]),
                       np.concatenate([head_texts, tail_texts]))
    codes, texts = _mixed_codes(values) if uniform is None else uniform
    return _text_series(codes, texts), ColumnCodes(codes, texts)


def _uniform_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and texts of a column of one cell type (empty cells allowed); None if it mixes types."""
    sample = infer_dtype(values[:: max(1, len(values) // 16)], skipna=False)
    if sample not in _UNIFORM_KINDS:
        return None  # already mixed in a sample (a header above numbers): so is the whole column
    if sample == "string":
        # Looks like text (answers, wards, names): a handful of distinct values, so factorise
        # first and check the distinct values, not every cell, are all text.
        codes, texts = _factorize(values)
        if infer_dtype(texts, skipna=False) == "string":
            empty = np.flatnonzero(texts == "")
            if len(empty):
                codes[codes == empty[0]] = -1  # "" is an empty cell
            return codes, texts
    kind = infer_dtype(values, skipna=False)
    if kind in _NUMBER_KINDS:
        # Numbers (case numbers) are mostly distinct: each cell is its own text.
        numbers = values.astype(np.float64)
        codes = np.arange(len(values), dtype=np.int32)
        codes[np.isnan(numbers)] = -1
        return codes, _numbers_text(numbers)
    if kind in _PER_VALUE_KINDS:
        codes, uniques = _factorize(values)  # dates: a few hundred distinct days
        return codes, np.fromiter(map(_cell_text, uniques), dtype=object, count=len(uniques))
    return None


def _mixed_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and texts of cells of any types (dates typed as text next to real dates, numbers and words)."""
    missing = pd.isna(values)  # None/NaN (odd cells) are empty cells
    types = _type_of(values)
    out = values.copy()
    out[missing] = np.nan
    # Element-wise numpy comparisons of exact classes (a bool is not a number here), not Python's.
    num = ((types == float) | (types == int)) & ~missing  # noqa: E721
    if num.any():
        out[num] = _numbers_text(values[num])
    text = types == str  # noqa: E721
    out[text & (values == "")] = np.nan
    other = ~(num | text | missing)
    if other.any():
        # One type at a time: values of different types can compare equal (True == 1), and a
        # factorisation would merge them.
        kinds, kind_codes = pd.factorize(types[other])[::-1]
        spread = np.empty(int(other.sum()), dtype=object)
        for k in range(len(kinds)):
            of_kind = kind_codes == k
            codes, uniques = pd.factorize(values[other][of_kind])
            spread[of_kind] = np.fromiter(map(_cell_text, uniques), dtype=object, count=len(uniques))[codes]
        out[other] = spread
    return _factorize(out)


def _text_series(codes: np.ndarray, texts: np.ndarray) -> pd.Series:
    """The text column the codes stand for (NaN for -1), of pandas' "str" dtype."""
    # StringArray checks the cells are text without the copy pd.Series(..., dtype="str") makes.
    cells = pd.arrays.StringArray(np.append(texts, np.nan)[codes], dtype=_STR_DTYPE)
    return pd.Series(cells, copy=False)


def _rows_to_grid(rows: list[list[object]]) -> pd.DataFrame:
    """A rectangular text grid from calamine (or csv/html) rows."""
    return _text_grid(rows)[0]


def _text_grid(rows: list[list[object]]) -> tuple[pd.DataFrame, tuple[ColumnCodes, ...]]:
    """A rectangular text grid from csv/html (or calamine) rows, with each column's codes."""
    return _grid_of_cells(_cells_of_rows(rows))


def _cells_of_rows(rows: list[list[object]]) -> np.ndarray:
    """Rows of cells as a (rows, columns) object array; short rows are padded with ""."""
    if not rows:
        return np.empty((0, 0), dtype=object)
    lengths = set(map(len, rows))
    width = max(lengths)
    if len(lengths) > 1:  # CSV rows may be short; calamine's never are
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    # One flat C-level copy (a third faster than np.array(rows)); columns are strided views.
    return np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width).reshape(
        len(rows), width)


def _sheet_cells(sheet: python_calamine.CalamineSheet) -> np.ndarray:
    """A worksheet's cells as a (rows, columns) object array positioned from A1, exactly what
    ``to_python(skip_empty_area=False)`` holds.

    Read row by row with ``iter_rows``: each row list is dropped as soon as it is copied, a third
    cheaper than building ``to_python``'s list of 100,000 lists (and less memory). ``iter_rows``
    adds the empty rows above the used range but not the empty columns to its left, so those
    are added here; if the rows ever come in another shape, ``to_python`` is used instead.
    """
    if sheet.start is None:  # an empty sheet
        return _cells_of_rows(sheet.to_python(skip_empty_area=False))
    top, left = sheet.start
    height, width = top + sheet.height, sheet.width
    items = itertools.chain.from_iterable(sheet.iter_rows())
    try:
        flat = np.fromiter(items, dtype=object, count=height * width)
    except ValueError:  # fewer cells than expected
        return _cells_of_rows(sheet.to_python(skip_empty_area=False))
    if next(items, _NO_CELL) is not _NO_CELL:  # more cells than expected
        return _cells_of_rows(sheet.to_python(skip_empty_area=False))
    cells = flat.reshape(height, width)
    if left:
        padded = np.full((height, left + width), "", dtype=object)
        padded[:, left:] = cells
        cells = padded
    return cells


def _grid_of_cells(cells: np.ndarray) -> tuple[pd.DataFrame, tuple[ColumnCodes, ...]]:
    """The text grid of a (rows, columns) object array of typed cells, with each column's codes."""
    if cells.shape[1] == 0:
        return pd.DataFrame(), ()
    columns = [_text_column(col) for col in cells.T]
    grid = pd.DataFrame({c: series for c, (series, _) in enumerate(columns)}, index=pd.RangeIndex(len(cells)),
                        copy=False)
    return grid, tuple(codes for _, codes in columns)


# ---------------------------------------------------------------------------
# File checks and format sniffing
# ---------------------------------------------------------------------------


def _size_text(size: int) -> str:
    """1536 -> "1.5 KB"; 104857600 -> "100 MB"."""
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _check_file(path: Path, max_bytes: int) -> int:
    """Refuse missing, empty, oversized or unknown files before reading anything."""
    if not path.is_file():
        raise ImportProblem("The file does not exist.", where=str(path), hint="Choose the file again.")
    size = path.stat().st_size
    if size == 0:
        raise ImportProblem("The file is empty (0 bytes).", where=str(path),
                            hint="Check you chose the right file; it may not have been saved.")
    if size > max_bytes:
        raise ImportProblem(
            f"The file is too large to import ({_size_text(size)}; the limit is {_size_text(max_bytes)}).",
            where=str(path),
            hint="Save only the data sheet, or only the columns the audit needs, as a new workbook.",
        )
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES | TEXT_SUFFIXES:
        raise ImportProblem(
            f"AuditLoop cannot read '{suffix or 'no extension'}' files.",
            where=str(path),
            hint="Save the data as an Excel workbook (.xlsx), an OpenDocument sheet (.ods) or CSV.",
        )
    return size


def _sniff(path: Path) -> str:
    """What the file really is, whatever its name: ole2, zip, html, xml2003 or text."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if head.startswith(_OLE2_MAGIC):
        return "ole2"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in lowered and b"<workbook" in lowered:
        return "xml2003"
    if lowered.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or (
        lowered.startswith(b"<") and (b"<html" in lowered or b"<table" in lowered)
    ):
        return "html"
    return "text"


def _problem_for_kind(path: Path, kind: str) -> None:
    """Raise the right ImportProblem when the content cannot match the extension."""
    suffix = path.suffix.lower()
    if kind == "xml2003":
        raise ImportProblem(
            "This is an old 'XML Spreadsheet 2003' file, which AuditLoop cannot read.",
            where=str(path),
            hint="Open it in Excel and use File > Save As > Excel Workbook (.xlsx).",
        )
    if kind == "ole2" and suffix in {".xlsx", ".xlsm", ".xlsb", ".ods"}:
        raise _encrypted(path)
    if kind == "text" and suffix in WORKBOOK_SUFFIXES:
        raise _corrupt(path, "it does not look like a spreadsheet at all")


def _encrypted(path: Path) -> ImportProblem:
    return ImportProblem(
        "The workbook is password-protected (encrypted), so it cannot be read.",
        where=str(path),
        hint="Open it in Excel with the password, then save an unprotected copy "
        "(File > Info > Protect Workbook > Encrypt with Password, clear the password) and import that.",
    )


def _corrupt(path: Path, detail: str) -> ImportProblem:
    return ImportProblem(
        f"The file cannot be read: it is damaged or not really a spreadsheet ({detail}).",
        where=str(path),
        hint="Open it in Excel or LibreOffice; if it opens, save it again as .xlsx and import the copy.",
    )


# ---------------------------------------------------------------------------
# Workbooks (calamine)
# ---------------------------------------------------------------------------


def _open_workbook(path: Path, kind: str) -> python_calamine.CalamineWorkbook:
    """Open with calamine, turning its errors into plain ImportProblems."""
    try:
        suffix = path.suffix.lower()
        zip_misnamed = kind == "zip" and suffix not in {".xlsx", ".xlsm", ".xlsb", ".ods"}
        if zip_misnamed or (kind == "ole2" and suffix != ".xls"):
            # Content and name disagree (an .xlsx renamed .xls or .csv): calamine picks the
            # format by extension, so give it the bytes and let it look at the content.
            with path.open("rb") as fh:
                return python_calamine.CalamineWorkbook.from_filelike(fh)
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise _encrypted(path) from exc
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        text = str(exc).lower()
        if "password" in text or "encrypt" in text or (kind == "ole2" and _has_encrypted_package(path)):
            raise _encrypted(path) from exc
        raise _corrupt(path, str(exc).split("\n")[0][:120]) from exc


def _has_encrypted_package(path: Path) -> bool:
    """An encrypted .xlsx is an OLE2 file holding a stream named "EncryptedPackage"."""
    with path.open("rb") as fh:
        return "EncryptedPackage".encode("utf-16-le") in fh.read(MAX_FILE_BYTES)


def _worksheet_names(book: python_calamine.CalamineWorkbook) -> list[str]:
    """Worksheet names in workbook order (chart sheets have no cells and are left out)."""
    names = []
    for meta in book.sheets_metadata:
        if "chart" not in str(meta.typ).lower():
            names.append(meta.name)
    return names


def _read_workbook_sheet(path: Path, book: python_calamine.CalamineWorkbook, name: str) -> RawSheet:
    """One worksheet as a RawSheet; positions match Excel (empty area kept)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The hidden-row scan is mostly zlib, which runs without the GIL: in a thread it
        # overlaps calamine's parse instead of adding a tenth of a second to a big sheet.
        scan = pool.submit(_hidden_rows_xlsx, path, name) if path.suffix.lower() in {".xlsx", ".xlsm"} else None
        try:
            sheet = book.get_sheet_by_name(name)
            cells = _sheet_cells(sheet)
            merged_raw = sheet.merged_cell_ranges or []
        except python_calamine.CalamineError as exc:
            raise _corrupt(path, f"sheet {name}: {str(exc)[:120]}") from exc
        grid, codes = _grid_of_cells(cells)
        del cells  # the typed cells are not needed once they are text
        hidden, warnings = scan.result() if scan is not None else (frozenset(), ())
    merged = tuple((a[0], a[1], b[0], b[1]) for a, b in merged_raw)
    visible = next((str(m.visible).endswith("Visible") for m in book.sheets_metadata if m.name == name), True)
    return RawSheet(name=name, grid=grid, merged=merged, hidden_rows=hidden, warnings=warnings, visible=visible,
                    codes=codes)


_SCAN_PIECE = 1 << 18  # bytes of XML searched at a time
_ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row\b[^>]*>")
_HIDDEN_ATTR_RE = re.compile(rb'hidden\s*=\s*["\'](?:1|true)["\']')
_ROW_NUM_RE = re.compile(rb'\br\s*=\s*["\'](\d+)["\']')
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The zip member holding a worksheet, found via workbook.xml and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") == name:
            target = targets.get(sheet.get(_REL_NS), "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def _hidden_rows_xlsx(path: Path, name: str) -> tuple[frozenset[int], tuple[str, ...]]:
    """0-based positions of rows hidden in an .xlsx sheet (a cheap scan of the row tags)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, name)
            if part is None:
                return frozenset(), ()
            if archive.getinfo(part).file_size > HIDDEN_ROW_SCAN_BYTES:
                return frozenset(), ("The sheet is very large, so hidden rows were not checked.",)
            hidden = _hidden_rows_in(_member_pieces(path, archive, archive.getinfo(part)))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, zlib.error):
        return frozenset(), ("Hidden rows could not be checked.",)
    return frozenset(hidden), ()


def _member_pieces(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A zip member's bytes, piece by piece.

    A deflated member is inflated straight from the file, a third cheaper than ``ZipFile.open``
    (which re-copies its unconsumed input on every read) and without its CRC check: the scan only
    looks for hidden rows, and calamine reads (and checks) the same member anyway.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1:  # stored or encrypted
        with archive.open(info) as stream:
            while piece := stream.read(_SCAN_PIECE):
                yield piece
        return
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != _ZIP_MAGIC:
            raise zipfile.BadZipFile("bad local file header")
        name_size, extra_size = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_size + extra_size)
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        left = info.compress_size
        while left > 0:
            data = fh.read(min(left, _SCAN_PIECE // 8))  # sheet XML compresses about 10:1
            if not data:
                raise zipfile.BadZipFile("truncated member")
            left -= len(data)
            yield inflate.decompress(data)
        yield inflate.flush()


def _hidden_rows_in(pieces: Iterable[bytes]) -> set[int]:
    """Scan a sheet's XML piece by piece (no 40 MB bytes object to fill, and each piece is
    searched while in the CPU cache). The text is cut before the last "<" of what has been read,
    so every tag lies whole inside one searched piece."""
    hidden: set[int] = set()
    carry = b""
    for chunk in pieces:
        xml = carry + chunk if carry else chunk
        cut = xml.rfind(b"<")
        if cut <= 0:
            carry = xml
            continue
        _hidden_rows_of(xml[:cut], hidden)
        carry = xml[cut:]
    _hidden_rows_of(carry, hidden)
    return hidden


def _hidden_rows_of(xml: bytes, hidden: set[int]) -> None:
    """Add the rows a piece of sheet XML hides (0-based) to ``hidden``."""
    # Hidden rows are rare: find the word with bytes.find (memchr-fast, where a regex scan of a
    # 40 MB sheet takes a third of a second), then check it is a hidden="1" inside a <row> tag.
    at = xml.find(b"hidden")
    while at >= 0:
        attr = _HIDDEN_ATTR_RE.match(xml, at)
        tag = _ROW_TAG_RE.match(xml, xml.rfind(b"<", 0, at)) if attr and xml[at - 1:at].isspace() else None
        num = _ROW_NUM_RE.search(tag.group(0)) if tag and tag.end() > at else None
        if num:
            hidden.add(int(num.group(1)) - 1)
        at = xml.find(b"hidden", at + 6)


# ---------------------------------------------------------------------------
# CSV and HTML
# ---------------------------------------------------------------------------


def _decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Windows exports: cp1252 has five undefined bytes; latin-1 keeps those readable.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def _delimiter_score(sample_lines: list[str], delimiter: str) -> tuple[int, int]:
    """How table-like the sample is when split on this delimiter: (rows of the usual width, width)."""
    widths = [len(r) for r in csv.reader(sample_lines, delimiter=delimiter) if any(c.strip() for c in r)]
    if not widths:
        return 0, 0
    width, count = Counter(widths).most_common(1)[0]
    return (count if width > 1 else 0), width


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer first, checked against a simple consistency score."""
    sample = text[:65536]
    lines = sample.splitlines()[:200]
    scores = {d: _delimiter_score(lines, d) for d in (",", ";", "\t")}
    best = max(scores, key=lambda d: (scores[d][0], scores[d][1]))
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return best
    # Title rows fool the Sniffer; trust it only when it is as consistent as the best.
    return sniffed if scores.get(sniffed, (0, 0))[0] >= scores[best][0] else best


def _read_text_sheet(path: Path) -> RawSheet:
    """A CSV/TSV/TXT file as one RawSheet."""
    text, encoding = _decode_text(path.read_bytes())
    if not text.strip():
        raise ImportProblem("The file holds no data (only blank lines).", where=str(path),
                            hint="Check you chose the right file.")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _corrupt(path, f"CSV: {exc}") from exc
    warnings = (f"Read as {encoding} text.",) if encoding in {"cp1252", "latin-1"} else ()
    grid, codes = _text_grid(rows)
    return RawSheet(name=path.stem, grid=grid, warnings=warnings, codes=codes)


def _read_html_sheet(path: Path) -> RawSheet:
    """An HTML table saved with an .xls name (web-system "Excel" exports)."""
    from lxml import etree, html  # lxml is a pinned runtime dependency

    try:
        doc = html.fromstring(path.read_bytes())
    except (etree.ParserError, ValueError) as exc:
        raise _corrupt(path, "an HTML page that cannot be parsed") from exc
    tables = [doc] if doc.tag == "table" else doc.findall(".//table")
    if not tables:
        raise ImportProblem(
            "This file is a web page saved with a spreadsheet name, and it holds no table.",
            where=str(path), hint="Export the data again as .xlsx or CSV.",
        )
    table = max(tables, key=lambda t: len(t.findall(".//tr")))
    rows, merged = _html_rows(table)
    grid, codes = _text_grid(rows)
    return RawSheet(
        name=path.stem, grid=grid, merged=tuple(merged), codes=codes,
        warnings=("This file is a web page (HTML table) saved with an Excel name; it was read as a table.",),
    )


def _html_rows(table: object) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """Rows of cell text; a colspan becomes a merged range like Excel's."""
    rows: list[list[object]] = []
    merged: list[tuple[int, int, int, int]] = []
    for r, tr in enumerate(table.iter("tr")):  # type: ignore[attr-defined]
        row: list[object] = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            span = int(cell.get("colspan", "1") or 1) if str(cell.get("colspan", "1")).isdigit() else 1
            if span > 1:
                merged.append((r, len(row), r, len(row) + span - 1))
            row.append(cell.text_content().strip())
            row.extend([""] * (span - 1))
        rows.append(row)
    return rows, merged


# ---------------------------------------------------------------------------
# Reading: public entry points
# ---------------------------------------------------------------------------


def _kind_for(path: Path, max_bytes: int) -> str:
    _check_file(path, max_bytes)
    kind = _sniff(path)
    _problem_for_kind(path, kind)
    if kind == "zip" and path.suffix.lower() in TEXT_SUFFIXES:
        return "zip"  # an Excel workbook named .csv: read it as the workbook it is
    if kind == "ole2" and path.suffix.lower() in TEXT_SUFFIXES:
        return "ole2"
    return kind


def list_sheets(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> list[str]:
    """The sheet names of a workbook, in order; a CSV or HTML file has one, named after the file.

    Raises:
        ImportProblem: the file cannot be read (see ``read_table``).
    """
    path = Path(path)
    kind = _kind_for(path, max_bytes)
    if kind in {"text", "html"}:
        return [path.stem]
    return _worksheet_names(_open_workbook(path, kind))


def read_raw_sheets(
    path: str | Path, sheets: Iterable[str] | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> dict[str, RawSheet]:
    """Read sheets as text grids (all worksheets when ``sheets`` is None).

    Raises:
        ImportProblem: missing, empty, too large, encrypted, corrupt or unknown file; a
            named sheet that does not exist.
    """
    path = Path(path)
    kind = _kind_for(path, max_bytes)
    if kind == "text":
        return {path.stem: _read_text_sheet(path)}
    if kind == "html":
        return {path.stem: _read_html_sheet(path)}
    book = _open_workbook(path, kind)
    available = _worksheet_names(book)
    wanted = available if sheets is None else list(sheets)
    for name in wanted:
        if name not in available:
            raise ImportProblem(
                f"The workbook has no sheet called '{name}'.",
                where=str(path), hint=f"Sheets in this workbook: {', '.join(available)}.",
            )
    return {name: _read_workbook_sheet(path, book, name) for name in wanted}


def guess_sheet(sheets: Mapping[str, RawSheet]) -> str:
    """``guess_data_sheet`` for sheets as read by ``read_raw_sheets`` (hidden sheets last)."""
    return guess_data_sheet({n: s.grid for n, s in sheets.items()}, [n for n, s in sheets.items() if not s.visible],
                            codes={n: s.codes for n, s in sheets.items()})


def _row_counts(grid: pd.DataFrame, codes: Sequence[ColumnCodes] | None = None) -> pd.Series:
    """Number of filled (not blank) cells in each row."""
    return (~_blank_mask(grid, codes)).sum(axis=1)


def _modal_width(counts: pd.Series) -> int:
    """The most common number of filled cells among rows with at least two."""
    wide = counts[counts >= 2]
    if wide.empty:
        return 1
    return int(wide.value_counts().idxmax())


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


# ---------------------------------------------------------------------------
# Header detection
# ---------------------------------------------------------------------------


def _fill_merged(grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]]) -> pd.DataFrame:
    """Copy each merged range's value into all its cells (how a reader sees a merged header)."""
    filled = grid.copy()
    for r0, c0, r1, c1 in merged:
        if r0 >= len(filled) or c0 >= filled.shape[1]:
            continue
        value = filled.iat[r0, c0]
        filled.iloc[r0 : r1 + 1, c0 : c1 + 1] = value
    return filled


def _is_label(values: pd.Series) -> pd.Series:
    """True for cells that look like column titles: short text, not a number or a date."""
    text = values.astype("str").str.strip()
    numeric = text.str.fullmatch(_NUMBER_RE) | text.str.fullmatch(_DATE_LIKE_RE)
    # "Auditor: FY1 team" is a line of a title block, not a column title.
    key_value = text.str.contains(r"\w:\s+\S", regex=True)
    return values.notna() & (text != "") & ~(numeric | key_value).fillna(False) & (text.str.len() <= 80)


def _labels(row: pd.Series) -> list[str]:
    return [_collapse(str(v)).casefold() for v in row if isinstance(v, str) and v.strip()]


def _header_like(row: pd.Series, min_cells: int) -> bool:
    """Enough short, mostly distinct text cells to be a header row."""
    filled = row[row.notna() & (row.astype("str").str.strip() != "")]
    if len(filled) < min_cells:
        return False
    if _is_label(filled).mean() < 0.8:
        return False
    labels = _labels(filled)
    return len(set(labels)) >= 0.8 * len(labels)


def _data_below(counts: pd.Series, row: int, cells: int, strict: bool) -> bool:
    """One of the next few filled rows holds at least half as many cells as the header
    (``strict``: and the very next row is filled, as it is under a real header)."""
    below = counts.iloc[row + 1 :]
    if strict and len(below) and below.iat[0] == 0:
        return False
    below = below[below > 0].head(3)
    return below.empty or bool((below >= max(1, cells * 0.5)).any())


def _group_row(filled: pd.DataFrame, grid: pd.DataFrame, header: int, merged: Sequence) -> bool:
    """Is the row just above the header a row of group labels (e.g. "Criteria" over S1..S4)?"""
    if header == 0:
        return False
    above, below = grid.iloc[header - 1], filled.iloc[header]
    present = above.notna() & (above.astype("str").str.strip() != "")
    if not present.any() or not _is_label(above[present]).all():
        return False
    width = int((below.notna()).sum())
    spans = [c1 - c0 + 1 for r0, c0, r1, c1 in merged if r0 == header - 1 and c1 > c0]
    if spans:
        return any(span < 0.9 * max(width, 1) for span in spans)
    first_header_col = int(np.flatnonzero(below.notna().to_numpy())[0]) if width else 0
    first_above = int(np.flatnonzero(present.to_numpy())[0])
    return first_above > first_header_col and int(present.sum()) < width


def _group_labels(grid: pd.DataFrame, filled: pd.DataFrame, header: int, merged: Sequence) -> pd.Series:
    """Group label over each column: merged ranges when known, else carried to the right."""
    above = filled.iloc[header - 1]
    if any(r0 == header - 1 for r0, *_ in merged):
        return above
    # No merge information (CSV/HTML without colspan): a label covers the blank cells to its right.
    header_cols = grid.iloc[header].notna()
    carried = above.ffill()
    return carried.where(header_cols | above.notna())


def _combine(group: object, sub: object) -> str:
    """ "Group – Sub" unless one is blank or both say the same (a vertical merge)."""
    g = str(group).strip() if isinstance(group, str) else ""
    s = str(sub).strip() if isinstance(sub, str) else ""
    if not g or _collapse(g).casefold() == _collapse(s).casefold():
        return s
    return f"{g} – {s}" if s else g


def find_header(
    grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]] = (), counts: pd.Series | None = None
) -> HeaderGuess:
    """Find the header row below any title rows.

    The header is the first row (of the top ``HEADER_SCAN_ROWS``) whose filled cells are short,
    distinct text and at least ~60% as many as a typical data row, with data-like rows below
    it. A row of group labels just above it (merged cells such as "Criteria" over S1..S4) makes
    a two-row header whose names read "Criteria – S1".

    Args:
        grid: a text grid (``RawSheet.grid``).
        merged: the sheet's merged ranges, 0-based inclusive.
        counts: filled cells per row, when the caller has them already.

    Raises:
        ImportProblem: the sheet is empty.
    """
    counts = _row_counts(grid) if counts is None else counts
    if grid.empty or not counts.any():
        raise ImportProblem("The sheet is empty.", hint="Choose the sheet that holds the data.")
    filled = _fill_merged(grid.iloc[: HEADER_SCAN_ROWS + 1], merged)
    width = _modal_width(counts.iloc[:500])
    min_cells = max(2 if width >= 2 else 1, math.ceil(width * 0.6))
    header, guessed = None, False
    # First pass: a header with data straight below; second: allow a gap under it.
    for strict in (True, False):
        header = next((row for row in range(min(HEADER_SCAN_ROWS, len(grid)))
                       if counts.iat[row] and _header_like(filled.iloc[row], min_cells)
                       and _data_below(counts, row, int(counts.iat[row]), strict)), None)
        if header is not None:
            break
    if header is None:
        # Fallback: the first of the fullest rows at the top; the user can correct it.
        header, guessed = int(counts.iloc[:HEADER_SCAN_ROWS].idxmax()), True
    return _header_guess(grid, filled, header, merged, guessed)


def _header_guess(grid: pd.DataFrame, filled: pd.DataFrame, header: int, merged: Sequence,
                  guessed: bool) -> HeaderGuess:
    sub = filled.iloc[header]
    if _group_row(filled, grid, header, merged):
        groups = _group_labels(grid, filled, header, merged)
        display = [_combine(g, s) for g, s in zip(groups, sub, strict=True)]
        return HeaderGuess(header - 1, 2, tuple(_collapse(d) for d in display), tuple(display), guessed)
    display = [str(v).strip() if isinstance(v, str) else "" for v in sub]
    return HeaderGuess(header, 1, tuple(_collapse(d) for d in display), tuple(display), guessed)


def _explicit_header(
    grid: pd.DataFrame, merged: Sequence[tuple[int, int, int, int]], header_row: int, height: int
) -> HeaderGuess:
    """The header the user pointed at (1-based first row, one or two rows high)."""
    if grid.empty:
        raise ImportProblem("The sheet is empty.", hint="Choose the sheet that holds the data.")
    last = header_row - 1 + (height - 1)
    if header_row < 1 or height not in (1, 2) or last >= len(grid):
        raise ImportProblem(f"Row {header_row} is not a possible header row for this sheet.",
                            hint=f"Choose a row between 1 and {len(grid)}.")
    filled = _fill_merged(grid.iloc[: last + 1], merged)
    sub = filled.iloc[last]
    groups = _group_labels(grid, filled, last, merged) if height == 2 else pd.Series(np.nan, index=sub.index)
    display = [_combine(g, s) for g, s in zip(groups, sub, strict=True)]
    return HeaderGuess(header_row - 1, height, tuple(_collapse(d) for d in display), tuple(display))


# ---------------------------------------------------------------------------
# From grid to table
# ---------------------------------------------------------------------------


def _unique_names(names: Sequence[str], letters: Sequence[str]) -> list[str]:
    """Blank headers become "Column D"; repeated ones get " (2)", " (3)"."""
    seen: Counter[str] = Counter()
    out = []
    for name, letter in zip(names, letters, strict=True):
        base = name or f"Column {letter}"
        seen[base.casefold()] += 1
        out.append(base if seen[base.casefold()] == 1 else f"{base} ({seen[base.casefold()]})")
    return out


def _is_column_numbers(row: pd.Series) -> bool:
    """A row like 1, 2, 3, ... under (or over) the header, numbering the columns."""
    values = row.dropna().astype("str").str.strip()
    values = values[values != ""]
    if len(values) < 3 or not values.str.fullmatch(r"\d+").all():
        return False
    nums = values.astype(int).to_numpy()
    return bool((np.diff(nums) == 1).all())


def _is_blank(text: str) -> bool:
    return not text.strip()


def _is_total_word(text: str) -> bool:
    return text.strip().casefold().rstrip(":") in _TOTAL_WORDS


def _starts_like_total(text: str) -> bool:
    return bool(_TOTAL_FIRST_CELL_RE.match(text))


def _totals_mask(blank: np.ndarray, columns: Sequence[object], cells: _Cells, rows: slice) -> np.ndarray:
    """Rows that add up the others: first filled cell like "Total"/"Sum", or a cell saying "Total".

    ``blank`` is (columns, rows); ``rows`` the body's grid rows.
    """
    filled = ~blank
    any_filled = filled.any(axis=0)
    first_col = np.zeros(blank.shape[1], dtype=np.intp)
    for j in range(len(columns) - 1, -1, -1):  # right to left, so the leftmost filled column wins
        first_col[filled[j]] = j
    first_hit = np.zeros(blank.shape[1], dtype=bool)
    positions = np.arange(rows.start, rows.stop)
    for j in np.flatnonzero(np.bincount(first_col[any_filled], minlength=len(columns))):
        on = first_col == j  # usually one column holds every first cell
        subset = rows if on.all() else positions[on]
        first_hit[on] = cells.test(columns[j], _starts_like_total, subset, starts=_TOTAL_FIRST_LETTERS)
    words = np.zeros(blank.shape[1], dtype=bool)
    for col in columns:
        words |= cells.test(col, _is_total_word, rows, starts=_TOTAL_WORD_LETTERS)
    return (first_hit & any_filled) | words


_REASONS = ("", "empty row", "repeated header row", "totals row", "summary rows below the data", "hidden in Excel")
_CASE, _EMPTY, _REPEATED, _TOTALS, _SUMMARY, _HIDDEN = range(len(_REASONS))


def _classify_rows(body: pd.DataFrame, blank: np.ndarray, names: Sequence[str], hidden: frozenset[int],
                   cells: _Cells, rows: slice) -> np.ndarray:
    """A reason for every row that is not a case, as an index into ``_REASONS`` (0 for cases).

    Args:
        body: the rows below the header, kept columns only.
        blank: the body's blank cells, (columns, rows).
        names: the header name of each kept column ("" when blank).
        hidden: 0-based grid positions of rows hidden in Excel.
        cells: the grid's codes.
        rows: the body's grid rows.
    """
    empty = blank.all(axis=0)
    reasons = np.zeros(len(empty), dtype=np.int8)
    reasons[empty] = _EMPTY
    reasons[_repeated_header(body, names, cells, rows) & ~empty] = _REPEATED
    totals = _totals_mask(blank, list(body.columns), cells, rows) & ~empty
    reasons[totals] = _TOTALS
    first_blank = blank[0] if len(blank) else np.ones(len(empty), dtype=bool)
    reasons[_summary_block(empty, first_blank | totals) & (reasons == _CASE)] = _SUMMARY
    hidden_at = np.fromiter(hidden, dtype=np.intp, count=len(hidden)) - rows.start
    hidden_at = hidden_at[(hidden_at >= 0) & (hidden_at < len(empty))]
    reasons[hidden_at[reasons[hidden_at] == _CASE]] = _HIDDEN
    return reasons


def _repeated_header(body: pd.DataFrame, names: Sequence[str], cells: _Cells, rows: slice) -> np.ndarray:
    """Rows that repeat the header (sheets printed with a header on every page)."""
    keyed = [(col, name.casefold()) for col, name in zip(body.columns, names, strict=True) if name]
    if len(keyed) < 2:
        return np.zeros(len(body), dtype=bool)
    # Only rows whose first titled cell repeats its title can be repeats; usually none are.
    first_col, first_key = keyed[0]
    maybe = cells.test(first_col, lambda u: _collapse(u).casefold() == first_key, rows, starts=first_key[:1])
    if not maybe.any():
        return maybe
    sub = body[maybe]
    hits = sum(sub[c].map(lambda v, k=k: isinstance(v, str) and _collapse(v).casefold() == k).to_numpy()
               for c, k in keyed)
    maybe[np.flatnonzero(maybe)] = np.asarray(hits) >= max(2, 0.8 * len(keyed))
    return maybe


def _summary_block(empty: np.ndarray, not_a_case: np.ndarray) -> np.ndarray:
    """A few rows after the last blank row, each a totals row or without a case reference in
    the first column, are formulas' results rather than cases."""
    out = np.zeros(len(empty), dtype=bool)
    filled_pos = np.flatnonzero(~empty)
    if len(filled_pos) == 0:
        return out
    last = filled_pos[-1]
    gaps = np.flatnonzero(empty[:last])
    if len(gaps) == 0:
        return out
    block = slice(gaps[-1] + 1, last + 1)
    size = last - gaps[-1]
    before = int((~empty[: gaps[-1]]).sum())
    if size <= _SUMMARY_BLOCK_MAX_ROWS and before >= 2 * size and not_a_case[block].all():
        out[block] = True
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
        warnings=raw.warnings + _table_warnings(grid, guess, row_limit),
    )


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
