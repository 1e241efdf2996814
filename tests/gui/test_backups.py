"""Start-up recovery (empty, damaged, missing data file) and the Backups dialog's checked table."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gui import app
from gui.backups import BackupsDialog
from model.store.store import backup_now, list_backups, list_preserved, open_store


def _file_with_backups(tmp_path: Path, audits: int = 3) -> tuple[Path, Path]:
    """A data file with `audits` audits and one good backup of it, then a newer truncated one."""
    path = tmp_path / "auditloop.sqlite"
    store = open_store(path)
    store.db["audits"].insert_all({"uid": f"u{i}", "title": f"Audit {i}", "created_at": "t", "updated_at": "t"}
                                  for i in range(audits))
    good = backup_now(store.db, path)
    cut = backup_now(store.db, path)
    store.close()
    cut.write_bytes(cut.read_bytes()[:3000])  # as a killed VACUUM INTO left it in older versions
    return path, good


def test_start_up_on_an_empty_file_offers_the_latest_good_backup(qtbot, tmp_path, dialog_log):
    path, good = _file_with_backups(tmp_path)
    path.write_bytes(b"")
    dialog_log.choice = 0
    store = app._open_start_store(path, demo=False)
    assert store is not None
    try:
        assert store.db["audits"].count == 3
    finally:
        store.close()
    [(kind, _title, text)] = dialog_log.calls
    assert kind == "choose" and "empty (0 bytes)" in text and str(path) in text and good.name in text
    assert dialog_log.offered == [[app.RESTORE_LATEST, app.START_NEW, app.QUIT]]


def test_start_up_on_an_empty_file_can_start_a_new_one_and_keeps_the_empty_file(qtbot, tmp_path, dialog_log):
    path, _ = _file_with_backups(tmp_path)
    path.write_bytes(b"")
    dialog_log.choice = 1
    store = app._open_start_store(path, demo=False)
    assert store is not None and store.db["audits"].count == 0
    store.close()
    assert any(p.stat().st_size == 0 and "-empty" in p.name for p in list_preserved(path))


def test_start_up_on_an_empty_file_quit_leaves_it_as_it_was(qtbot, tmp_path, dialog_log):
    path = tmp_path / "auditloop.sqlite"
    path.write_bytes(b"")
    dialog_log.choice = -1  # the box closed
    assert app._open_start_store(path, demo=False) is None
    assert dialog_log.offered == [[app.START_NEW, app.QUIT]]  # no backup: none offered
    assert "No good backup" in dialog_log.calls[0][2]
    assert path.stat().st_size == 0


def test_start_up_on_a_damaged_file_skips_a_cut_short_backup(qtbot, tmp_path, dialog_log):
    path, good = _file_with_backups(tmp_path)
    path.write_bytes(b"SQLite format 3\x00" + b"\x5a" * 9000)
    dialog_log.choice = 0  # the named action "Restore the latest good backup"
    store = app._open_start_store(path, demo=False)
    assert store is not None
    store.close()
    [(kind, _title, text)] = dialog_log.calls
    assert kind == "choose" and good.name in text
    assert dialog_log.offered == [[app.RESTORE_LATEST, app.QUIT]]
    assert text.count("Restore the latest good backup") == 0  # the advice is the buttons, said once
    assert len(list_preserved(path)) == 1  # the damaged original was kept, apart from the rotation
    path.write_bytes(b"SQLite format 3\x00" + b"\x5a" * 9000)  # damaged again: offered the good one again
    dialog_log.calls.clear()
    store = app._open_start_store(path, demo=False)
    assert store is not None
    store.close()
    assert good.name in dialog_log.calls[0][2]


def test_start_up_with_no_good_backup_says_so_and_does_not_crash(qtbot, tmp_path, dialog_log):
    path, good = _file_with_backups(tmp_path)
    good.unlink()
    path.write_bytes(b"SQLite format 3\x00" + b"\x5a" * 9000)
    assert app._open_start_store(path, demo=False) is None
    assert dialog_log.kinds() == ["error"]


def test_missing_data_file_with_backups_offers_the_latest_good_one(qtbot, tmp_path, dialog_log):
    path, good = _file_with_backups(tmp_path)
    path.unlink()
    dialog_log.choice = 0
    assert app._offer_restore_missing(path)
    assert good.name in dialog_log.calls[0][2]
    store = open_store(path)
    assert store.db["audits"].count == 3
    store.close()


def test_backups_dialog_shows_each_backup_checked(qtbot, ctx, dialog_log, qtmodeltester):
    path = ctx.store.path
    good = backup_now(ctx.store.db, path)
    cut = backup_now(ctx.store.db, path)
    cut.write_bytes(cut.read_bytes()[:3000])
    dialog = BackupsDialog(ctx)
    qtbot.addWidget(dialog)
    model = dialog.table_model
    qtmodeltester.check(model)
    headers = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Taken", "Kind", "Size", "Audits", "Cases", "Check"]
    assert [r.path for r in model.rows] == list_backups(path) == [cut, good]
    cells = {name: model.index(1, col).data() for col, name in enumerate(headers)}
    assert cells["Audits"] == "4" and int(cells["Cases"]) > 0 and cells["Check"] == "Good"
    assert cells["Kind"] == "Backup (manual)" and cells["Size"].endswith(("KB", "MB"))
    assert model.index(0, model.COL_CHECK).data().startswith("Not usable: damaged")
    assert model.index(0, model.COL_AUDITS).data() == "—"
    assert model.index(1, model.COL_CHECK).data(Qt.AccessibleTextRole) == "Check: Good"
    assert dialog.table.accessibleName() == "Backups of the data file"
    assert dialog.restore_button.accessibleName() == "Restore the selected backup"
    assert not dialog.restore_button.isEnabled()
    dialog.select_row(0)
    assert not dialog.restore_button.isEnabled()  # a damaged backup cannot be restored
    dialog.select_row(1)
    assert dialog.restore_button.isEnabled()
    with qtbot.waitSignal(dialog.restore_requested) as signal:
        qtbot.mouseClick(dialog.restore_button, Qt.LeftButton)
    assert signal.args == [good]
    assert "4 audits" in dialog_log.calls[0][2]


def test_window_restores_a_backup_and_reopens_the_file(qtbot, ctx, dialog_log):
    from gui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    path = ctx.store.path
    good = backup_now(ctx.store.db, path)
    ctx.store.db.execute("UPDATE audits SET deleted_at = 't' WHERE id = 1")
    window.restore_backup(good)
    assert ctx.store.db.execute("SELECT count(*) FROM audits WHERE deleted_at IS NULL").fetchone()[0] == 4
    assert len(list_preserved(path)) == 1
    bad = good.with_name(good.name.replace("manual", "cut"))
    bad.write_bytes(good.read_bytes()[:3000])
    window.restore_backup(bad)  # refused with a message; the data file opens again as it was
    assert dialog_log.kinds()[-1] == "error" and "cannot be restored" in dialog_log.calls[-1][2]
    assert ctx.store.db["audits"].count == 4


def test_start_up_on_a_newer_file_offers_named_actions_and_quit_leaves_it_byte_identical(qtbot, tmp_path,
                                                                                          dialog_log):
    import sqlite3

    path, good = _file_with_backups(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                   "VALUES ('auditloop', 'm999_from_the_future', '2027-01-01')")
    before = path.read_bytes()
    dialog_log.choice = 1  # Quit
    assert app._open_start_store(path, demo=False) is None
    [(kind, _title, text)] = dialog_log.calls
    assert kind == "choose" and "newer version" in text and good.name in text
    assert dialog_log.offered == [[app.RESTORE_LATEST, app.QUIT]]
    assert path.read_bytes() == before and list_preserved(path) == []
