"""No lost edits: a field still being typed in is committed on close, stage, audit and cycle change;
an unsaved case in the entry form asks first (Save / Discard / Cancel); closing never crashes."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt

from gui import crash
from gui.main_window import MainWindow
from model.collect.cases import list_cases
from model.plan.audits import get_audit
from model.plan.criteria import list_criteria
from model.store.store import open_store

CRASHES: list[str] = []


@pytest.fixture(autouse=True)
def crash_box_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """As the app does (crash.install_excepthook), with the crash box replaced by a list."""
    CRASHES.clear()
    monkeypatch.setattr(crash, "report_exception", lambda kind, exc, tb, text=None: CRASHES.append(repr(exc)))
    monkeypatch.setattr(sys, "excepthook", crash.report_exception)


def window_at(qtbot, ctx, audit_id: int, stage: str) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # focus (and so focus-out) needs the active window
    qtbot.waitUntil(window.isActiveWindow)
    window.open_audit(audit_id, stage)
    return window


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, text)


def reopened(ctx):
    return open_store(ctx.store.path)


def test_closing_with_a_title_being_typed_saves_it_and_does_not_crash(qtbot, ctx):
    window = window_at(qtbot, ctx, 1, "plan")
    type_into(qtbot, window.workspace.current_page().details.fields["title"], " (medicine)")
    window.close()
    assert CRASHES == []
    store = reopened(ctx)
    assert get_audit(store.db, 1).title.endswith(" (medicine)")
    store.close()


def test_closing_before_the_criterion_save_timer_fires_keeps_the_statement(qtbot, ctx):
    window = window_at(qtbot, ctx, 1, "criteria")
    page = window.workspace.current_page()
    cycle_id, first = page.cycle_id, page.selected_id()
    type_into(qtbot, page.form.statement, " EDITED")
    window.close()  # at once: the 400 ms timer has not fired
    assert CRASHES == []
    store = reopened(ctx)
    assert next(c for c in list_criteria(store.db, cycle_id) if c.id == first).statement.startswith("EDITED")
    store.close()


def test_stage_change_by_shortcut_and_audit_change_commit_the_edit(qtbot, ctx):
    window = window_at(qtbot, ctx, 1, "criteria")
    page = window.workspace.current_page()
    cycle_id, first = page.cycle_id, page.selected_id()
    type_into(qtbot, page.form.statement, " ONE")
    window.go_to_stage("plan")
    assert next(c for c in list_criteria(ctx.store.db, cycle_id) if c.id == first).statement.startswith("ONE")
    type_into(qtbot, window.workspace.current_page().details.fields["lead"], "X")
    lead = window.workspace.current_page().details.fields["lead"].text()
    assert window.workspace.flush()
    window.open_audit(2, "plan")
    assert get_audit(ctx.store.db, 1).lead == lead
    assert CRASHES == []


def type_a_case(qtbot, window) -> tuple[object, object]:
    page = window.workspace.show_stage("collect")
    page.tabs.setCurrentWidget(page.form)
    form = page.form
    form.case_ref.setText("PENDING1")
    field = form.first_criterion_field()
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_Y)
    assert form.dirty
    return page, form


def refs(db, cycle_id: int) -> list[str]:
    return [c.case_ref for c in list_cases(db, cycle_id)]


def test_closing_with_an_unsaved_case_asks_and_saves(qtbot, ctx, dialog_log):
    window = window_at(qtbot, ctx, 1, "collect")
    page, _form = type_a_case(qtbot, window)
    dialog_log.choice = 0  # Save
    window.close()
    assert dialog_log.offered == [["Save", "Discard", "Cancel"]]
    assert CRASHES == []
    store = reopened(ctx)
    assert "PENDING1" in refs(store.db, page.cycle_id)
    store.close()


def test_cancel_keeps_the_window_and_the_case_discard_drops_it(qtbot, ctx, dialog_log):
    window = window_at(qtbot, ctx, 1, "collect")
    page, form = type_a_case(qtbot, window)
    dialog_log.choice = 2  # Cancel
    window.close()
    assert window.isVisible() and form.dirty and form.case_ref.text() == "PENDING1"
    dialog_log.choice = -1  # the box closed: also stays
    window.close()
    assert window.isVisible()
    dialog_log.choice = 1  # Discard
    window.close()
    assert not window.isVisible() and CRASHES == []
    store = reopened(ctx)
    assert "PENDING1" not in refs(store.db, page.cycle_id)
    store.close()


def test_stage_change_audit_change_and_new_case_ask_first(qtbot, ctx, dialog_log):
    window = window_at(qtbot, ctx, 1, "collect")
    workspace = window.workspace
    page, form = type_a_case(qtbot, window)
    dialog_log.choice = 2  # Cancel: stay on the case
    workspace.steps.setCurrentRow(0)
    assert workspace.current_page() is page and workspace.steps.currentRow() == workspace.steps.row(
        workspace.steps.findItems("Collect", Qt.MatchContains)[0])
    window.show_register()
    assert window.stack.currentWidget() is workspace
    qtbot.mouseClick(page.new_button, Qt.LeftButton)
    qtbot.mouseClick(form.new_button, Qt.LeftButton)
    assert form.case_ref.text() == "PENDING1" and len(dialog_log.offered) == 4
    dialog_log.choice = 0  # Save, then move on
    assert window.open_audit(2)
    assert "PENDING1" in refs(ctx.store.db, page.cycle_id)
    assert CRASHES == []


def test_opening_another_case_from_the_list_asks_instead_of_saving_silently(qtbot, ctx, dialog_log):
    window = window_at(qtbot, ctx, 1, "collect")
    page, form = type_a_case(qtbot, window)
    other = list_cases(ctx.store.db, page.cycle_id)[0]
    dialog_log.choice = 2  # Cancel: the half-typed case stays on the form, unsaved
    page.open_case(other.id)
    assert dialog_log.offered == [["Save", "Discard", "Cancel"]]
    assert form.case_ref.text() == "PENDING1" and form.dirty and page.tabs.currentWidget() is form
    assert "PENDING1" not in refs(ctx.store.db, page.cycle_id)
    dialog_log.choice = 1  # Discard: the other case opens, nothing saved
    page.open_case(other.id)
    assert form.case_ref.text() == other.case_ref and not form.dirty
    assert "PENDING1" not in refs(ctx.store.db, page.cycle_id)
    form.new_case()
    type_a_case(qtbot, window)
    dialog_log.choice = 0  # Save: stored, then the other case opens
    page.open_case(other.id)
    assert "PENDING1" in refs(ctx.store.db, page.cycle_id) and form.case_ref.text() == other.case_ref
    assert CRASHES == []
