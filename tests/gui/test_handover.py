"""File › Export audit… and File › Import audit… (gui/handover_dialog.py)."""

from __future__ import annotations

from gui import handover_dialog, tasks
from gui.context import AppContext
from gui.handover_dialog import HandoverNoteDialog
from gui.main_window import MainWindow
from model.store.store import open_store


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def _typed_note(parent, title):
    """What a user types into the dialog (the dialog itself, not run modally)."""
    dialog = HandoverNoteDialog(title, parent)
    edits = (dialog.from_name, dialog.to_name, dialog.on_date, dialog.done_text, dialog.next_steps, dialog.contacts)
    for edit in edits:
        assert edit.accessibleName()
    dialog.from_name.setText("Dr Ada Lovelace")
    dialog.to_name.setText("Dr Grace Hopper")
    dialog.next_steps.setPlainText("Re-audit in March")
    note = dialog.note()
    dialog.deleteLater()
    return note


def test_export_then_import_shows_the_handover_note_first(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    monkeypatch.setattr(handover_dialog, "ask_handover_note", _typed_note)
    window = _window(qtbot, ctx)
    assert window.export_audit_action.text() == "&Export audit…"
    window.register.select_audit(1)
    package = tmp_path / "handover.auditloop"
    dialog_log.save_path = str(package)
    window.export_audit_action.trigger()
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
    assert package.exists() and dialog_log.calls[-1][1] == "Audit exported"

    receiver = AppContext(store=open_store(tmp_path / "next" / "mine.sqlite"), data_dir=tmp_path / "next-data")
    try:
        other = _window(qtbot, receiver)
        dialog_log.calls.clear()
        dialog_log.open_path = str(package)
        dialog_log.answer = True
        other.import_audit_action.trigger()
        qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
        assert dialog_log.kinds() == ["open_file", "ask", "inform"]  # the note is the first thing shown
        kind, title, text = dialog_log.calls[-1]
        assert title.startswith("Handover note") and "Dr Ada Lovelace" in text and "Re-audit in March" in text
        assert other.stack.currentWidget() is other.workspace
        assert len(other.register.table_model.rows) == 1
        tasks.wait_for_all(10_000)
        dialog_log.calls.clear()
        other.import_audit_action.trigger()  # the same audit again: a merge with nothing new; nothing changes
        qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
        assert "already holds everything" in dialog_log.calls[-1][2]
        assert receiver.store.db.execute("SELECT COUNT(*) FROM audits").fetchone() == (1,)
        other.close()
    finally:
        tasks.wait_for_all(10_000)
        receiver.store.close()


def test_import_of_a_data_file_says_what_it_is(qtbot, ctx, dialog_log):
    window = _window(qtbot, ctx)
    dialog_log.open_path = str(ctx.store.path)
    window.import_audit_action.trigger()
    qtbot.waitUntil(lambda: "error" in dialog_log.kinds(), timeout=20_000)  # the file is checked off the GUI thread
    assert dialog_log.kinds() == ["open_file", "error"]
    assert "AuditLoop data file" in dialog_log.calls[-1][2]


def test_cancelling_the_note_exports_nothing(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    monkeypatch.setattr(handover_dialog, "ask_handover_note", lambda _parent, _title: None)
    window = _window(qtbot, ctx)
    window.register.select_audit(2)
    dialog_log.save_path = str(tmp_path / "never.auditloop")
    window.export_audit_action.trigger()
    assert "save_file" not in dialog_log.kinds() and not (tmp_path / "never.auditloop").exists()


def test_the_note_dialog_opens_and_accepts(qtbot, ctx):
    window = _window(qtbot, ctx)
    dialog = HandoverNoteDialog("VTE", window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.done_text.setPlainText("Cycle 1 reported")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.accept()
    assert dialog.note().done == "Cycle 1 reported" and dialog.note().handed_over_on


def test_the_registers_context_menu_exports_the_selected_audit(qtbot, ctx, dialog_log, monkeypatch):
    from gui import handover_dialog
    from gui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    chosen: list[object] = []
    monkeypatch.setattr(handover_dialog, "ask_handover_note", lambda _w, title: chosen.append(title))  # then stop
    window.register.select_audit(2)
    [export] = [a for a in window.register.table.actions() if a.text() == "Export audit…"]
    export.trigger()
    assert chosen == [next(r.title for r in window.register.table_model.rows if r.audit_id == 2)]
    assert [a.text() for a in window.register.table.actions()] == ["Open", "Export audit…", "Move to bin"]
