"""Compare stage: this cycle against the previous one or the baseline; SPC over time in a second tab."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, Qt, QUrl
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.charts import ChartCanvas
from gui.context import AppContext
from gui.results_models import TEST_NAMES, ComparisonModel
from gui.stages.results import ResultTablesPage, results_table_view
from gui.tasks import run_task
from model.core.progress import Progress
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.results.cycle_results import CriterionComparison, compare_cycles, comparison_partners, expected_counts
from model.results.narrative import format_p, format_pct
from model.results.result_charts import draw_comparison
from model.results.results_export import export_results
from model.store.store import Store

if TYPE_CHECKING:
    from gui.spc_view import SpcView

COLUMN_WIDTHS = {ComparisonModel.COL_CRITERION: 160, ComparisonModel.COL_EARLIER: 100, ComparisonModel.COL_LATER: 100,
                 ComparisonModel.COL_DIFFERENCE: 120}
NOTHING_TO_COMPARE = (
    "<h3>Nothing to compare yet</h3>"
    "<p>This is the baseline (cycle 1): there is no earlier cycle to compare it with.</p>"
    "<p>A complete audit measures again once the agreed actions are in place. To start the re-audit, go to "
    "the <b>Plan</b> stage and start the next cycle: it copies this cycle's criteria, so the two can be "
    "compared criterion by criterion. Collect its data, then come back here to see what changed.</p>"
)


def compare_task(progress: Progress, store: Store, earlier_id: int, later_id: int) -> list[CriterionComparison]:
    """Background: two cycles compared (own connection, plain data back)."""
    with store.connect() as db:
        return compare_cycles(db, earlier_id, later_id)


def export_comparison_task(progress: Progress, store: Store, earlier_id: int, later_id: int, path: str) -> Path:
    """Background: the comparison table to Excel, small numbers suppressed."""
    with store.connect() as db:
        audit = get_audit(db, get_cycle(db, later_id).audit_id)
        return export_results(path, comparisons=compare_cycles(db, earlier_id, later_id),
                              threshold=audit.small_number_threshold, title=audit.title)


STATISTICS_LINK = "#statistics"


def details_html(item: CriterionComparison, *, statistics: bool = False) -> str:
    """The details panel as HTML: what the change means in plain words first, then the counts;
    the statistics (interval, the three p-values, the test used, expected counts) only when asked."""
    parts = [f"<h3>{escape(item.name)}</h3>", f"<p>{escape(item.verdict)}</p>"]
    parts += [f"<p style='color:#b3261e'>⚠ Definition changed between the cycles: {escape(item.definition_change)}."
              " Read the comparison with care: the two cycles may not measure the same thing.</p>"
              ] if item.definition_change else []
    parts += [f"<p style='color:#b3261e'>⚠ {escape(item.standard_change)}</p>"] if item.standard_change else []
    c = item.comparison
    if c is None or c.test_used == "none":
        return "".join(parts)
    parts.append(
        "<table cellpadding='3'>"
        f"<tr><td>{escape(item.earlier_label)}</td><td>{c.x1} of {c.n1} met</td><td>{format_pct(c.p1, 1)}</td></tr>"
        f"<tr><td>{escape(item.later_label)}</td><td>{c.x2} of {c.n2} met</td><td>{format_pct(c.p2, 1)}</td></tr>"
        "</table>")
    if not statistics:
        parts.append(f"<p><a href='{STATISTICS_LINK}'>Show the statistics</a> (the test used, p-values, "
                     "intervals and expected counts)</p>")
        return "".join(parts)
    parts.append(f"<p><a href='{STATISTICS_LINK}'>Hide the statistics</a></p>")
    parts.append(f"<p><b>Difference</b>: {escape(item.difference_text)} (Newcombe)</p>")
    parts.append(
        "<p><b>p-values</b> (indicative):</p><table cellpadding='3'>"
        f"<tr><td>χ² without continuity correction</td><td>{escape(format_p(c.chi2_p))}</td></tr>"
        f"<tr><td>Fisher's exact test, two-sided</td><td>{escape(format_p(c.fisher_p))}</td></tr>"
        f"<tr><td>χ² with Yates' correction</td><td>{escape(format_p(c.yates_p))}</td></tr></table>"
        f"<p>Used: <b>{TEST_NAMES[c.test_used]}</b>. {escape(item.test_text)}</p>")
    expected = expected_counts(c)
    if expected is not None:
        cells = "".join(f"<tr><td>{escape(label)}</td><td>{row[0]:.1f}</td><td>{row[1]:.1f}</td></tr>"
                        for label, row in zip((item.earlier_label, item.later_label), expected, strict=True))
        parts.append("<p><b>Expected counts</b> if nothing had changed (smallest "
                     f"{c.min_expected:.1f}; χ² needs every one to be 5 or more):</p>"
                     f"<table cellpadding='3'><tr><td></td><td>Met</td><td>Not met</td></tr>{cells}</table>")
    return "".join(parts)


def comparison_reading(items: list[CriterionComparison]) -> str:
    """The comparison chart in plain English: each criterion's verdict, as the table says it."""
    return " ".join(f"{item.name}: {item.verdict}" for item in items)


class ComparePage(ResultTablesPage):
    """Cycle comparison (previous or baseline) and, in a second tab, SPC over time."""

    key = "compare"
    title = "Compare"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = ComparisonModel()
        self.comparisons: list[CriterionComparison] = []
        self.spc_view: SpcView | None = None
        self.show_statistics = False  # the statistics under the plain reading, one click away
        self._spc_stale = True
        self._build()
        self._connect_signals()

    # --- layout ---------------------------------------------------------------------

    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_comparison_tab(), "Cycle comparison")
        self.spc_holder = QWidget()
        QVBoxLayout(self.spc_holder).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.spc_holder, "Over time (SPC)")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Compare</h2>"))
        layout.addWidget(self.tabs, 1)

    def _build_comparison_tab(self) -> QWidget:
        self.partner_box = QComboBox()
        self.partner_box.setAccessibleName("Cycle to compare with")
        self.standard_flag = QLabel()
        self.standard_flag.setWordWrap(True)
        self.standard_flag.setStyleSheet("color: #b3261e;")
        self.standard_flag.hide()
        self.table = results_table_view(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        # Names and intervals wrap in columns of set widths, so "What it means" stays in view on a small screen.
        for col, width in COLUMN_WIDTHS.items():
            header.setSectionResizeMode(col, QHeaderView.Interactive)
            header.resizeSection(col, width)
        header.setSectionResizeMode(ComparisonModel.COL_VERDICT, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setMinimumHeight(170)  # the header and three two-line rows: the page scrolls for the rest
        self.details = QTextBrowser()
        self.details.setAccessibleName("What the change means, for the selected criterion")
        self.details.setOpenLinks(False)  # "Show the statistics" is handled here
        self.statistics_button = QPushButton("Show the statistics")
        self.statistics_button.setCheckable(True)
        self.statistics_button.setAccessibleName("Show the statistics for the selected criterion")
        self.statistics_button.setToolTip("The test used, the p-values, the interval of the difference and the "
                                          "expected counts.")
        detail_box = QWidget()
        detail_layout = QVBoxLayout(detail_box)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.details, 1)
        detail_layout.addWidget(self.statistics_button, 0, Qt.AlignLeft)
        self.chart = ChartCanvas(figsize=(6, 3), name="Comparison chart", min_height=260)
        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(detail_box)
        lower.addWidget(self.chart)
        lower.setSizes([300, 520])  # the chart needs the width at 1024 pixels; the details wrap
        lower.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)  # neither the table nor the chart shrinks to a strip
        row = QHBoxLayout()
        row.addWidget(QLabel("Compare this cycle with:"))
        row.addWidget(self.partner_box)
        row.addStretch(1)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.standard_flag)
        layout.addWidget(splitter, 1)
        layout.addLayout(self._export_row("Export comparison to Excel…", "comparison-chart.png"))
        self.nothing = QLabel(NOTHING_TO_COMPARE)
        self.nothing.setWordWrap(True)
        self.nothing.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.comparison_stack = QStackedWidget()
        self.comparison_stack.addWidget(self.nothing)
        self.comparison_stack.addWidget(content)
        return self.comparison_stack

    def _connect_signals(self) -> None:
        self.partner_box.currentIndexChanged.connect(self._on_partner_box_current_index_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.details.anchorClicked.connect(self._on_details_anchor_clicked)
        self.statistics_button.toggled.connect(self._on_statistics_button_toggled)
        self._connect_export_signals()

    # --- public ---------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show the comparison for this cycle (computed in the background) and mark SPC for reload."""
        super().load(audit_id, cycle_id)
        self._spc_stale = True
        partners = comparison_partners(self.ctx.store.db, cycle_id) if cycle_id is not None else {}
        self.partner_box.blockSignals(True)
        self.partner_box.clear()
        for key, text in (("previous", "the previous cycle"), ("baseline", "the baseline")):
            if key in partners:
                self.partner_box.addItem(f"{text}: {partners[key].title}", partners[key].id)
        self.partner_box.blockSignals(False)
        self.comparison_stack.setCurrentIndex(1 if partners else 0)
        if cycle_id is None:
            self.nothing.setText("<h3>Nothing to compare yet</h3><p>This audit has no cycle yet: plan it, "
                                 "collect the baseline data, then re-audit.</p>")
        else:
            self.nothing.setText(NOTHING_TO_COMPARE)
        self._load_comparison()
        if self.tabs.currentIndex() == 1:
            self._load_spc()

    def show_spc(self) -> None:
        """Open the "Over time (SPC)" tab."""
        self.tabs.setCurrentIndex(1)

    # --- comparison -----------------------------------------------------------------

    def _load_comparison(self) -> None:
        self._token += 1
        self.comparisons = []
        self.model.set_comparisons([])
        self.details.clear()
        self.status.clear()
        self.standard_flag.hide()
        self._clear_chart()
        earlier = self.partner_box.currentData()
        if earlier is None or self.cycle_id is None:
            return
        token = self._token
        run_task(self, compare_task, self.ctx.store, earlier, self.cycle_id, show_progress=False,
                 on_success=lambda items: self._on_compared(token, items))

    def _on_compared(self, token: int, items: list[CriterionComparison]) -> None:
        if not self._alive(token):
            return
        self.comparisons = items
        self.model.set_comparisons(items)
        flag = next((c.standard_change for c in items if c.standard_change), "")
        self.standard_flag.setText(f"⚠ {flag}")
        self.standard_flag.setVisible(bool(flag))
        draw_comparison(self.chart.figure, items)
        self.chart.redraw()
        self.chart.set_reading(comparison_reading(items))
        self._set_exports_enabled(True)
        if items:
            self.table.selectRow(0)

    def _on_partner_box_current_index_changed(self, _index: int) -> None:
        self._load_comparison()

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_details()

    def _show_details(self) -> None:
        row = self.selected_row()
        if row >= 0:
            self.details.setHtml(details_html(self.model.comparison(row), statistics=self.show_statistics))

    def _on_details_anchor_clicked(self, url: QUrl) -> None:
        if url.toString() == STATISTICS_LINK:
            self.statistics_button.toggle()

    def _on_statistics_button_toggled(self, checked: bool) -> None:
        self.show_statistics = checked
        self.statistics_button.setText("Hide the statistics" if checked else "Show the statistics")
        self._show_details()

    def _on_export_button_clicked(self) -> None:
        earlier = self.partner_box.currentData()
        if earlier is not None and self.cycle_id is not None:
            self._export_tables("Export comparison", "comparison.xlsx", "Exporting the comparison…",
                                export_comparison_task, earlier, self.cycle_id)

    # --- SPC tab ----------------------------------------------------------------------

    def _on_tabs_current_changed(self, index: int) -> None:
        if index == 1 and self._spc_stale:
            self._load_spc()

    def _load_spc(self) -> None:
        self._spc_stale = False
        if self.spc_view is None:
            self.spc_view = self._make_spc_view()
            self.spc_holder.layout().addWidget(self.spc_view)
        self.spc_view.load(self.audit_id, self.cycle_id)

    def _make_spc_view(self) -> SpcView:
        # Import the SPC view (and matplotlib behind it) only when its tab is first opened.
        from gui.spc_view import SpcView

        return SpcView(self.ctx)
