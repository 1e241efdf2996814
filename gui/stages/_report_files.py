"""Writing the Report stage's documents from the GUI: ask where, write off the GUI thread, record.

`DocumentJob(ctx, owner)` is shared by the Report tab (report, summary, poster) and the Team tab
(the trainee's evidence pack): `start(cycle_id, kind, fmt, final=…, person=…)` asks for the file
(a default name from the audit, cycle and version), writes it on a read-only background
connection with progress and Cancel (`write_task`), then records it in `generated_reports` on
the GUI thread (one quick save) and emits `finished`. Nothing is opened unless the user asks.
"""

from __future__ import annotations

import re
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from gui import dialogs
from gui.context import AppContext
from gui.tasks import default_error, run_task
from model.core.errors import KnownError
from model.core.progress import Cancelled, Progress
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.report.generate import GeneratedReport, next_version, record_report, write_report
from model.report.handouts import handout_record
from model.store.store import Store

FILTERS = {"docx": "Word document (*.docx)", "pdf": "PDF document (*.pdf)", "png": "PNG image (*.png)"}
FORMAT_WORDS = {"docx": "Word", "pdf": "PDF", "png": "PNG"}
#: The file types each kind of document can be written as, the first the default.
KIND_FORMATS = {"report": ("docx", "pdf"), "summary": ("pdf", "png"), "poster": ("pdf", "png"),
                "evidence": ("pdf", "docx")}
KIND_WORDS = {"report": "report", "summary": "summary", "poster": "poster", "evidence": "evidence pack"}


def write_task(progress: Progress, store: Store, cycle_id: int, kind: str, fmt: str, path: str, status: str,
               version: int, person: str | None = None) -> GeneratedReport:
    """Background: build and write a document (recorded afterwards, on the GUI thread)."""
    with store.connect() as db:
        if kind == "report":
            written = write_report(db, cycle_id, fmt, path, status=status, version=version, progress=progress)
        else:
            progress.report(0, 1, f"Drawing the {KIND_WORDS[kind]}…")
            written = handout_record(db, cycle_id, kind, path, person=person, version=version, progress=progress)
    # The writers check Cancel between charts and pages and write the file last; a Cancel pressed in
    # the moment after that still leaves no file and no record.
    if progress.cancelled:
        Path(path).unlink(missing_ok=True)
        raise Cancelled()
    return written


def safe_name(text: str, limit: int = 80) -> str:
    """Text usable in a file name on Windows, macOS and Linux."""
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", text)
    return " ".join(text.split()).strip(" .")[:limit]


def default_file_name(audit_title: str, cycle_number: int, version: int, fmt: str, final: bool,
                      kind: str = "report", person: str = "") -> str:
    """'VTE risk assessment - cycle 2 report v3 (draft).docx', '… - cycle 2 summary v1.pdf'."""
    title = safe_name(audit_title) or "Audit"
    who = f" {safe_name(person, 40)}" if person else ""
    draft = " (draft)" if kind == "report" and not final else ""
    return f"{title} - cycle {cycle_number} {KIND_WORDS[kind]}{who} v{version}{draft}.{fmt}"


def open_url(url: QUrl) -> bool:
    """Open a file or folder with the system's own application (only ever on a click)."""
    return QDesktopServices.openUrl(url)


class DocumentJob(QObject):
    """One document at a time: where to save it, the background write, the record.

    Signals:
        started(str): the file being written (its name).
        finished(object): the recorded `GeneratedReport`, or None when nothing was saved.
    """

    started = Signal(str)
    finished = Signal(object)

    def __init__(self, ctx: AppContext, owner: QWidget) -> None:
        super().__init__(owner)
        self.ctx = ctx
        self.owner = owner
        self.busy = False
        self.last_path: Path | None = None
        self.last_error = ""

    def start(self, cycle_id: int, kind: str, fmt: str | None = None, *, final: bool = False,
              person: str | None = None) -> bool:
        """Ask where and start writing; False when the user cancelled the file dialog (or one is running)."""
        if self.busy:
            return False
        db = self.ctx.store.db
        formats = KIND_FORMATS[kind]
        fmt = fmt or formats[0]
        cycle = get_cycle(db, cycle_id)
        version = next_version(db, cycle_id, kind)
        name = default_file_name(get_audit(db, cycle.audit_id).title, cycle.number, version, fmt, final, kind,
                                 person or "")
        title = f"Save the {FORMAT_WORDS[fmt]} {KIND_WORDS[kind]}" if kind == "report" else \
            f"Save the {KIND_WORDS[kind]}"
        filters = ";;".join(FILTERS[f] for f in ((fmt,) if kind == "report" else (fmt, *[x for x in formats
                                                                                           if x != fmt])))
        path = dialogs.save_file(self.owner, title, filters, name)
        if not path:
            return False
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix not in formats or (kind == "report" and suffix != fmt):
            path += f".{fmt}"
            suffix = fmt
        self.busy = True
        self.started.emit(Path(path).name)
        status = ("final" if final else "draft") if kind == "report" else ""
        run_task(self.owner, write_task, self.ctx.store, cycle_id, kind, suffix, path, status, version, person,
                 title=f"Writing the {KIND_WORDS[kind]}…", on_success=self._on_written, on_error=self._on_failed)
        return True

    def open_last(self) -> None:
        """Open the document just written (only ever on the user's click)."""
        if self.last_path is not None:
            open_url(QUrl.fromLocalFile(str(self.last_path)))

    def show_last_in_folder(self) -> None:
        """Open the folder the document just written is in."""
        if self.last_path is not None:
            open_url(QUrl.fromLocalFile(str(self.last_path.parent)))

    def _on_written(self, written: GeneratedReport) -> None:
        self.busy = False
        try:
            recorded = record_report(self.ctx.store.db, written)
        except KnownError as exc:
            self.last_error = str(exc)
            dialogs.show_known_error(self.owner, exc)
            self.finished.emit(None)
            return
        self.last_path = written.path
        self.finished.emit(recorded)

    def _on_failed(self, exc: BaseException) -> None:
        self.busy = False
        if not shiboken6.isValid(self.owner):
            return
        self.last_error = "Cancelled" if isinstance(exc, Cancelled) else "failed"
        self.finished.emit(None)
        default_error(self.owner, exc)


def saved_text(recorded: GeneratedReport) -> str:
    """What the status line says once a document is saved."""
    status = f"{recorded.status}, " if recorded.status else ""
    return (f"Saved {KIND_WORDS.get(recorded.kind, recorded.kind)} version {recorded.version} ({status}"
            f"{FORMAT_WORDS.get(recorded.format, recorded.format)}) as {recorded.path_name}.")
