"""The one writer: every background write runs on a single worker thread.

Anki splits its background work into read operations and write operations; we do the
same. Reads run on any worker with a connection that SQLite itself keeps read-only
(`PRAGMA query_only`), so a read task that writes by mistake fails at once instead of
racing another writer. Writes (an import's commit, a national file stored) queue on the
one writer thread, so two background writes never contend for SQLite's lock.

Qt-free: `gui.tasks.run_write_task` submits here and polls the Future like any task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # concurrent.futures imports logging: kept off the start-up path
    from concurrent.futures import Future, ThreadPoolExecutor

WRITER_THREAD_PREFIX = "auditloop-writer"
IDLE_WAIT_S = 300.0  # an import's commit takes about a second; a writer stuck longer is a fault


def on_writer_thread() -> bool:
    """True on the one writer thread."""
    return threading.current_thread().name.startswith(WRITER_THREAD_PREFIX)


class Writer:
    """A single-worker executor for writes; created on first use, shut down with the store."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue `fn(*args)` on the writer thread; writes run one at a time, in order."""
        with self._lock:
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WRITER_THREAD_PREFIX)
            self._pending += 1
            future = self._executor.submit(fn, *args)
        future.add_done_callback(self._one_done)
        return future

    def _one_done(self, _future: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def busy(self) -> bool:
        """True while a write is queued or running."""
        with self._lock:
            return self._pending > 0

    def wait_idle(self, timeout_s: float = IDLE_WAIT_S) -> bool:
        """Wait (at most `timeout_s`) for the queued writes to finish; True when there were some
        and they have finished, so a statement their lock refused can run now. Never on the
        writer thread itself, where waiting for itself would never end."""
        if on_writer_thread():
            return False
        with self._lock:
            if self._pending == 0:
                return False
            return self._idle.wait_for(lambda: self._pending == 0, timeout_s)

    def shutdown(self) -> None:
        """Wait for queued writes to finish, then stop the thread (a later submit starts a new one)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


WRITER = Writer()
