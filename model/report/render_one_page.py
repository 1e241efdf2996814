"""Render a short `ReportDocument` (the evidence pack) as exactly one A4 portrait PDF page.

    render_one_page_pdf(doc, path, progress=None) -> Path

The blocks are laid out with the report's own styles and fonts (`model.report.render_pdf`),
tighter, inside one frame; when they would run past the page, reportlab's `KeepInFrame`
shrinks them to fit, so the file is always one page (an ePortfolio upload is read as one).
"""

from __future__ import annotations

import io
from pathlib import Path

from model.core.documents import write_document
from model.core.progress import Progress, report
from model.report.blocks import ReportDocument
from model.report.pdf_charts import ChartBoxes
from model.report.render_pdf import _FONT, _flowables, _register_fonts, _styles

_MARGIN_MM = 14


def one_page_bytes(doc: ReportDocument, progress: Progress | None = None) -> bytes:
    """The document as the bytes of a one-page PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame, SimpleDocTemplate

    _register_fonts()
    buffer = io.BytesIO()
    margin = _MARGIN_MM * mm
    template = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=doc.title, author=doc.author or "AuditLoop",
                                 subject=doc.subject, creator="AuditLoop", lang=doc.language, initialFontName=_FONT)
    styles = _styles()
    styles["h0"] = ParagraphStyle("h0_page", parent=styles["h0"], fontSize=15, leading=19, spaceBefore=0, spaceAfter=6)
    styles["h2"] = ParagraphStyle("h2_page", parent=styles["h2"], fontSize=10.5, leading=13, spaceBefore=6,
                                  spaceAfter=2, textColor=styles["h0"].textColor)
    styles["body"] = ParagraphStyle("body_page", parent=styles["body"], fontSize=9, leading=11.5, spaceAfter=2.5)
    styles["note"] = ParagraphStyle("note_page", parent=styles["note"], fontSize=8.5, leading=11, spaceAfter=2.5)
    boxes = ChartBoxes()
    story = [flow for block in doc.blocks for flow in _flowables(block, styles, template.width, boxes)]
    # A small negative tolerance: the frame's own padding must never push the content onto a second page.
    fitted = KeepInFrame(template.width - 1, template.height - 14, story, mode="shrink")
    report(progress, 0, 1, "Laying out the page")
    template.build([fitted])
    return boxes.overlay(buffer.getvalue(), progress)


def render_one_page_pdf(doc: ReportDocument, path: Path | str, progress: Progress | None = None) -> Path:
    """Write the document as a one-page PDF.

    Raises:
        KnownError: when the file cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    data = one_page_bytes(doc, progress)
    report(progress, 1, 1, "Writing the file")
    return write_document(path, data)
