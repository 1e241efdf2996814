"""An audit's workspace: the cycle stages as navigable steps, one page each."""

from __future__ import annotations

import importlib
from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import a11y, dialogs
from gui.context import AppContext
from gui.data_check import ChangedCasesBar
from gui.stages.base import PendingStagePage, StagePage
from model.core.errors import KnownError
from model.plan.audits import STATUSES, get_audit, update_audit
from model.plan.cycles import list_cycles
from model.plan.stages import STAGE_KEYS, STAGES, current_stage, stages_showing, suggested_status, suggestion_text
from model.store.changes import RECORDER

SUGGESTION_STYLE = "#suggestion { background: #e8f1fb; border: 1px solid #9cc3e6; border-radius: 4px; }"


def _page_class(key: str) -> type[StagePage] | None:
    """The page class for a stage, imported only when first shown (keeps start-up fast)."""
    try:
        module = importlib.import_module(f"gui.stages.{key}")
    except ModuleNotFoundError as exc:
        if exc.name != f"gui.stages.{key}":
            raise
        return None
    return getattr(module, f"{key.capitalize()}Page")


class AuditWorkspace(QWidget):
    """Stage list on the left, the chosen stage's page on the right, cycle chooser on top.

    Signals:
        back_requested(): the user wants the register again.
        audit_changed(): something shown in the register changed (title, status, dates).
    """

    back_requested = Signal()
    audit_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.pages: dict[str, StagePage] = {}
        self._scrolls: dict[str, QScrollArea] = {}
        self.suggested: str | None = None  # the status on offer in the suggestion bar
        self._dismissed: set[tuple[int, str]] = set()  # (audit, status) the user waved away this session
        self._stale: set[str] = set()
        self._shown: str | None = None  # the stage whose page is on show
        self._cycle_index = -1  # the cycle on show (the box's index), to go back to on Cancel
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        self.back = QPushButton("◀ Register")
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.RichText)
        self.heading.setWordWrap(True)
        self.cycle_box = QComboBox()
        self.cycle_box.setMinimumWidth(220)
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.heading, 1)
        top.addWidget(QLabel("Cycle:"))
        top.addWidget(self.cycle_box)
        self.steps = QListWidget()
        self.steps.setAccessibleName("Stages of the audit cycle")
        self.steps.setFixedWidth(200)
        self.steps.setSpacing(3)
        self.steps.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 6px 4px; }")
        for number, stage in enumerate(STAGES, start=1):
            item = QListWidgetItem(f"{number}. {stage.title}")
            item.setData(Qt.UserRole, stage.key)
            item.setToolTip(stage.description)
            self.steps.addItem(item)
        self.stack = QStackedWidget()
        body = QHBoxLayout()
        body.addWidget(self.steps)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._suggestion_bar())
        self.changed_cases = ChangedCasesBar(self.ctx)
        layout.addWidget(self.changed_cases)
        layout.addLayout(body, 1)

    def _suggestion_bar(self) -> QFrame:
        # A quiet, dismissible offer under the heading: the data says the status is behind.
        self.suggestion = QFrame(objectName="suggestion")
        self.suggestion.setStyleSheet(SUGGESTION_STYLE)
        self.suggestion_label = QLabel(wordWrap=True)
        self.suggestion_button = QPushButton("Set status")
        self.suggestion_dismiss = QToolButton(text="✕", toolTip="Not now (keep the status as it is)")
        self.suggestion_dismiss.setAutoRaise(True)
        row = QHBoxLayout(self.suggestion)
        row.setContentsMargins(8, 2, 4, 2)
        row.addWidget(self.suggestion_label, 1)
        row.addWidget(self.suggestion_button)
        row.addWidget(self.suggestion_dismiss)
        self.suggestion.hide()
        return self.suggestion

    def _connect_signals(self) -> None:
        self.back.clicked.connect(self.back_requested)
        self.steps.currentRowChanged.connect(self._on_steps_current_row_changed)
        self.cycle_box.currentIndexChanged.connect(self._on_cycle_box_current_index_changed)
        self.suggestion_button.clicked.connect(self._on_suggestion_button_clicked)
        self.suggestion_dismiss.clicked.connect(self._on_suggestion_dismiss_clicked)

    # --- public ---------------------------------------------------------------------

    def open_audit(self, audit_id: int, stage: str | None = None) -> bool:
        """Show an audit, at the stage it stands at unless one is given; False if the user stayed
        (Cancel when asked about an unsaved case on the page shown)."""
        if not self.flush():
            return False
        self.audit_id = audit_id
        self._refresh_heading()
        self._fill_cycles()
        self._stale = set(self.pages)
        RECORDER.take()  # every page reloads anyway
        at = current_stage(self.ctx.store.db, audit_id)
        self._mark_progress(at)
        self.show_stage(stage or self._landing_stage(at))
        self.changed_cases.check(audit_id)
        return True

    def _landing_stage(self, at: str) -> str:
        """Where an audit opens: its stage, unless that stage has no page yet; then the comparison
        of its cycles (or, with one cycle, its results) shows its story."""
        if _page_class(at) is not None:
            return at
        return "compare" if self.cycle_box.count() > 1 else "results"

    def flush(self) -> bool:
        """Commit the shown page's pending edits; False when the user chose to stay on it."""
        page = self.pages.get(self._shown) if self._shown else None
        return page is None or self.audit_id is None or page.flush()

    def show_stage(self, key: str) -> StagePage:
        """Switch to a stage's page (creating it on first use) and return it."""
        row = STAGE_KEYS.index(key)
        if self.steps.currentRow() != row:
            self.steps.setCurrentRow(row)  # re-enters via the slot
        else:
            self._on_steps_current_row_changed(row)  # already shown: reload it if another audit made it stale
        return self.pages[key]

    def cycle_id(self) -> int | None:
        """The chosen cycle's id, or None when the audit has no cycle yet."""
        return self.cycle_box.currentData()

    # --- internals ------------------------------------------------------------------

    def _refresh_heading(self) -> None:
        audit = get_audit(self.ctx.store.db, self.audit_id)
        extra = f" · {escape(audit.registration_number)}" if audit.registration_number else ""
        self.heading.setText(f"<b>{escape(audit.title)}</b><br><small>{STATUSES[audit.status]}{extra}"
                             f" · lead {escape(audit.lead or '—')}</small>")
        self._refresh_suggestion()

    def _refresh_suggestion(self) -> None:
        status = suggested_status(self.ctx.store.db, self.audit_id)
        if status is not None and (self.audit_id, status) in self._dismissed:
            status = None
        self.suggested = status
        if status is not None:
            self.suggestion_label.setText(suggestion_text(status))
            self.suggestion_button.setText(f"Set to {STATUSES[status]}")
        self.suggestion.setVisible(status is not None)

    def _fill_cycles(self, select: int | None = None) -> None:
        self.cycle_box.blockSignals(True)
        self.cycle_box.clear()
        cycles = list_cycles(self.ctx.store.db, self.audit_id)
        for cycle in cycles:
            self.cycle_box.addItem(cycle.title, cycle.id)
        if not cycles:
            self.cycle_box.addItem("No cycle yet", None)
        index = self.cycle_box.findData(select) if select is not None else self.cycle_box.count() - 1
        self.cycle_box.setCurrentIndex(max(index, 0))
        self._cycle_index = self.cycle_box.currentIndex()
        self.cycle_box.blockSignals(False)

    def _mark_progress(self, at: str) -> None:
        reached = STAGE_KEYS.index(at)
        for row, stage in enumerate(STAGES):
            item = self.steps.item(row)
            mark = "✓ " if row < reached else ("▶ " if row == reached else "   ")
            item.setText(f"{mark}{row + 1}. {stage.title}")
            item.setToolTip(stage.description + ("\n\nThis audit is at this stage." if row == reached else ""))

    def _page(self, key: str) -> StagePage:
        if key not in self.pages:
            cls = _page_class(key)
            page = cls(self.ctx) if cls else self._pending_page(key)
            page.data_changed.connect(lambda k=key: self._on_page_data_changed(k))
            self.pages[key] = page
            self._scrolls[key] = self._scrolling(page)
            self.stack.addWidget(self._scrolls[key])
            self._stale.add(key)
        return self.pages[key]

    @staticmethod
    def _scrolling(page: StagePage) -> QScrollArea:
        """A page in its own scroll area: a tall page scrolls on a small screen instead of growing
        the window for good (a stack is as tall as its tallest page), and never hides a control."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(page)
        return scroll

    def current_page(self) -> StagePage | None:
        """The stage page on show."""
        scroll = self.stack.currentWidget()
        return scroll.widget() if isinstance(scroll, QScrollArea) else None  # type: ignore[return-value]

    def _pending_page(self, key: str) -> PendingStagePage:
        stage = STAGES[STAGE_KEYS.index(key)]
        text = stage.description + "\n\nThis stage's screens arrive in a later version of AuditLoop."
        return PendingStagePage(self.ctx, key, stage.title, text)

    @Slot()
    def _on_suggestion_button_clicked(self) -> None:
        if self.suggested is None or self.audit_id is None:
            return
        audit = get_audit(self.ctx.store.db, self.audit_id)
        audit.status = self.suggested
        try:
            update_audit(self.ctx.store.db, audit)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._on_page_data_changed("")
        if self.current_page() is self.pages.get("plan"):
            self._on_steps_current_row_changed(self.steps.currentRow())  # the Plan page shows the status

    @Slot()
    def _on_suggestion_dismiss_clicked(self) -> None:
        if self.suggested is not None and self.audit_id is not None:
            self._dismissed.add((self.audit_id, self.suggested))
        self._refresh_suggestion()

    @Slot(int)
    def _on_steps_current_row_changed(self, row: int) -> None:
        if row < 0 or self.audit_id is None:
            return
        key = STAGE_KEYS[row]
        if self._shown not in (None, key) and not self.flush():  # the user stays on the unsaved case
            self.steps.blockSignals(True)
            self.steps.setCurrentRow(STAGE_KEYS.index(self._shown))
            self.steps.blockSignals(False)
            return
        page = self._page(key)
        if key in self._stale:
            self._stale.discard(key)
            page.load(self.audit_id, self.cycle_id())
            a11y.name_unnamed(page)  # after load: pages build some controls for the audit shown
        self.stack.setCurrentWidget(self._scrolls[key])
        self._shown = key

    @Slot(int)
    def _on_cycle_box_current_index_changed(self, index: int) -> None:
        if not self.flush():
            self.cycle_box.blockSignals(True)
            self.cycle_box.setCurrentIndex(self._cycle_index)
            self.cycle_box.blockSignals(False)
            return
        self._cycle_index = index
        self._stale = set(self.pages)
        self._on_steps_current_row_changed(self.steps.currentRow())

    def _on_page_data_changed(self, source: str) -> None:
        # The pages that show what was written (model.store.changes records every write, the
        # writer thread's too) reload lazily, when next shown; the heading and register now.
        self._stale |= (set(self.pages) & stages_showing(RECORDER.take())) - {source}
        self._refresh_heading()
        shown = [self.cycle_box.itemData(i) for i in range(self.cycle_box.count())]
        stored = [c.id for c in list_cycles(self.ctx.store.db, self.audit_id)] or [None]
        if shown != stored:  # a cycle was added or removed (the first replaces "No cycle yet")
            self._fill_cycles()
        self._mark_progress(current_stage(self.ctx.store.db, self.audit_id))
        self.audit_changed.emit()
