"""The merge review (gui/merge_review.py), drag-and-drop of a package, collection packs and the key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from gui import a11y, handover_extras, merge_review, tasks
from gui.main_window import MainWindow
from gui.merge_review import MergeReviewDialog
from model.report.handover import HandoverNote
from model.report.handover_export import export_audit
from model.report.handover_import import import_audit
from model.store.store import open_store


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def _conflicting_package(ctx, tmp_path: Path) -> Path:
    """Their copy edits an action and the audit's aim; ours edits the same action: one conflict, one update."""
    db = ctx.store.db
    sent = tmp_path / "sent.auditloop"
    export_audit(db, 1, sent, handover_note=HandoverNote(from_name="Dr Ada"))
    other = open_store(tmp_path / "other" / "other.sqlite")
    try:
        import_audit(other.db, sent)
        other.db.execute("UPDATE actions SET text = 'Their teaching plan' WHERE id = (SELECT MIN(id) FROM actions)")
        other.db.execute("UPDATE audits SET aim = 'Their aim'")
        back = tmp_path / "back.auditloop"
        export_audit(other.db, 1, back, handover_note=HandoverNote(from_name="Dr Grace"))
    finally:
        other.close()
    db.execute("UPDATE actions SET text = 'Our teaching plan' WHERE id = (SELECT MIN(id) FROM actions "
               "WHERE audit_id = 1)")
    return back


def test_the_review_shows_each_conflict_side_by_side_and_applies_only_when_decided(qtbot, ctx, tmp_path):
    back = _conflicting_package(ctx, tmp_path)
    plan = import_audit(ctx.store.db, back, dry_run=True).as_json()
    dialog = MergeReviewDialog(plan, back.name)
    qtbot.addWidget(dialog)
    dialog.show()
    assert a11y.unnamed_controls(dialog) == []
    assert dialog.conflict_list.count() == 1 and not dialog.apply_button.isEnabled()
    assert dialog.fields.item(0, 0).text() == "Text"
    assert (dialog.fields.item(0, 1).text(), dialog.fields.item(0, 2).text()) == ("Our teaching plan",
                                                                                 "Their teaching plan")
    assert dialog.counts_table.rowCount() >= 2  # audits (updated) and the rest (unchanged)
    dialog.take_theirs.setFocus()
    qtbot.keyClick(dialog.take_theirs, Qt.Key_Space)  # by keyboard
    assert dialog.take_theirs.isChecked() and dialog.apply_button.isEnabled()
    uuid = plan["conflicts"][0]["uuid"]
    assert dialog.decisions == {("actions", uuid): "incoming"}
    dialog.all_mine.click()
    assert dialog.decisions == {("actions", uuid): "local"} and dialog.keep_mine.isChecked()
    free = QApplication.primaryScreen().availableGeometry()
    assert dialog.width() <= free.width() and dialog.height() <= free.height()


def test_import_of_a_copy_we_hold_reviews_then_merges(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    back = _conflicting_package(ctx, tmp_path)
    reviewed = []

    def choose_theirs(parent, plan, name):
        reviewed.append((plan, name))
        return {(c["kind"], c["uuid"]): "incoming" for c in plan["conflicts"]}

    monkeypatch.setattr(merge_review, "review_merge", choose_theirs)
    window = _window(qtbot, ctx)
    dialog_log.open_path = str(back)
    window.import_audit_action.trigger()
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
    assert reviewed and reviewed[0][1] == "back.auditloop" and len(reviewed[0][0]["conflicts"]) == 1
    assert dialog_log.calls[-1][1] == "Merge applied"
    db = ctx.store.db
    assert db.execute("SELECT aim FROM audits WHERE id = 1").fetchone() == ("Their aim",)
    assert db.execute("SELECT COUNT(*) FROM actions WHERE text = 'Their teaching plan'").fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM merges").fetchone() == (1,)


def test_cancelling_the_review_changes_nothing(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    back = _conflicting_package(ctx, tmp_path)
    monkeypatch.setattr(merge_review, "review_merge", lambda *_a: None)
    window = _window(qtbot, ctx)
    dialog_log.open_path = str(back)
    window.import_audit_action.trigger()
    tasks.settle(20_000)
    QApplication.processEvents()
    assert ctx.store.db.execute("SELECT COUNT(*) FROM merges").fetchone() == (0,)
    assert ctx.store.db.execute("SELECT aim FROM audits WHERE id = 1").fetchone() != ("Their aim",)


def _drop(window: MainWindow, path: Path) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dragEnterEvent(enter)
    drop = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    if enter.isAccepted():
        window.dropEvent(drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_package_on_the_window_imports_it(qtbot, ctx, dialog_log, tmp_path):
    package = tmp_path / "vte.auditloop"
    export_audit(ctx.store.db, 1, package, handover_note=HandoverNote(from_name="Dr Ada"))
    receiver = open_store(tmp_path / "next" / "mine.sqlite")
    from gui.context import AppContext

    other_ctx = AppContext(store=receiver, data_dir=tmp_path / "next-data")
    try:
        other = _window(qtbot, other_ctx)
        (tmp_path / "notes.txt").write_text("x")
        assert _drop(other, tmp_path / "notes.txt") == (False, False)  # anything else is not taken
        dialog_log.answer = True
        assert _drop(other, package) == (True, True)
        qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
        assert dialog_log.kinds()[:2] == ["ask", "inform"] and "Dr Ada" in dialog_log.calls[1][2]
        assert "re-identified" in dialog_log.calls[1][2]  # no key came with it, and the receiver is told
        assert receiver.db.execute("SELECT COUNT(*) FROM audits").fetchone() == (1,)
        other.close()
    finally:
        tasks.wait_for_all(10_000)
        receiver.close()


def test_make_collection_pack_from_the_open_cycle(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    monkeypatch.setattr(handover_extras, "ask_pack", lambda _p, _t: ("Dr Bea", False))
    window = _window(qtbot, ctx)
    window.open_audit(1)
    pack = tmp_path / "pack.auditloop"
    dialog_log.save_path = str(pack)
    window.handover_actions["pack"].trigger()
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
    assert dialog_log.calls[-1][1] == "Collection pack made" and pack.exists()
    from model.report.handover import read_package

    summary = read_package(pack)
    assert summary.counts["cycles"] == 1 and summary.counts["cases"] == 0 and summary.note.to_name == "Dr Bea"


def test_export_and_import_the_key_with_a_passphrase(qtbot, ctx, dialog_log, tmp_path, monkeypatch):
    from model.collect.pseudonym import key_path_for, load_or_create_key

    uid = ctx.store.db.execute("SELECT uid FROM audits WHERE id = 1").fetchone()[0]
    key = load_or_create_key(key_path_for(ctx.store.path, uid))
    monkeypatch.setattr(handover_extras, "ask_passphrase", lambda *_a, **_k: "a long enough passphrase")
    window = _window(qtbot, ctx)
    window.register.select_audit(1)
    out = tmp_path / "vte.auditloop-key"
    dialog_log.save_path = str(out)
    window.handover_actions["export_key"].trigger()
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
    assert out.exists() and key not in out.read_bytes()
    key_path_for(ctx.store.path, uid).unlink()
    dialog_log.calls.clear()
    assert _drop(window, out) == (True, True)  # a key file dropped on the window is imported too
    qtbot.waitUntil(lambda: "inform" in dialog_log.kinds(), timeout=20_000)
    assert dialog_log.calls[-1][1] == "Key imported"
    assert key_path_for(ctx.store.path, uid).read_bytes() == key


def test_the_new_dialogs_are_named_and_fit(qtbot, ctx):
    window = _window(qtbot, ctx)
    free = QApplication.primaryScreen().availableGeometry()
    for dialog in (handover_extras.PackDialog("VTE — Cycle 1", window),
                   handover_extras.PassphraseDialog("Export key", "Choose", confirm=True, parent=window)):
        qtbot.addWidget(dialog)
        dialog.show()
        assert a11y.unnamed_controls(dialog) == [], type(dialog).__name__
        assert dialog.width() <= free.width() and dialog.height() <= free.height()
        dialog.close()
