"""Progress reporting and cancellation for long model work, without Qt.

Model functions that can take long accept `progress: Progress | None`. The GUI's task
helper passes one whose callback emits a Qt signal; the CLI and tests pass None or a
plain one. Cancelling raises `Cancelled` at the next `check()`, before anything is
committed, so an import stays all-or-nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """The user pressed Cancel; nothing was stored."""


class Progress:
    """A thread-safe progress sink with a cancel flag.

    Args:
        callback: called with (done, total, text) on every report; may be None.
    """

    def __init__(self, callback: Callable[[int, int, str], None] | None = None) -> None:
        self._callback = callback
        self._cancel = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        """Say how far the work has got; also a cancellation point."""
        self.check()
        if self._callback is not None:
            self._callback(done, total, text)

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once cancel() has been called."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise Cancelled if the user has cancelled."""
        if self._cancel.is_set():
            raise Cancelled()


def report(progress: Progress | None, done: int, total: int, text: str = "") -> None:
    """Report on an optional Progress (no-op for None)."""
    if progress is not None:
        progress.report(done, total, text)
