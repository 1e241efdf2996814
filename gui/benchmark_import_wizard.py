"""Import a national benchmark file: pick → detected format → (mapping) → preview → import.

Reading and storing run off the GUI thread (gui.tasks.run_task) with progress and Cancel.
Storing is all-or-nothing (`model.benchmark.benchmark_store.save_dataset` is one transaction); a file
imported before (same SHA-256) is replaced or skipped, as the user chooses.
The pages are in gui.benchmark_import_pages, the background reading in gui.benchmark_import_tasks.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from gui import dialogs
from gui.benchmark_import_pages import BenchmarkFilePage, BenchmarkMappingPage, BenchmarkPreviewPage
from gui.benchmark_import_tasks import Detected, detect_task, ods_task, parse_task, repropose_task
from gui.context import AppContext
from gui.tasks import default_error, run_task, run_write_task
from model.benchmark.benchmark_compare import export_problems
from model.benchmark.benchmark_import import ParsedBenchmark, WideMapping, wide_headers
from model.benchmark.benchmark_store import find_dataset_by_sha, list_profiles, load_profile, save_dataset, save_profile
from model.benchmark.ods_reference import OdsReference
from model.core.errors import KnownError
from model.core.progress import Progress
from model.store.store import Store

FILE_FILTERS = "Benchmark files (*.csv *.xlsx *.xlsm *.xls *.ods);;All files (*)"
ODS_FILTERS = "ODS reference files (*.csv);;All files (*)"
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW = range(3)


def save_task(progress: Progress, store: Store, parsed: ParsedBenchmark, profile: str | None,
              replace: bool) -> int:
    """Background: store the parsed file in one transaction (own connection)."""
    progress.report(0, 1, "Storing the national values…")
    db = store.connect()
    try:
        return save_dataset(db, parsed, profile_name=profile, replace=replace)
    finally:
        db.close()


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
        self.ods_paths: list[str] = []
        self.ods_reference: OdsReference | None = None
        self._header_token = 0
        self.setWindowTitle("Import a national benchmark file")
        self._build()
        self._connect_signals()
        self._refresh_profiles()
        self._update_buttons()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.file_page = BenchmarkFilePage()
        self.mapping_page = BenchmarkMappingPage()
        self.preview_page = BenchmarkPreviewPage()
        self.pages = QStackedWidget()
        for page in (self.file_page, self.mapping_page, self.preview_page):  # in PAGE_* order
            self.pages.addWidget(page)
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
        dialogs.fit_to_screen(self, 980, 640)

    def _connect_signals(self) -> None:
        self.file_page.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.mapping_page.header_spin.valueChanged.connect(self._on_header_spin_value_changed)
        self.mapping_page.encoding_box.currentIndexChanged.connect(self._on_encoding_box_current_index_changed)
        self.mapping_page.ods_button.clicked.connect(self._on_ods_button_clicked)
        self.mapping_page.ods_clear_button.clicked.connect(self._on_ods_clear_button_clicked)
        self.mapping_page.load_profile_button.clicked.connect(self._on_load_profile_button_clicked)
        self.mapping_page.save_profile_button.clicked.connect(self._on_save_profile_button_clicked)
        self.preview_page.save_problems_button.clicked.connect(self._on_save_problems_button_clicked)

    # --- state ----------------------------------------------------------------------

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        self.back_button.setEnabled(page != PAGE_FILE and not self.busy)
        self.next_button.setEnabled(page != PAGE_PREVIEW and self.detected is not None and not self.busy)
        self.import_button.setEnabled(page == PAGE_PREVIEW and self.parsed is not None and not self.busy)
        self.file_page.browse_button.setEnabled(not self.busy)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _refresh_profiles(self) -> None:
        self.mapping_page.set_profiles(list_profiles(self.ctx.store.db))

    def choose_file(self, path: str) -> None:
        """Look at `path` in the background and show its detected format."""
        self.detected, self.parsed = None, None
        self.file_page.show_looking(path)
        self._set_busy(True)
        run_task(self, detect_task, path, on_success=self._on_detected, on_error=self._on_detect_failed,
                 title="Looking at the file…")

    def mapping(self) -> WideMapping:
        """The wide-table mapping as the widgets show it now."""
        assert self.detected is not None and self.detected.mapping is not None
        return self.mapping_page.mapping(self.detected.mapping)

    def _parse(self) -> None:
        assert self.detected is not None
        mapping = self.mapping() if self.detected.format == "national_audit_wide" else None
        if mapping is not None and not mapping.measures:
            dialogs.warn(self, "No measures", "Keep at least one measure to import.")
            return
        self.parsed = None
        self._set_busy(True)
        run_task(self, parse_task, self.detected.path, mapping, self.ods_reference, on_success=self._on_parsed,
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
        self.file_page.show_format(detected.format)
        if detected.mapping is not None:
            self.mapping_page.show_mapping(detected.mapping, detected.headers)
            self.mapping_page.encoding_box.setEnabled(detected.path.suffix.lower() not in EXCEL_SUFFIXES)

    def _on_detect_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, KnownError):
            default_error(self, exc)
            self.file_page.format_label.setText("")
            return
        self.file_page.show_problem(exc)

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
        self.preview_page.show_preview(self.summary)
        self.pages.setCurrentIndex(PAGE_PREVIEW)
        self._set_busy(False)

    @Slot()
    def _on_back_button_clicked(self) -> None:
        wide = self.detected is not None and self.detected.format == "national_audit_wide"
        page = self.pages.currentIndex()
        self.pages.setCurrentIndex(PAGE_MAPPING if page == PAGE_PREVIEW and wide else PAGE_FILE)
        self.parsed = None
        self._update_buttons()

    @Slot(int)
    def _on_header_spin_value_changed(self, value: int) -> None:
        if self.detected is None or self.detected.mapping is None or value - 1 == self.detected.mapping.header_row:
            return
        self._repropose(value - 1)

    @Slot(int)
    def _on_encoding_box_current_index_changed(self, _index: int) -> None:
        if self.detected is None or self.detected.mapping is None:
            return
        self._repropose(self.detected.mapping.header_row)

    def _repropose(self, header_row: int) -> None:
        """Read the columns again: another header row or another text encoding."""
        assert self.detected is not None and self.detected.mapping is not None
        self._header_token += 1
        token = self._header_token
        self._set_busy(True)
        run_task(self, repropose_task, self.detected.path, header_row, self.detected.mapping,
                 self.mapping_page.encoding(),
                 on_success=lambda detected: self._on_reproposed(token, detected),
                 on_error=self._on_task_failed, title="Reading the columns…")

    def _on_reproposed(self, token: int, detected: Detected) -> None:
        if token != self._header_token:
            return  # the user moved on to another row meanwhile
        self._set_busy(False)
        self.detected = detected
        assert detected.mapping is not None
        self.mapping_page.show_mapping(detected.mapping, detected.headers)

    @Slot()
    def _on_ods_button_clicked(self) -> None:
        paths = dialogs.open_files(self, "Choose the ODS reference files (etr.csv, ets.csv)", ODS_FILTERS)
        if not paths:
            return
        self._set_busy(True)
        run_task(self, ods_task, paths, on_success=lambda reference: self._on_ods_read(paths, reference),
                 on_error=self._on_ods_failed, title="Reading the ODS files…")

    def _on_ods_read(self, paths: list[str], reference: OdsReference) -> None:
        self._set_busy(False)
        self.ods_paths, self.ods_reference = paths, reference
        self.mapping_page.show_ods_files(paths)

    def _on_ods_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, KnownError):
            dialogs.show_known_error(self, exc, "ODS reference files")
        else:
            default_error(self, exc)

    @Slot()
    def _on_ods_clear_button_clicked(self) -> None:
        self.ods_paths, self.ods_reference = [], None
        self.mapping_page.show_ods_files([])

    @Slot()
    def _on_save_profile_button_clicked(self) -> None:
        name = self.mapping_page.profile_name_edit.text().strip()
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
        self.mapping_page.profile_box.setCurrentText(name)

    @Slot()
    def _on_load_profile_button_clicked(self) -> None:
        name = self.mapping_page.profile_box.currentText()
        if not name or self.detected is None:
            return
        try:
            mapping = load_profile(self.ctx.store.db, name)
            headers = wide_headers(self.detected.path, mapping.header_row, mapping.encoding)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.detected = Detected(self.detected.path, self.detected.format, mapping, headers)
        self.mapping_page.show_mapping(mapping, headers)
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
        run_write_task(self, save_task, self.ctx.store, self.parsed, self.profile_used, replace,
                 on_success=self._on_saved, on_error=self._on_task_failed, title="Importing…")

    def _on_saved(self, dataset_id: int) -> None:
        self._set_busy(False)
        self.dataset_id = dataset_id
        self.imported.emit(dataset_id)
        self.accept()
