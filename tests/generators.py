"""Synthetic input files for the tests and bench/run.py (not part of the app)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from model.benchmark.fingertips_import import FINGERTIPS_HEADER
from model.core.columns import column_letter


def generate_fingertips_csv(path: Path | str, rows: int, seed: int = 0) -> Path:
    """Write a synthetic Fingertips-style export of `rows` data rows (for tests and the bench).

    It carries the real quirks: the 26-column header, CRLF, a quoted line break in the
    indicator name, data rows one field short, and about 1% suppressed values with a note.
    """
    path = Path(path)
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)
    denominator = rng.integers(50, 50_000, rows)
    count = rng.binomial(denominator, 0.02)
    value = count / denominator * 1e5
    half = 1.96 * np.sqrt(np.maximum(count, 1)) / denominator * 1e5
    suppressed = rng.random(rows) < 0.01
    frame = pd.DataFrame(
        {
            "Indicator ID": 90000 + idx % 3,
            "Indicator Name": "Synthetic indicator\nnumber " + pd.Series(idx % 3).astype(str),
            "Parent Code": "E12000001",
            "Parent Name": "North East region (statistical)",
            "Area Code": "E06" + pd.Series(idx // 72).astype(str).str.zfill(6),
            "Area Name": "Area " + pd.Series(idx // 72).astype(str),
            "Area Type": "County & UA",
            "Sex": np.array(["Persons", "Male", "Female"])[idx // 3 % 3],
            "Age": "All ages",
            "Category Type": "",
            "Category": "",
            "Time period": (2010 + idx // 9 % 8).astype(str),
            "Value": value,
            "Lower CI 95.0 limit": value - half,
            "Upper CI 95.0 limit": value + half,
            "Lower CI 99.8 limit": value - 1.6 * half,
            "Upper CI 99.8 limit": value + 1.6 * half,
            "Count": count,
            "Denominator": denominator,
            "Value note": "",
            "Recent Trend": "",
            "Compared to England value or percentiles": "Similar",
            "Compared to Region value or percentiles": "Similar",
            "Time period Sortable": (2010 + idx // 9 % 8) * 10000,
            "New data": "",
        }
    )
    numeric = [
        "Value",
        "Lower CI 95.0 limit",
        "Upper CI 95.0 limit",
        "Lower CI 99.8 limit",
        "Upper CI 99.8 limit",
        "Count",
        "Denominator",
    ]
    frame[numeric] = frame[numeric].astype(object)
    frame.loc[suppressed, numeric] = ""
    frame.loc[suppressed, "Value note"] = "Value suppressed for disclosure control due to small count"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(FINGERTIPS_HEADER) + "\r\n")
        # 25 fields per data row: the trailing "Compared to goal" field is missing, as published.
        frame.to_csv(handle, header=False, index=False, lineterminator="\r\n")
    return path


# ---------------------------------------------------------------------------
# Workbooks written as SpreadsheetML directly: every quirk an .xlsx may carry (16,384 columns,
# rows without r=, formulas without saved values, zip members that inflate far), in a few ms
# ---------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def cell_xml(ref: str, value: object) -> str:
    """One <c> element: numbers as numbers, text as an inline string, None as nothing."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def rows_xml(rows: Sequence[Sequence[object]], *, numbered: bool = True) -> str:
    """<row> elements for `rows` (row 1 first); `numbered=False` leaves out every r= (valid OOXML)."""
    out = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{column_letter(c)}{r}", v) for c, v in enumerate(row))
        if not numbered:
            cells = re.sub(r' r="[A-Z]+\d+"', "", cells)
        out.append(f'<row r="{r}">{cells}</row>' if numbered else f"<row>{cells}</row>")
    return "".join(out)


def write_sheet_xml(path: Path | str, sheet_data: str, *, sheet: str = "Data",
                    compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A one-sheet .xlsx whose <sheetData> content is `sheet_data` (raw XML, written as given)."""
    path = Path(path)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{SHEET_NS}">'
           f"<sheetData>{sheet_data}</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet)))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return path


WIDE_COLUMNS = 16_384
WIDE_EMPTY_EVERY = 97  # every 97th column has no header and no cell: skipped, never guessed


def generate_wide_workbook(path: Path | str, columns: int = WIDE_COLUMNS, cases: int = 6) -> Path:
    """A sheet as wide as Excel allows: "Case no." in A, then one answer column per question
    ("Q2" … with Yes/No/N/A and an unreadable "Yse" in row 3 of every 10th), empty columns every
    `WIDE_EMPTY_EVERY`, and "Comments" in the last column."""
    header: list[object] = ["Case no."]
    body: list[list[object]] = [[i + 1] for i in range(cases)]
    answers = ("Yes", "No", "N/A", "Yes", "yes", "No")
    for c in range(1, columns):
        empty = c % WIDE_EMPTY_EVERY == 0
        last = c == columns - 1
        header.append(None if empty else "Comments" if last else f"Q{c + 1}")
        for r, row in enumerate(body):
            value = "see notes" if last else answers[(r + c) % len(answers)]
            if not last and r == 1 and c % 10 == 0:
                value = "Yse"
            row.append(None if empty else value)
    return write_sheet_xml(path, rows_xml([header, *body]))


# ---------------------------------------------------------------------------
# OpenDocument spreadsheets (.ods), written as their content.xml directly
# ---------------------------------------------------------------------------

_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')
_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods_cell(value: object, *, span: int = 1) -> str:
    """One <table:table-cell>: numbers, dates, booleans and text (line breaks become paragraphs)."""
    spanned = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    covered = "<table:covered-table-cell/>" * (span - 1)
    if value is None:
        return f"<table:table-cell{spanned}/>{covered}"
    if isinstance(value, bool):
        kind = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
        return f"<table:table-cell {kind}{spanned}><text:p>{str(value).upper()}</text:p></table:table-cell>{covered}"
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}"{spanned}>'
                f"<text:p>{value}</text:p></table:table-cell>{covered}")
    if hasattr(value, "isoformat"):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"{spanned}>'
                f"<text:p>{value}</text:p></table:table-cell>{covered}")
    paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string"{spanned}>{paragraphs}</table:table-cell>{covered}'


def write_ods(path: Path | str, sheets: dict[str, Sequence[Sequence[object]]], *,
              hidden_rows: Sequence[int] = (), merged: Sequence[tuple[int, int, int]] = (),
              trailing_empty_rows: int = 0, main: str | None = None) -> Path:
    """An .ods file: each sheet's rows (row 1 first). On the `main` sheet (default: the first),
    `hidden_rows` (1-based) are collapsed, `merged` (1-based row, first column, span) merges cells
    across columns, and `trailing_empty_rows` empty rows follow, written as one repeated row as
    LibreOffice does."""
    tables = []
    main = main or next(iter(sheets))
    for name, rows in sheets.items():
        number = 0 if name == main else 1
        spans = {(r, c): n for r, c, n in merged} if number == 0 else {}
        xml_rows = []
        for r, row in enumerate(rows, start=1):
            cells, c = [], 0
            while c < len(row):
                span = spans.get((r, c + 1), 1)
                cells.append(ods_cell(row[c], span=span))
                c += span
            hide = ' table:visibility="collapse"' if number == 0 and r in hidden_rows else ""
            xml_rows.append(f"<table:table-row{hide}>{''.join(cells)}</table:table-row>")
        if number == 0 and trailing_empty_rows:
            xml_rows.append(f'<table:table-row table:number-rows-repeated="{trailing_empty_rows}">'
                            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
        tables.append(f'<table:table table:name="{escape(name)}">{"".join(xml_rows)}</table:table>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}><office:body>'
               f'<office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body></office:document-content>')
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path
