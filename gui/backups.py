"""File > Backups: list, take and restore backups of the data file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from gui import dialogs
from gui.context import AppContext
from model.core.errors import KnownError
from model.store.store import backup_now, list_backups


class BackupsDialog(QDialog):
    """The backups next to the data file, newest first.

    Signals:
        restore_requested(object): the Path of the backup to restore.
    """

    restore_requested = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Backups")
        self.resize(560, 360)
        self.list = QListWidget()
        self.backup_button = QPushButton("Back up now")
        self.restore_button = QPushButton("Restore selected…")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Backups are kept in {ctx.store.path.parent / 'backups'} (the last 10). "
                                "One is taken automatically before every upgrade of the file."))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.backup_button.clicked.connect(self._on_backup_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        close.clicked.connect(self.accept)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the backups folder."""
        self.list.clear()
        self.paths = list_backups(self.ctx.store.path)
        for path in self.paths:
            self.list.addItem(path.name)
        self.restore_button.setEnabled(bool(self.paths))

    @Slot()
    def _on_backup_button_clicked(self) -> None:
        try:
            backup_now(self.ctx.store.db, self.ctx.store.path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
        self.refresh()

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        path: Path = self.paths[row]
        if dialogs.ask(self, "Restore backup", f"Replace the current data with {path.name}? The current file "
                       "is kept as a backup too."):
            self.accept()
            self.restore_requested.emit(path)
