"""Results stage: compliance per criterion, the bar chart, subgroups, the Excel export of the tables
and of the case data (pseudonymised; `gui.case_export_dialog` asks about suppression and identifiers)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import pandas as pd
import shiboken6
from PySide6.QtCore import QAbstractItemModel, QItemSelection, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.charts import ChartActions, ChartCanvas
from gui.context import AppContext
from gui.results_models import CriterionResultsModel, SubgroupResultsModel
from gui.stages.base import StagePage
from gui.table_models import read_only_table
from gui.tasks import run_task
from model.core.progress import Progress
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.results.case_export import CaseExport, export_cases
from model.results.compliance import NOT_RECORDED
from model.results.cycle_results import (
    SUBGROUP_FIELDS,
    CycleResults,
    compare_cycles,
    comparison_partners,
    cycle_results,
    cycle_subgroups,
)
from model.results.result_charts import draw_compliance_bars
from model.results.results_export import export_results
from model.store.store import Store

EXCEL_FILTER = "Excel workbook (*.xlsx)"


def load_results_task(progress: Progress, store: Store, cycle_id: int) -> CycleResults:
    """Background: a cycle's results (own connection, plain data back)."""
    with store.connect() as db:
        return cycle_results(db, cycle_id)


def load_subgroups_task(progress: Progress, store: Store, cycle_id: int, by: str) -> pd.DataFrame:
    """Background: a cycle's results split by one subgroup field."""
    with store.connect() as db:
        return cycle_subgroups(db, cycle_id, by)


def export_results_task(progress: Progress, store: Store, cycle_id: int, path: str) -> Path:
    """Background: results, every recorded subgroup split and the comparison with the previous cycle."""
    with store.connect() as db:
        results = cycle_results(db, cycle_id)
        fields = list(SUBGROUP_FIELDS)
        frames = []
        for done, by in enumerate(fields):
            progress.report(done, len(fields) + 1, f"Splitting by {SUBGROUP_FIELDS[by].lower()}…")
            frame = cycle_subgroups(db, cycle_id, by)
            if (frame["subgroup"] != NOT_RECORDED).any():  # a field nobody filled in adds nothing
                frames.append(frame)
        previous = comparison_partners(db, cycle_id).get("previous")
        comparisons = compare_cycles(db, previous.id, cycle_id) if previous is not None else []
        title = get_audit(db, get_cycle(db, cycle_id).audit_id).title
        return export_results(path, results, subgroups=frames, comparisons=comparisons,
                              threshold=results.small_number_threshold, title=title)


def export_cases_task(progress: Progress, store: Store, cycle_id: int, path: str, identifiers: bool,
                      suppress: bool) -> CaseExport:
    """Background: the cycle's cases to a workbook (read-only connection)."""
    progress.report(0, 1, "Writing the cases…")
    with store.connect() as db:
        return export_cases(db, cycle_id, path, include_identifiers=identifiers, suppress=suppress)


def results_reading(results: CycleResults) -> str:
    """The compliance chart in plain English: each criterion's sentence, as the table lists them."""
    rows = results.table.to_dict("records") if len(results.table) else []
    return " ".join(f"{row['short_name']}: {row['sentence']}" for row in rows)


def results_table_view(model: QAbstractItemModel) -> QTableView:
    """A read-only, row-selecting table view for result tables."""
    view = read_only_table(model)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    return view


class ResultTablesPage(StagePage):
    """What the Results and Compare pages share: a results table with a chart under it, a row of
    export buttons with a status line, and a token that drops results of an earlier load.

    Subclasses create `self.table` and `self.chart`, put `_export_row(...)` in their layout, call
    `_connect_export_signals()` and define `_on_export_button_clicked` (usually calling
    `_export_tables`), which `_connect_export_signals` connects to the export button.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._token = 0

    def _export_row(self, excel_text: str, chart_file: str) -> QHBoxLayout:
        self.export_button = QPushButton(excel_text)
        self.chart_actions = ChartActions(self.chart, chart_file, export_text="Export chart PNG/SVG…",
                                          copy_text="Copy chart")
        self.export_chart_button = self.chart_actions.export_button
        self.copy_chart_button = self.chart_actions.copy_button
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.chart_actions)
        row.addWidget(self.status, 1)
        return row

    def _connect_export_signals(self) -> None:
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.chart_actions.message.connect(self.status.setText)

    def selected_row(self) -> int:
        """The selected row of the results table, or -1."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _clear_chart(self) -> None:
        """Empty the chart and turn the exports off until new results arrive."""
        self.chart.figure.clear()
        self.chart.redraw()
        self.chart.set_reading("")
        self._set_exports_enabled(False)

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.export_button.setEnabled(enabled)
        self.chart_actions.setEnabled(enabled)

    def _alive(self, token: int) -> bool:
        # A late result for an earlier load, or for a page already closed, is dropped.
        return shiboken6.isValid(self) and token == self._token

    def _export_tables(self, caption: str, file_name: str, title: str, task: Callable[..., Path],
                       *args: object) -> None:
        """Ask where to save, then run `task(progress, store, *args, path)` in the background."""
        path = dialogs.save_file(self, caption, EXCEL_FILTER, file_name)
        if not path:
            return
        self.status.setText("Exporting…")
        token = self._token
        run_task(self, task, self.ctx.store, *args, path, title=title,
                 on_success=lambda written: self._on_exported(token, written))

    def _on_exported(self, token: int, written: Path) -> None:
        if self._alive(token):
            self.status.setText(f"Saved {written.name} (small numbers suppressed).")


class ResultsPage(ResultTablesPage):
    """Compliance per criterion with 95% CIs, targets and RAG; subgroups; export."""

    key = "results"
    title = "Results"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.results: CycleResults | None = None
        self.table_model = CriterionResultsModel()
        self.subgroup_model = SubgroupResultsModel()
        self._subgroups_stale = True
        self._build()
        self._connect_signals()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.heading = QLabel("<h2>Results</h2>")
        self.completeness = QLabel()
        self.completeness.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_criteria_tab(), "By criterion")
        self.tabs.addTab(self._build_subgroup_tab(), "Subgroups")
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.completeness)
        layout.addWidget(self.tabs, 1)
        export_row = self._export_row("Export tables to Excel…", "results-chart.png")
        self.cases_button = QPushButton("Export case data…")
        self.cases_button.setToolTip("The cycle's cases to Excel, pseudonymised, with a README sheet")
        export_row.insertWidget(1, self.cases_button)
        layout.addLayout(export_row)

    def _build_criteria_tab(self) -> QWidget:
        self.table = results_table_view(self.table_model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(CriterionResultsModel.COL_CRITERION, QHeaderView.Stretch)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.chart = ChartCanvas(figsize=(7, 3), name="Compliance chart", min_height=280)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.sentence)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)  # the chart never shrinks to a strip
        return splitter

    def _build_subgroup_tab(self) -> QWidget:
        self.by_box = QComboBox()
        for key, label in SUBGROUP_FIELDS.items():
            self.by_box.addItem(label, key)
        self.subgroup_table = results_table_view(self.subgroup_model)
        header = self.subgroup_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(SubgroupResultsModel.COL_CRITERION, QHeaderView.Stretch)
        self.subgroup_note = QLabel()
        self.subgroup_note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Split by:"))
        row.addWidget(self.by_box)
        row.addStretch(1)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.subgroup_table, 1)
        layout.addWidget(self.subgroup_note)
        return tab

    def _connect_signals(self) -> None:
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.by_box.currentIndexChanged.connect(self._on_by_box_current_index_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.cases_button.clicked.connect(self._on_cases_button_clicked)
        self._connect_export_signals()

    # --- public ---------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show a cycle's results (computed in the background)."""
        super().load(audit_id, cycle_id)
        self._token += 1
        self.results = None
        self._subgroups_stale = True
        self.table_model.set_rows([])
        self.subgroup_model.set_rows([])
        self.sentence.clear()
        self.status.clear()
        self._clear_chart()
        if cycle_id is None:
            self.heading.setText("<h2>Results</h2>")
            self.completeness.setText("This audit has no cycle yet: plan it and collect data first, then the "
                                      "results appear here.")
            return
        self.completeness.setText("Working out the results…")
        token = self._token
        run_task(self, load_results_task, self.ctx.store, cycle_id, show_progress=False,
                 on_success=lambda results: self._on_results_loaded(token, results))

    # --- slots ------------------------------------------------------------------------

    def _on_results_loaded(self, token: int, results: CycleResults) -> None:
        if not self._alive(token):
            return
        self.results = results
        cases = results.completeness.cases
        self.heading.setText(f"<h2>Results · {escape(results.cycle_title)}</h2>")
        self.completeness.setText(
            f"{cases} case{'s' if cases != 1 else ''}. Data completeness: {results.completeness.sentence()}. "
            "Compliance = met ÷ (met + not met): exceptions are not failures; missing answers are listed, "
            "not counted. Hover over a row for what it means.")
        self.table_model.set_frame(results.table)
        draw_compliance_bars(self.chart.figure, results.table)
        self.chart.redraw()
        self.chart.set_reading(results_reading(results))
        self._set_exports_enabled(True)
        if self.table_model.rowCount():
            self.table.selectRow(0)
        else:
            self.sentence.setText("This cycle has no criteria yet: add them in the Criteria stage.")
        if self.tabs.currentIndex() == 1:
            self._load_subgroups()

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.selected_row()
        if row >= 0:
            item = self.table_model.rows[row]
            self.sentence.setText(f"<b>{_escape(item['short_name'])}:</b> {_escape(item['sentence'])}")

    def _on_tabs_current_changed(self, index: int) -> None:
        if index == 1 and self._subgroups_stale:
            self._load_subgroups()

    def _on_by_box_current_index_changed(self, _index: int) -> None:
        self._subgroups_stale = True
        if self.tabs.currentIndex() == 1:
            self._load_subgroups()

    def _load_subgroups(self) -> None:
        if self.cycle_id is None or self.results is None:
            return
        self._subgroups_stale = False
        by = self.by_box.currentData()
        token = self._token
        self.subgroup_note.setText("Working out the subgroups…")
        run_task(self, load_subgroups_task, self.ctx.store, self.cycle_id, by, show_progress=False,
                 on_success=lambda frame: self._on_subgroups_loaded(token, by, frame))

    def _on_subgroups_loaded(self, token: int, by: str, frame: pd.DataFrame) -> None:
        if not self._alive(token) or by != self.by_box.currentData() or self.results is None:
            return
        threshold = self.results.small_number_threshold
        self.subgroup_model.set_frame(frame, threshold)
        small = int(frame["small_number"].sum()) if len(frame) else 0
        text = (f"Rows in grey italics have small numbers (fewer than {threshold}): they are shown here for the "
                "team and suppressed when the tables are exported. ") if small else ""
        text += ("The last column is an indicative test of difference between groups (cases with no recorded "
                 f"{SUBGROUP_FIELDS[by].lower()} are left out of it); audit samples are rarely random, so treat "
                 "it as a pointer, not proof.")
        if not len(frame):
            text = "No answers to split yet."
        self.subgroup_note.setText(text)

    def _on_export_button_clicked(self) -> None:
        if self.cycle_id is not None:
            self._export_tables("Export results tables", "results.xlsx", "Exporting the results…",
                                export_results_task, self.cycle_id)

    def _set_exports_enabled(self, enabled: bool) -> None:
        super()._set_exports_enabled(enabled)
        self.cases_button.setEnabled(enabled)

    def _on_cases_button_clicked(self) -> None:
        from gui.case_export_dialog import WARNING, CaseExportDialog

        if self.cycle_id is None or self.results is None:
            return
        choice = CaseExportDialog(self.results.small_number_threshold, self)
        if choice.exec() != CaseExportDialog.Accepted:
            return
        identifiers, suppress = choice.identifiers(), choice.suppress()
        if identifiers and not dialogs.ask(self, "Include identifiers?", WARNING + "\n\nWrite NHS and hospital "
                                           "numbers into the workbook?"):
            return
        path = dialogs.save_file(self, "Export case data", EXCEL_FILTER, "cases.xlsx")
        if not path:
            return
        self.status.setText("Exporting the cases…")
        token = self._token
        run_task(self, export_cases_task, self.ctx.store, self.cycle_id, path, identifiers, suppress,
                 title="Exporting the cases…",
                 on_success=lambda done: self._on_cases_exported(token, done, suppress))

    def _on_cases_exported(self, token: int, done: CaseExport, suppress: bool) -> None:
        if self._alive(token):
            how = "with NHS and hospital numbers" if done.identifiers else "pseudonymised"
            small = ", small numbers suppressed" if suppress else ""
            self.status.setText(f"Saved {done.path.name}: {done.cases} cases, {how}{small}.")


def _escape(text: object) -> str:
    return escape(str(text))
