"""Benchmark stage: import wizard, trust settings, criterion links, comparison panel and funnel plot."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from gui.benchmark_import_wizard import PAGE_FILE, PAGE_MAPPING, PAGE_PREVIEW, BenchmarkImportWizard
from gui.stages._benchmark_models import (
    DatasetsModel,
    LinksModel,
    MappingModel,
    PreviewMeasuresModel,
    ProblemsModel,
)
from gui.stages.benchmark import BenchmarkPage
from gui.trust_settings_dialog import TrustSettingsDialog
from gui.workspace import _page_class
from model.benchmark.benchmark_compare import save_identity
from model.benchmark.benchmark_import import parse_file, propose_wide_mapping
from model.benchmark.benchmark_store import (
    delete_dataset,
    links_for_audit,
    list_datasets,
    list_profiles,
    measures,
    save_dataset,
    values_for_measure,
)
from model.benchmark.benchmark_summary import summarise
from model.benchmark.funnel_drawing import HIGHLIGHT_GID, OURS_GID, POINTS_GID
from model.core import settings
from model.plan.cycles import list_cycles
from tests.model import shared_facts as facts

VTE = 1
NATIONAL = "national_audit_trust_results.csv"
FINGERTIPS = "fingertips_example.csv"
# The sample's measures, read from the file: count/denominator/% triplets, then medians.
TRIPLETS = facts.national_triplets()
MEASURES = TRIPLETS + facts.national_medians()
LAST = TRIPLETS[-1]  # a triplet removed from the mapping, then added back by hand
NATIONAL_ROW = facts.national_aggregate()
OUR_TRUST, OUR_SITES = facts.multi_site_trust()
OUR_NAME = next(r[2] for r in facts.national_rows()[1] if r[0] == OUR_TRUST)


def national_percent(q: str) -> str:
    return NATIONAL_ROW[facts.national_column(q, "p")]


@pytest.fixture(autouse=True)
def no_demo_benchmarks(ctx):
    """Start from no national files and a known identity, whatever the demo ships."""
    for dataset_id in list_datasets(ctx.store.db)["id"]:
        delete_dataset(ctx.store.db, int(dataset_id))
    save_identity(ctx.store.db, "Demo Hospitals NHS Trust", "RXX", "RXX01, RXX02")


def wizard_on(qtbot, ctx, dialog_log, path: Path) -> BenchmarkImportWizard:
    wizard = BenchmarkImportWizard(ctx)
    qtbot.addWidget(wizard)
    dialog_log.open_path = str(path)
    qtbot.mouseClick(wizard.file_page.browse_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    return wizard


def go_to_preview(qtbot, wizard: BenchmarkImportWizard) -> None:
    while wizard.pages.currentIndex() != PAGE_PREVIEW:
        qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)


def import_now(qtbot, wizard: BenchmarkImportWizard) -> None:
    qtbot.mouseClick(wizard.import_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)


def test_workspace_finds_the_page():
    assert _page_class("benchmark") is BenchmarkPage


def test_import_national_audit_table_through_the_wizard(qtbot, ctx, dialog_log, shared_data, tmp_path):
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / NATIONAL)
    assert "National audit table" in wizard.file_page.format_label.text()
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    assert wizard.pages.currentIndex() == PAGE_MAPPING
    assert wizard.mapping_page.mapping_model.rowCount() == len(MEASURES)
    assert wizard.mapping_page.id_boxes["org_code_col"].currentText() == "sitecode"
    assert wizard.mapping_page.id_boxes["parent_code_col"].currentText() == "trustcode"
    assert wizard.mapping_page.period_edit.text() == "2025"
    go_to_preview(qtbot, wizard)
    summary = wizard.preview_page.summary_label.text()
    assert "suppressed cells" in summary and "Site" in summary and "2025" in summary
    assert wizard.preview_page.measures_model.rowCount() == len(MEASURES)
    national = wizard.preview_page.measures_model.data(wizard.preview_page.measures_model.index(0, 5))
    assert national_percent(TRIPLETS[0]) in national
    assert wizard.preview_page.problems_model.rowCount() == len(wizard.parsed.problems)
    if wizard.parsed.problems:
        dialog_log.save_path = str(tmp_path / "problems.csv")
        qtbot.mouseClick(wizard.preview_page.save_problems_button, Qt.LeftButton)
        assert "reason" in (tmp_path / "problems.csv").read_text(encoding="utf-8-sig")
    import_now(qtbot, wizard)
    stored = list_datasets(ctx.store.db)
    assert len(stored) == 1 and wizard.dataset_id == int(stored["id"].iloc[0])
    assert int(stored["measure_count"].iloc[0]) == len(MEASURES)
    found = measures(ctx.store.db, wizard.dataset_id)
    assert sorted(found["measure_code"]) == sorted(MEASURES)
    first = values_for_measure(ctx.store.db, int(found["id"].iloc[0]))
    assert first.loc[first["is_national"], "value"].tolist() == [float(national_percent(TRIPLETS[0]))]


def test_reimport_asks_replace_or_skip(qtbot, ctx, dialog_log, shared_data):
    first = save_dataset(ctx.store.db, parse_file(shared_data / FINGERTIPS))
    dialog_log.answer = False  # Skip
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / FINGERTIPS)
    go_to_preview(qtbot, wizard)
    import_now(qtbot, wizard)
    assert dialog_log.kinds()[-1] == "ask" and "imported before" in dialog_log.calls[-1][2]
    assert list_datasets(ctx.store.db)["id"].tolist() == [first]
    dialog_log.answer = True  # Replace
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / FINGERTIPS)
    go_to_preview(qtbot, wizard)
    import_now(qtbot, wizard)
    ids = list_datasets(ctx.store.db)["id"].tolist()
    assert len(ids) == 1 and ids[0] != first and wizard.dataset_id == ids[0]


def test_import_fingertips_skips_the_mapping(qtbot, ctx, dialog_log, shared_data):
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / FINGERTIPS)
    assert "Fingertips" in wizard.file_page.format_label.text()
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == PAGE_PREVIEW, timeout=10000)
    summary = wizard.preview_page.summary_label.text()
    assert "County &amp; UA" in summary or "County & UA" in summary
    assert facts.fingertips_periods()[0] in summary
    import_now(qtbot, wizard)
    stored = list_datasets(ctx.store.db)
    assert stored["row_count"].tolist() == [len(facts.fingertips())] and stored["format"].tolist() == ["fingertips"]


def test_profile_saved_and_loaded(qtbot, ctx, dialog_log, shared_data):
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / NATIONAL)
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    page = wizard.mapping_page
    page.mapping_view.setCurrentIndex(page.mapping_model.index(MEASURES.index(LAST), 0))
    qtbot.mouseClick(page.remove_measure_button, Qt.LeftButton)
    page.mapping_model.setData(page.mapping_model.index(0, MappingModel.COL_NAME), "Falls risk assessment")
    qtbot.keyClicks(page.profile_name_edit, "Falls audit")
    qtbot.mouseClick(page.save_profile_button, Qt.LeftButton)
    assert list_profiles(ctx.store.db) == ["Falls audit"]
    again = wizard_on(qtbot, ctx, dialog_log, shared_data / NATIONAL)
    qtbot.mouseClick(again.next_button, Qt.LeftButton)
    page = again.mapping_page
    assert page.mapping_model.rowCount() == len(MEASURES)
    page.profile_box.setCurrentText("Falls audit")
    qtbot.mouseClick(page.load_profile_button, Qt.LeftButton)
    assert [g.code for g in page.mapping_model.groups] == [m for m in MEASURES if m != LAST]
    go_to_preview(qtbot, again)
    import_now(qtbot, again)
    stored = list_datasets(ctx.store.db)
    assert stored["profile_name"].tolist() == ["Falls audit"]
    assert stored["measure_count"].tolist() == [len(MEASURES) - 1]
    assert "Falls risk assessment" in measures(ctx.store.db)["name"].tolist()


def test_unknown_layout_is_explained(qtbot, ctx, dialog_log, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("colour,shape\nred,square\nblue,circle\n", encoding="utf-8")
    wizard = wizard_on(qtbot, ctx, dialog_log, path)
    assert "not one AuditLoop knows" in wizard.file_page.format_label.text()
    assert not wizard.next_button.isEnabled()
    assert wizard.pages.currentIndex() == PAGE_FILE


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def page(qtbot, ctx, shared_data):
    """The Benchmark page on the demo VTE audit's re-audit, the national falls table imported, we are a trust in it."""
    save_identity(ctx.store.db, OUR_NAME, OUR_TRUST, ", ".join(sorted(OUR_SITES)))
    save_dataset(ctx.store.db, parse_file(shared_data / NATIONAL))
    page = BenchmarkPage(ctx)
    qtbot.addWidget(page)
    page.load(VTE, list_cycles(ctx.store.db, VTE)[-1].id)
    return page


def link_first_criterion(qtbot, page: BenchmarkPage, difference: str = "") -> None:
    page.measure_box.setCurrentIndex(page.measure_box.findText(TRIPLETS[0], Qt.MatchStartsWith))
    if difference:
        qtbot.keyClicks(page.difference_edit, difference)
    qtbot.mouseClick(page.link_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.comparison is not None, timeout=10000)


def test_datasets_and_measures_listed(page):
    assert page.datasets_model.rowCount() == 1
    row = page.datasets_model.rows[0]
    assert page.datasets_model.data(page.datasets_model.index(0, DatasetsModel.COL_SHA)) == row["sha256"][:12]
    assert page.datasets_model.data(page.datasets_model.index(0, DatasetsModel.COL_PERIODS)) == "2025"
    assert page.measures_model.rowCount() == len(MEASURES)
    assert OUR_TRUST in page.who_label.text()


def test_link_a_criterion_and_compare(qtbot, page, dialog_log):
    link_first_criterion(qtbot, page, "national counts any time in the stay")
    assert page.links_model.rowCount() == 1
    assert page.links_model.data(page.links_model.index(0, LinksModel.COL_DIFFERENCE)) == \
        "national counts any time in the stay"
    text = page.details.toPlainText()
    result = page.comparison
    assert result.versus.describe() in text
    assert "indicative" in text and "national counts any time in the stay" in text
    assert "National value" in text and f"{national_percent(TRIPLETS[0])}%" in text
    assert f"{result.versus.rank} of {result.versus.organisations}" in text
    assert sorted(OUR_SITES)[0] in text and "matched by code" in text  # our own published row
    ax = page.chart.figure.axes[0]
    (points,) = [c for c in ax.collections if c.get_gid() == POINTS_GID]
    assert len(points.get_offsets()) == len(result.organisations) > 50
    assert [c for c in ax.collections if c.get_gid() == HIGHLIGHT_GID]
    assert [c for c in ax.collections if c.get_gid() == OURS_GID]
    assert page.outliers_model.rowCount() == len(result.outliers) > 0
    assert "ask" not in dialog_log.kinds()


def test_overdispersion_changes_the_limits(qtbot, page):
    link_first_criterion(qtbot, page)
    before = page.comparison
    page.overdispersion_box.setCurrentIndex(page.overdispersion_box.findData("additive"))
    qtbot.waitUntil(lambda: page.comparison is not before and page.comparison is not None, timeout=10000)
    assert page.comparison.funnel.overdispersion == "additive"
    assert "φ = " in page.dispersion_label.text() and "τ² = " in page.dispersion_label.text()
    assert page.comparison.funnel.flag_counts() != before.funnel.flag_counts()


def test_name_match_is_confirmed_first(qtbot, ctx, page, dialog_log):
    save_identity(ctx.store.db, OUR_NAME, "RQQ", "")
    dialog_log.answer = True
    link_first_criterion(qtbot, page)
    qtbot.waitUntil(lambda: page.comparison is not None and page.comparison.organisations["ours"].any(),
                    timeout=10000)
    asks = [c for c in dialog_log.calls if c[0] == "ask"]
    assert len(asks) == 1 and OUR_NAME.split()[0] in asks[0][2]
    assert "matched by name" in page.details.toPlainText()


def test_exports(qtbot, page, dialog_log, tmp_path):
    link_first_criterion(qtbot, page)
    dialog_log.save_path = str(tmp_path / "funnel.svg")
    qtbot.mouseClick(page.export_chart_button, Qt.LeftButton)
    assert "<svg" in (tmp_path / "funnel.svg").read_text(encoding="utf-8")
    dialog_log.save_path = str(tmp_path / "outliers.xlsx")
    qtbot.mouseClick(page.export_outliers_button, Qt.LeftButton)
    sheet = load_workbook(tmp_path / "outliers.xlsx").active
    assert sheet["J1"].value == "Status" and "limit" in sheet["J2"].value
    assert sheet.max_row >= page.outliers_model.rowCount() + 1


# --- trust settings -----------------------------------------------------------------------


def test_trust_settings_validation(qtbot, ctx):
    dialog = TrustSettingsDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.code_edit.text() == "RXX" and dialog.sites_edit.text() == "RXX01, RXX02"
    save = dialog.buttons.button(QDialogButtonBox.Save)
    dialog.code_edit.setText("")
    qtbot.keyClicks(dialog.code_edit, "RXXX")
    assert not dialog.messages["code"].isHidden() and "3" in dialog.messages["code"].text()
    assert not save.isEnabled()
    qtbot.mouseClick(save, Qt.LeftButton)
    dialog.buttons.accepted.emit()  # even if forced, nothing is stored
    assert settings.get(ctx.store.db, "trust_code") == "RXX"
    dialog.code_edit.setText("RZ1")
    assert not dialog.messages["sites"].isHidden()  # RXX01 does not start with RZ1
    dialog.sites_edit.setText("RZ101, RZ102")
    assert dialog.messages["code"].isHidden() and dialog.messages["sites"].isHidden() and save.isEnabled()
    qtbot.mouseClick(save, Qt.LeftButton)
    assert settings.get(ctx.store.db, "trust_code") == "RZ1"
    assert settings.get(ctx.store.db, "site_codes") == "RZ101,RZ102"


# --- item models ---------------------------------------------------------------------------


def test_item_models(qtmodeltester, qtbot, page, shared_data):
    link_first_criterion(qtbot, page)
    for model in (page.datasets_model, page.measures_model, page.links_model, page.outliers_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model)
    parsed = parse_file(shared_data / NATIONAL)
    problems = ProblemsModel()
    problems.set_rows(parsed.problems)
    qtmodeltester.check(problems)
    preview = PreviewMeasuresModel()
    preview.set_rows(summarise(parsed)["measures"])
    qtmodeltester.check(preview)
    mapping = MappingModel()
    mapping.set_rows(propose_wide_mapping(shared_data / NATIONAL).measures)
    qtmodeltester.check(mapping)
    assert not mapping.setData(mapping.index(0, MappingModel.COL_SCALE), "-1")
    assert mapping.setData(mapping.index(0, MappingModel.COL_PCT), "(none)")
    assert mapping.groups[0].percent_col is None


def test_audit_without_cycles_shows_no_comparison(qtbot, ctx):
    page = BenchmarkPage(ctx)
    qtbot.addWidget(page)
    page.load(3, None)  # the demo's proposed audit: no cycle yet
    assert page.criterion_box.count() == 0 and not page.link_button.isEnabled()
    assert "No comparison yet" in page.details.toPlainText()
    page.load(None, None)
    assert page.links_model.rowCount() == 0


# --- wizard: measures by hand, header row; page: the linked period -------------------------------


def test_add_a_measure_group_by_hand(qtbot, ctx, dialog_log, shared_data):
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / NATIONAL)
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    page = wizard.mapping_page
    page.mapping_view.setCurrentIndex(page.mapping_model.index(MEASURES.index(LAST), 0))
    qtbot.mouseClick(page.remove_measure_button, Qt.LeftButton)
    assert [g.code for g in page.mapping_model.groups] == [m for m in MEASURES if m != LAST]
    assert not page.add_measure_button.isEnabled() and "code" in page.new_measure_message.text()
    qtbot.keyClicks(page.new_code_edit, TRIPLETS[0])
    assert "already" in page.new_measure_message.text()
    page.new_code_edit.clear()
    qtbot.keyClicks(page.new_code_edit, "lift")
    qtbot.keyClicks(page.new_name_edit, "Safe lifting equipment")
    num, den, pct = (facts.national_column(LAST, r) for r in ("n", "d", "p"))
    page.new_boxes["numerator_col"].setCurrentText(num)
    assert not page.add_measure_button.isEnabled() and "denominator" in page.new_measure_message.text()
    page.new_boxes["denominator_col"].setCurrentText(num)
    assert "different column" in page.new_measure_message.text()
    page.new_boxes["denominator_col"].setCurrentText(den)
    page.new_boxes["percent_col"].setCurrentText(pct)
    assert page.add_measure_button.isEnabled() and page.new_measure_message.text() == ""
    qtbot.mouseClick(page.add_measure_button, Qt.LeftButton)
    added = page.mapping_model.groups[-1]
    assert (added.code, added.name, added.numerator_col, added.denominator_col, added.percent_col) == (
        "lift", "Safe lifting equipment", num, den, pct)
    assert page.new_code_edit.text() == "" and not page.add_measure_button.isEnabled()
    go_to_preview(qtbot, wizard)
    import_now(qtbot, wizard)
    found = measures(ctx.store.db, wizard.dataset_id).set_index("measure_code")
    assert found.loc["lift", "name"] == "Safe lifting equipment" and found.loc["lift", "unit"] == "percent"
    lift = values_for_measure(ctx.store.db, int(found.loc["lift", "id"]))
    assert lift.loc[lift["is_national"], ["numerator", "denominator", "value"]].values.tolist() == [
        [float(NATIONAL_ROW[c]) for c in (num, den, pct)]]


def test_changing_the_header_row_proposes_again(qtbot, ctx, dialog_log, shared_data):
    wizard = wizard_on(qtbot, ctx, dialog_log, shared_data / NATIONAL)
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    page = wizard.mapping_page
    assert page.header_spin.value() == 4  # two title rows, column numbers, then the header
    page.header_spin.setValue(3)  # the row of column numbers
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert page.mapping_model.rowCount() == 0
    assert "Add the measures by hand" in page.notes_label.text()
    assert page.id_boxes["org_code_col"].findText("17") > 0  # the columns are that row's cells now
    assert wizard.mapping().header_row == 2
    page.header_spin.setValue(4)
    qtbot.waitUntil(lambda: not wizard.busy and page.mapping_model.rowCount() == len(MEASURES), timeout=10000)
    assert page.id_boxes["org_code_col"].currentText() == "sitecode"
    assert page.new_boxes["numerator_col"].findText(facts.national_column(LAST, "n")) > 0
    go_to_preview(qtbot, wizard)
    assert wizard.parsed.mapping.header_row == 3 and len(wizard.parsed.measures) == len(MEASURES)


def test_the_period_chosen_when_linking_is_remembered(qtbot, ctx, shared_data):
    save_dataset(ctx.store.db, parse_file(shared_data / FINGERTIPS))
    cycle_id = list_cycles(ctx.store.db, VTE)[-1].id
    page = BenchmarkPage(ctx)
    qtbot.addWidget(page)
    page.load(VTE, cycle_id)
    page.measure_box.setCurrentIndex(page.measure_box.findText(facts.fingertips()["Indicator ID"].iloc[0],
                                                                Qt.MatchStartsWith))
    assert page.period_box.currentText() == facts.fingertips_periods()[-1]  # the latest is offered first
    page.period_box.setCurrentText("2020/21")
    qtbot.mouseClick(page.link_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.comparison is not None, timeout=10000)
    assert page.comparison.period == "2020/21" and page.compare_period_box.currentText() == "2020/21"
    assert page.links_model.data(page.links_model.index(0, LinksModel.COL_PERIOD)) == "2020/21"
    again = BenchmarkPage(ctx)  # a new session: the period comes from the store
    qtbot.addWidget(again)
    again.load(VTE, cycle_id)
    qtbot.waitUntil(lambda: again.comparison is not None, timeout=10000)
    assert again.comparison.period == "2020/21"
    # Another period chosen in the comparison is remembered with the link too.
    box = again.compare_period_box
    other = next(box.itemText(i) for i in range(box.count()) if box.itemText(i) != "2020/21")
    box.setCurrentIndex(box.findText(other))
    again.comparison = None
    box.activated.emit(box.currentIndex())
    qtbot.waitUntil(lambda: again.comparison is not None, timeout=10000)
    assert again.comparison.period == other
    assert list(links_for_audit(ctx.store.db, VTE)["period"]) == [other]
    third = BenchmarkPage(ctx)
    qtbot.addWidget(third)
    third.load(VTE, cycle_id)
    qtbot.waitUntil(lambda: third.comparison is not None, timeout=10000)
    assert third.comparison.period == other


def test_deleting_a_national_file_asks_first_and_removes_its_links(qtbot, ctx, page, dialog_log):
    link_first_criterion(qtbot, page)
    button = page.delete_dataset_button
    assert button.isEnabled() and button.accessibleName() == "Delete the selected national file"
    dialog_log.answer = False
    qtbot.mouseClick(button, Qt.LeftButton)
    (ask,) = [c for c in dialog_log.calls if c[0] == "ask"]
    assert NATIONAL in ask[2] and f"{len(MEASURES)} measure(s)" in ask[2] and "1 of them in this audit" in ask[2]
    assert len(list_datasets(ctx.store.db)) == 1 and page.links_model.rowCount() == 1
    dialog_log.answer = True
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.datasets_view.setFocus()
    with qtbot.waitSignal(page.data_changed):
        qtbot.keyClick(page.datasets_view, Qt.Key_Delete)  # the keyboard way, same question
    assert [c[0] for c in dialog_log.calls] == ["ask", "ask"]
    assert list_datasets(ctx.store.db).empty and page.datasets_model.rowCount() == 0
    assert page.measures_model.rowCount() == 0 and page.links_model.rowCount() == 0
    assert page.comparison is None and "No comparison yet" in page.details.toPlainText()
    assert page.measure_box.count() == 0 and not button.isEnabled()
