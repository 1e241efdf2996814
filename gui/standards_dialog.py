"""The standards library: browse and search standards, edit the department's own, share the library.

Links to guidance are shown as text only: AuditLoop never opens the network.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.stages._plan_widgets import choice_combo, error_label, set_message
from model.core.errors import KnownError
from model.plan import standards as standards_model
from model.plan.criteria import ANSWER_TYPES, DIRECTIONS, THRESHOLD_OPS, TIME_UNITS
from model.plan.standards import ORIGINS, SOURCES, Standard

LIBRARY_FILTER = "AuditLoop standards library (*.json);;All files (*)"


def standard_html(standard: Standard) -> str:
    """A readable description of a standard (the URL as plain text, never a link)."""
    e = html.escape
    facts = [("Source", standard.source_label), ("Reference", standard.reference_code),
             ("Version", standard.version), ("Published", standard.published_on or ""),
             ("Web address", standard.url), ("In this library", ORIGINS.get(standard.origin, standard.origin))]
    rows = "".join(f"<tr><td><b>{e(k)}</b>&nbsp;</td><td>{e(v)}</td></tr>" for k, v in facts if v)
    statements = "".join(f"<li>{e(s)}</li>" for s in standard.statements)
    crits = "".join(_criterion_html(n, c) for n, c in enumerate(standard.criteria, start=1))
    return (f"<h3>{e(standard.title)}</h3><table>{rows}</table>"
            + (f"<p><i>{e(standard.notes)}</i></p>" if standard.notes else "")
            + (f"<h4>What the standard says</h4><ul>{statements}</ul>" if statements else "")
            + (f"<h4>Criteria</h4>{crits}" if crits else "<p>No criteria written yet.</p>"))


def _criterion_html(number: int, c: dict) -> str:
    e = html.escape
    target = f"{c.get('target'):g}%" if isinstance(c.get("target"), int | float) else "—"
    parts = [("Who is eligible", c.get("denominator")), ("Who meets it", c.get("numerator")),
             ("Exceptions", c.get("exceptions")), ("Target", target), ("Answer", standards_model.criterion_rule(c)),
             ("Evidence", c.get("evidence_grade")),
             ("Source", c.get("source_ref")), ("Data from", c.get("data_location"))]
    details = "<br>".join(f"<b>{e(k)}:</b> {e(str(v))}" for k, v in parts if v)
    return f"<p><b>{number}. {e(c.get('short_name') or '')}</b> {e(c.get('statement') or '')}<br>{details}</p>"


class StandardsDialog(QDialog):
    """Browse, search, edit and share the standards library."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.standards: list[Standard] = []
        self.setWindowTitle("Standards library")
        dialogs.fit_to_screen(self, 1040, 660)
        self._build()
        self._connect_signals()
        self.reload()

    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="Search code, title or criteria…")
        self.search.setAccessibleName("Search the standards library")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Standards in the library")
        self.list.setWordWrap(True)
        self.details = QTextBrowser()
        self.details.setAccessibleName("The chosen standard and its criteria")
        self.details.setOpenLinks(False)
        self.details.setOpenExternalLinks(False)
        self.new_button = QPushButton("New…")
        self.edit_button = QPushButton("Edit…")
        self.copy_button = QPushButton("Copy as new…")
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import library…")
        self.export_button = QPushButton("Export library…")
        self.close_button = QPushButton("Close")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.copy_button, self.delete_button):
            row.addWidget(button)
        left_layout.addLayout(row)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setSizes([380, 660])
        bottom = QHBoxLayout()
        bottom.addWidget(self.import_button)
        bottom.addWidget(self.export_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._fill_list)
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.list.itemDoubleClicked.connect(self._on_edit_button_clicked)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.close_button.clicked.connect(self.accept)

    def reload(self, select_uid: str | None = None) -> None:
        """Re-read the library."""
        self.standards = standards_model.list_standards(self.ctx.store.db)
        self._fill_list(select_uid=select_uid)

    @Slot()
    def _fill_list(self, _text: str = "", select_uid: str | None = None) -> None:
        current = self.current()
        select_uid = select_uid or (current.uid if current else None)
        self.list.clear()
        for standard in standards_model.search_standards(self.standards, self.search.text()):
            item = QListWidgetItem(f"{standard.label}\n    {standard.source_label} · {ORIGINS[standard.origin]}")
            item.setData(Qt.UserRole, standard.uid)
            self.list.addItem(item)
            if standard.uid == select_uid:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self._on_list_current_row_changed(self.list.currentRow())

    def current(self) -> Standard | None:
        """The standard selected in the list."""
        item = self.list.currentItem()
        uid = item.data(Qt.UserRole) if item is not None else None
        return next((s for s in self.standards if s.uid == uid), None)

    @Slot(int)
    def _on_list_current_row_changed(self, _row: int) -> None:
        standard = self.current()
        self.details.setHtml(standard_html(standard) if standard else "<p>No standard matches.</p>")
        editable = standard is not None and standard.editable
        self.edit_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.copy_button.setEnabled(standard is not None)

    def _edit(self, standard: Standard) -> None:
        editor = StandardEditor(self.ctx, standard, self)
        if editor.exec() == QDialog.Accepted and editor.saved is not None:
            self.reload(editor.saved.uid)

    @Slot()
    def _on_new_button_clicked(self) -> None:
        self._edit(Standard(title="", source="local_policy"))

    @Slot()
    def _on_edit_button_clicked(self) -> None:
        standard = self.current()
        if standard is not None and standard.editable:
            self._edit(standard)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        standard = self.current()
        if standard is not None:
            self._edit(standards_model.copy_standard(standard))

    @Slot()
    def _on_delete_button_clicked(self) -> None:
        standard = self.current()
        if standard is None or not dialogs.ask(self, "Delete standard", f"Delete “{standard.label}” from the "
                                               "library? Audits that used it keep the version they recorded."):
            return
        try:
            standards_model.delete_standard(self.ctx.store.db, standard.id)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
        self.reload()

    @Slot()
    def _on_export_button_clicked(self) -> None:
        name = dialogs.save_file(self, "Export the standards library", LIBRARY_FILTER, "standards-library.json")
        if not name:
            return
        try:
            count = standards_model.export_library(self.ctx.store.db, Path(name))
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        dialogs.inform(self, "Library exported", f"{count} standard(s) added or imported here were written to "
                       f"{name}. Built-in standards are not included: every AuditLoop has them.")

    @Slot()
    def _on_import_button_clicked(self) -> None:
        name = dialogs.open_file(self, "Import a standards library", LIBRARY_FILTER)
        if not name:
            return
        try:
            report = standards_model.import_library(self.ctx.store.db, Path(name))
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.reload()
        dialogs.inform(self, "Library imported", report.summary())


class StandardEditor(QDialog):
    """Add or change one user standard; nothing is stored until it validates.

    Attributes:
        saved: the stored standard after Save, else None.
    """

    CRITERIA_COLUMNS = (("short_name", "Short name"), ("statement", "Statement"),
                        ("denominator", "Who is eligible"), ("numerator", "Who meets it"),
                        ("exceptions", "Exceptions"), ("target", "Target %"), ("direction", "Direction"),
                        ("answer_type", "Answer"), ("threshold_op", "Met when"), ("threshold", "Threshold"),
                        ("threshold_unit", "Unit"),
                        ("evidence_grade", "Grade"), ("source_ref", "Source"), ("data_location", "Data from"))
    COLUMN_WIDTHS = (120, 220, 160, 160, 140, 70, 130, 180, 110, 80, 90, 60, 120)
    # Columns chosen from a drop-down: field → {stored value: text shown}.
    CHOICE_COLUMNS = {"direction": {key: text.split(" (")[0] for key, text in DIRECTIONS.items()},
                      "answer_type": {key: text.split(" with")[0] for key, text in ANSWER_TYPES.items()},
                      "threshold_op": THRESHOLD_OPS}
    DEFAULTS = {"target": 100, "direction": "higher", "answer_type": "yes_no", "threshold_op": "<="}
    # The threshold, its operator and unit only mean something for these answer types.
    THRESHOLD_ANSWERS = ("numeric", "time_diff")

    def __init__(self, ctx: AppContext, standard: Standard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.standard = standard
        self.saved: Standard | None = None
        self.setWindowTitle("Edit standard" if standard.id else "New standard")
        dialogs.fit_to_screen(self, 1000, 640)
        self._build()
        self._fill(standard)
        self.add_row_button.clicked.connect(self._on_add_row_button_clicked)
        self.remove_row_button.clicked.connect(self._on_remove_row_button_clicked)
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

    def _build(self) -> None:
        self.title = QLineEdit()
        self.source = choice_combo(SOURCES)
        self.reference_code = QLineEdit(placeholderText="e.g. TRUST-POL-042")
        self.version = QLineEdit(placeholderText="e.g. 2.1 or 2024")
        self.published_on = QLineEdit(placeholderText="YYYY-MM-DD")
        self.url = QLineEdit(placeholderText="Web address, kept as text for reference")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(54)
        self.statements = QPlainTextEdit(placeholderText="One statement per line")
        self.statements.setFixedHeight(70)
        self.criteria = QTableWidget(0, len(self.CRITERIA_COLUMNS))
        self.criteria.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
        self.criteria.setHorizontalHeaderLabels([label for _, label in self.CRITERIA_COLUMNS])
        self.criteria.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.criteria.horizontalHeader().setStretchLastSection(True)
        self.criteria.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.add_row_button = QPushButton("Add criterion")
        self.remove_row_button = QPushButton("Remove criterion")
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        form = QFormLayout()
        for text, widget in (("Title", self.title), ("Source", self.source), ("Reference", self.reference_code),
                             ("Version", self.version), ("Published", self.published_on),
                             ("Web address", self.url), ("Notes", self.notes), ("Statements", self.statements)):
            form.addRow(text, widget)
        rows = QHBoxLayout()
        rows.addWidget(QLabel("Criteria"))
        rows.addStretch(1)
        rows.addWidget(self.add_row_button)
        rows.addWidget(self.remove_row_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(rows)
        layout.addWidget(self.criteria, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _fill(self, s: Standard) -> None:
        self.title.setText(s.title)
        self.source.setCurrentIndex(max(0, self.source.findData(s.source)))
        self.reference_code.setText(s.reference_code)
        self.version.setText(s.version)
        self.published_on.setText(s.published_on or "")
        self.url.setText(s.url)
        self.notes.setPlainText(s.notes)
        self.statements.setPlainText("\n".join(s.statements))
        for criterion in s.criteria:
            self.add_criterion_row(criterion)
        for col, width in enumerate(self.COLUMN_WIDTHS):
            self.criteria.setColumnWidth(col, width)
        self.criteria.resizeRowsToContents()

    def add_criterion_row(self, criterion: dict | None = None) -> None:
        """Append a row for a criterion (a dict of Criterion fields)."""
        criterion = criterion or dict(self.DEFAULTS)
        row = self.criteria.rowCount()
        self.criteria.insertRow(row)
        for col, (name, _label) in enumerate(self.CRITERIA_COLUMNS):
            if name in self.CHOICE_COLUMNS:
                box = choice_combo(self.CHOICE_COLUMNS[name])
                box.setCurrentIndex(max(0, box.findData(criterion.get(name) or self.DEFAULTS[name])))
                self.criteria.setCellWidget(row, col, box)
            elif name == "threshold_unit":
                # Time limits need one of the time units; a numeric criterion's unit is typed freely.
                box = QComboBox(editable=True)
                box.addItems(["", *TIME_UNITS])
                box.setCurrentText(criterion.get(name) or "")
                self.criteria.setCellWidget(row, col, box)
            else:
                value = criterion.get(name)
                numeric = name in ("target", "threshold") and isinstance(value, int | float)
                item = QTableWidgetItem("" if value is None else (f"{value:g}" if numeric else str(value)))
                if name == "short_name":
                    item.setData(Qt.UserRole, dict(criterion))  # keeps fields this table does not show
                self.criteria.setItem(row, col, item)
        self._answer_box(row).currentIndexChanged.connect(self._on_answer_box_current_index_changed)
        self._show_threshold_cells(row)

    def _column(self, name: str) -> int:
        return next(i for i, (field, _label) in enumerate(self.CRITERIA_COLUMNS) if field == name)

    def _answer_box(self, row: int) -> QComboBox:
        return self.criteria.cellWidget(row, self._column("answer_type"))

    def _show_threshold_cells(self, row: int) -> None:
        """Enable the threshold cells of a row only when its answer type uses them."""
        uses = self._answer_box(row).currentData() in self.THRESHOLD_ANSWERS
        for name in ("threshold_op", "threshold_unit"):
            self.criteria.cellWidget(row, self._column(name)).setEnabled(uses)
        item = self.criteria.item(row, self._column("threshold"))
        flags = item.flags() | Qt.ItemIsEnabled if uses else item.flags() & ~Qt.ItemIsEnabled
        item.setFlags(flags)

    def _criterion_at(self, row: int) -> dict:
        item = self.criteria.item(row, 0)
        spec = dict(item.data(Qt.UserRole) or {}) if item is not None else {}
        for col, (name, _label) in enumerate(self.CRITERIA_COLUMNS):
            widget = self.criteria.cellWidget(row, col)
            if name in self.CHOICE_COLUMNS:
                spec[name] = widget.currentData()
            elif name == "threshold_unit":
                spec[name] = widget.currentText().strip()
            else:
                cell = self.criteria.item(row, col)
                spec[name] = cell.text().strip() if cell is not None else ""
        spec["target"] = _number(spec["target"], f"Criterion {row + 1}: the target must be a number from 0 to 100.")
        spec["threshold"] = _number(spec["threshold"], f"Criterion {row + 1}: the threshold must be a number.")
        if spec["answer_type"] not in self.THRESHOLD_ANSWERS:
            spec["threshold"], spec["threshold_unit"] = None, ""  # a Yes/No or choice answer has no limit
        return spec

    def form_standard(self) -> Standard:
        """The standard as the editor shows it (raises KnownError for a non-numeric target)."""
        s = self.standard
        crits = [self._criterion_at(r) for r in range(self.criteria.rowCount())]
        statements = [line.strip() for line in self.statements.toPlainText().splitlines() if line.strip()]
        return Standard(title=self.title.text().strip(), id=s.id, uid=s.uid, source=self.source.currentData(),
                        reference_code=self.reference_code.text().strip(), version=self.version.text().strip(),
                        published_on=self.published_on.text().strip() or None, url=self.url.text().strip(),
                        statements=statements, criteria=crits,
                        origin=s.origin if s.origin != "builtin" else "user", notes=self.notes.toPlainText().strip(),
                        created_at=s.created_at)

    @Slot()
    def _on_save(self) -> None:
        try:
            self.saved = standards_model.save_standard(self.ctx.store.db, self.form_standard())
        except KnownError as exc:
            set_message(self.error, exc.message)
            return
        self.accept()

    @Slot()
    def _on_add_row_button_clicked(self) -> None:
        self.add_criterion_row()
        self.criteria.setCurrentCell(self.criteria.rowCount() - 1, 0)

    @Slot(int)
    def _on_answer_box_current_index_changed(self, _index: int) -> None:
        for row in range(self.criteria.rowCount()):
            self._show_threshold_cells(row)

    @Slot()
    def _on_remove_row_button_clicked(self) -> None:
        row = self.criteria.currentRow()
        if row >= 0:
            self.criteria.removeRow(row)


def _number(text: str, message: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.rstrip("%").strip())
    except ValueError:
        raise KnownError(message) from None
