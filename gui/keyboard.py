"""Keyboard use (issue 12): Tab always leaves a table, Enter acts on the selected row.

Qt's item views move between cells with Tab by default, so a keyboard user who Tabs into a
table can never Tab out of it (WCAG 2.1.2, no keyboard trap); arrow keys still move within it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QWidget


def tab_leaves(view: QAbstractItemView) -> QAbstractItemView:
    """Tab and Shift+Tab move focus to the next control instead of the next cell."""
    view.setTabKeyNavigation(False)
    return view


def on_enter(widget: QWidget, slot: Callable[[], None]) -> list[QShortcut]:
    """Call `slot` when Return or Enter is pressed while `widget` has the focus."""
    shortcuts = []
    for key in (Qt.Key_Return, Qt.Key_Enter):
        shortcut = QShortcut(QKeySequence(key), widget)
        shortcut.setContext(Qt.WidgetShortcut)
        shortcut.activated.connect(slot)
        shortcuts.append(shortcut)
    return shortcuts


def select_on_focus(view: QAbstractItemView) -> None:
    """Tabbing into a table with nothing selected selects the row Qt makes current.

    Qt gives the view a current index on focus without selecting it, so arrow keys and
    Enter seemed to do nothing until a row was clicked.
    """
    model = view.selectionModel()

    def follow(current: object, _previous: object) -> None:
        if current.isValid() and not model.hasSelection():  # type: ignore[attr-defined]
            view.selectRow(current.row())  # type: ignore[attr-defined]

    model.currentRowChanged.connect(follow)
