"""File > Backups: list, take and restore backups of the data file, each checked and described."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui import dialogs
from gui.context import AppContext
from gui.table_models import RowTableModel, read_only_table
from model.core.errors import KnownError
from model.store.store import BACKUPS_KEPT, BackupInfo, backup_dir, backup_infos, backup_now

REASONS = {"manual": "Backup (manual)", "before-upgrade": "Backup (before upgrade)",
           "replaced": "Kept original (replaced by a restore)", "newer-version": "Kept original (newer version)",
           "empty": "Kept original (empty file)"}


def size_text(size: int) -> str:
    """Bytes as a short size: 512 bytes, 12 KB, 3.4 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe_backup(info: BackupInfo) -> str:
    """One line for a message box: when it was taken and what it holds."""
    return f"{info.path.name}, taken {info.taken_at:%d %b %Y %H:%M}: {info.audits} audits, {info.cases} cases"


class BackupTableModel(RowTableModel):
    """One row per backup: when, what kind, how big, what it holds and whether it is good."""

    COL_TAKEN, COL_KIND, COL_SIZE, COL_AUDITS, COL_CASES, COL_CHECK = range(6)
    HEADERS = ("Taken", "Kind", "Size", "Audits", "Cases", "Check")
    HEADER_TIPS = {COL_CHECK: "Good: it opens and passes SQLite's check, so it can be restored",
                   COL_AUDITS: "Audits it holds (not counting the bin)"}

    def display(self, row: BackupInfo, col: int) -> str:
        values = (f"{row.taken_at:%d %b %Y %H:%M:%S}", REASONS.get(row.reason, row.reason or "Backup"),
                  size_text(row.size), "—" if row.audits is None else str(row.audits),
                  "—" if row.cases is None else str(row.cases), "Good" if row.good else f"Not usable: {row.problem}")
        return values[col]

    def role_data(self, row: BackupInfo, col: int, role: int) -> Any:
        if role == Qt.ToolTipRole:
            return str(row.path) if col != self.COL_CHECK else self.display(row, col)
        if role == Qt.ForegroundRole and col == self.COL_CHECK and not row.good:
            return QBrush(QColor("#b3261e"))
        if role == Qt.AccessibleTextRole:  # a screen reader hears the whole row's meaning per cell
            return f"{self.HEADERS[col]}: {self.display(row, col)}"
        return None


class BackupsDialog(QDialog):
    """The backups next to the data file, newest first, then the originals kept by restores.

    Signals:
        restore_requested(object): the Path of the backup to restore.
    """

    restore_requested = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Backups")
        self.resize(760, 380)
        self.table_model = BackupTableModel()
        self.table = read_only_table(self.table_model)
        self.table.setAccessibleName("Backups of the data file")
        self.table.setAccessibleDescription("One row per backup: when it was taken, its kind, size, the audits "
                                            "and cases it holds, and whether it is good to restore.")
        self.backup_button = QPushButton("Back up now")
        self.backup_button.setAccessibleName("Back up now")
        self.restore_button = QPushButton("Restore selected…")
        self.restore_button.setAccessibleName("Restore the selected backup")
        close = QPushButton("Close")
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Backups are kept in {backup_dir(ctx.store.path)} (the last {BACKUPS_KEPT}). "
                                "One is taken automatically before every upgrade of the file. Originals "
                                "replaced by a restore are kept in its 'preserved' folder and never deleted."))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.backup_button.clicked.connect(self._on_backup_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        close.clicked.connect(self.accept)
        self.refresh()

    def refresh(self) -> None:
        """Re-read and re-check the backups folder."""
        self.table_model.set_rows(backup_infos(self.ctx.store.path))
        self.table.resizeColumnsToContents()
        self._on_table_selection_changed()

    def selected(self) -> BackupInfo | None:
        """The selected backup, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.table_model.rows[rows[0].row()] if rows else None

    def select_row(self, row: int) -> None:
        """Select a row (tests, keyboard users)."""
        self.table.selectRow(row)

    @Slot()
    def _on_table_selection_changed(self) -> None:
        info = self.selected()
        self.restore_button.setEnabled(info is not None and info.good)

    @Slot()
    def _on_backup_button_clicked(self) -> None:
        try:
            backup_now(self.ctx.store.db, self.ctx.store.path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
        self.refresh()

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        info = self.selected()
        if info is None or not info.good:
            return
        if dialogs.ask(self, "Restore backup", f"Replace the current data with {describe_backup(info)}?\n\n"
                       "The current file is kept in the backups' 'preserved' folder first."):
            self.accept()
            self.restore_requested.emit(info.path)
