"""A `ReportDocument` as simple HTML, for the Report page's preview (a third view of the one model).

    preview_html(doc, *, dpi=96) -> Preview      html plus the chart pictures it names

The preview shows what the Word and PDF files will say, in the same order, with the same tables
and charts; it is not paginated (the PDF's pages come from reportlab). Page breaks show as a
rule. Charts are screen-sized PNGs (96 dpi by default) named "chart-N.png" in the HTML and handed back
as bytes, so the GUI adds them as its text document's resources (no files, no network). All
text is escaped: a "<" typed in a section prints as typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from model.core.documents import Heading, KeyValues, Paragraph
from model.report.blocks import Chart, Contents, PageBreak, ReportDocument, Table, chart_png

_NOTE = "color:#425563;font-style:italic;"
_HEAD = "background:#e8eef5;font-weight:bold;"


@dataclass
class Preview:
    """The preview's HTML and the pictures it refers to by name."""

    html: str
    images: dict[str, bytes] = field(default_factory=dict)


def _table(headers: tuple[str, ...], rows: tuple[tuple[str, ...], ...], caption: str) -> str:
    head = "".join(f'<th style="{_HEAD}">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f'<p style="{_NOTE}">{escape(caption)}</p>' if caption else ""
    return f'{cap}<table border="1" cellspacing="0" cellpadding="3" width="100%"><tr>{head}</tr>{body}</table>'


def preview_html(doc: ReportDocument, *, dpi: int = 96) -> Preview:
    """The document as HTML with its charts as named PNGs (see the module docstring)."""
    preview = Preview("")
    parts = [f'<p style="{_NOTE}">Preview of the {escape(doc.status)} report: the Word and PDF files hold the '
             "same content, laid out on A4 pages.</p>"]
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 1, 3)
            parts.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f'<p style="{_NOTE if block.note else ""}">{escape(block.text)}</p>')
        elif isinstance(block, KeyValues):
            rows = "".join(f'<tr><td style="{_HEAD}">{escape(k)}</td><td>{escape(v)}</td></tr>'
                           for k, v in block.pairs)
            parts.append(f'<table border="1" cellspacing="0" cellpadding="3" width="100%">{rows}</table>')
        elif isinstance(block, Table):
            parts.append(_table(block.headers, block.rows, block.caption))
        elif isinstance(block, Chart):
            name = f"chart-{len(preview.images) + 1}.png"
            png, _ratio = chart_png(block, dpi=dpi)
            preview.images[name] = png
            parts.append(f'<p><img src="{name}" alt="{escape(block.alt_text)}"></p>'
                         f'<p style="{_NOTE}">{escape(block.caption)}</p>')
        elif isinstance(block, Contents):
            parts.append(f"<h2>{escape(block.title)}</h2><p style=\"{_NOTE}\">The contents list, with page "
                         "numbers, is in the files.</p>")
        elif isinstance(block, PageBreak):
            parts.append("<hr>")
    preview.html = "<html><body>" + "\n".join(parts) + "</body></html>"
    return preview
