"""The Re-audit / Report stage's Report tab, driven through its widgets on the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.stages import _report_files
from gui.stages.report import ReportPage
from model.core.progress import Cancelled
from model.report.generate import list_reports
from model.report.narrative import get_sections, save_section
from model.store.store import open_store

VTE = 1


def latest_cycle(ctx, audit_id: int = VTE) -> int:
    return ctx.store.db.execute("SELECT id FROM cycles WHERE audit_id = ? ORDER BY number DESC",
                                [audit_id]).fetchone()[0]


def report_page(qtbot, ctx) -> ReportPage:
    """The Report stage shown at a laptop's size, active (focus-out saves need it), on VTE's latest cycle."""
    widget = ReportPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1093, 560)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()  # focus (and so focus-out) needs the active window
    qtbot.waitUntil(widget.isActiveWindow)
    widget.load(VTE, latest_cycle(ctx))
    return widget


@pytest.fixture
def page(qtbot, ctx) -> ReportPage:
    widget = report_page(qtbot, ctx)
    qtbot.waitUntil(lambda: widget.report.missing_list.count() > 0)
    return widget


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, text)


def list_texts(page: ReportPage) -> list[str]:
    box = page.report.missing_list
    return [box.item(i).text() for i in range(box.count())]


def test_typing_into_a_section_saves_it_after_a_pause(qtbot, ctx, page):
    type_into(qtbot, page.report.editors["background"], "VTE is a leading cause of death.")
    cycle = latest_cycle(ctx)
    qtbot.waitUntil(lambda: get_sections(ctx.store.db, cycle)["background"] == "VTE is a leading cause of death.")
    qtbot.waitUntil(lambda: "The Background section is empty." not in list_texts(page))
    assert "The Discussion section is empty." in list_texts(page)


def test_flush_saves_a_section_before_the_pause_ends(qtbot, ctx, page):
    editor = page.report.editors["discussion"]
    type_into(qtbot, editor, "We did better.")
    assert page.flush() is True
    assert get_sections(ctx.store.db, latest_cycle(ctx))["discussion"] == "We did better."


def test_closing_the_window_keeps_a_section_being_typed(qtbot, ctx):
    from gui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.open_audit(VTE, "report")
    page = window.workspace.current_page()
    assert isinstance(page, ReportPage)
    type_into(qtbot, page.report.editors["acknowledgements"], "Thanks to ward 7.")
    window.close()
    store = open_store(ctx.store.path)
    cycle = store.db.execute("SELECT id FROM cycles WHERE audit_id = ? ORDER BY number DESC", [VTE]).fetchone()[0]
    assert get_sections(store.db, cycle)["acknowledgements"] == "Thanks to ward 7."
    store.close()


def test_saved_sections_show_when_the_page_loads(qtbot, ctx):
    cycle = latest_cycle(ctx)
    save_section(ctx.store.db, cycle, "references", "NICE NG89.")
    widget = ReportPage(ctx)
    qtbot.addWidget(widget)
    widget.load(VTE, cycle)
    assert widget.report.editors["references"].toPlainText() == "NICE NG89."


def test_the_missing_list_says_what_a_final_lacks(page):
    texts = list_texts(page)
    assert "The Executive summary section is empty." in texts
    assert len(texts) == len(page.report.missing)


def test_draft_from_data_fills_the_empty_sections_without_asking(qtbot, ctx, page, dialog_log):
    qtbot.mouseClick(page.report.draft_button, Qt.LeftButton)
    summary = page.report.editors["executive_summary"]
    qtbot.waitUntil(lambda: summary.toPlainText() != "")
    assert "ask" not in dialog_log.kinds()
    stored = get_sections(ctx.store.db, latest_cycle(ctx))
    assert stored["executive_summary"] == summary.toPlainText().strip()
    assert stored["conclusions"] == page.report.editors["conclusions"].toPlainText().strip() != ""
    qtbot.waitUntil(lambda: "The Conclusions section is empty." not in list_texts(page))


@pytest.mark.parametrize("answer", [True, False])
def test_draft_from_data_asks_before_replacing_written_text(qtbot, ctx, page, dialog_log, answer):
    dialog_log.answer = answer
    type_into(qtbot, page.report.editors["conclusions"], "My own conclusions.")
    qtbot.mouseClick(page.report.draft_button, Qt.LeftButton)
    summary = page.report.editors["executive_summary"]
    qtbot.waitUntil(lambda: summary.toPlainText() != "")
    asks = [c for c in dialog_log.calls if c[0] == "ask"]
    assert len(asks) == 1 and "Conclusions section" in asks[0][2] and "Executive summary" not in asks[0][2]
    stored = get_sections(ctx.store.db, latest_cycle(ctx))
    assert (stored["conclusions"] == "My own conclusions.") is not answer
    assert page.report.editors["conclusions"].toPlainText().strip() == stored["conclusions"]
    assert stored["executive_summary"] != ""  # the empty one is filled either way


def generate(qtbot, page, dialog_log, tmp_path: Path, fmt: str = "docx", name: str = "report") -> Path:
    path = tmp_path / f"{name}.{fmt}"
    dialog_log.save_path = str(path.with_suffix(""))  # the suffix is added when the user leaves it off
    button = page.report.word_button if fmt == "docx" else page.report.pdf_button
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.report.word_button.isEnabled(), timeout=60_000)
    return path


def test_a_word_report_is_written_recorded_and_listed(qtbot, ctx, page, dialog_log, tmp_path, monkeypatch):
    import docx

    opened: list[str] = []
    monkeypatch.setattr(_report_files.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    path = generate(qtbot, page, dialog_log, tmp_path)
    saves = [c for c in dialog_log.calls if c[0] == "save_file"]
    assert saves and "Word" in saves[0][1]
    assert path.exists() and docx.Document(str(path)).paragraphs
    reports = list_reports(ctx.store.db, latest_cycle(ctx))
    assert [(r.version, r.format, r.status, r.path_name) for r in reports] == [(1, "docx", "draft", "report.docx")]
    model = page.report.reports_model
    assert model.rowCount() == 1
    cells = [model.index(0, c).data() for c in range(model.columnCount())]
    assert cells[:2] == ["Report", "v1"] and cells[3] == "Word" and cells[4] == "Draft"
    assert cells[5] == reports[0].sha256[:12]
    assert "report.docx" in page.report.status.text()
    assert opened == []  # nothing opens by itself
    qtbot.mouseClick(page.report.open_button, Qt.LeftButton)
    qtbot.mouseClick(page.report.folder_button, Qt.LeftButton)
    assert [Path(p) for p in opened] == [path, tmp_path]


def test_the_default_file_name_comes_from_the_audit_and_cycle(qtbot, page, monkeypatch):
    from gui import dialogs

    asked: list[tuple[str, str, str]] = []
    monkeypatch.setattr(dialogs, "save_file", lambda _p, title, filters, start="": asked.append((title, filters, start))
                        or "")  # the user cancels the file dialog
    qtbot.mouseClick(page.report.pdf_button, Qt.LeftButton)
    assert asked == [("Save the PDF report", "PDF document (*.pdf)",
                      "VTE risk assessment and prophylaxis in medical admissions - cycle 2 report v1 (draft).pdf")]
    assert page.report.pdf_button.isEnabled() and page.report.status.text() == ""


def test_final_is_refused_with_the_missing_list_when_not_ready(qtbot, ctx, page, dialog_log, tmp_path):
    page.report.final_box.setChecked(True)
    dialog_log.save_path = str(tmp_path / "final.docx")
    qtbot.mouseClick(page.report.word_button, Qt.LeftButton)
    warnings = [c for c in dialog_log.calls if c[0] == "warn"]
    assert len(warnings) == 1 and "The Discussion section is empty." in warnings[0][2]
    assert "save_file" not in dialog_log.kinds()
    assert not (tmp_path / "final.docx").exists()
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []


def test_cancel_stores_nothing(qtbot, ctx, page, dialog_log, tmp_path, monkeypatch):
    def cancelled(*_args, **_kwargs):
        raise Cancelled()

    monkeypatch.setattr(_report_files, "write_report", cancelled)
    path = generate(qtbot, page, dialog_log, tmp_path)
    assert not path.exists()
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []
    assert page.report.reports_model.rowCount() == 0
    assert "Cancelled" in page.report.status.text()
    assert not page.report.open_button.isEnabled()
    assert "error" not in dialog_log.kinds()


def test_the_progress_dialogs_cancel_stops_the_writing(qtbot, ctx, page, dialog_log, tmp_path, monkeypatch):
    from model.report import generate as gen

    real = gen.build_report

    def slow_build(*args, progress=None, **kwargs):
        progress.cancel()  # as the dialog's Cancel does, while the report is being built
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(gen, "build_report", slow_build)
    path = generate(qtbot, page, dialog_log, tmp_path)
    assert not path.exists()
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []


def test_no_navigation_toolbar_and_every_control_named(page):
    from matplotlib.backends.backend_qtagg import NavigationToolbar2QT

    from gui.a11y import name_unnamed, unnamed_controls

    name_unnamed(page)
    assert page.findChildren(NavigationToolbar2QT) == []
    assert unnamed_controls(page) == []
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Report", "Team", "Re-audit"]


def test_no_cycle_turns_the_tab_off(qtbot, ctx):
    widget = ReportPage(ctx)
    qtbot.addWidget(widget)
    widget.load(3, None)  # the proposed consent audit: no cycle yet
    assert not widget.report.word_button.isEnabled() and not widget.report.draft_button.isEnabled()
    assert "no cycle" in widget.report.missing_list.item(0).text()
    QApplication.processEvents()


def test_the_stage_holds_the_report_and_the_reaudit_tabs(qtbot, ctx):
    from gui.main_window import MainWindow
    from gui.stages._reaudit_tab import ReauditTab

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.open_audit(1)
    page = window.workspace.show_stage("report")
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert tabs == ["Report", "Team", "Re-audit"]
    assert isinstance(page.reaudit, ReauditTab) and page.reaudit.audit_id == 1


def test_preview_shows_the_report_content_before_a_file_is_written(qtbot, ctx, page):
    from gui.a11y import unnamed_controls

    save_section(ctx.store.db, latest_cycle(ctx), "background", "VTE <kills> & harms.")
    qtbot.mouseClick(page.report.preview_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.report.preview is not None and page.report.preview.isVisible(), timeout=60_000)
    dialog = page.report.preview
    text = dialog.browser.toPlainText()
    for words in ("Executive summary", "Results by subgroup", "Appendix A: data-collection proforma",
                  "VTE <kills> & harms.", "89.7%"):
        assert words in text, words
    assert dialog.browser.document().resource(3, "chart-1.png") is not None  # QTextDocument.ImageResource
    assert unnamed_controls(dialog) == []
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []  # a preview records nothing
    free = QApplication.primaryScreen().availableGeometry()
    assert dialog.width() <= free.width() and dialog.height() <= free.height()
    dialog.close()


def test_a_long_executive_summary_is_listed_as_a_warning_not_a_gap(qtbot, ctx, page):
    cycle = latest_cycle(ctx)
    save_section(ctx.store.db, cycle, "executive_summary", "Compliance improved on every ward this year. " * 50)
    page.report.refresh_missing()
    qtbot.waitUntil(lambda: any(t.startswith("Warning (not required)") for t in list_texts(page)))
    box = page.report.missing_list
    item = next(box.item(i) for i in range(box.count()) if box.item(i).text().startswith("Warning"))
    assert not item.icon().isNull() and "a tenth" in item.text()
    assert page.report.warnings == [item.text()] and item.text() not in page.report.missing
    save_section(ctx.store.db, cycle, "executive_summary", "Short.")
    page.report.refresh_missing()
    qtbot.waitUntil(lambda: not any(t.startswith("Warning") for t in list_texts(page)))
