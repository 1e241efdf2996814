"""Import a national benchmark file: pick → detected format → (mapping) → preview → import.

Reading and storing run off the GUI thread (gui.tasks.run_task) with progress and Cancel.
Storing is all-or-nothing (`model.benchmark.benchmark_store.save_dataset` is one transaction); a file
imported before (same SHA-256) is replaced or skipped, as the user chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._benchmark_models import MappingModel, PreviewMeasuresModel, ProblemsModel
from gui.tasks import default_error, run_task
from model.benchmark.benchmark_compare import export_problems
from model.benchmark.benchmark_import import (
    MeasureGroup,
    ParsedBenchmark,
    WideMapping,
    detect_format,
    parse_file,
    propose_wide_mapping,
    wide_headers,
)
from model.benchmark.benchmark_store import (
    find_dataset_by_sha,
    list_profiles,
    load_profile,
    save_dataset,
    save_profile,
)
from model.benchmark.benchmark_summary import summarise
from model.core.errors import ImportProblem, KnownError
from model.core.progress import Progress
from model.store.store import Store

FORMAT_NAMES = {
    "fingertips": "OHID Fingertips indicator export",
    "national_audit_wide": "National audit table (one row per organisation, measure columns side by side)",
    "long": "Long table (one row per organisation and measure)",
}
FILE_FILTERS = "Benchmark files (*.csv *.xlsx *.xlsm *.xls *.ods);;All files (*)"
NONE = "(none)"
PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW = range(3)
ERROR_STYLE = "color: #b3261e;"
ROLE_LABELS = {"numerator_col": "Numerator column", "denominator_col": "Denominator column",
               "percent_col": "Percentage column"}


@dataclass(frozen=True)
class Detected:
    """What the first look at a file found."""

    path: Path
    format: str
    mapping: WideMapping | None
    headers: list[str]


def detect_task(progress: Progress, path: str) -> Detected:
    """Background: the file's layout, and for wide tables the proposed mapping and headers."""
    progress.report(0, 2, "Looking at the file…")
    kind = detect_format(path)
    mapping = headers = None
    if kind == "national_audit_wide":
        progress.report(1, 2, "Finding the measure columns…")
        mapping = propose_wide_mapping(path)
        headers = wide_headers(path, mapping.header_row)
    return Detected(Path(path), kind, mapping, headers or [])


def repropose_task(progress: Progress, path: Path, header_row: int, previous: WideMapping) -> Detected:
    """Background: propose again with the header in another row (0-based); the columns are always listed.

    When that row has no recognisable measure columns the mapping is empty (measures can be added
    by hand) and its note says why.
    """
    progress.report(0, 1, "Reading the columns…")
    headers = wide_headers(path, header_row)
    try:
        mapping = propose_wide_mapping(path, header_row)
    except ImportProblem as exc:
        mapping = WideMapping(header_row=header_row, org_code_col=None, org_name_col=None, parent_code_col=None,
                              parent_name_col=None, measures=(), period=previous.period, sheet=previous.sheet,
                              notes=(f"{exc.message} Add the measures by hand below, or pick another row.",))
    return Detected(path, "national_audit_wide", mapping, headers)


def new_measure_problem(code: str, columns: dict[str, str | None], taken: set[str]) -> str:
    """Why a hand-made measure group cannot be added yet ("" when it can).

    Args:
        code: the code typed.
        columns: "numerator_col"/"denominator_col"/"percent_col" → header chosen (None for none).
        taken: codes already in the mapping.
    """
    chosen = [c for c in columns.values() if c]
    if not code.strip():
        return "Type a code for the measure (e.g. q20)."
    if code.strip() in taken:
        return f"There is already a measure '{code.strip()}'."
    if not columns.get("numerator_col"):
        return "Pick the numerator column (cases meeting the standard)."
    if not (columns.get("denominator_col") or columns.get("percent_col")):
        return "Pick the denominator column, the percentage column, or both."
    if len(set(chosen)) != len(chosen):
        return "Each role needs a different column."
    return ""


def parse_task(progress: Progress, path: Path, mapping: WideMapping | None) -> tuple[ParsedBenchmark, dict]:
    """Background: read the whole file and summarise it for the preview."""
    progress.report(0, 2, f"Reading {path.name}…")
    parsed = parse_file(path, mapping)
    progress.report(1, 2, "Checking the values…")
    return parsed, summarise(parsed, problems_shown=len(parsed.problems))


def save_task(progress: Progress, store: Store, parsed: ParsedBenchmark, profile: str | None,
              replace: bool) -> int:
    """Background: store the parsed file in one transaction (own connection)."""
    progress.report(0, 1, "Storing the national values…")
    db = store.connect()
    try:
        return save_dataset(db, parsed, profile_name=profile, replace=replace)
    finally:
        db.close()


class ColumnDelegate(QStyledItemDelegate):
    """A combo of the file's column names for the numerator/denominator/percentage cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        if index.column() not in MappingModel.COLUMN_COLS:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.addItems([NONE, *self.headers])
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            current = index.data(Qt.EditRole) or NONE
            editor.setCurrentIndex(max(0, editor.findText(current)))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.EditRole)
            return
        super().setModelData(editor, model, index)


def _table(model: QAbstractItemModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class BenchmarkImportWizard(QDialog):
    """Step by step import of one national benchmark file.

    Signals:
        imported(int): the stored dataset's id.
    """

    imported = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detected: Detected | None = None
        self.parsed: ParsedBenchmark | None = None
        self.summary: dict[str, Any] = {}
        self.profile_used: str | None = None
        self.dataset_id: int | None = None
        self.busy = False
        self._header_token = 0
        self.setWindowTitle("Import a national benchmark file")
        self.mapping_model = MappingModel()
        self.measures_model = PreviewMeasuresModel()
        self.problems_model = ProblemsModel()
        self._build()
        self._connect_signals()
        self._refresh_profiles()
        self._update_buttons()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_file_page())
        self.pages.addWidget(self._build_mapping_page())
        self.pages.addWidget(self._build_preview_page())
        self.back_button = QPushButton("< Back")
        self.next_button = QPushButton("Next >")
        self.import_button = QPushButton("Import")
        self.close_button = QPushButton("Cancel")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.import_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.resize(980, 640)

    def _build_file_page(self) -> QWidget:
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file chosen")
        self.browse_button = QPushButton("Choose file…")
        self.format_label = QLabel("Choose an OHID Fingertips export, a national audit's organisation table, "
                                   "or a long table (organisation, measure, numerator, denominator, value).")
        self.format_label.setWordWrap(True)
        self.format_label.setTextFormat(Qt.RichText)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("<h3>1. Choose the file</h3>"))
        layout.addLayout(row)
        layout.addWidget(self.format_label)
        layout.addStretch(1)
        return page

    def _build_mapping_page(self) -> QWidget:
        self.id_boxes = {key: QComboBox() for key in ("org_code_col", "org_name_col", "parent_code_col",
                                                      "parent_name_col")}
        self.period_edit = QLineEdit()
        self.header_spin = QSpinBox()
        self.header_spin.setRange(1, 500)
        self.header_spin.setToolTip("The row of the file that holds the column names (the first row is 1). "
                                    "Changing it reads the columns again.")
        header_row = QHBoxLayout()
        header_row.addWidget(self.header_spin)
        header_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Header row (row number in the file)", header_row)
        for key, text in (("org_code_col", "Organisation code column"), ("org_name_col", "Organisation name column"),
                          ("parent_code_col", "Parent (trust) code column"),
                          ("parent_name_col", "Parent (trust) name column")):
            form.addRow(text, self.id_boxes[key])
        form.addRow("Period", self.period_edit)
        self.delegate = ColumnDelegate(self)
        self.mapping_view = _table(self.mapping_model)
        self.mapping_view.setItemDelegate(self.delegate)
        self.mapping_view.setEditTriggers(QTableView.AllEditTriggers)
        self.remove_measure_button = QPushButton("Remove measure")
        add_group = self._build_add_measure()
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.profile_box = QComboBox()
        self.load_profile_button = QPushButton("Load profile")
        self.profile_name_edit = QLineEdit()
        self.profile_name_edit.setPlaceholderText("Profile name, e.g. Falls audit")
        self.save_profile_button = QPushButton("Save as profile…")
        profiles = QHBoxLayout()
        for widget in (QLabel("Saved profiles:"), self.profile_box, self.load_profile_button, QLabel("  "),
                       self.profile_name_edit, self.save_profile_button):
            profiles.addWidget(widget)
        profiles.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("<h3>2. Check how the columns are read</h3>"
                                "<p>AuditLoop proposed this from the column names and by checking numerator ÷ "
                                "denominator against the percentage. Correct anything that is wrong; save it as a "
                                "profile so next year's file imports in one step.</p>"))
        layout.addLayout(form)
        layout.addWidget(self.mapping_view, 1)
        layout.addWidget(self.remove_measure_button, 0, Qt.AlignLeft)
        layout.addWidget(add_group)
        layout.addWidget(self.notes_label)
        layout.addLayout(profiles)
        return page

    def _build_add_measure(self) -> QGroupBox:
        self.new_code_edit = QLineEdit()
        self.new_code_edit.setPlaceholderText("Code, e.g. q20")
        self.new_name_edit = QLineEdit()
        self.new_name_edit.setPlaceholderText("Name, e.g. Delirium screen done")
        self.new_boxes = {key: QComboBox() for key in ROLE_LABELS}
        self.add_measure_button = QPushButton("Add measure")
        self.new_measure_message = QLabel()
        self.new_measure_message.setStyleSheet(ERROR_STYLE)
        grid = QGridLayout()
        grid.addWidget(QLabel("Code"), 0, 0)
        grid.addWidget(self.new_code_edit, 0, 1)
        grid.addWidget(QLabel("Name"), 0, 2)
        grid.addWidget(self.new_name_edit, 0, 3, 1, 3)  # names are long: it spans the last two columns
        for i, (key, text) in enumerate(ROLE_LABELS.items()):
            grid.addWidget(QLabel(text), 1, 2 * i)
            grid.addWidget(self.new_boxes[key], 1, 2 * i + 1)
        grid.addWidget(self.add_measure_button, 2, 0, 1, 2, Qt.AlignLeft)
        grid.addWidget(self.new_measure_message, 2, 2, 1, 4)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        group = QGroupBox("Add a measure the proposal missed (value = numerator ÷ denominator × 100; "
                          "change Scale to 1 for proportions)")
        group.setLayout(grid)
        return group

    def _build_preview_page(self) -> QWidget:
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.RichText)
        self.preview_measures = _table(self.measures_model)
        self.problems_view = _table(self.problems_model)
        self.save_problems_button = QPushButton("Save problems as CSV…")
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("<h3>3. Preview</h3>"))
        layout.addWidget(self.summary_label)
        layout.addWidget(QLabel("<b>Measures</b>"))
        layout.addWidget(self.preview_measures, 2)
        self.problems_heading = QLabel("<b>Problems</b>")
        layout.addWidget(self.problems_heading)
        layout.addWidget(self.problems_view, 2)
        layout.addWidget(self.save_problems_button, 0, Qt.AlignLeft)
        return page

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.remove_measure_button.clicked.connect(self._on_remove_measure_button_clicked)
        self.add_measure_button.clicked.connect(self._on_add_measure_button_clicked)
        self.new_code_edit.textChanged.connect(self._check_new_measure)
        for box in self.new_boxes.values():
            box.currentIndexChanged.connect(self._check_new_measure)
        self.header_spin.valueChanged.connect(self._on_header_spin_value_changed)
        self.load_profile_button.clicked.connect(self._on_load_profile_button_clicked)
        self.save_profile_button.clicked.connect(self._on_save_profile_button_clicked)
        self.save_problems_button.clicked.connect(self._on_save_problems_button_clicked)

    # --- state ----------------------------------------------------------------------

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        self.back_button.setEnabled(page != PAGE_FILE and not self.busy)
        self.next_button.setEnabled(page != PAGE_PREVIEW and self.detected is not None and not self.busy)
        self.import_button.setEnabled(page == PAGE_PREVIEW and self.parsed is not None and not self.busy)
        self.browse_button.setEnabled(not self.busy)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _refresh_profiles(self) -> None:
        self.profile_box.clear()
        self.profile_box.addItems(list_profiles(self.ctx.store.db))
        self.load_profile_button.setEnabled(self.profile_box.count() > 0)

    def choose_file(self, path: str) -> None:
        """Look at `path` in the background and show its detected format."""
        self.detected, self.parsed = None, None
        self.path_edit.setText(path)
        self.format_label.setText("Looking at the file…")
        self._set_busy(True)
        run_task(self, detect_task, path, on_success=self._on_detected, on_error=self._on_detect_failed,
                 title="Looking at the file…")

    def mapping(self) -> WideMapping:
        """The wide-table mapping as the widgets show it now."""
        assert self.detected is not None and self.detected.mapping is not None
        proposed = self.detected.mapping
        ids = {key: (None if box.currentText() in ("", NONE) else box.currentText())
               for key, box in self.id_boxes.items()}
        return WideMapping(header_row=proposed.header_row, measures=tuple(self.mapping_model.groups),
                           period=self.period_edit.text().strip(), sheet=proposed.sheet, notes=proposed.notes, **ids)

    def _show_mapping(self, mapping: WideMapping, headers: list[str]) -> None:
        self.delegate.headers = headers
        for key, box in self.id_boxes.items():
            box.clear()
            box.addItems([NONE, *headers])
            value = getattr(mapping, key)
            box.setCurrentIndex(max(0, box.findText(value)) if value else 0)
        for box in self.new_boxes.values():
            box.clear()
            box.addItems([NONE, *headers])
        self.header_spin.blockSignals(True)
        self.header_spin.setValue(mapping.header_row + 1)
        self.header_spin.blockSignals(False)
        self.period_edit.setText(mapping.period)
        self.mapping_model.set_rows(mapping.measures)
        self.notes_label.setText("<br>".join(escape(n) for n in mapping.notes))
        self._check_new_measure()

    def _new_columns(self) -> dict[str, str | None]:
        return {key: (None if box.currentText() in ("", NONE) else box.currentText())
                for key, box in self.new_boxes.items()}

    def _check_new_measure(self) -> str:
        """Show why the typed measure cannot be added yet; enable Add when it can."""
        problem = new_measure_problem(self.new_code_edit.text(), self._new_columns(),
                                      {g.code for g in self.mapping_model.groups})
        self.new_measure_message.setText(problem)
        self.add_measure_button.setEnabled(not problem)
        return problem

    def _show_preview(self, summary: dict[str, Any]) -> None:
        by_type = ", ".join(f"{escape(k)}: {v}" for k, v in summary["areas_by_type"].items()) or "—"
        periods = ", ".join(escape(p) for p in summary["periods"]) or "none given"
        self.summary_label.setText(
            f"<p><b>{escape(summary['file'])}</b> — {escape(FORMAT_NAMES[summary['format']])}<br>"
            f"Publisher: {escape(summary['publisher'] or 'unknown')}<br>"
            f"Organisations by area type: {by_type}<br>Periods: {periods}<br>"
            f"Rows: {summary['rows']}; suppressed cells: {summary['suppressed_cells']} (kept empty, never 0); "
            f"duplicated organisation rows left out: {summary['duplicate_rows']}; "
            f"problems: {summary['problem_count']}</p>")
        self.measures_model.set_rows(summary["measures"])
        self.problems_model.set_rows(summary["problems"])
        self.problems_heading.setText(f"<b>Problems</b> ({summary['problem_count']}: unreadable cells and "
                                      "duplicated organisation rows)")
        self.save_problems_button.setEnabled(summary["problem_count"] > 0)

    def _parse(self) -> None:
        assert self.detected is not None
        mapping = self.mapping() if self.detected.format == "national_audit_wide" else None
        if mapping is not None and not mapping.measures:
            dialogs.warn(self, "No measures", "Keep at least one measure to import.")
            return
        self.parsed = None
        self._set_busy(True)
        run_task(self, parse_task, self.detected.path, mapping, on_success=self._on_parsed,
                 on_error=self._on_task_failed, title="Reading the file…")

    # --- slots ----------------------------------------------------------------------

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        path = dialogs.open_file(self, "Choose a national benchmark file", FILE_FILTERS)
        if path:
            self.choose_file(path)

    def _on_detected(self, detected: Detected) -> None:
        self.detected = detected
        self._set_busy(False)
        self.format_label.setText(f"<p>Detected format: <b>{escape(FORMAT_NAMES[detected.format])}</b></p>"
                                  "<p>Press Next to continue.</p>")
        if detected.mapping is not None:
            self._show_mapping(detected.mapping, detected.headers)

    def _on_detect_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, KnownError):
            default_error(self, exc)
            self.format_label.setText("")
            return
        hint = f"<br>What to do: {escape(exc.hint)}" if exc.hint else ""
        self.format_label.setText(f"<p style='{ERROR_STYLE}'>{escape(exc.message)}{hint}</p>")

    def _on_task_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        default_error(self, exc)

    @Slot()
    def _on_next_button_clicked(self) -> None:
        if self.detected is None:
            return
        if self.pages.currentIndex() == PAGE_FILE and self.detected.format == "national_audit_wide":
            self.pages.setCurrentIndex(PAGE_MAPPING)
            self._update_buttons()
            return
        self._parse()

    def _on_parsed(self, result: tuple[ParsedBenchmark, dict]) -> None:
        self.parsed, self.summary = result
        self._show_preview(self.summary)
        self.pages.setCurrentIndex(PAGE_PREVIEW)
        self._set_busy(False)

    @Slot()
    def _on_back_button_clicked(self) -> None:
        wide = self.detected is not None and self.detected.format == "national_audit_wide"
        page = self.pages.currentIndex()
        self.pages.setCurrentIndex(PAGE_MAPPING if page == PAGE_PREVIEW and wide else PAGE_FILE)
        self.parsed = None
        self._update_buttons()

    @Slot()
    def _on_add_measure_button_clicked(self) -> None:
        if self._check_new_measure():
            return
        code = self.new_code_edit.text().strip()
        columns = self._new_columns()
        self.mapping_model.add_row(MeasureGroup(code=code, name=self.new_name_edit.text().strip() or code,
                                                scale=100.0, note="added by hand", **columns))
        self.new_code_edit.clear()
        self.new_name_edit.clear()
        for box in self.new_boxes.values():
            box.setCurrentIndex(0)

    @Slot(int)
    def _on_header_spin_value_changed(self, value: int) -> None:
        if self.detected is None or self.detected.mapping is None or value - 1 == self.detected.mapping.header_row:
            return
        self._header_token += 1
        token = self._header_token
        self._set_busy(True)
        run_task(self, repropose_task, self.detected.path, value - 1, self.detected.mapping,
                 on_success=lambda detected: self._on_reproposed(token, detected),
                 on_error=self._on_task_failed, title="Reading the columns…")

    def _on_reproposed(self, token: int, detected: Detected) -> None:
        if token != self._header_token:
            return  # the user moved on to another row meanwhile
        self._set_busy(False)
        self.detected = detected
        assert detected.mapping is not None
        self._show_mapping(detected.mapping, detected.headers)

    @Slot()
    def _on_remove_measure_button_clicked(self) -> None:
        index = self.mapping_view.currentIndex()
        if index.isValid():
            self.mapping_model.remove_row(index.row())

    @Slot()
    def _on_save_profile_button_clicked(self) -> None:
        name = self.profile_name_edit.text().strip()
        if not name:
            dialogs.warn(self, "Profile name", "Type a name for the profile first (e.g. 'Falls audit').")
            return
        if name in list_profiles(self.ctx.store.db) and not dialogs.ask(
                self, "Replace profile?", f"A profile called '{name}' exists. Replace it?"):
            return
        try:
            save_profile(self.ctx.store.db, name, self.mapping())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.profile_used = name
        self._refresh_profiles()
        self.profile_box.setCurrentText(name)

    @Slot()
    def _on_load_profile_button_clicked(self) -> None:
        name = self.profile_box.currentText()
        if not name or self.detected is None:
            return
        try:
            mapping = load_profile(self.ctx.store.db, name)
            headers = wide_headers(self.detected.path, mapping.header_row)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.detected = Detected(self.detected.path, self.detected.format, mapping, headers)
        self._show_mapping(mapping, headers)
        self.profile_used = name

    @Slot()
    def _on_save_problems_button_clicked(self) -> None:
        if self.parsed is None:
            return
        path = dialogs.save_file(self, "Save problems as CSV", "CSV (*.csv)",
                                 f"{self.parsed.provenance.file_name}-problems.csv")
        if not path:
            return
        try:
            export_problems(self.parsed.problems, path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)

    @Slot()
    def _on_import_button_clicked(self) -> None:
        if self.parsed is None:
            return
        replace = False
        if find_dataset_by_sha(self.ctx.store.db, self.parsed.provenance.sha256) is not None:
            replace = dialogs.ask(self, "Already imported",
                                  f"{self.parsed.provenance.file_name} (the same file, by its SHA-256 fingerprint) "
                                  "was imported before.\n\nYes: replace the stored copy (criterion links follow "
                                  "it).\nNo: skip this import and keep the stored copy.")
            if not replace:
                self.reject()
                return
        self._set_busy(True)
        run_task(self, save_task, self.ctx.store, self.parsed, self.profile_used, replace,
                 on_success=self._on_saved, on_error=self._on_task_failed, title="Importing…")

    def _on_saved(self, dataset_id: int) -> None:
        self._set_busy(False)
        self.dataset_id = dataset_id
        self.imported.emit(dataset_id)
        self.accept()
