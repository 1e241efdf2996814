"""The Over time (SPC) view on the demo data (VTE audit, id 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from gui import spc_view
from gui.context import AppContext
from gui.spc_view import DeleteNoteDialog, NoteRequest, SpcView
from model.compare.chart_notes import add_note, list_notes
from model.compare.spc import SpcResult
from model.compare.spc_series_charts import PhasedRunChart

DEMO_NOTE = "August changeover: new FY1 doctors"


@pytest.fixture
def view(qtbot, ctx: AppContext) -> SpcView:
    widget = SpcView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.load(1, None)
    qtbot.waitUntil(lambda: widget.outcome is not None and widget.reading_label.text() != "")
    return widget


def _choose(qtbot, view: SpcView, kind: str) -> None:
    view.kind_box.setCurrentIndex(view.kind_box.findData(kind))
    qtbot.waitUntil(lambda: view.outcome is not None and view.outcome.kind == (kind or view.outcome.auto_kind))


def test_loads_the_first_criterion_with_auto_chart(view: SpcView) -> None:
    outcome = view.outcome
    assert outcome is not None
    assert view.criterion_box.count() == 3 and view.criterion_box.currentText() == "Risk assessed ≤14 h"
    assert outcome.kind == outcome.auto_kind == "p"
    assert view.choice_label.text().startswith("Auto chose a p-chart: the number of eligible cases varies")
    assert view.reading_label.text() == outcome.text
    assert "The limits were recalculated from cycle 2, the re-audit" in outcome.text
    assert not view.screen_check.isEnabled()  # screening only applies to XmR
    texts = {t.get_text() for ax in view.chart.figure.axes for t in ax.texts}
    assert "Cycle 2 (re-audit)" in texts


def test_switching_chart_type_updates_the_reading(qtbot, view: SpcView) -> None:
    p_text = view.reading_label.text()
    _choose(qtbot, view, "xmr")
    xmr_text = view.reading_label.text()
    assert xmr_text != p_text and "Moving ranges were screened" in xmr_text
    assert view.screen_check.isEnabled()
    assert view.choice_label.text().startswith("Showing an XmR chart. Auto would choose a p-chart")
    view.screen_check.setChecked(False)
    qtbot.waitUntil(lambda: "Moving-range screening was off" in view.reading_label.text())
    _choose(qtbot, view, "run")
    assert isinstance(view.outcome.result, PhasedRunChart) and view.outcome.result.rebased  # 12 + 9 months
    assert view.reading_label.text().startswith("Each cycle has its own median. Cycle 1, the baseline (")
    assert "run chart of 12 months" in view.reading_label.text()
    medians = [c for ax in view.chart.figure.axes for c in ax.collections if c.get_gid() == "phase-median"]
    assert len(medians) == 2
    assert not view.screen_check.isEnabled()
    view.rebase_check.setChecked(False)
    qtbot.waitUntil(lambda: view.reading_label.text().startswith("Run chart of 21 months"))
    assert not view.outcome.result.rebased and view.outcome.result.note == ""


def test_unticking_rebase_gives_one_phase(qtbot, view: SpcView) -> None:
    assert isinstance(view.outcome.result, SpcResult) and len(view.outcome.result.phases) == 2
    view.rebase_check.setChecked(False)
    qtbot.waitUntil(lambda: isinstance(view.outcome.result, SpcResult) and len(view.outcome.result.phases) == 1)
    assert "recalculated" not in view.reading_label.text()


def test_other_criterion_and_weeks(qtbot, view: SpcView) -> None:
    first = view.outcome.series.lineage
    view.criterion_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.outcome.series.lineage != first)
    assert view.outcome.series.name == "Prophylaxis ≤14 h"
    view.bucket_box.setCurrentIndex(view.bucket_box.findData("week"))
    qtbot.waitUntil(lambda: view.outcome.series.bucket == "week")
    assert view.outcome.series.n_buckets > 60 and "w/c" in view.reading_label.text()


def test_adding_a_note_stores_it_and_draws_a_marker(qtbot, view: SpcView, ctx: AppContext,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spc_view, "ask_note", lambda _parent, _default: NoteRequest("2026-02-10", "Locum gap", True))
    qtbot.mouseClick(view.note_button, Qt.LeftButton)
    assert [e.label for e in view.outcome.series.events if e.kind == "note"] == [DEMO_NOTE]
    qtbot.waitUntil(lambda: any(e.label == "Locum gap" for e in view.outcome.series.events))
    demo_note, note = list_notes(ctx.store.db, 1)  # the demo's August changeover note, then this one
    assert demo_note.label == DEMO_NOTE
    assert (note.on_date, note.label, note.criterion_lineage) == ("2026-02-10", "Locum gap",
                                                                  view.outcome.series.lineage)
    ax = view.chart.figure.axes[0]
    markers = [set(line.get_xdata()) for line in ax.get_lines() if line.get_gid() == "event-note"]
    assert sorted(markers, key=min) == [{8}, {14}]  # Aug 2025 and Feb 2026, from Dec 2024
    assert "Locum gap" in {t.get_text() for t in ax.texts}


def test_a_bad_note_shows_a_known_error(qtbot, view: SpcView, ctx: AppContext, dialog_log,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spc_view, "ask_note", lambda _parent, _default: NoteRequest("2026-02-10", "   ", False))
    qtbot.mouseClick(view.note_button, Qt.LeftButton)
    assert dialog_log.kinds() == ["error"] and "needs a few words" in dialog_log.calls[0][2]
    assert [n.label for n in list_notes(ctx.store.db, 1)] == [DEMO_NOTE]


def _note_markers(view: SpcView) -> list[object]:
    return [line for ax in view.chart.figure.axes for line in ax.get_lines() if line.get_gid() == "event-note"]


def test_deleting_a_note_asks_first_and_removes_its_marker(qtbot, view: SpcView, ctx: AppContext, dialog_log,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    offered = []
    monkeypatch.setattr(spc_view, "ask_note_to_delete", lambda _parent, notes: offered.append(notes) or notes[0])
    button = view.delete_note_button
    assert button.isEnabled() and button.accessibleName() == "Delete a chart note" and _note_markers(view)
    dialog_log.answer = False
    qtbot.keyClick(button, Qt.Key_Space)  # a plain push button: Tab to it, Space to press
    assert [n.label for n in offered[0]] == [DEMO_NOTE]
    assert dialog_log.kinds() == ["ask"] and DEMO_NOTE in dialog_log.calls[0][2]
    assert [n.label for n in list_notes(ctx.store.db, 1)] == [DEMO_NOTE]  # said no: kept
    dialog_log.answer = True
    qtbot.mouseClick(button, Qt.LeftButton)
    assert list_notes(ctx.store.db, 1) == []
    qtbot.waitUntil(lambda: not any(e.kind == "note" for e in view.outcome.series.events))
    assert _note_markers(view) == [] and not button.isEnabled()


def test_the_delete_note_dialog_works_from_the_keyboard(qtbot, ctx: AppContext) -> None:
    add_note(ctx.store.db, 1, "2026-02-10", "Locum gap", lineage="x")
    notes = list_notes(ctx.store.db, 1)
    dialog = DeleteNoteDialog(None, notes)
    qtbot.addWidget(dialog)
    assert dialog.note_list.count() == 2 and dialog.delete_button.text() == "Delete"
    assert dialog.note_list.item(1).text() == "10 Feb 2026 — Locum gap (this criterion)"
    assert dialog.note_list.accessibleName() and dialog.delete_button.accessibleName()
    assert dialog.chosen() == notes[0]
    qtbot.keyClick(dialog.note_list, Qt.Key_Down)
    assert dialog.chosen() == notes[1]
    qtbot.keyClick(dialog.note_list, Qt.Key_Return)
    assert dialog.result() == QDialog.Accepted


def test_export_svg(qtbot, view: SpcView, dialog_log, tmp_path: Path) -> None:
    dialog_log.save_path = str(tmp_path / "chart.svg")
    qtbot.mouseClick(view.export_button, Qt.LeftButton)
    assert (tmp_path / "chart.svg").read_bytes().lstrip()[:5] in (b"<?xml", b"<svg ")


def test_audit_without_cycles_says_there_is_nothing(qtbot, ctx: AppContext) -> None:
    widget = SpcView(ctx)
    qtbot.addWidget(widget)
    widget.load(3, None)
    assert widget.outcome is None and widget.criterion_box.count() == 0
    assert "no criteria yet" in widget.reading_label.text()


def test_closing_the_audit_clears_the_view(view: SpcView) -> None:
    view.load(None, None)
    assert view.outcome is None and view.criterion_box.count() == 0
    assert view.reading_label.text() == "Open an audit to chart its criteria over time."
    assert view.chart.figure.axes == []
