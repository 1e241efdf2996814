"""The pages of the spreadsheet import wizard: file, sheet and header row, unreadable values, preview.

The column mapping page is in gui.import_wizard_mapping; the wizard that holds them in gui.import_wizard.
Each page starts its own background reading through gui.tasks.run_task.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWizardPage,
)

from gui import dialogs
from gui.import_wizard_merges import MergeTable
from gui.import_wizard_tasks import FILE_FILTER, LoadedFile, plan_task, table_task, values_task
from gui.table_models import FrameTableModel, choice_box, choice_table, set_read_only_cells
from gui.tasks import run_task
from model.collect import case_import as ci
from model.collect.pseudonym import mask_nhs_numbers
from model.collect.sheets import SheetTable
from model.core.errors import KnownError

if TYPE_CHECKING:
    from gui.import_wizard import ImportWizard

DECISIONS = (("missing", "Leave missing"), ("met", "Met"), ("not_met", "Not met"), ("exception", "Exception (N/A)"))
PREVIEW_ROWS = 50


class FilePage(QWizardPage):
    """Choose the file; it is read in the background."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose the spreadsheet")
        self.setSubTitle("An .xlsx, .xlsm, .xls, .ods or .csv file. AuditLoop proformas are recognised and "
                         "mapped automatically.")
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setAccessibleName("Spreadsheet file")
        self.browse = QPushButton("Browse…")
        self.browse.setAccessibleName("Browse for the spreadsheet")
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.browse.clicked.connect(self._on_browse_clicked)

    def isComplete(self) -> bool:
        return self.wiz.session.loaded is not None

    @Slot()
    def _on_browse_clicked(self) -> None:
        path = dialogs.open_file(self, "Import a spreadsheet", FILE_FILTER)
        if path:
            self.wiz.open_path(Path(path))

    def show_loaded(self, loaded: LoadedFile) -> None:
        """Say what was found."""
        self.path.setText(str(loaded.path))
        found = f"Sheet '{loaded.sheet}', header in row {loaded.table.header_row}, {len(loaded.table.data)} rows."
        if loaded.meta is not None:
            found += " This is an AuditLoop proforma: its columns are mapped automatically."
        self.status.setText(found)
        self.completeChanged.emit()


class SheetPage(QWizardPage):
    """Which sheet, and which row holds the header (detected, adjustable)."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Sheet and header row")
        self.setSubTitle("The data sheet and its header row were detected; change them if they are wrong.")
        self.sheet = QComboBox()
        self.sheet.setAccessibleName("Sheet")
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 1_048_576)
        self.header_row.setAccessibleName("Header row")
        self.info = QLabel()
        self.info.setTextFormat(Qt.RichText)  # warnings use <br>; file text is escaped
        self.info.setWordWrap(True)
        self.preview_model = FrameTableModel()
        self.preview = QTableView()
        self.preview.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview.setAccessibleName("First rows of the sheet")
        top = QHBoxLayout()
        top.addWidget(QLabel("Sheet:"))
        top.addWidget(self.sheet, 1)
        top.addWidget(QLabel("Header row:"))
        top.addWidget(self.header_row)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.preview, 1)
        self._busy = False
        self.sheet.activated.connect(self._on_sheet_activated)
        self.header_row.editingFinished.connect(self._on_header_row_editing_finished)

    def initializePage(self) -> None:
        loaded = self.wiz.session.loaded
        self.sheet.clear()
        self.sheet.addItems(list(loaded.raws))
        self.sheet.setCurrentText(self.wiz.session.table.sheet)
        self.show_table(self.wiz.session.table)

    def isComplete(self) -> bool:
        return not self._busy and self.wiz.session.table is not None

    def show_table(self, table: SheetTable) -> None:
        """Show a table read with the chosen sheet and header."""
        self._busy = False
        self.wiz.session.table = table
        self.header_row.blockSignals(True)
        self.header_row.setValue(table.header_row)
        self.header_row.blockSignals(False)
        dropped = ", ".join(f"row {d.row} ({escape(d.reason)})" for d in table.dropped_rows[:5])
        self.info.setText(f"{len(table.data)} rows of data, {len(table.columns)} columns."
                          + (f" Left out: {dropped}." if dropped else "")
                          + "".join(f"<br>⚠ {escape(w)}" for w in table.warnings))
        # NHS numbers are never shown in full, not even in the preview (issue 12).
        self.preview_model.set_frame(mask_nhs_numbers(table.data.head(PREVIEW_ROWS)))
        self.completeChanged.emit()

    def _reload(self, header_row: int | None) -> None:
        loaded = self.wiz.session.loaded
        raw = loaded.raws[self.sheet.currentText()]
        self._busy = True
        self.completeChanged.emit()
        run_task(self, table_task, loaded.path, raw, header_row, on_success=self.show_table,
                 on_error=self.wiz.task_failed, title="Reading the sheet…")

    @Slot(int)
    def _on_sheet_activated(self, _index: int) -> None:
        self._reload(None)

    @Slot()
    def _on_header_row_editing_finished(self) -> None:
        if self.wiz.session.table is None or self.header_row.value() != self.wiz.session.table.header_row:
            self._reload(self.header_row.value())


class ValuesPage(QWizardPage):
    """Answers nobody can read: the user decides each distinct value, or leaves it missing."""

    COL_VALUE, COL_COUNT, COL_WHERE, COL_DECISION = range(4)

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Values to check")
        self.setSubTitle("Answers AuditLoop cannot read are never guessed: decide what each one means, or leave "
                         "it missing. Below them, spellings of one ward, site or team that will be merged.")
        self.table = choice_table(["Value", "Cells", "Where", "Count as"], "Answers that could not be read",
                                  stretch=self.COL_WHERE)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.merge_note = QLabel("Same ward, site or team, spelt differently: each is stored under one name "
                                 "(change the name, or type the spelling back to keep it apart).")
        self.merge_note.setWordWrap(True)
        self.merge_table = MergeTable()
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.merge_note)
        layout.addWidget(self.merge_table, 1)
        self.values: pd.DataFrame | None = None
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:
        self.values = None
        self.note.setText("Reading the answers…")
        s = self.wiz.session
        run_task(self, values_task, self.wiz.ctx.store, self.wiz.cycle_id, s.table, s.mapping,
                 on_success=self.show_values, on_error=self.wiz.task_failed, title="Reading the answers…")

    def isComplete(self) -> bool:
        return self.values is not None

    def show_values(self, found: tuple[pd.DataFrame, dict[str, dict[str, str]]]) -> None:
        """One row per distinct value (compared like answers), with where it occurs; the merges."""
        values, merges = found
        self.merge_table.show_merges(merges)
        self.merge_note.setVisible(bool(merges))
        self.values = values
        groups = list(values.groupby("key", sort=True)) if len(values) else []
        self.table.setRowCount(len(groups))
        self.combos = {}
        table = self.wiz.session.table
        for row, (key, cells) in enumerate(groups):
            where = "; ".join(f"{table.sheet} row {r}, column {table.letter_of(c)} ({c[:30]})"
                              for r, c in zip(cells["row"].head(3), cells["column"].head(3), strict=True))
            if len(cells) > 3:
                where += f"; and {len(cells) - 3} more"
            set_read_only_cells(self.table, row, ((self.COL_VALUE, f"'{cells['value'].iloc[0]}'"),
                                                  (self.COL_COUNT, str(len(cells))), (self.COL_WHERE, where)))
            combo = choice_box(f"Count '{cells['value'].iloc[0]}' as", DECISIONS,
                               self.wiz.session.decisions.get(key, "missing"))
            self.table.setCellWidget(row, self.COL_DECISION, combo)
            self.combos[key] = combo
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(self.COL_WHERE, QHeaderView.Stretch)
        self.note.setText("Every answer could be read." if not groups else
                          f"{len(values)} cells hold {len(groups)} value(s) AuditLoop cannot read.")
        self.completeChanged.emit()

    def decide(self, value: str, outcome: str) -> None:
        """Choose an outcome for a value (tests)."""
        from model.collect.answers import answer_key

        combo = self.combos[answer_key(value)]
        combo.setCurrentIndex(combo.findData(outcome))

    def validatePage(self) -> bool:
        self.wiz.session.decisions = {k: c.currentData() for k, c in self.combos.items()}
        self.wiz.session.merges = self.merge_table.merges()
        return True


class PreviewPage(QWizardPage):
    """Counts per criterion and the rejected rows, before anything is stored."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check before importing")
        self.setSubTitle("Nothing is stored until you press Import; the import is all or nothing.")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.counts_model = FrameTableModel({"label": "Criterion", "met": "Met", "not_met": "Not met",
                                             "exception": "Exception", "missing": "Missing"})
        self.rejected_model = FrameTableModel({"row": "Row", "column": "Column", "value": "Value",
                                               "reason": "Reason", "action": "What happens"})
        self.save_rejected = QPushButton("Save rejected rows as CSV…")
        self.save_rejected.setAccessibleName("Save rejected rows as CSV")
        counts, rejected = QTableView(), QTableView()
        counts.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        rejected.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        counts.setAccessibleName("Counts per criterion")
        rejected.setAccessibleName("Problems found")
        for view, model in ((counts, self.counts_model), (rejected, self.rejected_model)):
            view.setModel(model)
            view.setEditTriggers(QAbstractItemView.NoEditTriggers)
            view.verticalHeader().setVisible(False)
            view.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        rejected.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        rejected.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("<b>Problems found</b>"))
        bottom.addStretch(1)
        bottom.addWidget(self.save_rejected)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(counts, 1)
        layout.addLayout(bottom)
        layout.addWidget(rejected, 1)
        self.save_rejected.clicked.connect(self._on_save_rejected_clicked)

    def initializePage(self) -> None:
        s = self.wiz.session
        s.plan = None
        self.summary.setText("Checking every row…")
        run_task(self, plan_task, self.wiz.ctx.store, self.wiz.cycle_id, s.table, s.mapping, s.decisions,
                 s.replace_import_id, s.merges, on_success=self.show_plan, on_error=self.wiz.task_failed,
                 title="Checking every row…")

    def isComplete(self) -> bool:
        return self.wiz.session.plan is not None and self.wiz.session.plan.case_count > 0

    def show_plan(self, plan: ci.ImportPlan) -> None:
        """Show what the import would store."""
        self.wiz.session.plan = plan
        dropped = int((plan.rejected["action"] == ci.ROW_DROPPED).sum())
        text = (f"<b>{plan.case_count} cases will be imported</b> into {escape(self.wiz.cycle_title)}. "
                f"{dropped} rows will not be imported; {len(plan.rejected) - dropped} other problems; "
                f"{len(plan.unrecognised)} unreadable answers left missing.")
        if self.wiz.session.replace_import_id is not None:
            text += " The cases of the earlier import of this file will be replaced."
        # What the import does on the user's behalf (NHS numbers pseudonymised where they were
        # mapped as something else) is said before Import is pressed, not only in the record.
        text += "".join(f"<br><span style='color:#8a5a00'>⚠ {escape(w)}</span>" for w in plan.warnings)
        self.summary.setText(text)
        self.counts_model.set_frame(plan.counts.reset_index())
        self.rejected_model.set_frame(plan.rejected)
        self.save_rejected.setEnabled(len(plan.rejected) > 0)
        self.completeChanged.emit()

    @Slot()
    def _on_save_rejected_clicked(self) -> None:
        path = dialogs.save_file(self, "Save rejected rows", "CSV files (*.csv)", "rejected rows.csv")
        if not path:
            return
        try:
            ci.rejected_csv(self.wiz.session.plan, path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)

