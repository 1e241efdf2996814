"""The Actions stage's editing widgets: the selected action's editor and the two dialogs it opens."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.date_field import DateField
from gui.stages._actions_models import RevisionTableModel, day_text
from gui.table_models import read_only_table
from model.act import actions as act
from model.core import util


def _iso(edit: DateField) -> str | None:
    return edit.value()


def _date_edit() -> DateField:
    return DateField()  # typed dd/mm/yyyy; empty is "no deadline set"


# --------------------------------------------------------------------------- dialogs


class RecommendationDialog(QDialog):
    """Write a recommendation and tick the criteria it answers."""

    def __init__(self, criteria: list[tuple[str, str]], rec: act.Recommendation | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit recommendation" if rec else "Add recommendation")
        self.text = QPlainTextEdit(rec.text if rec else "")
        self.text.setPlaceholderText("e.g. All admissions are clerked on the new proforma.")
        self.text.setMaximumHeight(90)
        self.criteria = QListWidget()
        linked = set(rec.criterion_lineages) if rec else set()
        for lineage, label in criteria:
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, lineage)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if lineage in linked else Qt.Unchecked)
            self.criteria.addItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Recommendation:"))
        layout.addWidget(self.text)
        layout.addWidget(QLabel("Criteria it answers:" if criteria else "This audit has no criteria yet."))
        layout.addWidget(self.criteria)
        layout.addWidget(self.buttons)
        self.resize(520, 380)

    def values(self) -> tuple[str, list[str]]:
        """(text, ticked criterion lineages)."""
        items = (self.criteria.item(i) for i in range(self.criteria.count()))
        return self.text.toPlainText().strip(), [i.data(Qt.UserRole) for i in items if i.checkState() == Qt.Checked]

    def set_checked(self, lineages: list[str]) -> None:
        """Tick exactly these criteria."""
        for i in range(self.criteria.count()):
            item = self.criteria.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in lineages else Qt.Unchecked)


class ReviseDeadlineDialog(QDialog):
    """A new deadline and why it moved; the original stays on record."""

    def __init__(self, current: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Revise deadline")
        self.deadline = _date_edit()
        start = (current or util.today()) + timedelta(days=30)
        self.deadline.set_value(start.isoformat())
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. Supplier delay")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"Current deadline: {day_text(current)}. The original deadline is kept; "
                           "each revision is listed with its date and reason."))
        form.addRow("New deadline:", self.deadline)
        form.addRow("Reason:", self.reason)
        form.addRow(self.buttons)
        self.resize(460, 160)

    def values(self) -> tuple[str | None, str]:
        """(new deadline as ISO text, reason)."""
        return _iso(self.deadline), self.reason.text().strip()


# --------------------------------------------------------------------------- editor


class ActionEditor(QWidget):
    """The selected action's fields, revision history and progress notes (the page saves them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel("<b>Action</b>")
        self.recommendation = QComboBox()
        self.recommendation.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.recommendation.setMinimumContentsLength(20)
        self.recommendation.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.text = QLineEdit()
        self.text.setPlaceholderText("What will be done — specific and checkable")
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("A named person")
        self.role = QLineEdit()
        self.role.setPlaceholderText("Their role")
        self.priority = QComboBox()
        for key, label in act.PRIORITIES.items():
            self.priority.addItem(label, key)
        self.original = _date_edit()
        self.current = QLabel()
        self.revise_button = QPushButton("Revise deadline…")
        self.status = QComboBox()
        for key, label in act.ACTION_STATUSES.items():
            self.status.addItem(label, key)
        self.completed = QLabel()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why the action was cancelled")
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText("What shows it is done: a new form, teaching log, policy version")
        self.current.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        self.revisions_model = RevisionTableModel()
        self.revisions = read_only_table(self.revisions_model)
        self.revisions.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.revisions.horizontalHeader().setStretchLastSection(True)
        self.revisions.setMaximumHeight(90)
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.notes.setMinimumHeight(60)
        self.note_text = QLineEdit()
        self.note_text.setPlaceholderText("A progress note, dated today")
        self.add_note_button = QPushButton("Add note")
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)  # text grows; combos and dates stay short
        form.addRow("Recommendation:", self.recommendation)
        form.addRow("Action:", self.text)
        owner = QHBoxLayout()
        owner.addWidget(self.owner, 3)
        owner.addWidget(self.role, 2)
        form.addRow("Owner, role:", owner)
        form.addRow("Priority:", self.priority)
        form.addRow("Original deadline:", self.original)
        current = QHBoxLayout()
        current.addWidget(self.current, 1)
        current.addWidget(self.revise_button)
        form.addRow("Current deadline:", current)
        status = QHBoxLayout()
        status.addWidget(self.status)
        status.addWidget(self.completed, 1)
        form.addRow("Status:", status)
        form.addRow("Cancel reason:", self.reason)
        form.addRow("Evidence:", self.evidence)
        note = QHBoxLayout()
        note.addWidget(self.note_text, 1)
        note.addWidget(self.add_note_button)
        fields = QVBoxLayout()
        fields.addWidget(self.heading)
        fields.addLayout(form)
        fields.addWidget(self.message)
        fields.addStretch(1)
        history = QVBoxLayout()
        history.addWidget(QLabel("Deadline revisions:"))
        history.addWidget(self.revisions)
        history.addWidget(QLabel("Progress notes:"))
        history.addWidget(self.notes, 1)
        history.addLayout(note)
        # Fields beside their history: the page is wide, and the plan above needs the height.
        layout = QHBoxLayout(self)
        layout.addLayout(fields, 3)
        layout.addLayout(history, 2)

    def show_action(self, row: act.ActionRow, revisions: list[act.Revision], notes: list[act.Note],
                    recommendations: list[act.Recommendation]) -> None:
        """Fill the fields from an action (the caller blocks its save slots meanwhile)."""
        a = row.action
        self.recommendation.clear()
        self.recommendation.addItem("(none)", None)
        for rec in recommendations:
            self.recommendation.addItem(rec.text, rec.id)
        self.recommendation.setCurrentIndex(max(0, self.recommendation.findData(a.recommendation_id)))
        for edit, value in ((self.text, a.text), (self.owner, a.owner), (self.role, a.owner_role),
                            (self.evidence, a.evidence), (self.reason, a.cancelled_reason)):
            edit.setText(value)
        self.priority.setCurrentIndex(self.priority.findData(a.priority))
        self.status.setCurrentIndex(self.status.findData(a.status))
        self.original.set_value(a.original_deadline)
        self.original.setReadOnly(bool(revisions))
        self.original.setToolTip("Kept as first agreed: revise the deadline instead." if revisions else "")
        revised = f"  (revised ×{len(revisions)})" if revisions else ""
        self.current.setText(f"{day_text(row.current_deadline)}{revised} · RAG {act.RAG_LABELS[row.rag]}")
        self.revisions_model.set_rows(revisions)
        self.notes.clear()
        for n in reversed(notes):  # newest first: the latest progress is what a reader wants
            self.notes.addItem(f"{day_text(n.noted_on)} — {n.text}")
        self.message.clear()
        self.show_status(a)

    def show_status(self, a: act.ActionItem) -> None:
        """The completion date and whether a cancel reason is wanted."""
        self.completed.setText(f"completed on {day_text(a.completed_on)}" if a.status == "complete" else "")
        self.reason.setEnabled(self.status.currentData() == "cancelled")

    def item(self, stored: act.ActionItem) -> act.ActionItem:
        """The action as the fields now say."""
        return replace(stored, text=self.text.text().strip(), owner=self.owner.text().strip(),
                       owner_role=self.role.text().strip(), priority=self.priority.currentData(),
                       original_deadline=_iso(self.original), status=self.status.currentData(),
                       cancelled_reason=self.reason.text().strip(), evidence=self.evidence.text().strip(),
                       recommendation_id=self.recommendation.currentData())
