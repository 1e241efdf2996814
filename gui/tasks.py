"""The one background-task helper: run model work off the GUI thread.

Shaped like Anki's QueryOp, built the superqt way: a QRunnable that *composes* a
signals QObject. The runnable only emits signals; widgets are touched in the slots,
which Qt runs on the GUI thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from gui import dialogs
from model.errors import KnownError
from model.progress import Cancelled, Progress

log = logging.getLogger(__name__)
# Show the progress dialog only for work that lasts long enough to be noticed.
PROGRESS_DELAY_MS = 300
_live: set[Task] = set()


class TaskSignals(QObject):
    """Signals of a Task.

    Signals:
        result(object): the function's return value.
        error(object): the exception it raised (Cancelled when the user cancelled).
        progress(int, int, str): done, total, text.
        finished(): always, last.
    """

    result = Signal(object)
    error = Signal(object)
    progress = Signal(int, int, str)
    finished = Signal()


class Task(QRunnable):
    """Runs `fn(progress, *args)` on a pool thread and reports through `signals`."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # we keep the reference in _live until finished
        self.signals = TaskSignals()
        self.progress = Progress(lambda d, t, s: self.signals.progress.emit(d, t, s))
        self._fn, self._args = fn, args

    def run(self) -> None:
        """Called by the pool thread."""
        try:
            value = self._fn(self.progress, *self._args)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.error.emit(exc)
        else:
            self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


def default_error(parent: QWidget | None, exc: BaseException) -> None:
    """Known errors as a friendly box; Cancelled silently; anything else to the crash dialog."""
    if isinstance(exc, Cancelled):
        return
    if isinstance(exc, KnownError):
        dialogs.show_known_error(parent, exc)
        return
    from gui.crash import report_exception

    report_exception(type(exc), exc, exc.__traceback__, text=getattr(exc, "__traceback_text__", None))


def run_task(parent: QWidget | None, fn: Callable[..., Any], *args: Any,
             on_success: Callable[[Any], None], on_error: Callable[[BaseException], None] | None = None,
             title: str = "Working…", cancellable: bool = True, show_progress: bool = True,
             pool: QThreadPool | None = None) -> Task:
    """Run `fn(progress, *args)` in the background; call `on_success(result)` on the GUI thread.

    A progress dialog with Cancel appears if the work takes longer than PROGRESS_DELAY_MS.
    """
    task = Task(fn, *args)
    dialog = _progress_dialog(parent, title, task, cancellable) if show_progress else None

    def parent_alive() -> bool:
        # The page that started the task may have been closed (and its C++ object deleted)
        # before the result arrives: then there is nobody to show it to.
        return parent is None or isValid(parent)

    def finished() -> None:
        if dialog is not None and isValid(dialog):
            dialog.close()
            dialog.deleteLater()
        _live.discard(task)

    def succeeded(value: Any) -> None:
        if parent_alive():
            on_success(value)

    def failed(exc: BaseException) -> None:
        if parent_alive():
            (on_error or (lambda e: default_error(parent, e)))(exc)
        elif not isinstance(exc, Cancelled):
            log.error("Background task failed after its window closed: %r", exc)

    task.signals.result.connect(succeeded, Qt.QueuedConnection)
    task.signals.error.connect(failed, Qt.QueuedConnection)
    task.signals.finished.connect(finished, Qt.QueuedConnection)
    _live.add(task)
    (pool or QThreadPool.globalInstance()).start(task)
    return task


def _progress_dialog(parent: QWidget | None, title: str, task: Task, cancellable: bool) -> QProgressDialog:
    dialog = QProgressDialog(title, "Cancel" if cancellable else "", 0, 0, parent)
    dialog.setWindowTitle("AuditLoop")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(PROGRESS_DELAY_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)
    dialog.canceled.connect(task.progress.cancel)

    @Slot(int, int, str)
    def on_progress(done: int, total: int, text: str) -> None:
        if not isValid(dialog):
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    task.signals.progress.connect(on_progress, Qt.QueuedConnection)
    # QProgressDialog only starts its minimum-duration timer once a value is set.
    QTimer.singleShot(0, lambda: dialog.setValue(0) if isValid(dialog) else None)
    return dialog


def wait_for_all(timeout_ms: int = 10000) -> bool:
    """Block until every running task has finished (used at exit and in tests)."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)


def live_tasks() -> int:
    """How many tasks are still running or waiting to deliver results."""
    return len(_live)
