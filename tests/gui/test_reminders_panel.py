"""The reminders panel on the register: Enter or a click opens the audit at its stage; snooze and dismiss stick."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from gui import a11y, reminders_panel, tasks
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


def test_the_calendar_button_writes_an_ics_file(qtbot, ctx, dialog_log, tmp_path):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    assert panel.ics_button.isVisible() and panel.ics_button.isEnabled()
    dialog_log.save_path = str(tmp_path / "deadlines")  # the .ics ending is added
    panel.ics_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(panel.ics_button, Qt.Key_Space)
    text = (tmp_path / "deadlines.ics").read_text(encoding="utf-8")
    assert text.startswith("BEGIN:VCALENDAR") and "Book the consent teaching" in text
    assert dialog_log.kinds()[-2:] == ["save_file", "inform"]


def test_dismissed_and_snoozed_reminders_can_be_shown_and_restored(qtbot, ctx, dialog_log):
    window = _window(qtbot, ctx)
    panel = window.register.reminders
    assert not panel.restore_button.isVisible() and not panel.show_hidden.isEnabled()  # nothing hidden yet
    panel.list.setCurrentRow(_row_of(panel, "Book the consent teaching"))
    dialog_log.text = "Teaching moved to the trust induction"
    qtbot.mouseClick(panel.dismiss_button, Qt.LeftButton)
    panel.list.setCurrentRow(0)
    snoozed = panel.current()
    qtbot.mouseClick(panel.snooze_button, Qt.LeftButton)
    assert "snoozed or dismissed" in panel.title()
    panel.show_hidden.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(panel.show_hidden, Qt.Key_Space)  # by keyboard
    assert panel.showing_hidden() and panel.restore_button.isVisible()
    texts = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert any("Book the consent teaching" in t and "dismissed on" in t and "trust induction" in t for t in texts)
    assert any("snoozed until" in t for t in texts) and len(texts) == 2
    assert not panel.snooze_button.isEnabled() and not panel.dismiss_button.isEnabled()
    assert a11y.unnamed_controls(panel) == []
    panel.list.setCurrentRow(_row_of(panel, "Book the consent teaching"))
    panel.restore_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(panel.restore_button, Qt.Key_Space)
    assert rem.state_of(ctx.store.db, next(r for r in rem.compute_reminders(ctx.store.db, today())
                                            if r.subject == "Book the consent teaching")) is None
    assert [r.subject for r in panel.shown()] == [snoozed.subject]  # still listing the hidden one left
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.restore_button, Qt.LeftButton)
    assert not panel.showing_hidden()  # nothing left hidden: back to the active reminders
    assert {"Book the consent teaching", snoozed.subject} <= {r.subject for r in panel.shown()}
