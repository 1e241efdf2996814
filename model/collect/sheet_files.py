"""Opening spreadsheet files and reading their sheets as text grids (``RawSheet``).

Files are checked (``model.core.input_files``: missing, a folder, unreadable, empty, too large,
a workbook that would inflate too far; then an unknown extension) and sniffed (what they really
are, whatever their name) before reading. Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) go
through python-calamine, the engine pandas' ``read_excel(engine="calamine")`` uses; we call it
directly because it also tells us about merged cells and gives typed cells, which
``model.collect.cell_text`` turns into text.

CSV files are decoded as UTF-8 (with or without BOM) or, failing a strict UTF-8 decode, cp1252;
the delimiter (comma, semicolon, tab) is sniffed. HTML tables saved as ``.xls`` (a common
"Export to Excel" from web systems) are read with lxml. Hidden rows of .xlsx sheets (and
formula cells without saved values), and hidden rows and merged cells of .ods sheets, which
calamine does not report, come from ``model.collect.hidden_rows``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import python_calamine

from model.collect.cell_codes import ColumnCodes
from model.collect.cell_text import _cells_of_rows, _grid_of_cells, _text_grid
from model.collect.hidden_rows import _hidden_rows_xlsx, _ods_sheet_facts
from model.core.errors import ImportProblem
from model.core.input_files import MAX_FILE_BYTES, ZIP_MAGIC, check_input_file, check_zip_sizes
from model.core.text_table import MAX_COLUMNS, MAX_ROWS, csv_rows, decode_text, sniff_delimiter, too_big_problem

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NO_CELL = object()


@dataclass(frozen=True, eq=False)  # eq=False: DataFrames do not compare to a bool
class RawSheet:
    """One sheet as a grid of text cells, before the header is found.

    Attributes:
        name: the sheet name (the file stem for CSV and HTML).
        grid: text cells (NaN for empty); index and columns are 0-based positions, so Excel
            row = index + 1 and the column letter comes from the column position.
        merged: merged ranges as (first_row, first_col, last_row, last_col), 0-based inclusive.
        hidden_rows: 0-based positions of rows hidden in Excel (only known for .xlsx/.xlsm/.ods).
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


def _check_file(path: Path, max_bytes: int) -> int:
    """Refuse missing, unreadable, empty, oversized or unknown files before reading anything."""
    size = check_input_file(path, max_bytes)
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
    if head.startswith(ZIP_MAGIC):
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


def _kind_for(path: Path, max_bytes: int) -> str:
    _check_file(path, max_bytes)
    kind = _sniff(path)
    _problem_for_kind(path, kind)
    if kind == "zip":
        check_zip_sizes(path)  # from the declared sizes, before calamine inflates anything
    if kind == "zip" and path.suffix.lower() in TEXT_SUFFIXES:
        return "zip"  # an Excel workbook named .csv: read it as the workbook it is
    if kind == "ole2" and path.suffix.lower() in TEXT_SUFFIXES:
        return "ole2"
    return kind


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


def _read_workbook_sheet(path: Path, book: python_calamine.CalamineWorkbook, name: str) -> RawSheet:
    """One worksheet as a RawSheet; positions match Excel (empty area kept)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The hidden-row scan is mostly zlib, which runs without the GIL: in a thread it
        # overlaps calamine's parse instead of adding a tenth of a second to a big sheet.
        suffix = path.suffix.lower()
        scan = pool.submit(_hidden_rows_xlsx, path, name) if suffix in {".xlsx", ".xlsm"} else None
        ods = pool.submit(_ods_sheet_facts, path, name) if suffix == ".ods" else None
        try:
            sheet = book.get_sheet_by_name(name)
            top, left = sheet.start or (0, 0)
            if top + sheet.height > MAX_ROWS or left + sheet.width > MAX_COLUMNS:
                raise too_big_problem(path, top + sheet.height, left + sheet.width)
            cells = _sheet_cells(sheet)
            merged_raw = sheet.merged_cell_ranges or []
        except python_calamine.CalamineError as exc:
            raise _corrupt(path, f"sheet {name}: {str(exc)[:120]}") from exc
        grid, codes = _grid_of_cells(cells)
        del cells  # the typed cells are not needed once they are text
        hidden, warnings = scan.result() if scan is not None else (frozenset(), ())
        merged = tuple((a[0], a[1], b[0], b[1]) for a, b in merged_raw)
        if ods is not None:  # calamine gives neither hidden rows nor merged cells for .ods
            hidden, ods_merged, warnings = ods.result()
            merged = merged or ods_merged
    visible = next((str(m.visible).endswith("Visible") for m in book.sheets_metadata if m.name == name), True)
    return RawSheet(name=name, grid=grid, merged=merged, hidden_rows=hidden, warnings=warnings, visible=visible,
                    codes=codes)


def _read_text_sheet(path: Path) -> RawSheet:
    """A CSV/TSV/TXT file as one RawSheet."""
    text, encoding = decode_text(path.read_bytes(), path)
    if not text.strip():
        raise ImportProblem("The file holds no data (only blank lines).", where=str(path),
                            hint="Check you chose the right file.")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(text)
    rows = csv_rows(text, path, delimiter)
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


def _html_rows(table: Any) -> tuple[list[list[object]], list[tuple[int, int, int, int]]]:
    """Rows of cell text; a colspan becomes a merged range like Excel's."""
    rows: list[list[object]] = []
    merged: list[tuple[int, int, int, int]] = []
    for r, tr in enumerate(table.iter("tr")):
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
