"""Results stage on the demo data: per-criterion table, chart, subgroups, exports."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from gui.results_models import RAG_BACKGROUND, CriterionResultsModel, SubgroupResultsModel
from gui.stages.results import ResultsPage
from gui.workspace import _page_class
from model.plan.cycles import list_cycles
from model.results.cycle_results import cycle_results
from model.results.narrative import format_pct

VTE = 1


def open_page(qtbot, ctx, cycle_number: int = 2) -> tuple[ResultsPage, int]:
    page = ResultsPage(ctx)
    qtbot.addWidget(page)
    cycle_id = list_cycles(ctx.store.db, VTE)[cycle_number - 1].id
    page.load(VTE, cycle_id)
    qtbot.waitUntil(lambda: page.results is not None, timeout=10000)
    return page, cycle_id


def test_workspace_finds_the_page():
    assert _page_class("results") is ResultsPage


def test_table_matches_model_results(qtbot, ctx):
    page, cycle_id = open_page(qtbot, ctx)
    expected = cycle_results(ctx.store.db, cycle_id).table
    model = page.table_model
    assert model.rowCount() == 3
    for row in range(3):
        name = model.data(model.index(row, CriterionResultsModel.COL_CRITERION))
        shown = model.data(model.index(row, CriterionResultsModel.COL_COMPLIANCE))
        assert name == expected.iloc[row].short_name
        assert shown == format_pct(float(expected.iloc[row].compliance), 1)
        assert model.data(model.index(row, 0), Qt.ToolTipRole) == expected.iloc[row].sentence
        rag_index = model.index(row, CriterionResultsModel.COL_RAG)
        assert model.data(rag_index, Qt.BackgroundRole).color().name() == RAG_BACKGROUND[expected.iloc[row].rag]
    assert "answers missing" in page.completeness.text()
    assert page.sentence.text().startswith(f"<b>{expected.iloc[0].short_name}")
    page.table.selectRow(2)
    assert expected.iloc[2].sentence in page.sentence.text()


def test_chart_has_one_bar_per_criterion(qtbot, ctx):
    page, _ = open_page(qtbot, ctx)
    [ax] = page.chart.figure.axes
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == [r["short_name"] for r in page.table_model.rows]


def test_subgroups_by_sex(qtbot, ctx):
    page, _ = open_page(qtbot, ctx)
    page.by_box.setCurrentIndex(page.by_box.findData("sex"))
    page.tabs.setCurrentIndex(1)
    model = page.subgroup_model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=10000)
    groups = {r["subgroup"] for r in model.rows}
    assert groups == {"Female", "Male"}
    assert {r["short_name"] for r in model.rows} == {r["short_name"] for r in page.table_model.rows}
    small = [i for i, r in enumerate(model.rows) if r["small_number"]]
    assert small, "the demo has small subgroups"
    index = model.index(small[0], SubgroupResultsModel.COL_MET)
    assert model.data(index, Qt.FontRole).italic()
    assert "suppressed in exports" in model.data(index, Qt.ToolTipRole)
    assert "(small numbers)" in model.data(model.index(small[0], SubgroupResultsModel.COL_SUBGROUP))
    assert "indicative test of difference between groups" in page.subgroup_note.text()


def test_switching_subgroup_field_reloads(qtbot, ctx):
    page, _ = open_page(qtbot, ctx)
    page.tabs.setCurrentIndex(1)
    page.by_box.setCurrentIndex(page.by_box.findData("ward"))
    qtbot.waitUntil(lambda: bool(page.subgroup_model.rows) and page.subgroup_model.rows[0]["by"] == "ward",
                    timeout=10000)
    assert {r["subgroup"] for r in page.subgroup_model.rows} <= {"AMU", "Ward 7", "Ward 9", "SAU"}


def test_export_tables_button_writes_workbook(qtbot, ctx, dialog_log, tmp_path):
    page, _ = open_page(qtbot, ctx)
    dialog_log.save_path = str(tmp_path / "results.xlsx")
    qtbot.mouseClick(page.export_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in page.status.text(), timeout=10000)
    book = load_workbook(tmp_path / "results.xlsx")
    assert book.sheetnames[:4] == ["About", "Results", "Subgroups", "Comparison"]
    criteria = [row[0] for row in book["Results"].iter_rows(min_row=2, values_only=True)]
    assert criteria == [r["short_name"] for r in page.table_model.rows]
    assert ("save_file", "Export results tables", "Excel workbook (*.xlsx)") in dialog_log.calls


def test_export_cancelled_writes_nothing(qtbot, ctx, dialog_log, tmp_path):
    page, _ = open_page(qtbot, ctx)
    dialog_log.save_path = ""
    qtbot.mouseClick(page.export_button, Qt.LeftButton)
    assert page.status.text() == ""
    assert list(tmp_path.glob("*.xlsx")) == []


def test_export_chart_png_and_svg(qtbot, ctx, dialog_log, tmp_path):
    page, _ = open_page(qtbot, ctx)
    for name in ("chart.png", "chart.svg"):
        dialog_log.save_path = str(tmp_path / name)
        qtbot.mouseClick(page.export_chart_button, Qt.LeftButton)
        assert (tmp_path / name).stat().st_size > 1000
    assert page.status.text() == "Saved chart.svg."


def test_no_cycle_says_what_to_do(qtbot, ctx):
    page = ResultsPage(ctx)
    qtbot.addWidget(page)
    page.load(3, None)
    assert "no cycle yet" in page.completeness.text()
    assert not page.export_button.isEnabled()
    assert page.table_model.rowCount() == 0


def test_models_pass_qt_checks(qtbot, ctx, qtmodeltester):
    page, _ = open_page(qtbot, ctx)
    qtmodeltester.check(page.table_model)
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.subgroup_model.rowCount() > 0, timeout=10000)
    qtmodeltester.check(page.subgroup_model)


def _answer_dialog(monkeypatch, *, identifiers: bool = False, suppress: bool = True, accept: bool = True):
    """Stand in for the user at the case-export dialog: tick the boxes (by keyboard-free clicks) and Save."""
    from gui import case_export_dialog

    seen = []

    def run(dialog):
        seen.append(dialog)
        assert not dialog.identifiers_box.isChecked() and dialog.suppress_box.isChecked()  # the safe defaults
        dialog.identifiers_box.setChecked(identifiers)
        assert dialog.warning.isVisibleTo(dialog) is identifiers
        dialog.suppress_box.setChecked(suppress)
        return case_export_dialog.CaseExportDialog.Accepted if accept else case_export_dialog.CaseExportDialog.Rejected

    monkeypatch.setattr(case_export_dialog.CaseExportDialog, "exec", run)
    return seen


def test_case_data_export_is_pseudonymised_by_default(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    page, cycle_id = open_page(qtbot, ctx)
    seen = _answer_dialog(monkeypatch)
    dialog_log.save_path = str(tmp_path / "cases.xlsx")
    qtbot.mouseClick(page.cases_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in page.status.text(), timeout=10000)
    assert seen and "ask" not in dialog_log.kinds()
    book = load_workbook(tmp_path / "cases.xlsx")
    assert book.sheetnames == ["README", "Cases", "Criteria"]
    header = next(book["Cases"].iter_rows(values_only=True))
    assert "NHS number" not in header and "Age" not in header  # suppression on: no exact ages
    live = ctx.store.db.execute("SELECT COUNT(*) FROM cases WHERE cycle_id = ? AND deleted_at IS NULL",
                                [cycle_id]).fetchone()[0]
    assert book["Cases"].max_row == live + 1
    assert "pseudonymised, small numbers suppressed" in page.status.text()


def test_identifiers_need_the_box_and_a_second_yes(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    page, _ = open_page(qtbot, ctx)
    _answer_dialog(monkeypatch, identifiers=True, suppress=False)
    dialog_log.answer = False  # "Include identifiers?" → No: nothing is written
    dialog_log.save_path = str(tmp_path / "named.xlsx")
    qtbot.mouseClick(page.cases_button, Qt.LeftButton)
    assert "save_file" not in dialog_log.kinds() and not (tmp_path / "named.xlsx").exists()
    dialog_log.answer = True
    qtbot.mouseClick(page.cases_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "Saved" in page.status.text(), timeout=10000)
    header = next(load_workbook(tmp_path / "named.xlsx")["Cases"].iter_rows(values_only=True))
    assert "NHS number" in header and "with NHS and hospital numbers" in page.status.text()
