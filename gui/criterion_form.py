"""The editor form for one criterion: every field, the answer rule, and plain-word validation.

The form only edits a copy of the criterion and says when the user changed something
(`changed`); the page saves it and hands back the messages to show. Typing is saved after a
short pause (and at once when a field loses focus), so nothing typed is ever lost.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from model.plan.criteria import (
    ANSWER_TYPES,
    DIRECTIONS,
    EVIDENCE_GRADES,
    THRESHOLD_OPS,
    TIME_UNITS,
    Criterion,
    choices,
    default_target,
    describe_rule,
    met_choices,
    set_choices,
)

# Typing pauses longer than this are saved (a field losing focus saves at once).
SAVE_DELAY_MS = 400
TARGET_RANGE_NOTE = "The target must be between 0 and 100%. The target was not saved."
_DIRECTION_WORDS = {"higher": "Should happen", "lower": "Should not happen"}


class TextBox(QPlainTextEdit):
    """A few-line text box that, like QLineEdit, says when editing finished (focus left).

    Signals:
        editingFinished(): the box lost focus.
    """

    editingFinished = Signal()

    def __init__(self, lines: int, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        height = self.fontMetrics().lineSpacing() * lines + 2 * self.frameWidth() + 10
        self.setFixedHeight(int(height))

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editingFinished.emit()


def text_box_column(fields: list[tuple[str, str, str, int]], min_height: int) -> tuple[QScrollArea, dict[str, TextBox]]:
    """A scrolling column of labelled text boxes, each (key, label as rich text, accessible
    name, lines); returns the scroll area and the boxes by key (the report's narrative
    sections, a trainee's reflection)."""
    inner = QWidget()
    form = QVBoxLayout(inner)
    form.setContentsMargins(0, 0, 6, 0)
    editors: dict[str, TextBox] = {}
    for key, label_text, name, lines in fields:
        editor = TextBox(lines)
        editor.setObjectName(key)
        editor.setAccessibleName(name)
        label = QLabel(label_text)
        label.setWordWrap(True)
        label.setBuddy(editor)
        form.addWidget(label)
        form.addWidget(editor)
        editors[key] = editor
    form.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.NoFrame)
    scroll.setWidget(inner)
    scroll.setMinimumHeight(min_height)
    return scroll, editors


def _number(text: str) -> float | None:
    """A number typed by the user ('95', '95%', ' 7.5 '); None for blank; ValueError otherwise."""
    text = text.strip().rstrip("%").strip().replace(",", ".")
    return float(text) if text else None


def _compact(combo: QComboBox) -> QComboBox:
    """Let a combo with long item texts shrink with the form instead of forcing it wide."""
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    return combo


# One label width for the three groups, so their fields line up.
_LABEL_WIDTH = 150


def _add_row(form: QFormLayout, text: str, field: QWidget | QHBoxLayout) -> None:
    label = QLabel(text)
    label.setFixedWidth(_LABEL_WIDTH)
    label.setWordWrap(True)
    form.addRow(label, field)


def _rule_text(c: Criterion) -> str:
    if c.answer_type == "yes_no":
        return "Each case is answered Yes (met), No (not met) or Not applicable (an exception)."
    return describe_rule(c) + "."


def _wrapping_label(style: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.PlainText)
    label.setStyleSheet(style)
    label.hide()
    return label


class CriterionForm(QWidget):
    """Edits one criterion.

    Signals:
        changed(): the user changed a field; read the edited copy with `criterion()`.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._c: Criterion | None = None
        self._parse_notes: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._build()
        self._connect_signals()
        self.set_criterion(None)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.change_note = _wrapping_label("background: #fff4ce; border: 1px solid #e0c060; padding: 6px;")
        self.blocking = _wrapping_label("color: #b3261e; font-weight: bold;")
        self.problems = _wrapping_label("color: #b3261e;")
        self.advice = _wrapping_label("color: #5f6368;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.change_note, self._measure_group(), self._target_group(), self._answer_group(),
                       self.blocking, self.problems, self.advice):
            layout.addWidget(widget)
        layout.addStretch(1)

    def _measure_group(self) -> QGroupBox:
        self.short_name = QLineEdit(placeholderText="e.g. Risk assessed ≤14 h")
        self.statement = TextBox(3, "What should happen, to whom, by when")
        self.denominator = TextBox(2, "Who is eligible, e.g. adult (≥16 y) medical admissions in the sample")
        self.numerator = TextBox(2, "Who counts as meeting it, e.g. risk assessment documented ≤ 14 h")
        self.exceptions = TextBox(2, "Who is excluded and why, e.g. end-of-life care pathway")
        box = QGroupBox("What is measured")
        form = QFormLayout(box)
        _add_row(form, "Short name", self.short_name)
        _add_row(form, "Statement", self.statement)
        _add_row(form, "Eligible (denominator)", self.denominator)
        _add_row(form, "Met (numerator)", self.numerator)
        _add_row(form, "Exceptions", self.exceptions)
        return box

    def _target_group(self) -> QGroupBox:
        self.direction = _compact(QComboBox())
        for key, text in DIRECTIONS.items():
            self.direction.addItem(text, key)
        self.target = QLineEdit()
        self.target.setMaximumWidth(80)
        self.target.setPlaceholderText("e.g. 95")
        target_row = QHBoxLayout()
        target_row.addWidget(self.target)
        target_row.addWidget(QLabel("%"))
        target_row.addStretch(1)
        self.grade = _compact(QComboBox())
        self.grade.addItem("Not graded", "")
        for grade, meaning in EVIDENCE_GRADES.items():
            self.grade.addItem(f"{grade} — {meaning}", grade)
            self.grade.setItemData(self.grade.count() - 1, f"Grade {grade}. {meaning}.", Qt.ToolTipRole)
        self.source_ref = QLineEdit(placeholderText="e.g. NICE NG89 1.1.1 (2018, updated 2019)")
        self.data_location = QLineEdit(placeholderText="e.g. admission clerking, e-prescribing VTE form")
        box = QGroupBox("Target and evidence")
        form = QFormLayout(box)
        _add_row(form, "Direction", self.direction)
        _add_row(form, "Target", target_row)
        _add_row(form, "Evidence grade", self.grade)
        _add_row(form, "Source / reference", self.source_ref)
        _add_row(form, "Where the data is found", self.data_location)
        return box

    def _answer_group(self) -> QGroupBox:
        self.answer_type = _compact(QComboBox())
        for key, text in ANSWER_TYPES.items():
            self.answer_type.addItem(text, key)
        self.threshold_op = QComboBox()
        for key, text in THRESHOLD_OPS.items():
            self.threshold_op.addItem(text, key)
        self.threshold = QLineEdit(placeholderText="e.g. 14")
        self.threshold.setMaximumWidth(80)
        self.unit_text = QLineEdit(placeholderText="unit, e.g. g/L")
        self.unit_time = QComboBox()
        self.unit_time.addItems(TIME_UNITS)
        rule = QHBoxLayout()
        for widget in (self.threshold_op, self.threshold, self.unit_text, self.unit_time):
            rule.addWidget(widget)
        rule.addStretch(1)
        self.threshold_row = QWidget()
        self.threshold_row.setLayout(rule)
        rule.setContentsMargins(0, 0, 0, 0)
        self.options = TextBox(4, "One option per line")
        self.met_list = QListWidget()
        self.met_list.setMaximumHeight(90)
        self.rule_text = QLabel()
        self.rule_text.setWordWrap(True)
        self.rule_text.setStyleSheet("color: #1f3a5f;")
        box = QGroupBox("How each case is answered")
        self.answer_form = QFormLayout(box)
        _add_row(self.answer_form, "Answer type", self.answer_type)
        _add_row(self.answer_form, "Met when", self.threshold_row)
        _add_row(self.answer_form, "Options", self.options)
        _add_row(self.answer_form, "Count as met", self.met_list)
        _add_row(self.answer_form, "", self.rule_text)
        return box

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timer_timeout)
        for line in (self.short_name, self.target, self.source_ref, self.data_location, self.threshold,
                     self.unit_text):
            line.textEdited.connect(self._on_text_edited)
            line.editingFinished.connect(self.flush)
        for box in (self.statement, self.denominator, self.numerator, self.exceptions):
            box.textChanged.connect(self._on_text_edited)
            box.editingFinished.connect(self.flush)
        self.options.textChanged.connect(self._on_options_text_changed)
        self.options.editingFinished.connect(self.flush)
        for combo in (self.grade, self.threshold_op, self.unit_time):
            combo.currentIndexChanged.connect(self._on_choice_changed)
        self.answer_type.currentIndexChanged.connect(self._on_answer_type_current_index_changed)
        self.direction.currentIndexChanged.connect(self._on_direction_current_index_changed)
        self.met_list.itemChanged.connect(self._on_choice_changed)

    # --- public -------------------------------------------------------------------------

    def set_criterion(self, c: Criterion | None, change: str = "") -> None:
        """Show a criterion (None: an empty, disabled form); `change` = what differs from the last cycle."""
        self._timer.stop()
        self._c = c
        self._parse_notes.clear()
        self.setEnabled(c is not None)
        shown = c or Criterion(statement="")
        for widget in self._inputs():
            widget.blockSignals(True)
        self._fill(shown)
        for widget in self._inputs():
            widget.blockSignals(False)
        self._show_answer_rows(shown.answer_type)
        self.rule_text.setText(_rule_text(shown))
        self.set_change(change)
        self.show_messages([], [])

    def criterion(self) -> Criterion | None:
        """The shown criterion with the form's values (numbers that cannot be read keep their old value)."""
        if self._c is None:
            return None
        c = replace(self._c)
        c.short_name = self.short_name.text().strip()
        for name in ("statement", "denominator", "numerator", "exceptions"):
            setattr(c, name, getattr(self, name).toPlainText().strip())
        c.source_ref = self.source_ref.text().strip()
        c.data_location = self.data_location.text().strip()
        c.direction = self.direction.currentData()
        c.evidence_grade = self.grade.currentData()
        c.answer_type = self.answer_type.currentData()
        c.threshold_op = self.threshold_op.currentData()
        c.target = self._read_number("target", self.target, c.target, "Type the target as a number, e.g. 95.",
                                     out_of_range=TARGET_RANGE_NOTE)
        c.threshold = self._read_number("threshold", self.threshold, c.threshold,
                                        "Type the threshold as a number, e.g. 14.")
        c.threshold_unit = self._unit(c.answer_type)
        set_choices(c, self.options.toPlainText().splitlines(), self._ticked())
        return c

    def accept(self, c: Criterion) -> None:
        """The page saved `c`: edit that stored version from now on."""
        self._c = c
        self.rule_text.setText(_rule_text(c))

    def flush(self) -> None:
        """Report a pending edit now (before the selection changes or the page closes)."""
        if self._timer.isActive():
            self._timer.stop()
            self._emit_changed()

    def show_messages(self, problems: list[str], advice: list[str], blocking: str = "") -> None:
        """Show validation: what stops measuring (red), advice (grey), what was not saved (bold)."""
        notes = [*self._parse_notes.values(), *([blocking] if blocking else [])]
        if blocking:
            notes.append("This change was not saved.")
        self._set_label(self.blocking, " ".join(notes))
        self._set_label(self.problems, "\n".join(f"⚠ {p}" for p in problems))
        self._set_label(self.advice, "\n".join(f"• {a}" for a in advice))

    def set_change(self, change: str) -> None:
        """Show what changed since the previous cycle ('' hides the note)."""
        if change == "added in this cycle":
            text = ("New in this cycle: there is no earlier measurement of this criterion to compare with.")
        elif change:
            text = (f"Changed since the previous cycle: {change}. A re-audit should measure the same thing as "
                    "the cycle before; these changes are recorded and flagged when the cycles are compared.")
        else:
            text = ""
        self._set_label(self.change_note, text)

    # --- internals ----------------------------------------------------------------------

    def _inputs(self) -> list[QWidget]:
        return [self.short_name, self.statement, self.denominator, self.numerator, self.exceptions,
                self.direction, self.target, self.grade, self.source_ref, self.data_location, self.answer_type,
                self.threshold_op, self.threshold, self.unit_text, self.unit_time, self.options, self.met_list]

    def _fill(self, c: Criterion) -> None:
        self.short_name.setText(c.short_name)
        for name in ("statement", "denominator", "numerator", "exceptions"):
            getattr(self, name).setPlainText(getattr(c, name))
        self.source_ref.setText(c.source_ref)
        self.data_location.setText(c.data_location)
        self.target.setText("" if c.target is None else f"{c.target:g}")
        self.threshold.setText("" if c.threshold is None else f"{c.threshold:g}")
        for combo, value in ((self.direction, c.direction), (self.grade, c.evidence_grade),
                             (self.answer_type, c.answer_type), (self.threshold_op, c.threshold_op)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        is_time = c.threshold_unit in TIME_UNITS
        self.unit_time.setCurrentText(c.threshold_unit if is_time else "minutes")
        self.unit_text.setText("" if is_time else c.threshold_unit)
        self.options.setPlainText("\n".join(choices(c)))
        self._fill_met_list(choices(c), met_choices(c))

    def _fill_met_list(self, options: list[str], met: list[str]) -> None:
        self.met_list.clear()
        for option in options:
            item = QListWidgetItem(option)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if option in met else Qt.Unchecked)
            self.met_list.addItem(item)

    def _ticked(self) -> list[str]:
        items = (self.met_list.item(i) for i in range(self.met_list.count()))
        return [item.text() for item in items if item.checkState() == Qt.Checked]

    def _unit(self, answer_type: str) -> str:
        if answer_type == "time_diff":
            return self.unit_time.currentText()
        return self.unit_text.text().strip() if answer_type == "numeric" else ""

    def _read_number(self, key: str, line: QLineEdit, old: float | None, message: str,
                     out_of_range: str = "") -> float | None:
        # A number that cannot be used keeps its old value, so the rest of the edit (a statement
        # typed a moment before) is still saved rather than refused with it.
        try:
            value = _number(line.text())
        except ValueError:
            self._parse_notes[key] = message
            return old
        if out_of_range and value is not None and not 0 <= value <= 100:
            self._parse_notes[key] = out_of_range
            return old
        self._parse_notes.pop(key, None)
        return value

    def _show_answer_rows(self, answer_type: str) -> None:
        # Only the sub-fields of the chosen answer type are shown.
        numeric = answer_type in ("numeric", "time_diff")
        self.answer_form.setRowVisible(self.threshold_row, numeric)
        self.unit_text.setVisible(answer_type == "numeric")
        self.unit_time.setVisible(answer_type == "time_diff")
        self.answer_form.setRowVisible(self.options, answer_type == "choice")
        self.answer_form.setRowVisible(self.met_list, answer_type == "choice")

    @staticmethod
    def _set_label(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _emit_changed(self) -> None:
        if self._c is not None:
            self.changed.emit()

    @Slot()
    def _on_timer_timeout(self) -> None:
        self._emit_changed()

    @Slot()
    def _on_text_edited(self, *_args: object) -> None:
        self._timer.start()

    @Slot()
    def _on_choice_changed(self, *_args: object) -> None:
        self._timer.stop()
        self._emit_changed()

    @Slot()
    def _on_options_text_changed(self) -> None:
        options = [o.strip() for o in self.options.toPlainText().splitlines() if o.strip()]
        self.met_list.blockSignals(True)
        self._fill_met_list(list(dict.fromkeys(options)), self._ticked())
        self.met_list.blockSignals(False)
        self._timer.start()

    @Slot(int)
    def _on_answer_type_current_index_changed(self, _index: int) -> None:
        self._show_answer_rows(self.answer_type.currentData())
        self._on_choice_changed()

    @Slot(int)
    def _on_direction_current_index_changed(self, _index: int) -> None:
        new = self.direction.currentData()
        wanted = default_target(new)
        try:
            current = _number(self.target.text())
        except ValueError:
            current = None
        if current != wanted and dialogs.ask(
                self, "Change the target?",
                f"A criterion that {_DIRECTION_WORDS[new].lower()} usually has a target of {wanted:g}%. "
                f"Change the target from {self.target.text().strip() or 'none'} to {wanted:g}%?"):
            self.target.setText(f"{wanted:g}")
        self._on_choice_changed()
