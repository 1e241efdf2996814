"""'Who we are': our trust's name and ODS codes, used to find our rows in national files."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from model.benchmark.benchmark_compare import identity_problems, load_identity, save_identity
from model.core.errors import KnownError

ERROR_STYLE = "color: #b3261e;"
INTRO = (
    "National audits and Fingertips list organisations by their ODS code. AuditLoop finds our own "
    "rows by these codes first (the trust and its sites), and by name only after you confirm."
)


class TrustSettingsDialog(QDialog):
    """Edit trust name, 3-character ODS trust code and 5-character site codes (validated inline)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Who we are")
        self._build()
        self._connect_signals()
        identity = load_identity(ctx.store.db)
        self.name_edit.setText(identity.name)
        self.code_edit.setText(identity.code)
        self.sites_edit.setText(", ".join(identity.site_codes))
        self._validate()

    def _build(self) -> None:
        self.name_edit = QLineEdit()
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("e.g. RXX")
        self.sites_edit = QLineEdit()
        self.sites_edit.setPlaceholderText("e.g. RXX01, RXX02")
        self.messages = {key: QLabel() for key in ("name", "code", "sites")}
        for label in self.messages.values():
            label.setStyleSheet(ERROR_STYLE)
            label.setWordWrap(True)
            label.hide()
        form = QFormLayout()
        for text, edit, key in (("Trust name", self.name_edit, "name"), ("ODS trust code", self.code_edit, "code"),
                                ("Site codes (comma separated)", self.sites_edit, "sites")):
            form.addRow(text, edit)
            form.addRow("", self.messages[key])
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def _connect_signals(self) -> None:
        for edit in (self.name_edit, self.code_edit, self.sites_edit):
            edit.textChanged.connect(self._on_edit_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def problems(self) -> dict[str, str]:
        """The current inline messages per field ("name", "code", "sites")."""
        return identity_problems(self.name_edit.text(), self.code_edit.text(), self.sites_edit.text())

    def _validate(self) -> dict[str, str]:
        problems = self.problems()
        for key, label in self.messages.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        self.buttons.button(QDialogButtonBox.Save).setEnabled(not problems)
        return problems

    @Slot()
    def _on_edit_text_changed(self) -> None:
        self._validate()

    @Slot()
    def _on_buttons_accepted(self) -> None:
        if self._validate():
            return
        try:
            save_identity(self.ctx.store.db, self.name_edit.text(), self.code_edit.text(), self.sites_edit.text())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.accept()
