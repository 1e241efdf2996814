"""File › Make collection pack…, Export key…, Import key… (issue 17; the model: model.report.collection_pack,
model.collect.key_transfer).

A collection pack sends the open cycle (its criteria, empty or with the cases so far) to a
colleague who collects on their own laptop and sends their export back to be merged. The key
travels only on purpose, in its own file under a passphrase told by another route.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui import dialogs

if TYPE_CHECKING:
    from gui.main_window import MainWindow

KEY_FILTER = "AuditLoop key file (*.auditloop-key);;All files (*)"
PACKAGE_FILTER = "AuditLoop audit package (*.auditloop);;All files (*)"


def add_handover_actions(window: MainWindow, menu: Any) -> dict[str, QAction]:
    """The collection-pack and key actions of the File menu."""
    actions = {}
    for name, text, slot in (("pack", "Make &collection pack…", make_pack_flow),
                             ("export_key", "Export &key…", export_key_flow),
                             ("import_key", "Import ke&y…", import_key_flow)):
        action = QAction(text, window)
        action.triggered.connect(lambda _=False, s=slot: s(window))
        menu.addAction(action)
        actions[name] = action
    return actions


class PassphraseDialog(QDialog):
    """A passphrase, typed twice when it protects a new file."""

    def __init__(self, title: str, text: str, *, confirm: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.first = self._field(form, "&Passphrase", "Passphrase")
        self.second = self._field(form, "&Again", "Passphrase again") if confirm else None
        layout.addLayout(form)
        self.problem = QLabel()
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setAccessibleName("Use this passphrase")
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        dialogs.fit_to_screen(self, 480, 220)

    def _field(self, form: QFormLayout, label: str, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.Password)
        edit.setAccessibleName(name)
        form.addRow(label, edit)
        return edit

    def _on_buttons_accepted(self) -> None:
        if self.second is not None and self.first.text() != self.second.text():
            self.problem.setText("The two passphrases differ.")
            return
        self.accept()

    def passphrase(self) -> str:
        return self.first.text()


def ask_passphrase(parent: QWidget, title: str, text: str, *, confirm: bool) -> str | None:
    """The passphrase typed, or None when cancelled."""
    dialog = PassphraseDialog(title, text, confirm=confirm, parent=parent)
    try:
        return dialog.passphrase() if dialog.exec() == QDialog.Accepted else None
    finally:
        dialog.deleteLater()


class PackDialog(QDialog):
    """Who collects, and whether the cases so far go with the pack."""

    def __init__(self, cycle_title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make collection pack")
        self.setAccessibleName("Make collection pack")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{cycle_title}</b><br>The pack holds the audit's criteria and this cycle, for a "
                       "colleague to collect cases on their own AuditLoop. Their export merges back here, each "
                       "case marked with who collected it. No NHS or hospital numbers, and no key, go with it.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.collector = QLineEdit()
        self.collector.setAccessibleName("Who collects with this pack")
        form.addRow("&Collector", self.collector)
        self.with_cases = QCheckBox("Include the cases collected &so far")
        self.with_cases.setAccessibleName("Include the cases collected so far")
        form.addRow(self.with_cases)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Make pack…")
        buttons.button(QDialogButtonBox.Ok).setAccessibleName("Make the collection pack")
        buttons.button(QDialogButtonBox.Cancel).setAccessibleName("Cancel the collection pack")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        dialogs.fit_to_screen(self, 520, 240)


def ask_pack(parent: QWidget, cycle_title: str) -> tuple[str, bool] | None:
    """(collector, with the cases so far), or None when cancelled."""
    dialog = PackDialog(cycle_title, parent)
    try:
        if dialog.exec() != QDialog.Accepted:
            return None
        return dialog.collector.text().strip(), dialog.with_cases.isChecked()
    finally:
        dialog.deleteLater()


def _open_cycle(window: MainWindow) -> tuple[int, int, str] | None:
    """(audit id, cycle id, title) of the cycle shown in the workspace, or None with a message."""
    from model.plan.audits import get_audit
    from model.plan.cycles import get_cycle

    workspace = window.workspace
    if window.stack.currentWidget() is not workspace or workspace.audit_id is None or workspace.cycle_id() is None:
        dialogs.inform(window, "Make collection pack", "Open an audit and choose the cycle to collect for first.")
        return None
    cycle = get_cycle(window.ctx.store.db, int(workspace.cycle_id() or 0))
    audit = get_audit(window.ctx.store.db, int(workspace.audit_id))
    return int(workspace.audit_id), int(cycle.id or 0), f"{audit.title} — {cycle.title}"


def make_pack_flow(window: MainWindow) -> None:
    """Make collection pack…: the open cycle, who collects, the file; written on the writer thread."""
    if not window.flush():
        return
    chosen = _open_cycle(window)
    if chosen is None:
        return
    _audit_id, cycle_id, title = chosen
    answer = ask_pack(window, title)
    if answer is None:
        return
    collector, with_cases = answer
    name = dialogs.save_file(window, "Make collection pack", PACKAGE_FILTER,
                             str(window.ctx.store.path.parent / "collection.auditloop"))
    if not name:
        return
    path = Path(name) if Path(name).suffix else Path(name).with_suffix(".auditloop")

    def done(result: Any) -> None:
        dialogs.inform(window, "Collection pack made",
                       f"{title}\n\nWritten to {result.path} ({result.counts.get('criteria', 0)} criteria, "
                       f"{result.counts.get('cases', 0)} cases). The collector imports it with File > Import audit…, "
                       "collects, then sends their File > Export audit… back: import it here to merge.")

    from gui.tasks import run_write_task

    run_write_task(window, _pack_task, window.ctx.store, cycle_id, path, collector, with_cases, on_success=done,
                   title="Making the pack…")


def _pack_task(_progress: object, store: Any, cycle_id: int, path: Path, collector: str, with_cases: bool) -> Any:
    from model.report.collection_pack import make_collection_pack

    db = store.connect()
    try:
        return make_collection_pack(db, cycle_id, path, collector=collector, with_cases=with_cases)
    finally:
        db.close()


def export_key_flow(window: MainWindow) -> None:
    """Export key…: the open (or selected) audit's pseudonymisation key, under a passphrase."""
    from gui.handover_dialog import _audit_to_export
    from model.collect.key_transfer import SUFFIX, key_available
    from model.plan.audits import get_audit

    chosen = _audit_to_export(window)
    if chosen is None:
        return
    audit_id, title = chosen
    uid = get_audit(window.ctx.store.db, audit_id).uid
    if not key_available(window.ctx.store.path, uid):
        dialogs.inform(window, "Export key", f"{title}\n\nThis audit has no pseudonymisation key in this data file "
                                             "(no NHS numbers were pseudonymised here): there is nothing to send.")
        return
    passphrase = ask_passphrase(window, "Export key", "The key lets whoever holds it link NHS numbers to this "
                                "audit's patients. Choose a passphrase of at least 10 characters and tell it to "
                                "the receiver by phone, never with the file.", confirm=True)
    if passphrase is None:
        return
    name = dialogs.save_file(window, "Export key", KEY_FILTER, str(window.ctx.store.path.parent / f"audit{SUFFIX}"))
    if not name:
        return
    path = Path(name) if Path(name).suffix else Path(name).with_suffix(SUFFIX)
    from gui.tasks import run_task

    run_task(window, _export_key_task, window.ctx.store.path, uid, path, passphrase, title="Protecting the key…",
             on_success=lambda out: dialogs.inform(window, "Key exported", f"{title}\n\nWritten to {out}."))


def _export_key_task(_progress: object, data_path: Path, uid: str, path: Path, passphrase: str) -> Path:
    from model.collect.key_transfer import export_key

    return export_key(data_path, uid, path, passphrase)


def import_key_flow(window: MainWindow, path: Path | None = None) -> None:
    """Import key… (or a dropped key file): decrypted with its passphrase, kept beside the data file."""
    from model.collect.key_transfer import read_key_file
    from model.core.errors import KnownError

    if path is None:
        name = dialogs.open_file(window, "Import key", KEY_FILTER, str(window.ctx.store.path.parent))
        if not name:
            return
        path = Path(name)
    try:
        read_key_file(path)
    except KnownError as exc:
        dialogs.show_known_error(window, exc, "Import key")
        return
    passphrase = ask_passphrase(window, "Import key", "The passphrase the sender told you.", confirm=False)
    if passphrase is None:
        return
    from gui.tasks import run_task

    run_task(window, _import_key_task, window.ctx.store.path, path, passphrase, title="Opening the key…",
             on_success=lambda _uid: dialogs.inform(window, "Key imported", "The key is kept beside your data "
                                                    "file: NHS numbers you enter now link to the audit's patients."))


def _import_key_task(_progress: object, data_path: Path, path: Path, passphrase: str) -> str:
    from model.collect.key_transfer import import_key

    return import_key(data_path, path, passphrase)
