"""The import wizard's "same place, different spelling" table: one ward, one name.

Shows each ward, site or team spelling the import would store under another name
(model.collect.value_merge proposes them, with the user's earlier merges), and lets the user
change the name kept or undo a merge by typing the spelling back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLineEdit, QTableWidget

from gui.table_models import set_read_only_cells
from model.collect.import_mapping import CASE_FIELDS


class MergeTable(QTableWidget):
    """Field | As typed | Stored as (editable)."""

    COL_FIELD, COL_TYPED, COL_NAME = range(3)

    def __init__(self) -> None:
        super().__init__(0, 3)
        self.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        self.setHorizontalHeaderLabels(["Field", "As typed", "Stored as"])
        self.setAccessibleName("Spellings of one ward, site or team stored under one name")
        self.horizontalHeader().setSectionResizeMode(self.COL_NAME, QHeaderView.Stretch)
        self.verticalHeader().setVisible(False)
        self.edits: dict[tuple[str, str], QLineEdit] = {}

    def show_merges(self, merges: dict[str, dict[str, str]]) -> None:
        """One row per spelling that would change."""
        rows = [(f, typed, name) for f, spellings in merges.items() for typed, name in sorted(spellings.items())]
        self.setRowCount(len(rows))
        self.edits = {}
        for row, (field_name, typed, name) in enumerate(rows):
            set_read_only_cells(self, row, ((self.COL_FIELD, CASE_FIELDS.get(field_name, field_name)),
                                            (self.COL_TYPED, typed)), tooltips=False)
            edit = QLineEdit(name)
            edit.setAccessibleName(f"Store '{typed}' as")
            self.setCellWidget(row, self.COL_NAME, edit)
            self.edits[(field_name, typed)] = edit
        self.resizeColumnsToContents()
        self.horizontalHeader().setSectionResizeMode(self.COL_NAME, QHeaderView.Stretch)
        self.setVisible(bool(rows))

    def merges(self) -> dict[str, dict[str, str]]:
        """The merges as the user left them (a spelling typed back, or emptied, is not merged)."""
        out: dict[str, dict[str, str]] = {}
        for (field_name, typed), edit in self.edits.items():
            name = edit.text().strip()
            if name and name != typed:
                out.setdefault(field_name, {})[typed] = name
        return out

    def rename(self, field_name: str, typed: str, name: str) -> None:
        """Choose the name a spelling is stored under (tests)."""
        self.edits[(field_name, typed)].setText(name)
