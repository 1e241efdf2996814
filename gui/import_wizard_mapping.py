"""The column mapping page of the spreadsheet import wizard: each column → a criterion, a case field, or ignore."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from gui import dialogs
from gui.table_models import choice_box, choice_table, set_read_only_cells
from model.collect import case_import as ci
from model.collect import rederive
from model.collect.answer_fit import answer_type_mismatches
from model.collect.proforma import proforma_mapping
from model.collect.pseudonym import mask_nhs_numbers
from model.core.errors import KnownError
from model.plan.criteria import get_criterion, list_criteria

if TYPE_CHECKING:
    from gui.import_wizard import ImportWizard


BACK_TO_MAPPING = "Back to the mapping"


class MappingPage(QWizardPage):
    """Each column → a criterion, a case field, or ignore; saved mappings by name."""

    COL_LETTER, COL_HEADER, COL_SAMPLE, COL_TARGET, COL_WARNING = range(5)

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("What each column holds")
        self.setSubTitle("Map every answer column to its criterion. Names, dates of birth and postcodes are "
                         "never imported; NHS numbers are pseudonymised.")
        self.table = choice_table(["Col", "Header", "Example values", "Import as", "Note"],
                                  "Columns of the sheet and what they hold")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.COL_LETTER, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(self.COL_HEADER, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_SAMPLE, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_TARGET, QHeaderView.Interactive)
        header.setSectionResizeMode(self.COL_WARNING, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.profiles = QComboBox()
        self.profiles.setAccessibleName("Saved mappings")
        self.load_profile = QPushButton("Load mapping")
        self.load_profile.setAccessibleName("Load the chosen mapping")
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText("name for this mapping")
        self.profile_name.setAccessibleName("Name for this mapping")
        self.save_profile = QPushButton("Save mapping")
        self.save_profile.setAccessibleName("Save this mapping")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e")
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Saved mappings:"))
        bottom.addWidget(self.profiles, 1)
        bottom.addWidget(self.load_profile)
        bottom.addSpacing(16)
        bottom.addWidget(self.profile_name, 1)
        bottom.addWidget(self.save_profile)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addLayout(bottom)
        self.combos: dict[str, QComboBox] = {}
        self._kept_as_mapped: set[tuple[str, int]] = set()
        self.load_profile.clicked.connect(self._on_load_profile_clicked)
        self.save_profile.clicked.connect(self._on_save_profile_clicked)

    def _targets(self) -> list[tuple[str, str]]:
        criteria = list_criteria(self.wiz.ctx.store.db, self.wiz.cycle_id)
        items = [(ci.IGNORE, "— ignore —")]
        items += [(ci.criterion_target(c), f"Criterion {i}: {c.label}") for i, c in enumerate(criteria, start=1)]
        items += [(key, f"Case: {label}") for key, label in ci.CASE_FIELDS.items()]
        return items

    def initializePage(self) -> None:
        session = self.wiz.session
        table = session.table
        db = self.wiz.ctx.store.db
        loaded = session.loaded
        if loaded.meta is not None:
            session.mapping = proforma_mapping(loaded.meta, table, db, self.wiz.cycle_id)
        else:
            session.mapping = ci.auto_mapping(db, self.wiz.cycle_id, table)
        self.fill(session.mapping, ci.identifying_warnings(table))
        self.profiles.clear()
        self.profiles.addItems(ci.list_profiles(db))

    def fill(self, mapping: dict[str, str], warnings: dict[str, list[str]]) -> None:
        """Show one row per column with its target chooser."""
        table = self.wiz.session.table
        targets = self._targets()
        self.table.setRowCount(len(table.columns))
        self.combos = {}
        for row, (name, letter, header) in enumerate(zip(table.columns, table.letters, table.display_headers,
                                                         strict=True)):
            values = mask_nhs_numbers(table.data[[name]].dropna().astype(str).drop_duplicates().head(4))[name]
            if name in warnings:  # identifiers are not shown, not even as examples
                values = pd.Series(["(identifying data: not shown)"])
            cells = ((self.COL_LETTER, letter), (self.COL_HEADER, " ".join(header.split())),
                     (self.COL_SAMPLE, ", ".join(values)), (self.COL_WARNING, " ".join(warnings.get(name, []))))
            set_read_only_cells(self.table, row, cells)
            combo = choice_box(f"Import column {letter} as", targets, mapping.get(name, ci.IGNORE))
            combo.currentIndexChanged.connect(self._on_combo_changed)
            self.table.setCellWidget(row, self.COL_TARGET, combo)
            self.combos[name] = combo
        self.table.setColumnWidth(self.COL_HEADER, 240)
        self.table.setColumnWidth(self.COL_SAMPLE, 170)
        self.table.setColumnWidth(self.COL_TARGET, 260)
        # Rows as tall as a combo box, so the choosers are not squeezed.
        self.table.verticalHeader().setMinimumSectionSize(QComboBox().sizeHint().height() + 6)
        self.table.resizeRowsToContents()
        self._on_combo_changed()

    def mapping(self) -> dict[str, str]:
        """The mapping as chosen now."""
        return {name: combo.currentData() for name, combo in self.combos.items()}

    def set_target(self, column: str, target: str) -> None:
        """Choose a column's target (tests and profiles)."""
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(target))

    def problems(self) -> str:
        """What stops this mapping from being imported ('' when fine)."""
        chosen = [t for t in self.mapping().values() if t != ci.IGNORE]
        if "case_ref" not in chosen:
            return "Choose the column holding the case reference."
        if not any(t.startswith(ci.CRITERION_PREFIX) for t in chosen):
            return "Map at least one column to a criterion."
        repeated = {t for t in chosen if chosen.count(t) > 1}
        if repeated:
            labels = dict(self._targets())
            return "Mapped twice: " + ", ".join(labels[t] for t in repeated) + "."
        return ""

    def isComplete(self) -> bool:
        return not self.problems()

    def validatePage(self) -> bool:
        mapping = self.mapping()
        if not self._settle_answer_types(mapping):
            return False
        self.wiz.session.mapping = mapping
        return True

    def _settle_answer_types(self, mapping: dict[str, str]) -> bool:
        """Results follow the criterion: a column whose values do not fit its criterion's answer
        type (Yes/No into a timed criterion, numbers into a Yes/No one) needs the user's choice."""
        db = self.wiz.ctx.store.db
        for m in answer_type_mismatches(db, self.wiz.cycle_id, self.wiz.session.table, mapping):
            if (m.column, m.criterion_id) in self._kept_as_mapped:
                continue
            options = (["Make the criterion Yes / No"] if m.fits == "yes_no" else []) + [
                "Leave this column out", "Import as mapped", BACK_TO_MAPPING]
            picked = dialogs.choose(self, "The column does not fit its criterion", m.message, options)
            choice = options[picked] if 0 <= picked < len(options) else BACK_TO_MAPPING
            if choice == BACK_TO_MAPPING:
                return False  # stay on this page
            if choice == "Leave this column out":
                mapping[m.column] = ci.IGNORE
                self.set_target(m.column, ci.IGNORE)
            elif choice == "Import as mapped":
                self._kept_as_mapped.add((m.column, m.criterion_id))
            else:
                self._make_yes_no(m.criterion_id)
        return True

    def _make_yes_no(self, criterion_id: int) -> None:
        c = get_criterion(self.wiz.ctx.store.db, criterion_id)
        c.answer_type = "yes_no"
        try:
            rederive.save_with_rederivation(self.wiz.ctx.store.db, c)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)

    @Slot()
    def _on_combo_changed(self) -> None:
        self.problem.setText(self.problems())
        self.completeChanged.emit()

    @Slot()
    def _on_load_profile_clicked(self) -> None:
        name = self.profiles.currentText()
        if not name:
            return
        try:
            mapping = ci.load_profile(self.wiz.ctx.store.db, name, self.wiz.session.table, self.wiz.cycle_id)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        for column, target in mapping.items():
            self.set_target(column, target)

    @Slot()
    def _on_save_profile_clicked(self) -> None:
        try:
            ci.save_profile(self.wiz.ctx.store.db, self.profile_name.text(), self.mapping())
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.profiles.clear()
        self.profiles.addItems(ci.list_profiles(self.wiz.ctx.store.db))
        self.profiles.setCurrentText(self.profile_name.text().strip())

