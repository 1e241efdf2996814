"""Results › Export case data…: the choices before a cycle's cases are written to Excel.

Identifiers are left out unless the user ticks the box, which shows a warning in words (and the
page asks once more before writing); small-number suppression is offered, on by default when the
data is to leave the team. `model.results.case_export` does the work.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from gui import a11y, dialogs

WARNING = ("Identifiable: the workbook will hold NHS and hospital numbers. Only do this when your "
           "organisation's information governance allows it, and keep the file where only the team can read it.")


class CaseExportDialog(QDialog):
    """Choose suppression and whether identifiers go in; `suppress()` and `identifiers()` give the answers."""

    def __init__(self, threshold: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export case data")
        intro = QLabel("One row per case with each criterion's outcome and the value as entered, a README sheet "
                       "saying where the data came from, and the criteria. Cases are pseudonymised: a case "
                       "reference and a patient key, no NHS or hospital number. Text that Excel could run as a "
                       "formula is made safe.")
        intro.setWordWrap(True)
        self.suppress_box = QCheckBox(f"Suppress small numbers: values shared by fewer than {threshold} cases, "
                                      "exact ages and the days of dates")
        self.suppress_box.setChecked(True)
        self.identifiers_box = QCheckBox("Include NHS and hospital numbers (identifiable)")
        self.warning = QLabel(WARNING)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.warning.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setText("Save…")
        layout = QVBoxLayout(self)
        for widget in (intro, self.suppress_box, self.identifiers_box, self.warning):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.identifiers_box.toggled.connect(self._on_identifiers_box_toggled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        a11y.name_unnamed(self)
        dialogs.fit_to_screen(self, 560, 260)

    def suppress(self) -> bool:
        """Whether small numbers are to be suppressed."""
        return self.suppress_box.isChecked()

    def identifiers(self) -> bool:
        """Whether NHS and hospital numbers are to be written (the user has seen the warning)."""
        return self.identifiers_box.isChecked()

    @Slot(bool)
    def _on_identifiers_box_toggled(self, checked: bool) -> None:
        self.warning.setVisible(checked)
        self.warning.setAccessibleDescription(WARNING if checked else "")
        self.identifiers_box.setAccessibleDescription(WARNING if checked else "")
        if checked:
            self.warning.setFocusPolicy(Qt.NoFocus)
