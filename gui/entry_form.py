"""The case entry form, generated from the cycle's criteria; keyboard first.

Yes/No criteria: press Y, N or A (N/A) and focus moves to the next criterion; Backspace or
Delete clears (blank = missing, never "no"); Tab and Enter move on. Numeric and time criteria
take the number typed, and A (or the N/A button) where the criterion has exceptions; choices
are picked by their first letters. The header's key help lists only what the criteria shown
take. Each shows the derived result (met / not met) as soon as a value is typed. A case with
unsaved entries asks Save / Discard / Cancel before it is left (resolve_pending).
Each case is saved in one transaction (model.collect.cases.add_case / update_case).
The answer fields themselves are in gui.entry_fields.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QIntValidator, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.entry_fields import ChoiceField, CriterionRow, ValueField, YesNoField
from model.collect import entry
from model.collect.cases import Answer, Case, add_case, count_cases, get_case, next_case_ref, update_case
from model.core.errors import KnownError
from model.core.util import parse_iso_date
from model.plan.criteria import Criterion
from model.plan.cycles import Cycle

_RESULT_STYLE = {"met": "color: #1b7f3b; font-weight: bold;", "not_met": "color: #b3261e; font-weight: bold;",
                 "exception": "color: #555;", "missing": "color: #777;"}
_RESULT_TEXT = {"met": "Met", "not_met": "Not met", "exception": "Exception (N/A)", "missing": "—"}


class EntryForm(QWidget):
    """Enter or edit one case of a cycle.

    Signals:
        saved(int): a case was stored (its id).
    """

    saved = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cycle: Cycle | None = None
        self.criteria: list[Criterion] = []
        self.rows: list[CriterionRow] = []
        self.case: Case | None = None
        self.dirty = False
        # Whether the last case saved this session had a case date typed: the next case then starts
        # at the date, not the first criterion (None: nothing saved yet).
        self._dates_typed: bool | None = None
        self._build()
        self._connect_signals()

    def _build(self) -> None:
        self.heading = QLabel("<b>New case</b>")
        self.progress = QLabel()
        self.case_ref, self.case_date, self.age = QLineEdit(), QLineEdit(), QLineEdit()
        self.case_date.setPlaceholderText("dd/mm/yyyy")
        self.age.setValidator(QIntValidator(0, 120))
        self.age.setMaximumWidth(70)
        self.sex, self.ethnicity, self.imd = QComboBox(), QComboBox(), QComboBox()
        self.sex.addItems(["", *entry.SEXES])
        self.ethnicity.addItems(["", *entry.ETHNIC_GROUPS])
        self.imd.addItems(["", *(str(i) for i in range(1, 11))])
        self.imd.setToolTip("Index of Multiple Deprivation decile (1 = most deprived)")
        self.ward, self.site, self.team, self.collector = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.criteria_box = QWidget()
        self.criteria_grid = QGridLayout(self.criteria_box)
        self.criteria_grid.setColumnStretch(0, 1)
        self.criteria_grid.setVerticalSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.criteria_box)
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.new_button = QPushButton("New case")
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_next_button = QPushButton("Save and next case (Ctrl+Enter)")
        self.save_next_button.setAutoDefault(True)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.progress)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._case_fields())
        self.keys_help = QLabel(keys_help([]))
        self.keys_help.setWordWrap(True)
        self.keys_help.setAccessibleName("How to answer the criteria")
        layout.addWidget(self.keys_help)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.messages)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.save_next_button)
        layout.addLayout(buttons)

    def _case_fields(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        left, middle, right = QFormLayout(), QFormLayout(), QFormLayout()
        left.addRow("Case ref *", self.case_ref)
        left.addRow("Case date", self.case_date)
        left.addRow("Collector", self.collector)
        middle.addRow("Age", self.age)
        middle.addRow("Sex", self.sex)
        middle.addRow("Ethnicity", self.ethnicity)
        middle.addRow("IMD decile", self.imd)
        right.addRow("Ward", self.ward)
        right.addRow("Site", self.site)
        right.addRow("Team", self.team)
        for col, form in enumerate((left, middle, right)):
            grid.addLayout(form, 0, col)
            grid.setColumnStretch(col, 1)
        return box

    def _connect_signals(self) -> None:
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.save_next_button.clicked.connect(self._on_save_next_button_clicked)
        self.save_shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        self.save_shortcut.activated.connect(self._on_save_button_clicked)
        self.save_next_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self.save_next_shortcut.activated.connect(self._on_save_next_button_clicked)
        for edit in (self.case_ref, self.case_date, self.age, self.ward, self.site, self.team, self.collector):
            edit.textEdited.connect(self._on_field_changed)
            edit.returnPressed.connect(self.focusNextChild)
        for box in (self.sex, self.ethnicity, self.imd):
            box.activated.connect(self._on_field_changed)
        self.case_date.editingFinished.connect(self._show_messages)

    # --- public ---------------------------------------------------------------------

    def autosave(self) -> None:
        """Store what was typed before the form shows something else (a case is never lost)."""
        if self.dirty and self.cycle is not None and self.case_ref.text().strip():
            self.save()

    def resolve_pending(self) -> bool:
        """Before the form is left or cleared: ask about a case with unsaved entries.

        Save stores it (False if it cannot be saved: the form says why and stays), Discard
        shows the stored case again (or a new one), Cancel or closing the box keeps it: False.
        """
        if not self.dirty or self.cycle is None:
            return True
        ref = self.case_ref.text().strip()
        choice = dialogs.choose(self, "Unsaved case", f"Case {ref or '(no reference)'} has entries that are not "
                                "saved yet. Save them before leaving the case?", ["Save", "Discard", "Cancel"])
        if choice == 0:
            return self.save() is not None
        if choice == 1:
            if self.case is not None and self.case.id is not None:
                self.load_case(int(self.case.id))
            else:
                self.new_case()
            return True
        return False

    def set_cycle(self, cycle: Cycle | None, criteria: list[Criterion]) -> None:
        """Build the criteria rows for a cycle and start a new case."""
        self.autosave()
        self.cycle, self.criteria = cycle, criteria
        self._build_criteria()
        self.new_case()

    def new_case(self) -> None:
        """Clear the form for a new case (suggesting the next reference, keeping the collector)."""
        collector = self.collector.text()
        self.case = None
        for edit in (self.case_ref, self.case_date, self.age, self.ward, self.site, self.team):
            edit.clear()
        for box in (self.sex, self.ethnicity, self.imd):
            box.setCurrentIndex(0)
        self.collector.setText(collector)
        for row in self.rows:
            row.show(Answer())
        if self.cycle is not None:
            self.case_ref.setText(next_case_ref(self.ctx.store.db, self.cycle.id))
        self.heading.setText("<b>New case</b>")
        self.dirty = False
        self._refresh()

    def load_case(self, case_id: int) -> None:
        """Show a stored case for editing (after autosaving the one on screen)."""
        self.autosave()
        case = get_case(self.ctx.store.db, case_id)
        self.case = case
        self.case_ref.setText(case.case_ref)
        self.case_date.setText(_uk_date(case.case_date))
        self.age.setText("" if case.age is None else str(case.age))
        for box, value in ((self.sex, case.sex), (self.ethnicity, case.ethnicity),
                           (self.imd, None if case.imd_decile is None else str(case.imd_decile))):
            index = box.findText(value or "")
            if index < 0:
                box.addItem(value)  # a value typed elsewhere (import) stays visible
                index = box.count() - 1
            box.setCurrentIndex(index)
        for edit, value in ((self.ward, case.ward), (self.site, case.site), (self.team, case.team),
                            (self.collector, case.collector)):
            edit.setText(value or "")
        for row in self.rows:
            row.show(case.answers.get(row.criterion.id, Answer()))
        self.heading.setText(f"<b>Editing case {escape(case.case_ref)}</b>")
        self.dirty = False
        self._refresh()

    def first_criterion_field(self) -> QWidget | None:
        """The first answer widget (tests and the Y/N/A flow start there)."""
        return self.rows[0].field if self.rows else None

    def start_field(self) -> QWidget:
        """Where a new case starts: the field the user has been filling first on previous cases.

        The case date when the last case saved this session had one typed; otherwise the first
        criterion; the case reference before any case was saved (or when there is no criterion).
        """
        if self._dates_typed:
            return self.case_date
        first = self.first_criterion_field()
        return first if self._dates_typed is not None and first is not None else self.case_ref

    def save(self) -> int | None:
        """Validate and store the case; returns its id, or None when it could not be saved."""
        if self.cycle is None:
            return None
        errors, _warnings = self.validate()
        if errors:
            self._show_messages()
            return None
        case = self._collect()
        try:
            stored = update_case(self.ctx.store.db, case) if case.id is not None else add_case(self.ctx.store.db, case)
        except KnownError as exc:
            self.messages.setText(f"<span style='color:#b3261e'>{escape(exc.message)}</span>")
            return None
        self.case = stored
        self._dates_typed = bool(self.case_date.text().strip())
        self.dirty = False
        self.heading.setText(f"<b>Editing case {escape(stored.case_ref)}</b>")
        self._refresh()
        self.saved.emit(int(stored.id))
        return int(stored.id)

    def validate(self) -> tuple[list[str], list[str]]:
        """(errors that block saving, warnings that do not)."""
        errors, warnings = [], []
        if not self.case_ref.text().strip():
            errors.append("A case needs a case reference (e.g. a proforma number).")
        _iso, problem = entry.parse_entry_date(self.case_date.text(), self._period())
        if problem == "outside the data collection period":
            warnings.append("The case date is outside this cycle's data collection period.")
        elif problem:
            errors.append(f"Case date: {problem} (write it as dd/mm/yyyy).")
        if self.age.text().strip() and not self.age.hasAcceptableInput():
            errors.append("Age must be a whole number from 0 to 120.")
        for row in self.rows:
            _answer, trouble = row.answer()
            if trouble:
                warnings.append(f"{row.criterion.label}: {trouble} — stored as missing.")
        return errors, warnings

    # --- internals ------------------------------------------------------------------

    def _period(self):  # noqa: ANN202 - (date, date) | None
        if self.cycle is None:
            return None
        start, end = parse_iso_date(self.cycle.period_start), parse_iso_date(self.cycle.period_end)
        return (start, end) if start and end else None

    def _collect(self) -> Case:
        iso, _p = entry.parse_entry_date(self.case_date.text(), None)
        base = self.case or Case(cycle_id=self.cycle.id, case_ref="")  # type: ignore[union-attr]
        base.case_ref = self.case_ref.text().strip()
        base.case_date = iso
        base.age = int(self.age.text()) if self.age.text().strip() else None
        base.age_band = _age_band(base.age) if base.age is not None else (base.age_band if self.case else None)
        base.sex = self.sex.currentText() or None
        base.ethnicity = self.ethnicity.currentText() or None
        base.imd_decile = int(self.imd.currentText()) if self.imd.currentText() else None
        base.imd_quintile = (base.imd_decile + 1) // 2 if base.imd_decile else None
        base.ward, base.site, base.team, base.collector = (
            e.text().strip() or None for e in (self.ward, self.site, self.team, self.collector))
        base.answers = {row.criterion.id: row.answer()[0] for row in self.rows}
        return base

    def _build_criteria(self) -> None:
        while self.criteria_grid.count():
            item = self.criteria_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.rows = []
        for i, criterion in enumerate(self.criteria):
            self._add_criterion_row(i, criterion)
        self.criteria_grid.setRowStretch(len(self.criteria), 1)
        self.keys_help.setText(keys_help(self.criteria))
        previous: QWidget = self.collector
        for row in self.rows:
            QWidget.setTabOrder(previous, row.field)
            previous = row.field
        QWidget.setTabOrder(previous, self.save_next_button)

    def _add_criterion_row(self, i: int, criterion: Criterion) -> None:
        text = QLabel(_criterion_text(i, criterion))
        text.setWordWrap(True)
        text.setTextFormat(Qt.RichText)
        text.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        if criterion.answer_type in ("numeric", "time_diff"):
            field: QWidget = ValueField(criterion)
        elif criterion.answer_type == "choice":
            field = ChoiceField(criterion)
        else:
            field = YesNoField()
        result = QLabel() if criterion.answer_type != "yes_no" else None
        # A thin rule between criteria keeps long statements apart (transparent above the first).
        rule = "#d0d0d0" if i else "transparent"
        text.setStyleSheet(f"border-top: 1px solid {rule}; padding-top: 6px;")
        self.criteria_grid.addWidget(text, i, 0, Qt.AlignTop)
        self.criteria_grid.addWidget(field, i, 1, Qt.AlignTop)
        if result is not None:
            result.setMinimumWidth(90)
            self.criteria_grid.addWidget(result, i, 2, Qt.AlignTop)
        field.setAccessibleName(criterion.label)
        if result is not None:
            result.setAccessibleName(f"{criterion.label}: result")
        row = CriterionRow(criterion, field, result)
        self.rows.append(row)
        field.changed.connect(self._on_field_changed)  # type: ignore[attr-defined]
        field.answered.connect(lambda r=i: self._on_row_answered(r))  # type: ignore[attr-defined]
        if isinstance(field, ValueField) and result is not None:
            field.hint.connect(lambda text, label=result: _show_hint(label, text))

    def _refresh(self) -> None:
        for row in self.rows:
            if row.result is not None:
                answer, problem = row.answer()
                row.result.setText(problem or _RESULT_TEXT[answer.outcome])
                row.result.setStyleSheet("color: #b3261e;" if problem else _RESULT_STYLE[answer.outcome])
        self.show_progress()
        self._show_messages()

    def show_progress(self) -> None:
        """Show "23 of 60 planned" for the cycle."""
        if self.cycle is None:
            self.progress.setText("")
            return
        done = count_cases(self.ctx.store.db, self.cycle.id)
        planned = self.cycle.planned_sample
        self.progress.setText(f"{done} of {planned} planned" if planned else f"{done} cases")

    @Slot()
    def _show_messages(self) -> None:
        errors, warnings = self.validate()
        parts = [f"<span style='color:#b3261e'>{escape(e)}</span>" for e in errors]
        parts += [f"<span style='color:#8a5a00'>{escape(w)}</span>" for w in warnings]
        self.messages.setText("<br>".join(parts))

    @Slot()
    def _on_field_changed(self) -> None:
        self.dirty = True
        self._refresh()

    def _on_row_answered(self, index: int) -> None:
        target = self.rows[index + 1].field if index + 1 < len(self.rows) else self.save_next_button
        target.setFocus(Qt.TabFocusReason)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        if not self.resolve_pending():
            return
        self.new_case()
        self.start_field().setFocus()

    @Slot()
    def _on_save_button_clicked(self) -> None:
        self.save()

    @Slot()
    def _on_save_next_button_clicked(self) -> None:
        if self.save() is not None:
            self.new_case()
            self.start_field().setFocus(Qt.TabFocusReason)


def _show_hint(label: QLabel, text: str) -> None:
    """Say in the row's result what the key pressed cannot do (until the value next changes)."""
    label.setText(text)
    label.setStyleSheet("color: #8a5a00;")
    label.setAccessibleDescription(text)


def keys_help(criteria: list[Criterion]) -> str:
    """The header's key help, for the answer types of the criteria shown (and only those)."""
    types = {c.answer_type for c in criteria}
    na_valued = any(c.exceptions.strip() for c in criteria if c.answer_type in ("numeric", "time_diff"))
    parts = []
    if "yes_no" in types:
        parts.append("Yes/No: press <b>Y</b>, <b>N</b> or <b>A</b> (N/A)")
    if types & {"numeric", "time_diff"}:
        what = " or ".join(w for t, w in (("time_diff", "the minutes or hours (or two date-times)"),
                                          ("numeric", "the number")) if t in types)
        parts.append(f"type {what}" + ("; <b>A</b> for N/A where the criterion has exceptions" if na_valued else ""))
    if "choice" in types:
        parts.append("choices: type the first letters or <b>Alt+Down</b> for the list")
    keys = "; ".join(parts) or "this cycle has no criteria yet"
    return f"<b>Criteria</b> — {keys}. Backspace clears; blank is counted as missing; Enter moves on."


def _criterion_text(i: int, c: Criterion) -> str:
    # Without a short name the label is the statement's start: show the statement once, not twice.
    lines = ([f"<b>{i + 1}. {escape(c.short_name)}</b>", f"<span style='color:#333'>{escape(c.statement)}</span>"]
             if c.short_name else [f"<b>{i + 1}. {escape(c.statement)}</b>"])
    if c.exceptions.strip():
        lines.append(f"<small style='color:#666'>Exceptions (answer N/A): {escape(c.exceptions)}</small>")
    if c.answer_type in ("numeric", "time_diff"):
        lines.append(f"<small style='color:#666'>{escape(entry.threshold_text(c))}</small>")
    return "<br>".join(lines)


def _uk_date(iso: str | None) -> str:
    date = parse_iso_date(iso)
    return "" if date is None else date.strftime("%d/%m/%Y")


def _age_band(age: int) -> str:
    """The standard band of an age (model.collect.demographics.AGE_BANDS)."""
    from model.collect.demographics import AGE_BANDS

    edges = (16, 40, 65, 80)
    return AGE_BANDS[sum(age >= e for e in edges)]
