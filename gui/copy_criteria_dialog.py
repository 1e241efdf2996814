"""Pick criteria to copy: from the standards library or from another audit's cycle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from model.plan import criteria as crit
from model.plan.audits import list_audits
from model.plan.cycles import list_cycles
from model.plan.standards import Standard, criteria_from_standard, list_standards

LIBRARY, AUDIT = "library", "audit"


class CopyCriteriaDialog(QDialog):
    """Choose a source (a library standard, or an audit and one of its cycles) and tick criteria.

    After `accept`, `selected_criteria()` gives unsaved copies ready for `model.plan.criteria.add_criteria`.
    """

    def __init__(self, ctx: AppContext, exclude_cycle_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.exclude_cycle_id = exclude_cycle_id
        self._standards: dict[int, Standard] = {}
        self._shown: list[crit.Criterion] = []
        self.setWindowTitle("Copy criteria")
        dialogs.fit_to_screen(self, 640, 480)
        self._build()
        self._connect_signals()
        self._fill_sources()

    def _build(self) -> None:
        self.source = QComboBox()
        self.cycle = QComboBox()
        self.criteria = QListWidget()
        self.criteria.setWordWrap(True)
        self.all_button = QPushButton("Tick all")
        self.none_button = QPushButton("Tick none")
        self.summary = QLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Copy ticked criteria")
        form = QFormLayout()
        form.addRow("Copy from", self.source)
        form.addRow("Cycle", self.cycle)
        ticks = QHBoxLayout()
        ticks.addWidget(self.all_button)
        ticks.addWidget(self.none_button)
        ticks.addStretch(1)
        ticks.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Copies are new criteria of this cycle: edit them freely afterwards."))
        layout.addLayout(form)
        layout.addWidget(self.criteria, 1)
        layout.addLayout(ticks)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.source.currentIndexChanged.connect(self._on_source_current_index_changed)
        self.cycle.currentIndexChanged.connect(self._on_cycle_current_index_changed)
        self.criteria.itemChanged.connect(self._on_criteria_item_changed)
        self.all_button.clicked.connect(lambda: self._tick_all(True))
        self.none_button.clicked.connect(lambda: self._tick_all(False))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- public -------------------------------------------------------------------------

    def select_source(self, kind: str, source_id: int) -> None:
        """Choose a source by kind ('library' or 'audit') and id."""
        self.source.setCurrentIndex(max(0, self.source.findData(f"{kind}:{source_id}")))

    def select_cycle(self, cycle_id: int) -> None:
        """Choose one of the source audit's cycles."""
        self.cycle.setCurrentIndex(max(0, self.cycle.findData(cycle_id)))

    def set_ticked(self, rows: list[int]) -> None:
        """Tick exactly these rows of the criteria list."""
        for i in range(self.criteria.count()):
            self.criteria.item(i).setCheckState(Qt.Checked if i in rows else Qt.Unchecked)

    def selected_criteria(self) -> list[crit.Criterion]:
        """Unsaved copies of the ticked criteria, in the source's order."""
        items = (self.criteria.item(i) for i in range(self.criteria.count()))
        return [crit.fresh_copy(self._shown[i]) for i, item in enumerate(items) if item.checkState() == Qt.Checked]

    def source_title(self) -> str:
        """The chosen source in words (for the page's status line)."""
        return self.source.currentText()

    # --- internals ----------------------------------------------------------------------

    def _fill_sources(self) -> None:
        db = self.ctx.store.db
        self.source.blockSignals(True)
        for standard in list_standards(db):
            if standard.criteria and standard.id is not None:
                self._standards[standard.id] = standard
                self.source.addItem(f"Library: {standard.label}", f"{LIBRARY}:{standard.id}")
        for audit in list_audits(db):
            if any(c.id != self.exclude_cycle_id for c in list_cycles(db, audit.id)):
                self.source.addItem(f"Audit: {audit.title}", f"{AUDIT}:{audit.id}")
        self.source.blockSignals(False)
        self._on_source_current_index_changed(self.source.currentIndex())

    def _show(self, criteria: list[crit.Criterion]) -> None:
        self._shown = criteria
        self.criteria.blockSignals(True)
        self.criteria.clear()
        for c in criteria:
            target = "no target" if c.target is None else f"target {c.target:g}%"
            item = QListWidgetItem(f"{c.label} ({target})")
            item.setToolTip(c.statement)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            self.criteria.addItem(item)
        self.criteria.blockSignals(False)
        self._on_criteria_item_changed()

    def _tick_all(self, on: bool) -> None:
        self.set_ticked(list(range(self.criteria.count())) if on else [])

    @Slot(int)
    def _on_source_current_index_changed(self, _index: int) -> None:
        # Items carry "kind:id" text: QComboBox.findData cannot match Python tuples.
        kind, _, number = (self.source.currentData() or ":").partition(":")
        source_id = int(number) if number else None
        self.cycle.blockSignals(True)
        self.cycle.clear()
        if kind == AUDIT:
            for cycle in list_cycles(self.ctx.store.db, source_id):
                if cycle.id != self.exclude_cycle_id:
                    self.cycle.addItem(cycle.title, cycle.id)
            self.cycle.setCurrentIndex(self.cycle.count() - 1)
        self.cycle.setEnabled(kind == AUDIT)
        self.cycle.blockSignals(False)
        if kind == LIBRARY:
            self._show(criteria_from_standard(self._standards[source_id]))
        else:
            self._on_cycle_current_index_changed(self.cycle.currentIndex())

    @Slot(int)
    def _on_cycle_current_index_changed(self, _index: int) -> None:
        cycle_id = self.cycle.currentData()
        self._show(crit.list_criteria(self.ctx.store.db, cycle_id) if cycle_id is not None else [])

    @Slot()
    def _on_criteria_item_changed(self, *_args: object) -> None:
        ticked = len(self.selected_criteria())
        self.summary.setText(f"{ticked} of {self.criteria.count()} ticked")
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ticked > 0)
