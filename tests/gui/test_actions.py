"""The Actions stage, driven through its widgets on the demo data."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from gui.stages._actions_models import ActionTableModel, RecommendationTableModel, RevisionTableModel
from gui.stages.actions import ActionsPage
from model.act import actions as act
from model.core import util

SEPSIS = 2
TODAY = date(2026, 12, 1)


@pytest.fixture
def page(qtbot, ctx, monkeypatch) -> ActionsPage:
    monkeypatch.setattr(util, "today", lambda: TODAY)
    widget = ActionsPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    widget.load(SEPSIS, None)
    return widget


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.LeftButton)


def cell(page: ActionsPage, row: int, col: int) -> str:
    return page.action_model.data(page.action_model.index(row, col))


def retype(qtbot, edit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def test_demo_sepsis_plan_shows_the_revised_action_amber(page):
    texts = [cell(page, r, ActionTableModel.COL_ACTION) for r in range(page.action_model.rowCount())]
    assert texts == ["Stock sepsis grab bags on AMU", "Add sepsis screening to the electronic observations alert"]
    assert cell(page, 0, ActionTableModel.COL_RAG) == "Amber"
    assert "revised ×1" in cell(page, 0, ActionTableModel.COL_DEADLINE)
    assert cell(page, 0, ActionTableModel.COL_OWNER) == "Sr K. Evans (Ward manager)"
    brush = page.action_model.data(page.action_model.index(0, ActionTableModel.COL_RAG), Qt.BackgroundRole)
    assert brush.color().name() == "#fde8b0"
    # The revised action's original deadline is read-only, its history listed.
    assert page.editor.original.isReadOnly()
    assert page.editor.revisions_model.rowCount() == 1
    assert page.rec_model.data(page.rec_model.index(0, RecommendationTableModel.COL_TEXT)).startswith("Antibiotics")


def test_add_action_through_the_widgets(qtbot, page, ctx):
    page.rec_table.selectRow(0)
    click(qtbot, page.add_action_button)
    e = page.editor
    retype(qtbot, e.text, "Sepsis teaching at nurse induction")
    retype(qtbot, e.owner, "Dr P. Singh")
    retype(qtbot, e.role, "Sepsis lead")
    e.priority.setCurrentIndex(e.priority.findData("high"))
    e.original.set_and_commit("2027-02-28")
    retype(qtbot, e.evidence, "Induction timetable")
    (stored,) = [a for a in act.list_actions(ctx.store.db, SEPSIS) if a.owner == "Dr P. Singh"]
    assert (stored.text, stored.owner_role, stored.priority, stored.original_deadline, stored.evidence) == (
        "Sepsis teaching at nurse induction", "Sepsis lead", "high", "2027-02-28", "Induction timetable")
    assert stored.recommendation_id == act.list_recommendations(ctx.store.db, SEPSIS)[0].id
    assert page.action_model.rowCount() == 3 and page.selected_id() == stored.id
    assert not e.original.isReadOnly()


def test_revise_deadline_keeps_history_and_turns_amber(qtbot, page, ctx):
    page.select_action(act.list_actions(ctx.store.db, SEPSIS)[1].id)  # the not-started one, green
    assert cell(page, 1, ActionTableModel.COL_RAG) == "Green"
    click(qtbot, page.editor.revise_button)
    dialog = page.revise_dialog
    dialog.deadline.set_and_commit("2027-04-30")
    qtbot.keyClicks(dialog.reason, "IT change freeze")
    dialog.accept()
    action_id = page.selected_id()
    assert [(r.deadline, r.reason, r.revised_on) for r in act.list_revisions(ctx.store.db, action_id)] == [
        ("2027-04-30", "IT change freeze", "2026-12-01")]
    assert act.get_action(ctx.store.db, action_id).original_deadline == "2027-01-31"
    assert cell(page, 1, ActionTableModel.COL_RAG) == "Amber"
    assert page.editor.original.isReadOnly() and page.editor.revisions_model.rowCount() == 1


def test_revision_without_reason_is_refused(qtbot, page, ctx, dialog_log):
    click(qtbot, page.editor.revise_button)
    page.revise_dialog.accept()
    assert dialog_log.kinds() == ["error"] and "reason" in dialog_log.calls[0][2]
    assert len(act.list_revisions(ctx.store.db, page.selected_id())) == 1


def test_mark_complete_records_the_date(qtbot, page, ctx):
    e = page.editor
    e.status.setCurrentIndex(e.status.findData("complete"))
    stored = act.get_action(ctx.store.db, page.selected_id())
    assert (stored.status, stored.completed_on) == ("complete", "2026-12-01")
    assert cell(page, 0, ActionTableModel.COL_RAG) == "Complete"
    assert "01 Dec 2026" in e.completed.text()
    page.filter.setCurrentIndex(page.filter.findData("open"))
    assert page.action_model.rowCount() == 1


def test_cancel_waits_for_a_reason(qtbot, page, ctx):
    e = page.editor
    e.status.setCurrentIndex(e.status.findData("cancelled"))
    assert act.get_action(ctx.store.db, page.selected_id()).status == "in_progress"
    assert "reason" in e.message.text() and e.reason.isEnabled()
    retype(qtbot, e.reason, "Bags replaced by a sepsis trolley")
    stored = act.get_action(ctx.store.db, page.selected_id())
    assert (stored.status, stored.cancelled_reason) == ("cancelled", "Bags replaced by a sepsis trolley")


def test_progress_note_and_delete(qtbot, page, ctx, dialog_log):
    qtbot.keyClicks(page.editor.note_text, "Bags ordered")
    click(qtbot, page.editor.add_note_button)
    action_id = page.selected_id()
    assert [(n.noted_on, n.text) for n in act.list_notes(ctx.store.db, action_id)] == [("2026-12-01", "Bags ordered")]
    assert page.editor.notes.item(0).text() == "01 Dec 2026 — Bags ordered"
    dialog_log.answer = False
    click(qtbot, page.delete_action_button)
    assert len(act.list_actions(ctx.store.db, SEPSIS)) == 2
    dialog_log.answer = True
    click(qtbot, page.delete_action_button)
    assert [a.id for a in act.list_actions(ctx.store.db, SEPSIS)] != [] and action_id not in [
        a.id for a in act.list_actions(ctx.store.db, SEPSIS)]
    assert page.action_model.rowCount() == 1


def test_recommendation_add_link_and_delete(qtbot, page, ctx, dialog_log):
    click(qtbot, page.add_rec_button)
    dialog = page.rec_dialog
    assert dialog.criteria.count() == len(act.audit_criteria(ctx.store.db, SEPSIS)) > 0
    lineage, label = act.audit_criteria(ctx.store.db, SEPSIS)[0]
    qtbot.keyClicks(dialog.text, "Screen every admission with NEWS2.")
    dialog.set_checked([lineage])
    dialog.accept()
    recs = act.list_recommendations(ctx.store.db, SEPSIS)
    assert [(r.text, r.criterion_lineages) for r in recs[1:]] == [("Screen every admission with NEWS2.", (lineage,))]
    row = page.rec_model.row_of(recs[1].id)
    assert page.rec_model.data(page.rec_model.index(row, RecommendationTableModel.COL_CRITERIA)) == label
    page.rec_table.selectRow(row)
    click(qtbot, page.delete_rec_button)
    assert dialog_log.kinds() == ["ask"]
    assert len(act.list_recommendations(ctx.store.db, SEPSIS)) == 1


def test_overdue_filter(qtbot, page, ctx, monkeypatch):
    monkeypatch.setattr(util, "today", lambda: date(2027, 2, 15))  # past the not-started action's deadline
    page.reload()
    page.filter.setCurrentIndex(page.filter.findData("overdue"))
    assert [cell(page, r, ActionTableModel.COL_RAG) for r in range(page.action_model.rowCount())] == ["Red"]
    assert "1 overdue" in page.count_label.text()


def test_models_pass_the_model_tester(qtmodeltester, page):
    qtmodeltester.check(page.action_model)
    qtmodeltester.check(page.rec_model)
    model = RevisionTableModel()
    model.set_rows(act.list_revisions(page.ctx.store.db, page.selected_id()))
    qtmodeltester.check(model)
