"""The reminders panel on the register: Enter or a click opens the audit at its stage; snooze and dismiss stick."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from gui import reminders_panel, tasks
from gui.main_window import MainWindow
from model.act import reminders as rem
from model.act.actions import ActionItem, add_action
from model.core.util import today


def _window(qtbot, ctx) -> MainWindow:
    # Audit 3 (proposed, no cycle) gets an action a day late: an action_overdue reminder at "actions".
    add_action(ctx.store.db, ActionItem(audit_id=3, text="Book the consent teaching",
                                        original_deadline=(today() - timedelta(days=1)).isoformat()))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tasks.settle()  # the register computes its reminders in the background
    return window


def _row_of(panel, subject: str) -> int:
    return next(i for i, r in enumerate(panel.shown()) if r.subject == subject)


def test_the_panel_shows_on_launch_and_enter_opens_the_audit_at_its_stage(qtbot, ctx):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    assert panel.isVisible() and panel.title() == f"Reminders ({len(panel.shown())})"
    row = _row_of(panel, "Book the consent teaching")
    assert panel.shown()[row].kind == "action_overdue"
    assert "overdue by 1 day" in panel.list.item(row).text()
    panel.list.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(panel.list.hasFocus)
    panel.list.setCurrentRow(row)
    qtbot.keyClick(panel.list, Qt.Key_Return)
    assert window.stack.currentWidget() is window.workspace
    assert window.workspace.audit_id == 3 and window.workspace._shown == "actions"


def test_double_click_and_the_open_button_open_the_right_audit(qtbot, ctx):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    other = next(i for i, r in enumerate(panel.shown()) if r.audit_id != 3)
    panel.list.setCurrentRow(other)
    expected = panel.shown()[other]
    qtbot.mouseClick(panel.open_button, Qt.LeftButton)
    assert (window.workspace.audit_id, window.workspace._shown) == (expected.audit_id, expected.stage)
    window.show_register()
    row = _row_of(panel, "Book the consent teaching")
    item = panel.list.item(row)
    panel.list.scrollToItem(item)
    centre = panel.list.visualItemRect(item).center()
    qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=centre)  # Qt wants the press before a double click
    qtbot.mouseDClick(panel.list.viewport(), Qt.LeftButton, pos=centre)
    assert (window.workspace.audit_id, window.workspace._shown) == (3, "actions")


def test_snooze_hides_it_and_is_remembered(qtbot, ctx):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    before = len(panel.shown())
    panel.list.setCurrentRow(_row_of(panel, "Book the consent teaching"))
    qtbot.mouseClick(panel.snooze_button, Qt.LeftButton)
    assert len(panel.shown()) == before - 1
    assert "Book the consent teaching" not in [r.subject for r in panel.shown()]
    again = MainWindow(ctx)  # a fresh window reads the snooze back from the data file
    qtbot.addWidget(again)
    tasks.settle()
    assert again.register.reminders.shown()
    assert "Book the consent teaching" not in [r.subject for r in again.register.reminders.shown()]
    state = rem.state_of(ctx.store.db, next(r for r in rem.compute_reminders(ctx.store.db, today())
                                            if r.subject == "Book the consent teaching"))
    assert state is not None and state.snoozed_until == today() + timedelta(days=reminders_panel.SNOOZE_DAYS)


def test_dismiss_asks_why_and_cancel_keeps_it(qtbot, ctx, dialog_log):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    panel.list.setCurrentRow(_row_of(panel, "Book the consent teaching"))
    qtbot.mouseClick(panel.dismiss_button, Qt.LeftButton)  # cancelled: nothing changes
    assert "Book the consent teaching" in [r.subject for r in panel.shown()]
    dialog_log.text = "Teaching moved to the trust induction"
    qtbot.mouseClick(panel.dismiss_button, Qt.LeftButton)
    assert "Book the consent teaching" not in [r.subject for r in panel.shown()]
    assert [k for k in dialog_log.kinds() if k == "ask_text"] == ["ask_text", "ask_text"]
