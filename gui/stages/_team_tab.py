"""The Team tab of the Re-audit / Report stage: who did what, where it was presented, reflections.

The team (name with grade, led or contributed, trainee, tasks) and the meetings where the audit
was presented are kept with the audit (`model.report.team`, m014); the one-page summary, the
report's front page and the evidence pack read them. Edits are saved as the user types, like the
report's narrative: a text field after a pause (or when it loses focus), a choice at once. "Add"
makes a row with a placeholder name and puts the cursor in it. The right-hand side is the
trainee's reflection and evidence pack (`gui.stages._reflection_panel`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.criterion_form import SAVE_DELAY_MS
from gui.date_field import DateField
from gui.stages._reflection_panel import ReflectionPanel
from gui.table_models import RowTableModel, read_only_table
from model.core.errors import KnownError
from model.core.util import parse_iso_date, uk_date_text
from model.plan.audits import get_audit
from model.report.team import (
    ROLES,
    Presentation,
    TeamMember,
    add_member,
    add_presentation,
    delete_member,
    delete_presentation,
    list_members,
    list_presentations,
    update_member,
    update_presentation,
)

NEW_PERSON = "New team member"
NEW_MEETING = "New meeting"


class TeamModel(RowTableModel):
    """The audit's team, in the order added."""

    HEADERS = ("Name", "Role", "Trainee", "Tasks")

    def display(self, row: TeamMember, col: int) -> str:
        return (row.name, "Led" if row.role == "led" else "Contributed", "Yes" if row.is_trainee else "",
                row.tasks)[col]


class TalksModel(RowTableModel):
    """Where the audit was presented, oldest first."""

    HEADERS = ("Meeting", "Date")

    def display(self, row: Presentation, col: int) -> str:
        day = parse_iso_date(row.date) if row.date else None
        return (row.meeting, uk_date_text(day) if day else "not dated")[col]


def _table(model: RowTableModel, name: str, stretch: int) -> QTableView:
    view = read_only_table(model)
    view.setAccessibleName(name)
    view.setWordWrap(False)
    view.setMinimumHeight(72)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.Stretch)
    return view


class _Saver:
    """A pause timer: `poke()` on every keystroke, `fn` runs once typing pauses (or on `flush()`)."""

    def __init__(self, owner: QWidget, fn: Callable[[], None]) -> None:
        self.fn = fn
        self.pending = False
        self.timer = QTimer(owner)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SAVE_DELAY_MS)
        self.timer.timeout.connect(self.flush)

    def poke(self) -> None:
        self.pending = True
        self.timer.start()

    def flush(self) -> None:
        self.timer.stop()
        if self.pending:
            self.pending = False
            self.fn()


class TeamTab(QWidget):
    """The team and presentations (left) and the reflection with its evidence pack (right).

    Signals:
        data_changed(): a person or a presentation was added or removed (edits as typed do not signal:
            nothing else on screen shows them).
    """

    data_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.cycle_id: int | None = None
        self._loading = False
        self._member: TeamMember | None = None  # the one the form shows (and edits save to)
        self._talk: Presentation | None = None
        self._member_saver = _Saver(self, self._save_member)
        self._talk_saver = _Saver(self, self._save_talk)
        self._build()
        self._connect_signals()
        self._show_member(None)
        self._show_talk(None)

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.team_model, self.talks_model = TeamModel(), TalksModel()
        self.team_table = _table(self.team_model, "Team members", 3)
        self.talks_table = _table(self.talks_model, "Presentations", 0)
        self.add_member_button, self.remove_member_button = QPushButton("Add person"), QPushButton("Remove")
        self.remove_member_button.setToolTip("Remove the selected person from the team (their reflection is kept)")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Name and grade, e.g. Dr J. Smith (FY2)")
        self.role_box = QComboBox()
        for key, text in ROLES.items():
            self.role_box.addItem(text, key)
        self.trainee_box = QCheckBox("Trainee (may want an evidence pack)")
        self.tasks_edit = QLineEdit()
        self.tasks_edit.setPlaceholderText("What they did, e.g. designed the proforma; collected ward 7's cases")
        team = QGroupBox("Team")
        column = QVBoxLayout(team)
        column.addWidget(self.team_table, 1)
        column.addLayout(self._buttons(self.add_member_button, self.remove_member_button))
        form = QFormLayout()
        form.addRow("Name:", self.name_edit)
        form.addRow("Role:", self.role_box)
        form.addRow("", self.trainee_box)
        form.addRow("Tasks:", self.tasks_edit)
        column.addLayout(form)
        self.add_talk_button, self.remove_talk_button = QPushButton("Add meeting"), QPushButton("Remove")
        self.remove_talk_button.setToolTip("Remove the selected presentation")
        self.meeting_edit = QLineEdit()
        self.meeting_edit.setPlaceholderText("e.g. Medicine clinical governance meeting")
        self.date_field = DateField()
        self.date_field.setAccessibleName("Date presented")
        talks = QGroupBox("Presented at")
        column = QVBoxLayout(talks)
        column.addWidget(self.talks_table, 1)
        column.addLayout(self._buttons(self.add_talk_button, self.remove_talk_button))
        form = QFormLayout()
        form.addRow("Meeting:", self.meeting_edit)
        form.addRow("Date:", self.date_field)
        column.addLayout(form)
        left = QWidget()
        stack = QVBoxLayout(left)
        stack.setContentsMargins(0, 0, 6, 0)
        stack.addWidget(team, 3)
        stack.addWidget(talks, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(left)
        self.reflection = ReflectionPanel(self.ctx)
        splitter = QSplitter(Qt.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(scroll)
        splitter.addWidget(self.reflection)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        for edit, name in ((self.name_edit, "Team member's name"), (self.role_box, "Team member's role"),
                           (self.tasks_edit, "Team member's tasks"), (self.meeting_edit, "Meeting")):
            edit.setAccessibleName(name)

    @staticmethod
    def _buttons(*buttons: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        for button in buttons:
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _connect_signals(self) -> None:
        self.team_table.selectionModel().currentRowChanged.connect(self._on_team_row_changed)
        self.talks_table.selectionModel().currentRowChanged.connect(self._on_talk_row_changed)
        self.add_member_button.clicked.connect(self._on_add_member_button_clicked)
        self.remove_member_button.clicked.connect(self._on_remove_member_button_clicked)
        self.add_talk_button.clicked.connect(self._on_add_talk_button_clicked)
        self.remove_talk_button.clicked.connect(self._on_remove_talk_button_clicked)
        for edit in (self.name_edit, self.tasks_edit):
            edit.textEdited.connect(lambda _t: self._member_saver.poke())
            edit.editingFinished.connect(self._member_saver.flush)
        self.role_box.activated.connect(lambda _i: self._save_member())
        self.trainee_box.clicked.connect(lambda _c: self._save_member())
        self.meeting_edit.textEdited.connect(lambda _t: self._talk_saver.poke())
        self.meeting_edit.editingFinished.connect(self._talk_saver.flush)
        self.date_field.changed.connect(self._save_talk)

    # --- public -------------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        """Show an audit's team, presentations and reflections."""
        self.flush()
        self.audit_id, self.cycle_id = audit_id, cycle_id
        self._refresh_team()
        self._refresh_talks()
        for button in (self.add_member_button, self.add_talk_button):
            button.setEnabled(audit_id is not None)

    def flush(self) -> bool:
        """Save whatever is still waiting for the typing pause."""
        self._member_saver.flush()
        self._talk_saver.flush()
        self.reflection.save_pending()
        return True

    # --- the team -----------------------------------------------------------------------

    def _refresh_team(self, select_id: int | None = None) -> None:
        members = list_members(self.ctx.store.db, self.audit_id) if self.audit_id is not None else []
        self._loading = True
        self.team_model.set_rows(members)
        self._loading = False
        row = next((i for i, m in enumerate(members) if m.id == select_id), 0 if members else -1)
        self._select(self.team_table, row)
        self._show_member(members[row] if row >= 0 else None)
        self._refresh_people()

    def _refresh_people(self) -> None:
        people = [m.name for m in self.team_model.rows]
        lead = get_audit(self.ctx.store.db, self.audit_id).lead.strip() if self.audit_id is not None else ""
        if lead and lead.casefold() not in (p.casefold() for p in people):
            people.insert(0, lead)
        trainee = next((m.name for m in self.team_model.rows if m.is_trainee), lead)
        self.reflection.load(self.audit_id, self.cycle_id, people, trainee)

    @staticmethod
    def _select(view: QTableView, row: int) -> None:
        if row >= 0:
            view.selectRow(row)
            view.setCurrentIndex(view.model().index(row, 0))

    def _current(self, view: QTableView, model: RowTableModel) -> Any:
        row = view.currentIndex().row()
        return model.rows[row] if 0 <= row < len(model.rows) else None

    def _show_member(self, member: TeamMember | None) -> None:
        self._member = member
        self._loading = True
        self.name_edit.setText(member.name if member else "")
        self.role_box.setCurrentIndex(max(self.role_box.findData(member.role if member else "contributed"), 0))
        self.trainee_box.setChecked(bool(member and member.is_trainee))
        self.tasks_edit.setText(member.tasks if member else "")
        self._loading = False
        for widget in (self.name_edit, self.role_box, self.trainee_box, self.tasks_edit, self.remove_member_button):
            widget.setEnabled(member is not None)

    def _save_member(self) -> None:
        member = self._member
        if self._loading or member is None or not self.name_edit.text().strip():
            return  # a name being retyped is saved once it has a letter again
        changed = replace(member, name=self.name_edit.text(), role=str(self.role_box.currentData()),
                          is_trainee=self.trainee_box.isChecked(), tasks=self.tasks_edit.text())
        renamed = " ".join(changed.name.split()) != member.name
        if renamed:
            self.reflection.save_pending()  # under the old name: the rename takes the reflection along
        try:
            update_member(self.ctx.store.db, changed)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._member = replace(changed, name=changed.name.strip(), tasks=changed.tasks.strip())
        self._update_row(self.team_model, self._member)
        if renamed or changed.is_trainee != member.is_trainee:
            self.reflection.rename(member.name, self._member.name)
            self._refresh_people()

    @staticmethod
    def _update_row(model: RowTableModel, value: TeamMember | Presentation) -> None:
        """Show a saved row again (matched by id) without resetting the table or its selection."""
        row = next((i for i, r in enumerate(model.rows) if r.id == value.id), -1)
        if row >= 0:
            model.rows[row] = value
            model.dataChanged.emit(model.index(row, 0), model.index(row, model.columnCount() - 1))

    @Slot()
    def _on_team_row_changed(self, *_args: object) -> None:
        if not self._loading:
            self._member_saver.flush()
            self._show_member(self._current(self.team_table, self.team_model))

    @Slot()
    def _on_add_member_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        self._member_saver.flush()
        added = add_member(self.ctx.store.db, TeamMember(self.audit_id, NEW_PERSON))
        self._refresh_team(added.id)
        self.name_edit.setFocus()
        self.name_edit.selectAll()
        self.data_changed.emit()

    @Slot()
    def _on_remove_member_button_clicked(self) -> None:
        member = self._member
        if member is None or not dialogs.ask(self, "Remove from the team?",
                                             f"Remove {member.name} from the audit's team? Their reflection "
                                             "is kept."):
            return
        self._member_saver.pending = False
        delete_member(self.ctx.store.db, int(member.id))
        self._refresh_team()
        self.data_changed.emit()

    # --- the presentations --------------------------------------------------------------

    def _refresh_talks(self, select_id: int | None = None) -> None:
        talks = list_presentations(self.ctx.store.db, self.audit_id) if self.audit_id is not None else []
        self._loading = True
        self.talks_model.set_rows(talks)
        self._loading = False
        row = next((i for i, t in enumerate(talks) if t.id == select_id), 0 if talks else -1)
        self._select(self.talks_table, row)
        self._show_talk(talks[row] if row >= 0 else None)

    def _show_talk(self, talk: Presentation | None) -> None:
        self._talk = talk
        self._loading = True
        self.meeting_edit.setText(talk.meeting if talk else "")
        self.date_field.set_value(talk.date if talk else None)
        self._loading = False
        for widget in (self.meeting_edit, self.date_field, self.remove_talk_button):
            widget.setEnabled(talk is not None)

    def _save_talk(self) -> None:
        talk = self._talk
        if self._loading or talk is None or not self.meeting_edit.text().strip():
            return
        changed = replace(talk, meeting=self.meeting_edit.text().strip(), date=self.date_field.value())
        try:
            update_presentation(self.ctx.store.db, changed)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self._talk = changed
        self._update_row(self.talks_model, changed)

    @Slot()
    def _on_talk_row_changed(self, *_args: object) -> None:
        if not self._loading:
            self._talk_saver.flush()
            self._show_talk(self._current(self.talks_table, self.talks_model))

    @Slot()
    def _on_add_talk_button_clicked(self) -> None:
        if self.audit_id is None:
            return
        self._talk_saver.flush()
        added = add_presentation(self.ctx.store.db, Presentation(self.audit_id, NEW_MEETING))
        self._refresh_talks(added.id)
        self.meeting_edit.setFocus()
        self.meeting_edit.selectAll()
        self.data_changed.emit()

    @Slot()
    def _on_remove_talk_button_clicked(self) -> None:
        talk = self._talk
        if talk is None or not dialogs.ask(self, "Remove the presentation?", f"Remove \"{talk.meeting}\"?"):
            return
        self._talk_saver.pending = False
        delete_presentation(self.ctx.store.db, int(talk.id))
        self._refresh_talks()
        self.data_changed.emit()
