"""The Collect stage: keyboard entry, the case list, the import wizard, proforma, data quality."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from gui.main_window import MainWindow
from gui.stages.collect import CollectPage
from gui.table_models import FrameTableModel
from model.collect import case_import
from model.collect.cases import count_cases, list_cases
from model.collect.proforma import read_proforma_meta
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.plan.audits import Audit, create_audit, get_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle
from tests.conftest import SHARED_DATA

WARD_CRITERIA = [
    ("Screening tool used", "Sepsis screening tool completed for adults with NEWS2 ≥ 5"),
    ("Antibiotics ≤1 h", "IV antibiotics within 1 hour of recognition of high-risk sepsis"),
    ("Cultures before antibiotics", "Blood cultures taken before antibiotics"),
    ("Lactate ≤1 h", "Lactate measured within 1 hour"),
]


def open_collect(qtbot, ctx, audit_id: int) -> CollectPage:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_audit(audit_id)
    page = window.workspace.show_stage("collect")
    assert isinstance(page, CollectPage)
    page.test_window = window  # keep the window alive as long as the test holds the page
    return page


WARD = json.loads((SHARED_DATA / "ward_audit_example.expected.json").read_text(encoding="utf-8"))
WARD_DATES = sorted(c["admission_date"] for c in WARD["case_detail"])
WARD_KEYS = ("C1", "C2", "C3", "C4")
WARD_ODD = [u["value"] for k in WARD_KEYS for u in WARD["criteria"][k]["unrecognised"]]


def ward_audit(ctx) -> int:
    """A fresh audit whose one cycle (covering the workbook's admission dates) has its four criteria."""
    db = ctx.store.db
    audit = create_audit(db, Audit(title="AMU sepsis (ward sheet)", status="data_collection"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start=WARD_DATES[0], period_end=WARD_DATES[-1],
                                   planned_sample=80))
    for short, statement in WARD_CRITERIA:
        add_criterion(db, cycle.id, Criterion(statement=statement, short_name=short))
    return audit.id


@pytest.fixture
def ward_file(tmp_path, shared_data) -> Path:
    copy = tmp_path / "ward_audit_example.xlsx"
    shutil.copy(shared_data / "ward_audit_example.xlsx", copy)
    return copy


def run_wizard(qtbot, page: CollectPage, path: Path, *, decide: dict[str, str] | None = None):
    """Drive the wizard to its last page; returns it with the plan ready."""
    wizard = page.start_import()
    wizard.closed_with = []  # QDialog result codes, so a wizard closed (and deleted) early is seen
    wizard.finished.connect(wizard.closed_with.append)
    wizard.open_path(path)
    qtbot.waitUntil(lambda: bool(wizard.closed_with) or wizard.file_page.isComplete(), timeout=20000)
    if wizard.closed_with:
        return wizard
    wizard.next()
    qtbot.waitUntil(wizard.sheet_page.isComplete)
    wizard.next()
    assert wizard.mapping_page.isComplete(), wizard.mapping_page.problems()
    wizard.next()
    qtbot.waitUntil(wizard.values_page.isComplete, timeout=20000)
    for value, outcome in (decide or {}).items():
        wizard.values_page.decide(value, outcome)
    wizard.next()
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=20000)
    return wizard


def stored_counts(ctx, cycle_id: int) -> list[dict[str, int]]:
    db = ctx.store.db
    return [dict(db.execute("SELECT outcome, COUNT(*) FROM answers a JOIN cases c ON c.id = a.case_id "
                            "WHERE a.criterion_id = ? AND c.deleted_at IS NULL GROUP BY outcome", [c.id]).fetchall())
            for c in list_criteria(db, cycle_id)]


# --- entry form -------------------------------------------------------------------------


def test_three_cases_entered_by_keyboard(qtbot, ctx):
    page = open_collect(qtbot, ctx, 2)  # Sepsis, cycle 2: four yes/no criteria
    cycle_id = page.cycle_id
    before = count_cases(ctx.store.db, cycle_id)
    page.tabs.setCurrentWidget(page.form)
    form = page.form
    answers = ["YNAY", "NNYY", "Y"]  # the third case leaves three criteria blank (missing)
    for number, keys in enumerate(answers, start=1):
        form.case_ref.clear()
        qtbot.keyClicks(form.case_ref, f"K{number}")
        qtbot.keyClicks(form.case_date, "05/12/2025")
        qtbot.keyClicks(form.collector, "LC")
        form.first_criterion_field().setFocus()
        for key in keys:
            qtbot.keyClick(form.focusWidget(), getattr(Qt, f"Key_{key}"))
        if len(keys) < len(form.rows):
            form.save_next_button.setFocus()
        assert form.focusWidget() is form.save_next_button
        qtbot.keyClick(form.save_next_button, Qt.Key_Return)
        assert form.heading.text() == "<b>New case</b>"
    db = ctx.store.db
    assert count_cases(db, cycle_id) == before + 3
    stored = {c.case_ref: c for c in list_cases(db, cycle_id) if c.case_ref.startswith("K")}
    crits = [c.id for c in list_criteria(db, cycle_id)]
    outcomes = {ref: [dict(db.execute("SELECT criterion_id, outcome FROM answers WHERE case_id = ?",
                                      [case.id]).fetchall())[cid] for cid in crits] for ref, case in stored.items()}
    assert outcomes == {"K1": ["met", "not_met", "exception", "met"], "K2": ["not_met", "not_met", "met", "met"],
                        "K3": ["met", "missing", "missing", "missing"]}
    assert stored["K1"].case_date == "2025-12-05" and stored["K1"].collector == "LC"
    assert form.case_ref.text() == "K4"  # the next reference is suggested
    assert f"{before + 3} of" in form.progress.text()


def test_keys_clear_and_enter_moves_on(qtbot, ctx):
    page = open_collect(qtbot, ctx, 2)
    form = page.form
    page.tabs.setCurrentWidget(form)
    first = form.first_criterion_field()
    first.setFocus()
    qtbot.keyClick(first, Qt.Key_Y)
    assert first.outcome() == "met" and form.focusWidget() is form.rows[1].field
    qtbot.keyClick(first, Qt.Key_Backspace)
    assert first.outcome() == "missing"
    qtbot.keyClick(form.rows[1].field, Qt.Key_Return)
    assert form.focusWidget() is form.rows[2].field


def test_validation_blocks_a_case_without_ref_and_warns_on_dates(qtbot, ctx):
    page = open_collect(qtbot, ctx, 2)
    form = page.form
    before = count_cases(ctx.store.db, page.cycle_id)
    form.case_ref.clear()
    assert form.save() is None
    assert "case reference" in form.messages.text()
    qtbot.keyClicks(form.case_ref, "V1")
    qtbot.keyClicks(form.case_date, "31/02/2026")
    assert form.save() is None and "impossible date" in form.messages.text()
    form.case_date.setText("01/01/2020")
    errors, warnings = form.validate()
    assert not errors and "outside" in warnings[0]
    assert form.save() is not None
    assert count_cases(ctx.store.db, page.cycle_id) == before + 1


def test_duplicate_reference_is_refused(qtbot, ctx):
    page = open_collect(qtbot, ctx, 2)
    form = page.form
    form.case_ref.setText("C2-001")
    assert form.save() is None
    assert "already used" in form.messages.text()


def test_numeric_and_time_criteria_show_the_result_live(qtbot, ctx):
    audit = create_audit(ctx.store.db, Audit(title="Timing"))
    cycle = create_cycle(ctx.store.db, Cycle(audit_id=audit.id))
    add_criterion(ctx.store.db, cycle.id, Criterion(statement="Antibiotics within 60 minutes", short_name="Abx",
                                                    answer_type="time_diff", threshold=60, threshold_unit="minutes"))
    add_criterion(ctx.store.db, cycle.id, Criterion(statement="Hb at least 70", short_name="Hb",
                                                    answer_type="numeric", threshold=70, threshold_op=">="))
    add_criterion(ctx.store.db, cycle.id, Criterion(statement="Route", answer_type="choice",
                                                    choices_json='["IV", "Oral"]', met_choices_json='["IV"]'))
    page = open_collect(qtbot, ctx, audit.id)
    form = page.form
    abx, hb, route = form.rows
    qtbot.keyClicks(abx.field.value, "45")
    assert abx.result.text() == "Met"
    abx.field.value.clear()
    qtbot.keyClicks(abx.field.start, "03/02/2026 10:00")
    qtbot.keyClicks(abx.field.end, "03/02/2026 11:30")
    assert abx.result.text() == "Not met"
    qtbot.keyClicks(hb.field.value, "69")
    assert hb.result.text() == "Not met"
    route.field.setCurrentText("IV")
    assert route.result.text() == "Met"
    case_id = form.save()
    answers = {a: b for a, b in ctx.store.db.execute("SELECT criterion_id, outcome FROM answers WHERE case_id = ?",
                                                     [case_id]).fetchall()}
    assert sorted(answers.values()) == ["met", "not_met", "not_met"]
    value = ctx.store.db.execute("SELECT value FROM answers WHERE case_id = ? AND criterion_id = ?",
                                 [case_id, abx.criterion.id]).fetchone()[0]
    assert value == 90


# --- case list ----------------------------------------------------------------------------


def test_case_list_filter_edit_delete_and_undo(qtbot, ctx, qtmodeltester):
    page = open_collect(qtbot, ctx, 1)
    qtmodeltester.check(page.case_model)
    total = page.case_model.rowCount()
    assert total == count_cases(ctx.store.db, page.cycle_id)
    qtbot.keyClicks(page.filter, "C2-01")
    assert [r.case_ref for r in page.case_model.rows] == [f"C2-01{i}" for i in range(10)]
    page.case_table.selectRow(0)
    qtbot.mouseClick(page.edit_button, Qt.LeftButton)
    assert page.tabs.currentWidget() is page.form and page.form.case_ref.text() == "C2-010"
    page.tabs.setCurrentIndex(0)
    page.case_table.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    assert "C2-010" not in [r.case_ref for r in page.case_model.rows]
    assert count_cases(ctx.store.db, page.cycle_id) == total - 1
    page.case_table.setFocus()
    qtbot.keyClick(page.case_table, Qt.Key_Z, Qt.ControlModifier)
    assert count_cases(ctx.store.db, page.cycle_id) == total
    assert not page.undo_button.isEnabled()


def test_half_entered_case_is_saved_when_asked_before_editing_another(qtbot, ctx, dialog_log):
    page = open_collect(qtbot, ctx, 2)
    dialog_log.choice = 0  # Save (asked first: never a silent save of half a case)
    form = page.form
    before = count_cases(ctx.store.db, page.cycle_id)
    form.case_ref.setText("AUTO1")
    form.first_criterion_field().setFocus()
    qtbot.keyClick(form.first_criterion_field(), Qt.Key_N)
    page.open_case(page.case_model.case_id(0))
    assert dialog_log.offered == [["Save", "Discard", "Cancel"]]
    assert count_cases(ctx.store.db, page.cycle_id) == before + 1
    assert "AUTO1" in [c.case_ref for c in list_cases(ctx.store.db, page.cycle_id)]


def test_edit_loads_answers_and_saves_changes(qtbot, ctx):
    page = open_collect(qtbot, ctx, 1)
    case_id = page.case_model.case_id(0)
    page.open_case(case_id)
    form = page.form
    form.first_criterion_field().setFocus()
    qtbot.keyClick(form.first_criterion_field(), Qt.Key_A)
    form.save()
    crit = list_criteria(ctx.store.db, page.cycle_id)[0]
    outcome = ctx.store.db.execute("SELECT outcome FROM answers WHERE case_id = ? AND criterion_id = ?",
                                   [case_id, crit.id]).fetchone()[0]
    assert outcome == "exception"


# --- import wizard ------------------------------------------------------------------------


def test_import_wizard_on_the_ward_workbook(qtbot, ctx, ward_file, shared_data):
    expected = json.loads((shared_data / "ward_audit_example.expected.json").read_text(encoding="utf-8"))
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = run_wizard(qtbot, page, ward_file)
    assert wizard.sheet_page.sheet.currentText() == expected["data_sheet"]
    # The merged group labels above the header make a two-row header that starts in their row.
    assert wizard.sheet_page.header_row.value() == expected["group_label_row"] == expected["header_row"] - 1
    assert wizard.values_page.table.rowCount() == len(set(WARD_ODD))
    assert wizard.preview_page.counts_model.rowCount() == 4
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    assert count_cases(ctx.store.db, page.cycle_id) == expected["cases"]
    for got, key in zip(stored_counts(ctx, page.cycle_id), WARD_KEYS, strict=True):
        want = expected["criteria"][key]
        assert got.get("met", 0) == want["met"]
        assert got.get("not_met", 0) == want["not_met"]
        assert got.get("exception", 0) == want["exception"]
        assert got.get("missing", 0) == want["missing"] + len(want["unrecognised"])
    assert page.case_model.rowCount() == expected["cases"]
    assert page.imports_model.rowCount() == 1
    assert ctx.store.db.execute("SELECT COUNT(*) FROM cases WHERE nhs_number IS NOT NULL").fetchone()[0] == 0
    audit_uid = get_audit(ctx.store.db, page.audit_id).uid
    assert key_path_for(ctx.store.path, audit_uid).exists()  # the key lives beside the data file, not in it


def test_decisions_in_the_wizard_are_stored(qtbot, ctx, ward_file):
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    (odd,) = WARD["criteria"]["C4"]["unrecognised"]
    wizard = run_wizard(qtbot, page, ward_file, decide={odd["value"]: "not_met"})
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    lactate = stored_counts(ctx, page.cycle_id)[3]
    assert lactate["not_met"] == WARD["criteria"]["C4"]["not_met"] + 1


def test_cancel_during_import_stores_nothing(qtbot, ctx, ward_file, monkeypatch, dialog_log):
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = run_wizard(qtbot, page, ward_file)

    def press_cancel(progress, done, total, text=""):
        progress.cancel()  # what the progress dialog's Cancel button does
        progress.report(done, total, text)

    monkeypatch.setattr(case_import, "report", press_cancel)
    wizard.accept()
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20000)
    assert dialog_log.calls[-1][1] == "Import cancelled"
    assert count_cases(ctx.store.db, page.cycle_id) == 0
    assert ctx.store.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert wizard.button(QWizard.FinishButton).isEnabled()


def test_reimport_is_detected_replace_or_skip(qtbot, ctx, ward_file, dialog_log):
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    first = run_wizard(qtbot, page, ward_file)
    with qtbot.waitSignal(first.imported, timeout=20000):
        first.accept()
    dialog_log.answer = False  # Skip
    skipped = run_wizard(qtbot, page, ward_file)
    assert dialog_log.calls[-1][1] == "File already imported"
    assert skipped.closed_with == [0]  # rejected: nothing imported
    assert count_cases(ctx.store.db, page.cycle_id) == WARD["cases"]
    dialog_log.answer = True  # Replace
    again = run_wizard(qtbot, page, ward_file)
    assert again.preview_page.wiz.session.plan.case_count == WARD["cases"]
    with qtbot.waitSignal(again.imported, timeout=20000):
        again.accept()
    assert count_cases(ctx.store.db, page.cycle_id) == WARD["cases"]
    assert page.imports_model.rowCount() == 1


def test_header_row_can_be_changed_by_hand(qtbot, ctx, ward_file):
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = page.start_import()
    wizard.open_path(ward_file)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    wizard.next()
    sheet_page = wizard.sheet_page
    sheet_page.header_row.setValue(1)
    sheet_page.header_row.editingFinished.emit()
    qtbot.waitUntil(lambda: sheet_page.isComplete() and wizard.session.table.header_row == 1, timeout=20000)
    title = str(load_workbook(ward_file)[WARD["data_sheet"]]["A1"].value)
    assert wizard.session.table.columns[0] == " ".join(title.split())
    header = WARD["header_row"]
    sheet_page.header_row.setValue(header)
    sheet_page.header_row.editingFinished.emit()
    qtbot.waitUntil(lambda: sheet_page.isComplete() and wizard.session.table.header_row == header, timeout=20000)
    assert wizard.session.table.columns[0] == "Case no." and len(wizard.session.table.data) == WARD["cases"]
    assert sheet_page.preview_model.rowCount() == 50


def test_mapping_page_needs_a_case_ref(qtbot, ctx, ward_file):
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = page.start_import()
    wizard.open_path(ward_file)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    wizard.next()
    wizard.next()
    mapping = wizard.mapping_page
    table = wizard.session.table
    case = table.columns[table.letters.index(WARD["columns"]["case"])]
    assert mapping.mapping()[case] == "case_ref"
    mapping.set_target(case, "ignore")
    assert not mapping.isComplete() and "case reference" in mapping.problem.text()
    mapping.set_target(case, "case_ref")
    mapping.profile_name.setText("AMU sheet")
    qtbot.mouseClick(mapping.save_profile, Qt.LeftButton)
    assert mapping.profiles.currentText() == "AMU sheet"


# --- proforma, quick look, key ---------------------------------------------------------------


def test_proforma_saved_from_the_page(qtbot, ctx, tmp_path, dialog_log):
    page = open_collect(qtbot, ctx, 2)
    dialog_log.save_path = str(tmp_path / "proforma.xlsx")
    qtbot.mouseClick(page.proforma_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20000)
    meta = read_proforma_meta(tmp_path / "proforma.xlsx")
    assert meta.cycle_id == page.cycle_id and len(meta.columns) == 6 + 4


def test_quick_look_without_an_audit(qtbot, ctx, ward_file, dialog_log):
    page = open_collect(qtbot, ctx, 3)  # the proposed audit has no cycle
    assert not page.import_button.isEnabled()
    dialog_log.open_path = str(ward_file)
    qtbot.mouseClick(page.quick_look_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "quick_look_dialog", None) is not None, timeout=20000)
    html = page.quick_look_dialog.text.toPlainText()
    assert WARD["data_sheet"] in html and "Lactate measured" in html


def test_destroy_key_asks_twice(qtbot, ctx, dialog_log):
    page = open_collect(qtbot, ctx, 2)
    key = key_path_for(ctx.store.path, get_audit(ctx.store.db, 2).uid)
    load_or_create_key(key)
    dialog_log.answer = False
    qtbot.mouseClick(page.destroy_key_button, Qt.LeftButton)
    assert key.exists()
    dialog_log.answer = True
    qtbot.mouseClick(page.destroy_key_button, Qt.LeftButton)
    assert not key.exists()
    assert [c[0] for c in dialog_log.calls] == ["ask", "ask", "ask", "inform"]


# --- data quality ----------------------------------------------------------------------------


def test_data_quality_go_to_case(qtbot, ctx, qtmodeltester):
    page = open_collect(qtbot, ctx, 2)
    page.tabs.setCurrentWidget(page.quality)
    view = page.quality
    qtbot.waitUntil(lambda: view.quality is not None, timeout=20000)
    qtmodeltester.check(view.issues_model)
    assert view.issues_model.rowCount() == len(view.quality.issues) > 0
    view.issues.selectRow(0)
    assert view.go_button.isEnabled()
    case_ref = view.issues_model.row_value(0, "case_ref")
    qtbot.mouseClick(view.go_button, Qt.LeftButton)
    assert page.tabs.currentWidget() is page.form
    assert page.form.case_ref.text() == case_ref


def test_frame_model_checks(qtmodeltester):
    import pandas as pd

    model = FrameTableModel({"a": "A", "b": "B"})
    model.set_frame(pd.DataFrame({"a": [1.5, None], "b": ["x", "y"]}))
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "1.5" and model.data(model.index(1, 0)) == ""


def test_an_empty_cycle_says_how_to_add_cases(qtbot, ctx):
    audit = create_audit(ctx.store.db, Audit(title="Consent forms"))
    cycle = create_cycle(ctx.store.db, Cycle(audit_id=audit.id))
    add_criterion(ctx.store.db, cycle.id, Criterion(statement="Consent form signed before the operation"))
    add_criterion(ctx.store.db, cycle.id, Criterion(statement="Risks documented", short_name="Risks"))
    page = open_collect(qtbot, ctx, audit.id)
    assert page.empty_hint.isVisible() and "New case" in page.empty_hint.text()
    form = page.form
    # A criterion without a short name is shown once, not as a cut-off name and then again in full.
    texts = [form.criteria_grid.itemAtPosition(i, 0).widget().text() for i in range(2)]
    assert texts[0] == "<b>1. Consent form signed before the operation</b>"
    assert "<b>2. Risks</b>" in texts[1] and "Risks documented" in texts[1]
    form.first_criterion_field().setFocus()
    qtbot.keyClick(form.first_criterion_field(), Qt.Key_Y)
    assert form.save() is not None
    assert not page.empty_hint.isVisible()


def _timed_lactate(ctx, audit_id: int) -> Criterion:
    """As the built-in sepsis standard has it: 'Lactate ≤1 h' judged as minutes ≤ 60."""
    from model.plan.criteria import update_criterion
    from model.plan.cycles import list_cycles

    cycle = list_cycles(ctx.store.db, audit_id)[0]
    lactate = [c for c in list_criteria(ctx.store.db, cycle.id) if c.short_name == "Lactate ≤1 h"][0]
    lactate.answer_type, lactate.threshold, lactate.threshold_unit = "time_diff", 60, "minutes"
    return update_criterion(ctx.store.db, lactate)


@pytest.mark.parametrize(("choice", "lactate_type"),
                         [(0, "yes_no"), (1, "time_diff"), (3, "time_diff"), (-1, "time_diff")])
def test_yes_no_column_into_a_timed_criterion_makes_the_user_choose(qtbot, ctx, ward_file, dialog_log, choice,
                                                                     lactate_type):
    from model.plan.criteria import get_criterion

    page = open_collect(qtbot, ctx, ward_audit(ctx))
    lactate = _timed_lactate(ctx, page.audit_id)
    wizard = page.start_import()
    wizard.open_path(ward_file)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    wizard.next()
    qtbot.waitUntil(wizard.sheet_page.isComplete)
    wizard.next()
    column = next(col for col, target in wizard.mapping_page.mapping().items() if target.endswith(lactate.lineage))
    dialog_log.choice = choice
    wizard.next()
    kind, title, text = dialog_log.calls[-1]
    assert kind == "choose" and f"“{column}” holds Yes/No answers" in text and "0 counts as met" in text
    assert get_criterion(ctx.store.db, lactate.id).answer_type == lactate_type
    if choice in (3, -1):  # back, or the box closed: the user stays on the mapping to think again
        assert wizard.currentPage() is wizard.mapping_page
    else:
        assert wizard.currentPage() is wizard.values_page
        assert (wizard.session.mapping[column] == "ignore") == (choice == 1)


def test_ward_spellings_are_merged_as_the_user_leaves_them(qtbot, ctx, tmp_path):
    from model.collect.value_merge import merge_key, remembered_merges

    sheet = tmp_path / "wards.csv"
    sheet.write_text("Case no.,Ward,Screening tool used\n1,AMU,Y\n2,amu ,N\n3,Acute Medical Unit,Y\n"
                     "4,Ward 12,Y\n5,W12,N\n", encoding="utf-8")
    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = page.start_import()
    wizard.open_path(sheet)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    wizard.next()
    qtbot.waitUntil(wizard.sheet_page.isComplete)
    wizard.next()
    assert wizard.mapping_page.mapping()["Ward"] == "ward"
    wizard.next()
    qtbot.waitUntil(wizard.values_page.isComplete, timeout=20000)
    merges = wizard.values_page.merge_table
    assert merges.isVisibleTo(wizard) and merges.merges() == {
        "ward": {"AMU": "Acute Medical Unit", "amu": "Acute Medical Unit", "W12": "Ward 12"}}
    merges.rename("ward", "W12", "W12")  # the user keeps W12 apart
    wizard.next()
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=20000)
    assert sorted(set(wizard.session.plan.cases["ward"])) == ["Acute Medical Unit", "W12", "Ward 12"]
    with qtbot.waitSignal(wizard.imported, timeout=20000):
        wizard.accept()
    assert remembered_merges(ctx.store.db, "ward")[merge_key("amu")] == "Acute Medical Unit"


def test_nhs_numbers_are_masked_in_every_preview_of_the_wizard(qtbot, ctx, ward_file):
    from model.collect.answers import validate_nhs_numbers

    page = open_collect(qtbot, ctx, ward_audit(ctx))
    wizard = page.start_import()
    wizard.open_path(ward_file)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    numbers = set()
    for column in wizard.session.table.data.columns:
        checked = validate_nhs_numbers(wizard.session.table.data[column])
        numbers |= set(checked.loc[checked["valid"], "nhs_number"])
    assert numbers, "the ward workbook holds NHS numbers"
    wizard.next()
    qtbot.waitUntil(wizard.sheet_page.isComplete)
    model = wizard.sheet_page.preview_model
    assert model.rowCount() > 0
    shown = {str(model.index(r, c).data()).replace(" ", "") for r in range(model.rowCount())
             for c in range(model.columnCount())}
    wizard.next()
    mapping = wizard.mapping_page.table
    assert mapping.rowCount() > 0
    sample = wizard.mapping_page.COL_SAMPLE
    shown |= {mapping.item(r, sample).text().replace(" ", "") for r in range(mapping.rowCount())}
    assert not any(n in text for n in numbers for text in shown)
    assert any(text.startswith("•••••••") for text in shown)  # masked: only the last two digits show


def test_nhs_numbers_mapped_as_the_case_reference_import_pseudonymised(qtbot, ctx, tmp_path):
    """No column is mapped as the NHS number, yet the case references are NHS numbers: the
    wizard gets the audit's key and pseudonymises them (it used to stop: "key not available")."""
    sheet = tmp_path / "ward_sheet.csv"
    numbers = ["943 476 5919", "999 000 0018", "401 023 2137", "999 000 0026"]
    sheet.write_text("Case no.,Screening tool used,Antibiotics ≤1 h,Cultures before antibiotics,Lactate ≤1 h\n"
                     + "".join(f"{n},Yes,No,Yes,Yes\n" for n in numbers), encoding="utf-8")
    page = open_collect(qtbot, ctx, 2)
    wizard = page.start_import()
    wizard.open_path(sheet)
    qtbot.waitUntil(wizard.file_page.isComplete, timeout=20000)
    wizard.next()
    qtbot.waitUntil(wizard.sheet_page.isComplete)
    wizard.next()
    wizard.mapping_page.set_target("Case no.", "case_ref")
    wizard.next()
    qtbot.waitUntil(wizard.values_page.isComplete, timeout=20000)
    wizard.next()
    qtbot.waitUntil(wizard.preview_page.isComplete, timeout=20000)
    assert any("'Case no.' holds NHS numbers" in w for w in wizard.session.plan.warnings)
    assert "holds NHS numbers" in wizard.preview_page.summary.text()  # said before Import is pressed
    refs = set(wizard.session.plan.cases["case_ref"])
    assert not refs & {n.replace(" ", "") for n in numbers} and not refs & set(numbers)
    wizard.reject()
