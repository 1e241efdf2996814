"""The re-audit tab (for the Re-audit / Report stage's tabs): date, criteria chosen, start the cycle.

`ReauditTab(ctx).load(audit_id, cycle_id)`; model.act.reaudit does the work.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui import a11y, dialogs, keyboard
from gui.context import AppContext
from gui.stages._standard_versions import StandardVersionsPanel
from model.act import reaudit
from model.act.reaudit_standard import check_standard
from model.core.errors import KnownError
from model.core.util import today, uk_date_text


class ReauditTab(QWidget):
    """Propose the re-audit date and start the re-audit cycle.

    Signals:
        started(int): the new cycle's id.
    """

    started = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.interval = QComboBox()
        for months in reaudit.INTERVALS_MONTHS:
            self.interval.addItem(f"{months} month{'s' if months > 1 else ''} after the last action deadline", months)
        self.interval.setCurrentIndex(reaudit.INTERVALS_MONTHS.index(reaudit.DEFAULT_INTERVAL_MONTHS))
        self.interval.setAccessibleName("Re-audit interval")
        self.proposed = QLabel()
        self.set_date_button = QPushButton("Set as the re-audit date")
        self.all_radio = QRadioButton("Re-audit all criteria")
        self.missed_radio = QRadioButton("Only criteria that missed their target or had actions")
        self.all_radio.setChecked(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Criterion", "Re-audited", "Why"])
        self.table.setAccessibleName("Criteria for the re-audit")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        keyboard.tab_leaves(self.table)
        self.versions = StandardVersionsPanel()
        self.period = QLabel()
        self.start_button = QPushButton("Start re-audit cycle…")
        row = QHBoxLayout()
        for w in (QLabel("Re-audit"), self.interval, self.proposed, self.set_date_button):
            row.addWidget(w)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.all_radio)
        layout.addWidget(self.missed_radio)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.versions, 2)  # when shown, the side by side needs the room
        layout.addWidget(self.period)
        layout.addWidget(self.start_button)
        self.interval.currentIndexChanged.connect(self._refresh)
        self.all_radio.toggled.connect(self._refresh)
        self.set_date_button.clicked.connect(self._on_set_date_button_clicked)
        self.start_button.clicked.connect(self._on_start_button_clicked)
        a11y.name_unnamed(self)

    def load(self, audit_id: int, cycle_id: int | None = None) -> None:
        """Show the re-audit proposal for an audit (its latest cycle is the one re-audited)."""
        self.audit_id = audit_id
        self.versions.show_check(check_standard(self.ctx.store.db, audit_id))
        self._refresh()

    def _only_missed(self) -> bool:
        return self.missed_radio.isChecked()

    @Slot()
    def _refresh(self) -> None:
        if self.audit_id is None:
            return
        db = self.ctx.store.db
        due = reaudit.propose_reaudit_due(db, self.audit_id, int(self.interval.currentData()))
        self.proposed.setText(f"proposed: {uk_date_text(due)}" if due else "no action deadlines yet")
        self.set_date_button.setEnabled(due is not None)
        try:
            proposal = reaudit.propose_reaudit(db, self.audit_id, only_missed=self._only_missed(), today=today())
        except KnownError as exc:
            self.table.setRowCount(0)
            self.period.setText(str(exc))
            self.start_button.setEnabled(False)
            return
        self.table.setRowCount(len(proposal.choices))
        for i, choice in enumerate(proposal.choices):
            for j, text in enumerate((choice.label, "Yes" if choice.included else "No", choice.reason)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        span = f"{uk_date_text(proposal.period_start)} to {uk_date_text(proposal.period_end) or '…'}"
        self.period.setText(f"Data collection proposed {span}; sample as {proposal.previous.title}.")
        self.start_button.setEnabled(bool(proposal.included))

    @Slot()
    def _on_set_date_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        due = reaudit.propose_reaudit_due(self.ctx.store.db, self.audit_id, int(self.interval.currentData()))
        reaudit.set_reaudit_due(self.ctx.store.db, self.audit_id, due)
        dialogs.inform(self, "Re-audit date", f"The re-audit is due on {uk_date_text(due)}.")

    @Slot()
    def _on_start_button_clicked(self) -> None:
        if self.audit_id is None or not dialogs.ask(self, "Start re-audit", "Start the re-audit cycle now?"):
            return
        try:
            cycle = reaudit.start_reaudit(self.ctx.store.db, self.audit_id, only_missed=self._only_missed(),
                                          today=today(), standard_decisions=self.versions.decisions())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.started.emit(int(cycle.id or 0))
        self.load(self.audit_id)
