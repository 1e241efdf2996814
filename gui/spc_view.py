"""The "Over time (SPC)" view: one criterion's compliance by month or week across all cycles.

Embedded by the Compare stage as a tab. The series is read and the chart computed in a
background task (its own store connection); the figure is drawn here, on the GUI thread.
Changing a control recomputes from the cached series without reading the database again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.charts import ChartActions, ChartCanvas
from gui.context import AppContext
from gui.tasks import run_task
from model.compare import chart_notes
from model.compare.spc import SpcResult
from model.compare.spc_drawing import draw_run_chart, draw_spc
from model.compare.spc_series import SpcSeries, criterion_series
from model.compare.spc_series_charts import (
    CHART_NAMES,
    ChartKind,
    PhasedRunChart,
    build_chart,
    chart_reason,
    choose_chart,
)
from model.compare.spc_series_reading import reading
from model.core.errors import KnownError
from model.core.progress import Progress
from model.core.util import today
from model.plan.criteria import list_criteria
from model.plan.cycles import list_cycles
from model.store.store import Store

CHART_CHOICES = (("Auto", ""), ("p-chart", "p"), ("XmR", "xmr"), ("Run chart", "run"))
BUCKETS = (("Month", "month"), ("Week", "week"))


@dataclass(frozen=True)
class SpcOutcome:
    """What the background task hands back: plain data, drawn on the GUI thread."""

    series: SpcSeries
    kind: ChartKind
    auto_kind: ChartKind
    result: SpcResult | PhasedRunChart
    text: str


@dataclass(frozen=True)
class NoteRequest:
    """A chart note the user typed in the Add note dialog."""

    on_date: str
    label: str
    this_criterion_only: bool


def compute_spc(progress: Progress, store: Store, audit_id: int, lineage: str, bucket: str, kind: str,
                rebase: bool, screen: bool, cached: SpcSeries | None) -> SpcOutcome:
    """Background work: read the series (unless cached), pick and compute the chart, write the reading."""
    series = cached
    if series is None:
        progress.report(0, 2, "Reading the answers…")
        with store.connect() as db:
            series = criterion_series(db, audit_id, lineage, bucket=bucket)  # type: ignore[arg-type]
    progress.report(1, 2, "Computing the chart…")
    auto = choose_chart(series)
    chosen: ChartKind = kind or auto  # type: ignore[assignment]
    result = build_chart(series, chosen, rebase=rebase, screen=screen)
    return SpcOutcome(series, chosen, auto, result, reading(series, result))


class NoteDialog(QDialog):
    """Date and a few words for a chart note."""

    def __init__(self, parent: QWidget | None, default: date) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a chart note")
        self.date_edit = QDateEdit(QDate(default.year, default.month, default.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText("What happened, e.g. New admission proforma")
        self.label_edit.setMaxLength(chart_notes.MAX_LABEL)
        self.only_this = QCheckBox("Only on this criterion's chart")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Date:", self.date_edit)
        form.addRow("Note:", self.label_edit)
        form.addRow("", self.only_this)
        form.addRow(buttons)

    def request(self) -> NoteRequest:
        """The note as typed."""
        return NoteRequest(self.date_edit.date().toString("yyyy-MM-dd"), self.label_edit.text(),
                           self.only_this.isChecked())


def ask_note(parent: QWidget | None, default: date) -> NoteRequest | None:
    """Ask for a chart note; None when cancelled (tests replace this function)."""
    dialog = NoteDialog(parent, default)
    return dialog.request() if dialog.exec() == QDialog.Accepted else None


def note_text(note: chart_notes.ChartNote) -> str:
    """A note as listed: "12 Aug 2025 — New proforma (this criterion)"."""
    day = QDate.fromString(note.on_date, "yyyy-MM-dd").toString("d MMM yyyy")
    return f"{day} — {note.label} ({'this criterion' if note.criterion_lineage else 'every criterion'})"


class DeleteNoteDialog(QDialog):
    """Pick one of the chart's notes to delete (arrow keys to choose, Enter to delete)."""

    def __init__(self, parent: QWidget | None, notes: list[chart_notes.ChartNote]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delete a chart note")
        self.notes = notes
        self.note_list = QListWidget()
        self.note_list.setAccessibleName("Chart notes")
        for note in notes:
            self.note_list.addItem(QListWidgetItem(note_text(note)))
        self.note_list.setCurrentRow(0)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.delete_button = self.buttons.button(QDialogButtonBox.Ok)
        self.delete_button.setText("Delete")
        self.delete_button.setAccessibleName("Delete the chosen chart note")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.note_list.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Notes on this chart:"))
        layout.addWidget(self.note_list)
        layout.addWidget(self.buttons)
        self.note_list.setFocus()

    def chosen(self) -> chart_notes.ChartNote | None:
        """The highlighted note."""
        row = self.note_list.currentRow()
        return self.notes[row] if 0 <= row < len(self.notes) else None


def ask_note_to_delete(parent: QWidget | None, notes: list[chart_notes.ChartNote]) -> chart_notes.ChartNote | None:
    """Ask which note to delete; None when cancelled (tests replace this function)."""
    dialog = DeleteNoteDialog(parent, notes)
    return dialog.chosen() if dialog.exec() == QDialog.Accepted else None


class SpcView(QWidget):
    """SPC chart of one criterion over time, with its plain-English reading.

    Attributes:
        outcome: the last computed chart (None until the first result arrives).
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.cycle_id: int | None = None
        self.outcome: SpcOutcome | None = None
        self._cache: dict[tuple[str, str], SpcSeries] = {}
        self._request = 0  # only the latest request's result is shown
        self._build_ui()
        self._connect_signals()

    # ------------------------------------------------------------------ layout

    def _build_ui(self) -> None:
        self.criterion_box = QComboBox()
        self.criterion_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.criterion_box.setMinimumContentsLength(16)
        self.bucket_box = QComboBox()
        for text, key in BUCKETS:
            self.bucket_box.addItem(text, key)
        self.kind_box = QComboBox()
        for text, key in CHART_CHOICES:
            self.kind_box.addItem(text, key)
        self.rebase_check = QCheckBox("Rebase at each cycle")
        self.rebase_check.setChecked(True)
        self.rebase_check.setToolTip("Recalculate the mean and limits (a run chart's median) from the start of "
                                     "every cycle.")
        self.screen_check = QCheckBox("Screen moving ranges")
        self.screen_check.setChecked(True)
        self.screen_check.setToolTip("XmR only: leave unusually large jumps out when setting the limits.")
        self.choice_label = QLabel()
        self.choice_label.setWordWrap(True)
        self.choice_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.note_button = QPushButton("Add note…")
        self.note_button.setAccessibleName("Add a chart note")
        self.delete_note_button = QPushButton("Delete note…")
        self.delete_note_button.setAccessibleName("Delete a chart note")
        self.delete_note_button.setToolTip("Remove one of the notes shown on this chart.")
        self.delete_note_button.setEnabled(False)
        self.chart = ChartCanvas(self, figsize=(9, 4.6), name="SPC chart", min_height=320)
        self.chart_actions = ChartActions(self.chart, "spc-chart.png")
        self.export_button = self.chart_actions.export_button
        self.copy_button = self.chart_actions.copy_button
        self.reading_label = QLabel()
        self.reading_label.setWordWrap(True)
        self.reading_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        controls = QHBoxLayout()
        for label, widget in (("Criterion:", self.criterion_box), ("By:", self.bucket_box),
                              ("Chart:", self.kind_box)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget, 1 if widget is self.criterion_box else 0)
        # The options get the second row; the chart's own buttons sit under its reading.
        actions = QHBoxLayout()
        actions.addWidget(self.rebase_check)
        actions.addWidget(self.screen_check)
        actions.addStretch(1)
        actions.addWidget(self.note_button)
        actions.addWidget(self.delete_note_button)
        chart_buttons = QHBoxLayout()
        chart_buttons.addWidget(self.chart_actions)
        chart_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(actions)
        layout.addWidget(self.choice_label)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.reading_label)
        layout.addLayout(chart_buttons)

    def _connect_signals(self) -> None:
        self.criterion_box.currentIndexChanged.connect(self._on_criterion_box_changed)
        self.bucket_box.currentIndexChanged.connect(self._on_criterion_box_changed)
        self.kind_box.currentIndexChanged.connect(self._on_option_changed)
        self.rebase_check.toggled.connect(self._on_option_changed)
        self.screen_check.toggled.connect(self._on_option_changed)
        self.note_button.clicked.connect(self._on_note_button_clicked)
        self.delete_note_button.clicked.connect(self._on_delete_note_button_clicked)

    # ------------------------------------------------------------------ loading

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show an audit's criteria (those of `cycle_id`, else the latest cycle) and chart the first."""
        self.audit_id, self.cycle_id = audit_id, cycle_id
        self._cache.clear()
        self._request += 1  # whatever is still computing belongs to the previous audit
        if audit_id is None:
            self.criterion_box.clear()
            self._show_empty("Open an audit to chart its criteria over time.")
            return
        db = self.ctx.store.db
        if cycle_id is None:
            cycles = list_cycles(db, audit_id)
            cycle_id = cycles[-1].id if cycles else None
        criteria = list_criteria(db, cycle_id) if cycle_id is not None else []
        previous = self.criterion_box.currentData()
        self.criterion_box.blockSignals(True)
        self.criterion_box.clear()
        for c in criteria:
            self.criterion_box.addItem(c.label, c.lineage)
            self.criterion_box.setItemData(self.criterion_box.count() - 1, c.statement, Qt.ToolTipRole)
        keep = self.criterion_box.findData(previous)
        self.criterion_box.setCurrentIndex(max(keep, 0))
        self.criterion_box.blockSignals(False)
        if not criteria:
            self._show_empty("This cycle has no criteria yet: add them on the Criteria stage.")
            return
        self.refresh()

    def refresh(self) -> None:
        """Recompute the chart for the current controls (in the background)."""
        lineage = self.criterion_box.currentData()
        if self.audit_id is None or not lineage:
            return
        bucket = self.bucket_box.currentData()
        self._request += 1
        request = self._request
        run_task(self, compute_spc, self.ctx.store, self.audit_id, lineage, bucket, self.kind_box.currentData(),
                 self.rebase_check.isChecked(), self.screen_check.isChecked(), self._cache.get((lineage, bucket)),
                 on_success=lambda outcome: self._on_task_done(request, outcome),
                 title="Drawing the SPC chart…")

    def _on_task_done(self, request: int, outcome: SpcOutcome) -> None:
        if request != self._request:
            return  # a newer request is on its way
        self._cache[(outcome.series.lineage, outcome.series.bucket)] = outcome.series
        self.outcome = outcome
        self._draw(outcome)

    def _draw(self, outcome: SpcOutcome) -> None:
        if outcome.series.n_points == 0:
            self.chart.figure.clear()
        elif isinstance(outcome.result, PhasedRunChart):
            draw_run_chart(self.chart.figure, outcome.series, outcome.result)
        else:
            draw_spc(self.chart.figure, outcome.series, outcome.result)
        self.chart.redraw()
        self.reading_label.setText(outcome.text)
        self.chart.set_reading(outcome.text)
        self.screen_check.setEnabled(outcome.kind == "xmr")
        self.delete_note_button.setEnabled(any(e.kind == "note" for e in outcome.series.events))
        self.choice_label.setText(self._choice_text(outcome))

    def _choice_text(self, outcome: SpcOutcome) -> str:
        if outcome.series.n_points == 0:
            return ""
        why = chart_reason(outcome.series, outcome.auto_kind)
        if self.kind_box.currentData():
            name = CHART_NAMES[outcome.kind]
            return f"Showing {_article(name)} {name}. Auto would choose {_article(why)} {why}"
        return f"Auto chose {_article(why)} {why}"

    def _show_empty(self, text: str) -> None:
        self.outcome = None
        self.delete_note_button.setEnabled(False)
        self.chart.figure.clear()
        self.chart.redraw()
        self.choice_label.setText("")
        self.reading_label.setText(text)
        self.chart.set_reading(text)

    # ------------------------------------------------------------------ slots

    def _on_criterion_box_changed(self, _index: int) -> None:
        self.refresh()

    def _on_option_changed(self, *_args: object) -> None:
        self.refresh()

    def _on_note_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        note = ask_note(self, today())
        if note is None:
            return
        lineage = self.criterion_box.currentData() if note.this_criterion_only else None
        try:
            chart_notes.add_note(self.ctx.store.db, self.audit_id, note.on_date, note.label, lineage=lineage)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._cache.clear()  # markers are part of the series
        self.refresh()

    def _on_delete_note_button_clicked(self) -> None:
        lineage = self.criterion_box.currentData()
        if self.audit_id is None or not lineage:
            return
        notes = chart_notes.list_notes(self.ctx.store.db, self.audit_id, lineage=lineage)
        note = ask_note_to_delete(self, notes) if notes else None
        if note is None:
            return
        where = "this criterion's chart" if note.criterion_lineage else "every criterion's chart"
        if not dialogs.ask(self, "Delete chart note", f"Delete the note “{note.label}” ({note.on_date}) from "
                                                      f"{where}? This cannot be undone."):
            return
        chart_notes.delete_note(self.ctx.store.db, note.id)
        self._cache.clear()  # markers are part of the series
        self.refresh()


def _article(text: str) -> str:
    """'an' before 'XmR …' (said "ex-em-ar"), else 'a'."""
    return "an" if text.startswith("XmR") else "a"
