"""The Criteria stage: write, order and check the cycle's criteria, and export the protocol."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Slot
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.copy_criteria_dialog import CopyCriteriaDialog
from gui.criterion_form import CriterionForm
from gui.stages._criteria_models import _REMOVED, CriteriaTableModel, criterion_row
from gui.stages.base import StagePage
from gui.table_models import read_only_table
from gui.tasks import default_error, run_task
from model.collect import rederive
from model.core.errors import KnownError
from model.core.progress import Progress
from model.plan import criteria as crit
from model.plan.cycles import Cycle, criteria_changes, get_cycle, list_cycles
from model.plan.protocol import export_protocol
from model.store.store import Store


def _export_task(progress: Progress, store: Store, audit_id: int, cycle_id: int | None, path: Path) -> Path:
    """Worker: write the protocol on a connection of this thread."""
    progress.report(0, 1, "Writing the protocol…")
    with store.connect() as db:
        return export_protocol(db, audit_id, path, cycle_id=cycle_id)


class CriteriaPage(StagePage):
    """The cycle's criteria: a list on the left, the selected criterion's editor on the right."""

    key = "criteria"
    title = "Criteria"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.cycle: Cycle | None = None
        self.previous_cycle: Cycle | None = None
        self._deleted: list[crit.Criterion] = []
        self.copy_dialog: CopyCriteriaDialog | None = None
        self._build()
        self._connect_signals()
        self._update_buttons()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel("<h2>Criteria</h2>")
        self.export_button = QPushButton("Export protocol…")
        self.export_button.setToolTip("Save the audit plan as a Word document or a one-page PDF for the "
                                      "audit department.")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.export_button)
        self.reaudit_note = QLabel()
        self.reaudit_note.setWordWrap(True)
        self.reaudit_note.setStyleSheet("background: #fff4ce; border: 1px solid #e0c060; padding: 6px;")
        self.reaudit_note.hide()
        self.no_cycle = QLabel("This audit has no cycle yet. Plan the first cycle on the Plan page (its data "
                               "collection period and sample), then write its criteria here.")
        self.no_cycle.setWordWrap(True)
        self.no_cycle.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.body = QStackedWidget()
        self.body.addWidget(self.no_cycle)
        self.body.addWidget(self._editor())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.reaudit_note)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.status)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setAccessibleName("Changes to this criterion's definition")
        self.history.hide()
        layout.addWidget(self.history)

    def _editor(self) -> QSplitter:
        self.table_model = CriteriaTableModel()
        self.table = read_only_table(self.table_model)
        # Names wrap rather than end in "…" in the narrow list a 1366×768 screen at 125% leaves.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(CriteriaTableModel.COL_NAME, QHeaderView.Stretch)
        self.add_button = QPushButton("Add")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete")
        self.undo_button = QPushButton("Undo delete")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.copy_button = QPushButton("Copy from library or another audit…")
        # Three short rows of buttons keep the list narrow, so the editor has the width on a small screen.
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        for buttons in ((self.add_button, self.duplicate_button, self.delete_button),
                        (self.undo_button, self.up_button, self.down_button), (self.copy_button,)):
            row = QHBoxLayout()
            for b in buttons:
                row.addWidget(b)
            row.addStretch(1)
            left_layout.addLayout(row)
        self.form = CriterionForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the form wraps; never scroll sideways
        scroll.setWidget(self.form)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([500, 620])
        return splitter

    def _connect_signals(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.form.changed.connect(self._on_form_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.duplicate_button.clicked.connect(self._on_duplicate_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)

    # --- public -------------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show this audit's cycle's criteria."""
        self.form.flush()
        super().load(audit_id, cycle_id)
        self._deleted.clear()
        self.status.clear()
        self.reload()

    def flush(self) -> bool:
        """Save the criterion being edited now (before its save timer fires)."""
        super().flush()  # a text box's focus-out flushes the form too
        self.form.flush()
        return True

    def reload(self, select: int | None = None) -> None:
        """Re-read the criteria, selecting `select` (or keeping the current criterion)."""
        keep = select if select is not None else self.selected_id()
        db = self.ctx.store.db
        self.cycle = get_cycle(db, self.cycle_id) if self.cycle_id is not None else None
        self.previous_cycle = self._previous(self.cycle)
        self.body.setCurrentIndex(1 if self.cycle else 0)
        changes = self._changes()
        rows = [criterion_row(c, changes.get(c.lineage, "")) for c in self._criteria()]
        self.table_model.set_rows(rows)
        self.table.setColumnHidden(CriteriaTableModel.COL_CHANGE, self.previous_cycle is None)
        self._show_heading(changes)
        row = self.table_model.row_of(keep)
        self._select_row(row if row >= 0 else 0)

    def selected_id(self) -> int | None:
        """The id of the criterion being edited."""
        row = self.table.currentIndex().row()
        return self.table_model.criterion(row).id if 0 <= row < self.table_model.rowCount() else None

    def select_criterion(self, criterion_id: int) -> None:
        """Select a criterion in the list (and show it in the editor)."""
        self._select_row(self.table_model.row_of(criterion_id))

    # --- internals ----------------------------------------------------------------------

    def _previous(self, cycle: Cycle | None) -> Cycle | None:
        if cycle is None or cycle.number <= 1:
            return None
        earlier = [c for c in list_cycles(self.ctx.store.db, cycle.audit_id) if c.number < cycle.number]
        return earlier[-1] if earlier else None

    def _criteria(self) -> list[crit.Criterion]:
        return crit.list_criteria(self.ctx.store.db, self.cycle.id) if self.cycle else []

    def _changes(self) -> dict[str, str]:
        if self.cycle is None or self.previous_cycle is None:
            return {}
        return criteria_changes(self.ctx.store.db, self.previous_cycle.id, self.cycle.id)

    def _show_heading(self, changes: dict[str, str]) -> None:
        name = self.cycle.title if self.cycle else "no cycle yet"
        self.heading.setText(f"<h2>Criteria</h2><small>{escape(name)}</small>")
        if self.previous_cycle is None:
            self.reaudit_note.hide()
            return
        before = {c.lineage: c.label for c in crit.list_criteria(self.ctx.store.db, self.previous_cycle.id)}
        removed = [before[lin] for lin, text in changes.items() if text == _REMOVED and lin in before]
        edited = sum(1 for text in changes.values() if text != _REMOVED)
        text = (f"This is a re-audit: it should measure the same criteria, in the same way, as "
                f"{self.previous_cycle.title.lower()}, so the results can be compared. Any change is recorded "
                f"and flagged in the comparison. ")
        if edited:
            text += f"{edited} criteri{'on differs' if edited == 1 else 'a differ'} from the previous cycle. "
        else:
            text += "No criteria have changed. "
        if removed:
            text += "Removed since the previous cycle: " + "; ".join(removed) + "."
        self.reaudit_note.setText(text)
        self.reaudit_note.show()

    def _select_row(self, row: int) -> None:
        if 0 <= row < self.table_model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.table_model.index(row, 0), QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        else:
            self.form.set_criterion(None)
        self._show_selected()

    def _show_selected(self) -> None:
        row = self.table.currentIndex().row()
        if not 0 <= row < self.table_model.rowCount():
            self.form.set_criterion(None)
        else:
            line = self.table_model.rows[row]
            self.form.set_criterion(line.criterion, line.change)
            self._show_messages(line.criterion)
            self._show_history(line.criterion)
        self._update_buttons()

    def _show_messages(self, c: crit.Criterion, blocking: str = "") -> None:
        self.form.show_messages(crit.validate(c) + crit.answer_problems(c), crit.warnings(c), blocking)

    def _update_buttons(self) -> None:
        row, count = self.table.currentIndex().row(), self.table_model.rowCount()
        has_cycle, chosen = self.cycle is not None, 0 <= row < count
        self.add_button.setEnabled(has_cycle)
        self.copy_button.setEnabled(has_cycle)
        self.duplicate_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        self.up_button.setEnabled(chosen and row > 0)
        self.down_button.setEnabled(chosen and row < count - 1)
        self.undo_button.setEnabled(bool(self._deleted))
        self.export_button.setEnabled(self.audit_id is not None)

    def _change_of(self, c: crit.Criterion) -> str:
        if self.previous_cycle is None:
            return ""
        return c.changes_from_previous or ("" if crit.previous_criterion(self.ctx.store.db, c)
                                           else "added in this cycle")

    def _changed_structure(self, select: int | None) -> None:
        """After add/delete/move/copy: reload the list and tell the other pages."""
        self.reload(select)
        self.data_changed.emit()

    def _move(self, offset: int) -> None:
        criterion_id = self.selected_id()
        if criterion_id is None:
            return
        self.form.flush()
        crit.move_criterion(self.ctx.store.db, criterion_id, offset)
        self._changed_structure(criterion_id)

    # --- slots --------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_table_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.row() != previous.row():
            self.form.flush()  # the edit belongs to the criterion that was shown
            self._show_selected()

    @Slot()
    def _on_form_changed(self) -> None:
        c = self.form.criterion()
        if c is None:
            return
        db = self.ctx.store.db
        try:
            plan = rederive.plan_rederivation(db, c)
            if plan.changed and not self._confirm_rejudging(c, plan):
                self._show_selected()  # back to the stored definition: nothing was changed
                return
            plan = rederive.save_with_rederivation(db, c)
        except KnownError as exc:
            self._show_messages(c, exc.message)
            return
        if plan.fields:
            self.status.setText(f"Saved. {plan.summary()}" if plan.answers else "Saved.")
            self._show_history(c)
        self.form.accept(c)
        change = self._change_of(c)
        self.form.set_change(change)
        self._show_messages(c)
        self.table_model.update_row(criterion_row(c, change))
        self.data_changed.emit()

    def _confirm_rejudging(self, c: crit.Criterion, plan: rederive.Rederivation) -> bool:
        """Results follow the criterion: say which stored answers a new definition re-judges."""
        return dialogs.ask(self, "Re-judge the answers already collected?",
                           f"“{c.label or 'This criterion'}” already has answers. With the new definition: "
                           f"{plan.summary()} The results, charts and reports will use the new outcomes, "
                           "and the change is recorded in the criterion's history.\n\nApply the change?")

    def _show_history(self, c: crit.Criterion | None) -> None:
        changes = rederive.criterion_history(self.ctx.store.db, c.id) if c is not None and c.id else []
        lines = [f"{h.changed_at[:16].replace('T', ' ')}: {h.fields} changed; {h.summary}" for h in changes[:3]]
        self.history.setText("Definition changes: " + " · ".join(lines) if lines else "")
        self.history.setVisible(bool(lines))

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self.cycle is None:
            return
        self.form.flush()
        c = crit.add_criterion(self.ctx.store.db, self.cycle.id, crit.Criterion(statement=""))
        self._changed_structure(c.id)
        self.form.statement.setFocus()

    @Slot()
    def _on_duplicate_button_clicked(self) -> None:
        criterion_id = self.selected_id()
        if criterion_id is None:
            return
        self.form.flush()
        copy = crit.duplicate_criterion(self.ctx.store.db, criterion_id)
        self._changed_structure(copy.id)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        criterion_id = self.selected_id()
        if criterion_id is None:
            return
        self.form.flush()
        db = self.ctx.store.db
        kept = crit.get_criterion(db, criterion_id)
        answers = crit.answer_count(db, criterion_id)
        extra = (f" Its {answers} recorded answers will be deleted too; Undo brings the criterion back but "
                 "not its answers." if answers else " You can undo this.")
        if not dialogs.ask(self, "Delete criterion", f"Delete “{kept.label or 'new criterion'}”?{extra}"):
            return
        crit.delete_criterion(db, criterion_id)
        self._deleted.append(kept)
        # Select the criterion above the deleted one (the first row when it was the first).
        above = self.table_model.criterion(max(0, self.table_model.row_of(criterion_id) - 1))
        self._changed_structure(above.id)

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        if not self._deleted:
            return
        restored = crit.restore_criterion(self.ctx.store.db, self._deleted.pop())
        self._changed_structure(restored.id)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        if self.cycle is None:
            return
        self.form.flush()
        self.copy_dialog = CopyCriteriaDialog(self.ctx, exclude_cycle_id=self.cycle.id, parent=self)
        self.copy_dialog.accepted.connect(self._on_copy_dialog_accepted)
        self.copy_dialog.open()

    @Slot()
    def _on_copy_dialog_accepted(self) -> None:
        dialog, self.copy_dialog = self.copy_dialog, None
        if dialog is None or self.cycle is None:
            return
        chosen = dialog.selected_criteria()
        dialog.deleteLater()
        if not chosen:
            return
        added = crit.add_criteria(self.ctx.store.db, self.cycle.id, chosen)
        self.status.setText(f"Copied {len(added)} criteria from {dialog.source_title()}.")
        self._changed_structure(added[0].id)

    @Slot()
    def _on_export_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        self.form.flush()
        path_text = dialogs.save_file(self, "Export protocol", "Word document (*.docx);;PDF, one page (*.pdf)",
                                      "audit-protocol.docx")
        if not path_text:
            return
        path = Path(path_text)
        if path.suffix.lower() not in (".docx", ".pdf"):
            path = path.with_name(path.name + ".docx")
        self.status.setText(f"Writing {path.name}…")
        run_task(self, _export_task, self.ctx.store, self.audit_id, self.cycle_id, path,
                 on_success=self._on_export_done, on_error=self._on_export_failed,
                 title="Exporting the protocol…", cancellable=False)

    def _on_export_done(self, path: Path) -> None:
        self.status.setText(f"Protocol saved: {path}")

    def _on_export_failed(self, exc: BaseException) -> None:
        self.status.setText("The protocol was not saved.")
        if isinstance(exc, KnownError):
            self.show_error(exc)
        else:
            default_error(self, exc)

    def hideEvent(self, event: QHideEvent) -> None:
        # Leaving the stage must not drop an edit still waiting for the save delay.
        self.form.flush()
        super().hideEvent(event)

