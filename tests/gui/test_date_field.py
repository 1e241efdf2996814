"""Date fields: typed from empty as dd/mm/yyyy, cleared with Delete/Backspace or ✕, never a made-up date."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.stages.plan import PlanPage
from model.core import util
from model.plan.audits import get_audit


@pytest.fixture
def plan(qtbot, ctx) -> PlanPage:
    page = PlanPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.load(3, None)  # the proposed demo audit: most of its dates are not set
    return page


def unset_field(plan: PlanPage) -> tuple[str, object]:
    name = next(n for n in ("approved_on", "report_due", "reaudit_due", "registered_on")
                if getattr(get_audit(plan.ctx.store.db, 3), n) is None)
    return name, plan.details.fields[name]


def focus(qtbot, widget) -> None:
    widget.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def test_typing_into_an_unset_date_saves_it(qtbot, plan):
    name, field = unset_field(plan)
    focus(qtbot, field.edit)
    qtbot.keyClicks(field.edit, "12/03/2026")
    qtbot.keyClick(field.edit, Qt.Key_Return)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) == "2026-03-12"
    assert field.edit.text() == "12/03/2026"  # en-GB, as typed


def test_other_en_gb_spellings_are_read(qtbot, plan):
    name, field = unset_field(plan)
    for typed, iso in (("1/4/26", "2026-04-01"), ("3 Feb 2027", "2027-02-03"), ("05.06.2026", "2026-06-05")):
        focus(qtbot, field.edit)
        field.edit.selectAll()
        qtbot.keyClicks(field.edit, typed)
        qtbot.keyClick(field.edit, Qt.Key_Tab)
        assert getattr(get_audit(plan.ctx.store.db, 3), name) == iso, typed


def test_up_down_on_an_unset_date_never_saves_1900(qtbot, plan, monkeypatch):
    from datetime import date

    monkeypatch.setattr(util, "today", lambda: date(2026, 12, 1))
    name, field = unset_field(plan)
    focus(qtbot, field.edit)
    qtbot.keyClick(field.edit, Qt.Key_Up)
    assert field.edit.text() == "01/12/2026"  # from today
    qtbot.keyClick(field.edit, Qt.Key_Up)
    qtbot.keyClick(field.edit, Qt.Key_Tab)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) == "2026-12-02"
    _, other = unset_field(plan)
    focus(qtbot, other.edit)
    qtbot.keyClick(other.edit, Qt.Key_Down)
    qtbot.keyClick(other.edit, Qt.Key_Down)
    other.edit.clearFocus()
    stored = [getattr(get_audit(plan.ctx.store.db, 3), n) for n in plan.details.fields if n.endswith(("_on", "_due"))]
    assert not any(s and s.startswith("1900") for s in stored)
    assert other.value() == "2026-11-30"


def test_delete_or_backspace_on_the_selection_and_the_clear_button_clear(qtbot, plan):
    name, field = unset_field(plan)
    field.set_and_commit("2026-05-01")
    focus(qtbot, field.edit)
    field.edit.selectAll()  # as tabbing in does
    qtbot.keyClick(field.edit, Qt.Key_Backspace)
    qtbot.keyClick(field.edit, Qt.Key_Return)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) is None
    field.set_and_commit("2026-05-01")
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key_Delete)
    qtbot.keyClick(field.edit, Qt.Key_Return)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) is None
    field.set_and_commit("2026-05-01")
    qtbot.mouseClick(field.clear_button, Qt.LeftButton)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) is None and field.edit.text() == ""


def test_text_that_is_not_a_date_saves_nothing_and_says_so(qtbot, plan):
    name, field = unset_field(plan)
    field.set_and_commit("2026-05-01")
    focus(qtbot, field.edit)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "31/02/2026")
    qtbot.keyClick(field.edit, Qt.Key_Return)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) == "2026-05-01"
    assert "b3261e" in field.edit.styleSheet() and "dd/mm/yyyy" in field.edit.toolTip()


@pytest.mark.qt_log_ignore("does not support raise", "grabbing the keyboard")  # offscreen popups
def test_the_calendar_picks_a_date_from_the_keyboard(qtbot, plan):
    name, field = unset_field(plan)
    focus(qtbot, field.edit)
    qtbot.keyClick(field.edit, Qt.Key_Down, Qt.AltModifier)
    calendar = field._calendar
    assert calendar is not None and calendar.isVisible()
    assert calendar.selectedDate().year() == util.today().year  # today's month, not 1900
    from PySide6.QtWidgets import QTableView

    qtbot.keyClick(calendar.findChild(QTableView), Qt.Key_Return)
    assert getattr(get_audit(plan.ctx.store.db, 3), name) == util.today().isoformat()
