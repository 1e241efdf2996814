"""Vector charts in the report's PDF: reportlab lays out a box, matplotlib's own PDF is laid on it.

    ChartBoxes()                      where each chart's box landed (page, position, size)
    boxes.flowable(chart, width, height) -> Flowable     the box to lay out (records itself when drawn)
    boxes.overlay(pdf_bytes, progress=None) -> bytes       every chart drawn into its box, as vectors

reportlab cannot place a matplotlib PDF or SVG itself (that takes svglib or pdfrw), and a PNG is
not what the issue asks ("charts are vector in the PDF"). So the layout pass leaves an empty box
of the chart's size and notes where it fell; the figures are then saved by matplotlib as one PDF,
a page each (TrueType fonts embedded, so their labels are searchable text), and each page is
merged, scaled, onto its box with pypdf. The Word file keeps its 220 dpi PNGs (Word shows no PDF).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from model.core.progress import Progress, report
from model.report.blocks import Chart


@dataclass(frozen=True)
class _Placed:
    chart: Chart
    page: int
    x: float
    y: float
    width: float


@dataclass
class ChartBoxes:
    """The chart boxes of one layout pass (a contents list takes two: `reset` before each)."""

    placed: list[_Placed] = field(default_factory=list)

    def reset(self) -> None:
        """A new layout pass: forget the boxes of the last one."""
        self.placed.clear()

    def flowable(self, chart: Chart, width: float, height: float) -> Any:
        """An empty box of the chart's size that records its page and position when drawn."""
        from reportlab.platypus import Flowable

        boxes = self

        class ChartBox(Flowable):  # type: ignore[misc]  # reportlab ships no type stubs
            def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
                return width, height

            def draw(self) -> None:
                # Where the box's corners land on the page, so a shrunk frame (KeepInFrame) scales it too.
                x, y = self.canv.absolutePosition(0, 0)
                right, _ = self.canv.absolutePosition(width, 0)
                boxes.placed.append(_Placed(chart, self.canv.getPageNumber(), float(x), float(y), float(right - x)))

        return ChartBox()

    def overlay(self, pdf: bytes, progress: Progress | None = None) -> bytes:
        """The PDF with every recorded chart drawn into its box (outline and metadata kept; Cancel checked
        before each chart is drawn)."""
        if not self.placed:
            return pdf
        from pypdf import PdfReader, PdfWriter, Transformation

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        drawn = PdfReader(io.BytesIO(figures_pdf([box.chart for box in self.placed], progress))).pages
        for box, page in zip(self.placed, drawn, strict=True):
            scale = box.width / float(page.mediabox.width)
            writer.pages[box.page - 1].merge_transformed_page(
                page, Transformation().scale(scale, scale).translate(box.x, box.y))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def figures_pdf(charts: list[Chart], progress: Progress | None = None) -> bytes:
    """The charts' figures as one vector PDF, a page each, fonts embedded as TrueType (searchable).

    One file for all of them: subsetting the fonts is most of the cost of a vector chart, and one
    file subsets each font once.
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(buffer) as pages:
        for i, chart in enumerate(charts):
            report(progress, i, len(charts), f"Chart {i + 1} of {len(charts)}")
            pages.savefig(chart.figure, facecolor="white")
    return buffer.getvalue()
