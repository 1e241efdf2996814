"""The department dashboard (issue 16): a main-window view beside the register.

Headline tiles (loops closed, overdue actions, re-audits overdue, no action plan, reports not
filed) over a tree of every figure, grouped; choosing a tile or a figure lists the audits
behind it on the right, and Enter (or a double-click) on one opens it. Filters: directorate,
specialty and the financial year. "Export to Excel…" writes the figures and their rows;
"Quality Account…" writes the year's Quality Account table (Excel or Word). The figures
come from model.report.dashboard; the audits' facts are read once each time the view is
shown, and the filters recount from them.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import a11y, combos, dialogs, keyboard
from gui.context import AppContext
from gui.table_models import TOOLTIP_ROLE, RowTableModel
from model.act.audit_facts import AuditFacts, gather
from model.core.errors import KnownError
from model.core.financial_year import FinancialYear, financial_year_of
from model.core.util import today, uk_date_text
from model.plan import audits as audits_model
from model.report import dashboard as dash

YEARS_SHOWN = 6  # this financial year and the five before
TILES = ("loops_closed:this_year", "overdue_actions", "reaudits:overdue", "follow_up:no_action_plan",
         "follow_up:reports_not_filed")
TILE_STYLE = ("QPushButton { text-align: left; padding: 6px 10px; border: 1px solid #aeb7bd; border-radius: 4px; "
              "background: #f0f4f5; color: #212b32; } QPushButton:checked { background: #005eb8; color: white; } "
              "QPushButton:focus { border: 2px solid #ffb81c; }")


class FigureRowsModel(RowTableModel):
    """The audits behind one figure."""

    HEADERS = ("Audit", "Directorate", "Specialty", "Detail", "Date")

    def display(self, row: dash.Row, col: int) -> str:
        return (row.audit_title, row.directorate, row.specialty, row.detail, uk_date_text(row.due))[col]

    def role_data(self, row: dash.Row, col: int, role: int) -> Any:
        return self.display(row, col) if role == TOOLTIP_ROLE else None  # long titles and details are cut


class DashboardPage(QWidget):
    """The dashboard view.

    Signals:
        open_requested(int): open this audit's workspace.
        back_requested(): back to the register.
    """

    open_requested = Signal(int)
    back_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._facts: dict[int, AuditFacts] = {}
        self.board: dash.Dashboard | None = None
        self._chosen = ""
        self._build()
        self._connect_signals()
        a11y.name_unnamed(self)

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.directorate, self.specialty, self.year = (combos.filter_box(name) for name in (
            "Directorate filter", "Specialty filter", "Financial year"))
        self.export_button = QPushButton("Export to Excel…")
        self.quality_button = QPushButton("Quality Account…")
        self.back_button = QPushButton("Back to the register")
        self.export_button.setAccessibleName("Export the dashboard to Excel")
        self.quality_button.setAccessibleName("Write the Quality Account table for the financial year")
        filters = QHBoxLayout()
        for label, box in (("Directorate", self.directorate), ("Specialty", self.specialty),
                           ("Financial year", self.year)):
            filters.addWidget(QLabel(label))
            filters.addWidget(box, 1)
        self.tiles: dict[str, QPushButton] = {}
        tiles = QGridLayout()
        for i, key in enumerate(TILES):
            tile = QPushButton()
            tile.setCheckable(True)
            tile.setStyleSheet(TILE_STYLE)
            self.tiles[key] = tile
            tiles.addWidget(tile, 0, i)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Figure", "Count"])
        self.tree.setAccessibleName("Dashboard figures")
        self.tree.setAccessibleDescription("Choose a figure to list the audits behind it")
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        keyboard.tab_leaves(self.tree)
        self.rows_model = FigureRowsModel()
        self.rows = QTableView()
        self.rows.setModel(self.rows_model)
        self.rows.setAccessibleName("Audits behind the chosen figure")
        self.rows.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rows.setSelectionMode(QAbstractItemView.SingleSelection)
        self.rows.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.rows.verticalHeader().hide()
        self.rows.setWordWrap(False)
        header = self.rows.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(3, QHeaderView.Stretch)  # the detail says what the figure counts
        header.setSectionResizeMode(4, QHeaderView.ResizeToContents)
        header.setResizeContentsPrecision(30)  # a figure can list thousands of actions
        char = self.fontMetrics().averageCharWidth()
        for column, chars in ((0, 28), (1, 14), (2, 14)):
            header.resizeSection(column, char * chars)
        keyboard.tab_leaves(self.rows)
        keyboard.select_on_focus(self.rows)
        self._enter_rows = keyboard.on_enter(self.rows, self._on_rows_activated)
        self._enter_tree = keyboard.on_enter(self.tree, self._on_tree_enter)
        self.rows_title = QLabel()
        self.rows_title.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.rows_title)
        right_layout.addWidget(self.rows, 1)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        self.summary = QLabel()
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Department dashboard</h2>"))
        heading.addStretch(1)
        heading.addWidget(self.summary)
        for button in (self.export_button, self.quality_button, self.back_button):
            heading.addWidget(button)
        layout.addLayout(heading)
        layout.addLayout(filters)
        layout.addLayout(tiles)
        layout.addWidget(split, 1)

    def _connect_signals(self) -> None:
        for box in (self.directorate, self.specialty, self.year):
            box.currentIndexChanged.connect(self._on_filter_changed)
        for key, tile in self.tiles.items():
            tile.clicked.connect(lambda _=False, k=key: self.show_figure(k))
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.rows.doubleClicked.connect(self._on_rows_activated)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.quality_button.clicked.connect(self._on_quality_button_clicked)
        self.back_button.clicked.connect(self.back_requested)

    # --- data -----------------------------------------------------------------------------

    def load(self) -> None:
        """Read every audit's facts again and recount (when the view is shown)."""
        db = self.ctx.store.db
        self._facts = gather(db)
        current = financial_year_of(today())
        combos.refill(self.directorate, "All directorates", [(n, n) for n in audits_model.directorates(db)])
        combos.refill(self.specialty, "All specialties", [(n, n) for n in audits_model.specialties(db)])
        chosen = self.year.currentData()
        self.year.blockSignals(True)
        self.year.clear()
        for back in range(YEARS_SHOWN):
            year = FinancialYear(current.start_year - back)
            self.year.addItem(year.label + (" (this year)" if back == 0 else ""), year.start_year)
        self.year.setCurrentIndex(max(0, self.year.findData(chosen)))
        self.year.blockSignals(False)
        self.recount()

    def chosen_year(self) -> FinancialYear:
        """The financial year chosen (this one until the box is filled)."""
        data = self.year.currentData()
        return FinancialYear(int(data)) if data is not None else financial_year_of(today())

    def recount(self) -> None:
        """Count again from the facts read, with the filters as they are."""
        self.board = dash.dashboard(self.ctx.store.db, today(), year=self.chosen_year(),
                                    directorate=self.directorate.currentData() or "",
                                    specialty=self.specialty.currentData() or "", facts=self._facts)
        self.summary.setText(f"{self.board.audits} audits · figures on {uk_date_text(self.board.today)}")
        self._fill_tree()
        self._fill_tiles()
        self.show_figure(self._chosen if self._has(self._chosen) else "loops_closed:this_year")

    def _has(self, key: str) -> bool:
        return self.board is not None and (key == "overdue_actions" or any(f.key == key for f in self.board.figures))

    def _fill_tree(self) -> None:
        assert self.board is not None
        self.tree.blockSignals(True)
        self.tree.clear()
        self._items: dict[str, QTreeWidgetItem] = {}
        for group, heading in dash.GROUPS.items():
            figures = self.board.group(group)
            if not figures:
                continue
            top = QTreeWidgetItem([heading, ""])
            top.setFlags(top.flags() & ~Qt.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for figure in figures:
                item = QTreeWidgetItem([figure.label, figure.text])
                item.setData(0, Qt.UserRole, figure.key)
                item.setTextAlignment(1, Qt.AlignRight | Qt.AlignVCenter)
                top.addChild(item)
                self._items[figure.key] = item
        self.tree.expandAll()
        self.tree.blockSignals(False)

    def _fill_tiles(self) -> None:
        assert self.board is not None
        for key, tile in self.tiles.items():
            label, count = self._tile_text(key)
            tile.setText(f"{count}\n{label}")
            tile.setAccessibleName(f"{label}: {count}")
            tile.setToolTip(f"List the audits behind “{label}”")

    def _tile_text(self, key: str) -> tuple[str, str]:
        assert self.board is not None
        if key == "overdue_actions":
            return "Overdue actions", str(len(self.figure_rows(key)))
        figure = self.board.figure(key)
        names = {"loops_closed:this_year": f"Loops closed {self.board.year.label}",
                 "reaudits:overdue": "Re-audits overdue", "follow_up:no_action_plan": "No action plan",
                 "follow_up:reports_not_filed": "Reports not filed"}
        return names.get(key, figure.label), figure.text

    def figure_rows(self, key: str) -> tuple[dash.Row, ...]:
        """The rows behind a figure or tile ("overdue_actions": every overdue action)."""
        assert self.board is not None
        if key == "overdue_actions":
            return tuple(r for f in self.board.group("overdue_actions_by_owner") for r in f.rows)
        return self.board.figure(key).rows

    # --- showing a figure -----------------------------------------------------------------

    def show_figure(self, key: str) -> None:
        """List the rows behind a figure (a tile or a tree entry) on the right."""
        if self.board is None or not self._has(key):
            return
        self._chosen = key
        rows = self.figure_rows(key)
        if key == "overdue_actions":
            label = "Overdue actions"
        else:
            figure = self.board.figure(key)
            label = f"{dash.GROUPS[figure.group]}: {figure.label}"
        self.rows_title.setText(f"<b>{html.escape(label)}</b>: {len(rows)} listed")
        self.rows_model.set_rows(rows)
        for tile_key, tile in self.tiles.items():
            tile.setChecked(tile_key == key)
        item = getattr(self, "_items", {}).get(key)
        if self.tree.currentItem() is not item:  # the tree follows a tile (none for all overdue actions)
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            if item is None:
                self.tree.clearSelection()
            self.tree.blockSignals(False)

    def shown_rows(self) -> list[dash.Row]:
        """The rows listed on the right."""
        return list(self.rows_model.rows)

    @Slot()
    def _on_filter_changed(self) -> None:
        self.recount()

    @Slot(object, object)
    def _on_tree_current_item_changed(self, current: QTreeWidgetItem | None, _previous: Any) -> None:
        key = current.data(0, Qt.UserRole) if current is not None else None
        if key:
            self.show_figure(str(key))

    @Slot()
    def _on_tree_enter(self) -> None:
        self.rows.setFocus(Qt.TabFocusReason)

    @Slot()
    def _on_rows_activated(self, *_args: object) -> None:
        chosen = self.rows.selectionModel().selectedRows()
        if chosen:
            self.open_requested.emit(self.rows_model.rows[chosen[0].row()].audit_id)

    # --- files ----------------------------------------------------------------------------

    @Slot()
    def _on_export_button_clicked(self) -> None:
        if self.board is None:
            return
        name = dialogs.save_file(self, "Export the dashboard", "Excel workbook (*.xlsx)",
                                 f"dashboard-{self.board.today.isoformat()}.xlsx")
        if not name:
            return
        path = name if name.lower().endswith(".xlsx") else f"{name}.xlsx"
        try:
            dash.export_dashboard(self.board, path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        dialogs.inform(self, "Dashboard exported", f"The figures and the audits behind them are in {path}.")

    @Slot()
    def _on_quality_button_clicked(self) -> None:
        from model.report import quality_account as qa

        year = self.chosen_year()
        name = dialogs.save_file(self, f"Quality Account {year.label}",
                                 "Excel workbook (*.xlsx);;Word document (*.docx)",
                                 f"quality-account-{year.label.replace('/', '-')}.xlsx")
        if not name:
            return
        path = name if name.lower().endswith((".xlsx", ".docx")) else f"{name}.xlsx"
        try:
            table = qa.quality_account(self.ctx.store.db, year)
            writer = qa.write_quality_account_docx if path.lower().endswith(".docx") else qa.write_quality_account_xlsx
            writer(table, path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        dialogs.inform(self, "Quality Account", f"{len(table.national)} national and {len(table.local)} local audits "
                       f"for {year.label} written to {path}.")
