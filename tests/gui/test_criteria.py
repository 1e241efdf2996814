"""The Criteria stage, driven through its widgets."""

from __future__ import annotations

import docx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gui import tasks
from gui.main_window import MainWindow
from gui.stages.criteria import CriteriaPage, CriteriaTableModel
from model.plan import criteria as crit
from model.plan.cycles import Cycle, create_cycle
from model.plan.standards import list_standards


@pytest.fixture
def page(qtbot, ctx) -> CriteriaPage:
    widget = CriteriaPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


@pytest.fixture
def new_cycle(ctx) -> int:
    """A first cycle for the proposed demo audit (id 3), which has none."""
    return create_cycle(ctx.store.db, Cycle(audit_id=3)).id


def stored(ctx, cycle_id: int) -> list[crit.Criterion]:
    return crit.list_criteria(ctx.store.db, cycle_id)


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def type_criterion(qtbot, page, statement: str, denominator: str, numerator: str, target: str) -> None:
    form = page.form
    qtbot.keyClicks(form.statement, statement)
    qtbot.keyClicks(form.denominator, denominator)
    qtbot.keyClicks(form.numerator, numerator)
    form.target.selectAll()
    qtbot.keyClicks(form.target, target)
    form.flush()


def test_add_three_criteria_through_the_form(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    assert page.table_model.rowCount() == 0 and not page.form.isEnabled()
    specs = [("Consent form legible and complete", "Elective cases", "Forms fully completed", "100"),
             ("Risks and alternatives documented", "Elective cases", "All three documented", "95"),
             ("Patient offered a copy", "Elective cases", "Copy offered", "90")]
    for spec in specs:
        click(qtbot, page.add_button)
        type_criterion(qtbot, page, *spec)
    rows = stored(ctx, new_cycle)
    assert [(c.statement, c.denominator, c.numerator, c.target) for c in rows] == [
        (s, d, n, float(t)) for s, d, n, t in specs]
    assert [c.position for c in rows] == [0, 1, 2]
    assert page.table_model.rowCount() == 3
    assert page.table_model.index(2, CriteriaTableModel.COL_TARGET).data() == "≥ 90%"


def test_typing_is_saved_after_a_pause(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    qtbot.keyClicks(page.form.short_name, "Copy offered")
    qtbot.waitUntil(lambda: stored(ctx, new_cycle)[0].short_name == "Copy offered")
    assert page.table_model.index(0, CriteriaTableModel.COL_NAME).data() == "Copy offered"


def test_validation_shown_inline_in_plain_words(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    qtbot.keyClicks(page.form.statement, "Half written")
    page.form.flush()
    assert stored(ctx, new_cycle)[0].statement == "Half written"  # saved even though incomplete
    assert page.form.problems.isVisible()
    assert "A criterion without a denominator (who is eligible) cannot be measured." in page.form.problems.text()
    assert page.table_model.index(0, CriteriaTableModel.COL_CHECK).data() == "⚠"
    qtbot.keyClicks(page.form.denominator, "Elective cases")
    qtbot.keyClicks(page.form.numerator, "Completed")
    page.form.flush()
    assert "denominator" not in page.form.problems.text()


def test_target_out_of_range_is_not_stored(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    page.form.target.selectAll()
    qtbot.keyClicks(page.form.target, "150")
    qtbot.waitUntil(lambda: page.form.blocking.isVisible())
    assert "The target must be between 0 and 100%." in page.form.blocking.text()
    assert "not saved" in page.form.blocking.text()
    assert stored(ctx, new_cycle)[0].target == 100.0
    page.form.target.selectAll()
    qtbot.keyClicks(page.form.target, "abc")
    page.form.flush()
    assert "Type the target as a number" in page.form.blocking.text()
    page.form.target.selectAll()
    qtbot.keyClicks(page.form.target, "80")
    page.form.flush()
    assert stored(ctx, new_cycle)[0].target == 80.0
    assert not page.form.blocking.isVisible()


def test_a_bad_target_does_not_lose_the_statement_typed_with_it(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    qtbot.keyClicks(page.form.statement, "Consent form signed before the operation")
    qtbot.keyClicks(page.form.target, "95")  # typed after the default 100: "10095"
    page.form.flush()
    assert "The target was not saved." in page.form.blocking.text()
    click(qtbot, page.add_button)  # moving on to the next criterion
    first = stored(ctx, new_cycle)[0]
    assert first.statement == "Consent form signed before the operation" and first.target == 100.0


def test_direction_switch_offers_to_flip_the_target(qtbot, ctx, page, new_cycle, dialog_log):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    page.form.direction.setCurrentIndex(page.form.direction.findData("lower"))
    assert dialog_log.kinds() == ["ask"]
    c = stored(ctx, new_cycle)[0]
    assert (c.direction, c.target) == ("lower", 0.0)
    dialog_log.answer = False
    page.form.direction.setCurrentIndex(page.form.direction.findData("higher"))
    c = stored(ctx, new_cycle)[0]
    assert (c.direction, c.target) == ("higher", 0.0)


def test_answer_types_show_only_their_fields(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.add_button)
    form = page.form
    assert not form.threshold_row.isVisible() and not form.options.isVisible()
    form.answer_type.setCurrentIndex(form.answer_type.findData("time_diff"))
    assert form.threshold_row.isVisible() and form.unit_time.isVisible() and not form.unit_text.isVisible()
    assert not form.options.isVisible()
    qtbot.keyClicks(form.threshold, "14")
    form.unit_time.setCurrentText("hours")
    c = stored(ctx, new_cycle)[0]
    assert (c.answer_type, c.threshold, c.threshold_op, c.threshold_unit) == ("time_diff", 14.0, "<=", "hours")
    assert form.rule_text.text() == "Met when the time is ≤ 14 hours."
    form.answer_type.setCurrentIndex(form.answer_type.findData("choice"))
    assert form.options.isVisible() and form.met_list.isVisible() and not form.threshold_row.isVisible()
    qtbot.keyClicks(form.options, "Full")
    qtbot.keyClick(form.options, Qt.Key_Return)
    qtbot.keyClicks(form.options, "Partial")
    assert form.met_list.count() == 2
    form.met_list.item(0).setCheckState(Qt.Checked)
    c = stored(ctx, new_cycle)[0]
    assert crit.choices(c) == ["Full", "Partial"] and crit.met_choices(c) == ["Full"]


def test_reorder_duplicate_delete_and_undo(qtbot, ctx, page, new_cycle):
    db = ctx.store.db
    for name in ("a", "b", "c"):
        crit.add_criterion(db, new_cycle, crit.Criterion(statement=name, short_name=name))
    page.load(3, new_cycle)
    page.select_criterion(stored(ctx, new_cycle)[2].id)
    assert not page.down_button.isEnabled()
    click(qtbot, page.up_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["a", "c", "b"]
    click(qtbot, page.up_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["c", "a", "b"]
    assert page.table.currentIndex().row() == 0 and not page.up_button.isEnabled()
    click(qtbot, page.down_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["a", "c", "b"]
    click(qtbot, page.duplicate_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["a", "c", "b", "c (copy)"]
    assert page.form.short_name.text() == "c (copy)"
    page.select_criterion(stored(ctx, new_cycle)[1].id)
    click(qtbot, page.delete_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["a", "b", "c (copy)"]
    click(qtbot, page.undo_button)
    assert [c.short_name for c in stored(ctx, new_cycle)] == ["a", "c", "b", "c (copy)"]
    assert not page.undo_button.isEnabled()


def test_delete_asks_and_mentions_answers(qtbot, ctx, page, dialog_log):
    page.load(1, 1)
    dialog_log.answer = False
    click(qtbot, page.delete_button)
    assert dialog_log.calls[0][0] == "ask" and "120 recorded answers" in dialog_log.calls[0][2]
    assert len(stored(ctx, 1)) == 3


def test_copy_from_another_audit(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.copy_button)
    dialog = page.copy_dialog
    dialog.select_source("audit", 2)
    dialog.select_cycle(4)
    assert dialog.criteria.count() == 4
    dialog.set_ticked([1, 3])
    assert dialog.summary.text() == "2 of 4 ticked"
    click(qtbot, dialog.buttons.button(QDialogButtonBox.Ok))
    names = [c.short_name for c in stored(ctx, new_cycle)]
    assert names == ["Antibiotics ≤1 h", "Lactate ≤1 h"]
    assert "Copied 2 criteria" in page.status.text()
    assert page.table_model.rowCount() == 2


def test_copy_from_the_library(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.copy_button)
    dialog = page.copy_dialog
    standard = next(s for s in list_standards(ctx.store.db) if s.reference_code == "GMC" or "onsent" in s.title)
    dialog.select_source("library", standard.id)
    assert dialog.criteria.count() == len(standard.criteria) > 0
    assert not dialog.cycle.isEnabled()
    click(qtbot, dialog.buttons.button(QDialogButtonBox.Ok))
    assert [c.statement for c in stored(ctx, new_cycle)] == [c["statement"] for c in standard.criteria]


def test_copy_needs_a_ticked_criterion(qtbot, ctx, page, new_cycle):
    page.load(3, new_cycle)
    click(qtbot, page.copy_button)
    click(qtbot, page.copy_dialog.none_button)
    assert not page.copy_dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()


def test_export_protocol_via_the_button(qtbot, ctx, page, dialog_log, tmp_path):
    page.load(1, 2)
    target = tmp_path / "protocol.docx"
    dialog_log.save_path = str(target)
    click(qtbot, page.export_button)
    qtbot.waitUntil(lambda: "Protocol saved" in page.status.text() and tasks.live_tasks() == 0, timeout=10000)
    word = docx.Document(str(target))
    assert word.paragraphs[0].text.startswith("VTE risk assessment")
    pdf = tmp_path / "protocol"
    dialog_log.save_path = str(pdf.with_suffix(".pdf"))
    click(qtbot, page.export_button)
    qtbot.waitUntil(lambda: "protocol.pdf" in page.status.text() and tasks.live_tasks() == 0, timeout=10000)
    assert pdf.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_export_cancelled_writes_nothing(qtbot, ctx, page, dialog_log, tmp_path):
    page.load(1, 2)
    dialog_log.save_path = ""
    click(qtbot, page.export_button)
    assert page.status.text() == "" and dialog_log.kinds() == ["save_file"]


def test_re_audit_shows_and_records_changes(qtbot, ctx, page):
    page.load(1, 2)
    assert page.reaudit_note.isVisible() and "No criteria have changed" in page.reaudit_note.text()
    assert not page.table.isColumnHidden(CriteriaTableModel.COL_CHANGE)
    assert not page.form.change_note.isVisible()
    page.form.target.selectAll()
    qtbot.keyClicks(page.form.target, "90")
    page.form.flush()
    first = stored(ctx, 2)[0]
    assert first.changes_from_previous == "target 95% → 90%"
    assert page.table_model.index(0, CriteriaTableModel.COL_CHANGE).data() == "target 95% → 90%"
    assert page.form.change_note.isVisible() and "measure the same thing" in page.form.change_note.text()
    page.load(1, 2)
    assert "1 criterion differs from the previous cycle" in page.reaudit_note.text()


def test_baseline_hides_change_column_and_no_cycle_disables_editing(qtbot, ctx, page):
    page.load(1, 1)
    assert page.table.isColumnHidden(CriteriaTableModel.COL_CHANGE) and not page.reaudit_note.isVisible()
    page.load(3, None)
    assert page.body.currentWidget() is page.no_cycle
    assert not page.add_button.isEnabled() and page.export_button.isEnabled()


def test_item_model_passes_qt_checks(qtbot, ctx, page, qtmodeltester):
    page.load(2, 4)
    assert page.table_model.rowCount() == 4
    qtmodeltester.check(page.table_model)


def test_workspace_opens_the_criteria_page(qtbot, ctx):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_audit(1, "criteria")
    page = window.workspace.pages["criteria"]
    assert isinstance(page, CriteriaPage) and page.cycle_id == 2
    assert page.form.short_name.text() == "Risk assessed ≤14 h"


def _timed_criterion_with_answers(ctx, cycle_id: int) -> tuple[crit.Criterion, list[int]]:
    """A timed criterion that a Yes/No column was mapped to: '0' (meaning No) counted as met."""
    from model.collect.cases import Case, add_case
    from model.store.case_answers import Answer, write_case_answers

    db = ctx.store.db
    c = crit.add_criterion(db, cycle_id, crit.Criterion(statement="Lactate within 1 hour", short_name="Lactate",
                                                         answer_type="time_diff", threshold=60,
                                                         threshold_unit="minutes"))
    cases = []
    for i, raw in enumerate(["0", "1", "0"]):
        case = add_case(db, Case(cycle_id=cycle_id, case_ref=f"C{i}"))
        write_case_answers(db, case.id, {c.id: Answer("met", raw, float(raw))})
        cases.append(case.id)
    return c, cases


@pytest.mark.parametrize("apply", [True, False])
def test_changing_the_answer_type_rejudges_stored_answers_after_asking(qtbot, ctx, page, new_cycle, dialog_log,
                                                                       apply):
    from model.collect.rederive import criterion_history
    from model.store.case_answers import case_answers

    c, cases = _timed_criterion_with_answers(ctx, new_cycle)
    page.load(3, new_cycle)
    dialog_log.answer = apply
    page.form.answer_type.setCurrentIndex(page.form.answer_type.findData("yes_no"))
    page.form.flush()
    kind, title, text = dialog_log.calls[-1]
    assert kind == "ask" and "2 of 3 stored answers change outcome: 2 met → not met" in text
    outcomes = [case_answers(ctx.store.db, case)[c.id].outcome for case in cases]
    history = criterion_history(ctx.store.db, c.id)
    if apply:
        assert crit.get_criterion(ctx.store.db, c.id).answer_type == "yes_no"
        assert outcomes == ["not_met", "met", "not_met"]
        assert len(history) == 1 and page.history.isVisible() and "answer type" in page.history.text()
    else:  # declined: the stored definition and answers stay, and the form shows them again
        assert crit.get_criterion(ctx.store.db, c.id).answer_type == "time_diff"
        assert outcomes == ["met", "met", "met"] and history == []
        assert page.form.answer_type.currentData() == "time_diff"
