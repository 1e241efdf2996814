"""Benchmark stage: national files, criterion links, and our result against the national picture.

Left: imported datasets (with provenance) and their measures, the form that links one of the
cycle's criteria to a national measure, and the audit's links. Right: for the selected link,
the comparison (our compliance with its Wilson 95% CI beside the national value, the
distribution of organisations, our rank, the funnel flag, our own published row) in plain
English, the funnel plot and the outlier table. The comparison is computed off the GUI thread.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.benchmark_import_wizard import BenchmarkImportWizard
from gui.charts import ChartActions, ChartCanvas
from gui.context import AppContext
from gui.stages._benchmark_models import DatasetsModel, FrameModel, LinksModel, MeasuresModel, OutliersModel
from gui.stages.base import StagePage
from gui.tasks import default_error, run_task
from gui.trust_settings_dialog import TrustSettingsDialog
from model.benchmark.benchmark_compare import (
    BenchmarkComparison,
    compare_link,
    export_outliers,
    format_proportion,
    load_identity,
)
from model.benchmark.benchmark_store import (
    link_criterion,
    links_for_audit,
    list_datasets,
    measures,
    periods_for_measure,
)
from model.benchmark.benchmarks import OUTLIER_NOTE
from model.benchmark.funnel_drawing import draw_funnel
from model.core.errors import KnownError
from model.core.progress import Progress
from model.plan.criteria import list_criteria
from model.store.store import Store

OVERDISPERSION = (("None (exact binomial limits)", None), ("Multiplicative (φ)", "multiplicative"),
                  ("Additive (random effects, τ²)", "additive"))
TABLE_FILTERS = "CSV (*.csv);;Excel workbook (*.xlsx)"
NO_LINK = ("<h3>No comparison yet</h3><p>Import a national file (a national audit's organisation table or an "
           "OHID Fingertips export), then link one of this cycle's criteria to a national measure. The comparison "
           "is indicative: check that the national definition and period match yours.</p>")


def compare_task(progress: Progress, store: Store, link_id: int, cycle_id: int, options: dict[str, Any]
                 ) -> BenchmarkComparison:
    """Background: the comparison for one link (own connection)."""
    progress.report(0, 1, "Comparing with the national figures…")
    db = store.connect()
    try:
        return compare_link(db, link_id, cycle_id, **options)
    finally:
        db.close()


def comparison_html(result: BenchmarkComparison) -> str:
    """The comparison panel: numbers side by side, distribution, funnel flag, sentences, our row."""
    v, local = result.versus, result.local
    national = (format_proportion(result.national_value) if result.national_value is not None
                else f"not in file (pooled {format_proportion(v.national_value)})")
    rows = [
        ("Our compliance", f"{format_proportion(v.value)} ({local.met} of {local.n}; 95% CI "
                           f"{format_proportion(v.ci_lower, 0)[:-1]}–{format_proportion(v.ci_upper, 0)}), "
                           f"{escape(local.cycle_title)}"),
        ("National value", national),
        ("Organisations", f"median {format_proportion(v.median)}, quartiles {format_proportion(v.q1)}–"
                          f"{format_proportion(v.q3)}"),
        ("Our rank", f"{v.rank} of {v.organisations} (1 = highest)"),
        ("Funnel limits at our n", f"95% {format_proportion(v.limits.lower_95)}–{format_proportion(v.limits.upper_95)};"
                                   f" 99.8% {format_proportion(v.limits.lower_998)}–"
                                   f"{format_proportion(v.limits.upper_998)}"),
        ("Inside the 95% limits", "yes" if v.flag == "within" else "no"),
        ("Inside the 99.8% limits", "no" if v.flag.startswith("alarm") else "yes"),
    ]
    table = "".join(f"<tr><td><b>{k}</b></td><td>{val}</td></tr>" for k, val in rows)
    where = f"{escape(result.measure_name)} ({escape(result.measure_code)}), {escape(result.dataset_file)}"
    scope = ", ".join(escape(x) for x in (result.period, result.area_type) if x)
    parts = [f"<h3>{escape(local.label)} vs national</h3>", f"<p>{where}{'; ' + scope if scope else ''}</p>",
             f"<table cellpadding='2'>{table}</table>"]
    parts += [f"<p>{escape(s)}</p>" for s in result.sentences()]
    parts.append(_our_row_html(result))
    if result.left_out:
        parts.append(f"<p><i>{result.left_out} organisation(s) without published counts (suppressed) are not "
                     "on the funnel plot.</i></p>")
    return "".join(parts)


def _our_row_html(result: BenchmarkComparison) -> str:
    if result.our_rows.empty:
        return ("<p><b>Our organisation in the national file:</b> not found by our ODS codes or name "
                "(set them with “Who we are…”).</p>")
    if result.name_match_pending:
        return "<p><b>Our organisation in the national file:</b> matched by name only, not confirmed.</p>"
    items = "".join(
        f"<li>{escape(r.code)} {escape(r.name)}: "
        + (f"{r.numerator:.0f} of {r.denominator:.0f}, " if r.numerator == r.numerator and r.denominator ==
           r.denominator else "")
        + f"{format_proportion(r.proportion)} (matched by {escape(r.match_kind)})</li>"
        for r in result.our_rows.itertuples())
    published = result.our_published()
    total = (f"<br>All our rows together: {published[0]:.0f} of {published[1]:.0f} = "
             f"{format_proportion(published[0] / published[1])}" if published and published[1] > 0 else "")
    return f"<p><b>Our organisation in the national file</b> (published figures):</p><ul>{items}</ul>{total}"


def _shrinking_combo(chars: int) -> QComboBox:
    """A drop-down whose long item texts may be cut to `chars` characters, so the page fits a small screen."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    return box


def _table(model: FrameModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectRows)
    view.setSelectionMode(QTableView.SingleSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class BenchmarkPage(StagePage):
    """National benchmark files, criterion links, comparison panel, funnel plot and outliers."""

    key = "benchmark"
    title = "Benchmark"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.datasets_model = DatasetsModel()
        self.measures_model = MeasuresModel()
        self.links_model = LinksModel()
        self.outliers_model = OutliersModel()
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
        splitter.addWidget(self._build_right())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([520, 980])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _build_left(self) -> QWidget:
        self.datasets_view = _table(self.datasets_model)
        self.measures_view = _table(self.measures_model)
        self.links_view = _table(self.links_model)
        self.criterion_box = _shrinking_combo(10)
        self.measure_box = _shrinking_combo(10)
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
        layout.addWidget(QLabel("<b>Imported national files</b>"))
        layout.addWidget(self.datasets_view, 2)
        layout.addWidget(QLabel("<b>Measures in the selected file</b>"))
        layout.addWidget(self.measures_view, 2)
        layout.addWidget(link_group)
        layout.addWidget(QLabel("<b>Links of this audit</b> (select one to compare)", wordWrap=True))
        layout.addWidget(self.links_view, 1)
        return left

    def _build_right(self) -> QWidget:
        self.compare_period_box = QComboBox()
        self.area_box = QComboBox()
        self.overdispersion_box = _shrinking_combo(14)
        for text, value in OVERDISPERSION:
            self.overdispersion_box.addItem(text, value)
            self.overdispersion_box.setItemData(self.overdispersion_box.count() - 1, text, Qt.ToolTipRole)
        self.dispersion_label = QLabel(wordWrap=True)
        # Two rows, so the page fits a 1024-pixel screen beside the national files.
        controls = QGridLayout()
        for row, (text, widget) in enumerate((("Period", self.compare_period_box), ("Area type", self.area_box))):
            controls.addWidget(QLabel(text), 0, 2 * row)
            controls.addWidget(widget, 0, 2 * row + 1)
        controls.addWidget(QLabel("Overdispersion"), 1, 0)
        controls.addWidget(self.overdispersion_box, 1, 1, 1, 3)
        controls.addWidget(self.dispersion_label, 1, 4)
        controls.setColumnStretch(4, 1)
        self.details = QTextBrowser()
        self.details.setHtml(NO_LINK)
        self.chart = ChartCanvas(figsize=(7, 4.2))
        self.chart_actions = ChartActions(self.chart, "funnel.png", export_text="Export PNG/SVG…", copy_text="Copy")
        self.export_chart_button = self.chart_actions.export_button
        self.copy_chart_button = self.chart_actions.copy_button
        chart_buttons = QHBoxLayout()
        chart_buttons.addWidget(self.chart_actions)
        chart_buttons.addStretch(1)
        chart_tab = QWidget()
        chart_layout = QVBoxLayout(chart_tab)
        chart_layout.addWidget(self.chart, 1)
        chart_layout.addLayout(chart_buttons)
        self.outliers_view = _table(self.outliers_model)
        self.outlier_note = QLabel(OUTLIER_NOTE + " Alert: beyond the 95% limit; alarm: beyond the 99.8% limit "
                                   "(HQIP's outlier wording). Outliers are listed in both directions: a positive "
                                   "outlier is good practice to learn from.")
        self.outlier_note.setWordWrap(True)
        self.export_outliers_button = QPushButton("Export outlier table…")
        outlier_tab = QWidget()
        outlier_layout = QVBoxLayout(outlier_tab)
        outlier_layout.addWidget(self.outliers_view, 1)
        outlier_layout.addWidget(self.outlier_note)
        outlier_layout.addWidget(self.export_outliers_button, 0, Qt.AlignLeft)
        self.tabs = QTabWidget()
        self.tabs.addTab(chart_tab, "Funnel plot")
        self.tabs.addTab(outlier_tab, "Outliers")
        inner = QSplitter(Qt.Vertical)
        inner.addWidget(self.details)
        inner.addWidget(self.tabs)
        inner.setStretchFactor(0, 2)
        inner.setStretchFactor(1, 3)
        inner.setSizes([340, 560])
        right = QWidget()
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(inner, 1)
        self._enable_comparison(False)
        return right

    def _connect_signals(self) -> None:
        self.settings_button.clicked.connect(self._on_settings_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.datasets_view.selectionModel().selectionChanged.connect(self._on_datasets_selection_changed)
        self.measures_view.selectionModel().selectionChanged.connect(self._on_measures_selection_changed)
        self.links_view.selectionModel().selectionChanged.connect(self._on_links_selection_changed)
        self.measure_box.currentIndexChanged.connect(self._on_measure_box_current_index_changed)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.compare_period_box.activated.connect(self._on_option_changed)
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

    def _enable_comparison(self, enabled: bool) -> None:
        for widget in (self.compare_period_box, self.area_box, self.overdispersion_box, self.export_chart_button,
                       self.copy_chart_button, self.export_outliers_button):
            widget.setEnabled(enabled)

    def _clear_comparison(self) -> None:
        self._token += 1
        self.comparison = None
        self.details.setHtml(NO_LINK)
        self.chart.figure.clear()
        self.chart.redraw()
        self.outliers_model.set_rows([])
        self.dispersion_label.setText("")
        self._enable_comparison(False)

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
        self.details.setHtml("<p>Comparing…</p>")
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
            self.details.setHtml(f"<p style='color:#b3261e'>{escape(exc.message)}</p><p>{escape(exc.hint)}</p>")
            self.chart.figure.clear()
            self.chart.redraw()
            self.outliers_model.set_rows([])
            return
        default_error(self, exc)

    def _show_comparison(self, result: BenchmarkComparison) -> None:
        self._fill_box(self.compare_period_box, result.periods, result.period)
        self._fill_box(self.area_box, result.area_types, result.area_type)
        if result.period is not None:
            self._link_periods[result.link_id] = result.period
        self.details.setHtml(comparison_html(result))
        self.outliers_model.set_frame(result.outliers)
        self.dispersion_label.setText(self._dispersion_text(result))
        self._enable_comparison(True)
        self._draw(result)

    @staticmethod
    def _fill_box(box: QComboBox, items: tuple[str, ...], current: str | None) -> None:
        box.blockSignals(True)
        box.clear()
        box.addItems(list(items))
        if current is not None:
            box.setCurrentText(current)
        box.blockSignals(False)

    @staticmethod
    def _dispersion_text(result: BenchmarkComparison) -> str:
        f = result.funnel
        if f is None or f.overdispersion is None:
            return ""
        if f.phi is None:
            return "φ cannot be estimated here"
        tau = f", τ² = {f.tau2:.5f}" if f.tau2 is not None else ""
        state = "limits widened" if f.adjusted else "φ ≤ 1: limits not widened"
        return f"φ = {f.phi:.2f}{tau} ({state})"

    def _draw(self, result: BenchmarkComparison) -> None:
        self.chart.figure.clear()
        if result.funnel is not None:
            orgs = result.organisations
            scope = ", ".join(x for x in (result.period, result.area_type) if x)
            draw_funnel(self.chart.figure, result.funnel, labels=orgs["code"].tolist(),
                        highlight_codes=orgs.loc[orgs["ours"], "code"].tolist(),
                        our_point=(result.local.n, result.local.met / result.local.n),
                        title=f"{result.measure_name}{' (' + scope + ')' if scope else ''}")
        self.chart.redraw()

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
        if dataset is None:
            self.measures_model.set_rows([])
            return
        self.measures_model.set_frame(measures(self.ctx.store.db, dataset))

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
        link = self._selected_link()
        if link is not None and self.compare_period_box.currentText():
            self._link_periods[int(link["id"])] = self.compare_period_box.currentText()
        self._compare()

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
