"""The three pages of the benchmark import wizard: the file, how a wide table is read, the preview.

The pages lay out their controls and keep what is local to them (adding and removing measure
groups); the wizard (gui.benchmark_import_wizard) holds the state, runs the background work and
moves between them.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.benchmark_import_tasks import FORMAT_NAMES, new_measure_problem
from gui.stages._benchmark_models import MappingModel, OdsMatchesModel, PreviewMeasuresModel, ProblemsModel
from model.benchmark.benchmark_import import MeasureGroup, WideMapping
from model.core.errors import KnownError

NONE = "(none)"
ENCODINGS = (("As detected", ""), ("UTF-8", "utf-8"), ("Windows (cp1252)", "cp1252"), ("Latin-1", "latin-1"))
NATIONAL_CHOICES = (("Found by name", ""), ("No national row", "-"))
ERROR_STYLE = "color: #b3261e;"
ROLE_LABELS = {"numerator_col": "Numerator column", "denominator_col": "Denominator column",
               "percent_col": "Percentage column"}
ID_LABELS = {"org_code_col": "Organisation code column", "org_name_col": "Organisation name column",
             "parent_code_col": "Parent (trust) code column", "parent_name_col": "Parent (trust) name column"}


class ColumnDelegate(QStyledItemDelegate):
    """A combo of the file's column names for the numerator/denominator/percentage cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        if index.column() not in MappingModel.COLUMN_COLS:
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        combo.setAccessibleName(str(index.model().headerData(index.column(), Qt.Horizontal)))
        combo.addItems([NONE, *self.headers])
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            current = index.data(Qt.EditRole) or NONE
            editor.setCurrentIndex(max(0, editor.findText(current)))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.EditRole)
            return
        super().setModelData(editor, model, index)


def _table(model: QAbstractItemModel, name: str) -> QTableView:
    view = QTableView()
    view.setTabKeyNavigation(False)  # Tab leaves the table (gui.keyboard)
    view.setModel(model)
    view.setAccessibleName(name)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QTableView.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _column(box: QComboBox) -> str | None:
    return None if box.currentText() in ("", NONE) else box.currentText()


class BenchmarkFilePage(QWidget):
    """1. Choose the file, and see which format was detected (or why it cannot be read)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file chosen")
        self.path_edit.setAccessibleName("Benchmark file")
        self.browse_button = QPushButton("Choose file…")
        self.browse_button.setAccessibleName("Choose the benchmark file")
        self.format_label = QLabel("Choose an OHID Fingertips export, a national audit's organisation table, "
                                   "or a long table (organisation, measure, numerator, denominator, value).")
        self.format_label.setWordWrap(True)
        self.format_label.setTextFormat(Qt.RichText)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h3>1. Choose the file</h3>"))
        layout.addLayout(row)
        layout.addWidget(self.format_label)
        layout.addStretch(1)

    def show_looking(self, path: str) -> None:
        """A file was chosen; it is being looked at."""
        self.path_edit.setText(path)
        self.format_label.setText("Looking at the file…")

    def show_format(self, kind: str) -> None:
        """The detected format."""
        self.format_label.setText(f"<p>Detected format: <b>{escape(FORMAT_NAMES[kind])}</b></p>"
                                  "<p>Press Next to continue.</p>")

    def show_problem(self, exc: KnownError) -> None:
        """Why the file cannot be read, and what to do."""
        hint = f"<br>What to do: {escape(exc.hint)}" if exc.hint else ""
        self.format_label.setText(f"<p style='{ERROR_STYLE}'>{escape(exc.message)}{hint}</p>")


class BenchmarkMappingPage(QWidget):
    """2. How a wide national audit table is read: header row, identifier columns, period, measure groups.

    Measures are added and removed here; the header row and the saved profiles are handled by the
    wizard (they read the file or the store).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mapping_model = MappingModel()
        self.id_boxes = {key: QComboBox() for key in ID_LABELS}
        self.period_edit = QLineEdit()
        self.period_edit.setAccessibleName("Period")
        self.header_spin = QSpinBox()
        self.header_spin.setRange(1, 500)
        self.header_spin.setAccessibleName("Header row")
        self.header_spin.setToolTip("The row of the file that holds the column names (the first row is 1). "
                                    "Changing it reads the columns again.")
        self.encoding_box = QComboBox()
        self.encoding_box.setAccessibleName("Text encoding")
        self.encoding_box.setToolTip("How the file's text is read. Change it when names show odd characters "
                                     "(’ or – as Ã¢â‚¬â„¢ or �); the columns are read again.")
        for text, value in ENCODINGS:
            self.encoding_box.addItem(text, value)
        self.national_box = QComboBox()
        self.national_box.setEditable(True)
        self.national_box.setAccessibleName("National row")
        self.national_box.setToolTip("Which rows hold the national figure (never counted as organisations): "
                                     "found by name, none, or type the name or code that marks them.")
        for text, value in NATIONAL_CHOICES:
            self.national_box.addItem(text, value)
        # Two columns of label + control: six rows in one column left the table no room at 125%.
        form = QGridLayout()
        cells = [("Header row (row in the file)", self.header_spin), ("Text encoding", self.encoding_box),
                 ("National row", self.national_box), ("Period", self.period_edit)]
        for key, text in ID_LABELS.items():
            self.id_boxes[key].setAccessibleName(text)
            cells.append((text, self.id_boxes[key]))
        for i, (text, control) in enumerate(cells):
            if isinstance(control, QComboBox):
                control.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
                control.setMinimumContentsLength(14)
            label = QLabel(text)
            label.setBuddy(control)
            form.addWidget(label, i // 2, 2 * (i % 2))
            form.addWidget(control, i // 2, 2 * (i % 2) + 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        self.delegate = ColumnDelegate(self)
        self.mapping_view = _table(self.mapping_model, "Measure groups")
        self.mapping_view.setItemDelegate(self.delegate)
        self.mapping_view.setEditTriggers(QTableView.AllEditTriggers)
        self.remove_measure_button = QPushButton("Remove measure")
        self.remove_measure_button.setAccessibleName("Remove the selected measure")
        add_group = self._build_add_measure()
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.profile_box = QComboBox()
        self.profile_box.setAccessibleName("Saved profiles")
        self.load_profile_button = QPushButton("Load profile")
        self.load_profile_button.setAccessibleName("Load the chosen profile")
        self.profile_name_edit = QLineEdit()
        self.profile_name_edit.setPlaceholderText("Profile name, e.g. Falls audit")
        self.profile_name_edit.setAccessibleName("Profile name")
        self.save_profile_button = QPushButton("Save as profile…")
        self.save_profile_button.setAccessibleName("Save as profile")
        profiles = QHBoxLayout()
        for widget in (QLabel("Saved profiles:"), self.profile_box, self.load_profile_button, QLabel("  "),
                       self.profile_name_edit, self.save_profile_button):
            profiles.addWidget(widget)
        profiles.addStretch(1)
        ods = self._build_ods_row()
        layout = QVBoxLayout(self)
        intro = QLabel("<h3>2. Check how the columns are read</h3>"
                       "<p>AuditLoop proposed this from the column names and by checking numerator ÷ "
                       "denominator against the percentage. Correct anything that is wrong; save it as a "
                       "profile so next year's file imports in one step.</p>")
        intro.setWordWrap(True)  # an unwrapped paragraph made the wizard wider than a laptop screen
        layout.addWidget(intro)
        layout.addLayout(form)
        controls = [control for _, control in cells]
        for first, second in zip(controls, controls[1:], strict=False):
            QWidget.setTabOrder(first, second)  # row by row, as they are read
        layout.addWidget(self.mapping_view, 1)
        layout.addWidget(self.remove_measure_button, 0, Qt.AlignLeft)
        layout.addWidget(add_group)
        layout.addWidget(self.notes_label)
        layout.addLayout(profiles)
        layout.addLayout(ods)
        self.remove_measure_button.clicked.connect(self._on_remove_measure_button_clicked)
        self.add_measure_button.clicked.connect(self._on_add_measure_button_clicked)
        self.new_code_edit.textChanged.connect(self.check_new_measure)
        for box in self.new_boxes.values():
            box.currentIndexChanged.connect(self.check_new_measure)

    def _build_ods_row(self) -> QHBoxLayout:
        self.ods_button = QPushButton("ODS files…")
        self.ods_button.setAccessibleName("Choose ODS reference files")
        self.ods_button.setToolTip("For a table that names its hospitals or trusts without codes: the ODS lists "
                                   "(etr.csv trusts, ets.csv sites) to find each name's code in.")
        self.ods_clear_button = QPushButton("Clear")
        self.ods_clear_button.setAccessibleName("Clear the ODS reference files")
        self.ods_label = QLabel()
        self.ods_label.setWordWrap(True)
        self.ods_label.setAccessibleName("ODS reference files chosen")
        row = QHBoxLayout()
        for widget in (QLabel("Names to ODS codes:"), self.ods_button, self.ods_clear_button):
            row.addWidget(widget)
        row.addWidget(self.ods_label, 1)
        self.show_ods_files([])
        return row

    def show_ods_files(self, paths: list[str]) -> None:
        """The ODS reference files chosen (names without codes are matched in them)."""
        names = ", ".join(escape(p.replace("\\", "/").rsplit("/", 1)[-1]) for p in paths)
        self.ods_label.setText(names or "none chosen (names without codes keep no code)")
        self.ods_clear_button.setEnabled(bool(paths))

    def encoding(self) -> str:
        """The encoding chosen ("" for the guess)."""
        return str(self.encoding_box.currentData() or "")

    def national(self) -> str:
        """The national-row choice as `WideMapping.national` holds it."""
        index = self.national_box.findText(self.national_box.currentText())
        if index >= 0 and self.national_box.itemData(index) is not None:
            return str(self.national_box.itemData(index))
        return self.national_box.currentText().strip()

    def _build_add_measure(self) -> QGroupBox:
        self.new_code_edit = QLineEdit()
        self.new_code_edit.setPlaceholderText("Code, e.g. q20")
        self.new_code_edit.setAccessibleName("Code of the new measure")
        self.new_name_edit = QLineEdit()
        self.new_name_edit.setPlaceholderText("Name, e.g. Delirium screen done")
        self.new_name_edit.setAccessibleName("Name of the new measure")
        self.new_boxes = {key: QComboBox() for key in ROLE_LABELS}
        self.add_measure_button = QPushButton("Add measure")
        self.add_measure_button.setAccessibleName("Add the new measure")
        self.new_measure_message = QLabel()
        self.new_measure_message.setStyleSheet(ERROR_STYLE)
        grid = QGridLayout()
        grid.addWidget(QLabel("Code"), 0, 0)
        grid.addWidget(self.new_code_edit, 0, 1)
        grid.addWidget(QLabel("Name"), 0, 2)
        grid.addWidget(self.new_name_edit, 0, 3, 1, 3)  # names are long: it spans the last two columns
        for i, (key, text) in enumerate(ROLE_LABELS.items()):
            self.new_boxes[key].setAccessibleName(f"New measure: {text.lower()}")
            grid.addWidget(QLabel(text), 1, 2 * i)
            grid.addWidget(self.new_boxes[key], 1, 2 * i + 1)
        grid.addWidget(self.add_measure_button, 2, 0, 1, 2, Qt.AlignLeft)
        grid.addWidget(self.new_measure_message, 2, 2, 1, 4)
        for column in (1, 3, 5):
            grid.setColumnStretch(column, 1)
        group = QGroupBox("Add a measure the proposal missed (value = numerator ÷ denominator × 100; "
                          "change Scale to 1 for proportions)")
        group.setLayout(grid)
        return group

    def set_profiles(self, names: list[str]) -> None:
        """The saved profiles to choose from."""
        self.profile_box.clear()
        self.profile_box.addItems(names)
        self.load_profile_button.setEnabled(self.profile_box.count() > 0)

    def mapping(self, proposed: WideMapping) -> WideMapping:
        """The mapping as the widgets show it now (header row, sheet and notes as `proposed` has them)."""
        ids = {key: _column(box) for key, box in self.id_boxes.items()}
        return WideMapping(header_row=proposed.header_row, measures=tuple(self.mapping_model.groups),
                           period=self.period_edit.text().strip(), sheet=proposed.sheet, notes=proposed.notes,
                           encoding=self.encoding(), national=self.national(), **ids)

    def show_mapping(self, mapping: WideMapping, headers: list[str]) -> None:
        """Show a mapping; `headers` are the file's column names in that header row."""
        self.delegate.headers = headers
        for key, box in self.id_boxes.items():
            box.clear()
            box.addItems([NONE, *headers])
            value = getattr(mapping, key)
            box.setCurrentIndex(max(0, box.findText(value)) if value else 0)
        for box in self.new_boxes.values():
            box.clear()
            box.addItems([NONE, *headers])
        self.header_spin.blockSignals(True)
        self.header_spin.setValue(mapping.header_row + 1)
        self.header_spin.blockSignals(False)
        self.encoding_box.blockSignals(True)
        self.encoding_box.setCurrentIndex(max(0, self.encoding_box.findData(mapping.encoding)))
        self.encoding_box.blockSignals(False)
        national = self.national_box.findData(mapping.national)
        if national >= 0:
            self.national_box.setCurrentIndex(national)
        else:
            self.national_box.setEditText(mapping.national)
        self.period_edit.setText(mapping.period)
        self.mapping_model.set_rows(mapping.measures)
        self.notes_label.setText("<br>".join(escape(n) for n in mapping.notes))
        self.check_new_measure()

    def _new_columns(self) -> dict[str, str | None]:
        return {key: _column(box) for key, box in self.new_boxes.items()}

    def check_new_measure(self) -> str:
        """Show why the typed measure cannot be added yet; enable Add when it can."""
        problem = new_measure_problem(self.new_code_edit.text(), self._new_columns(),
                                      {g.code for g in self.mapping_model.groups})
        self.new_measure_message.setText(problem)
        self.add_measure_button.setEnabled(not problem)
        return problem

    @Slot()
    def _on_add_measure_button_clicked(self) -> None:
        if self.check_new_measure():
            return
        code = self.new_code_edit.text().strip()
        columns = self._new_columns()
        self.mapping_model.add_row(MeasureGroup(code=code, name=self.new_name_edit.text().strip() or code,
                                                scale=100.0, note="added by hand", **columns))
        self.new_code_edit.clear()
        self.new_name_edit.clear()
        for box in self.new_boxes.values():
            box.setCurrentIndex(0)

    @Slot()
    def _on_remove_measure_button_clicked(self) -> None:
        index = self.mapping_view.currentIndex()
        if index.isValid():
            self.mapping_model.remove_row(index.row())


class BenchmarkPreviewPage(QWidget):
    """3. What the import would store: the file, its measures and its problems."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.measures_model = PreviewMeasuresModel()
        self.problems_model = ProblemsModel()
        self.ods_model = OdsMatchesModel()
        self.ods_heading = QLabel()
        self.ods_heading.setWordWrap(True)
        self.ods_view = _table(self.ods_model, "Names matched to ODS codes")
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.RichText)
        self.preview_measures = _table(self.measures_model, "Measures")
        self.problems_view = _table(self.problems_model, "Problems")
        self.save_problems_button = QPushButton("Save problems as CSV…")
        self.save_problems_button.setAccessibleName("Save problems as CSV")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h3>3. Preview</h3>"))
        layout.addWidget(self.summary_label)
        layout.addWidget(QLabel("<b>Measures</b>"))
        layout.addWidget(self.preview_measures, 2)
        layout.addWidget(self.ods_heading)
        layout.addWidget(self.ods_view, 2)
        self.problems_heading = QLabel("<b>Problems</b>")
        layout.addWidget(self.problems_heading)
        layout.addWidget(self.problems_view, 2)
        layout.addWidget(self.save_problems_button, 0, Qt.AlignLeft)

    def show_preview(self, summary: dict[str, Any]) -> None:
        """Show the summary of a parsed file (model.benchmark.benchmark_summary.summarise)."""
        by_type = ", ".join(f"{escape(k)}: {v}" for k, v in summary["areas_by_type"].items()) or "—"
        periods = ", ".join(escape(p) for p in summary["periods"]) or "none given"
        read_as = _read_as(summary)
        self.summary_label.setText(
            f"<p><b>{escape(summary['file'])}</b> — {escape(FORMAT_NAMES[summary['format']])}<br>"
            f"Publisher: {escape(summary['publisher'] or 'unknown')}<br>"
            f"Organisations by area type: {by_type}<br>Periods: {periods}<br>{read_as}"
            f"Rows: {summary['rows']}; suppressed cells: {summary['suppressed_cells']} (kept empty, never 0); "
            f"duplicated organisation rows left out: {summary['duplicate_rows']}; "
            f"problems: {summary['problem_count']}</p>")
        self.measures_model.set_rows(summary["measures"])
        self._show_ods(summary.get("ods_matching"))
        self.problems_model.set_rows(summary["problems"])
        self.problems_heading.setText(f"<b>Problems</b> ({summary['problem_count']}: unreadable cells and "
                                      "duplicated organisation rows)")
        self.save_problems_button.setEnabled(summary["problem_count"] > 0)

    def _show_ods(self, matching: dict[str, Any] | None) -> None:
        names = matching["names"] if matching else []
        self.ods_model.set_rows(names)
        self.ods_heading.setVisible(matching is not None)
        self.ods_view.setVisible(matching is not None)
        if matching:
            counts = matching["counts"]
            self.ods_heading.setText(
                f"<b>Names matched to ODS codes</b>: {counts['exact']} exact, {counts['fuzzy']} fuzzy (given the "
                f"code; check them), {counts['ambiguous']} ambiguous and {counts['unmatched']} not found (no code "
                "given: they import by name only)")


def _read_as(summary: dict[str, Any]) -> str:
    """How the file was read, for the user to check: encoding, titles, national rows, markers, notes."""
    lines = []
    if summary.get("encoding"):
        lines.append(f"Text encoding: {escape(summary['encoding'])} (change it on the previous page if names "
                     "look wrong)")
    if summary.get("title"):
        lines.append(f"Title rows (not data): {escape(summary['title'][:160])}")
    national = "; ".join(f"{escape(n['name'] or n['code'] or '?')} (row {n['first_row']})"
                         for n in summary.get("national_rows", [])[:3])
    lines.append(f"National figure from: {national or 'no row (none found)'}; not counted as an organisation")
    markers = ", ".join(f"{escape(k)} ×{v}" for k, v in summary.get("marker_cells", {}).items())
    if markers:
        lines.append(f"Suppression markers (cells kept empty, the marker kept): {markers}")
    if summary.get("notes"):
        lines.append("Notes under the table: " + escape(" ".join(summary["notes"])[:200]))
    return "".join(f"{line}<br>" for line in lines)
