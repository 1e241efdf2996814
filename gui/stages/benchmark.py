"""Benchmark stage: national files, criterion links, and our result against the national picture.

Left: imported datasets (with provenance) and their measures, the form that links one of the
cycle's criteria to a national measure, and the audit's links. Right: for the selected link,
the comparison (our compliance with its Wilson 95% CI beside the national value, the
distribution of organisations, our rank, the funnel flag, our own published row) in plain
English, the funnel plot and the outlier table. The comparison is computed off the GUI thread.
"""

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.benchmark_import_wizard import BenchmarkImportWizard
from gui.context import AppContext
from gui.stages._benchmark_models import DatasetsModel, LinksModel, MeasuresModel
from gui.stages._benchmark_panel import ComparisonPanel, compare_task, frame_table, shrinking_combo
from gui.stages.base import StagePage
from gui.tasks import default_error, run_task
from gui.trust_settings_dialog import TrustSettingsDialog
from model.benchmark.benchmark_compare import BenchmarkComparison, export_outliers, load_identity
from model.benchmark.benchmark_store import (
    delete_dataset,
    link_criterion,
    links_for_audit,
    list_datasets,
    measures,
    periods_for_measure,
    set_link_period,
)
from model.core.errors import KnownError
from model.plan.criteria import list_criteria

TABLE_FILTERS = "CSV (*.csv);;Excel workbook (*.xlsx)"


class BenchmarkPage(StagePage):
    """National benchmark files, criterion links, comparison panel, funnel plot and outliers."""

    key = "benchmark"
    title = "Benchmark"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.datasets_model = DatasetsModel()
        self.measures_model = MeasuresModel()
        self.links_model = LinksModel()
        self.comparison: BenchmarkComparison | None = None
        self._token = 0
        self._link_periods: dict[int, str] = {}
        self._name_answers: dict[int, bool] = {}
        self._build()
        self._connect_signals()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.who_label = QLabel()
        self.who_label.setWordWrap(True)
        self.settings_button = QPushButton("Who we are…")
        self.import_button = QPushButton("Import national file…")
        top = QHBoxLayout()
        top.addWidget(QLabel("<h2>Benchmark</h2>"))
        top.addWidget(self.who_label, 1)
        top.addWidget(self.settings_button)
        top.addWidget(self.import_button)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self._build_left())
        self.panel = ComparisonPanel()
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 980])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        # The panel's parts, under the names the page's tests and the screenshot script use.
        self.details = self.panel.details
        self.chart = self.panel.chart
        self.tabs = self.panel.tabs
        self.outliers_model = self.panel.outliers_model
        self.compare_period_box = self.panel.compare_period_box
        self.area_box = self.panel.area_box
        self.overdispersion_box = self.panel.overdispersion_box
        self.dispersion_label = self.panel.dispersion_label
        self.export_chart_button = self.panel.export_chart_button
        self.copy_chart_button = self.panel.copy_chart_button
        self.export_outliers_button = self.panel.export_outliers_button

    def _build_left(self) -> QWidget:
        self.datasets_view = frame_table(self.datasets_model)
        self.measures_view = frame_table(self.measures_model)
        self.links_view = frame_table(self.links_model)
        self.datasets_view.setAccessibleName("Imported national files")
        self.delete_dataset_button = QPushButton("Delete file…")
        self.delete_dataset_button.setAccessibleName("Delete the selected national file")
        self.delete_dataset_button.setToolTip("Remove the selected national file with its measures and the "
                                              "criterion links to them (Delete key in the list).")
        self.delete_dataset_button.setEnabled(False)
        self.delete_dataset_shortcut = QShortcut(QKeySequence.Delete, self.datasets_view)
        self.delete_dataset_shortcut.setContext(Qt.WidgetShortcut)  # only while the file list has the focus
        self.criterion_box = shrinking_combo(10)
        self.measure_box = shrinking_combo(10)
        self.period_box = QComboBox()
        self.difference_edit = QLineEdit()
        self.difference_edit.setPlaceholderText("e.g. national counts within 24 h; we audit 14 h")
        self.link_button = QPushButton("Link criterion")
        form = QFormLayout()
        form.addRow("Our criterion", self.criterion_box)
        form.addRow("National measure", self.measure_box)
        form.addRow("Period", self.period_box)
        form.addRow("Definition difference", self.difference_edit)
        form.addRow("", self.link_button)
        link_group = QGroupBox("Link a criterion to a national measure")
        link_group.setLayout(form)
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 0, 0)
        files = QHBoxLayout()
        files.addWidget(QLabel("<b>Imported national files</b>"), 1)
        files.addWidget(self.delete_dataset_button)
        layout.addLayout(files)
        layout.addWidget(self.datasets_view, 2)
        layout.addWidget(QLabel("<b>Measures in the selected file</b>"))
        layout.addWidget(self.measures_view, 2)
        layout.addWidget(link_group)
        layout.addWidget(QLabel("<b>Links of this audit</b> (select one to compare)", wordWrap=True))
        layout.addWidget(self.links_view, 1)
        return left

    def _connect_signals(self) -> None:
        self.settings_button.clicked.connect(self._on_settings_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.delete_dataset_button.clicked.connect(self._on_delete_dataset_button_clicked)
        self.delete_dataset_shortcut.activated.connect(self._on_delete_dataset_button_clicked)
        self.datasets_view.selectionModel().selectionChanged.connect(self._on_datasets_selection_changed)
        self.measures_view.selectionModel().selectionChanged.connect(self._on_measures_selection_changed)
        self.links_view.selectionModel().selectionChanged.connect(self._on_links_selection_changed)
        self.measure_box.currentIndexChanged.connect(self._on_measure_box_current_index_changed)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.compare_period_box.activated.connect(self._on_compare_period_box_activated)
        self.area_box.activated.connect(self._on_option_changed)
        self.overdispersion_box.currentIndexChanged.connect(self._on_option_changed)
        self.export_outliers_button.clicked.connect(self._on_export_outliers_button_clicked)

    # --- public ---------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show the datasets, this cycle's criteria and the audit's links (quick reads only)."""
        super().load(audit_id, cycle_id)
        self._show_identity()
        self._load_criteria()
        self._load_datasets()
        self._load_links()

    def overdispersion(self) -> str | None:
        """The chosen overdispersion method (None, "multiplicative" or "additive")."""
        return self.overdispersion_box.currentData()

    # --- loading --------------------------------------------------------------------

    def _show_identity(self) -> None:
        who = load_identity(self.ctx.store.db)
        if not who.code:
            self.who_label.setText("<i>Set who we are (trust name and ODS codes) to find our rows in national "
                                   "files.</i>")
            return
        sites = f"; sites {', '.join(who.site_codes)}" if who.site_codes else ""
        self.who_label.setText(f"We are: {escape(who.name or '(no name)')} ({escape(who.code)}{escape(sites)})")

    def _load_datasets(self) -> None:
        selected = self._selected_dataset()
        self.datasets_model.set_frame(list_datasets(self.ctx.store.db))
        all_measures = measures(self.ctx.store.db)
        self.measure_box.blockSignals(True)
        self.measure_box.clear()
        for m in all_measures.itertuples():
            text = f"{m.measure_code} {m.name} — {m.file_name}"
            self.measure_box.addItem(text, int(m.id))
            self.measure_box.setItemData(self.measure_box.count() - 1, text, Qt.ToolTipRole)
        self.measure_box.blockSignals(False)
        self._on_measure_box_current_index_changed()
        rows = [r["id"] for r in self.datasets_model.rows]
        self.datasets_view.selectRow(rows.index(selected) if selected in rows else 0)
        if not rows:
            self.measures_model.set_rows([])
        self.delete_dataset_button.setEnabled(self._selected_dataset() is not None)

    def _load_criteria(self) -> None:
        self.criterion_box.clear()
        if self.cycle_id is None:
            return
        for c in list_criteria(self.ctx.store.db, self.cycle_id):
            self.criterion_box.addItem(c.label, c.lineage)
            self.criterion_box.setItemData(self.criterion_box.count() - 1, c.statement, Qt.ToolTipRole)

    def _load_links(self) -> None:
        if self.audit_id is None:
            self.links_model.set_rows([])
            return
        labels = {self.criterion_box.itemData(i): self.criterion_box.itemText(i)
                  for i in range(self.criterion_box.count())}
        links = links_for_audit(self.ctx.store.db, self.audit_id)
        links["criterion"] = links["criterion_lineage"].map(labels).fillna("(not in this cycle)")
        self.links_model.set_frame(links)
        if self.links_model.rowCount():
            self.links_view.selectRow(0)
        else:
            self._clear_comparison()

    def _selected_dataset(self) -> int | None:
        rows = self.datasets_view.selectionModel().selectedRows()
        return int(self.datasets_model.row(rows[0].row())["id"]) if rows else None

    def _selected_link(self) -> dict[str, Any] | None:
        rows = self.links_view.selectionModel().selectedRows()
        return self.links_model.row(rows[0].row()) if rows else None

    # --- comparison -----------------------------------------------------------------

    def _clear_comparison(self) -> None:
        self._token += 1
        self.comparison = None
        self.panel.clear()

    def _compare(self) -> None:
        link = self._selected_link()
        if link is None or self.cycle_id is None:
            self._clear_comparison()
            return
        link_id = int(link["id"])
        options = {
            # This session's choice in the Period box, else the period chosen when linking.
            "period": self._link_periods.get(link_id) or (link["period"] if isinstance(link["period"], str) else None),
            "area_type": self.area_box.currentText() or None,
            "overdispersion": self.overdispersion(),
            "accept_name_match": self._name_answers.get(link_id, False),
        }
        self._token += 1
        token = self._token
        self.panel.show_busy()
        run_task(self, compare_task, self.ctx.store, link_id, self.cycle_id, options,
                 on_success=lambda result: self._on_compared(token, result),
                 on_error=lambda exc: self._on_compare_failed(token, exc), title="Comparing…")

    def _on_compared(self, token: int, result: BenchmarkComparison) -> None:
        if token != self._token:
            return  # a newer request is on its way
        if result.name_match_pending and result.link_id not in self._name_answers:
            names = "; ".join(sorted(set(result.our_rows["name"])))
            accepted = dialogs.ask(self, "Is this us?",
                                   f"No row in {result.dataset_file} has our ODS codes, but these match our trust's "
                                   f"name: {names}.\n\nNames change at mergers. Use these rows as ours?")
            self._name_answers[result.link_id] = accepted
            if accepted:
                self._compare()
                return
        self.comparison = result
        self._show_comparison(result)

    def _on_compare_failed(self, token: int, exc: BaseException) -> None:
        if token != self._token:
            return
        self.comparison = None
        if isinstance(exc, KnownError):
            self.panel.show_failure(exc)
            return
        default_error(self, exc)

    def _show_comparison(self, result: BenchmarkComparison) -> None:
        if result.period is not None:
            self._link_periods[result.link_id] = result.period
        self.panel.show_result(result)

    # --- slots ----------------------------------------------------------------------

    @Slot()
    def _on_settings_button_clicked(self) -> None:
        dialog = TrustSettingsDialog(self.ctx, self)
        if dialog.exec():
            self._show_identity()
            self._name_answers.clear()
            self._compare()

    @Slot()
    def _on_import_button_clicked(self) -> None:
        wizard = BenchmarkImportWizard(self.ctx, self)
        # Deleted once closed (accepted, cancelled or skipped), so repeated imports leave nothing behind;
        # `imported` is emitted before the wizard closes, and its tasks check that it still exists.
        wizard.setAttribute(Qt.WA_DeleteOnClose)
        wizard.imported.connect(self._on_wizard_imported)
        wizard.open()

    def _on_wizard_imported(self, dataset_id: int) -> None:
        self._load_datasets()
        rows = [r["id"] for r in self.datasets_model.rows]
        if dataset_id in rows:
            self.datasets_view.selectRow(rows.index(dataset_id))
        self._load_links()  # a replaced file keeps its links, now pointing at the new copy
        self.data_changed.emit()

    @Slot(QItemSelection, QItemSelection)
    def _on_datasets_selection_changed(self, *_: object) -> None:
        dataset = self._selected_dataset()
        self.delete_dataset_button.setEnabled(dataset is not None)
        if dataset is None:
            self.measures_model.set_rows([])
            return
        self.measures_model.set_frame(measures(self.ctx.store.db, dataset))

    @Slot()
    def _on_delete_dataset_button_clicked(self) -> None:
        rows = self.datasets_view.selectionModel().selectedRows()
        if not rows:
            return
        dataset = self.datasets_model.row(rows[0].row())
        dataset_id = int(dataset["id"])
        ours = sum(1 for link in self.links_model.rows if int(link["dataset_id"]) == dataset_id)
        here = f" ({ours} of them in this audit)" if ours else ""
        if not dialogs.ask(self, "Delete national file",
                           f"Delete {dataset['file_name']} with its {int(dataset['measure_count'])} measure(s) and "
                           f"every criterion link to them, in any audit{here}? This cannot be undone; the file "
                           "can be imported again."):
            return
        delete_dataset(self.ctx.store.db, dataset_id)
        self._load_datasets()
        self._load_links()
        self.data_changed.emit()

    @Slot(QItemSelection, QItemSelection)
    def _on_measures_selection_changed(self, *_: object) -> None:
        rows = self.measures_view.selectionModel().selectedRows()
        if rows:
            index = self.measure_box.findData(int(self.measures_model.row(rows[0].row())["id"]))
            self.measure_box.setCurrentIndex(index)

    @Slot()
    def _on_measure_box_current_index_changed(self) -> None:
        measure_id = self.measure_box.currentData()
        self.period_box.clear()
        if measure_id is not None:
            self.period_box.addItems(periods_for_measure(self.ctx.store.db, int(measure_id)))
            self.period_box.setCurrentIndex(self.period_box.count() - 1)  # latest
        self.link_button.setEnabled(measure_id is not None and self.criterion_box.count() > 0)

    @Slot()
    def _on_link_button_clicked(self) -> None:
        lineage, measure_id = self.criterion_box.currentData(), self.measure_box.currentData()
        if self.audit_id is None or lineage is None or measure_id is None:
            return
        link_id = link_criterion(self.ctx.store.db, self.audit_id, str(lineage), int(measure_id),
                                 self.difference_edit.text().strip(), period=self.period_box.currentText() or None)
        self._link_periods.pop(link_id, None)  # the period just stored wins over an earlier session choice
        self.difference_edit.clear()
        self._load_links()
        ids = [int(r["id"]) for r in self.links_model.rows]
        self.links_view.selectRow(ids.index(link_id))
        self.data_changed.emit()

    @Slot(QItemSelection, QItemSelection)
    def _on_links_selection_changed(self, *_: object) -> None:
        self.area_box.clear()
        self._compare()

    @Slot()
    def _on_option_changed(self) -> None:
        self._compare()

    @Slot()
    def _on_compare_period_box_activated(self) -> None:
        # The user chose another national period: remembered with the link, as the one chosen
        # when linking is, so the report and the next session compare the same period.
        link, period = self._selected_link(), self.compare_period_box.currentText()
        if link is None or not period:
            return
        link_id = int(link["id"])
        set_link_period(self.ctx.store.db, link_id, period)
        self._link_periods[link_id] = period
        self._load_links()  # the links table shows the period; selecting the link again compares
        self.links_view.selectRow([int(r["id"]) for r in self.links_model.rows].index(link_id))
        self.data_changed.emit()

    @Slot()
    def _on_export_outliers_button_clicked(self) -> None:
        if self.comparison is None:
            return
        path = dialogs.save_file(self, "Export outlier table", TABLE_FILTERS, "outliers.csv")
        if not path:
            return
        result = self.comparison
        title = f"{result.measure_name} ({result.measure_code}), {result.dataset_file}, {result.period or ''}"
        try:
            written = export_outliers(result.outliers, Path(path), title=title)
        except KnownError as exc:
            self.show_error(exc)
            return
        dialogs.inform(self, "Outlier table saved", f"Saved {written.name}.")
