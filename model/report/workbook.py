"""Plain tables to an Excel workbook, every text cell through the formula-injection guard.

The dashboard's export and the Quality Account table are lists of rows; each sheet is
(name, headers, rows). Text goes through `model.core.excel_safety.neutralise` (DOMAIN.md §10:
an audit title or an action typed as "=HYPERLINK(…)" must not run in Excel); dates are
written as dates, numbers as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.core.documents import write_error
from model.core.excel_safety import neutralise


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, then the rows; `widths` in characters per column (optional)."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    widths: tuple[int, ...] = ()


def write_workbook(path: Path | str, sheets: Sequence[Sheet]) -> Path:
    """Write the sheets to an .xlsx file (header row bold and frozen).

    Raises:
        KnownError: when the file cannot be written (open in Excel, read-only folder).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append([neutralise(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append([neutralise(v) for v in row])
        ws.freeze_panes = "A2"
        for i, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    try:
        book.save(path)
    except OSError as exc:
        raise write_error(path, exc) from exc
    return path
