"""Which rows of an .xlsx sheet are hidden, read from the sheet's XML (calamine does not report them).

We scan the sheet's XML for ``<row ... hidden="1">`` when the sheet part is at most
``HIDDEN_ROW_SCAN_BYTES`` uncompressed; otherwise the sheet carries a warning that hidden
rows were not checked.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

HIDDEN_ROW_SCAN_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
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
