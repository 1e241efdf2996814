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

from datetime import date
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from gui import keyboard
from gui import reminder_actions as actions
from gui.context import AppContext
from model.act import reminders as rem
from model.core.util import today

SNOOZE_DAYS = actions.SNOOZE_DAYS
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
        self.controls = actions.ReminderControls(self, ctx, self.current)
        self._enter = keyboard.on_enter(self.list, self.controls.open_current)
        self.open_button, self.snooze_button, self.dismiss_button, self.restore_button = self.controls.row_buttons()
        self.show_hidden, self.ics_button = self.controls.show_hidden, self.controls.ics_button
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
        self.list.itemDoubleClicked.connect(self.controls.open_current)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.show_hidden.toggled.connect(self._on_show_hidden_toggled)
        self.controls.open_requested.connect(self.open_requested)
        self.controls.changed.connect(self._on_controls_changed)

    def reload(self) -> None:
        """Recompute the reminders for today now; the panel hides when there are none at all."""
        self._fill(rem.split_reminders(self.ctx.store.db, today()))

    def reload_in_background(self) -> None:
        """Recompute the reminders on a background connection and fill the list when they are in.

        Not before the data file's deferred integrity check (gui.integrity), which calls this
        when the file is sound: the reminders read every case, and damaged pages must meet
        that check's message, not a crash report."""
        from gui.tasks import run_task

        if self.ctx.store.integrity_deferred:
            return
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
        return self.controls.showing_hidden()

    def current(self) -> rem.Reminder | None:
        """The chosen reminder, if any."""
        row = self.list.currentRow()
        return self._shown[row] if 0 <= row < len(self._shown) else None

    @Slot()
    def _on_list_current_row_changed(self) -> None:
        self.controls.follow_choice()
        self.show_hidden.setEnabled(bool(self._hidden) or self.showing_hidden())

    @Slot(bool)
    def _on_show_hidden_toggled(self, _checked: bool) -> None:
        self.list.setCurrentRow(-1)
        self._fill((self._active, self._hidden))
        self.list.setFocus()

    @Slot(str)
    def _on_controls_changed(self, what: str) -> None:
        if what != "restore":
            self._after_change()
            return
        self.reload()
        if not self._hidden:  # nothing left to restore: back to the active reminders
            self.show_hidden.setChecked(False)
        self.list.setFocus()

    def _after_change(self) -> None:
        self.reload()
        if self._shown:
            self.list.setFocus()
        else:
            self.focusNextChild()
