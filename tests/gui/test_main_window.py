"""The main window: register on the demo data, opening an audit, stage navigation, menus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui import tasks
from gui.about import about_text
from gui.main_window import MainWindow
from gui.stages.base import StagePage
from model.plan.stages import STAGE_KEYS


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def test_register_lists_demo_audits(qtbot, ctx):
    window = make_window(qtbot, ctx)
    titles = [r.title for r in window.register.table_model.rows]
    assert len(titles) == 4
    assert any("VTE" in t for t in titles) and any("Sepsis" in t for t in titles)
    assert any("Falls" in t for t in titles)
    assert window.register.count_label.text() == "4 of 4 audits"


def test_register_search_and_status_filter(qtbot, ctx):
    window = make_window(qtbot, ctx)
    qtbot.keyClicks(window.register.search, "sepsis")
    assert [r.title for r in window.register.table_model.rows] == [
        "Sepsis six within the hour on the acute medical unit"]
    window.register.search.clear()
    window.register.status.setCurrentIndex(window.register.status.findData("proposed"))
    assert [r.status for r in window.register.table_model.rows] == ["proposed"]


def test_register_model_passes_qt_model_checks(qtbot, ctx, qtmodeltester):
    window = make_window(qtbot, ctx)
    qtmodeltester.check(window.register.table_model)


def test_open_audit_and_navigate_every_stage(qtbot, ctx):
    window = make_window(qtbot, ctx)
    window.register.select_audit(1)
    qtbot.mouseClick(window.register.open_button, Qt.LeftButton)
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.cycle_box.count() == 2
    for key in STAGE_KEYS:
        page = window.workspace.show_stage(key)
        assert isinstance(page, StagePage)
        assert window.workspace.current_page() is page
        assert page.audit_id == 1
    assert window.workspace.steps.item(STAGE_KEYS.index("plan")).text().startswith("✓")


def test_workspace_marks_where_a_new_audit_stands(qtbot, ctx):
    window = make_window(qtbot, ctx)
    window.open_audit(3)
    item = window.workspace.steps.currentItem()
    assert item.text().startswith("▶") and "Plan" in item.text()
    assert window.workspace.cycle_id() is None


def test_delete_to_bin_and_undo(qtbot, ctx, dialog_log):
    window = make_window(qtbot, ctx)
    window.register.select_audit(3)
    qtbot.mouseClick(window.register.delete_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["ask"]
    assert len(window.register.table_model.rows) == 3
    qtbot.mouseClick(window.register.undo_button, Qt.LeftButton)
    assert len(window.register.table_model.rows) == 4


def test_about_names_versions():
    text = about_text()
    assert "AuditLoop" in text and "PySide6" in text and "never uses the network" in text


def test_save_copy_and_open_it(qtbot, ctx, dialog_log, tmp_path):
    window = make_window(qtbot, ctx)
    dialog_log.save_path = str(tmp_path / "copy.sqlite")
    window._on_save_copy_action_triggered()
    assert (tmp_path / "copy.sqlite").exists()
    with qtbot.waitSignal(window.store_replaced):
        window.open_data_file(tmp_path / "copy.sqlite")
    assert window.ctx.store.path == tmp_path / "copy.sqlite"
    assert len(window.register.table_model.rows) == 4


def test_first_cycle_of_a_cycle_less_audit_appears_in_the_cycle_box(qtbot, ctx):
    from model.plan.cycles import Cycle, create_cycle

    window = make_window(qtbot, ctx)
    window.open_audit(3, "plan")
    assert window.workspace.cycle_id() is None
    cycle = create_cycle(ctx.store.db, Cycle(audit_id=3))
    window.workspace.pages["plan"].data_changed.emit()
    assert window.workspace.cycle_id() == cycle.id


def test_window_paints_first_then_opens_the_data_file(qtbot, ctx):
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.show()
    assert window.stack.currentWidget() is window.opening
    with qtbot.waitSignal(window.attached, timeout=5000):
        window.attach_later(lambda: ctx)
    assert window.stack.currentWidget() is window.register
    assert len(window.register.table_model.rows) == 4


def test_menu_shortcuts_are_set_once_a_file_is_open(qtbot, ctx):
    from PySide6.QtGui import QAction, QKeySequence

    window = make_window(qtbot, ctx)
    shortcuts = {a.text(): a.shortcut() for a in window.findChildren(QAction)}
    assert shortcuts["&New audit…"] == QKeySequence(QKeySequence.New)
    assert shortcuts["&Quit"] == QKeySequence(QKeySequence.Quit)


def test_empty_register_says_how_to_start_and_buttons_need_a_selection(qtbot, tmp_path):
    from gui.context import AppContext
    from model.store.store import open_store

    store = open_store(tmp_path / "empty.sqlite")
    window = make_window(qtbot, AppContext(store=store, data_dir=tmp_path / "data"))
    register = window.register
    assert register.empty_hint.isVisible() and "New audit…" in register.empty_hint.text()
    assert not register.open_button.isEnabled() and not register.delete_button.isEnabled()
    store.close()


def test_register_buttons_follow_the_selection(qtbot, ctx):
    window = make_window(qtbot, ctx)
    register = window.register
    assert not register.empty_hint.isVisible()
    assert not register.open_button.isEnabled()
    register.select_audit(2)
    assert register.open_button.isEnabled() and register.delete_button.isEnabled()


def test_the_reaudit_starts_on_the_last_stage_not_on_plan(qtbot, ctx):
    """Issue 16: "no more 'see Plan › Cycles'": the Re-audit tab of the last stage starts it."""
    from PySide6.QtWidgets import QAbstractButton

    window = make_window(qtbot, ctx)
    window.open_audit(1)
    page = window.workspace.show_stage("report")
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Report", "Team", "Re-audit"]
    assert not any("(Plan)" in b.text() for b in page.findChildren(QAbstractButton))
    assert page.tabs.cornerWidget() is None


# Painting matplotlib's toolbar asks PySide6 for a deprecated enum (see test_journey.py).
@pytest.mark.filterwarnings("ignore:Enum value 'Qt..ApplicationAttribute.AA_UseHighDpiPixmaps' is marked as deprecated"
                            ":DeprecationWarning")
def test_every_stage_fits_a_1024_pixel_screen(qtbot, ctx):
    window = make_window(qtbot, ctx)
    window.resize(1024, 700)
    window.open_audit(1)
    for key in STAGE_KEYS:
        page = window.workspace.show_stage(key)
        if key == "compare":
            page.show_spc()  # the SPC view's controls are the widest part of the page
        qtbot.waitUntil(lambda: tasks.live_tasks() == 0, timeout=20000)
        assert window.minimumSizeHint().width() <= 1024, key
        assert window.width() == 1024, key


def test_a_change_reloads_only_the_pages_that_show_it(qtbot, ctx):
    """The workspace reloads the stages that show the tables written (model.store.changes), not
    every page: a new action reloads Plan, Compare and Report, not Criteria or Results."""
    from model.act.actions import ActionItem, add_action
    from model.plan.stages import TABLE_STAGES

    window = make_window(qtbot, ctx)
    window.open_audit(1)
    for key in STAGE_KEYS:
        window.workspace.show_stage(key)
    loads: list[str] = []
    for key, page in window.workspace.pages.items():
        original = page.load
        page.load = lambda *a, k=key, f=original: (loads.append(k), f(*a))[1]  # type: ignore[method-assign]
    window.workspace.show_stage("actions")
    add_action(ctx.store.db, ActionItem(audit_id=1, text="Teach the ward", original_deadline="2026-09-01"))
    window.workspace.pages["actions"].data_changed.emit()
    for key in STAGE_KEYS:
        window.workspace.show_stage(key)
    assert set(loads) == TABLE_STAGES["actions"] - {"actions"}
    assert "criteria" not in loads and "compare" in loads
    loads.clear()
    window.workspace.pages["actions"].data_changed.emit()  # nothing written since: nothing reloads
    for key in STAGE_KEYS:
        window.workspace.show_stage(key)
    assert loads == []
