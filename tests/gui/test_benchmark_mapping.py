"""The national-file wizard shows, and lets the user correct, how an unseen table layout is read
(issue 14, item 2): title rows and a row of column numbers above the header, trust and hospital
columns, a shared denominator, paired (%)/(N) columns, suppressed cells, the national row last,
the encoding; and organisations named without codes matched to ODS codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox

from gui.benchmark_import_wizard import PAGE_MAPPING, PAGE_PREVIEW, BenchmarkImportWizard
from gui.stages._benchmark_models import MappingModel
from model.benchmark.benchmark_compare import save_identity
from model.benchmark.benchmark_store import delete_dataset, list_datasets, measures, values_for_measure
from tests.model.ods_fixtures import write_named_table, write_ods
from tests.model.test_benchmark_pairs import HOSPITALS, PAIRED
from tests.model.test_benchmark_pairs import _table as paired_table

DENOMINATOR = PAIRED[0]


@pytest.fixture(autouse=True)
def no_demo_benchmarks(ctx):
    for dataset_id in list_datasets(ctx.store.db)["id"]:
        delete_dataset(ctx.store.db, int(dataset_id))
    save_identity(ctx.store.db, "Demo Hospitals NHS Trust", "RXX", "RXX01, RXX02")


def _wizard(qtbot, ctx, dialog_log, path: Path) -> BenchmarkImportWizard:
    wizard = BenchmarkImportWizard(ctx)
    qtbot.addWidget(wizard)
    dialog_log.open_path = str(path)
    qtbot.mouseClick(wizard.file_page.browse_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    assert wizard.pages.currentIndex() == PAGE_MAPPING
    return wizard


def _preview(qtbot, wizard: BenchmarkImportWizard) -> str:
    qtbot.mouseClick(wizard.next_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy and wizard.pages.currentIndex() == PAGE_PREVIEW, timeout=10000)
    return wizard.preview_page.summary_label.text()


def _back(qtbot, wizard: BenchmarkImportWizard) -> None:
    qtbot.mouseClick(wizard.back_button, Qt.LeftButton)
    assert wizard.pages.currentIndex() == PAGE_MAPPING


def _cell(page, row: int, col: int) -> str:
    return page.mapping_model.data(page.mapping_model.index(row, col))


def test_the_paired_layout_is_shown_as_read(qtbot, ctx, dialog_log, tmp_path):
    wizard = _wizard(qtbot, ctx, dialog_log, paired_table(tmp_path / "hips.csv", PAIRED))
    page = wizard.mapping_page
    assert page.header_spin.value() == 4  # two title rows and the row of column numbers are skipped
    boxes = {key: box.currentText() for key, box in page.id_boxes.items()}
    assert boxes == {"org_code_col": "(none)", "org_name_col": "Hospital", "parent_code_col": "(none)",
                     "parent_name_col": "Trust"}  # hospitals are the rows, the trust their parent
    assert [_cell(page, r, MappingModel.COL_CODE) for r in range(2)] == ["Prompt surgery", "Delirium assessed"]
    assert [_cell(page, r, MappingModel.COL_DEN) for r in range(2)] == [DENOMINATOR] * 2  # shared, read
    assert [_cell(page, 0, c) for c in (MappingModel.COL_NUM, MappingModel.COL_PCT)] == [PAIRED[2], PAIRED[1]]
    assert page.encoding_box.isEnabled() and page.encoding_box.currentData() == ""
    summary = _preview(qtbot, wizard)
    assert "cp1252" in summary  # the encoding used
    assert f"National (row {5 + len(HOSPITALS)})" in summary  # the national row, last, not an organisation
    suppressed = sum((s is None) + (d is None) for *_, s, d in HOSPITALS)
    assert f"* ×{2 * suppressed}" in summary  # both cells of each suppressed pair, counted per cell
    assert "Synthetic Hip Fracture Audit 2024" in summary and "Source: synthetic" in summary
    assert "Site: 5" in summary
    national = wizard.preview_page.measures_model
    assert "54.6" in national.data(national.index(0, 5))  # 242 of 443: the shared denominator, not derived


def test_every_reading_can_be_corrected(qtbot, ctx, dialog_log, tmp_path):
    wizard = _wizard(qtbot, ctx, dialog_log, paired_table(tmp_path / "hips.csv", PAIRED))
    page = wizard.mapping_page
    # Trust against hospital: the user makes the trusts the rows.
    page.id_boxes["org_name_col"].setCurrentText("Trust")
    page.id_boxes["parent_name_col"].setCurrentText("(none)")
    # The shared denominator, through the column editor the table opens.
    index = page.mapping_model.index(1, MappingModel.COL_DEN)
    editor = page.delegate.createEditor(page.mapping_view.viewport(), None, index)
    assert isinstance(editor, QComboBox) and editor.findText(DENOMINATOR) > 0 and editor.accessibleName()
    editor.setCurrentText("(none)")
    page.delegate.setModelData(editor, page.mapping_model, index)
    assert wizard.mapping().measures[1].denominator_col is None
    # The national row: none, then named by the user.
    page.national_box.setCurrentIndex(page.national_box.findData("-"))
    assert wizard.mapping().national == "-"
    summary = _preview(qtbot, wizard)
    assert "no row (none found)" in summary
    assert wizard.parsed.mapping.measures[1].denominator_col is None
    assert set(wizard.parsed.values["area_type"]) == {"Organisation"}
    _back(qtbot, wizard)
    page.national_box.setEditText("alpha nhs trust")
    assert wizard.mapping().national == "alpha nhs trust"
    assert "Alpha NHS Trust (row 5)" in _preview(qtbot, wizard)
    _back(qtbot, wizard)
    # The encoding: forced to UTF-8 the columns are read again, and the preview says so.
    page.encoding_box.setCurrentIndex(page.encoding_box.findData("utf-8"))
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert wizard.mapping().encoding == "utf-8" and page.mapping_model.rowCount() == 2
    assert "Text encoding: utf-8" in _preview(qtbot, wizard)
    assert "Beta\ufffds NHS Trust" in set(wizard.parsed.values["parent_name"])
    # The header row: the row of column numbers instead, then back (tested on the sample too).
    _back(qtbot, wizard)
    page.header_spin.setValue(3)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert page.mapping_model.rowCount() == 0 and wizard.mapping().encoding == "utf-8"


def test_an_excel_file_has_no_encoding_to_choose(qtbot, ctx, dialog_log, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in (["Trust", "Hospital", "Cases", "Screened (N)", "Screened (%)"], ["A Trust", "A General", 10, 5, 50],
                ["B Trust", "B General", 20, 5, 25], ["National", "", 30, 10, 33.3]):
        book.active.append(row)
    book.save(tmp_path / "t.xlsx")
    wizard = _wizard(qtbot, ctx, dialog_log, tmp_path / "t.xlsx")
    assert not wizard.mapping_page.encoding_box.isEnabled()


def test_names_without_codes_are_matched_to_ods_codes(qtbot, ctx, dialog_log, tmp_path):
    etr, ets = write_ods(tmp_path)
    rows = [("Alpha & Beta University Hospitals NHS FT", "Alpha General Hospital"),
            ("Alpha & Beta University Hospitals NHS FT", "Community Hospital"),
            ("St Cuthberts Healthcare NHS Trust", "Community Hospital"),
            ("Northgate Hospitals NHS Trust", "Northgate Generall Hospital"),
            ("Gamma Valley NHS Trust", "Gamma Valey General Hospital"),
            ("Unknown NHS Trust", "Nowhere Hospital")]
    wizard = _wizard(qtbot, ctx, dialog_log, write_named_table(tmp_path / "named.csv", rows))
    page = wizard.mapping_page
    assert "none chosen" in page.ods_label.text() and not page.ods_clear_button.isEnabled()
    dialog_log.open_paths = [str(tmp_path / "named.csv")]  # not an ODS file: said so, nothing kept
    qtbot.mouseClick(page.ods_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert dialog_log.kinds()[-1] == "error" and "not an ODS reference file" in dialog_log.calls[-1][2]
    assert wizard.ods_reference is None
    dialog_log.open_paths = [str(etr), str(ets)]
    qtbot.mouseClick(page.ods_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    assert page.ods_label.text() == "etr.csv, ets.csv" and page.ods_clear_button.isEnabled()
    _preview(qtbot, wizard)
    preview = wizard.preview_page
    assert preview.ods_view.isVisibleTo(preview) and preview.ods_view.accessibleName()
    model = preview.ods_model
    shown = {(model.data(model.index(r, 0)), model.data(model.index(r, 1))): r for r in range(model.rowCount())}
    # 5 trusts, 6 hospitals: "Community Hospital" once under each of its trusts, told apart by them.
    assert model.rowCount() == 11 and len(shown) == 10

    def how(name: str, role: str = "organisation") -> str:
        return model.data(model.index(shown[(name, role)], model.COL_HOW))

    assert how("Alpha General Hospital") == "exact"
    assert how("Gamma Valey General Hospital") == "fuzzy: check it"
    assert how("Northgate Generall Hospital") == "ambiguous: no code given"
    assert how("Nowhere Hospital") == how("Unknown NHS Trust", "trust") == "not found: no code given"
    fuzzy = shown[("Gamma Valey General Hospital", "organisation")]
    assert model.data(model.index(fuzzy, model.COL_CODE)) == "RC301"
    assert model.data(model.index(fuzzy, model.COL_TRUST), Qt.BackgroundRole) is not None
    assert "similarity" in model.data(model.index(fuzzy, 0), Qt.ToolTipRole)
    ambiguous = shown[("Northgate Generall Hospital", "organisation")]
    assert "RE501" in model.data(model.index(ambiguous, 0), Qt.ToolTipRole)
    assert "2 ambiguous" not in preview.ods_heading.text() and "1 fuzzy" in preview.ods_heading.text()
    qtbot.mouseClick(wizard.import_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10000)
    found = measures(ctx.store.db, wizard.dataset_id)
    stored = values_for_measure(ctx.store.db, int(found["id"].iloc[0]))
    codes = dict(zip(stored["org_name"], stored["org_code"], strict=False))
    assert codes["Alpha General Hospital"] == "RA101" and codes["Gamma Valey General Hospital"] == "RC301"
    assert stored.loc[stored["org_name"] == "Community Hospital", "org_code"].tolist() == ["RA103", "RB202"]


def test_without_ods_files_the_preview_shows_no_matching(qtbot, ctx, dialog_log, tmp_path):
    wizard = _wizard(qtbot, ctx, dialog_log, paired_table(tmp_path / "hips.csv", PAIRED))
    _preview(qtbot, wizard)
    assert not wizard.preview_page.ods_view.isVisibleTo(wizard.preview_page)


def test_the_new_controls_are_named_reachable_and_fit_the_laptop(qtbot, ctx, dialog_log, tmp_path):
    wizard = _wizard(qtbot, ctx, dialog_log, paired_table(tmp_path / "hips.csv", PAIRED))
    page = wizard.mapping_page
    free = QSize(1093, 580)  # 1366×768 at 125%, less the taskbar and title bar
    wizard.resize(free)
    wizard.show()
    QApplication.processEvents()
    controls = (page.encoding_box, page.national_box, page.ods_button, page.ods_clear_button)
    for control in controls:
        assert control.accessibleName() and control.focusPolicy() & Qt.TabFocus
    for current in (PAGE_MAPPING, PAGE_PREVIEW):
        if current == PAGE_PREVIEW:
            _preview(qtbot, wizard)
        QApplication.processEvents()
        assert wizard.minimumSizeHint().height() <= free.height() and wizard.minimumSizeHint().width() <= free.width()
        assert wizard.size() == free
        shown = wizard.pages.currentWidget()
        for button in shown.findChildren(QAbstractButton):
            if button.isVisibleTo(shown):
                assert button.width() > 4 and button.height() > 4, button.text()
    # Keyboard: Tab from the header row reaches the encoding and the national row.
    _back(qtbot, wizard)
    page.header_spin.setFocus()
    reached = []
    for _ in range(6):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert page.encoding_box in reached and page.national_box in reached or page.national_box.lineEdit() in reached
