"""The baseline for the start-up benchmark: a bare PySide6 window, timed to its first paint."""

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel


class FirstPaint(QObject):
    """Print the wall-clock time of the first paint, then quit."""

    def eventFilter(self, watched, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Paint:
            print(f"first-paint {time.time():.6f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
            watched.removeEventFilter(self)
        return False


app = QApplication(sys.argv[:1])
label = QLabel("Hello")
label.resize(1200, 760)
watcher = FirstPaint()
label.installEventFilter(watcher)
label.show()
sys.exit(app.exec())
