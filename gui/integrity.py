"""The data file's full integrity check, run once the register is on screen (issue 16).

SQLite's `PRAGMA integrity_check` reads every page of the file: 0.15 s for a department's
18 MB, more as the file grows, and it used to sit between the window's first paint and the
register. At start-up the store now opens without it when opening writes nothing (no
migration pending, this version opened the file last: `open_store(defer_integrity=True)`);
otherwise it runs there as before, so a damaged file is never migrated or stamped. The check
itself runs here straight after, on a read-only background connection, `quick_check` first.

A damaged file is still caught, and handled as start-up handled it: the user is told what
SQLite found and offered the latest good backup (restored as File › Backups does, the damaged
file kept in backups/preserved/); without a good backup, or when the user chooses Quit, the
window closes, as it did when start-up refused the file. Damage in what the register reads
fails the building of the window itself: `attach_checked` then checks at once and goes
through start-up's own recovery. The register's reminders, which read every case, wait for
the check (RemindersPanel.reload_in_background), so damaged pages there meet the check's
message rather than a crash report.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gui import dialogs
from gui.context import AppContext

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger("auditloop")
TITLE = "AuditLoop: the data file is damaged"


def _findings_task(_progress: object, store: Any) -> list[str]:
    from model.store.store import integrity_findings

    db = store.connect()
    try:
        return integrity_findings(db)
    finally:
        db.close()


def attach_checked(window: MainWindow, ctx: AppContext, *, showcase: bool = False) -> None:
    """`window.attach(ctx)`, then the deferred check in the background. When building the window
    fails on a file not yet checked, the file is checked now: damaged, it goes through start-up's
    recovery (the latest good backup, or the window closes); sound, the failure is a bug and raised."""
    try:
        window.attach(ctx, showcase=showcase)
    except Exception:
        findings = _findings_now(ctx.store) if ctx.store.integrity_deferred else []
        if not findings:
            raise
        _recover_at_start(window, ctx, findings, showcase)
        return
    check_after_opening(window)


def _findings_now(store: Any) -> list[str]:
    from model.store.store import integrity_findings

    try:
        return integrity_findings(store.db)
    except Exception:  # noqa: BLE001 - the check itself failing says nothing about the first failure
        log.exception("Integrity check after a failed start could not run")
        return []


def _recover_at_start(window: MainWindow, ctx: AppContext, findings: list[str], showcase: bool) -> None:
    from gui.app import _recover
    from model.store.store import damaged_file_error

    path = ctx.store.path
    log.error("Integrity check after a failed start on %s: %s", path, "; ".join(findings[:10]))
    ctx.store.close()
    store = _recover(path, damaged_file_error(path, findings))
    if store is None:
        window.close()
        return
    window.attach(AppContext(store=store, data_dir=ctx.data_dir, recent=ctx.recent), showcase=showcase)


def check_after_opening(window: MainWindow) -> None:
    """Run the integrity check the opening left out, if it did, in the background."""
    from gui.tasks import run_task

    store = window.ctx.store
    if not store.integrity_deferred:
        return
    run_task(window, _findings_task, store, show_progress=False,
             on_success=lambda findings: _report(window, store, findings),
             on_error=lambda exc: _not_checked(window, exc))


def _report(window: MainWindow, store: Any, findings: list[str]) -> None:
    from model.store.store import damaged_file_error, latest_good_backup

    if window.ctx.store is not store:  # another data file was opened meanwhile (checked on its own open)
        return
    store.integrity_deferred = False
    if not findings:
        window.register.reminders.reload_in_background()  # they waited for the check
        return
    log.error("Integrity check after opening %s: %s", store.path, "; ".join(findings[:10]))
    exc = damaged_file_error(store.path, findings)
    good = latest_good_backup(store.path)
    if good is None:
        dialogs.show_known_error(window, exc, TITLE)
        window.close()
        return
    from gui.app import offer_backup

    if offer_backup(window, store.path, exc, good, TITLE):
        window.restore_backup(good)
    else:
        window.close()


def _not_checked(window: MainWindow, exc: BaseException) -> None:
    """The check could not run (the file locked by another program): say so, keep working."""
    log.warning("Integrity check after opening could not run: %r", exc)
    window.statusBar().showMessage("The data file's integrity could not be checked (Help › Check data file… "
                                   "checks it again).", 15000)
