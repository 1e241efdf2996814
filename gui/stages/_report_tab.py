"""The Report tab of the Re-audit / Report stage: the narrative, what a final lacks, and the files.

The team writes the sections numbers cannot (kept with the cycle as they type, so a report can be
regenerated at any time); "Draft from data" offers the executive summary and conclusions and never
replaces written text without asking; Word and PDF reports, the one-page summary and the QI poster
are written off the GUI thread (`gui.stages._report_files.DocumentJob`, a read-only connection) and
recorded with their SHA-256 once written; the table lists every document of the cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.context import AppContext
from gui.criterion_form import SAVE_DELAY_MS, TextBox, text_box_column
from gui.stages._report_files import FORMAT_WORDS, DocumentJob, saved_text
from gui.table_models import RowTableModel, read_only_table
from gui.tasks import default_error, run_task
from model.core.errors import KnownError
from model.core.progress import Progress
from model.plan.cycles import get_cycle
from model.report.generate import KINDS, GeneratedReport, list_reports
from model.report.narrative import (
    SECTION_TITLES,
    SECTIONS,
    draft_from_data,
    get_sections,
    missing_for_final,
    save_sections,
)
from model.report.readiness import report_warnings
from model.store.store import Store

DRAFTED = ("executive_summary", "conclusions")  # what draft_from_data fills
READY = "Nothing: this report can be issued as final."
_LINES = {"executive_summary": 5, "background": 4, "discussion": 5, "conclusions": 4}


def missing_task(progress: Progress, store: Store, cycle_id: int) -> tuple[list[str], list[str]]:
    """Background: what the cycle's report still lacks before it can be final, and advice that does not block."""
    with store.connect() as db:
        return missing_for_final(db, cycle_id), report_warnings(db, cycle_id, progress=progress)


def draft_task(progress: Progress, store: Store, cycle_id: int) -> dict[str, str]:
    """Background: the executive summary and conclusions drafted from the cycle's results."""
    progress.report(0, 1, "Drafting from the results…")
    with store.connect() as db:
        return draft_from_data(db, cycle_id)


class ReportsModel(RowTableModel):
    """The documents generated for the cycle (reports, summaries, posters, evidence packs), newest first."""

    HEADERS = ("Document", "Version", "Date", "Format", "Status", "SHA-256", "File")
    HEADER_TIPS = {5: "The first 12 characters of the file's SHA-256 checksum: the same file gives the same code."}

    def display(self, row: GeneratedReport, col: int) -> str:
        values = (KINDS.get(row.kind, row.kind), f"v{row.version}", _when(row.created_at),
                  FORMAT_WORDS.get(row.format, row.format), row.status.capitalize() or "—", row.sha256[:12],
                  row.path_name)
        return values[col]

    def role_data(self, row: GeneratedReport, col: int, role: int) -> Any:
        if role == Qt.ToolTipRole and col == 5:
            return row.sha256
        return None


def _when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp
    return f"{moment:%d %b %Y %H:%M}"


class ReportTab(QWidget):
    """Narrative sections, the gaps before a final, the generate buttons and the reports table.

    Signals:
        data_changed(): a report was recorded.
    """

    data_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cycle_id: int | None = None
        self.editors: dict[str, TextBox] = {}
        self.missing: list[str] = []
        self.warnings: list[str] = []  # shown in the list too, but never stop a final report
        self.job = DocumentJob(ctx, self)
        self.preview: QWidget | None = None  # the preview window, when open
        self._dirty: set[str] = set()
        self._loading = False
        self._token = 0  # a new load drops what an earlier one started
        self._gaps_token = 0  # only the latest gaps are shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._build()
        self._connect_signals()
        self._set_enabled()

    # --- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._sections())
        splitter.addWidget(self._side())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.reports_model = ReportsModel()
        self.reports_table = read_only_table(self.reports_model)
        self.reports_table.setAccessibleName("Generated documents")
        self.reports_table.setWordWrap(False)
        self.reports_table.setMinimumHeight(70)
        self.reports_table.setMaximumHeight(110)
        header = self.reports_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(ReportsModel.HEADERS.index("File"), QHeaderView.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter, 1)
        layout.addWidget(QLabel("Generated documents (newest first):"))
        layout.addWidget(self.reports_table)

    def _sections(self) -> QWidget:
        self.draft_button = QPushButton("Draft from data")
        self.draft_button.setToolTip("Fill the executive summary and conclusions from the results "
                                     "(asks before replacing anything you wrote)")
        note = QLabel("Saved with the cycle as you type; kept when the report is regenerated.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        top = QHBoxLayout()
        top.addWidget(self.draft_button)
        top.addWidget(note, 1)
        scroll, editors = text_box_column([(key, f"<b>{SECTION_TITLES[key]}</b>", SECTION_TITLES[key],
                                            _LINES.get(key, 3)) for key in SECTIONS], 150)
        self.editors.update(editors)
        box = QGroupBox("Narrative")
        column = QVBoxLayout(box)
        column.addLayout(top)
        column.addWidget(scroll, 1)
        return box

    def _side(self) -> QWidget:
        self.missing_list = QListWidget()
        self.missing_list.setAccessibleName("Before it can be final")
        self.missing_list.setWordWrap(True)
        self.missing_list.setMinimumHeight(60)
        gaps = QGroupBox("Before it can be final")
        QVBoxLayout(gaps).addWidget(self.missing_list)
        self.final_box = QCheckBox("Final (not draft)")
        self.final_box.setToolTip("A final report needs everything in the list above done")
        self.word_button = QPushButton("Word report…")
        self.pdf_button = QPushButton("PDF report…")
        self.summary_button = QPushButton("Summary…")
        self.summary_button.setToolTip("The one-page A4 landscape summary, PDF or PNG (legible when projected)")
        self.poster_button = QPushButton("Poster…")
        self.poster_button.setToolTip("The A1 portrait QI poster, vector PDF or PNG")
        self.preview_button = QPushButton("Preview report")
        self.preview_button.setToolTip("See what the report will say, charts included, before writing a file")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Open the document just written")
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setToolTip("Open the folder the document was saved in")
        generate = QGroupBox("Generate")
        grid = QGridLayout(generate)
        grid.addWidget(self.final_box, 0, 0)
        grid.addWidget(self.word_button, 1, 0)
        grid.addWidget(self.pdf_button, 1, 1)
        grid.addWidget(self.summary_button, 2, 0)
        grid.addWidget(self.poster_button, 2, 1)
        grid.addWidget(self.preview_button, 0, 1)
        grid.addWidget(self.status, 3, 0, 1, 2)
        grid.addWidget(self.open_button, 4, 0)
        grid.addWidget(self.folder_button, 4, 1)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(gaps, 1)
        column.addWidget(generate)
        return side

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self.save_pending)
        for key, editor in self.editors.items():
            editor.textChanged.connect(lambda k=key: self._on_section_text_changed(k))
            editor.editingFinished.connect(self.save_pending)
        self.draft_button.clicked.connect(self._on_draft_button_clicked)
        self.word_button.clicked.connect(lambda: self.generate("docx"))
        self.pdf_button.clicked.connect(lambda: self.generate("pdf"))
        self.summary_button.clicked.connect(lambda: self.generate_handout("summary"))
        self.poster_button.clicked.connect(lambda: self.generate_handout("poster"))
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.job.started.connect(self._on_job_started)
        self.job.finished.connect(self._on_job_finished)
        self.open_button.clicked.connect(self.job.open_last)
        self.folder_button.clicked.connect(self.job.show_last_in_folder)

    # --- public -------------------------------------------------------------------------

    def load(self, cycle_id: int | None) -> None:
        """Show a cycle's narrative, its gaps and its reports (None: no cycle yet)."""
        self.save_pending()
        self.cycle_id = cycle_id
        self._token += 1
        self.job.last_path = None
        self.status.setText("")
        texts = get_sections(self.ctx.store.db, cycle_id) if cycle_id is not None else dict.fromkeys(SECTIONS, "")
        self._loading = True
        for key, editor in self.editors.items():
            editor.setPlainText(texts[key])
        self._loading = False
        self._refresh_reports()
        self.refresh_missing()
        self._set_enabled()

    def flush(self) -> bool:
        """Save whatever is still waiting for the typing pause."""
        self.save_pending()
        return True

    @Slot()
    def save_pending(self) -> None:
        """Store the sections edited since the last save (one transaction)."""
        self._timer.stop()
        if not self._dirty or self.cycle_id is None:
            self._dirty.clear()
            return
        texts = {key: self.editors[key].toPlainText() for key in SECTIONS if key in self._dirty}
        self._dirty.clear()
        try:
            save_sections(self.ctx.store.db, self.cycle_id, texts)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.refresh_missing()

    def refresh_missing(self) -> None:
        """Work out the gaps before a final in the background; the list shows them when they come."""
        token = self._gaps_token = self._gaps_token + 1
        if self.cycle_id is None:
            self._show_missing(token, ([], []))
            return
        run_task(self, missing_task, self.ctx.store, self.cycle_id, show_progress=False,
                 on_success=lambda found: self._show_missing(token, found))

    def generate(self, fmt: str) -> None:
        """Ask where, then write the Word ("docx") or PDF ("pdf") report in the background."""
        if self.cycle_id is None or self.job.busy:
            return
        self.save_pending()
        final = self.final_box.isChecked()
        if final:
            gaps = missing_for_final(self.ctx.store.db, self.cycle_id)
            if gaps:
                dialogs.warn(self, "Not ready to be final",
                             "The report cannot be final yet. Before it can be final:\n\n"
                             + "\n".join(f"• {gap}" for gap in gaps) + "\n\nComplete these, or generate a draft.")
                return
        self.job.start(self.cycle_id, "report", fmt, final=final)

    def generate_handout(self, kind: str) -> None:
        """Ask where, then write the one-page summary or the poster ("summary", "poster") in the background."""
        if self.cycle_id is not None and not self.job.busy:
            self.save_pending()
            self.job.start(self.cycle_id, kind)

    # --- internals ----------------------------------------------------------------------

    def _alive(self, token: int | None = None) -> bool:
        return shiboken6.isValid(self) and (token is None or token == self._token)

    def _show_missing(self, token: int, found: tuple[list[str], list[str]]) -> None:
        if not shiboken6.isValid(self) or token != self._gaps_token:
            return
        gaps, warnings = found
        self.missing, self.warnings = list(gaps), list(warnings)
        self.missing_list.clear()
        if self.cycle_id is None:
            self.missing_list.addItem("This audit has no cycle yet: plan one on the Plan stage.")
            return
        self.missing_list.addItems(gaps or [READY])
        icon = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        for text in warnings:  # advice: marked by its words ("Warning (not required)") as well as the icon
            self.missing_list.addItem(QListWidgetItem(icon, text))

    def _refresh_reports(self) -> None:
        rows = list_reports(self.ctx.store.db, self.cycle_id) if self.cycle_id is not None else []
        self.reports_model.set_rows(rows)

    def _set_enabled(self) -> None:
        has_cycle = self.cycle_id is not None
        busy = self.job.busy
        for widget in (*self.editors.values(), self.draft_button, self.final_box):
            widget.setEnabled(has_cycle)
        for button in (self.word_button, self.pdf_button, self.summary_button, self.poster_button,
                       self.preview_button):
            button.setEnabled(has_cycle and not busy)
        self.draft_button.setEnabled(has_cycle and not busy)
        for button in (self.open_button, self.folder_button):
            button.setEnabled(self.job.last_path is not None)

    def _on_section_text_changed(self, key: str) -> None:
        if self._loading or self.cycle_id is None:
            return
        self._dirty.add(key)
        self._timer.start()

    @Slot()
    def _on_preview_button_clicked(self) -> None:
        from gui.report_preview import PreviewDialog, preview_task

        if self.cycle_id is None:
            return
        self.save_pending()
        token, status = self._token, "final" if self.final_box.isChecked() else "draft"
        self.preview_button.setEnabled(False)

        def show(preview: object) -> None:
            self._set_enabled()
            if self._alive(token):
                self.preview = PreviewDialog(preview, get_cycle(self.ctx.store.db, self.cycle_id).title, self)
                self.preview.show()

        def failed(exc: BaseException) -> None:
            if self._alive():
                self._set_enabled()
                default_error(self, exc)

        run_task(self, preview_task, self.ctx.store, self.cycle_id, status, title="Preparing the preview…",
                 on_success=show, on_error=failed)

    @Slot(str)
    def _on_job_started(self, name: str) -> None:
        self.status.setText(f"Writing {name}…")
        self._set_enabled()

    @Slot(object)
    def _on_job_finished(self, recorded: GeneratedReport | None) -> None:
        if not self._alive():
            return
        if recorded is None:
            self.status.setText("Cancelled: nothing was saved." if self.job.last_error == "Cancelled"
                                else "The document was not saved.")
        else:
            self.status.setText(saved_text(recorded))
            self._refresh_reports()
            self.data_changed.emit()
        self._set_enabled()

    @Slot()
    def _on_draft_button_clicked(self) -> None:
        if self.cycle_id is None or self.job.busy:
            return
        self.save_pending()
        cycle_id = self.cycle_id
        self.draft_button.setEnabled(False)
        run_task(self, draft_task, self.ctx.store, cycle_id, title="Drafting from the results…",
                 on_success=lambda draft: self._apply_draft(cycle_id, draft),
                 on_error=self._on_draft_failed)

    def _on_draft_failed(self, exc: BaseException) -> None:
        if self._alive():
            self._set_enabled()
            default_error(self, exc)

    def _apply_draft(self, cycle_id: int, draft: dict[str, str]) -> None:
        if not self._alive() or cycle_id != self.cycle_id:
            return
        self._set_enabled()
        self.save_pending()
        written = [key for key in DRAFTED if key in draft and self.editors[key].toPlainText().strip()
                   and self.editors[key].toPlainText().strip() != draft[key].strip()]
        replace = bool(written) and dialogs.ask(
            self, "Replace your text?",
            f"The {_join([SECTION_TITLES[k] for k in written])} already "
            f"{'has' if len(written) == 1 else 'have'} text. Replace it with the draft from the data?\n\n"
            "No keeps your text and fills only the empty sections.")
        texts = {key: draft[key] for key in DRAFTED if key in draft and (replace or key not in written)}
        if not texts:
            return
        self._loading = True
        for key, text in texts.items():
            self.editors[key].setPlainText(text)
        self._loading = False
        try:
            save_sections(self.ctx.store.db, cycle_id, texts)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.refresh_missing()



def _join(titles: list[str]) -> str:
    words = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
    return f"{words} section{'' if len(titles) == 1 else 's'}"
