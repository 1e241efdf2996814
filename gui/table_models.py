"""Thin Qt item models over plain model rows (vorta's shape)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from model.register import RegisterRow
from model.stages import STAGE_KEYS, STAGES

Index = QModelIndex | QPersistentModelIndex


class RegisterTableModel(QAbstractTableModel):
    """The audit register: one row per audit."""

    COL_TITLE, COL_NUMBER, COL_SPECIALTY, COL_LEAD, COL_STATUS, COL_STAGE, COL_CYCLES, COL_DUE = range(8)
    HEADERS = ("Title", "Reg. no.", "Specialty", "Lead", "Status", "Stage", "Cycles", "Next due")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RegisterRow] = []

    def set_rows(self, rows: list[RegisterRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return self._text(row, col)
        if role == Qt.UserRole:  # sort key and id access
            return self._sort_key(row, col)
        if role == Qt.ForegroundRole and col == self.COL_DUE and row.overdue:
            return QBrush(QColor("#b3261e"))
        if role == Qt.ToolTipRole and col == self.COL_DUE and row.overdue:
            return "Overdue"
        return None

    def _text(self, row: RegisterRow, col: int) -> str:
        stage_title = STAGES[STAGE_KEYS.index(row.stage)].title
        due = f"{row.next_due_label} {row.next_due:%d %b %Y}" if row.next_due else "—"
        if row.overdue:
            due += " (overdue)"
        values = (row.title, row.registration_number, row.specialty, row.lead, row.status_label,
                  stage_title, str(row.cycles), due)
        return values[col]

    def _sort_key(self, row: RegisterRow, col: int) -> Any:
        if col == self.COL_DUE:
            return row.next_due or date.max
        if col == self.COL_CYCLES:
            return row.cycles
        if col == self.COL_STAGE:
            return STAGE_KEYS.index(row.stage)
        return self._text(row, col).lower()

    def audit_id(self, row: int) -> int:
        """The audit id at a source row."""
        return self.rows[row].audit_id
