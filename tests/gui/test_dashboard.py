"""The department dashboard view: a click (or Enter) on a figure lists the audits behind it; filters,
Excel and the Quality Account; every control named and reachable by keyboard; fits the laptop."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from gui import a11y, tasks
from gui.main_window import MainWindow
from model.core.util import today
from model.report.dashboard import dashboard
from tests.gui.test_fits_the_laptop import SCREENS


def _window(qtbot, ctx, size: QSize | None = None) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(size or QSize(1366, 768))
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    tasks.settle()
    return window


def _focus() -> object:
    return QApplication.activeWindow().focusWidget()


def tab_walk(qtbot, start, presses: int) -> list[object]:
    """The widgets Tab reaches from `start`, one per press."""
    start.setFocus(Qt.TabFocusReason)
    reached = []
    for _ in range(presses):
        qtbot.keyClick(_focus(), Qt.Key_Tab)
        reached.append(_focus())
    return reached


def test_ctrl_d_shows_it_and_a_click_on_a_figure_lists_its_audits(qtbot, ctx):
    window = _window(qtbot, ctx)
    qtbot.keyClick(window.register.table, Qt.Key_D, Qt.ControlModifier)
    page = window.dashboard
    assert window.stack.currentWidget() is page and _focus() is page.tree
    expected = dashboard(ctx.store.db, today())
    item = page._items["by_directorate:Medicine"]
    page.tree.scrollToItem(item)
    qtbot.mouseClick(page.tree.viewport(), Qt.LeftButton, pos=page.tree.visualItemRect(item).center())
    assert [r.audit_id for r in page.shown_rows()] == [r.audit_id for r in
                                                       expected.figure("by_directorate:Medicine").rows] == [1, 4]
    assert item.text(1) == "2" and "Medicine" in page.rows_title.text()
    tile = page.tiles["loops_closed:this_year"]
    qtbot.mouseClick(tile, Qt.LeftButton)
    assert tile.isChecked() and [r.audit_id for r in page.shown_rows()] == [
        r.audit_id for r in expected.figure("loops_closed:this_year").rows]
    qtbot.mouseClick(page.tiles["overdue_actions"], Qt.LeftButton)  # every overdue action, whoever owns it
    assert len(page.shown_rows()) == expected.to_json()["overdue_actions"] and page.tree.currentItem() is None


def test_by_keyboard_a_figure_then_enter_opens_the_audit(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.show_dashboard()
    page = window.dashboard
    page.tree.setCurrentItem(page._items["by_status:proposed"])
    assert [r.audit_title for r in page.shown_rows()] == ["Consent for elective orthopaedic surgery"]
    qtbot.keyClick(page.tree, Qt.Key_Return)  # Enter moves to the audits listed
    assert _focus() is page.rows
    qtbot.keyClick(page.rows, Qt.Key_Down)
    qtbot.keyClick(page.rows, Qt.Key_Return)
    assert window.stack.currentWidget() is window.workspace and window.workspace.audit_id == 3
    qtbot.keyClick(window.workspace.steps, Qt.Key_Left, Qt.AltModifier)
    assert window.stack.currentWidget() is window.register


def test_the_filters_recount(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.show_dashboard()
    page = window.dashboard
    assert page.board.audits == 4
    page.directorate.setCurrentIndex(page.directorate.findData("Medicine"))
    assert page.board.audits == 2 and page.board.directorate == "Medicine"
    assert page._items["by_status:proposed"].text(1) == "0"
    page.specialty.setCurrentIndex(page.specialty.findData("Elderly care"))
    assert page.board.audits == 1
    page.year.setCurrentIndex(1)  # last financial year
    assert page.board.year == page.chosen_year() and page.board.year.label in page.tiles[
        "loops_closed:this_year"].text()


def test_export_and_quality_account_buttons(qtbot, ctx, dialog_log, tmp_path):
    from openpyxl import load_workbook

    window = _window(qtbot, ctx)
    window.show_dashboard()
    page = window.dashboard
    dialog_log.save_path = str(tmp_path / "dash")
    qtbot.mouseClick(page.export_button, Qt.LeftButton)
    assert load_workbook(tmp_path / "dash.xlsx").sheetnames == ["About", "Figures", "Rows"]
    dialog_log.save_path = str(tmp_path / "qa.docx")
    page.quality_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(page.quality_button, Qt.Key_Space)
    assert (tmp_path / "qa.docx").stat().st_size > 0
    assert dialog_log.kinds().count("inform") == 2 and "error" not in dialog_log.kinds()


def test_every_control_is_named_and_tab_reaches_the_figures_and_the_audits(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.show_dashboard()
    page = window.dashboard
    assert a11y.unnamed_controls(page) == []
    assert not page.tree.tabKeyNavigation() and not page.rows.tabKeyNavigation()
    reached = tab_walk(qtbot, page.directorate, 30)
    for widget in (page.export_button, page.quality_button, page.back_button, page.tree, page.rows,
                   *page.tiles.values()):
        assert widget in reached, widget.accessibleName()


@pytest.mark.parametrize("screen", ["1366x768@125%", "1366x768@150%"])
def test_it_fits_the_laptop(qtbot, ctx, screen):
    free = SCREENS[screen]
    window = _window(qtbot, ctx, free)
    window.show_dashboard()
    QApplication.processEvents()
    page = window.dashboard
    assert window.minimumSizeHint().width() <= free.width() and window.minimumSizeHint().height() <= free.height()
    assert window.size() == free
    for button in page.findChildren(QAbstractButton):
        if button.isVisibleTo(page):
            assert button.width() > 4 and button.height() > 4, button.text()
            corner = button.mapTo(window, button.rect().bottomRight())
            assert window.rect().contains(corner), f"{button.text()} is off the window"
