"""Small widgets the Plan stage needs: optional dates, text boxes that commit on leaving, field errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.date_field import DateField as OptionalDateEdit  # noqa: F401 - the Plan's date fields
from gui.table_models import RowTableModel
from model.plan.cycles import CYCLE_STATUSES, METHODS, SAMPLING_METHODS, Cycle
from model.plan.standards import Standard

ERROR_STYLE = "color: #b3261e;"
WARNING_STYLE = "background: #fff4ce; border: 1px solid #e0b000; border-radius: 4px; padding: 6px; color: #4d3800;"
OK_STYLE = "color: #1e6b30;"


def error_label() -> QLabel:
    """A red inline message, hidden while empty."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def set_message(label: QLabel, text: str) -> None:
    """Show `text` in an inline label, or hide the label when there is nothing to say."""
    label.setText(text)
    label.setVisible(bool(text))


def with_message(widget: QWidget, label: QLabel) -> QWidget:
    """The widget with its inline message underneath, as one form cell."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    layout.addWidget(label)
    return box


def choice_combo(choices: dict[str, str]) -> QComboBox:
    """A drop-down of `choices` (stored key → text shown), each key as the item's data."""
    box = QComboBox()
    for key, text in choices.items():
        box.addItem(text, key)
    return box


def standard_combo(min_chars: int) -> QComboBox:
    """A drop-down for a standard, whose long labels may shrink to `min_chars` characters."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(min_chars)
    return box


def fill_standards(box: QComboBox, standards: Iterable[Standard], none_text: str) -> None:
    """Refill a standard drop-down: `none_text` (data None) first, then each standard (data: its id).

    The full label is also the tooltip, as the box is usually narrower than the label.
    """
    box.clear()
    box.addItem(none_text, None)
    for standard in standards:
        box.addItem(standard.label, standard.id)
        box.setItemData(box.count() - 1, standard.label, Qt.ToolTipRole)


def scroll_page(page: QWidget, grid: QGridLayout) -> None:
    """Lay `page` out as `grid` inside a scroll area that fills it (the Plan tabs are long)."""
    inner = QWidget()
    inner.setLayout(grid)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(inner)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll)


class CommitTextEdit(QPlainTextEdit):
    """A multi-line text box that says when the user leaves it after changing the text.

    Signals:
        editingFinished(): focus left and the text differs from when it was last committed.
    """

    editingFinished = Signal()

    def __init__(self, parent: QWidget | None = None, *, lines: int = 3) -> None:
        super().__init__(parent)
        self._committed = ""
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)

    def set_text(self, text: str) -> None:
        """Replace the text without signalling a change."""
        self.setPlainText(text)
        self._committed = text

    def commit(self) -> None:
        """Signal editingFinished if the text changed (also called on focus-out)."""
        if self.toPlainText() != self._committed:
            self._committed = self.toPlainText()
            self.editingFinished.emit()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.commit()


class CyclesTableModel(RowTableModel):
    """An audit's cycles, one row each."""

    COL_CYCLE, COL_PERIOD, COL_METHOD, COL_STATUS, COL_SAMPLE, COL_STANDARD = range(6)
    HEADERS = ("Cycle", "Data collection period", "Method", "Status", "Sample", "Standard version")

    def role_data(self, row: Cycle, col: int, role: int) -> Any:
        return row.id if role == Qt.UserRole else None

    def display(self, cycle: Cycle, col: int) -> str:
        period = f"{_date(cycle.period_start)} – {_date(cycle.period_end)}"
        if cycle.planned_sample is None:
            sample = "—"
        elif cycle.population_size:
            sample = f"{cycle.planned_sample} of {cycle.population_size}"
        else:
            sample = str(cycle.planned_sample)
        sample += f" ({SAMPLING_METHODS[cycle.sampling_method].lower()})" if cycle.planned_sample else ""
        values = (cycle.title, period, METHODS[cycle.method].split(" (")[0], CYCLE_STATUSES[cycle.status], sample,
                  cycle.standard_version or "—")
        return values[col]

    def cycle_id(self, row: int) -> int | None:
        """The cycle id at a row."""
        return self.rows[row].id


def _date(iso: str | None) -> str:
    date = QDate.fromString(iso[:10], Qt.ISODate) if iso else QDate()
    return date.toString("dd MMM yyyy") if date.isValid() else "not set"
