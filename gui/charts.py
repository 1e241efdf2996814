"""Embedded matplotlib charts (object-oriented API only; never pyplot)."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget


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
