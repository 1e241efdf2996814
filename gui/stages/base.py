"""The base of every cycle-stage page in an audit's workspace."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from gui import dialogs
from gui.context import AppContext
from model.core.errors import KnownError


class StagePage(QWidget):
    """One stage of the audit cycle (Plan, Criteria, Collect, …).

    Signals:
        data_changed(): emitted after this page saved something other pages show.
    """

    key = ""
    title = ""
    data_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.cycle_id: int | None = None

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show this audit and cycle; quick (heavy work goes through gui.tasks.run_task)."""
        self.audit_id, self.cycle_id = audit_id, cycle_id

    def flush(self) -> bool:
        """Commit every pending edit before the page is left (stage, audit or cycle change, close).

        The focused field's own commit runs first (its focus-out: a line edit's editingFinished,
        a CommitTextEdit's commit); pages with timers or unsaved forms add theirs. Returns False
        when the user chose to stay (Cancel on an unsaved case): the caller must not move on.
        """
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()
        return True

    def show_error(self, exc: KnownError) -> None:
        """Tell the user about a problem they can act on."""
        dialogs.show_known_error(self, exc)


class PendingStagePage(StagePage):
    """A stage whose screens are not built yet: it says plainly what it will hold."""

    def __init__(self, ctx: AppContext, key: str, title: str, description: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.key, self.title = key, title
        layout = QVBoxLayout(self)
        heading = QLabel(f"<h2>{title}</h2>")
        self.text = QLabel(description)
        self.text.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def add_button(self, text: str) -> QPushButton:
        """A button under the description, e.g. to where the job can be done meanwhile."""
        button = QPushButton(text)
        layout = self.layout()
        layout.insertWidget(layout.count() - 1, button, 0, Qt.AlignLeft)  # type: ignore[attr-defined]
        return button
