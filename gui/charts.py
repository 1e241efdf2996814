"""Embedded matplotlib charts (object-oriented API only; never pyplot)."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from gui import dialogs

CHART_FILTERS = "PNG image (*.png);;SVG image (*.svg)"


class ChartCanvas(QWidget):
    """A matplotlib figure with its navigation toolbar, exportable and copyable."""

    def __init__(self, parent: QWidget | None = None, *, toolbar: bool = True,
                 figsize: tuple[float, float] = (7, 4)) -> None:
        super().__init__(parent)
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if toolbar:
            self.toolbar = NavigationToolbar2QT(self.canvas, self)
            layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas)

    def redraw(self) -> None:
        """Schedule a repaint after the figure changed."""
        self.canvas.draw_idle()

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


class ChartActions(QWidget):
    """The "Export PNG/SVG…" and "Copy" buttons of one chart, side by side.

    Signals:
        message(str): what was done, for the page's status line ("Saved chart.svg.").
    """

    message = Signal(str)
    COPIED = "Chart copied: paste it into your slides or report."

    def __init__(self, chart: ChartCanvas, file_name: str = "", parent: QWidget | None = None, *,
                 export_text: str = "Export chart PNG/SVG…", copy_text: str = "Copy chart") -> None:
        super().__init__(parent)
        self.chart = chart
        self.file_name = file_name  # suggested in the save dialog ("" suggests nothing)
        self.export_button = QPushButton(export_text)
        self.copy_button = QPushButton(copy_text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.export_button)
        layout.addWidget(self.copy_button)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)

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
