"""The data-quality panel: how complete the cycle's data is, and each issue with "Go to case"."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.context import AppContext
from gui.table_models import FrameTableModel, read_only_table
from gui.tasks import run_task
from model.collect.data_quality import KINDS, DataQuality, check_cycle
from model.core.progress import Progress
from model.store.store import Store


def _quality_task(progress: Progress, store: Store, cycle_id: int) -> DataQuality:
    progress.report(0, 1, "Checking the data…")
    with store.connect() as db:
        return check_cycle(db, cycle_id)


class DataQualityView(QWidget):
    """Missing data by criterion and field, and the list of issues.

    Signals:
        open_case(int): the user wants to see this case in the entry form.
    """

    open_case = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cycle_id: int | None = None
        self.quality: DataQuality | None = None
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.refresh_button = QPushButton("Check again")
        self.by_criterion = FrameTableModel({"label": "Criterion", "answered": "Answered", "missing": "Missing",
                                             "missing_pct": "Missing %"})
        self.by_field = FrameTableModel({"label": "Case detail", "missing": "Missing", "missing_pct": "Missing %"})
        self.issues_model = FrameTableModel({"kind_label": "Issue", "case_ref": "Case", "detail": "Detail"})
        self.kind = QComboBox()
        self.go_button = QPushButton("Go to case")
        self.go_button.setEnabled(False)
        self.issues = self._table(self.issues_model)
        self.issues.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.issues.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.issues.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        tables = QSplitter(Qt.Horizontal)
        tables.addWidget(self._table(self.by_criterion))
        tables.addWidget(self._table(self.by_field))
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("<b>Issues</b>"))
        filters.addWidget(self.kind)
        filters.addStretch(1)
        filters.addWidget(self.go_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(tables, 1)
        layout.addLayout(filters)
        layout.addWidget(self.issues, 2)

    @staticmethod
    def _table(model: FrameTableModel) -> QTableView:
        view = read_only_table(model)
        view.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        return view

    def _connect_signals(self) -> None:
        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.go_button.clicked.connect(self._on_go_button_clicked)
        self.issues.doubleClicked.connect(lambda _index: self._on_go_button_clicked())
        self.issues.selectionModel().selectionChanged.connect(self._on_issues_selection_changed)

    def load(self, cycle_id: int | None) -> None:
        """Check a cycle in the background and show the result."""
        self.cycle_id = cycle_id
        if cycle_id is None:
            self.show_quality(None)
            return
        run_task(self, _quality_task, self.ctx.store, cycle_id, on_success=self.show_quality,
                 title="Checking data quality…", show_progress=False)

    def show_quality(self, quality: DataQuality | None) -> None:
        """Fill the tables from a check result (None clears)."""
        self.quality = quality
        if quality is None:
            self.summary.setText("No cycle chosen.")
            for model in (self.by_criterion, self.by_field, self.issues_model):
                model.set_frame(model.frame.iloc[0:0])
            return
        counts = quality.counts()
        text = ", ".join(f"{KINDS[k].lower()}: {n}" for k, n in counts.items()) or "no issues found"
        self.summary.setText(f"<b>{quality.cases} cases.</b> {text[0].upper()}{text[1:]}.")
        self.by_criterion.set_frame(quality.by_criterion)
        self.by_field.set_frame(quality.by_field)
        self.kind.blockSignals(True)
        self.kind.clear()
        self.kind.addItem(f"All ({len(quality.issues)})", "")
        for key, n in counts.items():
            self.kind.addItem(f"{KINDS[key]} ({n})", key)
        self.kind.blockSignals(False)
        self._show_issues()

    def _show_issues(self) -> None:
        issues = self.quality.issues if self.quality is not None else pd.DataFrame(columns=["kind"])
        kind = self.kind.currentData()
        shown = issues[issues["kind"] == kind] if kind else issues
        self.issues_model.set_frame(shown.assign(kind_label=shown["kind"].map(KINDS)))
        self.go_button.setEnabled(False)

    def selected_case_id(self) -> int | None:
        """The case of the selected issue (None when it has no stored case)."""
        rows = self.issues.selectionModel().selectedRows()
        if not rows:
            return None
        value = self.issues_model.row_value(rows[0].row(), "case_id")
        return None if value is None or pd.isna(value) else int(value)

    @Slot()
    def _on_refresh_button_clicked(self) -> None:
        self.load(self.cycle_id)

    @Slot(int)
    def _on_kind_current_index_changed(self, _index: int) -> None:
        self._show_issues()

    @Slot()
    def _on_issues_selection_changed(self) -> None:
        self.go_button.setEnabled(self.selected_case_id() is not None)

    @Slot()
    def _on_go_button_clicked(self) -> None:
        case_id = self.selected_case_id()
        if case_id is not None:
            self.open_case.emit(case_id)
