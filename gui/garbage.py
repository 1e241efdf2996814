"""Python's cyclic garbage collector, run on the GUI thread only.

CPython starts a collection in whichever thread happens to allocate when a generation is
full, so with background tasks running it often runs on a worker. If the garbage it frees
holds the last reference to a Qt object owned by Python (a closed dialog in a reference
cycle), PySide deletes that C++ object on the worker thread, and Qt crashes later in
unrelated code: the rare segfaults the test suite showed in whatever a worker was doing.

So, as qutebrowser and pyqtgraph do, automatic collection is switched off and a timer on
the GUI thread collects, generation by generation, with CPython's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """Collects garbage on the GUI thread every INTERVAL_MS (installed once, by `install`)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        """Switch automatic collection off and start collecting on the timer."""
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        """Give collection back to CPython (tests, exit)."""
        self.timer.stop()
        gc.enable()

    def check(self) -> None:
        """Collect the oldest generation whose count has passed its threshold, as CPython would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                return


def install(app: QObject) -> MainThreadCollector:
    """Start main-thread collection for `app` (the QApplication); returns the collector."""
    existing = app.findChild(MainThreadCollector)
    if existing is not None:
        return existing
    collector = MainThreadCollector(app)
    collector.start()
    return collector
