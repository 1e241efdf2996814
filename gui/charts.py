"""Embedded matplotlib charts (object-oriented API only; never pyplot).

Charts carry our own buttons (`ChartActions`: Export, Copy, Zoom in, Zoom out, Reset), never
matplotlib's developer toolbar. Each chart's accessible description is its plain-English
reading, so a screen reader says what the chart shows, not only that there is one.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from gui import dialogs

CHART_FILTERS = "PNG image (*.png);;SVG image (*.svg)"
ZOOM_STEP = 0.8  # each "Zoom in" shows 80% of the width and height around the centre
MAX_ZOOM_STEPS = 8
DEFAULT_MIN_HEIGHT = 300  # pixels (before scaling): a chart never collapses to a strip


class ChartCanvas(QWidget):
    """A matplotlib figure that zooms, exports and copies, and says what it shows.

    Keyboard: with the chart focused, + (or =) zooms in, − zooms out and 0 resets.
    """

    def __init__(self, parent: QWidget | None = None, *, figsize: tuple[float, float] = (7, 4),
                 name: str = "Chart", min_height: int = DEFAULT_MIN_HEIGHT) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.canvas = _Canvas(self.figure, self)
        self.canvas.setFocusPolicy(Qt.StrongFocus)
        self.canvas.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumHeight(min_height)
        self.setAccessibleName(name)
        self.canvas.setAccessibleName(name)
        self.zoom_steps = 0  # positive: zoomed in; negative: zoomed out
        self._home: dict[Axes, tuple[tuple[float, float], tuple[float, float]]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

    # --- drawing ------------------------------------------------------------------------

    def redraw(self) -> None:
        """Schedule a repaint after the figure was drawn anew (any zoom is forgotten)."""
        self._home.clear()
        self.zoom_steps = 0
        self.canvas.draw_idle()

    def set_reading(self, text: str) -> None:
        """The chart's plain-English reading, as its accessible description and tooltip."""
        self.setAccessibleDescription(text)
        self.canvas.setAccessibleDescription(text)
        self.canvas.setToolTip(text)

    def reading(self) -> str:
        """The plain-English reading set last."""
        return self.accessibleDescription()

    # --- zoom ---------------------------------------------------------------------------

    @Slot()
    def zoom_in(self) -> None:
        """Show the middle of the chart larger."""
        self._zoom(1)

    @Slot()
    def zoom_out(self) -> None:
        """Show more around the chart's centre."""
        self._zoom(-1)

    @Slot()
    def reset_zoom(self) -> None:
        """Back to the chart as drawn."""
        for ax, (xlim, ylim) in self._home.items():
            ax.set_xlim(xlim)
            ax.set_ylim(ylim)
        self.zoom_steps = 0
        self.canvas.draw_idle()

    def _zoom(self, direction: int) -> None:
        if not self.figure.axes or abs(self.zoom_steps + direction) > MAX_ZOOM_STEPS:
            return
        if not self._home:
            self._home = {ax: (ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes}
        factor = ZOOM_STEP if direction > 0 else 1 / ZOOM_STEP
        for ax in self.figure.axes:
            ax.set_xlim(_scaled(ax.get_xlim(), factor, ax.get_xscale() == "log"))
            ax.set_ylim(_scaled(ax.get_ylim(), factor, ax.get_yscale() == "log"))
        self.zoom_steps += direction
        self.canvas.draw_idle()

    # --- export -------------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Save as PNG or SVG (by suffix; PNG when none)."""
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg", ".pdf"):
            path = path.with_suffix(".png")
        self.figure.savefig(path, dpi=150)
        return path

    def copy_to_clipboard(self) -> None:
        """Put the chart on the clipboard as an image."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=150)
        QGuiApplication.clipboard().setImage(QImage.fromData(buffer.getvalue(), "PNG"))


class _Canvas(FigureCanvasQTAgg):
    """The drawing surface: takes keyboard focus; + (or =), − and 0 zoom its chart."""

    def __init__(self, figure: Figure, chart: ChartCanvas) -> None:
        super().__init__(figure)
        self._chart = chart

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = {"+": self._chart.zoom_in, "=": self._chart.zoom_in, "-": self._chart.zoom_out,
                  "\u2212": self._chart.zoom_out, "0": self._chart.reset_zoom}.get(event.text())
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()


def _scaled(limits: tuple[float, float], factor: float, log: bool) -> tuple[float, float]:
    """`limits` shrunk (factor < 1) or grown around their centre, in log space on a log axis."""
    low, high = limits
    if log and low > 0 and high > 0:
        low, high = math.log10(low), math.log10(high)
    else:
        log = False
    centre, half = (low + high) / 2, (high - low) / 2 * factor
    low, high = centre - half, centre + half
    return (10 ** low, 10 ** high) if log else (low, high)


class ChartActions(QWidget):
    """One chart's buttons, side by side: Export PNG/SVG…, Copy, Zoom in, Zoom out, Reset.

    Signals:
        message(str): what was done, for the page's status line ("Saved chart.svg.").
    """

    message = Signal(str)
    COPIED = "Chart copied: paste it into your slides or report."

    def __init__(self, chart: ChartCanvas, file_name: str = "", parent: QWidget | None = None, *,
                 export_text: str = "Export PNG/SVG…", copy_text: str = "Copy") -> None:
        super().__init__(parent)
        self.chart = chart
        self.file_name = file_name  # suggested in the save dialog ("" suggests nothing)
        what = chart.accessibleName().lower() if chart.accessibleName() != "Chart" else "the chart"
        self.export_button = self._button(export_text, f"Export {what} as PNG or SVG",
                                          "Save the chart as a picture (PNG) or a scalable drawing (SVG).")
        self.copy_button = self._button(copy_text, f"Copy {what}", "Copy the chart to paste into slides or a report.")
        self.zoom_in_button = self._button("Zoom in", f"Zoom in on {what}", "Show the middle of the chart larger "
                                           "(or press + with the chart selected).")
        self.zoom_out_button = self._button("Zoom out", f"Zoom out of {what}", "Show more around the chart "
                                            "(or press − with the chart selected).")
        self.reset_button = self._button("Reset", f"Reset the zoom of {what}", "Back to the chart as drawn "
                                         "(or press 0 with the chart selected).")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for button in (self.export_button, self.copy_button, self.zoom_in_button, self.zoom_out_button,
                       self.reset_button):
            layout.addWidget(button)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.zoom_in_button.clicked.connect(chart.zoom_in)
        self.zoom_out_button.clicked.connect(chart.zoom_out)
        self.reset_button.clicked.connect(chart.reset_zoom)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    @Slot()
    def _on_export_button_clicked(self) -> None:
        path = dialogs.save_file(self, "Export chart", CHART_FILTERS, self.file_name)
        if not path:
            return
        try:
            written = self.chart.export(path)
        except OSError as exc:  # a locked file or a folder without write access: say so, keep the app
            dialogs.warn(self, "Export chart", f"The chart could not be saved: {exc.strerror or exc}.")
            return
        self.message.emit(f"Saved {written.name}.")

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        self.chart.copy_to_clipboard()
        self.message.emit(self.COPIED)
