"""Thin Qt item models over plain model rows (vorta's shape), and the read-only table view they use.

`RowTableModel` holds the plumbing every table here shares (HEADERS, `rows`, `set_rows`,
row/column counts, header texts); a subclass only says how a cell shows (`display`) and,
if it wants, what it gives for the other roles (`role_data`). `FrameTableModel` is the
DataFrame-backed variant for tables whose columns are chosen at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableView, QTableWidget, QTableWidgetItem

from model.plan.register import RegisterRow
from model.plan.stages import STAGE_KEYS, STAGES

if TYPE_CHECKING:  # pandas loads with the first frame shown, not at start-up
    import pandas as pd

Index = QModelIndex | QPersistentModelIndex
# Roles as plain ints: data() is called for every cell and role when a table lays out, and
# each `Qt.DisplayRole` lookup or comparison costs microseconds in PySide6 (a 1,000-audit
# register spent seconds there); an int comparison costs nanoseconds.
DISPLAY_ROLE, TOOLTIP_ROLE, USER_ROLE, FOREGROUND_ROLE = (
    int(r.value) for r in (Qt.DisplayRole, Qt.ToolTipRole, Qt.UserRole, Qt.ForegroundRole))


class RowTableModel(QAbstractTableModel):
    """A read-only table over a list of rows, one row object per table row.

    Subclasses set `HEADERS` (and optionally `HEADER_TIPS`, header tooltips by column) and
    implement `display(row, col)`; `role_data(row, col, role)` answers every other role
    (None by default, as for any role a model does not handle).
    """

    HEADERS: tuple[str, ...] = ()
    HEADER_TIPS: Mapping[int, str] = {}
    ROW_NUMBERS = False  # number the rows in the vertical header (1, 2, …)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Any] = []

    def set_rows(self, rows: Iterable[Any]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def headers(self) -> Sequence[str]:
        """The column headers (the class's HEADERS unless a subclass chooses them at run time)."""
        return self.HEADERS

    def display(self, row: Any, col: int) -> Any:
        """The text of a cell; by default the row's col-th item (rows as tuples). Override for objects."""
        return row[col]

    def role_data(self, row: Any, col: int, role: int) -> Any:
        """What a cell gives for a role other than DisplayRole (None: not handled)."""
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE) -> Any:
        role = int(role)
        if orientation == Qt.Vertical:
            return str(section + 1) if self.ROW_NUMBERS and role == DISPLAY_ROLE else None
        if not 0 <= section < len(self.headers()):
            return None
        if role == DISPLAY_ROLE:
            return self.headers()[section]
        if role == TOOLTIP_ROLE:
            return self.HEADER_TIPS.get(section)
        return None

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        role = int(role)
        row = self.rows[index.row()]
        if role == DISPLAY_ROLE:
            return self.display(row, index.column())
        return self.role_data(row, index.column(), role)


class SortedRowTableModel(RowTableModel):
    """A RowTableModel that sorts its own rows in Python (a view with sorting enabled calls `sort`).

    A QSortFilterProxyModel compares rows through `data()`, two Python calls per comparison:
    thousands of rows cost tens of thousands of calls. Here each row's key is computed once
    (`sort_key`), and the order chosen is kept for the rows `set_rows` brings next.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sort_column, self.sort_order = -1, Qt.AscendingOrder

    def sort_key(self, row: Any, col: int) -> Any:
        """What column `col` sorts `row` by (its text, case-folded, unless overridden)."""
        return str(self.display(row, col)).lower()

    def set_rows(self, rows: Iterable[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.rows = [self.rows[i] for i in self._order()]
        self.endResetModel()

    def _order(self) -> list[int]:
        """The rows' positions in the order chosen (as they are when none is)."""
        positions = range(len(self.rows))
        if not 0 <= self.sort_column < len(self.headers()):
            return list(positions)
        col, rows = self.sort_column, self.rows
        descending = self.sort_order == Qt.DescendingOrder
        return sorted(positions, key=lambda i: self.sort_key(rows[i], col), reverse=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        order_now = self._order()
        new_row = {old: new for new, old in enumerate(order_now)}  # the selection follows its row
        self.rows = [self.rows[i] for i in order_now]
        old = self.persistentIndexList()
        self.changePersistentIndexList(old, [self.index(new_row[i.row()], i.column()) for i in old])
        self.layoutChanged.emit()


def _is_missing(value: Any) -> bool:
    """pandas' idea of a missing scalar (NA, NaT, NaN) without importing pandas at start-up."""
    import pandas as pd

    return not isinstance(value, str) and bool(pd.isna(value))


class FrameTableModel(RowTableModel):
    """A read-only view of a DataFrame: chosen columns, with headers of our own.

    Its `rows` are the frame's row positions; cells are read from `frame` when shown, so a
    long frame costs nothing until it is scrolled to.
    """

    ROW_NUMBERS = True

    def __init__(self, columns: dict[str, str] | None = None) -> None:
        super().__init__()
        import pandas as pd

        self.columns = dict(columns or {})
        self.frame = pd.DataFrame(columns=list(self.columns))

    def set_frame(self, frame: pd.DataFrame, columns: dict[str, str] | None = None) -> None:
        """Show a frame; `columns` maps frame column → header (default: all, as named)."""
        self.frame = frame.reset_index(drop=True)
        self.columns = dict(columns) if columns is not None else (
            self.columns if set(self.columns) <= set(frame.columns) and self.columns
            else {str(c): str(c) for c in frame.columns})
        self.set_rows(range(len(self.frame)))

    def headers(self) -> Sequence[str]:
        return list(self.columns.values())

    def display(self, row: int, col: int) -> str:
        value = self.frame.iat[row, self.frame.columns.get_loc(list(self.columns)[col])]
        if value is None or _is_missing(value):
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)

    def role_data(self, row: int, col: int, role: int) -> Any:
        return self.display(row, col) if role == TOOLTIP_ROLE else None

    def row_value(self, row: int, column: str) -> Any:
        """A cell of the underlying frame."""
        return self.frame.at[row, column]


def read_only_table(model: QAbstractItemModel) -> QTableView:
    """A table view that selects one whole row at a time and cannot be edited, without row numbers."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectRows)
    view.setSelectionMode(QAbstractItemView.SingleSelection)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard): arrows move inside it
    return view


def choice_table(headers: list[str], name: str, stretch: int | None = None) -> QTableWidget:
    """A table of rows the user decides on (a chooser or an edit per row): named for screen
    readers, Tab leaves it (gui.keyboard), no row numbers, `stretch` column filling the width."""
    table = QTableWidget(0, len(headers))
    table.setTabKeyNavigation(False)
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    if stretch is not None:
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.Stretch)
    return table


class RegisterTableModel(SortedRowTableModel):
    """The audit register: one row per audit."""

    COL_TITLE, COL_NUMBER, COL_SPECIALTY, COL_LEAD, COL_STATUS, COL_STAGE, COL_CYCLES, COL_DUE = range(8)
    HEADERS = ("Title", "Reg. no.", "Specialty", "Lead", "Status", "Stage", "Cycles", "Next due")

    def role_data(self, row: RegisterRow, col: int, role: int) -> Any:
        if role == USER_ROLE:  # the sort key
            return self.sort_key(row, col)
        if role == FOREGROUND_ROLE and col == self.COL_DUE and row.overdue:
            return QBrush(QColor("#b3261e"))
        if role == TOOLTIP_ROLE and col == self.COL_DUE and row.overdue:
            return "Overdue"
        return None

    def display(self, row: RegisterRow, col: int) -> str:
        stage_title = STAGES[STAGE_KEYS.index(row.stage)].title
        due = f"{row.next_due_label} {row.next_due:%d %b %Y}" if row.next_due else "—"
        if row.overdue:
            due += " (overdue)"
        values = (row.title, row.registration_number, row.specialty, row.lead, row.status_label,
                  stage_title, str(row.cycles), due)
        return values[col]

    def sort_key(self, row: RegisterRow, col: int) -> Any:
        if col == self.COL_DUE:
            return row.next_due or date.max
        if col == self.COL_CYCLES:
            return row.cycles
        if col == self.COL_STAGE:
            return STAGE_KEYS.index(row.stage)
        return self.display(row, col).lower()

    def audit_id(self, row: int) -> int:
        """The audit id at a source row."""
        return self.rows[row].audit_id


def set_read_only_cells(table: QTableWidget, row: int, cells: Iterable[tuple[int, str]], *,
                        tooltips: bool = True) -> None:
    """Put text cells the user reads but cannot edit in a row of a decision table (each with
    its text as tooltip, for a cell too narrow to show it all)."""
    for col, text in cells:
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemIsEditable)
        if tooltips:
            item.setToolTip(text)
        table.setItem(row, col, item)


def choice_box(name: str, choices: Iterable[tuple[str, str]], current: str) -> QComboBox:
    """A combo box of (key, label) choices with `current` chosen (else the first), named for screen readers."""
    box = QComboBox()
    box.setAccessibleName(name)
    for key, label in choices:
        box.addItem(label, key)
    box.setCurrentIndex(max(box.findData(current), 0))
    return box
