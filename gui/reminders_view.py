"""The Reminders view (issue 16): every reminder the audits' data raise, in one table.

A main-window view beside the register and the dashboard (Go › Reminders, Ctrl+R, or the
register's Reminders button). The register's panel shows the few most urgent; here are all
of them, sortable by any column (kind, audit, subject, due date, days), filtered by kind,
directorate and audit. "Show snoozed and dismissed" lists those instead, each with what was
decided, and Restore brings one back. Enter or a double-click opens the audit at the stage
that deals with the reminder. Snooze, dismiss, restore and the calendar export are the
panel's own (gui.reminder_actions); the reminders are computed on a background connection
(a department's thousand audits raise thousands), again after each change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import a11y, combos, keyboard
from gui import reminder_actions as actions
from gui.context import AppContext
from gui.table_models import FOREGROUND_ROLE, TOOLTIP_ROLE, SortedRowTableModel, read_only_table
from model.act import reminders as rem
from model.core.util import today, uk_date_text

KIND_ORDER = tuple(rem.KINDS)
OVERDUE = QColor("#b3261e")


@dataclass(frozen=True)
class Line:
    """One reminder as the view lists it: with its audit's directorate and, if hidden, the decision."""

    reminder: rem.Reminder
    directorate: str
    state: rem.ReminderState | None = None


@dataclass(frozen=True)
class Loaded:
    """What the background computation brings: the active and the snoozed or dismissed lines."""

    active: list[Line]
    hidden: list[Line]


def load_task(_progress: object, store: Any, day: date) -> Loaded:
    """Every reminder on `day`, on a connection of this thread (run through gui.tasks.run_task)."""
    from model.act.audit_facts import gather

    db = store.connect()
    try:
        facts = gather(db)
        shown, hidden = rem.split_reminders(db, day, facts)
    finally:
        db.close()
    where = {audit_id: f.directorate for audit_id, f in facts.items()}
    return Loaded([Line(r, where.get(r.audit_id, "")) for r in shown],
                  [Line(r, where.get(r.audit_id, ""), s) for r, s in hidden])


class RemindersModel(SortedRowTableModel):
    """The reminders listed: one Line per row."""

    COL_KIND, COL_AUDIT, COL_SUBJECT, COL_DUE, COL_DAYS, COL_DECISION = range(6)
    HEADERS = ("Kind", "Audit", "Subject", "Due", "Days", "Snoozed or dismissed")
    HEADER_TIPS = {COL_DAYS: "Days until the due date; overdue ones are late"}

    def display(self, line: Line, col: int) -> str:
        r = line.reminder
        if col == self.COL_KIND:
            return r.label
        if col == self.COL_AUDIT:
            return r.audit_title
        if col == self.COL_SUBJECT:
            return r.subject
        if col == self.COL_DUE:
            return uk_date_text(r.due)
        if col == self.COL_DAYS:
            return rem.when_text(r.days)
        return rem.state_text(line.state) if line.state is not None else ""

    def sort_key(self, line: Line, col: int) -> Any:
        r = line.reminder
        if col == self.COL_KIND:
            return KIND_ORDER.index(r.kind)
        if col in (self.COL_DUE, self.COL_DAYS):
            return (r.days is None, r.days or 0)  # those with no date last
        return super().sort_key(line, col)

    def role_data(self, line: Line, col: int, role: int) -> Any:
        if role == TOOLTIP_ROLE:
            return self.display(line, col)  # long titles and subjects are cut
        if role == FOREGROUND_ROLE and col == self.COL_DAYS and (line.reminder.days or 0) < 0:
            return QBrush(OVERDUE)
        return None


class RemindersPage(QWidget):
    """The Reminders view.

    Signals:
        open_requested(int, str): open this audit at this stage.
        back_requested(): back to the register.
        loaded(): the reminders were computed and listed.
    """

    open_requested = Signal(int, str)
    back_requested = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._data = Loaded([], [])
        self._build()
        self._connect_signals()
        a11y.name_unnamed(self)

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.kind, self.directorate, self.audit = (combos.filter_box(name) for name in (
            "Kind of reminder filter", "Directorate filter", "Audit filter"))
        self.kind.addItem("All kinds", "")
        for key, label in rem.KINDS.items():
            self.kind.addItem(label, key)
        self.model = RemindersModel()
        self.table = read_only_table(self.model)
        self.table.setAccessibleName("Reminders")
        self.table.setAccessibleDescription("Enter opens the audit at the stage that deals with the reminder")
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(RemindersModel.COL_DAYS, Qt.AscendingOrder)  # most overdue first
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(RemindersModel.COL_SUBJECT, QHeaderView.Stretch)
        metrics, pad = self.fontMetrics(), 16  # widths from the longest texts, not from thousands of cells
        widest = {RemindersModel.COL_KIND: max(rem.KINDS.values(), key=metrics.horizontalAdvance),
                  RemindersModel.COL_AUDIT: "x" * 28, RemindersModel.COL_DUE: "30/12/2026",
                  RemindersModel.COL_DAYS: "overdue by 365 days", RemindersModel.COL_DECISION: "x" * 30}
        for column, text in widest.items():
            header.resizeSection(column, metrics.horizontalAdvance(text) + pad)
        self.table.setColumnHidden(RemindersModel.COL_DECISION, True)
        keyboard.tab_leaves(self.table)
        keyboard.select_on_focus(self.table)
        self.controls = actions.ReminderControls(self, self.ctx, self.current)
        self._enter = keyboard.on_enter(self.table, self.controls.open_current)
        self.open_button, self.snooze_button, self.dismiss_button, self.restore_button = self.controls.row_buttons()
        self.show_hidden, self.ics_button = self.controls.show_hidden, self.controls.ics_button
        self.back_button = QPushButton("Back to the register")
        self.summary = QLabel("Working out the reminders…")
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Reminders</h2>"))
        heading.addStretch(1)
        heading.addWidget(self.summary)
        heading.addWidget(self.ics_button)
        heading.addWidget(self.back_button)
        filters = QHBoxLayout()
        for label, box in (("Kind", self.kind), ("Directorate", self.directorate), ("Audit", self.audit)):
            filters.addWidget(QLabel(label))
            filters.addWidget(box, 1)
        filters.addWidget(self.show_hidden)
        buttons = QHBoxLayout()
        for b in self.controls.row_buttons():
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        chain = (self.kind, self.directorate, self.audit, self.show_hidden, self.table, *self.controls.row_buttons(),
                 self.ics_button, self.back_button)  # Tab follows the rows on screen, filters first
        for first, then in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, then)

    def _connect_signals(self) -> None:
        for box in (self.kind, self.directorate, self.audit):
            box.currentIndexChanged.connect(self._on_filter_changed)
        self.show_hidden.toggled.connect(self._on_show_hidden_toggled)
        self.table.doubleClicked.connect(self.controls.open_current)
        self.table.selectionModel().selectionChanged.connect(self.controls.follow_choice)
        self.controls.open_requested.connect(self.open_requested)
        self.controls.changed.connect(self._on_controls_changed)
        self.back_button.clicked.connect(self.back_requested)

    # --- data -----------------------------------------------------------------------------

    def load(self) -> None:
        """Compute the reminders for today in the background; the table fills when they are in."""
        from gui.tasks import run_task

        run_task(self, load_task, self.ctx.store, today(), on_success=self._fill, show_progress=False)

    def _fill(self, data: Loaded) -> None:
        self._data = data
        every = data.active + data.hidden
        combos.refill(self.directorate, "All directorates",
                      [(d, d or "Not given") for d in sorted({line.directorate for line in every})], every=None)
        audits = {line.reminder.audit_id: line.reminder.audit_title for line in every}
        combos.refill(self.audit, "All audits", sorted(audits.items(), key=lambda a: a[1].lower()), every=None)
        if self.showing_hidden() and not data.hidden:  # the last one was restored: back to the active ones
            self.show_hidden.blockSignals(True)
            self.show_hidden.setChecked(False)
            self.show_hidden.blockSignals(False)
        self._apply_filters()
        self.loaded.emit()

    def showing_hidden(self) -> bool:
        """Whether the snoozed and dismissed reminders are listed instead of the active ones."""
        return self.controls.showing_hidden()

    def _apply_filters(self) -> None:
        kind, directorate, audit = self.kind.currentData(), self.directorate.currentData(), self.audit.currentData()
        lines = self._data.hidden if self.showing_hidden() else self._data.active
        shown = [line for line in lines if (not kind or line.reminder.kind == kind)
                 and (directorate is None or line.directorate == directorate)
                 and (audit is None or line.reminder.audit_id == audit)]
        row = self.current_row()
        self.model.set_rows(shown)
        self.table.setColumnHidden(RemindersModel.COL_DECISION, not self.showing_hidden())
        if shown and row >= 0:
            self.table.selectRow(min(row, len(shown) - 1))
        hidden = f", {len(self._data.hidden)} snoozed or dismissed" if self._data.hidden else ""
        self.summary.setText(f"{len(shown)} listed of {len(self._data.active)} reminders{hidden}")
        self.controls.follow_choice()

    def shown(self) -> list[rem.Reminder]:
        """The reminders listed, in the order shown."""
        return [line.reminder for line in self.model.rows]

    def current_row(self) -> int:
        """The selected row (-1 for none)."""
        chosen = self.table.selectionModel().selectedRows()
        return chosen[0].row() if chosen else -1

    def current(self) -> rem.Reminder | None:
        """The chosen reminder, if any."""
        row = self.current_row()
        return self.model.rows[row].reminder if 0 <= row < len(self.model.rows) else None

    # --- acting ---------------------------------------------------------------------------

    @Slot()
    def _on_filter_changed(self) -> None:
        self._apply_filters()

    @Slot(bool)
    def _on_show_hidden_toggled(self, _checked: bool) -> None:
        self.table.clearSelection()
        self._apply_filters()

    @Slot(str)
    def _on_controls_changed(self, _what: str) -> None:
        self.table.setFocus()
        self.load()
