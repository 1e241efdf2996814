"""The report's one document model: an ordered list of blocks both renderers read.

A `ReportDocument` is built once from the data (`model.report.builder.build_report`) and
rendered to Word (`model.report.render_docx`) or PDF (`model.report.render_pdf`), so the two
files always say the same thing. It builds on `model.core.documents` (the same `Heading`,
`Paragraph` and `KeyValues`), adding what a report needs: tables with a caption, charts with
alt text and a caption, and page breaks.

Blocks:
    Heading(text, level)          level 0 = the front page title, 1 = section, 2 = subsection
    Paragraph(text, note=False)   note = smaller and grey (captions of sources, "not available")
    KeyValues(pairs)              two-column label/value list (the front page)
    Table(headers, rows, caption, widths, rag_column)   header row repeated on every page; the RAG
                                  column's cells shaded by their words ("Red: …"), which stay
    Chart(figure, alt_text, caption, width_cm, described_below)   a matplotlib Figure (OO API)
    PageBreak()
    Contents(title="Contents")   the contents list of the level-1 and level-2 headings after it
                                 (page numbers in the PDF; a TOC field in Word, updated on opening)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from matplotlib.figure import Figure

from model.core.documents import Heading, KeyValues, Paragraph

__all__ = ["CHART_DPI", "RAG_FILLS", "Block", "Chart", "Contents", "Heading", "KeyValues", "PageBreak", "Paragraph",
           "ReportDocument", "Table", "chart_png", "contents_entries", "rag_fill"]

#: Charts are rasterised at this resolution for both formats (print quality).
CHART_DPI = 220


#: Pale fills for a RAG cell by its first word: the words say it, the colour repeats it (dark text stays legible).
RAG_FILLS = {"Green": "D5EFD9", "Complete": "D5EFD9", "Amber": "FCE5C4", "Red": "F6D3D6"}


@dataclass(frozen=True)
class Table:
    """A table with a header row (repeated on every page) and an optional caption above it.

    `rag_column` (≥ 0) names the column holding a RAG status in words; renderers shade its cells
    with `rag_fill`, so RAG shows as text and colour, never by colour alone.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    widths: tuple[float, ...] = ()
    rag_column: int = -1


def rag_fill(text: str) -> str | None:
    """The fill (hex RGB) for a RAG cell's text ("Amber: just below target"), None when it is not a RAG."""
    return RAG_FILLS.get(text.split(":")[0].strip())


@dataclass(frozen=True, eq=False)
class Chart:
    """A chart: the figure, the text a screen reader reads instead, and a caption under it.

    The PDF cannot carry alt text (reportlab writes no tagged PDF), so it prints `alt_text` as a
    "Text version" under the caption, unless `described_below` says the paragraph after the chart
    already reads it out (the SPC chart's reading).
    """

    figure: Figure
    alt_text: str
    caption: str = ""
    width_cm: float = 16.0
    described_below: bool = False


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


@dataclass(frozen=True)
class Contents:
    """The contents list: every level-1 and level-2 heading of the document with its page."""

    title: str = "Contents"


Block = Heading | Paragraph | KeyValues | Table | Chart | PageBreak | Contents


@dataclass
class ReportDocument:
    """A report: metadata for the file's properties and running header, and its blocks.

    Attributes:
        title: the report's title (file metadata and running header).
        trust: the organisation's name (running header).
        author: the audit lead (file metadata).
        subject: e.g. "Clinical audit report: Cycle 2 (re-audit)".
        language: BCP 47 tag of the text.
        status: "draft" or "final" (shown in the header and on the front page).
        blocks: the content, in order.
    """

    title: str
    trust: str = ""
    author: str = ""
    subject: str = ""
    language: str = "en-GB"
    status: str = "draft"
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 1) -> None:
        """Append a heading."""
        self.blocks.append(Heading(text, level))

    def paragraph(self, text: str, note: bool = False) -> None:
        """Append a paragraph (several lines become one paragraph each)."""
        for line in (text.splitlines() or [""]):
            if line.strip():
                self.blocks.append(Paragraph(line.strip(), note))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "",
              widths: Sequence[float] = (), *, rag_column: int = -1) -> None:
        """Append a table (every row as long as the header; `rag_column`: the RAG column, shaded)."""
        self.blocks.append(Table(tuple(headers), tuple(tuple(str(x) for x in r) for r in rows), caption,
                                 tuple(widths), rag_column))

    def chart(self, figure: Figure, alt_text: str, caption: str = "", *, described_below: bool = False) -> None:
        """Append a chart (`described_below`: the next paragraph reads the chart out in words)."""
        self.blocks.append(Chart(figure, alt_text, caption, described_below=described_below))

    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every heading, in order (the outline; tests and the page's preview)."""
        return [(b.level, b.text) for b in self.blocks if isinstance(b, Heading)]

    def text(self) -> str:
        """All the words, one block per line (for searching and tests)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                lines.append(block.text)
            elif isinstance(block, KeyValues):
                lines += [f"{k}: {v}" for k, v in block.pairs]
            elif isinstance(block, Table):
                lines += [block.caption, *(" | ".join(r) for r in (block.headers, *block.rows))]
            elif isinstance(block, Chart):
                lines += [block.caption, block.alt_text]
            elif isinstance(block, Contents):
                lines.append(block.title)
        return "\n".join(line for line in lines if line)

    def without_contents(self) -> ReportDocument:
        """The same document with no contents list, nor the page break after it (a short report needs none)."""
        kept: list[Block] = []
        for i, block in enumerate(self.blocks):
            after_contents = i > 0 and isinstance(self.blocks[i - 1], Contents)
            if not isinstance(block, Contents) and not (after_contents and isinstance(block, PageBreak)):
                kept.append(block)
        return replace(self, blocks=kept)


def contents_entries(doc: ReportDocument) -> list[tuple[int, str]]:
    """(level, text) of the headings a contents list shows: levels 1 and 2 after the contents block."""
    start = next((i for i, b in enumerate(doc.blocks) if isinstance(b, Contents)), len(doc.blocks))
    return [(b.level, b.text) for b in doc.blocks[start:] if isinstance(b, Heading) and 1 <= b.level <= 2]


def chart_png(chart: Chart, dpi: int = CHART_DPI) -> tuple[bytes, float]:
    """The chart as PNG bytes and its height/width ratio."""
    buffer = io.BytesIO()
    chart.figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    width, height = chart.figure.get_size_inches()
    return buffer.getvalue(), float(height / width)
