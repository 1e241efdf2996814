"""The spreadsheet import wizard.

Pages: file → sheet and header row → column mapping → unreadable values → preview → Import.
Every read, plan and commit runs off the GUI thread through gui.tasks.run_task (progress
and Cancel); the commit is all-or-nothing, so Cancel leaves the cycle as it was.
The pages are in gui.import_wizard_pages and gui.import_wizard_mapping, their background
reading in gui.import_wizard_tasks; the quick look at a spreadsheet is gui.quick_look.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard

from gui import dialogs
from gui.context import AppContext
from gui.import_wizard_mapping import MappingPage
from gui.import_wizard_pages import FilePage, PreviewPage, SheetPage, ValuesPage
from gui.import_wizard_tasks import LoadedFile, Session, load_file_task
from gui.tasks import Task, run_task, run_write_task
from model.collect import case_import as ci
from model.core.progress import Cancelled, Progress
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.store.store import Store


def commit_task(progress: Progress, store: Store, cycle_id: int, plan: ci.ImportPlan, file_name: str,
                sha256: str) -> int:
    """Store the plan (one transaction)."""
    with store.connect() as db:
        return ci.commit_import(db, cycle_id, plan, file_name=file_name, sha256=sha256, progress=progress)


class ImportWizard(QWizard):
    """Import a spreadsheet (or a filled proforma) into a cycle.

    Signals:
        imported(int): the new import's id, after a successful commit.
    """

    imported = Signal(int)

    def __init__(self, ctx: AppContext, cycle_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cycle_id = cycle_id
        cycle = get_cycle(ctx.store.db, cycle_id)
        self.audit = get_audit(ctx.store.db, cycle.audit_id)
        self.cycle_title = cycle.title
        self.session = Session()
        self.commit: Task | None = None
        self.result_import_id: int | None = None
        self.setWindowTitle("Import cases from a spreadsheet")
        self.setWizardStyle(QWizard.ClassicStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        self.setButtonText(QWizard.FinishButton, "Import")
        dialogs.fit_to_screen(self, 1000, 680)
        self.file_page, self.sheet_page = FilePage(self), SheetPage(self)
        self.mapping_page, self.values_page, self.preview_page = MappingPage(self), ValuesPage(self), PreviewPage(self)
        for page in (self.file_page, self.sheet_page, self.mapping_page, self.values_page, self.preview_page):
            self.addPage(page)

    def open_path(self, path: Path) -> Task:
        """Read a file in the background (the file page's Browse, and tests)."""
        self.session = Session()
        self.file_page.completeChanged.emit()
        return run_task(self, load_file_task, path, self.ctx.store, self.cycle_id, on_success=self._on_loaded,
                        on_error=self.task_failed, title=f"Reading {path.name}…")

    def _on_loaded(self, loaded: LoadedFile) -> None:
        if loaded.previous_import is not None and not self._replace_or_skip(loaded):
            self.reject()
            return
        self.session.loaded = loaded
        self.session.table = loaded.table
        if loaded.meta is not None and loaded.meta.audit_uid != self.audit.uid:
            dialogs.warn(self, "Proforma from another audit",
                         "This proforma was made for a different audit. Check the mapping before importing.")
        self.file_page.show_loaded(loaded)

    def _replace_or_skip(self, loaded: LoadedFile) -> bool:
        """Re-importing the same file: replace its cases (True) or skip it (False)."""
        replace = dialogs.ask(self, "File already imported",
                              f"{loaded.path.name} was already imported into this cycle.\n\n"
                              "Replace the cases of that import with this file? (No skips this file.)")
        self.session.replace_import_id = loaded.previous_import if replace else None
        return replace

    def task_failed(self, exc: BaseException) -> None:
        """A background step failed: known problems are shown; nothing was stored."""
        from gui.tasks import default_error

        default_error(self, exc)

    def accept(self) -> None:
        """Import: commit in the background; the wizard closes when it is stored."""
        plan, loaded = self.session.plan, self.session.loaded
        if plan is None or loaded is None or self.commit is not None:
            return
        self.button(QWizard.FinishButton).setEnabled(False)
        self.commit = run_write_task(self, commit_task, self.ctx.store, self.cycle_id, plan, loaded.path.name,
                               loaded.sha256, on_success=self._on_committed, on_error=self._on_commit_failed,
                               title="Importing cases…")

    def _on_committed(self, import_id: int) -> None:
        self.commit = None
        self.result_import_id = import_id
        self.imported.emit(import_id)
        super().accept()

    def _on_commit_failed(self, exc: BaseException) -> None:
        self.commit = None
        self.button(QWizard.FinishButton).setEnabled(True)
        if isinstance(exc, Cancelled):
            dialogs.inform(self, "Import cancelled", "The import was cancelled. Nothing was stored.")
        else:
            self.task_failed(exc)

