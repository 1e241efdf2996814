"""Charts for people: our own buttons (never matplotlib's toolbar), zoom, export, copy, and each
chart's plain-English reading as its accessible description."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.backends.backend_qt import NavigationToolbar2QT
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.charts import ChartActions, ChartCanvas
from gui.main_window import MainWindow
from gui.stages._benchmark_panel import funnel_reading
from gui.stages.results import results_reading
from model.plan.stages import STAGE_KEYS


@pytest.fixture
def chart(qtbot) -> tuple[ChartCanvas, ChartActions]:
    canvas = ChartCanvas(name="Ward chart")
    ax = canvas.figure.add_subplot()
    ax.plot([0, 10], [0, 100])
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 100)
    canvas.redraw()
    actions = ChartActions(canvas, "ward.png")
    qtbot.addWidget(canvas)
    qtbot.addWidget(actions)
    return canvas, actions


def test_zoom_in_out_and_reset_by_button(qtbot, chart) -> None:
    canvas, actions = chart
    ax = canvas.figure.axes[0]
    qtbot.mouseClick(actions.zoom_in_button, Qt.LeftButton)
    assert ax.get_xlim() == pytest.approx((1, 9)) and ax.get_ylim() == pytest.approx((10, 90))
    qtbot.mouseClick(actions.zoom_out_button, Qt.LeftButton)
    qtbot.mouseClick(actions.zoom_out_button, Qt.LeftButton)
    assert ax.get_xlim() == pytest.approx((-1.25, 11.25))
    qtbot.mouseClick(actions.reset_button, Qt.LeftButton)
    assert ax.get_xlim() == pytest.approx((0, 10)) and ax.get_ylim() == pytest.approx((0, 100))
    assert canvas.zoom_steps == 0


def test_zoom_keeps_a_log_axis_in_proportion(qtbot, chart) -> None:
    canvas, _ = chart
    ax = canvas.figure.axes[0]
    ax.set_xscale("log")
    ax.set_xlim(1, 10_000)
    canvas.redraw()
    canvas.zoom_in()
    low, high = ax.get_xlim()
    assert low == pytest.approx(10 ** 0.4) and high == pytest.approx(10 ** 3.6)
    canvas.reset_zoom()
    assert ax.get_xlim() == pytest.approx((1, 10_000))


def test_zoom_by_keyboard_on_the_focused_chart(qtbot, chart) -> None:
    canvas, _ = chart
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.canvas.setFocus()
    ax = canvas.figure.axes[0]
    qtbot.keyClick(canvas.canvas, Qt.Key_Plus)
    assert canvas.zoom_steps == 1 and ax.get_xlim() == pytest.approx((1, 9))
    qtbot.keyClick(canvas.canvas, Qt.Key_Minus)
    qtbot.keyClick(canvas.canvas, Qt.Key_Minus)
    assert canvas.zoom_steps == -1
    qtbot.keyClick(canvas.canvas, Qt.Key_0)
    assert canvas.zoom_steps == 0 and ax.get_xlim() == pytest.approx((0, 10))


def test_a_new_drawing_forgets_the_zoom(qtbot, chart) -> None:
    canvas, _ = chart
    canvas.zoom_in()
    canvas.figure.clear()
    canvas.figure.add_subplot().plot([0, 4], [0, 4])
    canvas.redraw()
    assert canvas.zoom_steps == 0
    canvas.reset_zoom()  # nothing to go back to: the new drawing stays as drawn
    assert canvas.figure.axes[0].get_xlim()[1] > 4


def test_buttons_are_named_focusable_and_export_and_copy(qtbot, chart, dialog_log, tmp_path: Path) -> None:
    canvas, actions = chart
    buttons = (actions.export_button, actions.copy_button, actions.zoom_in_button, actions.zoom_out_button,
               actions.reset_button)
    names = [b.accessibleName() for b in buttons]
    assert all(names) and len(set(names)) == 5 and "ward chart" in names[2]
    assert all(b.focusPolicy() & Qt.TabFocus for b in buttons)
    dialog_log.save_path = str(tmp_path / "ward.png")
    with qtbot.waitSignal(actions.message) as said:
        qtbot.mouseClick(actions.export_button, Qt.LeftButton)
    assert said.args == ["Saved ward.png."] and (tmp_path / "ward.png").read_bytes()[:4] == b"\x89PNG"
    QGuiApplication.clipboard().clear()
    with qtbot.waitSignal(actions.message):
        qtbot.keyClick(actions.copy_button, Qt.Key_Space)
    assert not QGuiApplication.clipboard().image().isNull()


def test_charts_never_collapse_to_strips(qtbot, chart) -> None:
    canvas, _ = chart
    assert canvas.minimumHeight() >= 250


def test_reading_is_the_accessible_description(qtbot, chart) -> None:
    canvas, _ = chart
    canvas.set_reading("Compliance rose from 62% to 90%.")
    assert canvas.accessibleDescription() == canvas.canvas.accessibleDescription() == canvas.reading()
    assert canvas.reading() == "Compliance rose from 62% to 90%."


def test_no_developer_toolbar_on_any_stage_page_and_every_chart_reads_out(qtbot, ctx) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1093, 580)
    window.show()
    for audit_id in (1, 4):
        window.open_audit(audit_id)
        for key in STAGE_KEYS:
            page = window.workspace.show_stage(key)
            if key == "compare":
                page.show_spc()
            from gui.tasks import settle

            settle()
            QApplication.processEvents()
            assert not page.findChildren(NavigationToolbar2QT), key
            for canvas in page.findChildren(ChartCanvas):
                assert canvas.accessibleName() != "", key
                if canvas.figure.axes:
                    assert canvas.accessibleDescription(), f"{key}: {canvas.accessibleName()} has no reading"
    assert not window.findChildren(NavigationToolbar2QT)


def test_spc_results_and_funnel_readings(qtbot, ctx) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    from gui.tasks import settle

    window.open_audit(1, "compare")
    compare = window.workspace.pages["compare"]
    compare.show_spc()
    qtbot.waitUntil(lambda: compare.spc_view is not None and compare.spc_view.outcome is not None, timeout=10000)
    assert compare.spc_view.chart.accessibleDescription() == compare.spc_view.outcome.text
    assert compare.spc_view.reading_label.text() == compare.spc_view.outcome.text
    window.open_audit(1, "results")
    results = window.workspace.pages["results"]
    qtbot.waitUntil(lambda: results.results is not None, timeout=10000)
    assert results.chart.accessibleDescription() == results_reading(results.results)
    assert results.results.table["sentence"].iloc[0] in results.chart.accessibleDescription()
    window.open_audit(4, "benchmark")
    benchmark = window.workspace.pages["benchmark"]
    settle()
    qtbot.waitUntil(lambda: benchmark.comparison is not None, timeout=10000)
    panel = benchmark.panel
    assert panel.chart.accessibleDescription() == funnel_reading(benchmark.comparison)
    assert panel.verdict.text() == funnel_reading(benchmark.comparison)
    assert "funnel limit" in panel.verdict.text()
