"""Compare stage on the demo data: comparison table, details, flags, export, SPC tab."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtCore import Qt, QUrl

from gui.results_models import ComparisonModel
from gui.stages.compare import ComparePage
from gui.workspace import _page_class
from model.plan.criteria import list_criteria, save_criterion
from model.plan.cycles import get_cycle, list_cycles, update_cycle
from model.results.cycle_results import compare_cycles

VTE = 1


def cycle_ids(ctx) -> list[int]:
    return [c.id for c in list_cycles(ctx.store.db, VTE)]


def open_page(qtbot, ctx, cycle_number: int = 2) -> ComparePage:
    page = ComparePage(ctx)
    qtbot.addWidget(page)
    page.load(VTE, cycle_ids(ctx)[cycle_number - 1])
    if cycle_number > 1:
        qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    return page


def test_workspace_finds_the_page():
    assert _page_class("compare") is ComparePage


def test_three_comparisons_with_verdicts(qtbot, ctx):
    page = open_page(qtbot, ctx)
    first, second = cycle_ids(ctx)
    expected = compare_cycles(ctx.store.db, first, second)
    model = page.model
    assert model.rowCount() == 3
    for row, item in enumerate(expected):
        verdict = model.data(model.index(row, ComparisonModel.COL_VERDICT))
        assert item.verdict.startswith(verdict) and verdict.endswith(".") and len(verdict) > 20
        assert model.data(model.index(row, ComparisonModel.COL_VERDICT), Qt.ToolTipRole) == item.verdict
        c = item.comparison
        difference = f"{c.difference * 100:+.1f} ({c.ci_lower * 100:.1f} to {c.ci_upper * 100:.1f})"
        assert model.data(model.index(row, ComparisonModel.COL_DIFFERENCE)) == difference.replace("-", "−")
        assert model.data(model.index(row, ComparisonModel.COL_FLAGS)) == ""
    assert page.partner_box.count() == 2  # previous and baseline (both cycle 1 here)
    assert page.standard_flag.isHidden()
    assert len(page.chart.figure.axes) == 1


def test_details_lead_with_the_plain_sentence_and_hide_the_statistics(qtbot, ctx):
    page = open_page(qtbot, ctx)
    item = page.model.comparison(0)
    document = page.details.document()
    paragraphs = [document.findBlockByNumber(i).text() for i in range(document.blockCount())]
    assert paragraphs[0] == item.name
    assert paragraphs[1] == item.verdict  # the first paragraph under the heading: what it means
    text = page.details.toPlainText()
    for statistic in ("χ² without continuity correction", "Fisher", "Yates", "Expected counts", "Newcombe"):
        assert statistic not in text
    assert "Show the statistics" in text and not page.statistics_button.isChecked()


def test_show_the_statistics_by_button_and_by_link(qtbot, ctx):
    page = open_page(qtbot, ctx)
    assert page.statistics_button.accessibleName()
    qtbot.mouseClick(page.statistics_button, Qt.LeftButton)
    text = page.details.toPlainText()
    assert "χ² without continuity correction" in text
    assert "Fisher's exact test, two-sided" in text
    assert "Yates" in text and "Expected counts" in text and "Newcombe" in text
    assert text.index(page.model.comparison(0).verdict) < text.index("Fisher")
    assert page.statistics_button.text() == "Hide the statistics"
    page.table.selectRow(1)  # the choice stays while moving between criteria
    assert "Fisher" in page.details.toPlainText() and page.model.comparison(1).name in page.details.toPlainText()
    page.details.anchorClicked.emit(QUrl("#statistics"))  # the "Hide the statistics" link
    assert "Fisher" not in page.details.toPlainText() and not page.statistics_button.isChecked()
    page.details.anchorClicked.emit(QUrl("#statistics"))
    assert "Fisher" in page.details.toPlainText()


def test_comparison_chart_reading_is_its_description(qtbot, ctx):
    page = open_page(qtbot, ctx)
    expected = " ".join(f"{c.name}: {c.verdict}" for c in page.comparisons)
    assert page.chart.accessibleDescription() == expected
    assert page.chart.canvas.accessibleDescription() == expected
    assert page.chart.accessibleName() == "Comparison chart"


def test_baseline_cycle_has_nothing_to_compare(qtbot, ctx):
    page = open_page(qtbot, ctx, cycle_number=1)
    assert page.comparison_stack.currentIndex() == 0
    assert "Nothing to compare yet" in page.nothing.text()
    assert "re-audit" in page.nothing.text()
    assert page.model.rowCount() == 0


def test_definition_and_standard_changes_are_flagged(qtbot, ctx):
    first, second = cycle_ids(ctx)
    crit = list_criteria(ctx.store.db, second)[0]
    crit.target = 90.0
    save_criterion(ctx.store.db, crit)
    cycle = get_cycle(ctx.store.db, second)
    cycle.standard_version = "2023"
    update_cycle(ctx.store.db, cycle)
    page = open_page(qtbot, ctx)
    flags = page.model.data(page.model.index(0, ComparisonModel.COL_FLAGS))
    assert "Definition changed: target 95% → 90%" in flags
    assert not page.standard_flag.isHidden()
    assert "2019 → 2023" in page.standard_flag.text()
    assert "Definition changed" in page.details.toPlainText()


def test_export_comparison_button_writes_workbook(qtbot, ctx, dialog_log, tmp_path):
    page = open_page(qtbot, ctx)
    dialog_log.save_path = str(tmp_path / "comparison.xlsx")
    qtbot.mouseClick(page.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in page.status.text(), timeout=10000)
    book = load_workbook(tmp_path / "comparison.xlsx")
    names = [row[0] for row in book["Comparison"].iter_rows(min_row=2, values_only=True)]
    assert names == [c.name for c in page.comparisons]


def test_spc_tab(qtbot, ctx):
    page = open_page(qtbot, ctx)
    page.tabs.setCurrentIndex(1)
    assert page.spc_view is not None
    assert type(page.spc_view).__name__ == "SpcView"
    assert page.spc_holder.layout().indexOf(page.spc_view) == 0


def test_model_passes_qt_checks(qtbot, ctx, qtmodeltester):
    page = open_page(qtbot, ctx)
    qtmodeltester.check(page.model)


def test_details_show_tiny_p_values_as_text_not_as_html_tags(ctx):
    from gui.stages.compare import details_html

    earlier, later = (c.id for c in list_cycles(ctx.store.db, 1))
    first = compare_cycles(ctx.store.db, earlier, later)[0]
    assert first.comparison.chi2_p < 0.001  # the demo's clear rise
    html = details_html(first)
    assert "p &lt; 0.001" in html and "<td>p < 0.001</td>" not in html
