"""The Team tab (team members, presentations, reflections, evidence pack) and the summary and poster
buttons of the Report tab, driven through their widgets on the demo data."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt

from gui.stages.report import ReportPage
from model.report.generate import list_reports
from model.report.team import get_reflections, list_members, list_presentations
from tests.gui.test_report import VTE, latest_cycle, report_page


@pytest.fixture
def page(qtbot, ctx) -> ReportPage:
    """The Report stage (as tests/gui/test_report.py opens it), on its Team tab."""
    widget = report_page(qtbot, ctx)
    widget.tabs.setCurrentWidget(widget.team)
    return widget


def type_into(qtbot, widget, text: str, replace: bool = False) -> None:
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    if replace:
        widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_the_stage_has_a_team_tab(page):
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Report", "Team", "Re-audit"]
    # No one recorded yet: the audit lead is offered for the reflection, the form is off.
    assert page.team.team_model.rowCount() == 0 and not page.team.name_edit.isEnabled()
    assert page.team.reflection.person_box.currentText() == "Dr A. Patel (ST4)"


def test_a_person_is_added_and_saved_as_typed(qtbot, ctx, page):
    team = page.team
    qtbot.mouseClick(team.add_member_button, Qt.LeftButton)
    assert team.name_edit.hasFocus() and team.name_edit.selectedText() == "New team member"
    qtbot.keyClicks(team.name_edit, "Dr J. Smith (FY2)")
    qtbot.waitUntil(lambda: list_members(ctx.store.db, VTE)[0].name == "Dr J. Smith (FY2)")
    team.role_box.setFocus()
    qtbot.keyClick(team.role_box, Qt.Key_Up)  # the keyboard chooses "Led the audit"
    team.role_box.activated.emit(team.role_box.currentIndex())
    qtbot.mouseClick(team.trainee_box, Qt.LeftButton)
    type_into(qtbot, team.tasks_edit, "Designed the proforma")
    assert page.flush()
    member = list_members(ctx.store.db, VTE)[0]
    assert (member.role, member.is_trainee, member.tasks) == ("led", True, "Designed the proforma")
    assert team.team_model.index(0, 1).data() == "Led" and team.team_model.index(0, 2).data() == "Yes"
    people = [team.reflection.person_box.itemText(i) for i in range(team.reflection.person_box.count())]
    assert people == ["Dr A. Patel (ST4)", "Dr J. Smith (FY2)"]


def test_an_emptied_name_is_not_saved_and_remove_asks(qtbot, ctx, page, dialog_log):
    team = page.team
    qtbot.mouseClick(team.add_member_button, Qt.LeftButton)
    team.name_edit.clear()
    team.name_edit.textEdited.emit("")
    assert page.flush() and list_members(ctx.store.db, VTE)[0].name == "New team member"
    dialog_log.answer = False
    qtbot.mouseClick(team.remove_member_button, Qt.LeftButton)
    assert len(list_members(ctx.store.db, VTE)) == 1
    dialog_log.answer = True
    qtbot.mouseClick(team.remove_member_button, Qt.LeftButton)
    assert list_members(ctx.store.db, VTE) == [] and team.team_model.rowCount() == 0


def test_a_presentation_is_added_with_its_date(qtbot, ctx, page):
    team = page.team
    qtbot.mouseClick(team.add_talk_button, Qt.LeftButton)
    qtbot.keyClicks(team.meeting_edit, "Grand round")
    team.date_field.set_and_commit("2026-02-12")
    assert page.flush()
    talks = list_presentations(ctx.store.db, VTE)
    assert [(t.meeting, t.date) for t in talks] == [("Grand round", "2026-02-12")]
    assert team.talks_model.index(0, 1).data() == "12/02/2026"


def test_reflections_are_saved_as_typed_and_follow_a_renamed_person(qtbot, ctx, page):
    team = page.team
    qtbot.mouseClick(team.add_member_button, Qt.LeftButton)
    qtbot.keyClicks(team.name_edit, "Dr J. Smyth")
    assert page.flush()
    box = team.reflection.person_box
    box.setCurrentIndex(box.findText("Dr J. Smyth"))
    type_into(qtbot, team.reflection.editors["what_learned"], "Prompts work.")
    qtbot.waitUntil(lambda: get_reflections(ctx.store.db, VTE, "Dr J. Smyth")["what_learned"] == "Prompts work.")
    type_into(qtbot, team.name_edit, "Dr J. Smith", replace=True)
    assert page.flush()
    assert get_reflections(ctx.store.db, VTE, "Dr J. Smith")["what_learned"] == "Prompts work."
    assert box.currentText() == "Dr J. Smith"
    assert team.reflection.editors["what_learned"].toPlainText() == "Prompts work."


def test_the_evidence_pack_is_written_with_the_typed_reflection_and_recorded(qtbot, ctx, page, dialog_log,
                                                                             tmp_path):
    reflection = page.team.reflection
    type_into(qtbot, reflection.editors["impact"], "Fewer missed assessments.")
    dialog_log.save_path = str(tmp_path / "evidence")
    qtbot.mouseClick(reflection.evidence_button, Qt.LeftButton)
    saves = [c for c in dialog_log.calls if c[0] == "save_file"]
    assert saves and saves[0][1] == "Save the evidence pack"
    qtbot.waitUntil(lambda: reflection.open_button.isEnabled(), timeout=60_000)
    path = tmp_path / "evidence.pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)
    assert "Fewer missed assessments." in text and "Dr A. Patel (ST4)" in text
    assert [(r.kind, r.format) for r in list_reports(ctx.store.db, latest_cycle(ctx))] == [("evidence", "pdf")]
    assert "evidence pack version 1" in reflection.status.text()


@pytest.mark.parametrize(("kind", "suffix"), [("summary", "png"), ("poster", "pdf")])
def test_the_summary_and_poster_buttons_write_and_record(qtbot, ctx, page, dialog_log, tmp_path, kind, suffix):
    page.tabs.setCurrentWidget(page.report)
    tab = page.report
    dialog_log.save_path = str(tmp_path / f"{kind}.{suffix}")
    qtbot.mouseClick(tab.summary_button if kind == "summary" else tab.poster_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tab.word_button.isEnabled(), timeout=60_000)
    assert Path(dialog_log.save_path).stat().st_size > 0
    saves = [c for c in dialog_log.calls if c[0] == "save_file"]
    assert saves[0][1:] == (f"Save the {kind}", "PDF document (*.pdf);;PNG image (*.png)")  # PDF first
    recorded = list_reports(ctx.store.db, latest_cycle(ctx))
    assert [(r.kind, r.format, r.status) for r in recorded] == [(kind, suffix, "")]
    cells = [tab.reports_model.index(0, c).data() for c in range(tab.reports_model.columnCount())]
    assert cells[0] == kind.capitalize() and cells[3] == suffix.upper() and cells[4] == "—"


def test_every_new_control_is_named_and_the_tab_fits_the_laptop(qtbot, ctx, page):
    from PySide6.QtWidgets import QAbstractButton

    from gui.a11y import name_unnamed, unnamed_controls

    qtbot.mouseClick(page.team.add_member_button, Qt.LeftButton)
    qtbot.mouseClick(page.team.add_talk_button, Qt.LeftButton)
    name_unnamed(page)
    assert unnamed_controls(page) == []
    assert page.minimumSizeHint().height() <= 540 and page.minimumSizeHint().width() <= 1093
    for button in page.team.findChildren(QAbstractButton):
        if button.isVisibleTo(page):
            assert button.width() > 4 and button.height() > 4, button.text()


def test_default_file_names_say_what_the_document_is():
    from gui.stages._report_files import default_file_name

    assert default_file_name("VTE: risk/assessment", 2, 3, "pdf", False, "summary") == \
        "VTE risk assessment - cycle 2 summary v3.pdf"
    assert default_file_name("VTE", 1, 1, "docx", False, "evidence", "Dr J. Smith (FY2)") == \
        "VTE - cycle 1 evidence pack Dr J. Smith (FY2) v1.docx"
    assert default_file_name("VTE", 1, 2, "docx", True) == "VTE - cycle 1 report v2.docx"


def test_cancelling_a_summary_keeps_no_file_and_records_nothing(qtbot, ctx, page, dialog_log, tmp_path,
                                                               monkeypatch):
    from gui.stages import _report_files

    real = _report_files.handout_record

    def cancelled_while_drawing(*args, **kwargs):
        done = real(*args, **kwargs)
        progress_holder[0].cancel()
        return done

    progress_holder = []
    real_task = _report_files.write_task
    monkeypatch.setattr(_report_files, "handout_record", cancelled_while_drawing)
    monkeypatch.setattr(_report_files, "write_task",
                        lambda progress, *a: progress_holder.append(progress) or real_task(progress, *a))
    page.tabs.setCurrentWidget(page.report)
    dialog_log.save_path = str(tmp_path / "summary.pdf")
    qtbot.mouseClick(page.report.summary_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.report.word_button.isEnabled(), timeout=60_000)
    assert not (tmp_path / "summary.pdf").exists()
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []
    assert "Cancelled" in page.report.status.text()


def test_cancel_while_the_summary_is_drawn_stops_before_the_page_is_saved(qtbot, ctx, page, dialog_log, tmp_path,
                                                                         monkeypatch):
    from matplotlib.figure import Figure

    from gui.stages import _report_files
    from model.report import render_summary

    progress_holder = []
    real_task, real_figure, real_save = _report_files.write_task, render_summary.summary_figure, Figure.savefig
    saved = []

    def drawing(summary):
        progress_holder[0].cancel()  # as the progress dialog's Cancel does, while the page is being drawn
        return real_figure(summary)

    monkeypatch.setattr(_report_files, "write_task",
                        lambda progress, *a: progress_holder.append(progress) or real_task(progress, *a))
    monkeypatch.setattr(render_summary, "summary_figure", drawing)
    monkeypatch.setattr(Figure, "savefig", lambda *a, **k: saved.append(1) or real_save(*a, **k))
    page.tabs.setCurrentWidget(page.report)
    (tmp_path / "summary.pdf").write_bytes(b"last week's summary")
    dialog_log.save_path = str(tmp_path / "summary.pdf")
    qtbot.mouseClick(page.report.summary_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.report.word_button.isEnabled(), timeout=60_000)
    assert saved == []  # the page was never rendered: Cancel took effect before, not after, the drawing
    assert (tmp_path / "summary.pdf").read_bytes() == b"last week's summary"
    assert list_reports(ctx.store.db, latest_cycle(ctx)) == []
    assert "Cancelled" in page.report.status.text()
