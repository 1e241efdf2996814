"""Reading a delimited text file the same way everywhere: cases (collect) and national files (benchmark).

One place decides what a text table is: which encoding (UTF-8 with or without a byte-order
mark, UTF-16 with one, else Windows cp1252, latin-1 last), which delimiter (comma, semicolon
or tab, sniffed), and which line ends (CRLF, LF or a bare CR, all the same). Bytes that are
not text at all, a quoted cell that never closes, and Excel's lock files (`~$name.xlsx`) are
refused with a message the user can act on, never a traceback.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from model.core.errors import ImportProblem

#: Excel's limits: a table with more rows or columns did not come from a spreadsheet and is refused
#: as soon as the reader passes them (before the rest is held in memory).
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384

#: Byte values that never occur in a text table (controls other than tab, LF, FF, CR and Ctrl-Z).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 26)) + b"\x7f"
_BINARY_SHARE = 0.01


def lock_file_problem(path: Path) -> ImportProblem | None:
    """The problem to raise for Excel's owner/lock file (`~$name.xlsx`), or None for other files.

    Excel writes a tiny `~$` file beside a workbook while it is open; it holds only the name
    of the person who opened it.
    """
    if not path.name.startswith("~$"):
        return None
    real = path.name[2:]
    return ImportProblem(
        "This is Excel's lock file, not a workbook: Excel makes it while someone has the workbook open.",
        where=str(path),
        hint=f"Open the workbook itself ('{real}', or the name without '~$', in the same folder).",
    )


def is_binary(data: bytes) -> bool:
    """True when the bytes are not text: NULs or other control bytes in more than 1% of a sample."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text has NULs by nature
    sample = data[:65536]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls / len(sample) > _BINARY_SHARE


def decode_text(data: bytes, path: Path, encoding: str = "") -> tuple[str, str]:
    """(text, encoding): UTF-16 or UTF-8 by their byte-order mark, else UTF-8, else cp1252, else latin-1.

    `encoding` names the one to use instead (the user corrected the guess); bytes it cannot
    decode become U+FFFD.

    Byte-order marks inside the text (files joined together, each with its own) are removed,
    so they cannot make a phantom column or measure.

    Raises:
        ImportProblem: the bytes are not text (an image, a zip, random data named .csv).
    """
    if is_binary(data):
        raise ImportProblem(
            "This file is not a text table: it holds binary data, whatever its name says.",
            where=str(path),
            hint="Open it in Excel; if it is a spreadsheet, save it as .xlsx or CSV and import that copy.",
        )
    if encoding:
        text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        text, encoding = data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    else:
        for encoding in ("utf-8", "cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return text.replace("\ufeff", ""), encoding


def _delimiter_score(sample_lines: list[str], delimiter: str) -> tuple[int, int]:
    """How table-like the sample is when split on this delimiter: (rows of the usual width, width)."""
    widths = [len(r) for r in csv.reader(sample_lines, delimiter=delimiter) if any(c.strip() for c in r)]
    if not widths:
        return 0, 0
    width, count = Counter(widths).most_common(1)[0]
    return (count if width > 1 else 0), width


def sniff_delimiter(text: str) -> str:
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


def csv_rows(
    text: str, path: Path, delimiter: str | None = None, max_rows: int | None = None, *, partial: bool = False
) -> list[list[str]]:
    """The rows of a delimited text (CRLF, LF and bare CR line ends alike; quoted line breaks kept).

    `partial`: the text is the start of a longer file, so a quote still open at its end is not
    an error (the sample just stopped inside a cell).

    Raises:
        ImportProblem: a quoted cell is never closed (the rest of the file would become one cell).
    """
    delimiter = delimiter or sniff_delimiter(text)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            rows.append(row)
            if max_rows is not None and len(rows) >= max_rows:
                break
            if len(row) > MAX_COLUMNS or len(rows) > MAX_ROWS:
                raise too_big_problem(path, len(rows), len(row))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportProblem(
                f"A cell after row {len(rows):,} holds more than {csv.field_size_limit():,} characters: this is not "
                "a table a spreadsheet wrote (a quote may be missing, or the file is not a table at all).",
                where=f"{path}, row {len(rows) + 1:,}",
                hint="Open the file in a text editor to see what it holds, or export it again.") from exc
        if "unexpected end of data" in str(exc) and partial:
            return rows
        if "unexpected end of data" in str(exc):
            start = _record_start(text, delimiter, len(rows))
            raise ImportProblem(
                f"A quoted cell that starts in row {start} is never closed, so the rest of the file would be "
                "read as one cell.",
                where=f"{path}, row {start}",
                hint="Open the file in a text editor and add the missing double quote (\"), or export it again.",
            ) from exc
        # Looser quoting than the standard ('"a" b'): read as Excel would.
        return csv_rows_lenient(text, delimiter, max_rows, path)
    return rows


def csv_rows_lenient(text: str, delimiter: str, max_rows: int | None = None, path: Path | None = None
                     ) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if max_rows is not None and len(rows) >= max_rows:
                break
            if len(row) > MAX_COLUMNS or len(rows) > MAX_ROWS:
                raise too_big_problem(path or Path("?"), len(rows), len(row))
    except csv.Error as exc:
        raise ImportProblem(f"The text cannot be read as a table after row {len(rows):,} ({exc}).",
                            where=f"{path or '?'}, row {len(rows) + 1:,}",
                            hint="Open the file in a text editor to see what it holds, or export it again.") from exc
    return rows


def too_big_problem(path: Path, rows: int, columns: int) -> ImportProblem:
    """The refusal of a table larger than Excel allows (reading stopped where it went over)."""
    if rows > MAX_ROWS:
        what = f"more than {MAX_ROWS:,} rows"
    else:
        what = f"a row of {columns:,} cells (more than {MAX_COLUMNS:,})"
    return ImportProblem(
        f"The table has {what}, more than a spreadsheet can hold, so it is not read any further.",
        where=f"{path}" + (f", row {rows:,}" if rows <= MAX_ROWS else ""),
        hint="Export only the rows and columns the audit needs (a date range, one ward), or split the file.",
    )


def _record_start(text: str, delimiter: str, complete: int) -> int:
    """The line (1-based) where record number `complete` + 1 begins."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    for _ in range(complete):
        next(reader, None)
        line = reader.line_num
    return line + 1
