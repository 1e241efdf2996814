"""Draw the one-page summary (A4 landscape) and the QI poster (A1 portrait) as vector pages.

    render_summary(summary, path, progress=None) -> Path      PDF, or PNG (150 dpi) when path ends in .png
    render_poster(summary, path, progress=None) -> Path       A1 portrait PDF (vector), or PNG when path ends in .png
    summary_figure(summary) / poster_figure(summary) -> Figure

The whole page is one matplotlib `Figure` (OO API) the size of the paper, so it is always
exactly one page, the chart stays vector in the PDF and the PNG is the same drawing. Text
is wrapped to its box and, should it still not fit, cut with "…" rather than running off
the page. Sizes are for projection: body text 12 pt on A4 (the poster scales everything
by 2.4, so body text is about 29 pt on A1). TrueType fonts are embedded (Type 42), so
the PDF's text can be searched and copied. Cancel (`progress`) is checked before the chart, before
the page is saved and before the file is written: the page is saved to memory first, so a
cancelled page leaves no file (and an existing file of that name as it was).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import FancyBboxPatch, Rectangle

from model.core import chart_text  # noqa: F401 - user text is drawn literally, never as maths
from model.core.documents import write_document
from model.core.progress import Progress, report
from model.core.version import __version__
from model.report.summary_chart import draw_key_chart
from model.report.summary_content import SummaryData

A4_LANDSCAPE = (11.69, 8.27)  # inches
A1_PORTRAIT = (23.39, 33.11)
ACCENT = "#005EB8"
INK = "#231F20"
GREY = "#425563"
PALE = "#E8EEF5"
PNG_DPI = 150


class _Column:
    """Writes wrapped text down a box of the page, from `top` to `bottom` (figure fractions)."""

    def __init__(self, fig: Figure, x: float, width: float, top: float, bottom: float, scale: float) -> None:
        self.fig, self.x, self.width, self.y, self.bottom, self.scale = fig, x, width, top, bottom, scale
        width_in, height_in = fig.get_size_inches()
        self.inches_w, self.inches_h = float(width_in), float(height_in)

    def _chars(self, size: float, bold: bool = False) -> int:
        return max(10, int(self.width * self.inches_w * 72 / (size * (0.61 if bold else 0.56))))

    def _line(self, size: float) -> float:
        return size * 1.32 / 72 / self.inches_h

    def text(self, text: str, size: float, *, bold: bool = False, colour: str = INK, gap: float = 0.4,
             indent: str = "") -> None:
        """A paragraph: wrapped, cut with "…" at the bottom of the box; `gap` lines of space after it."""
        size *= self.scale
        chars = self._chars(size, bold)
        lines = textwrap.wrap(text, chars, subsequent_indent=indent) or [""]
        room = int((self.y - self.bottom) / self._line(size))
        if room <= 0:
            return
        if len(lines) > room:
            lines = lines[:room]
            lines[-1] = lines[-1][: max(0, chars - 1)].rstrip() + "…"
        self.fig.text(self.x, self.y, "\n".join(lines), fontsize=size, fontweight="bold" if bold else "normal",
                      color=colour, va="top", ha="left", linespacing=1.32)
        self.y -= self._line(size) * (len(lines) + gap)

    def heading(self, text: str, size: float = 13) -> None:
        self.text(text, size, bold=True, colour=ACCENT, gap=0.15)

    def space(self, lines: float, size: float = 12) -> None:
        self.y -= self._line(size * self.scale) * lines


def _area(fig: Figure, left: float, right: float, bottom: float, top: float) -> SubFigure:
    """A subfigure covering this part of the page (figure fractions), for the key chart."""
    grid = fig.add_gridspec(3, 3, width_ratios=(left, right - left, 1 - right),
                            height_ratios=(1 - top, top - bottom, bottom), wspace=0, hspace=0, left=0, right=1,
                            top=1, bottom=0)
    area = fig.add_subfigure(grid[1, 1])
    area.set_facecolor("none")
    return area


def _banner(fig: Figure, s: SummaryData, bottom: float, title_size: float, sub_size: float) -> None:
    fig.add_artist(Rectangle((0, bottom), 1, 1 - bottom, transform=fig.transFigure, color=ACCENT, zorder=0))
    column = _Column(fig, 0.03, 0.94, 1 - (1 - bottom) * 0.14, bottom, 1.0)
    column.text(s.title, title_size, bold=True, colour="white", gap=0.25)
    parts = [s.trust, f"Registration {s.registration}" if s.registration else "Not registered", s.cycle_title,
             "Clinical audit summary"]
    column.text(" · ".join(p for p in parts if p), sub_size, colour="white", gap=0)


def _headline(fig: Figure, column: _Column, s: SummaryData, change_size: float, size: float) -> None:
    top = column.y
    column.space(0.5, size)
    inset = _Column(fig, column.x + 0.012, column.width - 0.024, column.y, column.bottom, column.scale)
    inset.text("Headline change", size * 0.85, bold=True, colour=ACCENT, gap=0.1)
    if s.headline_change:
        inset.text(s.headline_change, change_size, bold=True, colour=ACCENT, gap=0.15)
    inset.text(s.headline, size, gap=0.3)
    box = FancyBboxPatch((column.x, inset.y), column.width, top - inset.y, boxstyle="round,pad=0,rounding_size=0.01",
                         transform=fig.transFigure, facecolor=PALE, edgecolor=ACCENT, linewidth=1.2, zorder=0)
    fig.add_artist(box)
    column.y = inset.y
    column.space(0.8, size)


def _actions(column: _Column, s: SummaryData, size: float) -> None:
    column.heading("Key actions", size + 1)
    if not s.actions:
        column.text("No actions have been agreed yet.", size, colour=GREY)
    for i, line in enumerate(s.actions, 1):
        column.text(f"{i}. {line}", size, indent="   ", gap=0.2)
    column.space(0.4, size)


def _footer(fig: Figure, s: SummaryData, x: float, y: float, width: float, size: float, scale: float) -> None:
    footer = _Column(fig, x, width, y, 0.0, scale)
    missing = [n.removeprefix("Not available: ").rstrip(".") for n in s.notes]
    notes = ("Not available: " + "; ".join(missing) + ".") if missing else ""
    stamp = f"Generated by AuditLoop {__version__} on {s.today.day} {s.today:%B %Y}."
    footer.text(f"{notes} {stamp}".strip(), size, colour=GREY, gap=0)


def summary_figure(s: SummaryData) -> Figure:
    """The A4 landscape summary page as one figure."""
    fig = Figure(figsize=A4_LANDSCAPE, layout="constrained")
    _banner(fig, s, 0.86, 21, 12)
    left = _Column(fig, 0.03, 0.37, 0.83, 0.05, 1.0)
    left.heading("Aim")
    left.text(s.aim, 11.5)
    left.heading("Standard")
    left.text(s.standard, 11)
    _headline(fig, left, s, 24, 12)
    _actions(left, s, 11.5)
    left.heading("Re-audit")
    left.text(s.reaudit, 11.5, bold=True)
    left.heading("Team")
    left.text(s.team, 11)
    chart = _area(fig, 0.42, 0.985, 0.175, 0.81)
    draw_key_chart(chart, s, scale=1.0)
    caption = _Column(fig, 0.44, 0.54, 0.155, 0.06, 1.0)
    caption.text(s.chart_caption, 10, colour=GREY)
    _footer(fig, s, 0.03, 0.035, 0.94, 9.5, 1.0)
    return fig


def poster_figure(s: SummaryData) -> Figure:
    """The A1 portrait QI poster: the summary's content, laid out in bands for a poster board."""
    scale = 2.4
    fig = Figure(figsize=A1_PORTRAIT, layout="constrained")
    _banner(fig, s, 0.885, 60, 23)
    aim = _Column(fig, 0.04, 0.44, 0.86, 0.70, scale)
    aim.heading("Aim", 14)
    aim.text(s.aim, 12.5)
    standard = _Column(fig, 0.52, 0.44, 0.86, 0.70, scale)
    standard.heading("Standard", 14)
    standard.text(s.standard, 12)
    band = _Column(fig, 0.04, 0.92, min(aim.y, standard.y), 0.58, scale)
    _headline(fig, band, s, 30, 14)
    chart_top = band.y
    chart = _area(fig, 0.04, 0.96, 0.255, chart_top - 0.02)
    draw_key_chart(chart, s, scale=scale)
    caption = _Column(fig, 0.05, 0.9, 0.245, 0.195, scale)
    caption.text(s.chart_caption, 10.5, colour=GREY)
    actions = _Column(fig, 0.04, 0.55, 0.19, 0.05, scale)
    _actions(actions, s, 12.5)
    right = _Column(fig, 0.63, 0.33, 0.19, 0.05, scale)
    right.heading("Re-audit", 13.5)
    right.text(s.reaudit, 12.5, bold=True)
    right.heading("Team", 13.5)
    right.text(s.team, 11.5)
    _footer(fig, s, 0.04, 0.035, 0.92, 9.5, scale)
    return fig


def _save(fig: Figure, s: SummaryData, path: Path | str, subject: str, dpi: int, progress: Progress | None) -> Path:
    import io

    import matplotlib

    path = Path(path)
    fmt = "png" if path.suffix.lower() == ".png" else "pdf"
    metadata = ({"Title": s.title, "Subject": subject, "Creator": "AuditLoop"} if fmt == "pdf"
                else {"Title": s.title, "Software": "AuditLoop"})
    report(progress, 2, 3, f"Saving the page as {fmt.upper()}")
    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white", metadata=metadata)
    report(progress, 3, 3, "Writing the file")
    return write_document(path, buffer.getvalue())


def render_summary(s: SummaryData, path: Path | str, progress: Progress | None = None) -> Path:
    """Write the one-page A4 landscape summary: PDF, or PNG at 150 dpi when `path` ends in .png.

    Raises:
        KnownError: the file cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    report(progress, 1, 3, "Drawing the summary")
    return _save(summary_figure(s), s, path, f"One-page audit summary: {s.cycle_title}", PNG_DPI, progress)


def render_poster(s: SummaryData, path: Path | str, progress: Progress | None = None) -> Path:
    """Write the A1 portrait QI poster: vector PDF, or a 150 dpi PNG when `path` ends in .png (as `render_summary`)."""
    report(progress, 1, 3, "Drawing the poster")
    return _save(poster_figure(s), s, path, f"QI poster: {s.cycle_title}", PNG_DPI, progress)
