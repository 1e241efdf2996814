"""Item models of the Actions stage: recommendations, the action plan with its RAG, deadline revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from gui.table_models import RowTableModel
from model.act import actions as act
from model.core import util

_RAG_COLOURS = {"red": "#f4c7c3", "amber": "#fde8b0", "green": "#cde8cf", "complete": "#dbe4f0",
                "cancelled": "#e6e6e6"}


def day_text(value: date | str | None) -> str:
    """A date as "31 Mar 2027" ("—" when missing)."""
    if isinstance(value, str):
        value = util.parse_iso_date(value)
    return f"{value:%d %b %Y}" if value else "—"




@dataclass(frozen=True)
class RecommendationLine:
    """A recommendation with the labels of the criteria it answers and how many actions it has."""

    recommendation: act.Recommendation
    criteria: str
    actions: int


class RecommendationTableModel(RowTableModel):
    """The audit's recommendations."""

    COL_TEXT, COL_CRITERIA, COL_ACTIONS = range(3)
    HEADERS = ("Recommendation", "Answers criteria", "Actions")

    def display(self, row: RecommendationLine, col: int) -> str:
        return (row.recommendation.text, row.criteria or "—", str(row.actions))[col]

    def role_data(self, row: RecommendationLine, col: int, role: int) -> Any:
        if role == Qt.ToolTipRole and col != self.COL_ACTIONS:
            return self.display(row, col)
        if role == Qt.TextAlignmentRole and col == self.COL_ACTIONS:
            return int(Qt.AlignCenter)
        if role == Qt.UserRole:
            return row.recommendation.id
        return None

    def row_of(self, recommendation_id: int | None) -> int:
        """The row of a recommendation id, or -1."""
        return next((i for i, r in enumerate(self.rows) if r.recommendation.id == recommendation_id), -1)


class ActionTableModel(RowTableModel):
    """The action plan: one row per action, RAG as a coloured cell."""

    COL_ACTION, COL_OWNER, COL_PRIORITY, COL_DEADLINE, COL_STATUS, COL_RAG = range(6)
    HEADERS = ("Action", "Owner", "Priority", "Deadline", "Status", "RAG")
    HEADER_TIPS = {COL_DEADLINE: "The current deadline: the latest revision, else the original.",
                   COL_RAG: "Worked out, never typed: red past the deadline; amber when due within 14 days "
                            "and not started, or when the deadline has been revised; otherwise green."}

    def display(self, row: act.ActionRow, col: int) -> str:
        a = row.action
        owner = f"{a.owner} ({a.owner_role})" if a.owner_role else a.owner
        deadline = day_text(row.current_deadline) + (f"  revised ×{row.revisions}" if row.revisions else "")
        values = (a.text, owner, act.PRIORITIES.get(a.priority, a.priority), deadline,
                  act.ACTION_STATUSES.get(a.status, a.status), act.RAG_LABELS.get(row.rag, row.rag))
        return values[col]

    def role_data(self, row: act.ActionRow, col: int, role: int) -> Any:
        if role == Qt.BackgroundRole and col == self.COL_RAG:
            return QBrush(QColor(_RAG_COLOURS.get(row.rag, "#ffffff")))
        if role == Qt.TextAlignmentRole and col == self.COL_RAG:
            return int(Qt.AlignCenter)
        if role == Qt.ToolTipRole and col == self.COL_ACTION:
            return f"{row.action.text}\nAnswers: {row.recommendation}" if row.recommendation else row.action.text
        if role == Qt.ToolTipRole and col == self.COL_DEADLINE and row.revisions:
            return f"Original deadline {day_text(row.action.original_deadline)}"
        if role == Qt.UserRole:
            return row.id
        return None

    def refresh(self, rows: list[act.ActionRow]) -> None:
        """Show new rows; the same actions in the same order update in place (the selection stays)."""
        if [r.id for r in rows] != [r.id for r in self.rows]:
            self.set_rows(rows)
            return
        self.rows = list(rows)
        if rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.HEADERS) - 1))

    def row_of(self, action_id: int | None) -> int:
        """The row of an action id, or -1."""
        return next((i for i, r in enumerate(self.rows) if r.id == action_id), -1)


class RevisionTableModel(RowTableModel):
    """An action's deadline revisions, oldest first."""

    COL_ON, COL_DEADLINE, COL_REASON = range(3)
    HEADERS = ("Revised on", "New deadline", "Reason")

    def display(self, row: act.Revision, col: int) -> str:
        return (day_text(row.revised_on), day_text(row.deadline), row.reason)[col]

    def role_data(self, row: act.Revision, col: int, role: int) -> Any:
        return row.reason if role == Qt.ToolTipRole and col == self.COL_REASON else None
