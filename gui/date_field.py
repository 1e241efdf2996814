"""A date field that may be "not set", typed the en-GB way (dd/mm/yyyy), that never invents a date.

Why not QDateEdit: an unset QDateEdit is a special minimum date (1900) shown as text; typing
into it appends to that text ("not set12/03/2026" saves nothing) and Up/Down steps from the
minimum, saving a date in 1900. Here the field is plain text: empty is "not set", a typed date
is read when the user leaves the field or presses Enter, and a date that cannot be read is
shown in red and not saved.

Keys: type a date (12/03/2026, 12-3-26, "12 Mar 2026"); Up/Down a day, Page Up/Down a month
(from today when empty); Alt+Down or F4 opens the calendar; Delete or Backspace on the selected
text (all of it when tabbing in) clears; the ✕ button clears too.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QToolButton, QWidget

from model.core import util
from model.core.util import parse_uk_date, uk_date_text

_BAD_STYLE = "QLineEdit { border: 1px solid #b3261e; background: #fdecea; }"
HINT = ("Type the date as dd/mm/yyyy (e.g. 12/03/2026). Up/Down: a day, Page Up/Down: a month. "
        "Alt+Down: calendar. Delete or Backspace on the selected text clears it.")


class _DateLine(QLineEdit):
    """The text part: steps with Up/Down and Page Up/Down, opens the calendar with Alt+Down/F4."""

    step = Signal(int, int)  # days, months
    calendar_requested = Signal()
    left = Signal()  # focus left: commit even a stepped date (editingFinished wants typed text)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.PopupFocusReason:
            self.left.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, alt = event.key(), bool(event.modifiers() & Qt.AltModifier)
        if key == Qt.Key_F4 or (alt and key == Qt.Key_Down):
            self.calendar_requested.emit()
        elif key in (Qt.Key_Up, Qt.Key_Down) and not alt:
            self.step.emit(1 if key == Qt.Key_Up else -1, 0)
        elif key in (Qt.Key_PageUp, Qt.Key_PageDown):
            self.step.emit(0, 1 if key == Qt.Key_PageUp else -1)
        else:
            super().keyPressEvent(event)


class DateField(QWidget):
    """An optional date: a text box (dd/mm/yyyy), a calendar button and a clear button.

    Signals:
        changed(): the user committed a different date (or cleared it).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, optional: bool = True) -> None:
        super().__init__(parent)
        self.optional = optional
        self.edit = _DateLine()
        self.edit.setPlaceholderText("not set (dd/mm/yyyy)" if optional else "dd/mm/yyyy")
        self.edit.setToolTip(HINT)
        self.edit.setAccessibleDescription(HINT)
        self.edit.setMinimumWidth(130)
        self.edit.setMaximumWidth(170)
        self.calendar_button = QToolButton(text="📅", toolTip="Choose from a calendar (Alt+Down)")
        self.calendar_button.setAccessibleName("Choose the date from a calendar")
        self.clear_button = QToolButton(text="✕", toolTip="Clear this date (not set)")
        self.clear_button.setAccessibleName("Clear the date")
        self.clear_button.setVisible(optional)
        for button in (self.calendar_button, self.clear_button):
            button.setFocusPolicy(Qt.NoFocus)  # keyboard users have Alt+Down and Delete
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.calendar_button)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)
        self._last: date | None = None
        self._calendar: QCalendarWidget | None = None
        self.edit.editingFinished.connect(self.commit)
        self.edit.left.connect(self.commit)
        self.edit.textEdited.connect(lambda _t: self.edit.setStyleSheet(""))
        self.edit.step.connect(self._on_step)
        self.edit.calendar_requested.connect(self.open_calendar)
        self.calendar_button.clicked.connect(self.open_calendar)
        self.clear_button.clicked.connect(self.clear)

    def setAccessibleName(self, name: str) -> None:  # noqa: N802 - Qt's name
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    # --- values -------------------------------------------------------------------------

    def date_value(self) -> date | None:
        """The date shown: what is typed when it reads as a date, else the last committed one."""
        text = self.edit.text().strip()
        if not text:
            return None if self.optional else self._last
        parsed = parse_uk_date(text)
        return parsed if parsed is not None else self._last

    def value(self) -> str | None:
        """The date as ISO text, or None when not set."""
        value = self.date_value()
        return None if value is None else value.isoformat()

    def set_value(self, iso: str | None) -> None:
        """Show a date (ISO text or None) without signalling a change."""
        try:
            value = date.fromisoformat(iso[:10]) if iso else None
        except ValueError:
            value = None
        self._last = value
        self._show(value)

    def set_and_commit(self, iso: str | None) -> None:
        """Set a date as if the user had typed it (for keyboard-free callers and tests)."""
        self.edit.setText(uk_date_text(date.fromisoformat(iso[:10])) if iso else "")
        self.commit()

    def clear(self) -> None:
        """Set to "not set" (signals a change if there was a date)."""
        self.edit.clear()
        self.commit()

    def setReadOnly(self, read_only: bool) -> None:  # noqa: N802 - as QLineEdit's
        self.edit.setReadOnly(read_only)
        self.calendar_button.setEnabled(not read_only)
        self.clear_button.setEnabled(not read_only)

    def isReadOnly(self) -> bool:  # noqa: N802
        return self.edit.isReadOnly()

    def commit(self) -> None:
        """Read what is typed; signal `changed` if it is a different date. Text that is not a
        date is marked red and nothing is saved (the last good date stays the value)."""
        text = self.edit.text().strip()
        parsed = parse_uk_date(text) if text else None
        if text and parsed is None:
            self.edit.setStyleSheet(_BAD_STYLE)
            self.edit.setToolTip("Not a date: type it as dd/mm/yyyy, e.g. 12/03/2026. " + HINT)
            return
        self.edit.setStyleSheet("")
        self.edit.setToolTip(HINT)
        if parsed is None and not self.optional:
            self._show(self._last)
            return
        self._show(parsed)
        if parsed != self._last:
            self._last = parsed
            self.changed.emit()

    # --- internals ----------------------------------------------------------------------

    def _show(self, value: date | None) -> None:
        self.edit.setText(uk_date_text(value))

    def _on_step(self, days: int, months: int) -> None:
        if self.edit.isReadOnly():
            return
        current = self.date_value()
        if current is None:  # an unset date starts from today, never from a minimum
            self._show(util.today())
            return
        if months:
            month = current.month - 1 + months
            year, month = current.year + month // 12, month % 12 + 1
            day = min(current.day, _days_in(year, month))
            self._show(date(year, month, day))
        else:
            self._show(current + timedelta(days=days))

    def open_calendar(self) -> None:
        """A calendar under the field, at the date shown (today's month when not set)."""
        if self.edit.isReadOnly():
            return
        calendar = QCalendarWidget(self, windowFlags=Qt.Popup)
        calendar.setAccessibleName("Calendar")
        calendar.setAttribute(Qt.WA_DeleteOnClose)
        calendar.setGridVisible(True)
        start = self.date_value() or util.today()
        calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        calendar.activated.connect(lambda d: self._pick(calendar, d))
        calendar.clicked.connect(lambda d: self._pick(calendar, d))
        calendar.move(self.edit.mapToGlobal(QPoint(0, self.edit.height())))
        self._calendar = calendar
        calendar.show()
        calendar.setFocus()

    def _pick(self, calendar: QCalendarWidget, picked: QDate) -> None:
        self._show(date(picked.year(), picked.month(), picked.day()))
        calendar.close()
        self._calendar = None
        self.edit.setFocus()
        self.commit()


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
