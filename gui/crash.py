"""Global exception hook: log to a rotating file and show a friendly dialog instead of dying."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("auditloop")
LOG_FILE_NAME = "auditloop.log"


def setup_logging(data_dir: Path) -> Path:
    """A rotating log (1 MB × 5) in the data folder; returns its path."""
    import logging.handlers  # lazily: it pulls in socket, which start-up does not need

    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOG_FILE_NAME
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def report_exception(kind: type[BaseException], exc: BaseException, tb: TracebackType | None,
                     text: str | None = None) -> None:
    """Log an unexpected error and show it (KnownErrors only show their message)."""
    from model.core.errors import KnownError

    if isinstance(exc, KnownError):
        from gui import dialogs

        dialogs.show_known_error(QApplication.activeWindow(), exc)
        return
    text = text or "".join(traceback.format_exception(kind, exc, tb))
    log.error("Unexpected error:\n%s", text)
    if QApplication.instance() is None:
        sys.__excepthook__(kind, exc, tb)
        return
    box = QMessageBox(QMessageBox.Critical, "AuditLoop: something went wrong",
                      "AuditLoop hit an unexpected problem. Your saved work is safe: every edit is "
                      "stored as you make it.\n\nPlease send the details below (no patient data is "
                      "included) to your audit department or the AuditLoop team.")
    box.setDetailedText(text)
    box.exec()


def install_excepthook() -> None:
    """Route uncaught exceptions (including those in Qt slots) to `report_exception`."""
    sys.excepthook = report_exception
