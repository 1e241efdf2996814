"""The reminders panel on the register: what the audits need, from their data (model.act.reminders).

Not a pop-up: a list above the register, shown whenever there is something to do (so at
launch too). Enter or a double-click opens the audit at the stage that deals with it;
"Snooze a week" hides a line for seven days; "Dismiss…" asks why and hides it for good
(until its date moves). Both are kept in the data file.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs, keyboard
from gui.context import AppContext
from model.act import reminders as rem
from model.core.errors import KnownError
from model.core.util import today

SNOOZE_DAYS = 7
_VISIBLE_ROWS = 4  # the register stays the main thing on a 1366×768 screen


class RemindersPanel(QGroupBox):
    """The list of reminders with Open, Snooze a week and Dismiss….

    Signals:
        open_requested(int, str): open this audit at this stage.
    """

    open_requested = Signal(int, str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Reminders", parent)
        self.ctx = ctx
        self._shown: list[rem.Reminder] = []
        self.list = QListWidget()
        self.list.setAccessibleName("Reminders")
        self.list.setAccessibleDescription("Enter opens the audit at the stage that deals with the reminder")
        self.list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.list.setMaximumHeight(self.list.fontMetrics().height() * (_VISIBLE_ROWS + 1) + 12)
        keyboard.tab_leaves(self.list)
        self._enter = keyboard.on_enter(self.list, self._on_open_button_clicked)
        self.open_button = QPushButton("Open at this stage")
        self.snooze_button = QPushButton("Snooze a week")
        self.dismiss_button = QPushButton("Dismiss…")
        for button, name in ((self.open_button, "Open the audit of the chosen reminder"),
                             (self.snooze_button, "Snooze the chosen reminder for a week"),
                             (self.dismiss_button, "Dismiss the chosen reminder")):
            button.setAccessibleName(name)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.snooze_button, self.dismiss_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.list.itemDoubleClicked.connect(self._on_list_item_double_clicked)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.snooze_button.clicked.connect(self._on_snooze_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)

    def reload(self) -> None:
        """Recompute the reminders for today; the panel hides when there are none."""
        self._shown = rem.reminders(self.ctx.store.db, today())
        row = max(0, self.list.currentRow())
        self.list.clear()
        for reminder in self._shown:
            item = QListWidgetItem(rem.describe(reminder))
            item.setData(Qt.UserRole, reminder.stage)
            self.list.addItem(item)
        self.setTitle(f"Reminders ({len(self._shown)})")
        self.setVisible(bool(self._shown))
        if self._shown:
            self.list.setCurrentRow(min(row, len(self._shown) - 1))
        self._on_list_current_row_changed()

    def shown(self) -> list[rem.Reminder]:
        """The reminders listed, in order."""
        return list(self._shown)

    def current(self) -> rem.Reminder | None:
        """The chosen reminder, if any."""
        row = self.list.currentRow()
        return self._shown[row] if 0 <= row < len(self._shown) else None

    @Slot()
    def _on_list_current_row_changed(self) -> None:
        chosen = self.current() is not None
        for button in (self.open_button, self.snooze_button, self.dismiss_button):
            button.setEnabled(chosen)

    @Slot()
    def _on_list_item_double_clicked(self, _item: QListWidgetItem) -> None:
        self._on_open_button_clicked()

    @Slot()
    def _on_open_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is not None:
            self.open_requested.emit(reminder.audit_id, reminder.stage)

    @Slot()
    def _on_snooze_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is None:
            return
        day = today()
        rem.snooze(self.ctx.store.db, reminder, day + timedelta(days=SNOOZE_DAYS), today=day)
        self._after_change()

    @Slot()
    def _on_dismiss_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is None:
            return
        reason = dialogs.ask_text(self, "Dismiss reminder",
                                  f"{rem.describe(reminder)}\n\nWhy is it no longer needed?")
        if not reason:
            return
        try:
            rem.dismiss(self.ctx.store.db, reminder, reason, today=today())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._after_change()

    def _after_change(self) -> None:
        self.reload()
        if self._shown:
            self.list.setFocus()
        else:
            self.focusNextChild()
