"""Reading a benchmark file: its bytes, their encoding, and the grid of text cells (CSV or Excel).

A table with one column per organisation is turned round here (`_load_grid`), so every
parser sees one row per organisation. Row numbers given to parsers are spreadsheet rows.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from model.benchmark.benchmark_headers import (
    NATIONAL_NAMES,
    _detect,
    _find_header,
    _is_number,
    _is_number_row,
    _measure_groups,
    _role,
    _unique_headers,
)
from model.collect.sheet_files import read_raw_sheets
from model.core.errors import ImportProblem
from model.core.input_files import check_input_file
from model.core.text_table import csv_rows, decode_text

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

# ODS trust (3) or site (5) codes, and ONS area codes (E06000047).
_ORG_CODE = re.compile(r"^(?:[A-Z][A-Z0-9]{2}(?:[A-Z0-9]{2})?|[EWSNK]\d{8})$")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks every input file gets (``model.core.input_files``)."""
    check_input_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportProblem(
            f"The file cannot be read ({exc.strerror}).",
            where=str(path),
            hint="Close it in Excel or copy it to a local folder, then try again.",
        ) from exc
    # Only a whitespace/comma prefix needs the full check (stripping copies the bytes).
    blank = b" \t\r\n\xef\xbb\xbf,;"
    if not data[:4096].strip(blank) and not data.strip(blank):
        raise ImportProblem("The file is empty.", where=str(path), hint="Download or export the file again.")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_excel(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _excel_grid(path: Path) -> tuple[list[list[str]], str]:
    """The sheet with the most filled cells, as stripped text, and its name.

    Read by the one spreadsheet reader (``model.collect.sheet_files``): the same size, zip
    and format checks as a case import, and the same cell texts (whole numbers without ".0",
    ISO dates).
    """
    sheets = read_raw_sheets(path)
    if not sheets:
        raise ImportProblem("The workbook has no sheets.", where=str(path))
    name, raw = max(sheets.items(), key=lambda item: int(item[1].grid.notna().sum().sum()))
    cells = raw.grid.to_numpy(dtype=object)
    grid = [["" if not isinstance(v, str) else v.strip() for v in row] for row in cells.tolist()]
    return grid, str(name)


def _csv_grid(text: str, path: Path, max_rows: int | None = None, partial: bool = False) -> list[list[str]]:
    """Rows of stripped text cells; the delimiter is sniffed as for case sheets (one rule for both)."""
    return [[cell.strip() for cell in row] for row in csv_rows(text, path, max_rows=max_rows, partial=partial)]


def _load_grid(
    path: Path, data: bytes, max_rows: int | None = None, encoding: str = ""
) -> tuple[list[list[str]], str, str | None, bool]:
    """(rows of text cells padded to equal width, encoding, sheet name, whether it was transposed).

    `encoding` overrides the text encoding's guess (the user's correction; Excel files ignore it).

    A table with one column per organisation (DOMAIN §7: some Excel versions) is turned round
    here, so every parser sees one row per organisation.
    """
    if _is_excel(path, data):
        grid, sheet = _excel_grid(path)
        encoding = ""  # Excel has no text encoding
    else:
        text, encoding = decode_text(data, path, encoding)
        sample = text if max_rows is None else text[: 256 * 1024]
        grid, sheet = _csv_grid(sample, path, max_rows, partial=len(sample) < len(text)), None
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header_at = _find_header(grid)
    if header_at < 0:
        return grid, encoding, sheet, False
    grid = _with_group_labels(grid, header_at)
    orientation = _orientation(grid, header_at)
    if orientation == "unclear":
        raise ImportProblem(
            "AuditLoop cannot tell whether this table has one row or one column per organisation.",
            where=f"{path}" + (f", sheet {sheet}" if sheet else "") + f", row {header_at + 1}",
            hint="Arrange it with one row per organisation (in Excel: copy the table, then Paste Special → "
            "Transpose), with organisation codes in one column, and import it again.",
        )
    if orientation == "columns":
        return _transpose(grid, header_at), encoding, sheet, True
    return grid, encoding, sheet, False


def _with_group_labels(grid: list[list[str]], header_at: int) -> list[list[str]]:
    """A header of bare "N" / "%" cells under a row of measure labels reads "Label (N)", "Label (%)".

    The label row may be merged cells (one label over its pair) or a CSV with the label over
    the first column of each pair; a row of column numbers between them is skipped.
    """
    header = grid[header_at]
    bare = [i for i, c in enumerate(header) if _role(c.strip("()[] ")) and len(c.strip("()[] ")) <= 10]
    above = next((r for r in reversed(grid[:header_at]) if any(r) and not _is_number_row(r)), None)
    if len(bare) < 2 or above is None:
        return grid
    labels, current = [], ""
    for i in range(len(header)):
        current = above[i] if i < len(above) and above[i] else current
        labels.append(current)
    if len({labels[i] for i in bare if labels[i]}) < 2:
        return grid  # one title over everything is not a row of measure labels
    named = [f"{labels[i]} ({c.strip('()[] ')})" if i in bare and labels[i] else c for i, c in enumerate(header)]
    return [*grid[:header_at], named, *grid[header_at + 1 :]]


def _orientation(grid: list[list[str]], header_at: int) -> str:
    """Which way organisations run: "columns", "rows" or "unclear".

    "columns": organisation codes across the header row and measure names down the first column
    (and the header itself holds no measure columns). "unclear": the header is partly codes and
    the first column looks like measure columns, so either reading is plausible.
    """
    header = [c for c in grid[header_at][1:] if c]
    labels = [row[0] for row in grid[header_at + 1 :] if row and row[0] and not _is_number_row(row)]
    if len(header) < 2 or not labels:
        return "rows"
    codes = sum(bool(_ORG_CODE.match(c)) or c.strip().lower() in NATIONAL_NAMES for c in header) / len(header)
    text_labels = sum(not _is_number(c) for c in labels) >= 0.8 * len(labels)
    header_groups = _measure_groups(_unique_headers(grid[header_at]))
    label_groups = _measure_groups(_unique_headers(labels))
    if codes >= 0.8 and text_labels and not header_groups:
        return "columns"
    if codes >= 0.4 and text_labels and label_groups:
        return "unclear"
    return "rows"


def _transpose(grid: list[list[str]], header_at: int) -> list[list[str]]:
    """Turn the block from the header down round; title rows stay on top.

    The first column (measure names) becomes the header, its first cell named "Organisation
    code" since the old header row (now the first column) holds the codes.
    """
    block = [row for row in grid[header_at:] if any(row) and not _is_number_row(row)]
    turned = [list(col) for col in zip(*block, strict=True) if any(col)]
    turned[0][0] = "Organisation code"
    width = max(len(turned[0]), max((len(r) for r in grid[:header_at]), default=0))
    return [r + [""] * (width - len(r)) for r in [*grid[:header_at], *turned]]


def _is_note_row(row: list[str]) -> bool:
    """A row with one filled cell at most: a section heading, or a note under the table."""
    return sum(1 for c in row if c) <= 1


def _table_below(grid: list[list[str]], header_at: int) -> pd.DataFrame:
    """The rows under the header as text, with spreadsheet row numbers as the index.

    Blank rows, rows of column numbers and rows with a single filled cell (headings, and the
    "Notes: …" / "Source: …" lines under a table, which `_file_notes` keeps) are left out.
    """
    body = grid[header_at + 1 :]
    keep = [i for i, row in enumerate(body) if any(row) and not _is_number_row(row) and not _is_note_row(row)]
    frame = pd.DataFrame([body[i] for i in keep], columns=_unique_headers(grid[header_at]), dtype=object)
    frame.index = pd.Index([header_at + 2 + i for i in keep])  # spreadsheet row numbers
    return frame


def _file_notes(grid: list[list[str]], header_at: int) -> tuple[str, ...]:
    """The one-cell rows after the last row of the table ("Notes: …", "Source: …"), in order."""
    body = grid[header_at + 1 :]
    last = max((i for i, row in enumerate(body) if not _is_note_row(row)), default=-1)
    return tuple(" ".join(c for c in row if c) for row in body[last + 1 :] if any(row))


def detect_format(path: Path | str) -> str:
    """Which layout a benchmark file has: "fingertips", "national_audit_wide" or "long".

    Raises:
        ImportProblem: for an empty file, a file with only a header, or an unknown layout.
    """
    path = Path(path)
    data = _read_bytes(path)
    grid, _, _, _ = _load_grid(path, data, max_rows=200)
    return _detect(grid, path)
