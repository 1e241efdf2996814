"""Start the GUI: resolve paths once, install the crash hook, open the store, show the window."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gui import dialogs, focus_style, garbage, recent
from gui.context import AppContext
from gui.crash import install_excepthook, setup_logging

if TYPE_CHECKING:  # the model loads after the window's first paint
    from model.core.errors import KnownError
    from model.store.store import Store

DATA_FILE_NAME = "auditloop.sqlite"
DEMO_FILE_NAME = "demo.sqlite"
DEMO_DIR_NAME = "demo"  # the demo's own folder: its file and backups never sit beside the user's
FIRST_PAINT_ENV = "AUDITLOOP_BENCH_FIRST_PAINT"
READY_ENV = "AUDITLOOP_BENCH_READY"


def default_data_dir() -> Path:
    """The per-user app data folder (never next to the frozen bundle)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppLocalDataLocation))


def demo_file(data_dir: Path) -> Path:
    """Where the demo lives: its own file in its own folder, never the user's data file."""
    return data_dir / DEMO_DIR_NAME / DEMO_FILE_NAME


def make_app(argv: list[str]) -> QApplication:
    """The QApplication with names set (QStandardPaths uses them)."""
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName("AuditLoop")
    app.setApplicationName("AuditLoop")
    focus_style.install(app)  # a focus outline keyboard users can see (WCAG 2.2 focus visible)
    garbage.install(app)  # garbage is collected on this thread only (see gui/garbage.py)
    return app  # type: ignore[return-value]


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data folder; keep matplotlib's font cache there so it is built only once."""
    data_dir.mkdir(parents=True, exist_ok=True)
    mpl_dir = str(data_dir / "matplotlib")
    if getattr(sys, "frozen", False):
        # PyInstaller's matplotlib runtime hook points MPLCONFIGDIR at a new temp folder on
        # every launch, which rebuilds the font cache each time; a onedir build's fonts do
        # not move, so a persistent folder is safe and much faster.
        os.environ["MPLCONFIGDIR"] = mpl_dir
    else:
        os.environ.setdefault("MPLCONFIGDIR", mpl_dir)


def run_gui(*, data_dir: Path | None, db_path: Path | None, demo: bool, quit_after_ms: int = 0) -> int:
    """Run the application until the window closes; returns the exit code."""
    app = make_app(sys.argv[:1])
    data_dir = data_dir or default_data_dir()
    prepare_data_dir(data_dir)
    install_excepthook()
    path, demo = start_file(data_dir, db_path, demo)
    if path is None:
        return 0
    from gui.main_window import FirstPaintWatcher, MainWindow

    window = MainWindow(None)
    window.show()
    window.attach_later(lambda: _open_context(window, data_dir, path, demo), showcase=demo)
    if quit_after_ms:
        QTimer.singleShot(quit_after_ms, window.close)
    if os.environ.get(READY_ENV):
        window.attached.connect(lambda: _report_event("register-ready"))
    elif os.environ.get(FIRST_PAINT_ENV):
        window._first_paint = FirstPaintWatcher(window, lambda: _report_event("first-paint"))
    return app.exec()


def start_file(data_dir: Path, db_path: Path | None, demo: bool) -> tuple[Path | None, bool]:
    """The file to open and whether it is the demo; (None, False) when the user chose to quit.

    --demo, or choosing the demo on first launch, opens a fresh demo in its own folder: the
    user's data file is neither created, replaced nor mixed with the demo's made-up audits and trust.
    """
    if demo:
        return demo_file(data_dir), True
    path = db_path or data_dir / DATA_FILE_NAME
    if path.exists() or ((path.parent / "backups").is_dir() and _offer_restore_missing(path)):
        return path, False
    choice = ask_first_launch()
    if choice == FIRST_DEMO:
        return demo_file(data_dir), True
    return (path, False) if choice == FIRST_EMPTY else (None, False)


FIRST_DEMO, FIRST_EMPTY, FIRST_QUIT = "demo", "empty", "quit"
FIRST_LAUNCH_OPTIONS = ((FIRST_DEMO, "Explore the demo (a separate practice file)"),
                        (FIRST_EMPTY, "Start my own, empty data file"), (FIRST_QUIT, "Quit"))


def ask_first_launch() -> str:
    """No data file yet: explore the demo in its own file, start empty, or quit."""
    text = ("No AuditLoop data file exists yet.\n\nThe demo is a separate practice file of example audits for a "
            "made-up trust, marked DEMO in the title bar: nothing you do there touches your own data file, "
            "which stays empty until you start it.")
    index = dialogs.choose(None, "Welcome to AuditLoop", text, [label for _key, label in FIRST_LAUNCH_OPTIONS])
    return FIRST_LAUNCH_OPTIONS[index][0] if 0 <= index < len(FIRST_LAUNCH_OPTIONS) else FIRST_QUIT


def _report_event(name: str) -> None:
    """Print `name <wall-clock time>` for bench/run.py and quit once events are processed."""
    print(f"{name} {time.time():.6f}", flush=True)
    QTimer.singleShot(0, QApplication.quit)


def _open_context(window: QWidget, data_dir: Path, path: Path, demo: bool) -> AppContext | None:
    setup_logging(data_dir)  # after the first paint: the window appears before the log file opens
    store = _open_start_store(path, demo)  # the full integrity check follows the first screen (gui.integrity)
    if store is None:
        return None
    for warning in store.warnings:
        QMessageBox.warning(window, "Data file location", warning)
    # The demo is not remembered among the recent files: it is rebuilt fresh each time it is opened.
    remembered = recent.load(data_dir) if demo else recent.remember(data_dir, store.path)
    return AppContext(store=store, data_dir=data_dir, recent=remembered)


def _open_start_store(path: Path, demo: bool) -> Store | None:
    from model.core.errors import (
        DataFileLocked,
        DataFileReadOnly,
        EmptyDataFile,
        FolderNotWritable,
        KnownError,
        StoreInUse,
    )
    from model.store.store import open_store

    if demo:
        from model.demo import build_demo

        try:
            return build_demo(path)
        except KnownError as exc:
            dialogs.show_known_error(None, exc)
            return None
    try:
        return open_store(path, defer_integrity=True)
    except (StoreInUse, FolderNotWritable, DataFileLocked, DataFileReadOnly) as exc:
        dialogs.show_known_error(None, exc)  # the file is fine: a backup would not help
        return None
    except EmptyDataFile as exc:
        return _recover_empty(path, exc)
    except KnownError as exc:
        return _recover(path, exc)


RESTORE_LATEST = "Restore the latest good backup"
START_NEW = "Start a new, empty data file"
QUIT = "Quit"


def _offer_restore_missing(path: Path) -> bool:
    """No data file, but backups beside where it was: offer the latest good one (True: restored)."""
    from gui.backups import describe_backup
    from model.core.errors import KnownError
    from model.store.store import backup_info, latest_good_backup, restore_backup

    good = latest_good_backup(path)
    if good is None:
        return False
    text = (f"No data file was found at {path}, but its backups are there.\n\nThe latest good backup is "
            f"{describe_backup(backup_info(good))}.")
    if dialogs.choose(None, "AuditLoop: data file missing", text, [RESTORE_LATEST, START_NEW]) != 0:
        return False
    try:
        restore_backup(good, path)
    except KnownError as exc:
        dialogs.show_known_error(None, exc)
        return False
    return True


def _recover_empty(path: Path, exc: KnownError) -> Store | None:
    """The data file is 0 bytes: say so, and offer the latest good backup or a new file (never silently)."""
    from gui.backups import describe_backup
    from model.store.store import backup_info, latest_good_backup, restore_backup, start_new_data_file

    good = latest_good_backup(path)
    text = f"{exc.message}\nWhere: {exc.where}\n\n"
    text += (f"The latest good backup is {describe_backup(backup_info(good))}." if good
             else "No good backup of it was found.")
    options = ([RESTORE_LATEST] if good else []) + [START_NEW, QUIT]
    choice = dialogs.choose(None, "AuditLoop: empty data file", text, options)
    picked = options[choice] if 0 <= choice < len(options) else QUIT
    if picked == RESTORE_LATEST:
        return _reopen_after(path, lambda: restore_backup(good, path))
    if picked == START_NEW:
        return _reopen_after(path, lambda: start_new_data_file(path))
    return None


def _recover(path: Path, exc: KnownError) -> Store | None:
    """The data file cannot be opened: offer the newest backup that is checked good, if there is one."""
    from model.core.errors import NewerVersionFile
    from model.store.store import latest_good_backup, restore_backup

    good = latest_good_backup(path)
    if good is None:
        dialogs.show_known_error(None, exc)
        return None
    if not offer_backup(None, path, exc, good, "AuditLoop: the data file cannot be opened"):
        return None
    reason = "newer-version" if isinstance(exc, NewerVersionFile) else "replaced"
    return _reopen_after(path, lambda: restore_backup(good, path, reason=reason))


def offer_backup(parent: QWidget | None, path: Path, exc: KnownError, good: Path, title: str) -> bool:
    """Say what is wrong with the data file and offer its latest good backup: True when the user
    chose "Restore the latest good backup" (False: Quit, or the box closed)."""
    from gui.backups import describe_backup
    from model.core.errors import NewerVersionFile
    from model.store.store import backup_info, preserved_dir

    # The message and where, not the error's own hint: the named choices below are the advice.
    # Named actions, not Yes/No: a file is never replaced without the user naming what happens.
    where = f"\nWhere: {exc.where}" if exc.where else ""
    if isinstance(exc, NewerVersionFile):  # the other way out: the newer AuditLoop opens it as it is
        where += f"\n{exc.hint}"
    text = (f"{exc.message}{where}\n\nThe latest good backup is {describe_backup(backup_info(good))}. "
            f"Restoring it keeps the current file in {preserved_dir(path)} first.")
    return dialogs.choose(parent, title, text, [RESTORE_LATEST, QUIT]) == 0


def _reopen_after(path: Path, step: Callable[[], object]) -> Store | None:
    """Run a recovery step and open the file; a KnownError on the way is shown, never raised."""
    from model.core.errors import KnownError
    from model.store.store import open_store

    try:
        step()
        return open_store(path)
    except KnownError as exc:
        dialogs.show_known_error(None, exc)
        return None
