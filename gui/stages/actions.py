"""The Actions stage: recommendations, the SMART actions that answer them, and their computed RAG."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Slot
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._actions_editor import ActionEditor, RecommendationDialog, ReviseDeadlineDialog
from gui.stages._actions_models import ActionTableModel, RecommendationLine, RecommendationTableModel, day_text
from gui.stages.base import StagePage
from gui.table_models import read_only_table
from model.act import actions as act
from model.core import util
from model.core.errors import KnownError

_DEFAULT_WEEKS = 12  # a new action's first deadline, to be changed by its owner


class ActionsPage(StagePage):
    """Recommendations and the action plan on the left, the selected action's editor on the right."""

    key = "actions"
    title = "Actions"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.plan: list[act.ActionRow] = []
        self.recommendations: list[act.Recommendation] = []
        self.criteria: list[tuple[str, str]] = []
        self._item: act.ActionItem | None = None  # the action the editor shows, as last saved
        self._loading = False
        self.rec_dialog: RecommendationDialog | None = None
        self.revise_dialog: ReviseDeadlineDialog | None = None
        self._build()
        self._connect_signals()
        self._update_buttons()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        help_line = QLabel(
            "Every change is saved at once. RAG is worked out, never typed: red once the current deadline has "
            "passed; amber when due within 14 days and not started, or when the deadline has been revised; "
            "green otherwise. Marking an action complete records the date, and it appears as a marker on the "
            "SPC charts (Compare).")
        help_line.setWordWrap(True)
        help_line.setStyleSheet("color: #555;")
        self.editor = ActionEditor()
        # The plan above the editor: the action text gets the page's full width.
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self._lists())
        splitter.addWidget(self.editor)  # no scroll area: its wrapped labels would make it scroll needlessly
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 370])
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Actions</h2>"))
        layout.addWidget(help_line)
        layout.addWidget(splitter, 1)

    def _lists(self) -> QWidget:
        self.rec_model = RecommendationTableModel()
        self.rec_table = read_only_table(self.rec_model)
        self.rec_table.setWordWrap(False)
        header = self.rec_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(RecommendationTableModel.COL_TEXT, QHeaderView.Stretch)
        header.setSectionResizeMode(RecommendationTableModel.COL_ACTIONS, QHeaderView.ResizeToContents)
        header.resizeSection(RecommendationTableModel.COL_CRITERIA, 180)
        self.rec_table.setMaximumHeight(84)
        self.add_rec_button = QPushButton("Add…")
        self.edit_rec_button = QPushButton("Edit…")
        self.delete_rec_button = QPushButton("Delete")
        recs = QGroupBox("Recommendations")
        rec_layout = QHBoxLayout(recs)
        rec_layout.addWidget(self.rec_table, 1)
        rec_buttons = QVBoxLayout()
        for b in (self.add_rec_button, self.edit_rec_button, self.delete_rec_button):
            rec_buttons.addWidget(b)
        rec_buttons.addStretch(1)
        rec_layout.addLayout(rec_buttons)

        self.filter = QComboBox()
        for key, label in act.PLAN_FILTERS.items():
            self.filter.addItem(label, key)
        self.filter.setCurrentIndex(self.filter.findData("all"))
        self.action_model = ActionTableModel()
        self.action_table: QTableView = read_only_table(self.action_model)
        self.action_table.setWordWrap(False)
        self.action_table.setMinimumHeight(120)  # four actions in view before it scrolls
        header = self.action_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(ActionTableModel.COL_ACTION, QHeaderView.Stretch)
        self.add_action_button = QPushButton("Add action")
        self.delete_action_button = QPushButton("Delete action")
        self.count_label = QLabel()
        plan = QGroupBox("Action plan")
        plan_layout = QVBoxLayout(plan)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.filter)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.add_action_button)
        top.addWidget(self.delete_action_button)
        plan_layout.addLayout(top)
        plan_layout.addWidget(self.action_table, 1)
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(recs)
        layout.addWidget(plan, 1)
        return left

    def _connect_signals(self) -> None:
        e = self.editor
        self.rec_table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.rec_table.doubleClicked.connect(self._on_edit_rec_button_clicked)
        self.add_rec_button.clicked.connect(self._on_add_rec_button_clicked)
        self.edit_rec_button.clicked.connect(self._on_edit_rec_button_clicked)
        self.delete_rec_button.clicked.connect(self._on_delete_rec_button_clicked)
        self.filter.currentIndexChanged.connect(self._on_filter_current_index_changed)
        self.action_table.selectionModel().currentRowChanged.connect(self._on_action_table_current_row_changed)
        self.add_action_button.clicked.connect(self._on_add_action_button_clicked)
        self.delete_action_button.clicked.connect(self._on_delete_action_button_clicked)
        for edit in (e.text, e.owner, e.role, e.evidence, e.reason):
            edit.editingFinished.connect(self._on_editor_changed)
        for combo in (e.recommendation, e.priority, e.status):
            combo.currentIndexChanged.connect(self._on_editor_changed)
        e.original.changed.connect(self._on_editor_changed)
        e.revise_button.clicked.connect(self._on_revise_button_clicked)
        e.add_note_button.clicked.connect(self._on_add_note_button_clicked)
        e.note_text.returnPressed.connect(self._on_add_note_button_clicked)

    # --- public -------------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show this audit's recommendations and action plan."""
        self.flush()
        super().load(audit_id, cycle_id)
        self.reload()

    def reload(self, select: int | None = None) -> None:
        """Re-read recommendations and actions, selecting action `select` (or keeping the current one)."""
        keep = select if select is not None else self.selected_id()
        db = self.ctx.store.db
        audit = self.audit_id
        self.criteria = act.audit_criteria(db, audit) if audit is not None else []
        self.recommendations = act.list_recommendations(db, audit) if audit is not None else []
        self.plan = act.action_plan(db, audit, util.today()) if audit is not None else []
        labels = dict(self.criteria)
        counts = {r.id: sum(1 for a in self.plan if a.action.recommendation_id == r.id) for r in self.recommendations}
        rec_row = self.rec_table.currentIndex().row()
        self.rec_model.set_rows(RecommendationLine(r, "; ".join(labels.get(x, "?") for x in r.criterion_lineages),
                                                   counts[r.id]) for r in self.recommendations)
        if 0 <= rec_row < self.rec_model.rowCount():
            self.rec_table.selectRow(rec_row)
        self._show_plan(keep)

    def selected_id(self) -> int | None:
        """The id of the action in the editor."""
        return self._item.id if self._item is not None else None

    def select_action(self, action_id: int) -> None:
        """Select an action in the plan (and show it in the editor)."""
        self._select_row(self.action_model.row_of(action_id))

    def flush(self) -> bool:
        """Save what the editor shows, if it differs from what is stored (it reads every field)."""
        self._save_editor()
        return True

    # --- internals ----------------------------------------------------------------------

    def _show_plan(self, keep: int | None) -> None:
        rows = act.filter_plan(self.plan, self.filter.currentData())
        same = [r.id for r in rows] == [r.id for r in self.action_model.rows]
        self.action_model.refresh(rows)
        late = sum(1 for r in self.plan if r.rag == "red")
        self.count_label.setText(f"{len(rows)} of {len(self.plan)} actions" + (f", {late} overdue" if late else ""))
        row = self.action_model.row_of(keep)
        if same and row >= 0 and row == self.action_table.currentIndex().row():
            self._show_selected()  # in place: refresh the editor's computed parts
        else:
            self._select_row(row if row >= 0 else 0)

    def _select_row(self, row: int) -> None:
        if 0 <= row < self.action_model.rowCount():
            self.action_table.selectionModel().setCurrentIndex(
                self.action_model.index(row, 0), QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        else:
            self.action_table.selectionModel().clearCurrentIndex()
        self._show_selected()

    def _show_selected(self) -> None:
        row = self.action_table.currentIndex().row()
        if not 0 <= row < self.action_model.rowCount():
            self._item = None
            self.editor.setEnabled(False)
            self.editor.heading.setText("<b>No action selected</b>" if self.plan or self.audit_id is None
                                        else "<b>No actions yet</b> — press “Add action”.")
        else:
            line = self.action_model.rows[row]
            self._item = line.action
            db = self.ctx.store.db
            self._loading = True
            try:
                self.editor.show_action(line, act.list_revisions(db, line.id), act.list_notes(db, line.id),
                                        self.recommendations)
            finally:
                self._loading = False
            self.editor.heading.setText(f"<b>Action</b> — created {day_text(line.action.created_at)}")
            self.editor.setEnabled(True)
        self._update_buttons()

    def _save_editor(self) -> None:
        if self._loading or self._item is None:
            return
        wanted = self.editor.item(self._item)
        self.editor.show_status(wanted)
        if wanted.status == "cancelled" and not wanted.cancelled_reason:
            # Keep the stored status until there is a reason; save the other fields meanwhile.
            self.editor.message.setText("Give a reason to cancel this action; the status is saved with it.")
            self.editor.reason.setFocus()
            wanted = replace(wanted, status=self._item.status, cancelled_reason=self._item.cancelled_reason)
        else:
            self.editor.message.clear()
        if wanted == self._item:
            return
        try:
            self._item = act.update_action(self.ctx.store.db, wanted, today=util.today())
        except KnownError as exc:
            self.editor.message.setText(exc.message + (f" {exc.hint}" if exc.hint else ""))
            return
        self.editor.show_status(self._item)
        self._changed(self._item.id)

    def _changed(self, select: int | None) -> None:
        """After a save: refresh the lists and tell the other pages (reports, SPC markers)."""
        self.reload(select)
        self.data_changed.emit()

    def _selected_recommendation(self) -> act.Recommendation | None:
        row = self.rec_table.currentIndex().row()
        return self.rec_model.rows[row].recommendation if 0 <= row < self.rec_model.rowCount() else None

    @Slot()
    def _update_buttons(self) -> None:
        has_audit = self.audit_id is not None
        has_rec = self._selected_recommendation() is not None
        self.add_rec_button.setEnabled(has_audit)
        self.edit_rec_button.setEnabled(has_rec)
        self.delete_rec_button.setEnabled(has_rec)
        self.add_action_button.setEnabled(has_audit)
        self.delete_action_button.setEnabled(self._item is not None)

    def _open_rec_dialog(self, rec: act.Recommendation | None) -> None:
        self.rec_dialog = RecommendationDialog(self.criteria, rec, self)
        self.rec_dialog.accepted.connect(lambda: self._on_rec_dialog_accepted(rec))
        self.rec_dialog.open()

    # --- slots --------------------------------------------------------------------------

    @Slot()
    def _on_editor_changed(self) -> None:
        self._save_editor()

    @Slot(int)
    def _on_filter_current_index_changed(self, _index: int) -> None:
        self._show_plan(self.selected_id())

    @Slot(QModelIndex, QModelIndex)
    def _on_action_table_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        line = self.action_model.rows[current.row()] if current.isValid() else None
        if line is None or self._item is None or line.id != self._item.id:
            self._show_selected()

    @Slot()
    def _on_add_rec_button_clicked(self) -> None:
        self.flush()
        self._open_rec_dialog(None)

    @Slot()
    def _on_edit_rec_button_clicked(self) -> None:
        rec = self._selected_recommendation()
        if rec is not None:
            self.flush()
            self._open_rec_dialog(rec)

    def _on_rec_dialog_accepted(self, rec: act.Recommendation | None) -> None:
        dialog, self.rec_dialog = self.rec_dialog, None
        if dialog is None or self.audit_id is None:
            return
        text, lineages = dialog.values()
        dialog.deleteLater()
        db = self.ctx.store.db
        try:
            if rec is None:
                new_id = act.add_recommendation(db, self.audit_id, text, cycle_id=self.cycle_id,
                                                criterion_lineages_json=json.dumps(lineages))
            else:
                new_id = rec.id
                act.update_recommendation(db, rec.id, text, lineages)
        except KnownError as exc:
            self.show_error(exc)
            return
        self._changed(self.selected_id())
        self.rec_table.selectRow(self.rec_model.row_of(new_id))

    @Slot()
    def _on_delete_rec_button_clicked(self) -> None:
        rec = self._selected_recommendation()
        if rec is None:
            return
        linked = sum(1 for a in self.plan if a.action.recommendation_id == rec.id)
        extra = f" Its {linked} action(s) stay in the plan, no longer linked to it." if linked else ""
        if not dialogs.ask(self, "Delete recommendation", f"Delete “{rec.text}”?{extra}"):
            return
        self.flush()
        act.delete_recommendation(self.ctx.store.db, rec.id)
        self.rec_table.clearSelection()
        self.rec_table.selectionModel().clearCurrentIndex()
        self._changed(self.selected_id())

    @Slot()
    def _on_add_action_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        self.flush()
        rec = self._selected_recommendation()
        due = util.today() + timedelta(weeks=_DEFAULT_WEEKS)
        item = act.add_action(self.ctx.store.db, act.ActionItem(
            audit_id=self.audit_id, text="New action", recommendation_id=rec.id if rec else None,
            original_deadline=due.isoformat()))
        if self.filter.currentData() == "overdue":  # a new action is never overdue: show it
            self.filter.setCurrentIndex(self.filter.findData("all"))
        self._changed(item.id)
        self.editor.text.setFocus()
        self.editor.text.selectAll()

    @Slot()
    def _on_delete_action_button_clicked(self) -> None:
        if self._item is None or self._item.id is None:
            return
        item = self._item
        if not dialogs.ask(self, "Delete action", f"Delete “{item.text}” with its deadline revisions and "
                                                  "progress notes? This cannot be undone."):
            return
        row = self.action_model.row_of(item.id)
        act.delete_action(self.ctx.store.db, item.id)
        self._item = None
        above = self.action_model.rows[row - 1].id if row > 0 else None
        self._changed(above)

    @Slot()
    def _on_revise_button_clicked(self) -> None:
        if self._item is None:
            return
        self.flush()
        line = self.action_model.rows[self.action_model.row_of(self._item.id)]
        self.revise_dialog = ReviseDeadlineDialog(line.current_deadline, self)
        self.revise_dialog.accepted.connect(self._on_revise_dialog_accepted)
        self.revise_dialog.open()

    @Slot()
    def _on_revise_dialog_accepted(self) -> None:
        dialog, self.revise_dialog = self.revise_dialog, None
        if dialog is None or self._item is None or self._item.id is None:
            return
        deadline, reason = dialog.values()
        dialog.deleteLater()
        try:
            act.revise_deadline(self.ctx.store.db, self._item.id, deadline or "", reason,
                                on=util.today().isoformat())
        except KnownError as exc:
            self.show_error(exc)
            return
        self._changed(self._item.id)

    @Slot()
    def _on_add_note_button_clicked(self) -> None:
        if self._item is None or self._item.id is None:
            return
        text = self.editor.note_text.text().strip()
        if not text:
            return
        act.add_note(self.ctx.store.db, self._item.id, text, on=util.today().isoformat())
        self.editor.note_text.clear()
        self._changed(self._item.id)

    def hideEvent(self, event: QHideEvent) -> None:
        # Leaving the stage must not drop an edit the field has not yet reported.
        self.flush()
        super().hideEvent(event)
