"""The Re-audit tab's standard check: a newer version of the guideline beside what the last cycle used.

Shown only when the library holds a newer version than the last cycle recorded
(model.act.reaudit_standard). One row per criterion: what differs, as the cycle used it and as
the newer version has it, and a choice of what the re-audit does with it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import keyboard
from model.act import reaudit_standard as rs
from model.plan.criteria import Criterion

FIELD_NAMES = {"short_name": "Short name", "statement": "Statement", "numerator": "Numerator",
               "denominator": "Denominator", "exceptions": "Exceptions", "target": "Target (%)",
               "direction": "Direction", "answer_type": "Answer type", "threshold": "Threshold",
               "threshold_op": "Threshold test", "threshold_unit": "Threshold unit"}


def _side(criterion: Criterion | None, fields: tuple[str, ...]) -> str:
    if criterion is None:
        return "—"
    shown = fields or ("statement",)
    return "\n".join(f"{FIELD_NAMES[f]}: {rs.field_text(criterion, f) or '—'}" for f in shown)


class StandardVersionsPanel(QGroupBox):
    """Side by side, with a decision per criterion; hidden when the standard has not changed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("A newer version of the standard", parent)
        self.check: rs.StandardCheck | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("Criteria in the version used and in the newer version")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeToContents)
        keyboard.tab_leaves(self.table)
        self.boxes: dict[str, QComboBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.hide()

    def show_check(self, check: rs.StandardCheck | None) -> None:
        """Show the check (None: the library holds no newer version, so the panel hides)."""
        self.check = check
        self.boxes.clear()
        self.setVisible(check is not None)
        if check is None:
            self.table.setRowCount(0)
            return
        self.summary.setText(f"{check.describe()} Decide for each criterion what the re-audit measures: keeping "
                             "the wording keeps the comparison with the last cycle like for like.")
        self.table.setHorizontalHeaderLabels(["Criterion", f"Version {check.used_version or '(not recorded)'}",
                                              f"Version {check.library_version}", "Re-audit"])
        self.table.setRowCount(len(check.pairs))
        for row, pair in enumerate(check.pairs):
            state = ("new in this version" if pair.used is None else "not in this version" if pair.newer is None
                     else "changed" if pair.changed else "unchanged")
            texts = (f"{pair.label}\n({state})", _side(pair.used, pair.changed), _side(pair.newer, pair.changed))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignLeft | Qt.AlignTop)
                self.table.setItem(row, col, item)
            box = QComboBox()
            for option in pair.options:
                box.addItem(rs.DECISIONS[option], option)
            box.setAccessibleName(f"What the re-audit does with {pair.label}")
            box.setEnabled(len(pair.options) > 1)
            cell = QWidget()  # the box at the top of its (tall) row, not stretched over it
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(2, 2, 2, 2)
            cell_layout.addWidget(box)
            cell_layout.addStretch(1)
            self.table.setCellWidget(row, 3, cell)
            self.boxes[pair.key] = box
        self.table.resizeRowsToContents()

    def decisions(self) -> dict[str, str]:
        """The decision chosen for each criterion, by its key."""
        return {key: str(box.currentData()) for key, box in self.boxes.items()}
