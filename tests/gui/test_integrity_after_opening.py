"""A damaged data file is still caught at start-up now that the full integrity check runs after
the register shows (gui.integrity): damage the register reads fails the start and goes through
start-up's recovery; damage elsewhere is found by the background check; either way the user is
offered the latest good backup, or the window closes."""

from __future__ import annotations

from gui import app, integrity, tasks
from gui.context import AppContext
from gui.main_window import MainWindow
from model.store.store import list_preserved
from tests.model.test_store_deferred_check import damaged_at_the_end


def _started(qtbot, tmp_path, path) -> MainWindow:
    store = app._open_start_store(path, demo=False)  # as start-up opens it: the check left for later
    assert store is not None and store.integrity_deferred
    window = MainWindow(None)
    qtbot.addWidget(window)
    window.show()
    integrity.attach_checked(window, AppContext(store=store, data_dir=tmp_path / "data"))  # as attach_later does
    tasks.settle()
    return window


def test_damage_the_register_reads_is_caught_as_start_up_caught_it(qtbot, tmp_path, dialog_log):
    path, good = damaged_at_the_end(tmp_path, table="audits")
    dialog_log.choice = 0  # "Restore the latest good backup"
    window = _started(qtbot, tmp_path, path)
    [(kind, title, text)] = dialog_log.calls
    assert kind == "choose" and "damaged" in text and good is not None and good.name in text
    assert dialog_log.offered == [[app.RESTORE_LATEST, app.QUIT]]
    assert window.isVisible() and window.stack.currentWidget() is window.register
    assert window.ctx.store.db["audits"].count == 300 and len(list_preserved(path)) == 1
    window.close()


def test_damage_elsewhere_is_found_after_the_register_shows_and_the_good_backup_restored(qtbot, tmp_path,
                                                                                         dialog_log):
    path, good = damaged_at_the_end(tmp_path, table="import_profiles")
    dialog_log.choice = 0
    window = _started(qtbot, tmp_path, path)
    [(kind, title, text)] = dialog_log.calls  # no crash report from the reminders: they waited
    assert kind == "choose" and title == integrity.TITLE and "damaged" in text and good.name in text
    assert window.isVisible() and window.ctx.store.db["import_profiles"].count == 300  # the backup, open
    assert len(list_preserved(path)) == 1  # the damaged file kept
    window.close()


def test_without_a_good_backup_it_says_so_and_the_window_closes(qtbot, tmp_path, dialog_log):
    for table in ("audits", "import_profiles"):
        dialog_log.calls.clear()
        path, _none = damaged_at_the_end(tmp_path / table, backup=False, table=table)
        window = _started(qtbot, tmp_path / table, path)
        assert [c[0] for c in dialog_log.calls] == ["error"] and "damaged" in dialog_log.calls[0][2], table
        assert not window.isVisible()


def test_a_sound_file_says_nothing_and_the_reminders_load_after_the_check(qtbot, tmp_path, dialog_log):
    from model.demo import build_demo

    path = tmp_path / "auditloop.sqlite"
    build_demo(path).close()
    window = _started(qtbot, tmp_path, path)
    assert dialog_log.calls == [] and not window.ctx.store.integrity_deferred and window.isVisible()
    assert window.register.reminders.shown()  # filled once the check passed
    window.close()
