"""The Benchmark stage's comparison panel: options, the comparison in plain English, funnel plot, outliers.

The page runs the comparison (off the GUI thread, with `compare_task`) and hands the result here.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.charts import ChartActions, ChartCanvas
from gui.stages._benchmark_models import FrameModel, OutliersModel
from model.benchmark.benchmark_compare import BenchmarkComparison, compare_link, format_proportion
from model.benchmark.benchmarks import OUTLIER_NOTE
from model.benchmark.funnel_drawing import draw_funnel
from model.core.errors import KnownError
from model.core.progress import Progress
from model.store.store import Store

OVERDISPERSION = (("None (exact binomial limits)", None), ("Multiplicative (φ)", "multiplicative"),
                  ("Additive (random effects, τ²)", "additive"))
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


def funnel_reading(result: BenchmarkComparison) -> str:
    """The funnel plot's verdict in plain English (its accessible description and the line under it)."""
    return result.versus.describe()


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


def shrinking_combo(chars: int) -> QComboBox:
    """A drop-down whose long item texts may be cut to `chars` characters, so the page fits a small screen."""
    box = QComboBox()
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(chars)
    return box


def frame_table(model: FrameModel) -> QTableView:
    """A read-only table of one of the stage's frame models, one row selected at a time."""
    view = QTableView()
    view.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectRows)
    view.setSelectionMode(QTableView.SingleSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class ComparisonPanel(QWidget):
    """The right of the Benchmark page; it shows a comparison, a failure, or that there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outliers_model = OutliersModel()
        self.compare_period_box = QComboBox()
        self.area_box = QComboBox()
        self.overdispersion_box = shrinking_combo(14)
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
        self.compare_period_box.setAccessibleName("Period to compare")
        self.area_box.setAccessibleName("Area type to compare with")
        self.overdispersion_box.setAccessibleName("Overdispersion adjustment")
        self.details = QTextBrowser()
        self.details.setAccessibleName("How we compare with national figures")
        self.details.setHtml(NO_LINK)
        self.chart = ChartCanvas(figsize=(7, 4.2), name="Funnel plot", min_height=260)
        self.chart_actions = ChartActions(self.chart, "funnel.png")
        # The verdict heads the plot, so it is in view with the chart on a laptop screen.
        self.verdict = QLabel(wordWrap=True)
        self.verdict.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.verdict.setAccessibleName("What the funnel plot shows")
        self.export_chart_button = self.chart_actions.export_button
        self.copy_chart_button = self.chart_actions.copy_button
        chart_buttons = QHBoxLayout()
        chart_buttons.addWidget(self.chart_actions)
        chart_buttons.addStretch(1)
        chart_tab = QWidget()
        chart_layout = QVBoxLayout(chart_tab)
        chart_layout.addWidget(self.verdict)
        chart_layout.addWidget(self.chart, 1)
        chart_layout.addLayout(chart_buttons)
        self.outliers_view = frame_table(self.outliers_model)
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
        # The funnel plot and its verdict first, so both are in view on a laptop; the full details below.
        inner = QSplitter(Qt.Vertical)
        inner.addWidget(self.tabs)
        inner.addWidget(self.details)
        inner.setStretchFactor(0, 3)
        inner.setStretchFactor(1, 2)
        inner.setSizes([470, 300])
        inner.setChildrenCollapsible(False)
        self.details.setMinimumHeight(160)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(inner, 1)
        self.enable_comparison(False)

    def enable_comparison(self, enabled: bool) -> None:
        """Enable the options and exports only when a comparison is shown."""
        for widget in (self.compare_period_box, self.area_box, self.overdispersion_box, self.chart_actions,
                       self.export_outliers_button):
            widget.setEnabled(enabled)

    def clear(self) -> None:
        """No comparison: the explanation of how to get one."""
        self.details.setHtml(NO_LINK)
        self._clear_chart("")
        self.outliers_model.set_rows([])
        self.dispersion_label.setText("")
        self.enable_comparison(False)

    def show_busy(self) -> None:
        """A comparison is being computed."""
        self.details.setHtml("<p>Comparing…</p>")

    def show_failure(self, exc: KnownError) -> None:
        """Why the comparison could not be made."""
        self.details.setHtml(f"<p style='color:#b3261e'>{escape(exc.message)}</p><p>{escape(exc.hint)}</p>")
        self._clear_chart(exc.message)
        self.outliers_model.set_rows([])

    def show_result(self, result: BenchmarkComparison) -> None:
        """The comparison's text, outliers and funnel plot; the Period and Area boxes offer the file's choices."""
        self._fill_box(self.compare_period_box, result.periods, result.period)
        self._fill_box(self.area_box, result.area_types, result.area_type)
        self.details.setHtml(comparison_html(result))
        self.outliers_model.set_frame(result.outliers)
        self.dispersion_label.setText(self._dispersion_text(result))
        self.enable_comparison(True)
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

    def _clear_chart(self, why: str) -> None:
        self.chart.figure.clear()
        self.chart.redraw()
        self.chart.set_reading(why)
        self.verdict.setText(why)

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
        reading = funnel_reading(result)
        self.chart.set_reading(reading)
        self.verdict.setText(reading)
