"""The trainee's reflection (the GMC's five questions) and their evidence pack, for the Team tab.

`ReflectionPanel(ctx)`: choose the person (the team, or the audit lead when not on it), type the
answers (saved with the audit as they type, `model.report.team.save_reflections`), then write the
one-page evidence pack as PDF or Word (`DocumentJob`, off the GUI thread, recorded).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.criterion_form import SAVE_DELAY_MS, TextBox, text_box_column
from gui.stages._report_files import DocumentJob, saved_text
from model.core.errors import KnownError
from model.report.generate import GeneratedReport
from model.report.team import REFLECTION_QUESTIONS, get_reflections, save_reflections


class ReflectionPanel(QGroupBox):
    """Whose reflection, the five answers, and the evidence pack buttons."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Reflection and evidence pack", parent)
        self.ctx = ctx
        self.audit_id: int | None = None
        self.cycle_id: int | None = None
        self.editors: dict[str, TextBox] = {}
        self.job = DocumentJob(ctx, self)
        self._person = ""
        self._dirty: set[str] = set()
        self._loading = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._build()
        self._connect_signals()
        self._set_enabled()

    def _build(self) -> None:
        self.person_box = QComboBox()
        self.person_box.setAccessibleName("Whose reflection")
        self.person_box.setToolTip("The trainee whose reflection and evidence pack this is")
        top = QFormLayout()
        top.addRow("Trainee:", self.person_box)
        scroll, editors = text_box_column([(key, question, question, 3)
                                            for key, question in REFLECTION_QUESTIONS.items()], 120)
        self.editors.update(editors)
        self.evidence_button = QPushButton("Evidence pack…")
        self.evidence_button.setToolTip("The one-page ePortfolio evidence pack for this trainee, PDF or Word")
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the evidence pack just written")
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setToolTip("Open the folder the evidence pack was saved in")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        buttons = QHBoxLayout()
        for button in (self.evidence_button, self.open_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(scroll, 1)
        column.addLayout(buttons)
        column.addWidget(self.status)

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self.save_pending)
        for key, editor in self.editors.items():
            editor.textChanged.connect(lambda k=key: self._on_answer_text_changed(k))
            editor.editingFinished.connect(self.save_pending)
        self.person_box.currentIndexChanged.connect(self._on_person_box_changed)
        self.evidence_button.clicked.connect(self._on_evidence_button_clicked)
        self.open_button.clicked.connect(self.job.open_last)
        self.folder_button.clicked.connect(self.job.show_last_in_folder)
        self.job.started.connect(lambda name: self._show_status(f"Writing {name}…"))
        self.job.finished.connect(self._on_job_finished)

    # --- public -------------------------------------------------------------------------

    def load(self, audit_id: int | None, cycle_id: int | None, people: list[str], preferred: str = "") -> None:
        """Show the audit's people (keeping the chosen one when still there) and that person's answers."""
        self.save_pending()
        self.audit_id, self.cycle_id = audit_id, cycle_id
        keep = self._person or preferred
        self.person_box.blockSignals(True)
        self.person_box.clear()
        self.person_box.addItems(people)
        index = next((i for i, p in enumerate(people) if p.casefold() == keep.casefold()), 0)
        self.person_box.setCurrentIndex(index if people else -1)
        self.person_box.blockSignals(False)
        self._show_person()

    def rename(self, old: str, new: str) -> None:
        """The chosen person's name was corrected on the team (their answers moved with it)."""
        if self._person.casefold() == " ".join(old.split()).casefold():
            self._person = new

    @property
    def person(self) -> str:
        """Whose reflection is shown ('' for nobody)."""
        return self._person

    @Slot()
    def save_pending(self) -> None:
        """Store the answers edited since the last save (one transaction)."""
        self._timer.stop()
        if not self._dirty or self.audit_id is None or not self._person:
            self._dirty.clear()
            return
        texts = {key: self.editors[key].toPlainText() for key in self._dirty}
        self._dirty.clear()
        try:
            save_reflections(self.ctx.store.db, self.audit_id, self._person, texts)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)

    # --- internals ----------------------------------------------------------------------

    def _show_person(self) -> None:
        self._person = self.person_box.currentText()
        answers = (get_reflections(self.ctx.store.db, self.audit_id, self._person)
                   if self.audit_id is not None and self._person else dict.fromkeys(REFLECTION_QUESTIONS, ""))
        self._loading = True
        for key, editor in self.editors.items():
            editor.setPlainText(answers[key])
        self._loading = False
        self._set_enabled()

    def _set_enabled(self) -> None:
        someone = self.audit_id is not None and bool(self._person)
        for widget in (self.person_box, *self.editors.values()):
            widget.setEnabled(someone)
        self.evidence_button.setEnabled(someone and self.cycle_id is not None and not self.job.busy)
        for button in (self.open_button, self.folder_button):
            button.setEnabled(self.job.last_path is not None)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self._set_enabled()

    def _on_answer_text_changed(self, key: str) -> None:
        if not self._loading and self.audit_id is not None:
            self._dirty.add(key)
            self._timer.start()

    @Slot(int)
    def _on_person_box_changed(self, _index: int) -> None:
        self.save_pending()
        self._show_person()

    @Slot()
    def _on_evidence_button_clicked(self) -> None:
        if self.cycle_id is not None and self._person:
            self.save_pending()
            self.job.start(self.cycle_id, "evidence", person=self._person)

    @Slot(object)
    def _on_job_finished(self, recorded: GeneratedReport | None) -> None:
        if not shiboken6.isValid(self):
            return
        if recorded is None:
            self._show_status("Cancelled: nothing was saved." if self.job.last_error == "Cancelled"
                              else "The evidence pack was not saved.")
        else:
            self._show_status(saved_text(recorded))
