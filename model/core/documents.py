"""A tiny neutral document model and its Word and PDF renderers.

Protocols and reports are built once as a `Document` (headings, paragraphs, key–value
lists and tables) and rendered to .docx (python-docx) or .pdf (reportlab platypus). Keeping
the content separate from the format means the two files always say the same thing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from model.core.errors import KnownError

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

# PDF font sizes tried, largest first, until a one-page document fits.
_PDF_SIZES = (10.0, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0)
_PDF_MARGIN_MM = 14


@dataclass(frozen=True)
class Heading:
    """A heading; level 0 is the title, 1 a section, 2 a subsection."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (`note` = smaller, greyed)."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class KeyValues:
    """Labelled values shown as two columns ("Lead: Dr A. Patel")."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table with a header row; `widths` are relative column widths (optional)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


Block = Heading | Paragraph | KeyValues | Table


@dataclass
class Document:
    """An ordered list of blocks with a title (used for the file's metadata)."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 1) -> Document:
        """Append a heading."""
        self.blocks.append(Heading(text, level))
        return self

    def paragraph(self, text: str, note: bool = False) -> Document:
        """Append a paragraph."""
        self.blocks.append(Paragraph(text, note))
        return self

    def key_values(self, pairs: Sequence[tuple[str, str]]) -> Document:
        """Append a labelled list."""
        self.blocks.append(KeyValues(tuple((str(k), str(v)) for k, v in pairs)))
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] = ()) -> Document:
        """Append a table (every row as long as the header)."""
        self.blocks.append(Table(tuple(headers), tuple(tuple(str(x) for x in r) for r in rows), tuple(widths)))
        return self

    def text(self) -> str:
        """All the document's text, one block per line (for searching and tests)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                lines.append(block.text)
            elif isinstance(block, KeyValues):
                lines.extend(f"{k}: {v}" for k, v in block.pairs)
            else:
                lines.extend(" | ".join(r) for r in (block.headers, *block.rows))
        return "\n".join(lines)


def write_error(path: Path, exc: OSError) -> KnownError:
    """The plain message for a document that could not be written (open in Word, read-only folder)."""
    return KnownError(f"Could not write {path.name}: {exc.strerror or exc}.", where=str(path),
                      hint="Close the file if it is open in Word or a PDF viewer, or choose another folder.")


def write_document(path: Path | str, data: bytes) -> Path:
    """Write a rendered document's bytes, with `write_error`'s message when that fails."""
    path = Path(path)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise write_error(path, exc) from exc
    return path


# --- Word -------------------------------------------------------------------------------


def render_docx(doc: Document, path: Path | str) -> Path:
    """Write the document as a Word file.

    Raises:
        KnownError: when the file cannot be written (open in Word, read-only folder).
    """
    import docx
    from docx.shared import Pt

    path = Path(path)
    word = docx.Document()
    word.core_properties.title = doc.title
    word.styles["Normal"].font.size = Pt(10)
    for block in doc.blocks:
        _docx_block(word, block)
    try:
        word.save(str(path))
    except OSError as exc:
        raise write_error(path, exc) from exc
    return path


def _docx_block(word: WordDocument, block: Block) -> None:
    from docx.shared import Pt, RGBColor

    if isinstance(block, Heading):
        word.add_heading(block.text, level=min(block.level, 9))
    elif isinstance(block, Paragraph):
        para = word.add_paragraph(block.text)
        if block.note:
            for run in para.runs:
                run.font.size = Pt(8.5)
                run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    elif isinstance(block, KeyValues):
        table = word.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for key, value in block.pairs:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = key, value
            for run in cells[0].paragraphs[0].runs:
                run.bold = True
    else:
        _docx_table(word, block)


def _docx_table(word: WordDocument, block: Table) -> None:
    table = word.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in block.rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


# --- PDF --------------------------------------------------------------------------------


def render_pdf(doc: Document, path: Path | str, one_page: bool = True) -> Path:
    """Write the document as an A4 PDF.

    With `one_page`, the font and table text shrink step by step until everything fits on
    one page (an audit department's registration form is one page); if even the smallest
    size overflows, the smallest-size version is written (over more than one page).

    Raises:
        KnownError: when the file cannot be written.
    """
    path = Path(path)
    sizes = _PDF_SIZES if one_page else _PDF_SIZES[:1]
    data = b""
    for size in sizes:
        data, pages = _pdf_bytes(doc, size)
        if pages <= 1:
            break
    return write_document(path, data)


def _pdf_bytes(doc: Document, size: float) -> tuple[bytes, int]:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    margin = _PDF_MARGIN_MM * mm
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=doc.title, author="AuditLoop")
    styles = _pdf_styles(size)
    story = [flow for block in doc.blocks for flow in _pdf_flowables(block, styles, template.width)]
    template.build(story)
    return buffer.getvalue(), template.page


def _pdf_styles(size: float) -> dict[str | int, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName="Helvetica", fontSize=size, leading=size * 1.25, spaceAfter=size * 0.3)
    return {
        "body": base,
        "note": ParagraphStyle("note", parent=base, fontSize=size * 0.85, leading=size * 1.05,
                               textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=size * 0.9, leading=size * 1.08, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName="Helvetica-Bold", fontSize=size * 0.9,
                               leading=size * 1.08, spaceAfter=0),
        0: ParagraphStyle("h0", parent=base, fontName="Helvetica-Bold", fontSize=size * 1.6, leading=size * 1.9,
                          spaceAfter=size * 0.4),
        1: ParagraphStyle("h1", parent=base, fontName="Helvetica-Bold", fontSize=size * 1.15, leading=size * 1.4,
                          spaceBefore=size * 0.6, spaceAfter=size * 0.2, textColor=colors.HexColor("#1f3a5f")),
        2: ParagraphStyle("h2", parent=base, fontName="Helvetica-Bold", fontSize=size, leading=size * 1.25,
                          spaceBefore=size * 0.3),
    }


def _para(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph as PdfParagraph

    # Paragraph parses a mini-markup: escape user text so "<" or "&" in a criterion prints as typed.
    return PdfParagraph(escape(text).replace("\n", "<br/>"), style)


def _pdf_flowables(block: Block, styles: dict[str | int, Any], width: float) -> list[Any]:
    if isinstance(block, Heading):
        return [_para(block.text, styles[min(block.level, 2)])]
    if isinstance(block, Paragraph):
        return [_para(block.text, styles["note" if block.note else "body"])]
    if isinstance(block, KeyValues):
        rows = [[_para(k, styles["head"]), _para(v, styles["cell"])] for k, v in block.pairs]
        return [_pdf_table(rows, [0.28 * width, 0.72 * width], header=False)]
    header = [_para(h, styles["head"]) for h in block.headers]
    body = [[_para(x, styles["cell"]) for x in row] for row in block.rows]
    weights = block.widths or (1.0,) * len(block.headers)
    widths = [width * w / sum(weights) for w in weights]
    return [_pdf_table([header, *body], widths, header=True)]


def _pdf_table(rows: list[list[Any]], widths: list[float], header: bool) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle

    table = PdfTable(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    # Shade the header row of a table, or the label column of a key–value list.
    end = (-1, 0) if header else (0, -1)
    style.append(("BACKGROUND", (0, 0), end, colors.HexColor("#e8eef5")))
    table.setStyle(TableStyle(style))
    return table
