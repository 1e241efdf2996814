"""File › Export audit… and File › Import audit…: handing an audit to the next doctor as one file.

The dialog asks for the handover note; the flows pick the audit and the file, run the work in
the background (the import on the one writer thread) and, after an import, show the receiving
doctor the handover note before anything else. The model does the work (model.report.handover*).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs
from gui.tasks import run_write_task

if TYPE_CHECKING:
    from gui.main_window import MainWindow
    from model.report.handover import HandoverNote

PACKAGE_FILTER = "AuditLoop audit package (*.auditloop);;All files (*)"


class HandoverNoteDialog(QDialog):
    """The handover note: from whom, to whom, the date, what is done, what is next, contacts."""

    def __init__(self, audit_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export audit: handover note")
        self.setAccessibleName("Handover note")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{_escaped(audit_title)}</b><br>The next doctor sees this note first. The file holds "
                       "no NHS or hospital numbers, and never the pseudonymisation key.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.from_name = self._line(form, "From (you, grade)", "Handover from")
        self.to_name = self._line(form, "To (the next doctor)", "Handover to")
        self.on_date = self._line(form, "Date", "Handover date (YYYY-MM-DD)")
        self.on_date.setText(date.today().isoformat())
        self.done_text = self._text(form, "What is done", "What is done")
        self.next_steps = self._text(form, "What is next", "What is next")
        self.contacts = self._text(form, "Contacts", "Contacts (supervisor, audit office)")
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export…")
        buttons.button(QDialogButtonBox.Ok).setAccessibleName("Export the audit")
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName("Cancel the export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _line(self, form: QFormLayout, label: str, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        form.addRow(label, edit)
        return edit

    def _text(self, form: QFormLayout, label: str, name: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(name)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(64)
        form.addRow(label, edit)
        return edit

    def note(self) -> HandoverNote:
        """The note as typed."""
        from model.report.handover import HandoverNote

        return HandoverNote(from_name=self.from_name.text().strip(), to_name=self.to_name.text().strip(),
                            handed_over_on=self.on_date.text().strip() or None,
                            done=self.done_text.toPlainText().strip(), next_steps=self.next_steps.toPlainText().strip(),
                            contacts=self.contacts.toPlainText().strip())


def ask_handover_note(parent: QWidget, audit_title: str) -> HandoverNote | None:
    """Show the handover-note dialog; the note, or None when cancelled."""
    dialog = HandoverNoteDialog(audit_title, parent)
    try:
        return dialog.note() if dialog.exec() == QDialog.Accepted else None
    finally:
        dialog.deleteLater()


def _escaped(text: str) -> str:
    import html

    return html.escape(text)


def _audit_to_export(window: MainWindow) -> tuple[int, str] | None:
    """The open audit, else the one selected in the register, else one the user chooses."""
    from model.plan.audits import get_audit, list_audits

    db = window.ctx.store.db
    audit_id = window.workspace.audit_id if window.stack.currentWidget() is window.workspace else None
    audit_id = audit_id if audit_id is not None else window.register.selected_audit_id()
    if audit_id is not None:
        return audit_id, get_audit(db, audit_id).title
    audits = list_audits(db)
    if not audits:
        dialogs.inform(window, "Export audit", "There is no audit to export yet.")
        return None
    index = dialogs.choose(window, "Export audit", "Which audit do you want to hand over?", [a.title for a in audits])
    return (int(audits[index].id or 0), audits[index].title) if index >= 0 else None


def export_audit_flow(window: MainWindow) -> None:
    """Export audit…: the audit, the handover note, the file; the package written in the background.

    On the writer thread: what was sent is recorded as the merge base (m020).
    """
    if not window.flush():
        return
    chosen = _audit_to_export(window)
    if chosen is None:
        return
    audit_id, title = chosen
    note = ask_handover_note(window, title)
    if note is None:
        return
    start = str(window.ctx.store.path.parent / "audit.auditloop")
    name = dialogs.save_file(window, "Export audit", PACKAGE_FILTER, start)
    if not name:
        return
    path = Path(name) if Path(name).suffix else Path(name).with_suffix(".auditloop")

    def done(result: Any) -> None:
        from model.report.handover_export import summary_counts

        window.statusBar().showMessage(f"Exported to {result.path}", 8000)
        dialogs.inform(window, "Audit exported",
                       f"{title}\n\nWritten to {result.path} ({summary_counts(result.counts)}).\n"
                       "Give this one file to the next doctor: they use File > Import audit….")

    run_write_task(window, _export_task, window.ctx.store, audit_id, path, note, on_success=done,
                   title="Exporting…")


def _export_task(_progress: object, store: Any, audit_id: int, path: Path, note: HandoverNote) -> Any:
    from model.report.handover_export import export_audit

    db = store.connect()
    try:
        return export_audit(db, audit_id, path, handover_note=note, remember_base=not store.read_only)
    finally:
        db.close()


def import_audit_flow(window: MainWindow, path: Path | None = None) -> None:
    """Import audit… (or a dropped file): a new audit is added and its handover note shown first; an
    audit already here is merged after the merge review (gui/merge_review.py)."""
    from gui.tasks import default_error, run_task
    from model.core.errors import KnownError

    if not window.flush():
        return
    if path is None:
        name = dialogs.open_file(window, "Import audit", PACKAGE_FILTER, str(window.ctx.store.path.parent))
        if not name:
            return
        path = Path(name)

    def refused(exc: BaseException) -> None:
        if isinstance(exc, KnownError):
            dialogs.show_known_error(window, exc, "Import audit")
        else:
            default_error(window, exc)

    chosen = path
    run_task(window, _read_task, chosen, on_success=lambda summary: _import_read(window, chosen, summary),
             on_error=refused, title="Checking the file…")


def _read_task(_progress: object, path: Path) -> Any:
    from model.report.handover import read_package

    return read_package(path)  # checked, and upgraded in a temporary copy when older


def _import_read(window: MainWindow, path: Path, summary: Any) -> None:
    """The package is readable: merge it when its audit is here, else ask and add it."""
    from model.report.handover_import import present_audit_id

    titles = ", ".join(str(a["title"]) for a in summary.audits)
    if any(present_audit_id(window.ctx.store.db, str(a["uid"])) is not None for a in summary.audits):
        _merge_flow(window, path, titles)
        return
    counts = summary.counts
    if not dialogs.ask(window, "Import audit",
                       f"Add “{titles}” to this data file?\n\n{counts.get('cycles', 0)} cycles, "
                       f"{counts.get('cases', 0)} cases, {counts.get('actions', 0)} actions; handed over by "
                       f"{summary.note.from_name or 'someone unnamed'}. A backup is taken first."):
        return

    def done(result: Any) -> None:
        if not result.applied:
            dialogs.warn(window, "Import audit", result.message)
            return
        window.register.reload()
        dialogs.inform(window, f"Handover note — {titles}", "\n\n".join(
            t for t in (result.note.as_text(), result.key_note()) if t))
        window.open_audit(int(result.audit_id))

    run_write_task(window, _import_task, window.ctx.store, path, None, on_success=done, title="Importing…")


def _merge_flow(window: MainWindow, path: Path, titles: str) -> None:
    """The package's audit is here: plan the merge (read-only), review it, then apply it on the writer."""
    from gui.merge_review import review_merge
    from gui.tasks import run_task

    def planned(result: Any) -> None:
        plan = result.as_json()
        if not (plan["added"] or plan["updated"] or plan["deleted"] or plan["conflicts"]):
            dialogs.inform(window, "Import audit", result.message)
            return
        decisions = review_merge(window, plan, path.name)
        if decisions is None:
            return
        run_write_task(window, _import_task, window.ctx.store, path, decisions, on_success=merged,
                       title="Merging…")

    def merged(result: Any) -> None:
        if not result.applied:
            dialogs.warn(window, "Merge", result.message)
            return
        window.register.reload()
        parts = [f"{n} {kind.replace('_', ' ')}" for kind, n in result.added.items()]
        text = (f"{titles}: merged from {path.name}.\nAdded: {', '.join(parts) or 'nothing'}; updated: "
                f"{sum(result.updated.values())}; conflicts resolved: {len(result.conflicts)}. "
                f"A backup was taken first ({result.backup.name if result.backup else 'none'}).")
        dialogs.inform(window, "Merge applied", "\n\n".join(t for t in (text, result.key_note()) if t))
        window.open_audit(int(result.audit_id))

    run_task(window, _plan_task, window.ctx.store, path, on_success=planned, title="Comparing the copies…")


def _plan_task(_progress: object, store: Any, path: Path) -> Any:
    from model.report.handover_import import import_audit

    db = store.connect()
    try:
        return import_audit(db, path, dry_run=True, data_path=store.path)
    finally:
        db.close()


def _import_task(_progress: object, store: Any, path: Path, decisions: dict[tuple[str, str], str] | None) -> Any:
    from model.report.handover_import import import_audit

    db = store.connect()
    try:
        return import_audit(db, path, data_path=store.path, decisions=decisions)
    finally:
        db.close()


def dropped_file(urls: list[Any]) -> Path | None:
    """The audit package or key file among dropped URLs (the first local one), else None."""
    from model.collect.key_transfer import SUFFIX as KEY_SUFFIX

    for url in urls:
        path = Path(url.toLocalFile()) if url.isLocalFile() else None
        if path is not None and path.suffix.lower() in (".auditloop", KEY_SUFFIX):
            return path
    return None


def open_dropped(window: MainWindow, path: Path) -> None:
    """A file dropped on the window: an audit package is imported (or merged), a key file imported."""
    from model.collect.key_transfer import SUFFIX as KEY_SUFFIX

    if path.suffix.lower() == KEY_SUFFIX:
        from gui.handover_extras import import_key_flow

        import_key_flow(window, path)
    else:
        import_audit_flow(window, path)
