"""The Collect stage: enter cases, list and edit them, import spreadsheets, make the proforma,
and check the data's quality.

Which tab the page shows: a cycle with no cases opens on the Cases tab, whose hint offers both
ways in (key cases in with New case, or import a spreadsheet); otherwise the page stays on the
tab where the user left it, so coming back from another stage continues the same work.

Destroying the pseudonymisation key is irreversible and rare (once, when an audit is finished),
so it lives in a Pseudonymisation group at the foot of the Import tab, where NHS numbers come
in, with its explanation; it asks twice.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.data_quality_view import DataQualityView
from gui.entry_form import EntryForm
from gui.import_wizard import ImportWizard
from gui.quick_look import quick_look
from gui.stages.base import StagePage
from gui.table_models import FrameTableModel, RowTableModel, read_only_table
from gui.tasks import run_task
from model.collect.case_import import list_imports
from model.collect.cases import CaseRow, case_rows, count_cases, delete_case, restore_case
from model.collect.proforma import export_proforma
from model.collect.pseudonym import destroy_key, key_path_for
from model.core.errors import KnownError
from model.core.progress import Progress
from model.plan.audits import get_audit
from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle
from model.store.store import Store


class CaseTableModel(RowTableModel):
    """The cycle's cases, one row each."""

    COL_REF, COL_DATE, COL_WARD, COL_COLLECTOR, COL_ANSWERS = range(5)
    HEADERS = ("Case ref", "Date", "Ward", "Collector", "Answers")

    def display(self, row: CaseRow, col: int) -> str:
        values = (row.case_ref, row.case_date or "", row.ward or "", row.collector or "", row.summary)
        return values[col]

    def case_id(self, row: int) -> int:
        """The case id at a row."""
        return self.rows[row].id


def _proforma_task(progress: Progress, store: Store, cycle_id: int, path: Path) -> Path:
    progress.report(0, 1, "Writing the proforma…")
    with store.connect() as db:
        return export_proforma(db, cycle_id, path)


class CollectPage(StagePage):
    """Cases, entry form, import, proforma and data quality of the chosen cycle."""

    key = "collect"
    title = "Collect"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.deleted: list[int] = []
        self.wizard: ImportWizard | None = None
        self._build()
        self._connect_signals()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel("<h2>Collect data</h2>")
        self.progress_label = QLabel(wordWrap=True)
        self.quick_look_button = QPushButton("Open spreadsheet for a quick look…")
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.quick_look_button)
        self.tabs = QTabWidget()
        self.form = EntryForm(self.ctx)
        self.quality = DataQualityView(self.ctx)
        self.tabs.addTab(self._cases_tab(), "Cases")
        self.tabs.addTab(self.form, "Enter case")
        self.tabs.addTab(self._import_tab(), "Import")
        self.tabs.addTab(self._proforma_tab(), "Proforma")
        self.tabs.addTab(self.quality, "Data quality")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def _cases_tab(self) -> QWidget:
        tab = QWidget()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by case ref")
        self.filter.setClearButtonEnabled(True)
        self.case_model = CaseTableModel()
        self.case_table = read_only_table(self.case_model)
        self.case_table.horizontalHeader().setSectionResizeMode(CaseTableModel.COL_ANSWERS, QHeaderView.Stretch)
        self.new_button = QPushButton("New case")
        self.edit_button = QPushButton("Edit")
        self.delete_button = QPushButton("Delete")
        self.undo_button = QPushButton("Undo delete (Ctrl+Z)")
        self.undo_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.filter, 1)
        for button in (self.new_button, self.edit_button, self.delete_button, self.undo_button):
            buttons.addWidget(button)
        self.empty_hint = QLabel("<b>No cases in this cycle yet.</b> Press <b>New case</b> to key them in "
                                 "(Y, N or A for each criterion, then Enter to save and start the next), or "
                                 "bring in a spreadsheet or filled proformas from the <b>Import</b> tab.",
                                 wordWrap=True)
        self.empty_hint.hide()
        layout = QVBoxLayout(tab)
        layout.addLayout(buttons)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.case_table, 1)
        return tab

    def _import_tab(self) -> QWidget:
        tab = QWidget()
        self.import_button = QPushButton("Import a spreadsheet…")
        self.imports_model = FrameTableModel({"file_name": "File", "sheet": "Sheet", "imported_at": "Imported",
                                              "case_count": "Cases"})
        imports = QTableView()
        imports.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        imports.setModel(self.imports_model)
        imports.setEditTriggers(QAbstractItemView.NoEditTriggers)
        imports.verticalHeader().setVisible(False)
        imports.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        text = QLabel("Import cases from a ward spreadsheet, a national audit export or filled AuditLoop proformas "
                      "(several collectors' copies one after another). Nothing is stored until the last step, and "
                      "a file imported twice is recognised.")
        text.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addWidget(QLabel("<b>Imports into this cycle</b>"))
        layout.addWidget(imports, 1)
        layout.addWidget(self._pseudonym_group())
        return tab

    def _pseudonym_group(self) -> QGroupBox:
        group = QGroupBox("Pseudonymisation")
        text = QLabel("NHS numbers in imported files are replaced by pseudonyms made with this audit's key, kept "
                      "in a folder beside the data file. While the key exists, a later import can be matched to "
                      "the same patients. When the audit is finished and no more data will come, destroying the "
                      "key makes the pseudonyms irreversible: no one can then link them back to NHS numbers. "
                      "This cannot be undone.", wordWrap=True)
        text.setStyleSheet("color: #444;")
        self.destroy_key_button = QPushButton("Destroy key…")
        self.destroy_key_button.setToolTip("Destroy this audit's pseudonymisation key (asks twice; cannot be undone).")
        row = QHBoxLayout()
        row.addWidget(text, 1)
        row.addWidget(self.destroy_key_button, 0, Qt.AlignBottom)
        QVBoxLayout(group).addLayout(row)
        return group

    def _proforma_tab(self) -> QWidget:
        tab = QWidget()
        text = QLabel("The proforma is an Excel workbook for collecting this cycle's data on paper or in Excel: "
                      "instructions with every criterion, a Data sheet with Yes/No/N/A drop-downs, and a hidden "
                      "sheet that lets AuditLoop import the filled copies without asking what each column is.")
        text.setWordWrap(True)
        self.proforma_button = QPushButton("Save proforma…")
        self.proforma_import_button = QPushButton("Import a filled proforma…")
        row = QHBoxLayout()
        row.addWidget(self.proforma_button)
        row.addWidget(self.proforma_import_button)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addStretch(1)
        return tab

    def _connect_signals(self) -> None:
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.case_table.doubleClicked.connect(lambda _index: self._on_edit_button_clicked())
        self.case_table.selectionModel().selectionChanged.connect(self._on_case_table_selection_changed)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.form.saved.connect(self._on_form_saved)
        self.quality.open_case.connect(self.open_case)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.proforma_import_button.clicked.connect(self._on_import_button_clicked)
        self.proforma_button.clicked.connect(self._on_proforma_button_clicked)
        self.quick_look_button.clicked.connect(self._on_quick_look_button_clicked)
        self.destroy_key_button.clicked.connect(self._on_destroy_key_button_clicked)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    # --- public ---------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show an audit's cycle."""
        previous = self.cycle_id
        super().load(audit_id, cycle_id)
        self.deleted.clear()
        self.undo_button.setEnabled(False)
        db = self.ctx.store.db
        cycle = get_cycle(db, cycle_id) if cycle_id is not None else None
        self.form.set_cycle(cycle, list_criteria(db, cycle_id) if cycle_id is not None else [])
        for widget in (self.new_button, self.import_button, self.proforma_button, self.proforma_import_button):
            widget.setEnabled(cycle is not None)
        self.destroy_key_button.setEnabled(audit_id is not None)
        self.refresh()
        if cycle_id is not None and cycle_id != previous and count_cases(db, cycle_id) == 0:
            self.tabs.setCurrentIndex(0)  # the Cases tab's hint says how to start (module docstring)

    def flush(self) -> bool:
        """Commit the focused field, then ask about an unsaved case in the entry form."""
        super().flush()
        if self.form.dirty:
            self.tabs.setCurrentWidget(self.form)  # the question is about what the user sees
        return self.form.resolve_pending()

    def refresh(self) -> None:
        """Re-read the case list, the progress and the imports."""
        if self.cycle_id is None:
            self.empty_hint.hide()
            self.case_model.set_rows([])
            self.progress_label.setText("This audit has no cycle yet: plan one first.")
            self.imports_model.set_frame(self.imports_model.frame.iloc[0:0])
            return
        db = self.ctx.store.db
        self.case_model.set_rows(case_rows(db, self.cycle_id, self.filter.text().strip()))
        cycle = get_cycle(db, self.cycle_id)
        done = count_cases(db, self.cycle_id)
        self.empty_hint.setVisible(done == 0)
        planned = f" of {cycle.planned_sample} planned" if cycle.planned_sample else ""
        self.progress_label.setText(f"<b>{done}{planned}</b> cases · {escape(cycle.title)}")
        imports = pd.DataFrame(list_imports(db, self.cycle_id), columns=["id", "file_name", "sheet", "imported_at",
                                                                         "case_count", "report"])
        self.imports_model.set_frame(imports)
        self._on_case_table_selection_changed()
        if self.tabs.currentWidget() is self.quality:
            self.quality.load(self.cycle_id)

    def open_case(self, case_id: int) -> None:
        """Show a case in the entry form (asking first about an unsaved case on it: Save,
        Discard or Cancel, never a silent save of half a case)."""
        if not self.form.resolve_pending():
            self.tabs.setCurrentWidget(self.form)
            return
        try:
            self.form.load_case(case_id)
        except KnownError as exc:
            self.show_error(exc)
            return
        self.tabs.setCurrentWidget(self.form)

    def selected_case_id(self) -> int | None:
        """The case selected in the list."""
        rows = self.case_table.selectionModel().selectedRows()
        return self.case_model.case_id(rows[0].row()) if rows else None

    def start_import(self) -> ImportWizard:
        """Open the import wizard on this cycle (modeless, so the progress dialog can show)."""
        self.wizard = ImportWizard(self.ctx, self.cycle_id, self)
        self.wizard.imported.connect(self._on_wizard_imported)
        self.wizard.setAttribute(Qt.WA_DeleteOnClose)
        self.wizard.show()
        return self.wizard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+Z reaches the page when the case list (which has no undo of its own) has focus;
        # text fields keep their own undo.
        if event.matches(QKeySequence.Undo) and self.deleted:
            self._on_undo_button_clicked()
            return
        super().keyPressEvent(event)

    # --- slots ----------------------------------------------------------------------

    @Slot(str)
    def _on_filter_text_changed(self, _text: str) -> None:
        self.refresh()

    @Slot()
    def _on_case_table_selection_changed(self) -> None:
        has = self.selected_case_id() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        if not self.form.resolve_pending():
            self.tabs.setCurrentWidget(self.form)
            return
        self.form.new_case()
        self.tabs.setCurrentWidget(self.form)
        self.form.start_field().setFocus()

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            self.open_case(case_id)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        case_id = self.selected_case_id()
        if case_id is None:
            return
        delete_case(self.ctx.store.db, case_id)
        self.deleted.append(case_id)
        self.undo_button.setEnabled(True)
        self.refresh()
        self.data_changed.emit()

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        if not self.deleted:
            return
        try:
            restore_case(self.ctx.store.db, self.deleted.pop())
        except KnownError as exc:
            self.show_error(exc)
        self.undo_button.setEnabled(bool(self.deleted))
        self.refresh()
        self.data_changed.emit()

    @Slot(int)
    def _on_form_saved(self, _case_id: int) -> None:
        self.refresh()
        self.data_changed.emit()

    @Slot(int)
    def _on_wizard_imported(self, _import_id: int) -> None:
        self.refresh()
        self.data_changed.emit()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        if self.cycle_id is not None:
            self.start_import()

    @Slot()
    def _on_proforma_button_clicked(self) -> None:
        if self.cycle_id is None:
            return
        cycle = get_cycle(self.ctx.store.db, self.cycle_id)
        path = dialogs.save_file(self, "Save the proforma", "Excel workbook (*.xlsx)",
                                 f"proforma cycle {cycle.number}.xlsx")
        if not path:
            return
        run_task(self, _proforma_task, self.ctx.store, self.cycle_id, Path(path), title="Writing the proforma…",
                 on_success=lambda saved: dialogs.inform(self, "Proforma saved", f"Saved to {saved}."))

    @Slot()
    def _on_quick_look_button_clicked(self) -> None:
        quick_look(self)

    @Slot()
    def _on_destroy_key_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        audit = get_audit(self.ctx.store.db, self.audit_id)
        key_path = key_path_for(self.ctx.store.path, audit.uid)
        if not key_path.exists():
            dialogs.inform(self, "No key", "This audit has no pseudonymisation key (no NHS numbers were imported).")
            return
        first = dialogs.ask(self, "Destroy the pseudonymisation key?",
                            "After this, NHS numbers imported later can never be linked to this audit's patients, "
                            "and no one can find which patient a pseudonym belongs to.\n\nDo this only when the "
                            "audit is finished and no more data will be collected.")
        if not first or not dialogs.ask(self, "This cannot be undone",
                                        f"Destroy the key of '{audit.title}' for ever?"):
            return
        try:
            destroy_key(key_path)
        except KnownError as exc:
            self.show_error(exc)
            return
        dialogs.inform(self, "Key destroyed", "The key has been destroyed: the pseudonyms are now irreversible.")

    @Slot(int)
    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.quality:
            self.quality.load(self.cycle_id)
        elif self.tabs.currentWidget() is self.form:
            self.form.show_progress()
