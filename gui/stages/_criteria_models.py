"""The Criteria stage's list: one row per criterion, with its problems and what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from gui.table_models import Index, RowTableModel
from model.plan import criteria as crit

_ANSWER_SHORT = {"yes_no": "Yes/No", "numeric": "Number", "time_diff": "Time", "choice": "Choice"}
_REMOVED = "removed in this cycle"


@dataclass
class CriterionRow:
    """One line of the criteria list: the criterion, what stops it being measured, what changed."""

    criterion: crit.Criterion
    problems: list[str]
    change: str = ""


def criterion_row(c: crit.Criterion, change: str = "") -> CriterionRow:
    """The list row of a criterion, with its validation problems worked out."""
    return CriterionRow(c, crit.validate(c) + crit.answer_problems(c), change)


class CriteriaTableModel(RowTableModel):
    """The cycle's criteria in order."""

    # The direction rides on the target ("≥ 95%": should happen; "≤ 5%": should not), which
    # leaves the name the width to be read in the narrow list of a small screen.
    COL_ORDER, COL_NAME, COL_TARGET, COL_ANSWER, COL_CHECK, COL_CHANGE = range(6)
    HEADERS = ("#", "Criterion", "Target", "Answer", "Check", "Changed")

    def update_row(self, row: CriterionRow) -> None:
        """Replace the row of the same criterion (after an edit), without resetting the view."""
        for i, old in enumerate(self.rows):
            if old.criterion.id == row.criterion.id:
                self.rows[i] = row
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))
                return

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        # The "#" column is the row's place in the list, which the row itself does not know.
        if role == Qt.DisplayRole and index.isValid() and index.column() == self.COL_ORDER:
            return str(index.row() + 1)
        return super().data(index, role)

    def display(self, row: CriterionRow, col: int) -> str:
        c = row.criterion
        target = "—" if c.target is None else f"{'≥' if c.direction == 'higher' else '≤'} {c.target:g}%"
        values = ("", c.label or "(new criterion)", target, _ANSWER_SHORT.get(c.answer_type, "?"),
                  "⚠" if row.problems else "✓", row.change)
        return values[col]

    def role_data(self, row: CriterionRow, col: int, role: int) -> Any:
        if role == Qt.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ForegroundRole and col == self.COL_CHECK and row.problems:
            return QBrush(QColor("#b3261e"))
        if role == Qt.ForegroundRole and col == self.COL_CHANGE and row.change:
            return QBrush(QColor("#8a5a00"))
        if role == Qt.TextAlignmentRole and col in (self.COL_ORDER, self.COL_TARGET, self.COL_CHECK):
            return int(Qt.AlignCenter)
        if role == Qt.UserRole:
            return row.criterion.id
        return None

    def _tooltip(self, row: CriterionRow, col: int) -> str | None:
        if col == self.COL_CHECK:
            return "\n".join(row.problems) if row.problems else "Ready to measure."
        if col == self.COL_NAME:
            return row.criterion.statement or None
        if col == self.COL_TARGET and row.criterion.target is not None:
            verb = "Should happen in at least" if row.criterion.direction == "higher" else "Should happen in at most"
            return f"{verb} {row.criterion.target:g}% of eligible cases"
        if col == self.COL_CHANGE and row.change:
            return f"Since the previous cycle: {row.change}"
        return None

    def criterion(self, row: int) -> crit.Criterion:
        """The criterion at a row."""
        return self.rows[row].criterion

    def row_of(self, criterion_id: int | None) -> int:
        """The row of a criterion id, or -1."""
        return next((i for i, r in enumerate(self.rows) if r.criterion.id == criterion_id), -1)
