"""The New audit dialog: the few fields needed to register an audit, and a check for duplicates.

As the title is typed, audits already in the register that look alike are listed, so a
trainee can pick up an existing audit as a re-audit instead of starting a duplicate.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._plan_widgets import WARNING_STYLE, error_label, set_message, with_message
from model.core.errors import KnownError
from model.plan import audits as audits_model
from model.plan.audits import AUDIT_TYPES, STATUSES, Audit, register_new_audit
from model.plan.similarity import similar_audits
from model.plan.standards import list_standards


class NewAuditDialog(QDialog):
    """Register a new audit with its baseline cycle.

    After `exec()` returns Accepted, exactly one of these is set:

    Attributes:
        created_audit_id: the audit just registered.
        open_instead_id: an existing audit the user chose to open instead.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_audit_id: int | None = None
        self.open_instead_id: int | None = None
        self.setWindowTitle("New audit")
        dialogs.fit_to_screen(self, 640, 520)
        self._build()
        self._connect_signals()
        self._on_standard_changed()

    def _build(self) -> None:
        db = self.ctx.store.db
        self.title = QLineEdit(placeholderText="What care is being audited, for whom, where")
        self.title.setAccessibleName("Audit title")
        self.title_error = error_label()
        self.specialty = QLineEdit()
        self.specialty.setAccessibleName("Specialty")
        self.specialty.setCompleter(self._completer(audits_model.specialties(db)))
        self.lead = QLineEdit(placeholderText="e.g. Dr A. Patel (ST4)")
        self.lead.setAccessibleName("Audit lead")
        self.lead.setCompleter(self._completer(audits_model.leads(db)))
        self.audit_type = QComboBox()
        for key, text in AUDIT_TYPES.items():
            self.audit_type.addItem(text, key)
        self.standard = QComboBox()
        self.standard.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.standard.setMinimumContentsLength(30)
        self.standard.addItem("None yet (choose later on the Plan page)", None)
        for standard in list_standards(db):
            self.standard.addItem(standard.label, standard.id)
            self.standard.setItemData(self.standard.count() - 1, standard.label, Qt.ToolTipRole)
        self.copy_criteria = QCheckBox("Start cycle 1 with the standard's criteria")
        self.copy_criteria.setChecked(True)
        form = QFormLayout()
        form.addRow("Title", with_message(self.title, self.title_error))
        form.addRow("Specialty", self.specialty)
        form.addRow("Audit lead", self.lead)
        form.addRow("Type", self.audit_type)
        form.addRow("Standard", self.standard)
        form.addRow("", self.copy_criteria)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.create_button = self.buttons.addButton("Create audit", QDialogButtonBox.AcceptRole)
        self.create_button.setDefault(True)
        intro = QLabel("Register the audit with a few details; the Plan page holds the rest (aims, team, dates, "
                       "the audit-not-research check). Cycle 1, the baseline, is created with it.", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self._similar_group(), 1)
        layout.addWidget(self.buttons)

    def _similar_group(self) -> QGroupBox:
        self.similar_heading = QLabel(wordWrap=True)
        self.similar_heading.setStyleSheet(WARNING_STYLE)
        self.similar_list = QListWidget()
        self.similar_list.setAccessibleName("Similar audits already registered")
        self.similar_list.setWordWrap(True)
        self.open_instead_button = QPushButton("Open that audit instead")
        self.open_instead_button.setEnabled(False)
        self.similar_group = QGroupBox("Similar audits already registered")
        layout = QVBoxLayout(self.similar_group)
        layout.addWidget(self.similar_heading)
        layout.addWidget(self.similar_list, 1)
        layout.addWidget(self.open_instead_button, 0, Qt.AlignRight)
        self.similar_group.hide()
        return self.similar_group

    def _completer(self, words: list[str]) -> QCompleter:
        completer = QCompleter(words, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        return completer

    def _connect_signals(self) -> None:
        self.title.textChanged.connect(self._on_title_text_changed)
        self.standard.currentIndexChanged.connect(self._on_standard_changed)
        self.similar_list.currentRowChanged.connect(self._on_similar_list_current_row_changed)
        self.similar_list.itemDoubleClicked.connect(self._on_open_instead_button_clicked)
        self.open_instead_button.clicked.connect(self._on_open_instead_button_clicked)
        self.buttons.accepted.connect(self._on_create)
        self.buttons.rejected.connect(self.reject)

    # --- similar audits ---------------------------------------------------------------------

    def refresh_similar(self) -> None:
        """List the register's audits that look like this one."""
        found = similar_audits(self.ctx.store.db, self.title.text(), self.standard.currentData())
        self.similar_list.clear()
        for match in found:
            audit = audits_model.get_audit(self.ctx.store.db, match.audit_id)
            who = f" · lead {audit.lead}" if audit.lead else ""
            item = QListWidgetItem(f"{match.title}\n    {match.reason} · {STATUSES[audit.status]}{who}")
            item.setData(Qt.UserRole, match.audit_id)
            self.similar_list.addItem(item)
        self.similar_heading.setText(
            f"{len(found)} audit{'s' if len(found) != 1 else ''} in the register look{'s' if len(found) == 1 else ''} "
            "like this one. If it is a re-audit of an existing audit, open that audit and start a new cycle there "
            "instead of registering a duplicate.")
        self.similar_group.setVisible(bool(found))
        self.open_instead_button.setEnabled(False)

    @Slot()
    def _on_title_text_changed(self) -> None:
        if self.title.text().strip():
            set_message(self.title_error, "")
        self.refresh_similar()

    @Slot()
    def _on_standard_changed(self) -> None:
        self.copy_criteria.setEnabled(self.standard.currentData() is not None)
        self.refresh_similar()

    @Slot(int)
    def _on_similar_list_current_row_changed(self, row: int) -> None:
        self.open_instead_button.setEnabled(row >= 0)

    @Slot()
    def _on_open_instead_button_clicked(self) -> None:
        item = self.similar_list.currentItem()
        if item is not None:
            self.open_instead_id = item.data(Qt.UserRole)
            self.accept()

    # --- creating ---------------------------------------------------------------------------

    def form_audit(self) -> Audit:
        """The audit as the dialog's fields describe it."""
        return Audit(title=self.title.text().strip(), specialty=self.specialty.text().strip(),
                     lead=self.lead.text().strip(), audit_type=self.audit_type.currentData())

    @Slot()
    def _on_create(self) -> None:
        audit = self.form_audit()
        problems = audits_model.field_problems(audit)
        if problems:
            set_message(self.title_error, " ".join(problems.values()))
            self.title.setFocus()
            return
        standard_id = self.standard.currentData()
        try:
            audit, _cycle = register_new_audit(self.ctx.store.db, audit, standard_id,
                                               copy_criteria=self.copy_criteria.isChecked())
        except KnownError as exc:
            set_message(self.title_error, exc.message)
            return
        self.created_audit_id = audit.id
        self.accept()
