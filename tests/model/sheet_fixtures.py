"""Helpers that write small spreadsheets and test NHS numbers for the sheet-reading tests."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import openpyxl

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no valid number exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_test_numbers(count: int, seed: int = 1) -> list[str]:
    """Valid NHS numbers from the 999 range (never issued to patients)."""
    rng = random.Random(seed)
    numbers: list[str] = []
    while len(numbers) < count:
        stem = "999" + f"{rng.randrange(10**6):06d}"
        check = nhs_check_digit(stem)
        if check is not None:
            numbers.append(stem + str(check))
    return numbers


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    sheet: str = "Data",
    merges: Iterable[str] = (),
    hidden_rows: Iterable[int] = (),
    before: dict[str, Sequence[Sequence[object]]] | None = None,
    after: dict[str, Sequence[Sequence[object]]] | None = None,
) -> Path:
    """Write a workbook: optional sheets before/after the main one, merges like "C1:F1",
    hidden rows by 1-based number."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet_rows in (before or {}).items():
        _fill(book.create_sheet(name), sheet_rows)
    ws = book.create_sheet(sheet)
    _fill(ws, rows)
    for rng in merges:
        ws.merge_cells(rng)
    for row in hidden_rows:
        ws.row_dimensions[row].hidden = True
    for name, sheet_rows in (after or {}).items():
        _fill(book.create_sheet(name), sheet_rows)
    book.save(path)
    return path


def _fill(ws: object, rows: Sequence[Sequence[object]]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None and value != "":
                ws.cell(row=r, column=c, value=value)  # type: ignore[attr-defined]


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    """Write a CSV file in the given encoding ("utf-8-sig" adds a BOM)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path
