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
from gui.stages._plan_widgets import error_label, set_message
from model import standards as standards_model
from model.criteria import ANSWER_TYPES, DIRECTIONS
from model.errors import KnownError
from model.standards import ORIGINS, SOURCES, Standard

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
             ("Exceptions", c.get("exceptions")), ("Target", target), ("Evidence", c.get("evidence_grade")),
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
        self.resize(1040, 660)
        self._build()
        self._connect_signals()
        self.reload()

    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="Search code, title or criteria…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.details = QTextBrowser()
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
                        ("evidence_grade", "Grade"), ("source_ref", "Source"), ("data_location", "Data from"))

    def __init__(self, ctx: AppContext, standard: Standard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.standard = standard
        self.saved: Standard | None = None
        self.setWindowTitle("Edit standard" if standard.id else "New standard")
        self.resize(1000, 640)
        self._build()
        self._fill(standard)
        self.add_row_button.clicked.connect(self._on_add_row_button_clicked)
        self.remove_row_button.clicked.connect(self._on_remove_row_button_clicked)
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

    def _build(self) -> None:
        self.title = QLineEdit()
        self.source = QComboBox()
        for key, text in SOURCES.items():
            self.source.addItem(text, key)
        self.reference_code = QLineEdit(placeholderText="e.g. TRUST-POL-042")
        self.version = QLineEdit(placeholderText="e.g. 2.1 or 2024")
        self.published_on = QLineEdit(placeholderText="YYYY-MM-DD")
        self.url = QLineEdit(placeholderText="Web address, kept as text for reference")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(54)
        self.statements = QPlainTextEdit(placeholderText="One statement per line")
        self.statements.setFixedHeight(70)
        self.criteria = QTableWidget(0, len(self.CRITERIA_COLUMNS))
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
        for col, width in enumerate((120, 220, 160, 160, 140, 70, 150, 60, 120)):
            self.criteria.setColumnWidth(col, width)
        self.criteria.resizeRowsToContents()

    def add_criterion_row(self, criterion: dict | None = None) -> None:
        """Append a row for a criterion (a dict of Criterion fields)."""
        criterion = criterion or {"target": 100, "direction": "higher", "answer_type": "yes_no"}
        row = self.criteria.rowCount()
        self.criteria.insertRow(row)
        for col, (name, _label) in enumerate(self.CRITERIA_COLUMNS):
            if name == "direction":
                box = QComboBox()
                for key, text in DIRECTIONS.items():
                    box.addItem(text.split(" (")[0], key)
                box.setCurrentIndex(max(0, box.findData(criterion.get("direction", "higher"))))
                self.criteria.setCellWidget(row, col, box)
                continue
            value = criterion.get(name)
            item = QTableWidgetItem("" if value is None else (f"{value:g}" if name == "target" else str(value)))
            if name == "short_name":
                item.setData(Qt.UserRole, dict(criterion))  # keeps fields this table does not show
            self.criteria.setItem(row, col, item)

    def _criterion_at(self, row: int) -> dict:
        item = self.criteria.item(row, 0)
        spec = dict(item.data(Qt.UserRole) or {}) if item is not None else {}
        spec.setdefault("answer_type", "yes_no")
        for col, (name, _label) in enumerate(self.CRITERIA_COLUMNS):
            if name == "direction":
                spec[name] = self.criteria.cellWidget(row, col).currentData()
                continue
            cell = self.criteria.item(row, col)
            spec[name] = cell.text().strip() if cell is not None else ""
        spec["target"] = _number(spec["target"], f"Criterion {row + 1}: the target must be a number from 0 to 100.")
        if spec["answer_type"] not in ANSWER_TYPES:
            spec["answer_type"] = "yes_no"
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
