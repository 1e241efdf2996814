"""The reminders panel on the register: what the audits need, from their data (model.act.reminders).

Not a pop-up: a list above the register, shown whenever there is something to do (so at
launch too). Enter or a double-click opens the audit at the stage that deals with it;
"Snooze a week" hides a line for seven days; "Dismiss…" asks why and hides it for good
(until its date moves). Both are kept in the data file. "Show snoozed and dismissed" lists
those instead, each with what was decided, and "Restore" brings one back. "Export calendar
(.ics)…" writes the action deadlines and re-audit dates for Outlook.

The register asks for the reminders in the background (`reload_in_background`): a
department's thousand audits take a few tenths of a second to go through, and the register
should not wait for them. Snooze, dismiss and restore recompute at once (`reload`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
Split = tuple[list[rem.Reminder], list[tuple[rem.Reminder, rem.ReminderState]]]


def _split_task(_progress: object, store: Any, day: date) -> Split:
    db = store.connect()
    try:
        return rem.split_reminders(db, day)
    finally:
        db.close()


class RemindersPanel(QGroupBox):
    """The list of reminders with Open, Snooze a week, Dismiss…, Restore and the calendar export.

    Signals:
        open_requested(int, str): open this audit at this stage.
        loaded(): the list was filled (after `reload` or a background load).
    """

    open_requested = Signal(int, str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Reminders", parent)
        self.ctx = ctx
        self._shown: list[rem.Reminder] = []
        self._active: list[rem.Reminder] = []
        self._hidden: list[tuple[rem.Reminder, rem.ReminderState]] = []
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
        self.restore_button = QPushButton("Restore")
        self.show_hidden = QCheckBox("Show snoozed and dismissed")
        self.ics_button = QPushButton("Export calendar (.ics)…")
        for widget, name in ((self.open_button, "Open the audit of the chosen reminder"),
                             (self.snooze_button, "Snooze the chosen reminder for a week"),
                             (self.dismiss_button, "Dismiss the chosen reminder"),
                             (self.restore_button, "Restore the chosen snoozed or dismissed reminder"),
                             (self.show_hidden, "Show snoozed and dismissed reminders"),
                             (self.ics_button, "Export deadlines and re-audit dates as a calendar file")):
            widget.setAccessibleName(name)
        buttons = QHBoxLayout()
        for b in (self.open_button, self.snooze_button, self.dismiss_button, self.restore_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.show_hidden)
        buttons.addWidget(self.ics_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.list.itemDoubleClicked.connect(self._on_list_item_double_clicked)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.snooze_button.clicked.connect(self._on_snooze_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.show_hidden.toggled.connect(self._on_show_hidden_toggled)
        self.ics_button.clicked.connect(self._on_ics_button_clicked)

    def reload(self) -> None:
        """Recompute the reminders for today now; the panel hides when there are none at all."""
        self._fill(rem.split_reminders(self.ctx.store.db, today()))

    def reload_in_background(self) -> None:
        """Recompute the reminders on a background connection and fill the list when they are in."""
        from gui.tasks import run_task

        run_task(self, _split_task, self.ctx.store, today(), on_success=self._fill, show_progress=False)

    def _fill(self, split: Split) -> None:
        self._active, self._hidden = split
        hidden = self.showing_hidden()
        self._shown = [r for r, _ in self._hidden] if hidden else list(self._active)
        texts = ([f"{rem.describe(r)} — {rem.state_text(s)}" for r, s in self._hidden] if hidden
                 else [rem.describe(r) for r in self._active])
        row = max(0, self.list.currentRow())
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        self.list.addItems(texts)  # one call for the lot: a department raises thousands
        self.list.setUpdatesEnabled(True)
        extra = f", {len(self._hidden)} snoozed or dismissed" if self._hidden else ""
        self.setTitle(f"Reminders ({len(self._active)}{extra})")
        self.setVisible(bool(self._active or self._hidden))
        if self._shown:
            self.list.setCurrentRow(min(row, len(self._shown) - 1))
        self._on_list_current_row_changed()
        self.loaded.emit()

    def shown(self) -> list[rem.Reminder]:
        """The reminders listed, in order."""
        return list(self._shown)

    def showing_hidden(self) -> bool:
        """Whether the list shows the snoozed and dismissed reminders instead of the active ones."""
        return self.show_hidden.isChecked()

    def current(self) -> rem.Reminder | None:
        """The chosen reminder, if any."""
        row = self.list.currentRow()
        return self._shown[row] if 0 <= row < len(self._shown) else None

    @Slot()
    def _on_list_current_row_changed(self) -> None:
        chosen = self.current() is not None
        hidden = self.showing_hidden()
        self.open_button.setEnabled(chosen)
        self.snooze_button.setEnabled(chosen and not hidden)
        self.dismiss_button.setEnabled(chosen and not hidden)
        self.restore_button.setEnabled(chosen and hidden)
        self.restore_button.setVisible(hidden)
        self.show_hidden.setEnabled(bool(self._hidden) or hidden)

    @Slot(bool)
    def _on_show_hidden_toggled(self, _checked: bool) -> None:
        self.list.setCurrentRow(-1)
        self._fill((self._active, self._hidden))
        self.list.setFocus()

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
        if reminder is None or self.showing_hidden():
            return
        day = today()
        rem.snooze(self.ctx.store.db, reminder, day + timedelta(days=SNOOZE_DAYS), today=day)
        self._after_change()

    @Slot()
    def _on_dismiss_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is None or self.showing_hidden():
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

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is None or not self.showing_hidden():
            return
        rem.restore(self.ctx.store.db, reminder)
        self.reload()
        if not self._hidden:  # nothing left to restore: back to the active reminders
            self.show_hidden.setChecked(False)
        self.list.setFocus()

    @Slot()
    def _on_ics_button_clicked(self) -> None:
        from model.act.calendar_export import write_ics

        name = dialogs.save_file(self, "Export calendar", "iCalendar file (*.ics)", "auditloop-deadlines.ics")
        if not name:
            return
        path = name if name.lower().endswith(".ics") else f"{name}.ics"
        try:
            count = write_ics(self.ctx.store.db, path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        dialogs.inform(self, "Calendar exported", f"{count} deadlines and re-audit dates written to {path}.\n\n"
                       "Open the file in Outlook (or drag it onto its calendar) to add them.")

    def _after_change(self) -> None:
        self.reload()
        if self._shown:
            self.list.setFocus()
        else:
            self.focusNextChild()
