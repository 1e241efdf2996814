"""Help › Check data file…, and the warning an audit shows when its cases changed outside AuditLoop."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QTimer

from gui import tasks
from gui.data_check import DataCheckDialog
from gui.main_window import MainWindow
from model.store.answer_check import changed_cases


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def _change_outside(ctx, audit_id: int = 1) -> str:
    """Another program rewrites one case's first outcome; returns the case's reference."""
    case_id, ref, outcomes = ctx.store.db.execute(
        "SELECT c.id, c.case_ref, c.outcomes FROM cases c JOIN cycles y ON y.id = c.cycle_id "
        "WHERE y.audit_id = ? AND c.outcomes <> '' ORDER BY c.id LIMIT 1", [audit_id]).fetchone()
    flipped = ("N" if outcomes[0] == "M" else "M") + outcomes[1:]
    with sqlite3.connect(ctx.store.path) as other:
        other.execute("UPDATE cases SET outcomes = ? WHERE id = ?", [flipped, case_id])
    return str(ref)


def _shown_dialogs(monkeypatch) -> list[DataCheckDialog]:
    shown: list[DataCheckDialog] = []

    def exec_(dialog: DataCheckDialog) -> int:
        shown.append(dialog)
        return 0

    monkeypatch.setattr(DataCheckDialog, "exec", exec_)
    return shown


def _check_action(window: MainWindow):
    from PySide6.QtGui import QAction

    [action] = [a for a in window.findChildren(QAction) if "Check data file" in a.text()]
    return action


def test_the_help_menu_check_says_a_sound_file_is_sound(qtbot, ctx, monkeypatch):
    shown = _shown_dialogs(monkeypatch)
    window = _window(qtbot, ctx)
    _check_action(window).trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "sound" in shown[0].summary.text()
    assert not shown[0].accept_button.isVisibleTo(shown[0])


def test_the_help_menu_check_names_a_changed_case(qtbot, ctx, monkeypatch):
    ref = _change_outside(ctx)
    shown = _shown_dialogs(monkeypatch)
    window = _window(qtbot, ctx)
    _check_action(window).trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    dialog = shown[0]
    assert "changed outside AuditLoop" in dialog.summary.text()
    assert [c.case_ref for c in dialog.table_model.rows] == [ref]
    assert dialog.table.accessibleName() and dialog.accept_button.accessibleName()


def test_opening_the_audit_warns_and_accepting_clears_the_warning(qtbot, ctx, monkeypatch, dialog_log):
    ref = _change_outside(ctx)
    shown = _shown_dialogs(monkeypatch)
    window = _window(qtbot, ctx)
    window.open_audit(1)
    bar = window.workspace.changed_cases
    qtbot.waitUntil(bar.isVisible, timeout=10_000)
    assert ref in bar.label.text() and "1 case's answers were changed" in bar.label.text()
    bar.review.click()
    [dialog] = shown
    dialog.accept_button.click()  # dialog_log answers the "Accept changes?" question with yes
    assert dialog_log.calls[-1][0] == "ask"
    assert not bar.isVisible()
    assert changed_cases(ctx.store.db) == []
    window.show_register()
    window.open_audit(1)
    tasks.settle(10_000)
    QTimer.singleShot(0, lambda: None)
    qtbot.wait(50)
    assert not bar.isVisible()


def test_an_unchanged_audit_shows_no_warning(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.open_audit(2)
    tasks.settle(10_000)
    qtbot.wait(50)
    assert not window.workspace.changed_cases.isVisible()
