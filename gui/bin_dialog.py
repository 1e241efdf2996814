"""The bin: audits moved out of the register, to restore or delete for good."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from model.collect import identifier_scan
from model.core.errors import KnownError
from model.plan import audits as audits_model


class BinDialog(QDialog):
    """Binned audits with Restore and Delete forever (after confirmation).

    Attributes:
        changed: True once an audit was restored or deleted (the register should reload).
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.changed = False
        self.setWindowTitle("Bin")
        dialogs.fit_to_screen(self, 620, 400)
        self.list = QListWidget()
        self.empty = QLabel("The bin is empty.")
        self.restore_button = QPushButton("Restore")
        self.purge_button = QPushButton("Delete forever…")
        self.close_button = QPushButton("Close")
        buttons = QHBoxLayout()
        for button in (self.restore_button, self.purge_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Audits moved to the bin. Restoring puts an audit back in the register; "
                                "deleting forever removes it with its cycles, cases and actions.", wordWrap=True))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.purge_button.clicked.connect(self._on_purge_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def reload(self) -> None:
        """Re-read the binned audits."""
        self.list.clear()
        for audit in audits_model.list_audits(self.ctx.store.db, only_deleted=True):
            item = QListWidgetItem(f"{audit.title}  (binned {str(audit.deleted_at)[:10]})")
            item.setData(Qt.UserRole, audit.id)
            self.list.addItem(item)
        self.empty.setVisible(self.list.count() == 0)
        self.list.setCurrentRow(0 if self.list.count() else -1)
        self._on_list_current_row_changed(self.list.currentRow())

    def selected_id(self) -> int | None:
        """The binned audit selected, if any."""
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    @Slot(int)
    def _on_list_current_row_changed(self, row: int) -> None:
        self.restore_button.setEnabled(row >= 0)
        self.purge_button.setEnabled(row >= 0)

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        audit_id = self.selected_id()
        if audit_id is not None:
            audits_model.restore_audit(self.ctx.store.db, audit_id)
            self.changed = True
            self.reload()

    @Slot()
    def _on_purge_button_clicked(self) -> None:
        audit_id = self.selected_id()
        if audit_id is None:
            return
        audit = audits_model.get_audit(self.ctx.store.db, audit_id)
        if dialogs.ask(self, "Delete forever", f"Delete “{audit.title}” for good, with all its cycles, cases and "
                       "actions? This cannot be undone."):
            audits_model.purge_audit(self.ctx.store.db, audit_id)
            self.changed = True
            self.reload()
            if audit.keep_identifiers:
                self._offer_to_delete_backups(audit.title, audit.uid)

    def _offer_to_delete_backups(self, title: str, uid: str) -> None:
        """An audit that kept NHS numbers lives on in older backups: say so, and offer to delete them."""
        held = identifier_scan.backups_holding_audit(self.ctx.store.path, uid)
        if not held:
            return
        count = f"{len(held)} older backup{'s' if len(held) != 1 else ''}"
        question = (f"“{title}” kept patient identifiers (NHS numbers). It is gone from the data file, but "
                    f"{count} taken before it was deleted still hold{'s' if len(held) == 1 else ''} them, in "
                    f"{held[0].parent}.\n\nDelete {'those backups' if len(held) != 1 else 'that backup'} now? "
                    "They also hold your other audits as they were then; the data file itself is not touched.")
        if not dialogs.ask(self, "Older backups hold identifiers", question):
            return
        try:
            deleted = identifier_scan.delete_backups(held)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        dialogs.inform(self, "Backups deleted", f"{deleted} backup{'s' if deleted != 1 else ''} deleted.")
