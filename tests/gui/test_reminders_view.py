"""The Reminders view: Enter or a double-click opens the right audit at the right stage; the kind,
directorate and audit filters; sorting; snooze, dismiss and restore; the calendar; named and
reachable controls; fits the laptop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from gui import a11y, tasks
from gui.main_window import MainWindow
from gui.reminders_view import RemindersModel
from model.act import reminders as rem
from model.act.actions import ActionItem, add_action
from model.core.util import today
from tests.gui.test_dashboard import _focus, tab_walk
from tests.gui.test_dashboard import _window as dashboard_window
from tests.gui.test_fits_the_laptop import SCREENS

SUBJECT = "Book the consent teaching"


def _window(qtbot, ctx, size: QSize | None = None) -> MainWindow:
    # Audit 3 (proposed, no cycle) gets an action a day late: an action_overdue reminder at "actions".
    add_action(ctx.store.db, ActionItem(audit_id=3, text=SUBJECT,
                                        original_deadline=(today() - timedelta(days=1)).isoformat()))
    return dashboard_window(qtbot, ctx, size)


def _view(qtbot, ctx, size: QSize | None = None):
    window = _window(qtbot, ctx, size)
    window.show_reminders()
    tasks.settle()  # computed in the background
    return window, window.reminders_view


def _row_of(page, subject: str) -> int:
    return next(i for i, r in enumerate(page.shown()) if r.subject == subject)


def test_ctrl_r_lists_every_reminder_and_enter_opens_the_audit_at_its_stage(qtbot, ctx):
    window = _window(qtbot, ctx)
    qtbot.keyClick(window.register.table, Qt.Key_R, Qt.ControlModifier)
    page = window.reminders_view
    assert window.stack.currentWidget() is page and _focus() is page.table
    tasks.settle()
    expected = rem.reminders(ctx.store.db, today())
    assert sorted(page.shown(), key=repr) == sorted(expected, key=repr)
    row = _row_of(page, SUBJECT)
    model = page.model
    assert [model.display(model.rows[row], c) for c in range(5)] == [
        "Action overdue", "Consent for elective orthopaedic surgery", SUBJECT,
        (today() - timedelta(days=1)).strftime("%d/%m/%Y"), "overdue by 1 day"]
    page.table.selectRow(row)
    qtbot.keyClick(page.table, Qt.Key_Return)
    assert window.stack.currentWidget() is window.workspace
    assert (window.workspace.audit_id, window.workspace._shown) == (3, "actions")


def test_a_double_click_opens_another_reminder_at_its_stage(qtbot, ctx):
    window, page = _view(qtbot, ctx)
    row = next(i for i, r in enumerate(page.shown()) if r.stage not in ("actions",))
    expected = page.shown()[row]
    page.table.scrollTo(page.model.index(row, 0))
    rect = page.table.visualRect(page.model.index(row, RemindersModel.COL_SUBJECT))
    qtbot.mouseClick(page.table.viewport(), Qt.LeftButton, pos=rect.center())  # Qt wants the press first
    qtbot.mouseDClick(page.table.viewport(), Qt.LeftButton, pos=rect.center())
    assert (window.workspace.audit_id, window.workspace._shown) == (expected.audit_id, expected.stage)
    window.show_reminders()  # back again: computed afresh, the same list
    tasks.settle()
    assert expected in page.shown()


def test_the_filters_by_kind_directorate_and_audit(qtbot, ctx, qtmodeltester):
    _window_, page = _view(qtbot, ctx)
    qtmodeltester.check(page.model)
    every = rem.reminders(ctx.store.db, today())
    page.kind.setCurrentIndex(page.kind.findData("action_overdue"))
    assert page.shown() and {r.kind for r in page.shown()} == {"action_overdue"}
    assert len(page.shown()) == sum(r.kind == "action_overdue" for r in every)
    page.kind.setCurrentIndex(0)
    medicine = {row[0] for row in ctx.store.db.execute(
        "SELECT id FROM audits WHERE directorate = 'Medicine' AND deleted_at IS NULL").fetchall()}
    page.directorate.setCurrentIndex(page.directorate.findData("Medicine"))
    assert page.shown() and {r.audit_id for r in page.shown()} <= medicine
    assert len(page.shown()) == sum(r.audit_id in medicine for r in every)
    page.directorate.setCurrentIndex(0)
    page.audit.setCurrentIndex(page.audit.findData(3))
    assert {r.audit_id for r in page.shown()} == {3} and SUBJECT in [r.subject for r in page.shown()]
    assert page.summary.text().startswith(f"{len(page.shown())} listed of {len(every)}")


def test_a_click_on_a_header_sorts_and_the_selection_follows(qtbot, ctx):
    _window_, page = _view(qtbot, ctx)
    days = [r.days for r in page.shown()]
    assert [d for d in days if d is not None] == sorted(d for d in days if d is not None)  # most overdue first
    page.table.selectRow(_row_of(page, SUBJECT))
    header = page.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(1) + 5, 5))
    titles = [r.audit_title.lower() for r in page.shown()]
    assert titles == sorted(titles) or titles == sorted(titles, reverse=True)
    assert page.current() is not None and page.current().subject == SUBJECT


def test_snooze_dismiss_with_a_reason_then_show_them_and_restore(qtbot, ctx, dialog_log):
    _window_, page = _view(qtbot, ctx)
    assert not page.restore_button.isVisible()
    page.table.selectRow(_row_of(page, SUBJECT))
    qtbot.mouseClick(page.dismiss_button, Qt.LeftButton)  # cancelled: nothing changes
    tasks.settle()
    assert SUBJECT in [r.subject for r in page.shown()]
    dialog_log.text = "Teaching moved to the trust induction"
    qtbot.mouseClick(page.dismiss_button, Qt.LeftButton)
    tasks.settle()
    assert SUBJECT not in [r.subject for r in page.shown()]
    page.table.selectRow(0)
    snoozed = page.current()
    page.snooze_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(page.snooze_button, Qt.Key_Space)  # by keyboard
    tasks.settle()
    assert snoozed not in page.shown() and "2 snoozed or dismissed" in page.summary.text()
    page.show_hidden.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(page.show_hidden, Qt.Key_Space)
    assert page.showing_hidden() and page.restore_button.isVisible()
    assert not page.table.isColumnHidden(RemindersModel.COL_DECISION)
    decisions = {r.subject: page.model.display(line, RemindersModel.COL_DECISION)
                 for r, line in zip(page.shown(), page.model.rows, strict=True)}
    assert "dismissed on" in decisions[SUBJECT] and "trust induction" in decisions[SUBJECT]
    assert decisions[snoozed.subject].startswith("snoozed until")
    assert not page.snooze_button.isEnabled() and a11y.unnamed_controls(page) == []
    page.table.selectRow(_row_of(page, SUBJECT))
    qtbot.mouseClick(page.restore_button, Qt.LeftButton)
    tasks.settle()
    assert [r.subject for r in page.shown()] == [snoozed.subject]
    assert rem.state_of(ctx.store.db, next(r for r in rem.compute_reminders(ctx.store.db, today())
                                            if r.subject == SUBJECT)) is None
    page.table.selectRow(0)
    qtbot.mouseClick(page.restore_button, Qt.LeftButton)
    tasks.settle()
    assert not page.showing_hidden()  # nothing left hidden: back to the active reminders
    assert {SUBJECT, snoozed.subject} <= {r.subject for r in page.shown()}


def test_the_calendar_button_writes_an_ics_file(qtbot, ctx, dialog_log, tmp_path):
    _window_, page = _view(qtbot, ctx)
    dialog_log.save_path = str(tmp_path / "deadlines")
    page.ics_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(page.ics_button, Qt.Key_Space)
    assert SUBJECT in (tmp_path / "deadlines.ics").read_text(encoding="utf-8")
    assert dialog_log.kinds()[-2:] == ["save_file", "inform"]


def test_every_control_is_named_and_tab_reaches_them(qtbot, ctx):
    window, page = _view(qtbot, ctx)
    assert a11y.unnamed_controls(page) == []
    assert not page.table.tabKeyNavigation()
    reached = tab_walk(qtbot, page.kind, 20)
    for widget in (page.directorate, page.audit, page.show_hidden, page.table, page.open_button,
                   page.snooze_button, page.dismiss_button, page.ics_button, page.back_button):
        assert widget in reached, widget.accessibleName() or widget.objectName()
    page.back_button.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(page.back_button, Qt.Key_Space)
    assert window.stack.currentWidget() is window.register


@pytest.mark.parametrize("screen", ["1366x768@125%", "1366x768@150%"])
def test_it_fits_the_laptop(qtbot, ctx, screen):
    free = SCREENS[screen]
    window, page = _view(qtbot, ctx, free)
    page.show_hidden.setChecked(True)
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= free.width()
    assert window.minimumSizeHint().height() <= free.height()
    assert window.size() == free
    for button in page.findChildren(QAbstractButton):
        if button.isVisibleTo(page):
            assert button.width() > 4 and button.height() > 4, button.text()
