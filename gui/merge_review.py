"""The merge review: what merging a package into your copy of the audit would change (issue 17).

Shown before anything changes (model.report.handover_merge planned it in a dry run): per kind
of record what is new, updated (changed only in their copy), unchanged, kept (changed only in
yours), deleted and not brought back; probable duplicates; and each conflict side by side,
field by field, to decide per record (Keep yours / Take theirs) or for all. Criteria defined
differently come first: their cases cannot merge until the definition is chosen. Apply is
enabled only when every conflict is decided; the dialog returns the decisions.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs, keyboard

LOCAL, INCOMING = "local", "incoming"
_KINDS = {"audits": "Audit", "cycles": "Cycles", "criteria": "Criteria", "criterion_changes": "Criterion changes",
          "imports": "Spreadsheet imports", "cases": "Cases", "recommendations": "Recommendations",
          "actions": "Actions", "action_deadline_revisions": "Deadline changes", "action_notes": "Action notes",
          "chart_annotations": "Chart notes", "report_sections": "Report texts", "generated_reports": "Reports",
          "handovers": "Handover notes", "benchmark_links": "National links"}
_COLUMNS = (("added", "New"), ("updated", "Updated"), ("unchanged", "Unchanged"), ("kept_local", "Kept (yours)"),
            ("deleted", "Deleted"), ("not_resurrected", "Not brought back"))
_REASONS = {"definition": "defined differently: choose before cases merge", "both": "changed in both copies",
            "no_base": "differs, never exchanged before"}


def _text(value: Any) -> str:
    return "—" if value is None or value == "" else str(value)


class MergeReviewDialog(QDialog):
    """What a merge would do, and the user's choice for each conflict (`decisions`)."""

    def __init__(self, result: dict[str, Any], file_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.conflicts: list[dict[str, Any]] = sorted(result.get("conflicts", []),
                                                      key=lambda c: c["reason"] != "definition")
        self.decisions: dict[tuple[str, str], str] = {}
        title = result["audits"][0]["title"] if result.get("audits") else "the audit"
        self.setWindowTitle("Review the merge")
        self.setAccessibleName("Review the merge")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>Merging {_escaped(file_name)} into your copy of “{_escaped(title)}”.</b> Nothing "
                       "changes until you apply; a backup of your data file is taken first.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self._counts_table(), 2)
        duplicates = result.get("duplicates", [])
        if duplicates:
            note = QLabel(f"{len(duplicates)} new case(s) have the same patient and case date as a case you "
                          "already have (probable duplicates, from another collector): they are added; check "
                          "them on the Collect page afterwards.")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self._conflict_panel(), 3)
        layout.addLayout(self._buttons())
        self._connect_signals()
        if self.conflicts:
            self.conflict_list.setCurrentRow(0)
        self._refresh()
        dialogs.fit_to_screen(self, 1000, 640)

    # --- layout ---------------------------------------------------------------------------------

    def _counts_table(self) -> QTableWidget:
        kinds = [k for k in _KINDS if any(self._count(column, k) for column, _ in _COLUMNS)]
        table = QTableWidget(len(kinds), len(_COLUMNS) + 1)
        table.setAccessibleName("What the merge changes, per kind of record")
        table.setHorizontalHeaderLabels(["Records", *(label for _, label in _COLUMNS)])
        for row, kind in enumerate(kinds):
            table.setItem(row, 0, QTableWidgetItem(_KINDS[kind]))
            for col, (column, _label) in enumerate(_COLUMNS, start=1):
                item = QTableWidgetItem(str(self._count(column, kind) or ""))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(row, col, item)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)  # a compact summary
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        keyboard.tab_leaves(table)
        self.counts_table = table
        return table

    def _count(self, column: str, kind: str) -> int:
        return int(self.result.get(column, {}).get(kind, 0) or 0)

    def _conflict_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        self.conflict_heading = QLabel()
        self.conflict_heading.setWordWrap(True)
        layout.addWidget(self.conflict_heading)
        splitter = QSplitter(Qt.Horizontal)
        self.conflict_list = QListWidget()
        self.conflict_list.setAccessibleName("Conflicts")
        self.conflict_list.setWordWrap(True)
        for conflict in self.conflicts:
            item = QListWidgetItem(self._conflict_title(conflict))
            item.setData(Qt.UserRole, (conflict["kind"], conflict["uuid"]))
            self.conflict_list.addItem(item)
        splitter.addWidget(self.conflict_list)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.fields = QTableWidget(0, 3)
        self.fields.setAccessibleName("The conflict, field by field: yours and theirs")
        self.fields.setHorizontalHeaderLabels(["Field", "Yours", "Theirs"])
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.fields.setWordWrap(True)
        self.fields.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        keyboard.tab_leaves(self.fields)
        side_layout.addWidget(self.fields, 1)
        choice = QHBoxLayout()
        self.keep_mine = QRadioButton("Keep &yours")
        self.keep_mine.setAccessibleName("Keep your version of this record")
        self.take_theirs = QRadioButton("Take &theirs")
        self.take_theirs.setAccessibleName("Take their version of this record")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.keep_mine)
        self.choice.addButton(self.take_theirs)
        choice.addWidget(self.keep_mine)
        choice.addWidget(self.take_theirs)
        choice.addStretch(1)
        side_layout.addLayout(choice)
        splitter.addWidget(side)
        splitter.setSizes([380, 620])
        layout.addWidget(splitter, 1)
        panel.setVisible(bool(self.conflicts))
        return panel

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.all_mine = QPushButton("Keep yours for &all")
        self.all_mine.setAccessibleName("Keep your version of every conflict")
        self.all_theirs = QPushButton("Take theirs for a&ll")
        self.all_theirs.setAccessibleName("Take their version of every conflict")
        for button in (self.all_mine, self.all_theirs):
            button.setVisible(bool(self.conflicts))
            row.addWidget(button)
        self.status = QLabel()
        row.addWidget(self.status, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Apply | QDialogButtonBox.Cancel)
        self.apply_button = self.buttons.button(QDialogButtonBox.Apply)
        self.apply_button.setText("A&pply the merge")
        self.apply_button.setAccessibleName("Apply the merge")
        self.buttons.button(QDialogButtonBox.Cancel).setAccessibleName("Cancel the merge")
        row.addWidget(self.buttons)
        return row

    def _connect_signals(self) -> None:
        self.conflict_list.currentRowChanged.connect(self._on_conflict_list_current_row_changed)
        self.keep_mine.toggled.connect(self._on_choice_toggled)
        self.take_theirs.toggled.connect(self._on_choice_toggled)
        self.all_mine.clicked.connect(lambda: self.decide_all(LOCAL))
        self.all_theirs.clicked.connect(lambda: self.decide_all(INCOMING))
        self.apply_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- behaviour ------------------------------------------------------------------------------

    def _conflict_title(self, conflict: dict[str, Any]) -> str:
        kind = _KINDS.get(conflict["kind"], conflict["kind"]).rstrip("s")
        return f"{kind}: {conflict.get('label') or conflict['uuid'][:8]} — {_REASONS.get(conflict['reason'], '')}"

    def _current(self) -> dict[str, Any] | None:
        row = self.conflict_list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    @Slot(int)
    def _on_conflict_list_current_row_changed(self, _row: int) -> None:
        conflict = self._current()
        if conflict is None:
            return
        self.fields.setRowCount(len(conflict["fields"]))
        for row, name in enumerate(conflict["fields"]):
            label = name.removesuffix("_json").replace("_", " ").capitalize()
            texts = (label, _text(conflict["local"].get(name)), _text(conflict["incoming"].get(name)))
            for col, text in enumerate(texts):
                self.fields.setItem(row, col, QTableWidgetItem(text))
        self.fields.resizeRowsToContents()
        chosen = self.decisions.get((conflict["kind"], conflict["uuid"]))
        for button, value in ((self.keep_mine, LOCAL), (self.take_theirs, INCOMING)):
            button.blockSignals(True)
            self.choice.setExclusive(False)
            button.setChecked(chosen == value)
            self.choice.setExclusive(True)
            button.blockSignals(False)

    @Slot(bool)
    def _on_choice_toggled(self, checked: bool) -> None:
        conflict = self._current()
        if conflict is None or not checked:
            return
        self.decide(conflict["kind"], conflict["uuid"], LOCAL if self.keep_mine.isChecked() else INCOMING)

    def decide(self, kind: str, uuid: str, choice: str) -> None:
        """Record the choice for one conflict."""
        self.decisions[(kind, uuid)] = choice
        self._refresh()

    def decide_all(self, choice: str) -> None:
        """The same choice for every conflict."""
        for conflict in self.conflicts:
            self.decisions[(conflict["kind"], conflict["uuid"])] = choice
        self._on_conflict_list_current_row_changed(self.conflict_list.currentRow())
        self._refresh()

    def _refresh(self) -> None:
        decided = sum(1 for c in self.conflicts if (c["kind"], c["uuid"]) in self.decisions)
        for row, conflict in enumerate(self.conflicts):
            choice = self.decisions.get((conflict["kind"], conflict["uuid"]))
            mark = {LOCAL: "✓ yours  ", INCOMING: "✓ theirs  "}.get(choice or "", "")
            self.conflict_list.item(row).setText(mark + self._conflict_title(conflict))
        definitions = sum(1 for c in self.conflicts if c["reason"] == "definition")
        self.conflict_heading.setText(
            f"<b>{len(self.conflicts)} conflict(s)</b>: changed in both copies. Choose for each, or for all."
            + (f" {definitions} criterion definition(s) differ: the cases merge only once you have chosen."
               if definitions else ""))
        self.status.setText(f"{decided} of {len(self.conflicts)} decided" if self.conflicts else "No conflicts.")
        self.apply_button.setEnabled(decided == len(self.conflicts) and self._anything())

    def _anything(self) -> bool:
        return bool(self.conflicts) or any(self.result.get(k) for k in ("added", "updated", "deleted"))


def _escaped(text: str) -> str:
    import html

    return html.escape(text)


def review_merge(parent: QWidget, result: dict[str, Any], file_name: str) -> dict[tuple[str, str], str] | None:
    """Show the review; the decisions when the user applies, None when cancelled."""
    dialog = MergeReviewDialog(result, file_name, parent)
    try:
        return dict(dialog.decisions) if dialog.exec() == QDialog.Accepted else None
    finally:
        dialog.deleteLater()
