"""Which rows of an .xlsx sheet are hidden, and which formula cells have no saved value, read from
the sheet's XML (calamine reports neither: a formula without a saved value reads as an empty cell).

The sheet part is streamed out of the zip (never inflated whole) when it is at most
``HIDDEN_ROW_SCAN_BYTES`` unpacked; otherwise the sheet carries a warning that hidden rows
were not checked. Most sheets hide nothing, and the word "hidden" never occurs in their XML:
a memchr-fast search of the inflated pieces says so without parsing (nor do formulas occur in a
typical export). When either does occur, the
part is parsed with lxml's ``iterparse``, row element by row element, so that rows are
numbered as Excel numbers them, including rows written without an ``r=`` attribute (valid
OOXML: each such row follows the one before).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree

from lxml import etree  # a pinned runtime dependency (also reads HTML tables)

from model.core.columns import column_letter
from model.core.input_files import ZIP_MAGIC

HIDDEN_ROW_SCAN_BYTES = 64 * 1024 * 1024
_SCAN_PIECE = 1 << 18  # bytes of XML searched at a time
# Either word sends the sheet to the XML parser: a hidden row, or a formula (whose saved value may be
# missing). "f>" ends every <f>…</f>; a shared formula's copies (<f t="shared" si="0"/>) come with it.
# Two short searches: patterns starting with "<" are slow to search for (every tag starts so).
_WORTH_PARSING = (b"hidden", b"f>")
_ROW_TAG = "{*}row"  # any namespace: transitional and strict OOXML name it differently
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
    """0-based positions of rows hidden in an .xlsx sheet, and warnings (formula cells that
    hold no saved value, which every reader sees as empty)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, name)
            if part is None:
                return frozenset(), ()
            info = archive.getinfo(part)
            if info.file_size > HIDDEN_ROW_SCAN_BYTES:
                return frozenset(), ("The sheet is very large, so hidden rows were not checked.",)
            if not _mentions(_member_pieces(path, archive, info), _WORTH_PARSING):
                return frozenset(), ()
            with archive.open(info) as stream:
                hidden, unsaved = _scan_rows(stream)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, etree.XMLSyntaxError, OSError, zlib.error):
        return frozenset(), ("Hidden rows could not be checked.",)
    return frozenset(hidden), _unsaved_warning(name, unsaved)


def _mentions(pieces: Iterable[bytes], words: tuple[bytes, ...]) -> bool:
    """True when one of ``words`` (at most 8 bytes each) occurs in the XML; a piece's tail is
    kept, so a word cut between two pieces is still found."""
    tail = b""
    for piece in pieces:
        joint = tail + piece[:8]
        if any(word in piece or word in joint for word in words):
            return True
        tail = piece[-8:] if len(piece) >= 8 else (tail + piece)[-8:]  # no copy of a whole piece
    return False


def _mentions_hidden(pieces: Iterable[bytes]) -> bool:
    """True when the word "hidden" occurs in the XML."""
    return _mentions(pieces, (b"hidden",))


def _hidden_rows_in(stream: IO[bytes]) -> set[int]:
    """Rows hidden in a sheet's XML, 0-based."""
    return _scan_rows(stream)[0]


def _scan_rows(stream: IO[bytes]) -> tuple[set[int], list[tuple[int, int]]]:
    """(hidden rows, formula cells without a saved value) of a sheet's XML, as 0-based (row,
    column) positions; streamed with lxml, each row element freed once read."""
    hidden: set[int] = set()
    unsaved: list[tuple[int, int]] = []
    number = 0
    for _event, row in etree.iterparse(stream, events=("end",), tag=_ROW_TAG, resolve_entities=False,
                                      no_network=True):
        given = row.get("r")
        number = int(given) if given and given.isdigit() else number + 1
        if row.get("hidden") in ("1", "true"):
            hidden.add(number - 1)
        column = -1
        for cell in row:
            column = _column_of(cell.get("r"), column + 1)
            if _formula_without_value(cell):
                unsaved.append((number - 1, column))
        row.clear()
        while row.getprevious() is not None:
            del row.getparent()[0]
    return hidden, unsaved


def _column_of(ref: str | None, otherwise: int) -> int:
    """0-based column of a cell reference ("AB12" -> 27); ``otherwise`` when it has none."""
    letters = (ref or "").rstrip("0123456789")
    if not letters.isalpha() or not letters.isascii():
        return otherwise
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number - 1


def _formula_without_value(cell: etree._Element) -> bool:
    """A cell with a formula (``<f>``) and no saved result (no ``<v>``, or an empty one)."""
    formula = value = False
    for child in cell:
        tag = child.tag if isinstance(child.tag, str) else ""
        local = tag.rsplit("}", 1)[-1]
        if local == "f":
            formula = True
        elif local in ("v", "is") and (local == "is" or (child.text or "") != ""):
            value = True
    return formula and not value


def _unsaved_warning(sheet: str, unsaved: list[tuple[int, int]]) -> tuple[str, ...]:
    if not unsaved:
        return ()
    shown = ", ".join(f"row {r + 1} column {column_letter(c)}" for r, c in unsaved[:5])
    more = f" and {len(unsaved) - 5:,} more" if len(unsaved) > 5 else ""
    return (
        f"Sheet '{sheet}': {len(unsaved):,} cell{'s' if len(unsaved) != 1 else ''} hold a formula with no saved "
        f"value ({shown}{more}), so they read as empty. The file was saved by a program that does not calculate "
        "formulas: open it in Excel or LibreOffice, let it calculate, save it and import it again.",
    )


def _member_pieces(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A zip member's bytes, piece by piece.

    A deflated member is inflated straight from the file, a third cheaper than ``ZipFile.open``
    (which re-copies its unconsumed input on every read) and without its CRC check: the search
    only looks for the word "hidden", and calamine reads (and checks) the same member anyway.
    The inflated pieces never exceed the size the zip declares (``model.core.input_files``
    checked that size before reading): a member that inflates further is cut off there.
    """
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1:  # stored or encrypted
        with archive.open(info) as stream:
            while piece := stream.read(_SCAN_PIECE):
                yield piece
        return
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != ZIP_MAGIC:
            raise zipfile.BadZipFile("bad local file header")
        name_size, extra_size = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_size + extra_size)
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        left, room = info.compress_size, info.file_size
        while left > 0:
            data = fh.read(min(left, _SCAN_PIECE // 8))  # sheet XML compresses about 10:1
            if not data:
                raise zipfile.BadZipFile("truncated member")
            left -= len(data)
            piece = inflate.decompress(data)  # at most ~1,000 times 32 KB, whatever the file says
            room -= len(piece)
            if room < 0:
                raise zipfile.BadZipFile("the member inflates beyond its declared size")
            yield piece
        yield inflate.flush()


# ---------------------------------------------------------------------------
# OpenDocument (.ods): calamine reports neither hidden rows nor merged cells for them
# ---------------------------------------------------------------------------

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_WORTH_PARSING = (b"visibility", b"spanned")
_REPEAT_LIMIT = 100_000  # a run of repeated rows longer than this is empty padding, never cases


def _ods_sheet_facts(path: Path, name: str) -> tuple[frozenset[int], tuple[tuple[int, int, int, int], ...],
                                                     tuple[str, ...]]:
    """(hidden rows, merged ranges, warnings) of one table of an .ods file, from its content.xml.

    Rows and columns are counted as the file repeats them (``number-rows-repeated``,
    ``number-columns-repeated``); merged ranges come from ``number-columns-spanned`` and
    ``number-rows-spanned``, as (first_row, first_col, last_row, last_col), 0-based.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > HIDDEN_ROW_SCAN_BYTES:
                return frozenset(), (), ("The sheet is very large, so hidden rows were not checked.",)
            if not _mentions(_member_pieces(path, archive, info), _ODS_WORTH_PARSING):
                return frozenset(), (), ()
            with archive.open(info) as stream:
                hidden, merged = _ods_rows(stream, name)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError, zlib.error, ValueError):
        return frozenset(), (), ("Hidden rows could not be checked.",)
    return frozenset(hidden), tuple(merged), ()


def _ods_rows(stream: IO[bytes], name: str) -> tuple[set[int], list[tuple[int, int, int, int]]]:
    table, row_tag, cell_tags = f"{{{_ODS_TABLE}}}table", f"{{{_ODS_TABLE}}}table-row", {
        f"{{{_ODS_TABLE}}}table-cell", f"{{{_ODS_TABLE}}}covered-table-cell"}
    hidden: set[int] = set()
    merged: list[tuple[int, int, int, int]] = []
    inside, row = False, 0
    for event, element in etree.iterparse(stream, events=("start", "end"), tag=(table, row_tag),
                                          resolve_entities=False, no_network=True):
        if element.tag == table:
            if event == "start":
                inside, row = element.get(f"{{{_ODS_TABLE}}}name") == name, 0
            elif inside:
                break
            continue
        if event == "start" or not inside:
            if event == "end":
                element.clear()
            continue
        repeat = int(element.get(f"{{{_ODS_TABLE}}}number-rows-repeated", "1") or 1)
        if element.get(f"{{{_ODS_TABLE}}}visibility") in ("collapse", "filter") and repeat <= _REPEAT_LIMIT:
            hidden.update(range(row, row + repeat))
        column = 0
        for cell in element:
            if cell.tag not in cell_tags:
                continue
            across = int(cell.get(f"{{{_ODS_TABLE}}}number-columns-spanned", "1") or 1)
            down = int(cell.get(f"{{{_ODS_TABLE}}}number-rows-spanned", "1") or 1)
            if across > 1 or down > 1:
                merged.append((row, column, row + down - 1, column + across - 1))
            column += int(cell.get(f"{{{_ODS_TABLE}}}number-columns-repeated", "1") or 1)
        row += repeat
        element.clear()
    return hidden, merged
