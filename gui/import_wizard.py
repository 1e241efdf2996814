"""The spreadsheet import wizard, and the "quick look" at a spreadsheet.

Pages: file → sheet and header row → column mapping → unreadable values → preview → Import.
Every read, plan and commit runs off the GUI thread through gui.tasks.run_task (progress
and Cancel); the commit is all-or-nothing, so Cancel leaves the cycle as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from gui import dialogs
from gui.context import AppContext
from gui.table_models import FrameTableModel
from gui.tasks import Task, run_task, run_write_task
from model.collect import case_import as ci
from model.collect.proforma import DATA_SHEET, ProformaMeta, proforma_mapping, read_proforma_meta
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.collect.sheet_analysis import analyse_sheet
from model.collect.sheets import RawSheet, SheetTable, build_table, guess_data_sheet, read_raw_sheets
from model.core.errors import KnownError
from model.core.progress import Cancelled, Progress
from model.plan.audits import get_audit
from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle
from model.store.store import Store

FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv);;All files (*)"
DECISIONS = (("missing", "Leave missing"), ("met", "Met"), ("not_met", "Not met"), ("exception", "Exception (N/A)"))
PREVIEW_ROWS = 50


@dataclass
class LoadedFile:
    """A spreadsheet read in the background: its sheets, the guessed table and what we know of it."""

    path: Path
    sha256: str
    raws: dict[str, RawSheet]
    sheet: str
    table: SheetTable
    meta: ProformaMeta | None = None
    previous_import: int | None = None


@dataclass
class Session:
    """What the wizard has gathered so far."""

    loaded: LoadedFile | None = None
    table: SheetTable | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    plan: ci.ImportPlan | None = None
    replace_import_id: int | None = None


# --- background work (no widgets here) ----------------------------------------------


def load_file_task(progress: Progress, path: Path, store: Store | None, cycle_id: int | None) -> LoadedFile:
    """Read every sheet, guess the data sheet and header, and look for an earlier import."""
    progress.report(0, 3, f"Reading {path.name}…")
    raws = read_raw_sheets(path)
    progress.report(1, 3, "Finding the data…")
    meta = read_proforma_meta(path)
    sheet = DATA_SHEET if meta is not None and DATA_SHEET in raws else guess_data_sheet(
        {n: r.grid for n, r in raws.items()})
    table = build_table(path, raws[sheet])
    progress.report(2, 3, "Checking earlier imports…")
    sha = ci.file_sha256(path)
    previous = None
    if store is not None and cycle_id is not None:
        with store.connect() as db:
            previous = ci.find_previous_import(db, cycle_id, sha)
    return LoadedFile(path, sha, raws, sheet, table, meta, previous)


def table_task(progress: Progress, path: Path, raw: RawSheet, header_row: int | None) -> SheetTable:
    """The table of a sheet, with the detected header or the one the user chose."""
    progress.report(0, 1, "Reading the sheet…")
    return build_table(path, raw) if header_row is None else ci.table_at_header(path, raw, header_row)


def values_task(progress: Progress, store: Store, cycle_id: int, table: SheetTable,
                mapping: dict[str, str]) -> pd.DataFrame:
    """The unreadable answers, one row per cell."""
    progress.report(0, 1, "Reading the answers…")
    with store.connect() as db:
        return ci.unrecognised_values(db, cycle_id, table, mapping)


def plan_task(progress: Progress, store: Store, cycle_id: int, table: SheetTable, mapping: dict[str, str],
              decisions: dict[str, str], replace_import_id: int | None) -> ci.ImportPlan:
    """Plan the import with the audit's identifier rules and key."""
    progress.report(0, 1, "Checking every row…")
    with store.connect() as db:
        audit = get_audit(db, get_cycle(db, cycle_id).audit_id)
        needs_key = not audit.keep_identifiers and bool({"nhs_number", "hospital_number"} & set(mapping.values()))
        key = load_or_create_key(key_path_for(store.path, audit.uid)) if needs_key else None
        return ci.plan_import(db, cycle_id, table, mapping, decisions, keep_identifiers=bool(audit.keep_identifiers),
                              key=key, replace_import_id=replace_import_id)


def commit_task(progress: Progress, store: Store, cycle_id: int, plan: ci.ImportPlan, file_name: str,
                sha256: str) -> int:
    """Store the plan (one transaction)."""
    with store.connect() as db:
        return ci.commit_import(db, cycle_id, plan, file_name=file_name, sha256=sha256, progress=progress)


# --- pages -----------------------------------------------------------------------------


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
        self.browse = QPushButton("Browse…")
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
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 1_048_576)
        self.info = QLabel()
        self.info.setTextFormat(Qt.RichText)  # warnings use <br>; file text is escaped
        self.info.setWordWrap(True)
        self.preview_model = FrameTableModel()
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
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
        self.preview_model.set_frame(table.data.head(PREVIEW_ROWS))
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


class MappingPage(QWizardPage):
    """Each column → a criterion, a case field, or ignore; saved mappings by name."""

    COL_LETTER, COL_HEADER, COL_SAMPLE, COL_TARGET, COL_WARNING = range(5)

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("What each column holds")
        self.setSubTitle("Map every answer column to its criterion. Names, dates of birth and postcodes are "
                         "never imported; NHS numbers are pseudonymised.")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Col", "Header", "Example values", "Import as", "Note"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.COL_LETTER, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(self.COL_HEADER, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_SAMPLE, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_TARGET, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_WARNING, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.profiles = QComboBox()
        self.load_profile = QPushButton("Load mapping")
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText("name for this mapping")
        self.save_profile = QPushButton("Save mapping")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Saved mappings:"))
        bottom.addWidget(self.profiles, 1)
        bottom.addWidget(self.load_profile)
        bottom.addSpacing(16)
        bottom.addWidget(self.profile_name, 1)
        bottom.addWidget(self.save_profile)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addLayout(bottom)
        self.combos: dict[str, QComboBox] = {}
        self.load_profile.clicked.connect(self._on_load_profile_clicked)
        self.save_profile.clicked.connect(self._on_save_profile_clicked)

    def _targets(self) -> list[tuple[str, str]]:
        criteria = list_criteria(self.wiz.ctx.store.db, self.wiz.cycle_id)
        items = [(ci.IGNORE, "— ignore —")]
        items += [(ci.criterion_target(c), f"Criterion {i}: {c.label}") for i, c in enumerate(criteria, start=1)]
        items += [(key, f"Case: {label}") for key, label in ci.CASE_FIELDS.items()]
        return items

    def initializePage(self) -> None:
        session = self.wiz.session
        table = session.table
        db = self.wiz.ctx.store.db
        loaded = session.loaded
        if loaded.meta is not None:
            session.mapping = proforma_mapping(loaded.meta, table, db, self.wiz.cycle_id)
        else:
            session.mapping = ci.auto_mapping(db, self.wiz.cycle_id, table)
        self.fill(session.mapping, ci.identifying_warnings(table))
        self.profiles.clear()
        self.profiles.addItems(ci.list_profiles(db))

    def fill(self, mapping: dict[str, str], warnings: dict[str, list[str]]) -> None:
        """Show one row per column with its target chooser."""
        table = self.wiz.session.table
        targets = self._targets()
        self.table.setRowCount(len(table.columns))
        self.combos = {}
        for row, (name, letter, header) in enumerate(zip(table.columns, table.letters, table.display_headers,
                                                         strict=True)):
            values = table.data[name].dropna().astype(str).drop_duplicates().head(4)
            if name in warnings:  # identifiers are not shown, not even as examples
                values = pd.Series(["(identifying data: not shown)"])
            cells = ((self.COL_LETTER, letter), (self.COL_HEADER, " ".join(header.split())),
                     (self.COL_SAMPLE, ", ".join(values)), (self.COL_WARNING, " ".join(warnings.get(name, []))))
            for col, text in cells:
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
            combo = QComboBox()
            for key, label in targets:
                combo.addItem(label, key)
            combo.setCurrentIndex(max(combo.findData(mapping.get(name, ci.IGNORE)), 0))
            combo.currentIndexChanged.connect(self._on_combo_changed)
            self.table.setCellWidget(row, self.COL_TARGET, combo)
            self.combos[name] = combo
        self.table.setColumnWidth(self.COL_HEADER, 240)
        self.table.setColumnWidth(self.COL_SAMPLE, 170)
        self.table.setColumnWidth(self.COL_TARGET, 260)
        # Rows as tall as a combo box, so the choosers are not squeezed.
        self.table.verticalHeader().setMinimumSectionSize(QComboBox().sizeHint().height() + 6)
        self.table.resizeRowsToContents()
        self._on_combo_changed()

    def mapping(self) -> dict[str, str]:
        """The mapping as chosen now."""
        return {name: combo.currentData() for name, combo in self.combos.items()}

    def set_target(self, column: str, target: str) -> None:
        """Choose a column's target (tests and profiles)."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(target))

    def problems(self) -> str:
        """What stops this mapping from being imported ('' when fine)."""
        chosen = [t for t in self.mapping().values() if t != ci.IGNORE]
        if "case_ref" not in chosen:
            return "Choose the column holding the case reference."
        if not any(t.startswith(ci.CRITERION_PREFIX) for t in chosen):
            return "Map at least one column to a criterion."
        repeated = {t for t in chosen if chosen.count(t) > 1}
        if repeated:
            labels = dict(self._targets())
            return "Mapped twice: " + ", ".join(labels[t] for t in repeated) + "."
        return ""

    def isComplete(self) -> bool:
        return not self.problems()

    def validatePage(self) -> bool:
        self.wiz.session.mapping = self.mapping()
        return True

    @Slot()
    def _on_combo_changed(self) -> None:
        self.problem.setText(self.problems())
        self.completeChanged.emit()

    @Slot()
    def _on_load_profile_clicked(self) -> None:
        name = self.profiles.currentText()
        if not name:
            return
        try:
            mapping = ci.load_profile(self.wiz.ctx.store.db, name, self.wiz.session.table, self.wiz.cycle_id)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        for column, target in mapping.items():
            self.set_target(column, target)

    @Slot()
    def _on_save_profile_clicked(self) -> None:
        try:
            ci.save_profile(self.wiz.ctx.store.db, self.profile_name.text(), self.mapping())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.profiles.clear()
        self.profiles.addItems(ci.list_profiles(self.wiz.ctx.store.db))
        self.profiles.setCurrentText(self.profile_name.text().strip())


class ValuesPage(QWizardPage):
    """Answers nobody can read: the user decides each distinct value, or leaves it missing."""

    COL_VALUE, COL_COUNT, COL_WHERE, COL_DECISION = range(4)

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Answers that could not be read")
        self.setSubTitle("These are never guessed. Decide what each one means, or leave it missing.")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Value", "Cells", "Where", "Count as"])
        self.table.horizontalHeader().setSectionResizeMode(self.COL_WHERE, QHeaderView.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
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

    def show_values(self, values: pd.DataFrame) -> None:
        """One row per distinct value (compared like answers), with where it occurs."""
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
            for col, text in ((self.COL_VALUE, f"'{cells['value'].iloc[0]}'"), (self.COL_COUNT, str(len(cells))),
                              (self.COL_WHERE, where)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
            combo = QComboBox()
            for outcome, label in DECISIONS:
                combo.addItem(label, outcome)
            combo.setCurrentIndex(max(combo.findData(self.wiz.session.decisions.get(key, "missing")), 0))
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
        counts, rejected = QTableView(), QTableView()
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
                 s.replace_import_id, on_success=self.show_plan, on_error=self.wiz.task_failed,
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


class ImportWizard(QWizard):
    """Import a spreadsheet (or a filled proforma) into a cycle.

    Signals:
        imported(int): the new import's id, after a successful commit.
    """

    imported = Signal(int)

    def __init__(self, ctx: AppContext, cycle_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cycle_id = cycle_id
        cycle = get_cycle(ctx.store.db, cycle_id)
        self.audit = get_audit(ctx.store.db, cycle.audit_id)
        self.cycle_title = cycle.title
        self.session = Session()
        self.commit: Task | None = None
        self.result_import_id: int | None = None
        self.setWindowTitle("Import cases from a spreadsheet")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.FinishButton, "Import")
        self.resize(1000, 680)
        self.file_page, self.sheet_page = FilePage(self), SheetPage(self)
        self.mapping_page, self.values_page, self.preview_page = MappingPage(self), ValuesPage(self), PreviewPage(self)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.values_page, self.preview_page):
            self.addPage(page)

    def open_path(self, path: Path) -> Task:
        """Read a file in the background (the file page's Browse, and tests)."""
        self.session = Session()
        self.file_page.completeChanged.emit()
        return run_task(self, load_file_task, path, self.ctx.store, self.cycle_id, on_success=self._on_loaded,
                        on_error=self.task_failed, title=f"Reading {path.name}…")

    def _on_loaded(self, loaded: LoadedFile) -> None:
        if loaded.previous_import is not None and not self._replace_or_skip(loaded):
            self.reject()
            return
        self.session.loaded = loaded
        self.session.table = loaded.table
        if loaded.meta is not None and loaded.meta.audit_uid != self.audit.uid:
            dialogs.warn(self, "Proforma from another audit",
                         "This proforma was made for a different audit. Check the mapping before importing.")
        self.file_page.show_loaded(loaded)

    def _replace_or_skip(self, loaded: LoadedFile) -> bool:
        """Re-importing the same file: replace its cases (True) or skip it (False)."""
        replace = dialogs.ask(self, "File already imported",
                              f"{loaded.path.name} was already imported into this cycle.\n\n"
                              "Replace the cases of that import with this file? (No skips this file.)")
        self.session.replace_import_id = loaded.previous_import if replace else None
        return replace

    def task_failed(self, exc: BaseException) -> None:
        """A background step failed: known problems are shown; nothing was stored."""
        from gui.tasks import default_error

        default_error(self, exc)

    def accept(self) -> None:
        """Import: commit in the background; the wizard closes when it is stored."""
        plan, loaded = self.session.plan, self.session.loaded
        if plan is None or loaded is None or self.commit is not None:
            return
        self.button(QWizard.FinishButton).setEnabled(False)
        self.commit = run_write_task(self, commit_task, self.ctx.store, self.cycle_id, plan, loaded.path.name,
                               loaded.sha256, on_success=self._on_committed, on_error=self._on_commit_failed,
                               title="Importing cases…")

    def _on_committed(self, import_id: int) -> None:
        self.commit = None
        self.result_import_id = import_id
        self.imported.emit(import_id)
        super().accept()

    def _on_commit_failed(self, exc: BaseException) -> None:
        self.commit = None
        self.button(QWizard.FinishButton).setEnabled(True)
        if isinstance(exc, Cancelled):
            dialogs.inform(self, "Import cancelled", "The import was cancelled. Nothing was stored.")
        else:
            self.task_failed(exc)


# --- quick look ------------------------------------------------------------------------


def analyse_task(progress: Progress, path: Path) -> dict[str, Any]:
    """analyse_sheet in the background."""
    progress.report(0, 1, f"Reading {path.name}…")
    return analyse_sheet(path)


class QuickLookDialog(QDialog):
    """What a spreadsheet holds: the data sheet, its header, each column's role and answers."""

    def __init__(self, result: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result = result
        self.setWindowTitle(f"Quick look: {result['file']}")
        self.resize(900, 600)
        self.text = QTextBrowser()
        self.text.setHtml(quick_look_html(result))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


def quick_look_html(result: dict[str, Any]) -> str:
    """The analysis as a readable page."""
    rows = []
    for col in result["columns"]:
        answers = col.get("answers")
        summary = ""
        if answers:
            pct = "—" if answers["compliance_pct"] is None else f"{answers['compliance_pct']}%"
            summary = (f"met {answers['met']}, not met {answers['not_met']}, exception {answers['exception']}, "
                       f"missing {answers['missing']}, unreadable {answers['unrecognised']}; compliance {pct}")
        note = " ".join(col["warnings"])
        rows.append(f"<tr><td>{col['letter']}</td><td>{escape(col['name'])}</td><td>{col['role'].replace('_', ' ')}"
                    f"</td><td>{escape(summary)}</td><td style='color:#8a5a00'>{escape(note)}</td></tr>")
    dropped = ", ".join(f"row {d['row']} ({d['reason']})" for d in result["dropped_rows"]) or "none"
    warnings = "".join(f"<li>{escape(w)}</li>" for w in result["warnings"])
    return (f"<h3>{escape(result['file'])}</h3><p>Sheets: {escape(', '.join(result['sheets']))}. "
            f"Data sheet <b>{escape(result['sheet'])}</b>, header in row {result['header_row']}, "
            f"<b>{result['rows']}</b> rows. Left out: {escape(dropped)}.</p>"
            + (f"<ul>{warnings}</ul>" if warnings else "")
            + "<table border='1' cellpadding='4' cellspacing='0'><tr><th>Col</th><th>Header</th><th>Looks like</th>"
            "<th>Answers</th><th>Note</th></tr>" + "".join(rows) + "</table>")


def quick_look(parent: QWidget | None, path: str | Path | None = None) -> Task | None:
    """Ask for a file (unless given) and show the quick look when it has been read."""
    path = path or dialogs.open_file(parent, "Open spreadsheet for a quick look", FILE_FILTER)
    if not path:
        return None

    def show(result: dict[str, Any]) -> None:
        dialog = QuickLookDialog(result, parent)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        if parent is not None:
            parent.quick_look_dialog = dialog  # type: ignore[attr-defined] - keeps it reachable (tests)

    return run_task(parent, analyse_task, Path(path), on_success=show, title="Reading the spreadsheet…")
