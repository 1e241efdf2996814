"""Help › Check data file…, and the warning an audit shows when its cases changed outside AuditLoop.

The check itself is model.store.answer_check; it reads every case, so it runs as a background
task with progress and Cancel. A mismatch is a warning, never a block (issue 13 item 7): the
dialog names the cases and lets the user accept the changes, which re-stamps them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui import dialogs
from gui.context import AppContext
from gui.table_models import RowTableModel, read_only_table
from gui.tasks import run_task

if TYPE_CHECKING:
    from model.store.answer_check import ChangedCase, DataFileCheck


class ChangedCaseTableModel(RowTableModel):
    """One row per case whose answers were changed outside AuditLoop."""

    HEADERS = ("Audit", "Cycle", "Case")

    def display(self, row: ChangedCase, col: int) -> str:
        return (row.audit_title, str(row.cycle_number), row.case_ref)[col]

    def role_data(self, row: ChangedCase, col: int, role: int) -> Any:
        if role == Qt.AccessibleTextRole:
            return f"{self.HEADERS[col]}: {self.display(row, col)}"
        return None


class DataCheckDialog(QDialog):
    """What the check found, the cases it names, and Accept for changes the user knows are right.

    Signals:
        accepted_changes(): cases were re-stamped (pages showing them may refresh).
    """

    accepted_changes = Signal()

    def __init__(self, ctx: AppContext, summary: str, changed: list[ChangedCase],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Check data file")
        self.summary = QLabel(summary, wordWrap=True)
        self.summary.setAccessibleName("What the check found")
        self.table_model = ChangedCaseTableModel()
        self.table_model.set_rows(changed)
        self.table = read_only_table(self.table_model)
        self.table.setAccessibleName("Cases changed outside AuditLoop")
        self.table.setVisible(bool(changed))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.accept_button = QPushButton("Accept these changes")
        self.accept_button.setAccessibleName("Accept the changes to these cases")
        self.accept_button.setToolTip("The answers as they are now become the ones AuditLoop vouches for")
        self.accept_button.setVisible(bool(changed))
        close = QPushButton("Close")
        close.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        close.clicked.connect(self.accept)
        dialogs.fit_to_screen(self, 640, 360 if changed else 160)

    @Slot()
    def _on_accept_button_clicked(self) -> None:
        from model.store.answer_check import accept_changes

        count = len(self.table_model.rows)
        if not dialogs.ask(self, "Accept changes", f"Accept the answers of these {count} cases as they are now?\n\n"
                           "Do this only when you know why they changed (for example, you corrected them in "
                           "another program). A damaged disk is better answered by restoring a backup."):
            return
        accept_changes(self.ctx.store.db, [c.case_id for c in self.table_model.rows])
        self.table_model.set_rows([])
        self.table.hide()
        self.accept_button.hide()
        self.summary.setText("Accepted: those cases' answers are now the ones AuditLoop vouches for.")
        self.accepted_changes.emit()


def check_data_file_flow(window: Any) -> None:
    """Help › Check data file…: run the full check in the background, then show what it found."""

    def done(result: DataFileCheck) -> None:
        DataCheckDialog(window.ctx, result.summary(), result.changed, window).exec()

    run_task(window, _check_task, window.ctx.store, on_success=done, title="Checking the data file…")


def _check_task(progress: Any, store: Any) -> DataFileCheck:
    from model.store.answer_check import check_data_file

    db = store.connect()
    try:
        return check_data_file(db, progress)
    finally:
        db.close()


def changed_in_audit_task(_progress: Any, store: Any, audit_id: int) -> list[ChangedCase]:
    """The audit's cases changed outside AuditLoop (run when the audit opens)."""
    from model.store.answer_check import changed_cases

    db = store.connect()
    try:
        return changed_cases(db, audit_id=audit_id)
    finally:
        db.close()


def changed_summary(changed: list[ChangedCase]) -> str:
    """The workspace's warning line for an audit whose cases changed outside AuditLoop."""
    refs = ", ".join(c.case_ref for c in changed[:5]) + (" …" if len(changed) > 5 else "")
    noun = "case's answers were" if len(changed) == 1 else "cases' answers were"
    return (f"⚠ {len(changed)} {noun} changed outside AuditLoop ({refs}). Results use them as they are now; "
            "review them to accept or restore a backup.")


class ChangedCasesBar(QFrame):
    """A warning line over an audit's stages when some of its cases changed outside AuditLoop
    ("checked when a cycle is read": each time the audit opens, in the background)."""

    STYLE = "#changedCases { background: #fdf0e6; border: 1px solid #e0a36f; border-radius: 4px; }"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="changedCases")
        self.ctx = ctx
        self.setStyleSheet(self.STYLE)
        self.changed: list[ChangedCase] = []
        self._audit_id: int | None = None
        self.label = QLabel(wordWrap=True)
        self.label.setAccessibleName("Warning about changed cases")
        self.review = QPushButton("Review…")
        self.review.setAccessibleName("Review the cases changed outside AuditLoop")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.review)
        self.review.clicked.connect(self._on_review_clicked)
        self.hide()

    def check(self, audit_id: int) -> None:
        """Look for changed cases of this audit in the background; show the bar if any."""
        self._audit_id = audit_id
        self.hide()

        def done(changed: list[ChangedCase]) -> None:
            if audit_id == self._audit_id:
                self.show_changed(changed)

        run_task(self, changed_in_audit_task, self.ctx.store, audit_id, on_success=done, show_progress=False)

    def show_changed(self, changed: list[ChangedCase]) -> None:
        self.changed = changed
        self.label.setText(changed_summary(changed) if changed else "")
        self.setVisible(bool(changed))

    @Slot()
    def _on_review_clicked(self) -> None:
        from model.store.answer_check import changed_text

        dialog = DataCheckDialog(self.ctx, changed_text(len(self.changed)), self.changed, self)
        dialog.accepted_changes.connect(lambda: self.show_changed([]))
        dialog.exec()
