"""The Plan stage's Cycles tab: each cycle's period, method and sample, and re-audit cycles."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._plan_widgets import (
    CyclesTableModel,
    OptionalDateEdit,
    choice_combo,
    error_label,
    fill_standards,
    scroll_page,
    set_message,
    standard_combo,
    with_message,
)
from gui.table_models import read_only_table
from model.core.errors import KnownError
from model.plan import cycles as cycles_model
from model.plan.criteria import list_criteria
from model.plan.cycles import CYCLE_STATUSES, METHODS, SAMPLING_METHODS, Cycle
from model.plan.sampling import (
    SampleSelection,
    explain_sample_size,
    parse_case_list,
    sample_size,
    select_random,
    select_systematic,
)
from model.plan.standards import Standard, list_standards

CONFIDENCES = {0.90: "90%", 0.95: "95%", 0.99: "99%"}
MAX_CASES = 1_000_000
NOTE_STYLE = "color: #4d3800; background: #fffaf0; border-left: 3px solid #e0b000; padding: 4px 6px;"


def _count_box() -> QSpinBox:
    """A whole-number box where 0 shows as "not set"."""
    box = QSpinBox(minimum=0, maximum=MAX_CASES, keyboardTracking=False)
    box.setSpecialValueText("not set")
    box.setMaximumWidth(160)
    return box


class CyclesPanel(QWidget):
    """Cycles list, the selected cycle's plan, the sample-size calculator and sample selection.

    Signals:
        changed(): a cycle was added or saved.
        library_requested(): the user wants the standards library.
    """

    changed = Signal()
    library_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.cycle: Cycle | None = None
        self.standards: dict[int, Standard] = {}
        self.computed_n: int | None = None
        self._calc_touched = False  # no red message for N = 0 until the user uses the calculator
        self.selection: list[str] = []
        self._loading = False
        self._build()
        self._connect_signals()

    # --- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        grid = QGridLayout()
        grid.addWidget(self._cycles_group(), 0, 0, 1, 2)
        grid.addWidget(self._cycle_group(), 1, 0)
        grid.addWidget(self._calculator_group(), 1, 1)
        grid.addWidget(self._selection_group(), 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        scroll_page(self, grid)

    def _cycles_group(self) -> QGroupBox:
        self.table_model = CyclesTableModel()
        self.table = read_only_table(self.table_model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.next_cycle_button = QPushButton("Start re-audit cycle…")
        self.next_cycle_button.setToolTip("A new cycle with the same criteria, so the results can be compared.")
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Select a cycle to edit its plan below."))
        buttons.addStretch(1)
        buttons.addWidget(self.next_cycle_button)
        self.dates_note = QLabel(wordWrap=True)  # the audit's key dates match no cycle's period
        self.dates_note.setStyleSheet(NOTE_STYLE)
        self.dates_note.hide()
        group = QGroupBox("Cycles")
        layout = QVBoxLayout(group)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.dates_note)
        return group

    def _cycle_group(self) -> QGroupBox:
        self.label = QLineEdit(placeholderText="e.g. Re-audit after the new proforma")
        self.period_start, self.period_end = OptionalDateEdit(), OptionalDateEdit()
        self.method, self.status = choice_combo(METHODS), choice_combo(CYCLE_STATUSES)
        self.sampling_method = choice_combo(SAMPLING_METHODS)
        self.standard = standard_combo(24)
        self.standard_version = QLabel()
        self.current_version_button = QPushButton("Use the library's version")
        self.population, self.planned = _count_box(), _count_box()
        self.cycle_error = error_label()
        version_row = QWidget()
        row = QHBoxLayout(version_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.standard_version, 1)
        row.addWidget(self.current_version_button)
        self.cycle_box = QGroupBox("Selected cycle")
        form = QFormLayout(self.cycle_box)
        for text, widget in (("Label", self.label), ("Collection starts", self.period_start),
                             ("Collection ends", self.period_end), ("Method", self.method), ("Status", self.status),
                             ("Standard", self.standard), ("", version_row), ("Eligible cases (N)", self.population),
                             ("Planned sample", self.planned), ("Sampling method", self.sampling_method)):
            form.addRow(text, widget)
        form.addRow("", self.cycle_error)
        return self.cycle_box

    def _calculator_group(self) -> QGroupBox:
        self.calc_population = QSpinBox(minimum=0, maximum=MAX_CASES)
        self.calc_expected = QDoubleSpinBox(minimum=0, maximum=100, decimals=1, value=50, suffix=" %")
        self.calc_margin = QDoubleSpinBox(minimum=0.5, maximum=50, decimals=1, value=5, suffix=" %")
        self.calc_confidence = QComboBox()
        for value, text in CONFIDENCES.items():
            self.calc_confidence.addItem(text, value)
        self.calc_confidence.setCurrentIndex(1)
        for widget in (self.calc_population, self.calc_expected, self.calc_margin, self.calc_confidence):
            widget.setMaximumWidth(160)
        self.calc_result = QLabel("—")
        self.calc_result.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.calc_error = error_label()
        self.calc_explain = QLabel(wordWrap=True)
        self.calc_explain.setStyleSheet("color: #444;")
        self.use_sample_button = QPushButton("Use as planned sample")
        group = QGroupBox("Sample size calculator")
        form = QFormLayout(group)
        form.addRow("Eligible cases (N)", with_message(self.calc_population, self.calc_error))
        form.addRow("Expected compliance", self.calc_expected)
        form.addRow("Margin of error (±)", self.calc_margin)
        form.addRow("Confidence", self.calc_confidence)
        form.addRow("Sample needed", self.calc_result)
        form.addRow(self.calc_explain)
        form.addRow("", self.use_sample_button)
        return group

    def _selection_group(self) -> QGroupBox:
        self.cases = QPlainTextEdit(placeholderText="Paste the eligible cases' references here, one per line "
                                                    "(e.g. hospital numbers from the coding list)…")
        self.cases.setFixedHeight(130)
        self.load_cases_button = QPushButton("Load list from file…")
        self.cases_count = QLabel("No cases listed yet.")
        self.select_method = QComboBox()
        self.select_method.addItem("Simple random sample", "random")
        self.select_method.addItem("Systematic (every k-th case)", "systematic")
        self.select_n = QSpinBox(minimum=1, maximum=MAX_CASES)
        self.select_n.setMaximumWidth(160)
        self.seed = QLineEdit(placeholderText="blank = new random seed")
        self.draw_button = QPushButton("Draw sample")
        self.select_error = error_label()
        self.selection_text = QLabel("No sample drawn for this cycle yet.", wordWrap=True)
        self.selected_list = QPlainTextEdit(readOnly=True)
        self.selected_list.setFixedHeight(130)
        self.copy_button = QPushButton("Copy selection")
        group = QGroupBox("Random sample selection")
        grid = QGridLayout(group)
        grid.addWidget(QLabel("Eligible cases"), 0, 0)
        grid.addWidget(self.cases, 1, 0)
        grid.addLayout(self._selection_controls(), 2, 0)
        grid.addWidget(QLabel("Selected sample (saved with the cycle)"), 0, 1)
        grid.addWidget(self.selected_list, 1, 1)
        result_row = QHBoxLayout()
        result_row.addWidget(self.selection_text, 1)
        result_row.addWidget(self.copy_button)
        grid.addLayout(result_row, 2, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        return group

    def _selection_controls(self) -> QVBoxLayout:
        top = QHBoxLayout()
        top.addWidget(self.load_cases_button)
        top.addWidget(self.cases_count, 1)
        form = QFormLayout()
        form.addRow("Method", self.select_method)
        form.addRow("Cases to select", self.select_n)
        form.addRow("Seed", self.seed)
        form.addRow("", self.draw_button)
        form.addRow("", self.select_error)
        box = QVBoxLayout()
        box.addLayout(top)
        box.addLayout(form)
        return box

    def _connect_signals(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.next_cycle_button.clicked.connect(self._on_next_cycle_button_clicked)
        self.label.editingFinished.connect(self._on_cycle_edited)
        for date_edit in (self.period_start, self.period_end):
            date_edit.changed.connect(self._on_cycle_edited)
        for box in (self.method, self.status, self.sampling_method, self.standard):
            box.currentIndexChanged.connect(self._on_cycle_edited)
        for spin in (self.population, self.planned):
            spin.valueChanged.connect(self._on_cycle_edited)
        self.current_version_button.clicked.connect(self._on_current_version_button_clicked)
        for spin in (self.calc_population, self.calc_expected, self.calc_margin):
            spin.valueChanged.connect(self._on_calculator_edited)
        self.calc_confidence.currentIndexChanged.connect(self._on_calculator_edited)
        self.use_sample_button.clicked.connect(self._on_use_sample_button_clicked)
        self.cases.textChanged.connect(self._on_cases_text_changed)
        self.load_cases_button.clicked.connect(self._on_load_cases_button_clicked)
        self.draw_button.clicked.connect(self._on_draw_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)

    # --- showing ----------------------------------------------------------------------------

    def load(self, audit_id: int, cycle_id: int | None) -> None:
        """Show an audit's cycles and select `cycle_id` (or the latest)."""
        self.audit_id = audit_id
        self.fill_standards()
        self._reload_table(cycle_id)

    def show_dates_note(self, text: str) -> None:
        """Show (or hide, for "") the gentle note about the audit's collection dates."""
        set_message(self.dates_note, text)

    def fill_standards(self) -> None:
        """Re-read the library into the Standard box."""
        self.standards = {s.id: s for s in list_standards(self.ctx.store.db)}
        loading, self._loading = self._loading, True
        fill_standards(self.standard, self.standards.values(), "No standard recorded")
        self._loading = loading
        if self.cycle is not None:
            self._show_cycle(self.cycle)

    def _reload_table(self, select: int | None = None) -> None:
        cycles = cycles_model.list_cycles(self.ctx.store.db, self.audit_id)
        self.table_model.set_rows(cycles)
        self._fit_table_height()
        ids = [c.id for c in cycles]
        row = ids.index(select) if select in ids else len(ids) - 1
        self.cycle_box.setEnabled(bool(cycles))
        self.draw_button.setEnabled(bool(cycles))
        self.use_sample_button.setEnabled(bool(cycles))
        if row >= 0:
            self.table.selectRow(row)
            self._show_cycle(cycles[row])
        else:
            self.cycle = None
            self.cycle_box.setTitle("Selected cycle (none yet: start the first cycle above)")
        self.next_cycle_button.setText("Start re-audit cycle…" if cycles else "Start the first cycle")

    def _fit_table_height(self) -> None:
        # Tall enough for every cycle up to six, so the plan below stays in view.
        rows = min(max(len(self.table_model.rows), 2), 6)
        header = self.table.horizontalHeader().sizeHint().height()
        row = self.table.verticalHeader().defaultSectionSize()
        self.table.setFixedHeight(header + rows * row + 2 * self.table.frameWidth() + 2)

    def _show_cycle(self, cycle: Cycle) -> None:
        self._loading = True
        try:
            self.cycle = cycle
            self.cycle_box.setTitle(f"Selected cycle: {cycle.title}")
            self.label.setText(cycle.label)
            self.period_start.set_value(cycle.period_start)
            self.period_end.set_value(cycle.period_end)
            for box, value in ((self.method, cycle.method), (self.status, cycle.status),
                               (self.sampling_method, cycle.sampling_method), (self.standard, cycle.standard_id)):
                box.setCurrentIndex(max(0, box.findData(value)))
            self.population.setValue(cycle.population_size or 0)
            self.planned.setValue(cycle.planned_sample or 0)
            self.calc_population.setValue(cycle.population_size or self.calc_population.value())
            self.select_n.setValue(cycle.planned_sample or self.select_n.value())
        finally:
            self._loading = False
        set_message(self.cycle_error, "")
        self._show_version(cycle)
        self._show_recorded_selection(cycle)
        self._on_calculator_changed()

    def _show_version(self, cycle: Cycle) -> None:
        current = self.standards.get(cycle.standard_id) if cycle.standard_id is not None else None
        if current is None:
            self.standard_version.setText("")
            self.current_version_button.hide()
            return
        recorded = cycle.standard_version or "not recorded"
        self.standard_version.setText(f"Version used by this cycle: {recorded}")
        self.current_version_button.setVisible(current.version != cycle.standard_version)
        self.current_version_button.setText(f"Use the library's version ({current.version})")

    def _show_recorded_selection(self, cycle: Cycle) -> None:
        data = cycles_model.recorded_selection(cycle)
        self.selection = list(data["selected"]) if data else []
        self.selected_list.setPlainText("\n".join(self.selection))
        self.selection_text.setText(data["describe"] if data else "No sample drawn for this cycle yet.")
        self.copy_button.setEnabled(bool(self.selection))

    # --- the selected cycle -----------------------------------------------------------------

    def _form_cycle(self) -> Cycle:
        assert self.cycle is not None
        standard_id = self.standard.currentData()
        version = self.cycle.standard_version
        if standard_id != self.cycle.standard_id:
            version = self.standards[standard_id].version if standard_id is not None else ""
        return replace(self.cycle, label=self.label.text().strip(), period_start=self.period_start.value(),
                       period_end=self.period_end.value(), method=self.method.currentData(),
                       status=self.status.currentData(), sampling_method=self.sampling_method.currentData(),
                       standard_id=standard_id, standard_version=version,
                       population_size=self.population.value() or None, planned_sample=self.planned.value() or None)

    def _save_cycle(self, candidate: Cycle) -> None:
        problems = cycles_model.validate(candidate)
        set_message(self.cycle_error, " ".join(problems))
        if problems or candidate == self.cycle:
            return
        try:
            saved = cycles_model.update_cycle(self.ctx.store.db, candidate)
        except KnownError as exc:
            set_message(self.cycle_error, exc.message)
            return
        self._after_save(saved)

    def _after_save(self, saved: Cycle) -> None:
        self.cycle = saved
        self.table_model.set_rows(cycles_model.list_cycles(self.ctx.store.db, self.audit_id))
        self.table.selectRow([c.id for c in self.table_model.rows].index(saved.id))
        self._show_version(saved)
        self.changed.emit()

    def flush(self) -> None:
        """Save the selected cycle as the form shows it (a label still being typed included)."""
        self._on_cycle_edited()

    @Slot()
    def _on_cycle_edited(self) -> None:
        if not self._loading and self.cycle is not None:
            self._save_cycle(self._form_cycle())

    @Slot()
    def _on_current_version_button_clicked(self) -> None:
        if self.cycle is not None and self.cycle.standard_id in self.standards:
            current = self.standards[self.cycle.standard_id]
            self._save_cycle(replace(self._form_cycle(), standard_version=current.version))

    @Slot()
    def _on_table_current_row_changed(self, current: object, _previous: object) -> None:
        row = current.row()  # type: ignore[attr-defined]
        if 0 <= row < len(self.table_model.rows) and (self.cycle is None or
                                                      self.table_model.rows[row].id != self.cycle.id):
            self._show_cycle(self.table_model.rows[row])

    @Slot()
    def _on_next_cycle_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        db = self.ctx.store.db
        cycles = cycles_model.list_cycles(db, self.audit_id)
        if cycles:
            count = len(list_criteria(db, cycles[-1].id))
            if not dialogs.ask(self, "Start re-audit cycle",
                               f"Start cycle {len(cycles) + 1} (re-audit) with the {count} criteria of "
                               f"{cycles[-1].title}? The criteria are copied, so the cycles can be compared."):
                return
        try:
            cycle = cycles_model.start_next_cycle(db, self.audit_id)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._reload_table(cycle.id)
        self.changed.emit()

    # --- sample size ------------------------------------------------------------------------

    @Slot()
    def _on_calculator_edited(self) -> None:
        if not self._loading:
            self._calc_touched = True
        self._on_calculator_changed()

    def _on_calculator_changed(self) -> None:
        args = (self.calc_population.value(), self.calc_expected.value() / 100, self.calc_margin.value() / 100,
                self.calc_confidence.currentData())
        try:
            self.computed_n = sample_size(*args)
            explanation = explain_sample_size(*args)
        except KnownError as exc:
            self.computed_n = None
            set_message(self.calc_error, exc.message if self._calc_touched else "")
            self.calc_result.setText("—")
            self.calc_explain.setText(exc.hint)
        else:
            set_message(self.calc_error, "")
            self.calc_result.setText(f"{self.computed_n} cases")
            self.calc_explain.setText(explanation)
        self.use_sample_button.setEnabled(self.computed_n is not None and self.cycle is not None)

    @Slot()
    def _on_use_sample_button_clicked(self) -> None:
        if self.cycle is None or self.computed_n is None:
            return
        self._save_cycle(replace(self._form_cycle(), planned_sample=self.computed_n,
                                 population_size=self.calc_population.value()))
        self._show_cycle(self.cycle)

    # --- sample selection -------------------------------------------------------------------

    @Slot()
    def _on_cases_text_changed(self) -> None:
        refs = parse_case_list(self.cases.toPlainText())
        text = f"{len(refs)} eligible cases listed." if refs else "No cases listed yet."
        if refs.duplicates:
            text += f" {len(refs.duplicates)} repeated reference(s) counted once."
        self.cases_count.setText(text)

    @Slot()
    def _on_load_cases_button_clicked(self) -> None:
        name = dialogs.open_file(self, "Load the list of eligible cases", "Case lists (*.txt *.csv);;All files (*)")
        if not name:
            return
        try:
            refs = cycles_model.read_case_list(name)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.cases.setPlainText("\n".join(refs))

    def _draw(self) -> SampleSelection:
        refs = parse_case_list(self.cases.toPlainText())
        seed_text = self.seed.text().strip()
        if seed_text and not seed_text.isdigit():
            raise KnownError("The seed must be a whole number (or blank for a new one).")
        seed = int(seed_text) if seed_text else None
        if self.select_method.currentData() == "random":
            return select_random(refs, self.select_n.value(), seed=seed)
        return select_systematic(refs, self.select_n.value(), seed=seed)

    @Slot()
    def _on_draw_button_clicked(self) -> None:
        if self.cycle is None:
            return
        if self.selection and not dialogs.ask(self, "Replace the sample",
                                              f"{self.cycle.title} already has a recorded sample of "
                                              f"{len(self.selection)} cases. Replace it?"):
            return
        try:
            selection = self._draw()
        except KnownError as exc:
            set_message(self.select_error, exc.message)
            return
        set_message(self.select_error, "")
        saved = cycles_model.record_selection(self.ctx.store.db, self.cycle.id, selection)
        self.seed.setText(str(saved.sampling_seed) if saved.sampling_seed is not None else "")
        self._show_cycle(saved)
        self._after_save(saved)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.selection))
