"""The Plan stage: the New-audit dialog, the audit's fields, cycles, sample size and sample selection."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from gui.main_window import MainWindow
from gui.new_audit import NewAuditDialog
from gui.stages._plan_widgets import CyclesTableModel
from gui.stages.plan import PlanPage
from gui.standards_dialog import StandardEditor, StandardsDialog
from model.plan.audits import RESEARCH_WARNING, get_audit, list_audits
from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle, list_cycles, update_cycle
from model.plan.sampling import select_random
from model.plan.standards import Standard, get_standard_by_uid, list_standards

VTE_ID = 1
FALLS_ID = 4


def make_window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def plan_page(qtbot, ctx, audit_id: int = VTE_ID) -> tuple[MainWindow, PlanPage]:
    window = make_window(qtbot, ctx)
    window.open_audit(audit_id, "plan")
    page = window.workspace.pages["plan"]
    assert isinstance(page, PlanPage)
    return window, page


def retype(qtbot, widget, text: str) -> None:
    """Replace a line edit's text as a user would, then press Enter (editingFinished)."""
    widget.setFocus()
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key_Delete)
    if text:
        qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key_Return)


def ng89(ctx) -> Standard:
    return next(s for s in list_standards(ctx.store.db) if s.reference_code == "NICE NG89")


# --- New audit dialog ---------------------------------------------------------------------------

def test_new_audit_dialog_creates_audit_with_baseline_cycle_and_criteria(qtbot, ctx):
    dialog = NewAuditDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.title, "Thromboprophylaxis after hip fracture surgery")
    dialog.specialty.setText("Trauma and orthopaedics")  # typed, its completer pops up (not offscreen-safe)
    dialog.lead.setText("Dr K. Moss (CT2)")
    dialog.standard.setCurrentIndex(dialog.standard.findData(ng89(ctx).id))
    qtbot.mouseClick(dialog.create_button, Qt.LeftButton)
    assert dialog.result() == QDialog.Accepted and dialog.open_instead_id is None
    audit = get_audit(ctx.store.db, dialog.created_audit_id)
    assert (audit.title, audit.specialty, audit.lead, audit.standard_id) == (
        "Thromboprophylaxis after hip fracture surgery", "Trauma and orthopaedics", "Dr K. Moss (CT2)", ng89(ctx).id)
    cycles = list_cycles(ctx.store.db, audit.id)
    assert [(c.number, c.standard_version) for c in cycles] == [(1, "2019")]
    assert len(list_criteria(ctx.store.db, cycles[0].id)) == 3


def test_new_audit_dialog_refuses_empty_title_inline(qtbot, ctx):
    dialog = NewAuditDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.lead.setText("Dr X")
    qtbot.mouseClick(dialog.create_button, Qt.LeftButton)
    assert dialog.title_error.isVisible() and "needs a title" in dialog.title_error.text()
    assert dialog.result() != QDialog.Accepted and dialog.created_audit_id is None
    assert len(list_audits(ctx.store.db)) == 4
    qtbot.keyClicks(dialog.title, "Now titled")
    assert not dialog.title_error.isVisible()


def test_new_audit_dialog_offers_similar_audit_instead(qtbot, ctx):
    dialog = NewAuditDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.similar_group.isVisible()
    qtbot.keyClicks(dialog.title, "VTE risk assessment")
    assert dialog.similar_group.isVisible()
    # The VTE audit first; the demo's falls audit shares "risk assessment" and comes second.
    assert dialog.similar_list.count() == 2
    item = dialog.similar_list.item(0)
    assert item.data(Qt.UserRole) == VTE_ID and "“vte”" in item.text()
    assert dialog.similar_list.item(1).data(Qt.UserRole) == FALLS_ID
    assert not dialog.open_instead_button.isEnabled()
    dialog.similar_list.setCurrentRow(0)
    qtbot.mouseClick(dialog.open_instead_button, Qt.LeftButton)
    assert dialog.result() == QDialog.Accepted and dialog.open_instead_id == VTE_ID
    assert dialog.created_audit_id is None and len(list_audits(ctx.store.db)) == 4


def test_new_audit_dialog_suggests_on_one_distinctive_word(qtbot, ctx):
    dialog = NewAuditDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.title, "Care")  # a common word alone points at nothing
    assert not dialog.similar_group.isVisible()
    dialog.title.clear()
    qtbot.keyClicks(dialog.title, "Sepsis")
    assert dialog.similar_group.isVisible() and dialog.similar_list.count() == 1
    assert dialog.similar_list.item(0).data(Qt.UserRole) == 2 and "“sepsis”" in dialog.similar_list.item(0).text()


def test_main_window_new_audit_opens_it_at_plan(qtbot, ctx, monkeypatch):
    def fill_and_create(dialog: NewAuditDialog) -> int:
        qtbot.keyClicks(dialog.title, "Hand hygiene on surgical wards")
        qtbot.mouseClick(dialog.create_button, Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(NewAuditDialog, "exec", fill_and_create)
    window = make_window(qtbot, ctx)
    window.new_audit()
    new_id = max(a.id for a in list_audits(ctx.store.db))
    assert window.stack.currentWidget() is window.workspace and window.workspace.audit_id == new_id
    assert window.workspace.steps.currentRow() == 0
    assert window.workspace.cycle_box.currentText() == "Cycle 1 (baseline)"
    assert window.workspace.pages["plan"].details.fields["title"].text() == "Hand hygiene on surgical wards"


# --- Audit details ------------------------------------------------------------------------------

def test_editing_fields_saves_at_once_and_refreshes_heading(qtbot, ctx):
    window, page = plan_page(qtbot, ctx)
    with qtbot.waitSignal(page.data_changed):
        retype(qtbot, page.details.fields["title"], "VTE prevention in medical admissions")
    assert get_audit(ctx.store.db, VTE_ID).title == "VTE prevention in medical admissions"
    assert "VTE prevention in medical admissions" in window.workspace.heading.text()
    retype(qtbot, page.details.fields["registration_number"], "CA-2026-001")
    page.details.fields["priority"].setCurrentIndex(page.details.fields["priority"].findData("national"))
    page.details.rag_tolerance.setValue(15)
    page.details.small_numbers.setValue(10)
    page.details.fields["report_due"].set_and_commit("2027-01-15")
    page.details.fields["reaudit_due"].clear()
    aim = page.details.fields["aim"]
    aim.setPlainText("A new aim.")
    aim.commit()
    audit = get_audit(ctx.store.db, VTE_ID)
    assert (audit.registration_number, audit.priority, audit.rag_tolerance, audit.small_number_threshold) == (
        "CA-2026-001", "national", 15.0, 10)
    assert (audit.report_due, audit.reaudit_due, audit.aim) == ("2027-01-15", None, "A new aim.")


def test_empty_title_is_refused_inline_and_nothing_stored(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    before = get_audit(ctx.store.db, VTE_ID)
    retype(qtbot, page.details.fields["title"], "")
    error = page.details.errors["title"]
    assert error.isVisible() and "needs a title" in error.text()
    aim = page.details.fields["aim"]
    aim.setPlainText("Changed while the title is empty")
    aim.commit()
    after = get_audit(ctx.store.db, VTE_ID)
    assert (after.title, after.aim, after.updated_at) == (before.title, before.aim, before.updated_at)
    retype(qtbot, page.details.fields["title"], "Fixed title")
    assert not error.isVisible()
    assert get_audit(ctx.store.db, VTE_ID).aim == "Changed while the title is empty"


def test_abandoned_needs_a_reason_before_it_is_saved(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    status = page.details.fields["status"]
    status.setCurrentIndex(status.findData("abandoned"))
    assert page.details.errors["abandoned_reason"].isVisible()
    assert get_audit(ctx.store.db, VTE_ID).status == "reaudit_due"
    retype(qtbot, page.details.fields["abandoned_reason"], "Lead rotated; no one to take it on")
    audit = get_audit(ctx.store.db, VTE_ID)
    assert (audit.status, audit.abandoned_reason) == ("abandoned", "Lead rotated; no one to take it on")
    assert not page.details.errors["abandoned_reason"].isVisible()


def test_failed_hqip_test_warns_and_unconfirms(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    assert get_audit(ctx.store.db, VTE_ID).is_audit_confirmed
    qtbot.mouseClick(page.details.tests["no_randomisation"], Qt.LeftButton)
    audit = get_audit(ctx.store.db, VTE_ID)
    assert not audit.is_audit_confirmed
    assert json.loads(audit.audit_tests_json)["no_randomisation"] is False
    assert page.details.tests_message.text() == RESEARCH_WARNING
    qtbot.mouseClick(page.details.tests["no_randomisation"], Qt.LeftButton)
    assert get_audit(ctx.store.db, VTE_ID).is_audit_confirmed


@pytest.mark.parametrize("answer", [True, False])
def test_keeping_identifiers_asks_first(qtbot, ctx, dialog_log, answer):
    _window, page = plan_page(qtbot, ctx)
    dialog_log.answer = answer
    assert not page.details.identifiers_warning.isVisible()
    qtbot.mouseClick(page.details.keep_identifiers, Qt.LeftButton)
    assert dialog_log.kinds() == ["ask"]
    assert get_audit(ctx.store.db, VTE_ID).keep_identifiers is answer
    assert page.details.keep_identifiers.isChecked() is answer
    assert page.details.identifiers_warning.isVisible() is answer


def test_choosing_the_audit_standard(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    box = page.details.standard
    box.setCurrentIndex(box.findData(ng89(ctx).id))
    assert get_audit(ctx.store.db, VTE_ID).standard_id == ng89(ctx).id


# --- Cycles and sampling ------------------------------------------------------------------------

def test_cycles_table_model_passes_qt_checks(qtbot, ctx, qtmodeltester):
    _window, page = plan_page(qtbot, ctx)
    assert page.cycles.table_model.rowCount() == 2
    assert page.cycles.table_model.data(page.cycles.table_model.index(0, CyclesTableModel.COL_CYCLE)) == \
        "Cycle 1 (baseline)"
    qtmodeltester.check(page.cycles.table_model)


def test_sample_size_through_the_widgets(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    page.show_cycles_tab()
    panel = page.cycles
    for spin, text in ((panel.calc_population, "200"), (panel.calc_expected, "80"), (panel.calc_margin, "5")):
        spin.selectAll()
        qtbot.keyClicks(spin, text)
    assert panel.calc_result.text() == "111 cases"
    assert "rounded up to 111" in panel.calc_explain.text()
    qtbot.mouseClick(panel.use_sample_button, Qt.LeftButton)
    cycle = get_cycle(ctx.store.db, panel.cycle.id)
    assert (cycle.planned_sample, cycle.population_size) == (111, 200)
    assert panel.planned.value() == 111
    panel.calc_population.selectAll()
    qtbot.keyClick(panel.calc_population, Qt.Key_0)
    assert panel.calc_error.isVisible() and "above 0" in panel.calc_error.text()
    assert panel.calc_result.text() == "—" and not panel.use_sample_button.isEnabled()
    assert get_cycle(ctx.store.db, panel.cycle.id).planned_sample == 111


def test_random_sample_with_seed_is_stored_and_copied(qtbot, ctx, dialog_log):
    _window, page = plan_page(qtbot, ctx)
    page.show_cycles_tab()
    panel = page.cycles
    refs = [f"H{n:05d}" for n in range(1, 201)]
    panel.cases.setPlainText("\n".join(refs + ["H00001"]))
    assert panel.cases_count.text().startswith("200 eligible cases") and "1 repeated" in panel.cases_count.text()
    panel.select_n.setValue(20)
    qtbot.keyClicks(panel.seed, "20260301")
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    expected = select_random(refs, 20, seed=20260301)
    cycle = get_cycle(ctx.store.db, panel.cycle.id)
    data = json.loads(cycle.sampling_json)
    assert (cycle.sampling_method, cycle.sampling_seed, cycle.planned_sample) == ("simple_random", 20260301, 20)
    assert data["selected"] == expected.selected and data["describe"] == expected.describe()
    assert panel.selected_list.toPlainText().splitlines() == expected.selected
    assert "seed 20260301" in panel.selection_text.text()
    qtbot.mouseClick(panel.copy_button, Qt.LeftButton)
    assert QApplication.clipboard().text().splitlines() == expected.selected
    assert dialog_log.calls == []


def test_systematic_sample_and_bad_seed(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    page.show_cycles_tab()
    panel = page.cycles
    panel.cases.setPlainText("\n".join(str(n) for n in range(1, 101)))
    panel.select_method.setCurrentIndex(panel.select_method.findData("systematic"))
    panel.select_n.setValue(10)
    qtbot.keyClicks(panel.seed, "abc")
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    assert panel.select_error.isVisible() and "whole number" in panel.select_error.text()
    assert get_cycle(ctx.store.db, panel.cycle.id).sampling_json == "{}"
    retype(qtbot, panel.seed, "7")
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    data = json.loads(get_cycle(ctx.store.db, panel.cycle.id).sampling_json)
    assert (data["method"], data["k"], data["seed"], len(data["selected"])) == ("systematic", 10, 7, 10)


def test_start_reaudit_cycle_copies_criteria_and_shows_in_cycle_box(qtbot, ctx, dialog_log):
    window, page = plan_page(qtbot, ctx)
    before = list_cycles(ctx.store.db, VTE_ID)
    with qtbot.waitSignal(page.data_changed):
        qtbot.mouseClick(page.cycles.next_cycle_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["ask"] and "3 criteria" in dialog_log.calls[0][2]
    cycles = list_cycles(ctx.store.db, VTE_ID)
    assert [c.number for c in cycles] == [1, 2, 3]
    old = list_criteria(ctx.store.db, before[-1].id)
    new = list_criteria(ctx.store.db, cycles[-1].id)
    assert [c.lineage for c in new] == [c.lineage for c in old]
    assert [c.statement for c in new] == [c.statement for c in old]
    assert window.workspace.cycle_box.count() == 3
    assert window.workspace.cycle_box.currentText() == "Cycle 3 (re-audit)"
    assert page.cycles.table_model.rowCount() == 3 and page.cycles.cycle.id == cycles[-1].id


def test_declining_the_reaudit_question_adds_nothing(qtbot, ctx, dialog_log):
    _window, page = plan_page(qtbot, ctx)
    dialog_log.answer = False
    qtbot.mouseClick(page.cycles.next_cycle_button, Qt.LeftButton)
    assert len(list_cycles(ctx.store.db, VTE_ID)) == 2


def test_cycle_period_and_method_are_saved_and_checked(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    page.show_cycles_tab()
    panel = page.cycles
    cycle_id = panel.cycle.id
    panel.method.setCurrentIndex(panel.method.findData("retrospective"))
    assert get_cycle(ctx.store.db, cycle_id).method == "retrospective"
    start = get_cycle(ctx.store.db, cycle_id).period_start
    panel.period_end.set_and_commit("2020-01-01")
    assert panel.cycle_error.isVisible() and "ends before" in panel.cycle_error.text()
    assert get_cycle(ctx.store.db, cycle_id).period_start == start
    assert get_cycle(ctx.store.db, cycle_id).period_end != "2020-01-01"


def test_newer_standard_version_in_later_cycle_is_announced(qtbot, ctx):
    standard = ng89(ctx)
    first, second = list_cycles(ctx.store.db, VTE_ID)
    first.standard_id, first.standard_version = standard.id, "2018"
    second.standard_id, second.standard_version = standard.id, "2019"
    update_cycle(ctx.store.db, first)
    update_cycle(ctx.store.db, second)
    _window, page = plan_page(qtbot, ctx)
    assert page.banner.isVisible()
    assert "Cycle 2 (re-audit) uses a newer version of NICE NG89 (2019)" in page.banner.text()


def test_choosing_a_cycle_standard_records_its_version(qtbot, ctx):
    _window, page = plan_page(qtbot, ctx)
    page.show_cycles_tab()
    panel = page.cycles
    panel.standard.setCurrentIndex(panel.standard.findData(ng89(ctx).id))
    cycle = get_cycle(ctx.store.db, panel.cycle.id)
    assert (cycle.standard_id, cycle.standard_version) == (ng89(ctx).id, "2019")
    assert "2019" in panel.standard_version.text()


# --- Standards library --------------------------------------------------------------------------

def test_standards_dialog_search_and_view(qtbot, ctx):
    dialog = StandardsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.list.count() >= 6
    qtbot.keyClicks(dialog.search, "ng89")
    assert dialog.list.count() == 1
    text = dialog.details.toPlainText()
    assert "Venous thromboembolism" in text and "https://www.nice.org.uk/guidance/ng89" in text
    assert "<a " not in dialog.details.toHtml()
    assert not dialog.edit_button.isEnabled() and not dialog.delete_button.isEnabled()


def test_standard_editor_saves_valid_and_refuses_invalid(qtbot, ctx):
    editor = StandardEditor(ctx, Standard(title="", source="local_policy"))
    qtbot.addWidget(editor)
    editor.show()
    qtbot.keyClicks(editor.title, "Trust falls policy")
    editor.add_criterion_row()
    for col, text in enumerate(["Assessed", "Falls risk assessed on admission", "Adults ≥ 65 admitted",
                                "Assessed ≤ 24 h", "None", "abc"]):
        editor.criteria.item(0, col).setText(text)
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.error.isVisible() and "target must be a number" in editor.error.text()
    assert editor.saved is None
    editor.criteria.item(0, 5).setText("90")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.saved is not None and editor.result() == QDialog.Accepted
    stored = get_standard_by_uid(ctx.store.db, editor.saved.uid)
    assert stored.origin == "user" and stored.criteria[0]["target"] == 90.0


def _cell(editor: StandardEditor, row: int, name: str):
    """The widget or item of a named column of the criteria table."""
    col = [field for field, _label in editor.CRITERIA_COLUMNS].index(name)
    return editor.criteria.cellWidget(row, col) or editor.criteria.item(row, col)


def test_standard_editor_sets_answer_type_threshold_operator_and_unit(qtbot, ctx):
    editor = StandardEditor(ctx, Standard(title="Trust sepsis policy", source="local_policy"))
    qtbot.addWidget(editor)
    editor.show()
    editor.add_criterion_row()
    for col, text in enumerate(["Antibiotics", "Antibiotics within the hour", "Red-flag sepsis",
                                "Antibiotics given in time", "None", "95"]):
        editor.criteria.item(0, col).setText(text)
    assert not _cell(editor, 0, "threshold_op").isEnabled()  # Yes/No: no threshold to set
    assert not _cell(editor, 0, "threshold").flags() & Qt.ItemIsEnabled
    answer = _cell(editor, 0, "answer_type")
    answer.setCurrentIndex(answer.findData("time_diff"))
    assert _cell(editor, 0, "threshold_op").isEnabled() and _cell(editor, 0, "threshold").flags() & Qt.ItemIsEnabled
    _cell(editor, 0, "threshold").setText("one hour")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.saved is None and "threshold must be a number" in editor.error.text()
    _cell(editor, 0, "threshold").setText("1")
    _cell(editor, 0, "threshold_unit").setCurrentText("hrs")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.saved is None and "minutes, hours or days" in editor.error.text()
    _cell(editor, 0, "threshold_unit").setCurrentText("hours")
    op = _cell(editor, 0, "threshold_op")
    op.setCurrentIndex(op.findData("<"))
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    assert editor.saved is not None
    stored = get_standard_by_uid(ctx.store.db, editor.saved.uid).criteria[0]
    assert (stored["answer_type"], stored["threshold"], stored["threshold_op"], stored["threshold_unit"]) == (
        "time_diff", 1.0, "<", "hours")


def test_standard_editor_shows_a_copied_time_criterion_and_drops_unused_thresholds(qtbot, ctx):
    from model.plan.standards import copy_standard

    sepsis = next(s for s in list_standards(ctx.store.db) if s.reference_code == "NICE NG51")
    editor = StandardEditor(ctx, copy_standard(sepsis))
    qtbot.addWidget(editor)
    assert _cell(editor, 1, "answer_type").currentData() == "time_diff"
    assert (_cell(editor, 1, "threshold").text(), _cell(editor, 1, "threshold_unit").currentText()) == (
        "60", "minutes")
    answer = _cell(editor, 1, "answer_type")
    answer.setCurrentIndex(answer.findData("yes_no"))
    spec = editor.form_standard().criteria[1]
    assert (spec["answer_type"], spec["threshold"], spec["threshold_unit"]) == ("yes_no", None, "")


def test_standards_dialog_describes_the_answer_rule(qtbot, ctx):
    dialog = StandardsDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.search, "ng51")
    assert "Met when the time is ≤ 60 minutes" in dialog.details.toPlainText()


def test_standards_library_export_and_import_through_dialog(qtbot, ctx, dialog_log, tmp_path):
    from model.plan.standards import save_standard

    save_standard(ctx.store.db, Standard(title="Local policy", source="local_policy", version="1"))
    dialog = StandardsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog_log.save_path = str(tmp_path / "lib.json")
    qtbot.mouseClick(dialog.export_button, Qt.LeftButton)
    assert len(json.loads((tmp_path / "lib.json").read_text(encoding="utf-8"))["standards"]) == 1
    dialog_log.open_path = str(tmp_path / "lib.json")
    qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    assert dialog_log.calls[-1][0] == "inform" and "1 skipped" in dialog_log.calls[-1][2]


# --- The bin (reached from the register) --------------------------------------------------------

def test_bin_dialog_restores_and_deletes_forever(qtbot, ctx, dialog_log):
    from gui.bin_dialog import BinDialog
    from model.plan.audits import delete_audit

    delete_audit(ctx.store.db, 2)
    delete_audit(ctx.store.db, 3)
    dialog = BinDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2
    dialog.list.setCurrentRow([dialog.list.item(i).data(Qt.UserRole) for i in range(2)].index(2))
    qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    assert [a.id for a in list_audits(ctx.store.db, only_deleted=True)] == [3]
    dialog_log.answer = False
    qtbot.mouseClick(dialog.purge_button, Qt.LeftButton)
    assert [a.id for a in list_audits(ctx.store.db, only_deleted=True)] == [3]
    dialog_log.answer = True
    qtbot.mouseClick(dialog.purge_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["ask", "ask"]
    assert list_audits(ctx.store.db, only_deleted=True) == [] and dialog.list.count() == 0
    assert sorted(a.id for a in list_audits(ctx.store.db, include_deleted=True)) == [1, 2, 4]
    assert dialog.changed and not dialog.purge_button.isEnabled()


def test_deleting_an_audit_that_kept_identifiers_offers_to_delete_older_backups(qtbot, ctx, dialog_log):
    from gui.bin_dialog import BinDialog
    from model.collect.cases import Case, add_case
    from model.plan.audits import Audit, create_audit, delete_audit
    from model.plan.cycles import Cycle, create_cycle
    from model.store.store import backup_now, list_backups

    db, path = ctx.store.db, ctx.store.path
    kept = create_audit(db, Audit(title="Named patients", keep_identifiers=True))
    add_case(db, Case(cycle_id=create_cycle(db, Cycle(audit_id=kept.id)).id, case_ref="1", nhs_number="9434765919"))
    holding = backup_now(db, path)
    others = set(list_backups(path)) - {holding}
    delete_audit(db, kept.id)
    dialog = BinDialog(ctx)
    qtbot.addWidget(dialog)
    dialog_log.answer = True
    qtbot.mouseClick(dialog.purge_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["ask", "ask", "inform"]
    question = dialog_log.calls[1][2]
    assert "older backup" in question and "NHS numbers" in question
    assert not holding.exists() and set(list_backups(path)) == others


def test_register_bin_button_reloads_after_restore(qtbot, ctx, monkeypatch):
    from gui.bin_dialog import BinDialog

    def restore_first(dialog: BinDialog) -> int:
        qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
        return QDialog.Accepted

    monkeypatch.setattr(BinDialog, "exec", restore_first)
    window = make_window(qtbot, ctx)
    window.register.select_audit(3)
    qtbot.mouseClick(window.register.delete_button, Qt.LeftButton)
    assert len(window.register.table_model.rows) == 3
    qtbot.mouseClick(window.register.bin_button, Qt.LeftButton)
    assert len(window.register.table_model.rows) == 4 and not window.register.undo_button.isEnabled()


def test_audit_without_cycles_can_start_its_first(qtbot, ctx, dialog_log):
    _window, page = plan_page(qtbot, ctx, audit_id=3)
    panel = page.cycles
    assert panel.cycle is None and not panel.cycle_box.isEnabled()
    assert panel.next_cycle_button.text() == "Start the first cycle"
    qtbot.mouseClick(panel.next_cycle_button, Qt.LeftButton)
    assert dialog_log.calls == []
    assert [c.number for c in list_cycles(ctx.store.db, 3)] == [1]
    assert panel.cycle is not None and panel.cycle_box.isEnabled() and panel.table_model.rowCount() == 1
