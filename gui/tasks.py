"""The one background-task helper: run model work off the GUI thread.

Shaped like Anki's QueryOp: `run_task(parent, fn, …, on_success=…)` runs `fn(progress, …)`
on a worker and calls back on the GUI thread. The workers are Python threads (a
`concurrent.futures.ThreadPoolExecutor`), and nothing Qt crosses between threads: a
worker only stores its progress and its result; one QTimer on the GUI thread polls the
running tasks, updates their progress dialogs and delivers results and errors.

Why not QThreadPool + QRunnable + queued signals carrying Python objects (the first
design): they put Python objects in Qt's hands across threads, which PySide bug reports
tie to rare crashes. Python threads and a poll have nothing to hand over, and 30 ms
before a result is shown is not noticeable. (The segfaults the test suite showed came
from garbage collection on worker threads; gui/garbage.py is the fix for those.)
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget
from shiboken6 import isValid

from gui import dialogs
from model.core.errors import KnownError
from model.core.progress import Cancelled, Progress

if TYPE_CHECKING:  # concurrent.futures imports logging: ~20 ms kept off the start-up path
    from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)
# Show the progress dialog only for work that lasts long enough to be noticed.
PROGRESS_DELAY_MS = 300
POLL_MS = 30
WORKERS = 2
_live: list[Task] = []
_executor: ThreadPoolExecutor | None = None
_poller: QTimer | None = None


class Task:
    """One piece of background work: `fn(progress, *args)` on a worker thread.

    The worker writes only `latest` (done, total, text) and its Future; the GUI thread
    reads them when it polls.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.latest: tuple[int, int, str] | None = None
        self.progress = Progress(self._note)
        self._fn, self._args = fn, args
        self.future: Future[Any] | None = None
        self._deliver: Callable[[Task], None] = lambda _task: None
        self._show_progress: Callable[[int, int, str], None] = lambda _d, _t, _s: None
        self._shown: tuple[int, int, str] | None = None
        self.tables_written: frozenset[str] = frozenset()  # a write task's changes (model.store.changes)

    def _note(self, done: int, total: int, text: str) -> None:
        self.latest = (done, total, text)  # one assignment: atomic under the GIL

    def run(self) -> Any:
        """Called on the worker thread."""
        try:
            return self._fn(self.progress, *self._args)
        except BaseException as exc:
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            raise

    def run_recorded(self) -> Any:
        """`run` on the writer thread, keeping the tables it wrote in `tables_written`."""
        from model.store.changes import RECORDER

        result, self.tables_written = RECORDER.tables_written_by(self.run)
        return result

    def show_progress(self) -> None:
        """On the GUI thread: show the worker's latest progress if it is new."""
        latest = self.latest
        if latest is not None and latest != self._shown:
            self._shown = latest
            self._show_progress(*latest)

    @property
    def finished(self) -> bool:
        """The work has ended (result or exception ready)."""
        return self.future is not None and self.future.done()


def default_error(parent: QWidget | None, exc: BaseException) -> None:
    """Known errors as a friendly box; Cancelled silently; anything else to the crash dialog."""
    if isinstance(exc, Cancelled):
        return
    if isinstance(exc, KnownError):
        dialogs.show_known_error(parent, exc)
        return
    from gui.crash import report_exception

    report_exception(type(exc), exc, exc.__traceback__, text=getattr(exc, "__traceback_text__", None))


def run_write_task(parent: QWidget | None, fn: Callable[..., Any], *args: Any,
                   on_success: Callable[[Any], None], **options: Any) -> Task:
    """`run_task` on the one writer thread: the only way background work may change the data file."""
    return run_task(parent, fn, *args, on_success=on_success, writes=True, **options)


def run_task(parent: QWidget | None, fn: Callable[..., Any], *args: Any,
             on_success: Callable[[Any], None], on_error: Callable[[BaseException], None] | None = None,
             title: str = "Working…", cancellable: bool = True, show_progress: bool = True,
             writes: bool = False) -> Task:
    """Run `fn(progress, *args)` in the background; call `on_success(result)` on the GUI thread.

    `writes=True` queues the work on the one writer thread (model.store.writer): use it for
    every task that changes the data file. Other tasks read with read-only connections.

    A progress dialog with Cancel appears if the work takes longer than PROGRESS_DELAY_MS.
    If `parent` has been deleted by the time the work ends, the outcome is dropped (an
    unexpected error is logged).
    """
    task = Task(fn, *args)
    dialog = _progress_dialog(parent, title, task, cancellable) if show_progress else None

    def deliver(done: Task) -> None:
        if dialog is not None and isValid(dialog):
            dialog.close()
            dialog.deleteLater()
        exc = done.future.exception() if done.future is not None else None
        # The page that started the task may have been closed (and its C++ object deleted)
        # before the outcome arrives: then there is nobody to show it to.
        if parent is not None and not isValid(parent):
            if exc is not None and not isinstance(exc, Cancelled):
                log.error("Background task failed after its window closed: %r", exc)
            return
        if exc is not None:
            (on_error or (lambda e: default_error(parent, e)))(exc)
        else:
            on_success(done.future.result())  # type: ignore[union-attr]

    task._deliver = deliver
    if writes:
        from model.store.writer import WRITER

        task.future = WRITER.submit(task.run_recorded)
    else:
        task.future = _pool().submit(task.run)
    _live.append(task)
    _start_polling()
    return task


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        from concurrent.futures import ThreadPoolExecutor

        _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="auditloop-task")
    return _executor


def _start_polling() -> None:
    global _poller
    if _poller is None or not isValid(_poller):
        _poller = QTimer(QApplication.instance())
        _poller.setInterval(POLL_MS)
        _poller.timeout.connect(_poll)
    if not _poller.isActive():
        _poller.start()


def _poll() -> None:
    """Show progress and deliver what finished, in the order the tasks were started; stop
    when none is left. A task leaves the list before its outcome is delivered, so a callback
    that raises is reported once, not on every tick."""
    for task in list(_live):
        task.show_progress()
        if task.finished:
            _live.remove(task)
            task._deliver(task)
    if not _live and _poller is not None:
        _poller.stop()


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

    def show(done: int, total: int, text: str) -> None:
        if not isValid(dialog):
            return
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)
        if text:
            dialog.setLabelText(text)

    task._show_progress = show
    # QProgressDialog only starts its minimum-duration timer once a value is set.
    QTimer.singleShot(0, lambda: dialog.setValue(0) if isValid(dialog) else None)
    return dialog


def wait_for_all(timeout_ms: int = 10000) -> bool:
    """Block until every started task's work has finished (used at exit and in tests).

    Outcomes are delivered by the next poll of the event loop, not here.
    """
    from concurrent.futures import wait

    futures = [t.future for t in _live if t.future is not None]
    _done, pending = wait(futures, timeout=timeout_ms / 1000)
    return not pending


def settle(timeout_ms: int = 10000) -> bool:
    """Wait for every task, deliver its outcome and process events, until no task is left
    (tasks a delivery starts included). For scripts and tests; True if none is left."""
    deadline = time.monotonic() + timeout_ms / 1000
    while _live and time.monotonic() < deadline:
        wait_for_all(max(1, int((deadline - time.monotonic()) * 1000)))
        _poll()
        QApplication.processEvents()
    return not _live


def live_tasks() -> int:
    """How many tasks are still running or waiting to deliver results."""
    return len(_live)
