"""The register: the home screen listing audits, with search, filters and sorting."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import a11y, combos, dialogs, keyboard
from gui.context import AppContext
from gui.table_models import RegisterTableModel
from model.core.util import today
from model.plan import audits as audits_model
from model.plan import register

# Columns fit the first rows' contents, not all of them: measuring every cell of a
# 1,000-audit register took most of a second each time it was shown.
RESIZE_ROWS = 30
CELL_PAD, HEADER_PAD = 8, 30  # the cell's margins; the header's margins and sort arrow


class RegisterPage(QWidget):
    """The list of audits.

    Signals:
        open_requested(int): open this audit's workspace.
        open_stage_requested(int, str): open this audit at this stage (from a reminder).
        new_requested(): the user wants to register a new audit.
        dashboard_requested(): show the department dashboard.
        reminders_requested(): show the Reminders view (every reminder).
    """

    open_requested = Signal(int)
    open_stage_requested = Signal(int, str)
    new_requested = Signal()
    dashboard_requested = Signal()
    export_requested = Signal()
    reminders_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._all: list[register.RegisterRow] = []
        self._deleted: list[int] = []
        self._build()
        self._connect_signals()
        self.reload()
        self.table.setAccessibleName("Audits in the register")
        self.search.setAccessibleName("Search audits")
        a11y.name_unnamed(self)

    def _build(self) -> None:
        from gui.reminders_panel import RemindersPanel

        self.reminders = RemindersPanel(self.ctx)
        self.search = QLineEdit(placeholderText="Search title, number, lead or specialty…")
        self.search.setClearButtonEnabled(True)
        self.specialty = QComboBox()
        self.status = QComboBox()
        self.lead = QComboBox()
        self.due = QComboBox()
        for key, text in (("any", "Any due date"), ("due_30", "Due within 30 days"), ("overdue", "Overdue")):
            self.due.addItem(text, key)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for label, box in (("Specialty", self.specialty), ("Status", self.status), ("Lead", self.lead),
                           ("Due", self.due)):
            filters.addWidget(QLabel(label))
            filters.addWidget(box, 1)
        self.table_model = RegisterTableModel()
        self.table = QTableView()
        self.table.setModel(self.table_model)  # it sorts itself: no proxy calling data() per comparison
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(RegisterTableModel.COL_DUE, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        keyboard.tab_leaves(self.table)
        self._enter = keyboard.on_enter(self.table, self._on_open_button_clicked)
        keyboard.select_on_focus(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)  # widths set by _fit_columns; the user may drag them
        header.setSectionResizeMode(RegisterTableModel.COL_TITLE, QHeaderView.Stretch)
        self.new_button = QPushButton("New audit…")
        self.open_button = QPushButton("Open")
        self.delete_button = QPushButton("Move to bin")
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setEnabled(False)
        self.bin_button = QPushButton("Bin…")
        self.dashboard_button = QPushButton("Dashboard")
        self.dashboard_button.setAccessibleName("Department dashboard")
        self.dashboard_button.setToolTip("Figures for the whole department (Ctrl+D)")
        self.reminders_button = QPushButton("Reminders")
        self.reminders_button.setAccessibleName("All reminders")
        self.reminders_button.setToolTip("Every reminder, to sort, filter and act on (Ctrl+R)")
        self.count_label = QLabel()
        self.empty_hint = QLabel("<p><b>No audits registered yet.</b> Press <b>New audit…</b> (Ctrl+N) to "
                                 "register your first: a title is all it needs to start. AuditLoop then takes "
                                 "you through the cycle step by step: plan, criteria, data collection, results "
                                 "and re-audit.</p>", wordWrap=True)
        self.empty_hint.hide()
        buttons = QHBoxLayout()
        for b in (self.new_button, self.open_button, self.delete_button, self.undo_button, self.bin_button,
                  self.dashboard_button, self.reminders_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Audit register</h2>"))
        layout.addWidget(self.reminders)
        layout.addLayout(filters)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.reminders.open_requested.connect(self.open_stage_requested)
        self.search.textChanged.connect(self._apply_filters)
        for box in (self.specialty, self.status, self.lead, self.due):
            box.currentIndexChanged.connect(self._apply_filters)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.new_button.clicked.connect(self.new_requested)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.bin_button.clicked.connect(self._on_bin_button_clicked)
        self.dashboard_button.clicked.connect(self.dashboard_requested)
        self._context_menu()

    def _context_menu(self) -> None:
        # Right-click (or the Menu key) on an audit: what the buttons do, and Export audit… (handover).
        self.table.setContextMenuPolicy(Qt.ActionsContextMenu)
        for text, slot in (("Open", self._on_open_button_clicked), ("Export audit…", self.export_requested.emit),
                           ("Move to bin", self._on_delete_button_clicked)):
            action = QAction(text, self.table)
            action.triggered.connect(slot)
            self.table.addAction(action)
        self.reminders_button.clicked.connect(self.reminders_requested)

    def reload(self) -> None:
        """Re-read the register from the store, keeping the filters."""
        db = self.ctx.store.db
        self._all = register.register_rows(db, today())
        combos.refill(self.specialty, "All specialties", [(s, s) for s in audits_model.specialties(db)])
        combos.refill(self.status, "All statuses", [(k, v) for k, v in audits_model.STATUSES.items()])
        combos.refill(self.lead, "All leads", [(s, s) for s in audits_model.leads(db)])
        self._apply_filters()
        self.reminders.reload_in_background()

    @Slot()
    def _apply_filters(self) -> None:
        rows = register.filter_rows(self._all, text=self.search.text(), specialty=self.specialty.currentData(),
                                    status=self.status.currentData(), lead=self.lead.currentData(),
                                    due=self.due.currentData() or "any", today=today())
        self.table_model.set_rows(rows)
        self._fit_columns()
        self.count_label.setText(f"{len(rows)} of {len(self._all)} audits")
        self.empty_hint.setVisible(not self._all)
        self._on_table_selection_changed()

    def _fit_columns(self) -> None:
        """Each column as wide as its header and its first RESIZE_ROWS texts, measured here.

        Qt's ResizeToContents did the same through data(), a dozen roles for each cell it measured
        and again on every layout: a third of the time the register took to show a department."""
        model, cells, heads = self.table_model, self.table.fontMetrics(), self.table.horizontalHeader().fontMetrics()
        first = model.rows[:RESIZE_ROWS]
        for col, head in enumerate(model.HEADERS):
            if col != RegisterTableModel.COL_TITLE:
                widest = max((cells.horizontalAdvance(model.display(row, col)) for row in first), default=0)
                self.table.setColumnWidth(col, max(widest + CELL_PAD, heads.horizontalAdvance(head) + HEADER_PAD))

    def selected_audit_id(self) -> int | None:
        """The audit selected in the table, if any."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table_model.audit_id(rows[0].row())

    def select_audit(self, audit_id: int) -> None:
        """Select the row of an audit (used after creating one)."""
        for row in range(self.table_model.rowCount()):
            if self.table_model.audit_id(row) == audit_id:
                self.table.selectRow(row)
                return

    @Slot()
    def _on_table_selection_changed(self) -> None:
        # Open and Move to bin act on the selected audit: without one they would do nothing.
        chosen = self.selected_audit_id() is not None
        self.open_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    @Slot()
    def _on_table_double_clicked(self, index: object) -> None:
        audit_id = self.selected_audit_id()
        if audit_id is not None:
            self.open_requested.emit(audit_id)

    @Slot()
    def _on_open_button_clicked(self) -> None:
        audit_id = self.selected_audit_id()
        if audit_id is not None:
            self.open_requested.emit(audit_id)

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        audit_id = self.selected_audit_id()
        if audit_id is None:
            return
        title = audits_model.get_audit(self.ctx.store.db, audit_id).title
        if not dialogs.ask(self, "Move to bin", f"Move “{title}” to the bin? You can undo this."):
            return
        audits_model.delete_audit(self.ctx.store.db, audit_id)
        self._deleted.append(audit_id)
        self.undo_button.setEnabled(True)
        self.reload()

    @Slot()
    def _on_undo_button_clicked(self) -> None:
        if self._deleted:
            audits_model.restore_audit(self.ctx.store.db, self._deleted.pop())
        self.undo_button.setEnabled(bool(self._deleted))
        self.reload()

    @Slot()
    def _on_bin_button_clicked(self) -> None:
        from gui.bin_dialog import BinDialog

        dialog = BinDialog(self.ctx, self)
        dialog.exec()
        if dialog.changed:
            self._deleted.clear()
            self.undo_button.setEnabled(False)
            self.reload()
