"""Entry keys fit each answer type: numbers typed into numeric and timed fields, N/A (A or a button)
wherever the criterion has exceptions, choices by keyboard, and header help true to the criteria."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.main_window import MainWindow
from model.collect.cases import get_case
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle


def timed_audit(ctx, *, yes_no: bool = False) -> int:
    db = ctx.store.db
    audit = create_audit(db, Audit(title="Timing", status="data_collection"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    add_criterion(db, cycle.id, Criterion(statement="Antibiotics within 60 minutes", short_name="Abx",
                                          answer_type="time_diff", threshold=60, threshold_unit="minutes",
                                          exceptions="Antibiotics already given before arrival"))
    add_criterion(db, cycle.id, Criterion(statement="Hb at least 70", short_name="Hb", answer_type="numeric",
                                          threshold=70, threshold_op=">="))
    add_criterion(db, cycle.id, Criterion(statement="Route", short_name="Route", answer_type="choice",
                                          choices_json='["IV", "Oral"]', met_choices_json='["IV"]',
                                          exceptions="Nil by mouth and no access"))
    if yes_no:
        add_criterion(db, cycle.id, Criterion(statement="Screened", short_name="Screened"))
    return audit.id


def open_form(qtbot, ctx, audit_id: int):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_audit(audit_id)
    page = window.workspace.show_stage("collect")
    page.tabs.setCurrentWidget(page.form)
    page.test_window = window
    return page.form


def focus(qtbot, widget) -> None:
    widget.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def test_a_answers_n_a_on_a_timed_criterion_with_exceptions(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    abx, hb, _route = form.rows
    assert abx.field.na.isVisibleTo(form) and not hb.field.na.isVisibleTo(form)
    assert abx.field.na.accessibleName()
    focus(qtbot, abx.field.value)
    qtbot.keyClick(abx.field.value, Qt.Key_A)
    assert abx.result.text() == "Exception (N/A)"
    assert hb.field.value.hasFocus()  # answered: focus moved on
    qtbot.keyClicks(hb.field.value, "71")
    assert hb.result.text() == "Met"
    case_id = form.save()
    stored = get_case(ctx.store.db, case_id).answers
    assert stored[abx.criterion.id].outcome == "exception" and stored[hb.criterion.id].outcome == "met"
    form.load_case(case_id)
    assert abx.field.na.isChecked() and abx.result.text() == "Exception (N/A)"


def test_typing_a_number_takes_n_a_back_and_backspace_clears_it(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    abx = form.rows[0]
    focus(qtbot, abx.field.value)
    qtbot.keyClick(abx.field.value, Qt.Key_A)
    focus(qtbot, abx.field.value)
    qtbot.keyClicks(abx.field.value, "45")
    assert not abx.field.na.isChecked() and abx.result.text() == "Met"
    abx.field.value.clear()
    qtbot.keyClick(abx.field.value, Qt.Key_A)
    focus(qtbot, abx.field.value)
    qtbot.keyClick(abx.field.value, Qt.Key_Backspace)
    assert not abx.field.na.isChecked() and abx.result.text() == "—"
    qtbot.mouseClick(abx.field.na, Qt.LeftButton)
    assert abx.result.text() == "Exception (N/A)"


def test_a_on_a_numeric_criterion_without_exceptions_does_nothing(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    hb = form.rows[1]
    focus(qtbot, hb.field.value)
    qtbot.keyClicks(hb.field.value, "A7Y0")
    assert hb.field.value.text() == "70" and not hb.field.is_na() and hb.result.text() == "Met"


def test_y_or_n_in_a_number_box_says_what_to_type_instead_of_vanishing(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    abx, hb, _route = form.rows
    focus(qtbot, hb.field.value)
    qtbot.keyClick(hb.field.value, Qt.Key_Y)
    assert hb.field.value.text() == "" and "Type a number" in hb.result.text() and "Yes/No" in hb.result.text()
    assert "N/A" not in hb.result.text()  # Hb has no exceptions
    assert hb.field.accessibleDescription() == "" and hb.result.accessibleDescription() == hb.result.text()
    focus(qtbot, abx.field.value)
    qtbot.keyClick(abx.field.value, Qt.Key_N)
    assert "minutes" in abx.result.text() and "A for N/A" in abx.result.text() and not abx.field.is_na()
    qtbot.keyClicks(abx.field.value, "30")
    assert abx.result.text() == "Met"  # typing a value replaces the hint with the outcome


def test_choices_by_keyboard_with_n_a_when_the_criterion_has_exceptions(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    route = form.rows[2]
    assert route.field.findText("N/A") > 0
    focus(qtbot, route.field)
    qtbot.keyClicks(route.field, "O")
    assert route.field.currentText() == "Oral" and route.result.text() == "Not met"
    qtbot.wait(QApplication.keyboardInputInterval() + 100)  # a new search, not "ON"
    qtbot.keyClicks(route.field, "N")
    assert route.result.text() == "Exception (N/A)"
    qtbot.keyClick(route.field, Qt.Key_Delete)
    assert route.field.currentText() == "" and route.result.text() == "—"


def test_header_help_fits_the_criteria_shown(qtbot, ctx):
    form = open_form(qtbot, ctx, timed_audit(ctx))
    text = form.keys_help.text()
    assert "press <b>Y</b>" not in text
    assert "minutes" in text and "<b>A</b> for N/A" in text and "first letters" in text
    form.set_cycle(form.cycle, [c for c in form.criteria if c.answer_type == "numeric"])
    assert "N/A" not in form.keys_help.text() and "number" in form.keys_help.text()
    yes_no_form = open_form(qtbot, ctx, timed_audit(ctx, yes_no=True))
    assert "press <b>Y</b>, <b>N</b> or <b>A</b>" in yes_no_form.keys_help.text()
