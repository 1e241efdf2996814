"""Render a `ReportDocument` as an A4 PDF (reportlab platypus).

    render_pdf(doc: ReportDocument, path, progress=None) -> Path
    pdf_bytes(doc, *, charts=True, progress=None) -> bytes     charts False: their boxes left empty (counting pages)
    page_count(doc) -> int              the pages it takes (charts laid out but not drawn: quick)
    needs_contents(doc) -> bool         over `CONTENTS_OVER_PAGES` pages without its contents list

A4 portrait, 18 mm margins; title, author, subject, keywords, creator and language in the
PDF metadata; a bookmark (outline entry) for every heading, nested by level, and the outline
shown when the file opens; a running header (trust, title, draft/final) and "Page N of M"
footer on every page but the front page; tables repeat their header row on each page; a
`Contents` block becomes a contents list with page numbers and links (two layout passes).

Charts are vectors: the layout leaves each chart's box empty and `model.report.pdf_charts` lays
matplotlib's own PDF of the figure on it (reportlab cannot place a PDF or SVG itself), so they
print sharply at any size and their labels are text. The PDF is not tagged (reportlab cannot
write a structure tree, and tagging only the charts would hide the untagged text from screen
readers that follow the tags), so it has no alt text: each chart's text alternative is printed
under its caption as "Text version: …" (or, for an SPC chart, is the reading right after it).
Text uses DejaVu Sans (shipped with matplotlib), embedded, so ≥, ≤, χ², − and → print as
typed instead of as missing glyphs. Cancel (`progress`) is checked after every laid-out element
and before each chart is drawn; the file is written only at the end, so a cancelled report
leaves none.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from model.core.documents import Heading, KeyValues, Paragraph, write_document
from model.core.progress import Progress, report
from model.core.version import __version__
from model.report.blocks import Block, Chart, Contents, PageBreak, ReportDocument, Table, rag_fill
from model.report.pdf_charts import ChartBoxes

#: A report longer than this (without its contents list) gets one (NHS trusts' templates: "over 8 pages").
CONTENTS_OVER_PAGES = 8

_MARGIN_MM = 18
_FONT, _BOLD = "AuditLoopSans", "AuditLoopSans-Bold"
_ACCENT = "#005EB8"


def _register_fonts() -> None:
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(_FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(_FONT + "-Oblique", str(folder / "DejaVuSans-Oblique.ttf")))
    addMapping(_FONT, 0, 0, _FONT)
    addMapping(_FONT, 1, 0, _BOLD)
    addMapping(_FONT, 0, 1, _FONT + "-Oblique")
    addMapping(_FONT, 1, 1, _BOLD)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=_FONT, fontSize=9.5, leading=13, spaceAfter=5)
    return {
        "body": body,
        "note": ParagraphStyle("note", parent=body, fontName=_FONT + "-Oblique", textColor=colors.HexColor("#425563")),
        "caption": ParagraphStyle("caption", parent=body, fontSize=8.5, leading=11, spaceBefore=2, spaceAfter=8,
                                  textColor=colors.HexColor("#425563")),
        "caption_top": ParagraphStyle("caption_top", parent=body, fontSize=8.5, leading=11, spaceBefore=4,
                                      spaceAfter=3, textColor=colors.HexColor("#425563"), keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.8, leading=9.6, spaceAfter=0),
        "head": ParagraphStyle("head", parent=body, fontName=_BOLD, fontSize=7.8, leading=9.6, spaceAfter=0),
        "h0": ParagraphStyle("h0", parent=body, fontName=_BOLD, fontSize=22, leading=27, spaceBefore=30,
                             spaceAfter=12, textColor=colors.HexColor(_ACCENT)),
        "h1": ParagraphStyle("h1", parent=body, fontName=_BOLD, fontSize=14, leading=18, spaceBefore=12,
                             spaceAfter=6, textColor=colors.HexColor(_ACCENT), keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=body, fontName=_BOLD, fontSize=11, leading=14, spaceBefore=8,
                             spaceAfter=4, keepWithNext=1),
    }


def _para(text: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph as PdfParagraph

    # Paragraph parses a mini-markup: escape user text so "<" or "&" prints as typed.
    return PdfParagraph(escape(text).replace("\n", "<br/>"), style)


class _Outline:
    """Adds a bookmark for every heading as it is laid out (the PDF's outline)."""

    def __init__(self) -> None:
        self.count = 0

    def reset(self) -> None:
        """A new layout pass starts (a contents list needs two): bookmarks are made afresh."""
        self.count = 0

    def __call__(self, template: Any, flowable: Any) -> None:
        level = getattr(flowable, "outline_level", None)
        if level is None:
            return
        self.count += 1
        key = f"h{self.count}"
        canvas = template.canv
        canvas.bookmarkPage(key)
        text = flowable.getPlainText()
        canvas.addOutlineEntry(text, key, level=level, closed=False)
        if self.count == 1:
            canvas.showOutline()
        toc_level = getattr(flowable, "toc_level", None)
        if toc_level is not None:
            template.notify("TOCEntry", (toc_level, text, canvas.getPageNumber(), key))


def _contents(block: Contents, styles: dict[str, Any]) -> list[Any]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.tableofcontents import TableOfContents

    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [ParagraphStyle("toc1", parent=styles["body"], fontName=_BOLD, leftIndent=0, spaceBefore=3,
                                      spaceAfter=0),
                       ParagraphStyle("toc2", parent=styles["body"], leftIndent=14, fontSize=9, spaceAfter=0)]
    return [_para(block.title, styles["h1"]), toc]


def _flowables(block: Block, styles: dict[str, Any], width: float, boxes: ChartBoxes | None) -> list[Any]:
    from reportlab.platypus import PageBreak as PdfPageBreak

    if isinstance(block, Heading):
        level = min(block.level, 2)
        flow = _para(block.text, styles[f"h{level}"])
        flow.outline_level = max(level - 1, 0)  # the title and the sections at the top, subsections under
        if 1 <= block.level <= 2:
            flow.toc_level = block.level - 1
        return [flow]
    if isinstance(block, Contents):
        return _contents(block, styles)
    if isinstance(block, Paragraph):
        return [_para(block.text, styles["note" if block.note else "body"])]
    if isinstance(block, KeyValues):
        rows = [[_para(k, styles["head"]), _para(v, styles["cell"])] for k, v in block.pairs]
        return _table(rows, [0.3 * width, 0.7 * width], header=False)
    if isinstance(block, Table):
        return _table_flowables(block, styles, width)
    if isinstance(block, Chart):
        from reportlab.platypus import Spacer

        return [_chart(block, styles, width, boxes), Spacer(1, 6)]
    if isinstance(block, PageBreak):
        return [PdfPageBreak()]
    raise TypeError(f"unknown block {block!r}")


def column_widths(headers: tuple[str, ...], rows: tuple[tuple[str, ...], ...], weights: tuple[float, ...],
                  total: float, font_size: float = 7.8, padding: float = 7.0) -> list[float]:
    """Column widths (points) that never split a word: each column gets its longest word, the rest by weight."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    weights = weights or (1.0,) * len(headers)
    need = []
    for i, head in enumerate(headers):
        words = [(w, _BOLD) for w in head.split()] + [(w, _FONT) for row in rows for w in row[i].split()]
        need.append(max((stringWidth(w, f, font_size) for w, f in words), default=0.0) + padding)
    spare = total - sum(need)
    if spare <= 0:
        return [total * n / sum(need) for n in need]
    return [n + spare * w / sum(weights) for n, w in zip(need, weights, strict=True)]


def _table_flowables(block: Table, styles: dict[str, Any], width: float) -> list[Any]:
    header = [_para(h, styles["head"]) for h in block.headers]
    body = [[_para(x, styles["cell"]) for x in row] for row in block.rows]
    widths = column_widths(block.headers, block.rows, block.widths, width)
    caption = [_para(block.caption, styles["caption_top"])] if block.caption else []
    flows = _table([header, *body], widths, header=True)
    if block.rag_column >= 0:
        from reportlab.lib import colors

        fills = [(i, rag_fill(row[block.rag_column])) for i, row in enumerate(block.rows, start=1)]
        flows[0].setStyle([("BACKGROUND", (block.rag_column, i), (block.rag_column, i), colors.HexColor(f"#{fill}"))
                           for i, fill in fills if fill])
    return [*caption, *flows]


def _table(rows: list[list[Any]], widths: list[float], header: bool) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    table = PdfTable(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    end = (-1, 0) if header else (0, -1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BACKGROUND", (0, 0), end, colors.HexColor("#e8eef5"))]))
    return [table, Spacer(1, 8)]


def _chart(block: Chart, styles: dict[str, Any], width: float, boxes: ChartBoxes | None) -> Any:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    shown = min(block.width_cm * cm, width)
    fig_w, fig_h = block.figure.get_size_inches()
    height = shown * float(fig_h / fig_w)
    # The chart's box: filled with the vector figure afterwards, or left empty when only counting pages.
    image = boxes.flowable(block, shown, height) if boxes is not None else Spacer(shown, height)
    cell = [image] + ([_para(block.caption, styles["caption"])] if block.caption else [])
    if block.alt_text.strip() and not block.described_below:
        # WORKAROUND: reportlab writes no tagged PDF, so no alt text; the words a screen reader
        # would read are printed instead, with the chart (Word has them as the picture's alt text).
        cell.append(_para(f"Text version: {block.alt_text}", styles["caption"]))
    # One cell holding the picture and its caption: a one-row table never splits, so they stay together.
    frame = PdfTable([[cell]], colWidths=[width], hAlign="LEFT")
    frame.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return frame


def running_header(trust: str, title: str, status: str, size: float = 7.5) -> str:
    """"Trust · title · DRAFT" within the text width: a long title is shortened with "…", the status always shown."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    room = A4[0] - 2 * _MARGIN_MM * mm
    cut = title
    while True:
        text = " · ".join(x for x in (trust, cut, status) if x)
        if stringWidth(text, _FONT, size) <= room or not cut:
            return text
        cut = cut[:-2].rstrip() + "…" if len(cut) > 2 else ""


def _numbered_canvas(doc: ReportDocument, totals: list[int]) -> type:
    from reportlab.pdfgen.canvas import Canvas

    header = running_header(doc.trust, doc.title, "DRAFT" if doc.status != "final" else "Final")

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type stubs
        """Holds each page until the end, then stamps "Page N of M" and the running header."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            totals.append(total)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            from reportlab.lib.pagesizes import A4
            from reportlab.lib.units import mm

            page = self.getPageNumber()
            self.setFont(_FONT, 7.5)
            self.setFillColorRGB(0.26, 0.33, 0.39)
            if page > 1:
                self.drawRightString(A4[0] - _MARGIN_MM * mm, A4[1] - 11 * mm, header)
            self.drawCentredString(A4[0] / 2, 10 * mm, f"Page {page} of {total}")

    return NumberedCanvas


def pdf_bytes(doc: ReportDocument, *, charts: bool = True, totals: list[int] | None = None,
              progress: Progress | None = None) -> bytes:
    """The report as PDF bytes (`charts` False: boxes where the charts go; `totals` gets the page count)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _register_fonts()
    buffer = io.BytesIO()
    margin = _MARGIN_MM * mm
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=doc.title, author=doc.author or "AuditLoop",
                                 subject=doc.subject, creator=f"AuditLoop {__version__}",
                                 keywords=["clinical audit", doc.status],
                                 lang=doc.language, initialFontName=_FONT)
    outline = _Outline()
    boxes = ChartBoxes() if charts else None

    def after(flowable: Any) -> None:
        outline(template, flowable)
        if progress is not None:
            progress.check()  # Cancel takes effect within the layout, not only once it ends

    template.afterFlowable = after
    styles = _styles()

    def before_pass() -> None:  # every layout pass (a contents list takes two) starts afresh
        outline.reset()
        if boxes is not None:
            boxes.reset()

    template.beforeDocument = before_pass
    story = [flow for block in doc.blocks for flow in _flowables(block, styles, template.width, boxes)]
    canvas = _numbered_canvas(doc, totals if totals is not None else [])
    if any(isinstance(b, Contents) for b in doc.blocks):
        template.multiBuild(story, canvasmaker=canvas)
    else:
        template.build(story, canvasmaker=canvas)
    return boxes.overlay(buffer.getvalue(), progress) if boxes is not None else buffer.getvalue()


def page_count(doc: ReportDocument, progress: Progress | None = None) -> int:
    """How many A4 pages the document takes (laid out with its charts' boxes, not drawn)."""
    totals: list[int] = []
    pdf_bytes(doc, charts=False, totals=totals, progress=progress)
    return totals[-1]


def needs_contents(doc: ReportDocument, progress: Progress | None = None) -> bool:
    """True when the document runs past `CONTENTS_OVER_PAGES` pages without its contents list."""
    return page_count(doc.without_contents(), progress) > CONTENTS_OVER_PAGES


def render_pdf(doc: ReportDocument, path: Path | str, progress: Progress | None = None) -> Path:
    """Write the report as PDF.

    Raises:
        KnownError: when the file cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    data = pdf_bytes(doc, progress=progress)
    report(progress, 1, 1, "Writing the file")
    return write_document(path, data)
