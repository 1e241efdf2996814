"""Stage 1, Plan: the audit as the department registers it, and each cycle's period and sample.

Every edit is saved at once. A value the model refuses (an empty title, an abandoned audit
without a reason) is shown in red beside its field and nothing is stored until it is fixed.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._plan_cycles import CyclesPanel
from gui.stages._plan_widgets import (
    OK_STYLE,
    WARNING_STYLE,
    CommitTextEdit,
    OptionalDateEdit,
    choice_combo,
    error_label,
    fill_standards,
    scroll_page,
    set_message,
    standard_combo,
    with_message,
)
from gui.stages.base import StagePage
from model.core.errors import KnownError
from model.plan import audits as audits_model
from model.plan.audits import AUDIT_TESTS, AUDIT_TYPES, KEEP_IDENTIFIERS_WARNING, PRIORITIES, STATUSES, Audit
from model.plan.cycles import list_cycles, standard_version_notes
from model.plan.standards import list_standards

TEXT_FIELDS = ("title", "specialty", "directorate", "lead", "supervisor", "team", "registration_number",
               "abandoned_reason")
LONG_TEXT_FIELDS = ("aim", "objectives", "ig_notes", "notes")
DATE_LABELS = {"registered_on": "Registered", "approved_on": "Approved", "collection_start": "Data collection starts",
               "collection_end": "Data collection ends", "report_due": "Report due", "reaudit_due": "Re-audit due"}
INFO_STYLE = "background: #e8f1fb; border: 1px solid #9cc3e6; border-radius: 4px; padding: 6px; color: #17324d;"
CHOICE_FIELDS = {"audit_type": AUDIT_TYPES, "priority": PRIORITIES, "status": STATUSES}


class AuditDetailsPanel(QWidget):
    """Every field of the audit's register entry, saved as it is edited.

    Signals:
        saved(): the audit was stored.
        library_requested(): the user wants the standards library.
    """

    saved = Signal()
    library_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit: Audit | None = None
        self._loading = False
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._build()
        self._connect_signals()

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        self._make_field_widgets()
        grid = QGridLayout()
        grid.addWidget(self._about_group(), 0, 0)
        grid.addWidget(self._people_group(), 1, 0)
        grid.addWidget(self._registration_group(), 2, 0)
        grid.addWidget(self._dates_group(), 0, 1)
        grid.addWidget(self._tests_group(), 1, 1)
        grid.addWidget(self._governance_group(), 2, 1)
        grid.addWidget(self._notes_group(), 3, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(4, 1)
        scroll_page(self, grid)

    def _make_field_widgets(self) -> None:
        for name in TEXT_FIELDS:
            self.fields[name] = QLineEdit()
        for name in LONG_TEXT_FIELDS:
            self.fields[name] = CommitTextEdit(lines=2 if name == "notes" else 3)
        for name, choices in CHOICE_FIELDS.items():
            self.fields[name] = choice_combo(choices)
        for name in DATE_LABELS:
            self.fields[name] = OptionalDateEdit()
        self.standard = standard_combo(30)
        self.library_button = QPushButton("Standards library…")
        self.tests = {key: QCheckBox(text) for key, text in AUDIT_TESTS.items()}
        self.tests_message = QLabel(wordWrap=True)
        self.keep_identifiers = QCheckBox("Keep patient identifiers in this file")
        self.identifiers_warning = QLabel(KEEP_IDENTIFIERS_WARNING, wordWrap=True)
        self.identifiers_warning.setStyleSheet(WARNING_STYLE)
        self.small_numbers = QSpinBox(minimum=0, maximum=100, keyboardTracking=False)
        self.small_numbers.setToolTip("Counts below this are suppressed before results are shared.")
        self.rag_tolerance = QDoubleSpinBox(minimum=0, maximum=100, decimals=1, singleStep=1, keyboardTracking=False)
        self.rag_tolerance.setSuffix(" percentage points")
        self.rag_tolerance.setToolTip("Amber when compliance is below target by no more than this; red beyond.")
        for spin in (self.small_numbers, self.rag_tolerance):
            spin.setMaximumWidth(200)
        self.fields["title"].setPlaceholderText("e.g. VTE risk assessment in medical admissions")
        self.fields["abandoned_reason"].setPlaceholderText("Needed when the status is Abandoned")
        for name in (*TEXT_FIELDS, *LONG_TEXT_FIELDS, *CHOICE_FIELDS, *DATE_LABELS, "rag_tolerance",
                     "small_number_threshold"):
            self.errors[name] = error_label()

    def _form(self, title: str, rows: list[tuple[str, str | None, QWidget]]) -> QGroupBox:
        group = QGroupBox(title)
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        for label, name, widget in rows:
            form.addRow(label, with_message(widget, self.errors[name]) if name in self.errors else widget)
        return group

    def _row(self, label: str, name: str) -> tuple[str, str, QWidget]:
        return label, name, self.fields[name]

    def _about_group(self) -> QGroupBox:
        standard_row = QWidget()
        row = QHBoxLayout(standard_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.standard, 1)
        row.addWidget(self.library_button)
        return self._form("The audit", [self._row("Title", "title"), self._row("Aim", "aim"),
                                        self._row("Objectives", "objectives"), self._row("Specialty", "specialty"),
                                        self._row("Directorate", "directorate"),
                                        ("Standard", None, standard_row)])

    def _people_group(self) -> QGroupBox:
        return self._form("People", [self._row("Audit lead", "lead"), self._row("Supervisor", "supervisor"),
                                     self._row("Team", "team")])

    def _registration_group(self) -> QGroupBox:
        return self._form("Registration", [
            self._row("Registration number", "registration_number"), self._row("Type", "audit_type"),
            self._row("Priority", "priority"), self._row("Status", "status"),
            self._row("Reason abandoned", "abandoned_reason")])

    def _dates_group(self) -> QGroupBox:
        return self._form("Key dates", [self._row(label, name) for name, label in DATE_LABELS.items()])

    def _tests_group(self) -> QGroupBox:
        group = QGroupBox("Audit, not research (HQIP)")
        layout = QVBoxLayout(group)
        layout.addWidget(QLabel("Tick each statement that is true of this project:", wordWrap=True))
        for box in self.tests.values():
            layout.addWidget(box)
        layout.addWidget(self.tests_message)
        return group

    def _governance_group(self) -> QGroupBox:
        group = self._form("Information governance and reporting", [
            self._row("IG notes", "ig_notes"), ("Identifiers", None, self.keep_identifiers),
            ("", None, self.identifiers_warning),
            ("Small-number threshold", "small_number_threshold", self.small_numbers),
            ("Amber tolerance (RAG)", "rag_tolerance", self.rag_tolerance)])
        self.fields["ig_notes"].setPlaceholderText("What identifiers are collected, where the data is stored")
        return group

    def _notes_group(self) -> QGroupBox:
        return self._form("Notes", [self._row("Notes", "notes")])

    def _connect_signals(self) -> None:
        for name in (*TEXT_FIELDS, *LONG_TEXT_FIELDS):
            self.fields[name].editingFinished.connect(self._on_field_edited)
        for name in CHOICE_FIELDS:
            self.fields[name].currentIndexChanged.connect(self._on_field_edited)
        for name in DATE_LABELS:
            self.fields[name].changed.connect(self._on_field_edited)
        for box in self.tests.values():
            box.toggled.connect(self._on_field_edited)
        self.standard.currentIndexChanged.connect(self._on_field_edited)
        self.small_numbers.valueChanged.connect(self._on_field_edited)
        self.rag_tolerance.valueChanged.connect(self._on_field_edited)
        self.keep_identifiers.toggled.connect(self._on_keep_identifiers_toggled)
        self.library_button.clicked.connect(self.library_requested)

    # --- showing ----------------------------------------------------------------------------

    def load(self, audit: Audit) -> None:
        """Show an audit's fields (nothing is saved while filling them)."""
        self._loading = True
        try:
            self.audit = audit
            for name in TEXT_FIELDS:
                self.fields[name].setText(getattr(audit, name))
            for name in LONG_TEXT_FIELDS:
                self.fields[name].set_text(getattr(audit, name))
            for name in CHOICE_FIELDS:
                box = self.fields[name]
                box.setCurrentIndex(box.findData(getattr(audit, name)))
            for name in DATE_LABELS:
                self.fields[name].set_value(getattr(audit, name))
            self._load_extras(audit)
        finally:
            self._loading = False
        self._show_problems({})
        self._refresh_notes()

    def _load_extras(self, audit: Audit) -> None:
        self.fill_standards()
        for key, ticked in audits_model.audit_tests(audit).items():
            self.tests[key].setChecked(ticked)
        self.keep_identifiers.setChecked(audit.keep_identifiers)
        self.small_numbers.setValue(audit.small_number_threshold)
        self.rag_tolerance.setValue(audit.rag_tolerance)
        completer = QCompleter(audits_model.specialties(self.ctx.store.db), self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.fields["specialty"].setCompleter(completer)

    def fill_standards(self) -> None:
        """Re-read the library into the Standard box, keeping the audit's choice."""
        loading, self._loading = self._loading, True
        fill_standards(self.standard, list_standards(self.ctx.store.db), "No standard chosen yet")
        chosen = self.audit.standard_id if self.audit else None
        self.standard.setCurrentIndex(max(0, self.standard.findData(chosen)))
        self._loading = loading

    def _refresh_notes(self) -> None:
        answers = {key: box.isChecked() for key, box in self.tests.items()}
        message = audits_model.audit_test_message(answers)
        self.tests_message.setText(message or "Confirmed: this is audit.")
        self.tests_message.setStyleSheet(WARNING_STYLE if message == audits_model.RESEARCH_WARNING else
                                         ("" if message else OK_STYLE))
        self.identifiers_warning.setVisible(self.keep_identifiers.isChecked())
        abandoned = self.fields["status"].currentData() == "abandoned"
        self.fields["abandoned_reason"].setEnabled(abandoned or bool(self.fields["abandoned_reason"].text()))

    def _show_problems(self, problems: dict[str, str]) -> None:
        for name, label in self.errors.items():
            set_message(label, problems.get(name, ""))

    # --- saving -----------------------------------------------------------------------------

    def form_audit(self) -> Audit:
        """The audit as the form now shows it (not yet saved)."""
        assert self.audit is not None
        values: dict[str, object] = {name: self.fields[name].text().strip() for name in TEXT_FIELDS}
        values |= {name: self.fields[name].toPlainText().strip() for name in LONG_TEXT_FIELDS}
        values |= {name: self.fields[name].currentData() for name in CHOICE_FIELDS}
        values |= {name: self.fields[name].value() for name in DATE_LABELS}
        candidate = replace(self.audit, standard_id=self.standard.currentData(),
                            keep_identifiers=self.keep_identifiers.isChecked(),
                            small_number_threshold=self.small_numbers.value(),
                            rag_tolerance=self.rag_tolerance.value(), **values)
        return audits_model.set_audit_tests(candidate, {k: b.isChecked() for k, b in self.tests.items()})

    def flush(self) -> None:
        """Save what the fields show now (a value still being typed included)."""
        self._on_field_edited()

    @Slot()
    def _on_field_edited(self) -> None:
        if self._loading or self.audit is None:
            return
        self._refresh_notes()
        candidate = self.form_audit()
        problems = audits_model.field_problems(candidate)
        self._show_problems(problems)
        if problems or candidate == self.audit:
            return
        try:
            audits_model.update_audit(self.ctx.store.db, candidate)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.audit = candidate
        self.saved.emit()

    @Slot(bool)
    def _on_keep_identifiers_toggled(self, checked: bool) -> None:
        if not self._loading and checked and not dialogs.ask(
                self, "Keep patient identifiers?", KEEP_IDENTIFIERS_WARNING + "\n\nKeep identifiers?"):
            self._loading = True
            self.keep_identifiers.setChecked(False)
            self._loading = False
            return
        self._on_field_edited()


class PlanPage(StagePage):
    """The Plan stage: the audit's register entry and its cycles with their samples."""

    key = "plan"
    title = "Plan"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._audit_dates: tuple[str | None, str | None] = (None, None)
        self._period: tuple[str | None, str | None] | None = None  # None: the audit has no cycle
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        self.banner = QLabel(wordWrap=True)
        self.banner.setStyleSheet(WARNING_STYLE)
        self.banner.hide()
        self.filled_note = QLabel(wordWrap=True)  # says when one set of collection dates filled the other
        self.filled_note.setStyleSheet(INFO_STYLE)
        self.filled_note.hide()
        self.details = AuditDetailsPanel(self.ctx)
        self.cycles = CyclesPanel(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.details, "Audit details")
        self.tabs.addTab(self.cycles, "Cycles and sampling")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.filled_note)
        layout.addWidget(self.tabs, 1)

    def _connect_signals(self) -> None:
        self.details.saved.connect(self._on_details_saved)
        self.details.library_requested.connect(self._on_details_library_requested)
        self.cycles.changed.connect(self._on_cycles_changed)
        self.cycles.library_requested.connect(self._on_details_library_requested)

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show the audit's details and cycles."""
        super().load(audit_id, cycle_id)
        if audit_id is None:
            return
        self.details.load(audits_model.get_audit(self.ctx.store.db, audit_id))
        self.cycles.load(audit_id, cycle_id)
        set_message(self.filled_note, "")
        self._remember_dates()
        self._refresh_banner()

    def flush(self) -> bool:
        """Save the audit's and the selected cycle's fields as they are shown."""
        super().flush()
        self.details.flush()
        self.cycles.flush()
        return True

    def show_cycles_tab(self) -> None:
        """Switch to the Cycles and sampling tab."""
        self.tabs.setCurrentWidget(self.cycles)

    def _refresh_banner(self) -> None:
        db = self.ctx.store.db
        cycles = list_cycles(db, self.audit_id)
        notes = standard_version_notes(cycles, {s.id: s for s in list_standards(db)})
        set_message(self.banner, "\n".join(notes))
        self.cycles.show_dates_note(audits_model.collection_dates_note(audits_model.get_audit(db, self.audit_id),
                                                                       cycles))

    def _remember_dates(self) -> None:
        # What each side held when last seen, so only a change the user made fills the other side.
        audit = audits_model.get_audit(self.ctx.store.db, self.audit_id)
        first = next(iter(list_cycles(self.ctx.store.db, self.audit_id)), None)
        self._audit_dates = (audit.collection_start, audit.collection_end)
        self._period = (first.period_start, first.period_end) if first is not None else None

    def _fill_other_dates(self) -> None:
        """After the user changed one set of collection dates, fill the empty ends of the other."""
        db = self.ctx.store.db
        audit = audits_model.get_audit(db, self.audit_id)
        first = next(iter(list_cycles(db, self.audit_id)), None)
        new_first = first is not None and self._period is None  # "Start the first cycle" was pressed
        if new_first or (audit.collection_start, audit.collection_end) != self._audit_dates:
            cycle_filled = audits_model.fill_cycle_period_from_audit(db, self.audit_id) is not None
            if cycle_filled:
                self.cycles.load(self.audit_id, self.cycles.cycle.id if self.cycles.cycle else None)
            # A later change of either set of dates makes an earlier "was set from" out of date.
            set_message(self.filled_note, audits_model.CYCLE_FILLED_MESSAGE if cycle_filled else "")
        elif first is not None and (first.period_start, first.period_end) != self._period:
            filled = audits_model.fill_audit_dates_from_cycle(db, first.id)
            if filled is not None:
                self.details.load(filled)
            set_message(self.filled_note, audits_model.AUDIT_FILLED_MESSAGE if filled is not None else "")
        self._remember_dates()

    @Slot()
    def _on_details_saved(self) -> None:
        self._fill_other_dates()
        self._refresh_banner()
        self.data_changed.emit()

    @Slot()
    def _on_cycles_changed(self) -> None:
        self._fill_other_dates()
        self._refresh_banner()
        self.data_changed.emit()

    @Slot()
    def _on_details_library_requested(self) -> None:
        from gui.standards_dialog import StandardsDialog

        StandardsDialog(self.ctx, self).exec()
        self.details.fill_standards()
        self.cycles.fill_standards()
        self._refresh_banner()
