"""The answer fields of the case entry form: Yes/No/N/A buttons, a number or time (with N/A
when the criterion has exceptions), a choice.

Each field has the same two signals: answered() (move focus on) and changed().
CriterionRow reads and shows one criterion's answer whichever field it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QDoubleValidator, QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from model.collect import entry
from model.collect.cases import Answer
from model.plan.criteria import Criterion

# A chosen answer must be visible at a glance: green, red, slate.
_CHECKED = {"met": "#1b7f3b", "not_met": "#b3261e", "exception": "#4a5568"}
NA_TEXT = "N/A"


def has_exceptions(criterion: Criterion) -> bool:
    """Whether the criterion names exceptions: its cases may then be answered N/A."""
    return bool(criterion.exceptions.strip())


class YesNoField(QFrame):
    """Three answer buttons driven from the keyboard: Y, N, A; Backspace/Delete clears.

    Signals:
        answered(): an answer was chosen by key (the form moves focus on).
        changed(): the answer changed by key or mouse.
    """

    answered = Signal()
    changed = Signal()
    _CHOICES = (("met", "&Yes", Qt.Key_Y), ("not_met", "&No", Qt.Key_N), ("exception", "N/&A", Qt.Key_A))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setObjectName("yesNo")
        self.setStyleSheet("#yesNo { border: 2px solid transparent; border-radius: 4px; }"
                           "#yesNo:focus { border: 2px solid #2b6cb0; }")
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # exclusivity by hand, so "no answer" is possible
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        for outcome, text, _key in self._CHOICES:
            button = QPushButton(text.replace("&", ""))
            button.setAccessibleName(text.replace("&", ""))
            button.setCheckable(True)
            button.setStyleSheet(f"QPushButton:checked {{ background: {_CHECKED[outcome]}; color: white; "
                                 "font-weight: bold; border: 1px solid #333; border-radius: 3px; padding: 4px; }")
            button.setFocusPolicy(Qt.NoFocus)  # keyboard focus stays on the field itself
            button.setMinimumWidth(64)
            self.group.addButton(button)
            self.buttons[outcome] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.group.buttonClicked.connect(self._on_group_button_clicked)

    def outcome(self) -> str:
        """The chosen outcome, or "missing"."""
        return next((o for o, b in self.buttons.items() if b.isChecked()), "missing")

    def set_outcome(self, outcome: str) -> None:
        """Show an outcome ("missing" clears)."""
        for o, button in self.buttons.items():
            button.setChecked(o == outcome)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = {key: outcome for outcome, _t, key in self._CHOICES}
        if event.key() in keys and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            self.set_outcome(keys[event.key()])
            self.changed.emit()
            self.answered.emit()
        elif event.key() in (Qt.Key_Backspace, Qt.Key_Delete, Qt.Key_Space):
            self.set_outcome("missing")
            self.changed.emit()
        elif event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.answered.emit()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    @Slot(object)
    def _on_group_button_clicked(self, button: QPushButton) -> None:
        for other in self.buttons.values():
            if other is not button:
                other.setChecked(False)
        self.setFocus()
        self.changed.emit()


class ValueField(QWidget):
    """A number (numeric criteria) or a time difference (minutes/hours, or two date-times);
    N/A (the A key or the button) when the criterion names exceptions.

    Signals:
        answered(): Enter pressed (the form moves focus on).
        changed(): the value changed.
        hint(str): a key that does not fit was pressed (Y or N in a number box): what to type.
    """

    answered = Signal()
    changed = Signal()
    hint = Signal(str)

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion = criterion
        self.is_time = criterion.answer_type == "time_diff"
        self.value = QLineEdit()
        self.value.setValidator(QDoubleValidator(-1e9, 1e9, 3))
        self.value.setMaximumWidth(110)
        self.value.setAccessibleName(f"{criterion.label}: value")
        self.unit = QComboBox()
        self.unit.addItems(["minutes", "hours"])
        self.unit.setAccessibleName(f"{criterion.label}: unit")
        if entry.unit_minutes(criterion) == 60:
            self.unit.setCurrentIndex(1)
        self.start, self.end = QLineEdit(), QLineEdit()
        self.start.setPlaceholderText("from dd/mm/yyyy hh:mm")
        self.end.setPlaceholderText("to dd/mm/yyyy hh:mm")
        self.start.setAccessibleName(f"{criterion.label}: from date and time")
        self.end.setAccessibleName(f"{criterion.label}: to date and time")
        self.na = QPushButton(NA_TEXT)
        self.na.setCheckable(True)
        self.na.setFocusPolicy(Qt.NoFocus)  # the A key sets it from the value box
        self.na.setToolTip(f"Exception (press A): {criterion.exceptions}")
        self.na.setAccessibleName(f"{criterion.label}: N/A (exception)")
        self.na.setStyleSheet(f"QPushButton:checked {{ background: {_CHECKED['exception']}; color: white; "
                              "font-weight: bold; }")
        self.na.setVisible(has_exceptions(criterion))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.value)
        if self.is_time:
            layout.addWidget(self.unit)
            layout.addWidget(QLabel("or"))
            layout.addWidget(self.start)
            layout.addWidget(self.end)
        else:
            layout.addWidget(QLabel(criterion.threshold_unit))
        layout.addWidget(self.na)
        layout.addStretch(1)
        self.setFocusProxy(self.value)
        for edit in (self.value, self.start, self.end):
            edit.textChanged.connect(self.changed)
            edit.textEdited.connect(self._on_text_edited)
            edit.returnPressed.connect(self.answered)
            edit.installEventFilter(self)
        self.unit.currentIndexChanged.connect(self.changed)
        self.na.toggled.connect(self._on_na_toggled)

    def is_na(self) -> bool:
        """Whether the case is answered N/A (an exception)."""
        return self.na.isChecked()

    def set_na(self, on: bool) -> None:
        """Answer N/A (clearing the value) or take the N/A back."""
        self.na.setChecked(on and has_exceptions(self.criterion))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Letters are not numbers: A answers N/A (when there are exceptions) instead of vanishing.
        if event.type() == QEvent.KeyPress and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            key = event.key()
            if key == Qt.Key_A and has_exceptions(self.criterion):
                self.set_na(not self.is_na())
                if self.is_na():
                    self.answered.emit()
                return True
            if key in (Qt.Key_Backspace, Qt.Key_Delete) and self.is_na() and not watched.text():
                self.set_na(False)
                return True
            if Qt.Key_A <= key <= Qt.Key_Z and watched is self.value:
                self.hint.emit(self.what_to_type())  # Y/N and other letters would vanish without a word
                return True
        return super().eventFilter(watched, event)

    def what_to_type(self) -> str:
        """The keys this criterion takes, said when a key that does not fit is pressed."""
        if self.is_time:
            what = "Type the time in minutes or hours (or the two date-times)"
        else:
            unit = f" ({self.criterion.threshold_unit})" if self.criterion.threshold_unit else ""
            what = f"Type a number{unit}"
        na = ", or A for N/A" if has_exceptions(self.criterion) else ""
        return f"{what}{na}: this criterion is not answered Yes/No."

    @Slot(bool)
    def _on_na_toggled(self, on: bool) -> None:
        if on:
            for edit in (self.value, self.start, self.end):
                edit.blockSignals(True)
                edit.clear()
                edit.blockSignals(False)
        self.changed.emit()

    @Slot(str)
    def _on_text_edited(self, text: str) -> None:
        if text and self.is_na():  # typing a value takes the N/A back
            self.na.blockSignals(True)
            self.na.setChecked(False)
            self.na.blockSignals(False)

    def derived(self) -> entry.Derived:
        """The outcome of what is typed now."""
        if self.is_na():
            return entry.Derived("exception")
        if self.is_time:
            minutes, problem = self.minutes()
            if problem:
                return entry.Derived("missing", None, problem)
            return entry.derive_minutes(minutes, self.criterion)
        number = _number(self.value.text())
        return entry.derive_numeric(number, self.criterion)

    def minutes(self) -> tuple[float | None, str]:
        """Minutes typed (or between the two date-times) and a problem text."""
        if self.start.text().strip() or self.end.text().strip():
            start, p1 = entry.parse_entry_datetime(self.start.text())
            end, p2 = entry.parse_entry_datetime(self.end.text())
            if p1 or p2 or start is None or end is None:
                return None, p1 or p2 or "give both date-times"
            return entry.minutes_between(start, end), ""
        number = _number(self.value.text())
        return (None if number is None else number * (60.0 if self.unit.currentIndex() == 1 else 1.0)), ""

    def raw(self) -> str | None:
        """What was typed, for the answers.raw column."""
        if self.is_na():
            return NA_TEXT
        if self.is_time and (self.start.text().strip() or self.end.text().strip()):
            return f"{self.start.text().strip()} → {self.end.text().strip()}"
        text = self.value.text().strip()
        return f"{text} {self.unit.currentText()}" if text and self.is_time else (text or None)

    def set_answer(self, answer: Answer) -> None:
        """Show a stored answer (time answers come back in minutes)."""
        self.start.clear()
        self.end.clear()
        self.unit.setCurrentIndex(0)
        self.na.blockSignals(True)
        self.na.setChecked(answer.outcome == "exception" and answer.value is None)
        self.na.setVisible(has_exceptions(self.criterion) or self.na.isChecked())  # a stored N/A stays visible
        self.na.blockSignals(False)
        self.value.setText("" if answer.value is None else f"{answer.value:g}")


class ChoiceField(QComboBox):
    """A choice criterion's options (blank = missing).

    Signals:
        answered(): Enter pressed.
        changed(): the choice changed.
    """

    answered = Signal()
    changed = Signal()

    def __init__(self, criterion: Criterion, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.criterion = criterion
        self.addItem("")
        options = entry.choices(criterion)
        self.addItems(options)
        if has_exceptions(criterion) and not any(entry.derive_choice(o, criterion).outcome == "exception"
                                                 for o in options):
            self.addItem(NA_TEXT)  # the criterion names exceptions: they can be answered
        self.setToolTip("Type the first letters of an option, or Alt+Down for the list; Delete clears.")
        self.currentIndexChanged.connect(self.changed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.answered.emit()
        elif event.key() in (Qt.Key_Backspace, Qt.Key_Delete):
            self.setCurrentIndex(0)  # blank: missing
        else:
            super().keyPressEvent(event)


@dataclass
class CriterionRow:
    """The widgets of one criterion in the form."""

    criterion: Criterion
    field: QWidget
    result: QLabel | None

    def answer(self) -> tuple[Answer, str]:
        """The answer to store and a problem text ("" when fine)."""
        if isinstance(self.field, YesNoField):
            outcome = self.field.outcome()
            return Answer(outcome, {"met": "Yes", "not_met": "No", "exception": "N/A"}.get(outcome)), ""
        if isinstance(self.field, ChoiceField):
            text = self.field.currentText()
            return Answer(entry.derive_choice(text, self.criterion).outcome, text or None), ""
        derived = self.field.derived()  # type: ignore[attr-defined]
        return Answer(derived.outcome, self.field.raw(), derived.value), derived.problem  # type: ignore[attr-defined]

    def show(self, answer: Answer) -> None:
        """Put a stored answer in the widget."""
        if isinstance(self.field, YesNoField):
            self.field.set_outcome(answer.outcome)
        elif isinstance(self.field, ChoiceField):
            self.field.setCurrentIndex(max(self.field.findText(answer.raw or ""), 0))
        else:
            self.field.set_answer(answer)  # type: ignore[attr-defined]


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None

