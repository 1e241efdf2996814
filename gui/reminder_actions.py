"""What a user does to a reminder, shared by the register's panel and the Reminders view.

Snooze for a week, dismiss with a reason (asked for), restore, and export the calendar
(.ics). Each returns whether it changed anything, so the caller recomputes only then; the
decisions are kept in the data file (model.act.reminders). `ReminderControls` is the row of
buttons both lists show, wired to these; the list only says which reminder is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QPushButton, QWidget

from gui import dialogs
from gui.context import AppContext
from model.act import reminders as rem
from model.core.errors import KnownError
from model.core.util import today

SNOOZE_DAYS = 7


def snooze(ctx: AppContext, reminder: rem.Reminder) -> bool:
    """Hide `reminder` for SNOOZE_DAYS days."""
    day = today()
    rem.snooze(ctx.store.db, reminder, day + timedelta(days=SNOOZE_DAYS), today=day)
    return True


def dismiss(parent: QWidget, ctx: AppContext, reminder: rem.Reminder) -> bool:
    """Ask why, then hide `reminder` for good (False: cancelled, or the reason was refused)."""
    reason = dialogs.ask_text(parent, "Dismiss reminder", f"{rem.describe(reminder)}\n\nWhy is it no longer needed?")
    if not reason:
        return False
    try:
        rem.dismiss(ctx.store.db, reminder, reason, today=today())
    except KnownError as exc:
        dialogs.show_known_error(parent, exc)
        return False
    return True


def restore(ctx: AppContext, reminder: rem.Reminder) -> bool:
    """Forget the snooze or dismissal of `reminder`."""
    rem.restore(ctx.store.db, reminder)
    return True


def export_calendar(parent: QWidget, ctx: AppContext) -> None:
    """Ask where, then write the open action deadlines and re-audit dates as an .ics file."""
    from model.act.calendar_export import write_ics

    name = dialogs.save_file(parent, "Export calendar", "iCalendar file (*.ics)", "auditloop-deadlines.ics")
    if not name:
        return
    path = name if name.lower().endswith(".ics") else f"{name}.ics"
    try:
        count = write_ics(ctx.store.db, path)
    except KnownError as exc:
        dialogs.show_known_error(parent, exc)
        return
    dialogs.inform(parent, "Calendar exported", f"{count} deadlines and re-audit dates written to {path}.\n\n"
                   "Open the file in Outlook (or drag it onto its calendar) to add them.")


class ReminderControls(QObject):
    """The controls both reminder lists share (Open at this stage, Snooze a week, Dismiss…, Restore,
    Show snoozed and dismissed, Export calendar), named for screen readers, and what they do to
    the reminder the list has chosen (`current`).

    Signals:
        open_requested(int, str): open this audit at this stage.
        changed(str): "snooze", "dismiss" or "restore" was done (the list recomputes).
    """

    open_requested = Signal(int, str)
    changed = Signal(str)

    def __init__(self, parent: QWidget, ctx: AppContext, current: Callable[[], rem.Reminder | None]) -> None:
        super().__init__(parent)
        self._parent, self.ctx, self.current = parent, ctx, current
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
        self.open_button.clicked.connect(self.open_current)
        self.snooze_button.clicked.connect(self._on_snooze_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.ics_button.clicked.connect(self._on_ics_button_clicked)

    def row_buttons(self) -> tuple[QPushButton, ...]:
        """The buttons that act on the chosen reminder, in their order on screen."""
        return self.open_button, self.snooze_button, self.dismiss_button, self.restore_button

    def showing_hidden(self) -> bool:
        """Whether the list shows the snoozed and dismissed reminders instead of the active ones."""
        return self.show_hidden.isChecked()

    def follow_choice(self) -> None:
        """Enable what applies to the chosen reminder (Restore only among the hidden ones)."""
        chosen, hidden = self.current() is not None, self.showing_hidden()
        self.open_button.setEnabled(chosen)
        self.snooze_button.setEnabled(chosen and not hidden)
        self.dismiss_button.setEnabled(chosen and not hidden)
        self.restore_button.setEnabled(chosen and hidden)
        self.restore_button.setVisible(hidden)

    @Slot()
    def open_current(self, *_args: object) -> None:
        """Ask for the chosen reminder's audit at its stage (Enter, a double-click, the button)."""
        reminder = self.current()
        if reminder is not None:
            self.open_requested.emit(reminder.audit_id, reminder.stage)

    @Slot()
    def _on_snooze_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is not None and not self.showing_hidden() and snooze(self.ctx, reminder):
            self.changed.emit("snooze")

    @Slot()
    def _on_dismiss_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is not None and not self.showing_hidden() and dismiss(self._parent, self.ctx, reminder):
            self.changed.emit("dismiss")

    @Slot()
    def _on_restore_button_clicked(self) -> None:
        reminder = self.current()
        if reminder is not None and self.showing_hidden() and restore(self.ctx, reminder):
            self.changed.emit("restore")

    @Slot()
    def _on_ics_button_clicked(self) -> None:
        export_calendar(self._parent, self.ctx)
