"""Screenshots of the real recovery and privacy messages (issue 13), each from its real code path.

    QT_SCALE_FACTOR=1.25 QT_QPA_PLATFORM=offscreen python scripts/screenshot_messages.py docs/screenshots/messages

Each scenario makes the situation on disk (an empty data file, a damaged one beside its backups,
a read-only file, a lock another program holds, …), runs the same function the app runs at
start-up or on save, and saves every message box it shows as a PNG instead of waiting for a
click: `gui.dialogs` builds the box as it always does, and only `exec` is replaced.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from gui import dialogs, focus_style  # noqa: E402

SHOTS: list[Path] = []


def _shoot(out: Path, name: str) -> Callable[..., int]:
    """A stand-in for QMessageBox.exec: show, grab, save, then answer "close" (-1 / Cancel)."""
    def exec_(box: QMessageBox) -> int:
        box.show()
        QApplication.processEvents()
        path = out / f"{name}-{len([s for s in SHOTS if s.stem.startswith(name)]) + 1}.png"
        box.grab().save(str(path))
        SHOTS.append(path)
        box.hide()
        return int(QMessageBox.Cancel)

    return exec_


def _static_boxes_as_instances() -> None:
    """dialogs.ask/inform/warn use Qt's static helpers, which exec in C++: build the same box here."""
    def box(icon: QMessageBox.Icon, buttons: QMessageBox.StandardButton) -> Callable[..., object]:
        def show(parent: object, title: str, text: str) -> object:
            message = QMessageBox(icon, title, text, buttons, parent)  # type: ignore[arg-type]
            return message.exec() == QMessageBox.Yes

        return show

    dialogs.ask = box(QMessageBox.Question, QMessageBox.Yes | QMessageBox.No)  # type: ignore[assignment]
    dialogs.inform = box(QMessageBox.Information, QMessageBox.Ok)  # type: ignore[assignment]
    dialogs.warn = box(QMessageBox.Warning, QMessageBox.Ok)  # type: ignore[assignment]


def _store_with_backup(folder: Path) -> Path:
    from model.plan.audits import Audit, create_audit
    from model.store.store import backup_now, open_store

    path = folder / "auditloop.sqlite"
    store = open_store(path)
    for title in ("Sepsis six on AMU", "VTE risk assessment", "Falls on Ward 7"):
        create_audit(store.db, Audit(title=title))
    backup_now(store.db, path)
    store.close()
    return path


def _deny_write(paths: list[Path]) -> None:
    """As the tests do for root: chmod, and os.access that says so (root ignores file modes)."""
    denied = {p.resolve() for p in paths}
    real = os.access
    os.access = lambda p, mode, *a, **k: False if mode & os.W_OK and Path(p).resolve() in denied \
        else real(p, mode, *a, **k)  # type: ignore[assignment]
    for p in paths:
        p.chmod(0o500 if p.is_dir() else 0o400)


def scenarios(tmp: Path) -> dict[str, Callable[[], object]]:
    from gui import app
    from model.core.errors import KnownError
    from model.store import store as store_module
    from model.store.files import locked_by_other_program

    def folder(name: str) -> Path:
        path = tmp / name
        path.mkdir()
        return path

    def empty() -> object:
        path = _store_with_backup(folder("empty"))
        path.write_bytes(b"")
        return app._open_start_store(path, demo=False)

    def damaged() -> object:
        path = _store_with_backup(folder("damaged"))
        path.write_bytes(b"SQLite format 3\x00" + b"\x5a" * 9000)
        return app._open_start_store(path, demo=False)

    def missing() -> object:
        path = _store_with_backup(folder("missing"))
        path.unlink()
        return app._offer_restore_missing(path)

    def newer() -> object:
        path = _store_with_backup(folder("newer"))
        with sqlite3.connect(path) as db:
            db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                       "VALUES ('auditloop', 'm999_from_the_future', '2027-01-01')")
        return app._open_start_store(path, demo=False)

    def read_only_file() -> object:
        path = _store_with_backup(folder("read-only-file"))
        _deny_write([path])
        store = app._open_start_store(path, demo=False)
        assert store is not None
        for warning in store.warnings:
            dialogs.warn(None, "Data file location", warning)
        try:
            from model.plan.audits import Audit, create_audit

            create_audit(store.db, Audit(title="New audit"))
        except KnownError as exc:
            dialogs.show_known_error(None, exc)
        store.close()
        return None

    def read_only_folder() -> object:
        where = folder("read-only-folder")
        _deny_write([where])
        return app._open_start_store(where / "auditloop.sqlite", demo=False)

    def file_in_read_only_folder() -> object:
        path = _store_with_backup(folder("file-in-read-only-folder"))
        _deny_write([path.parent])
        return app._open_start_store(path, demo=False)

    def locked() -> object:
        path = _store_with_backup(folder("locked"))
        holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, time\n"
                                   f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                                   "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(60)"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            store_module.BUSY_TIMEOUT_MS = 100
            app._open_start_store(path, demo=False)
            dialogs.show_known_error(None, locked_by_other_program(path))  # as a save shows it mid-session
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()  # type: ignore[union-attr]
            store_module.BUSY_TIMEOUT_MS = 5000
        return None

    def same_file_through_a_link() -> object:
        from model.store.store import open_store

        path = _store_with_backup(folder("link"))
        link = path.with_name("shortcut-to-data.sqlite")
        link.symlink_to(path)
        first = open_store(path)
        try:
            return app._open_start_store(link, demo=False)
        finally:
            first.close()

    def changed_case() -> object:
        from gui.data_check import DataCheckDialog
        from model.demo import build_demo
        from model.store.answer_check import check_data_file

        store = build_demo(folder("changed") / "demo.sqlite")
        case_id = store.db.execute("SELECT id FROM cases WHERE outcomes LIKE 'M%' ORDER BY id").fetchone()[0]
        with sqlite3.connect(store.path) as other:
            other.execute("UPDATE cases SET outcomes = 'N' || substr(outcomes, 2) WHERE id = ?", [case_id])
        found = check_data_file(store.db)
        from gui.context import AppContext

        dialog = DataCheckDialog(AppContext(store=store, data_dir=tmp / "data"), found.summary(), found.changed)
        dialog.show()
        QApplication.processEvents()
        SHOTS.append(OUT / "check-data-file-1.png")
        dialog.grab().save(str(SHOTS[-1]))
        dialog.close()
        store.close()
        return None

    def purged_audit_in_backups() -> object:
        from gui.bin_dialog import BinDialog
        from gui.context import AppContext
        from model.plan.audits import Audit, create_audit, purge_audit
        from model.store.store import backup_now, open_store

        path = folder("purge") / "auditloop.sqlite"
        store = open_store(path)
        audit = create_audit(store.db, Audit(title="Sepsis six on AMU", keep_identifiers=True))
        backup_now(store.db, path)
        backup_now(store.db, path)
        purge_audit(store.db, int(audit.id))
        dialog = BinDialog(AppContext(store=store, data_dir=tmp / "data"))
        dialog._offer_to_delete_backups(audit.title, audit.uid)
        store.close()
        return None

    def nhs_numbers_as_case_reference() -> object:
        import time

        from gui.context import AppContext
        from gui.main_window import MainWindow
        from gui.tasks import settle
        from model.demo import build_demo

        def wait_until(done: Callable[[], bool], seconds: float = 30) -> None:
            end = time.monotonic() + seconds
            while not done() and time.monotonic() < end:
                QApplication.processEvents()
                time.sleep(0.02)

        sheet = folder("nhs") / "ward_sheet.csv"
        numbers = ["943 476 5919", "999 000 0018", "401 023 2137", "999 000 0026"]
        sheet.write_text("Case no.,Screening tool used,Antibiotics ≤1 h,Cultures before antibiotics,Lactate ≤1 h\n"
                         + "".join(f"{n},Yes,No,Yes,Yes\n" for n in numbers), encoding="utf-8")
        store = build_demo(tmp / "nhs" / "demo.sqlite")
        window = MainWindow(AppContext(store=store, data_dir=tmp / "data"))
        window.resize(1093, 580)
        window.show()
        window.open_audit(2, "collect")
        wizard = window.workspace.pages["collect"].start_import()
        wizard.open_path(sheet)
        wait_until(wizard.file_page.isComplete)
        wizard.next()
        wait_until(wizard.sheet_page.isComplete)
        wizard.next()
        wizard.mapping_page.set_target("Case no.", "case_ref")  # the user maps NHS numbers as the reference
        wizard.next()
        wait_until(wizard.values_page.isComplete)
        wizard.next()
        wait_until(wizard.preview_page.isComplete)
        settle()
        QApplication.processEvents()
        SHOTS.append(OUT / "nhs-numbers-as-case-reference-1.png")
        wizard.grab().save(str(SHOTS[-1]))
        wizard.close()
        window.close()
        store.close()
        return None

    return {"empty-data-file": empty, "damaged-data-file": damaged, "missing-data-file": missing,
            "newer-version-file": newer, "read-only-file": read_only_file, "read-only-folder": read_only_folder,
            "file-in-read-only-folder": file_in_read_only_folder,
            "locked-by-another-program": locked, "same-file-through-a-link": same_file_through_a_link,
            "check-data-file": changed_case, "purged-audit-still-in-backups": purged_audit_in_backups,
            "nhs-numbers-as-case-reference": nhs_numbers_as_case_reference}


OUT = Path()


def main() -> int:
    global OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, help="the folder for the PNGs")
    args = parser.parse_args()
    OUT = args.out
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    focus_style.install(app)
    _static_boxes_as_instances()
    tmp = Path(tempfile.mkdtemp())
    for name, run in scenarios(tmp).items():
        QMessageBox.exec = _shoot(OUT, name)  # type: ignore[method-assign]
        run()
    for shot in SHOTS:
        print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
