"""Screen readers (issue 12): every control a user can reach has an accessible name.

Most fields already sit beside a visible label, so `name_unnamed` gives each unnamed
control the words a sighted user reads next to it: its form label (QFormLayout), else its
placeholder or tooltip; a table is named after its columns ("Table: Title, Reg. no., …")
unless the page names it. Pages call it once after building; an explicit
`setAccessibleName` always wins. `unnamed_controls` is what the tests walk.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit,
               QTextEdit)
_HEADERS_NAMED = 4


def _is_part_of_another(widget: QWidget) -> bool:
    """Inner parts a screen reader reaches through their owner (a combo's line edit, a header)."""
    parent = widget.parentWidget()
    # A table's corner button, a combo's or spin box's line edit, a header: read through their owner.
    return isinstance(widget, QHeaderView) or isinstance(parent, QComboBox | QAbstractSpinBox | QAbstractItemView)


def _form_label(widget: QWidget) -> str:
    """The text of the QFormLayout label of `widget` (or of the composite field holding it)."""
    node: QWidget | None = widget
    while node is not None and node.parentWidget() is not None:
        for form in node.parentWidget().findChildren(QFormLayout):
            label = form.labelForField(node)
            if isinstance(label, QLabel) and label.text().strip():
                return label.text().replace("&", "").rstrip(": ").strip()
        layout = node.parentWidget().layout()
        if isinstance(layout, QFormLayout) or layout is None or not _only_field(layout, node):
            break
        node = node.parentWidget()
    return ""


def _only_field(layout: QLayout, widget: QWidget) -> bool:
    """True when `widget` is the main input of its parent (a date edit beside its clear button)."""
    return layout.indexOf(widget) == 0


def _table_name(view: QAbstractItemView) -> str:
    model = view.model()
    if not isinstance(view, QTableView) or model is None:
        return "List"
    columns = model.columnCount(QModelIndex())
    if columns == 0:
        return "Table"
    heads = [str(model.headerData(c, Qt.Horizontal) or "") for c in range(min(columns, _HEADERS_NAMED))]
    more = ", …" if columns > _HEADERS_NAMED else ""
    return "Table: " + ", ".join(h for h in heads if h) + more


def derived_name(widget: QWidget) -> str:
    """The words beside a control that best name it ('' when there are none)."""
    name = _form_label(widget)
    if not name and isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        name = widget.placeholderText()
    if not name:
        name = widget.toolTip()
    if not name and isinstance(widget, QAbstractItemView):
        name = _table_name(widget)
    return " ".join(name.split())[:120]


def effective_name(widget: QWidget) -> str:
    """What a screen reader announces as the control's name."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return (iface.text(QAccessible.Name) if iface is not None else "") or widget.accessibleName()


def _needs_name(widget: QWidget) -> bool:
    if widget.accessibleName():
        return False  # named on purpose
    if isinstance(widget, QComboBox):
        return True  # Qt would announce the current choice, not what is being chosen
    if isinstance(widget, QAbstractButton) and not any(ch.isalnum() for ch in widget.text()):
        return True  # "✕", "…": a symbol, the tooltip says what it does
    return not effective_name(widget)


def name_unnamed(root: QWidget) -> None:
    """Give every reachable control under `root` that has no name the words beside it."""
    for widget in root.findChildren(QWidget):
        if isinstance(widget, INTERACTIVE) and not _is_part_of_another(widget) and _needs_name(widget):
            name = derived_name(widget)
            if name:
                widget.setAccessibleName(name)


def unnamed_controls(root: QWidget) -> list[str]:
    """The controls under `root` a screen reader would announce without a name."""
    found = []
    for widget in root.findChildren(QWidget):
        if (isinstance(widget, INTERACTIVE) and widget.isVisibleTo(root) and not _is_part_of_another(widget)
                and not effective_name(widget).strip()):
            found.append(f"{type(widget).__name__} in {type(widget.parentWidget()).__name__}")
    return found
