"""The main window: the register as home screen, an audit's workspace, and the menus."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from gui import dialogs, recent
from gui.context import AppContext

log = logging.getLogger("auditloop")

# The register, workspace and model (with sqlite-utils) are imported when the window is
# attached to a data file, after its first paint: the window appears as fast as a bare one.


PREFERRED_SIZE = QSize(1200, 760)
DEMO_BANNER = "DEMO: made-up audits for a made-up trust, in a separate file (not your data)"


def fitting_size(available: QSize | None) -> QSize:
    """The first window size: the preferred one, shrunk to the screen's free area (a 1366×768
    laptop at 125% offers about 1093×580 once the taskbar and title bar are counted)."""
    return dialogs.within(available, PREFERRED_SIZE)


class MainWindow(QMainWindow):
    """Home (register) and workspace on a stack, with File and Help menus.

    Signals:
        store_replaced(): another data file was opened (tests wait on it).
        attached(): the window shows a data file (after `attach` or `attach_later`).
    """

    store_replaced = Signal()
    attached = Signal()

    def __init__(self, ctx: AppContext | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: AppContext = ctx  # type: ignore[assignment] # None only until attach()
        self.setWindowTitle("AuditLoop")
        self.resize(fitting_size(self.screen().availableGeometry().size() if self.screen() else None))
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.opening = _opening_page()
        self.stack.addWidget(self.opening)
        self._shortcuts: list[tuple[QAction, object]] = []
        self._stage_actions_added = False
        self._build_menus()
        self.setAcceptDrops(True)  # a .auditloop package or key file dropped on the window is imported
        if ctx is not None:
            self.attach(ctx)

    def attach(self, ctx: AppContext, *, showcase: bool = False) -> None:
        """Show a data file: build the register and workspace on it (with `showcase`, a demo
        opens at the stage that tells its story rather than at the register)."""
        self.ctx = ctx
        if not self._stage_actions_added:
            self._add_stage_actions()
            self._stage_actions_added = True
        self._apply_shortcuts()
        self._show_file_identity()
        self._make_pages()
        self.stack.setCurrentWidget(self.register)
        for warning in ctx.store.warnings:
            self.statusBar().showMessage(warning)
        if showcase:
            self.open_showcase()
        self.attached.emit()

    def attach_later(self, open_context: Callable[[], AppContext | None], *, showcase: bool = False) -> None:
        """Open the data file once the (empty) window has painted; close if it cannot be opened."""

        def attach() -> None:
            ctx = open_context()
            if ctx is None:
                self.close()
            else:  # attached, then the integrity check the opening may have left for after the register
                from gui.integrity import attach_checked

                attach_checked(self, ctx, showcase=showcase)

        # A zero timer can fire before the first paint; wait for the paint itself.
        self._after_paint = FirstPaintWatcher(self, lambda: QTimer.singleShot(0, attach))

    def is_demo(self) -> bool:
        """Whether the open data file is the demo."""
        from model.core.settings import is_demo

        return self.ctx is not None and is_demo(self.ctx.store.db)

    def _show_file_identity(self) -> None:
        """The title bar names the file, and says DEMO for the demo (a banner in the status bar too)."""
        demo = self.is_demo()
        self.setWindowTitle(f"AuditLoop — {'DEMO — ' if demo else ''}{self.ctx.store.path.name}")
        if getattr(self, "demo_banner", None) is None:
            self.demo_banner = QLabel(DEMO_BANNER)
            self.demo_banner.setAccessibleName("This is the demo")
            self.demo_banner.setStyleSheet("QLabel { background: #ffeb3b; color: #212b32; padding: 2px 8px; "
                                           "font-weight: bold; }")
            self.statusBar().addPermanentWidget(self.demo_banner)
        self.demo_banner.setVisible(demo)

    @Slot()
    def open_showcase(self) -> None:
        """The demo's showcase: the VTE audit's Compare stage."""
        from model.demo import SHOWCASE_AUDIT, SHOWCASE_STAGE

        self.open_audit(SHOWCASE_AUDIT, SHOWCASE_STAGE)

    @Slot()
    def open_demo(self) -> None:
        """Open a fresh demo in its own file (Help menu); the user's data file stays as it is."""
        from gui.app import demo_file
        from model.core.errors import KnownError
        from model.demo import build_demo

        path = demo_file(self.ctx.data_dir)
        if self.ctx.store.path.resolve() != path.resolve():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                build_demo(path).close()
            except KnownError as exc:
                dialogs.show_known_error(self, exc)
                return
            self.open_data_file(path, remember=False)
        self.open_showcase()

    def _make_pages(self) -> None:
        from gui.register import RegisterPage
        from gui.workspace import AuditWorkspace

        self.register = RegisterPage(self.ctx)
        self.workspace = AuditWorkspace(self.ctx)
        self.stack.addWidget(self.register)
        self.stack.addWidget(self.workspace)
        self.register.open_requested.connect(self.open_audit)
        self.register.open_stage_requested.connect(self._on_open_stage_requested)
        self.register.new_requested.connect(self.new_audit)
        self.register.export_requested.connect(self._on_export_audit_action_triggered)
        self.register.dashboard_requested.connect(self.show_dashboard)
        self.register.reminders_requested.connect(self.show_reminders)
        self.dashboard: QWidget | None = None  # built when first shown (gui.dashboard)
        self.reminders_view: QWidget | None = None  # likewise (gui.reminders_view)
        self.workspace.back_requested.connect(self.show_register)
        self.workspace.audit_changed.connect(self.register.reload)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._add(file_menu, "&New audit…", self.new_audit, QKeySequence.New)
        self._add(file_menu, "&Open data file…", self._on_open_action_triggered, QKeySequence.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._add(file_menu, "Save &copy as…", self._on_save_copy_action_triggered, QKeySequence.SaveAs)
        self._add(file_menu, "&Backups…", self._on_backups_action_triggered)
        file_menu.addSeparator()
        self.export_audit_action = self._add(file_menu, "&Export audit…", self._on_export_audit_action_triggered)
        self.import_audit_action = self._add(file_menu, "&Import audit…", self._on_import_audit_action_triggered)
        from gui.handover_extras import add_handover_actions

        self.handover_actions = add_handover_actions(self, file_menu)
        file_menu.addSeparator()
        self._add(file_menu, "&Standards library…", self._on_standards_action_triggered)
        file_menu.addSeparator()
        self._add(file_menu, "&Quit", self.close, QKeySequence.Quit)
        self._build_go_menu()
        help_menu = self.menuBar().addMenu("&Help")
        self._add(help_menu, "&About AuditLoop", self._on_about_action_triggered)
        self._add(help_menu, "Explore the &demo (a separate file)", self.open_demo)
        self._add(help_menu, "Where is my &data?", self._on_where_action_triggered)
        self._add(help_menu, "&Check data file…",  # gui.data_check is imported when first asked for
                  lambda _=False: importlib.import_module("gui.data_check").check_data_file_flow(self))

    def _build_go_menu(self) -> None:
        """Keyboard navigation (issue 12): back to the register, search; the stages follow in
        `_add_stage_actions` once a data file is attached (the stage list lives in model/, whose
        import would delay the first paint)."""
        self.go_menu = self.menuBar().addMenu("&Go")
        self._add(self.go_menu, "&Register of audits", self.show_register, "Alt+Left")
        self._add(self.go_menu, "&Find an audit", self._on_find_action_triggered, QKeySequence.Find)
        self._add(self.go_menu, "Department &dashboard", self.show_dashboard, "Ctrl+D")
        self._add(self.go_menu, "Re&minders", self.show_reminders, "Ctrl+R")
        self.go_menu.addSeparator()

    def _add_stage_actions(self) -> None:
        from model.plan.stages import STAGES

        for number, stage in enumerate(STAGES, start=1):
            self._add(self.go_menu, f"&{number} {stage.title}", lambda _=False, k=stage.key: self.go_to_stage(k),
                      f"Ctrl+{number}")

    @Slot()
    def go_to_stage(self, key: str) -> None:
        """Show a stage of the open audit (from the register: of the selected audit)."""
        if self.stack.currentWidget() is self.workspace and self.workspace.audit_id is not None:
            self.workspace.show_stage(key)
        elif (audit_id := self.register.selected_audit_id()) is not None:
            if not self.open_audit(audit_id, key):
                return
        else:
            return
        self.workspace.steps.setFocus()

    @Slot()
    def _on_find_action_triggered(self) -> None:
        self.show_register()
        self.register.search.setFocus()
        self.register.search.selectAll()

    def _add(self, menu: object, text: str, slot: object, shortcut: object = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            self._shortcuts.append((action, shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def _apply_shortcuts(self) -> None:
        # Deferred until a data file is attached: the first setShortcut builds every enum
        # of the Qt namespace (~20 ms), which would delay the window's first paint.
        for action, shortcut in self._shortcuts:
            action.setShortcut(QKeySequence(shortcut) if isinstance(shortcut, str) else shortcut)
        self._shortcuts.clear()

    # --- navigation ---------------------------------------------------------------------

    @Slot(int)
    def open_audit(self, audit_id: int, stage: str | None = None) -> bool:
        """Show an audit's workspace (False: the user stayed on an unsaved case)."""
        if not self.workspace.open_audit(audit_id, stage):
            return False
        self.stack.setCurrentWidget(self.workspace)
        self.workspace.steps.setFocus()  # keyboard users land on the stage list, not nowhere
        return True

    @Slot(int, str)
    def _on_open_stage_requested(self, audit_id: int, stage: str) -> None:
        self.open_audit(audit_id, stage)

    def flush(self) -> bool:
        """Commit the pending edits of the page on show; False when the user chose to stay."""
        workspace = getattr(self, "workspace", None)
        return workspace is None or self.stack.currentWidget() is not workspace or workspace.flush()

    @Slot()
    def show_register(self) -> None:
        """Back to the register."""
        if not self.flush():
            return
        self.register.reload()
        self.stack.setCurrentWidget(self.register)
        self.register.table.setFocus()

    @Slot()
    def show_dashboard(self) -> None:
        """The department dashboard (counted afresh each time it is shown)."""
        from gui.dashboard import DashboardPage

        if self.flush():
            self.dashboard = page = self._view(self.dashboard, lambda: DashboardPage(self.ctx), self.open_audit)
            page.load()
            self.stack.setCurrentWidget(page)
            page.tree.setFocus()

    @Slot()
    def show_reminders(self) -> None:
        """The Reminders view: every reminder, computed afresh in the background each time it is shown."""
        from gui.reminders_view import RemindersPage

        if self.flush():
            self.reminders_view = page = self._view(self.reminders_view, lambda: RemindersPage(self.ctx),
                                                     self._on_open_stage_requested)
            page.load()
            self.stack.setCurrentWidget(page)
            page.table.setFocus()

    def _view(self, page: Any, make: Callable[[], Any], open_slot: Callable[..., object]) -> Any:
        """A main-window view beside the register, built the first time it is shown."""
        if page is None:
            page = make()
            self.stack.addWidget(page)
            page.open_requested.connect(open_slot)
            page.back_requested.connect(self.show_register)
        return page

    @Slot()
    def new_audit(self) -> None:
        """Register a new audit (with its baseline cycle) and open it at the Plan stage."""
        from gui.new_audit import NewAuditDialog

        dialog = NewAuditDialog(self.ctx, self)
        if dialog.exec() != QDialog.Accepted:
            return
        self.register.reload()
        if dialog.open_instead_id is not None:
            self.open_audit(dialog.open_instead_id)
        elif dialog.created_audit_id is not None:
            self.open_audit(dialog.created_audit_id, "plan")

    @Slot()
    def _on_standards_action_triggered(self) -> None:
        from gui.standards_dialog import StandardsDialog

        StandardsDialog(self.ctx, self).exec()

    # --- file menu ----------------------------------------------------------------------

    def open_data_file(self, path: Path, *, remember: bool = True) -> None:
        """Close the current data file and open another in this window."""
        from model.core.errors import KnownError
        from model.store.store import open_store

        if not self.flush():
            return
        self._drop_focus()  # a field's focus-out must not write to the file opened next
        try:
            store = open_store(path)
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        old = self.ctx.store
        self.ctx.store = store
        old.close()
        if remember:
            self.ctx.recent = recent.remember(self.ctx.data_dir, store.path)
        self._show_file_identity()
        for page in (self.register, self.workspace, self.dashboard, self.reminders_view):
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self._make_pages()
        self.stack.setCurrentWidget(self.register)
        for warning in store.warnings:
            dialogs.warn(self, "Data file location", warning)
        self.store_replaced.emit()

    @Slot()
    def _on_open_action_triggered(self) -> None:
        name = dialogs.open_file(self, "Open AuditLoop data file", "AuditLoop data (*.sqlite *.auditloop);;"
                                 "All files (*)", str(self.ctx.store.path.parent))
        if name:
            self.open_data_file(Path(name))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = [p for p in recent.load(self.ctx.data_dir) if p != self.ctx.store.path]
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in paths:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_data_file(p))

    @Slot()
    def _on_save_copy_action_triggered(self) -> None:
        name = dialogs.save_file(self, "Save a copy of the data file", "AuditLoop data (*.sqlite)")
        if not name:
            return
        from model.core.errors import KnownError
        from model.store.store import save_copy_as

        try:
            save_copy_as(self.ctx.store.db, Path(name))
        except KnownError as exc:
            dialogs.show_known_error(self, exc)
            return
        self.statusBar().showMessage(f"Copy saved to {name}", 5000)

    @Slot()
    def _on_backups_action_triggered(self) -> None:
        from gui.backups import BackupsDialog

        dialog = BackupsDialog(self.ctx, self)
        dialog.restore_requested.connect(self.restore_backup)
        dialog.exec()

    @Slot()
    def _on_export_audit_action_triggered(self) -> None:
        from gui.handover_dialog import export_audit_flow

        export_audit_flow(self)

    @Slot()
    def _on_import_audit_action_triggered(self) -> None:
        from gui.handover_dialog import import_audit_flow

        import_audit_flow(self)

    def restore_backup(self, backup: Path) -> None:
        """Put a backup in place of the data file (File › Backups) and open it in this window."""
        from model.core.errors import KnownError
        from model.store.store import restore_backup

        if not self.flush():
            return
        self._drop_focus()
        path = self.ctx.store.path
        self.ctx.store.close()
        try:
            restore_backup(backup, path)
        except KnownError as exc:  # the data file was not replaced: it opens again as it was
            dialogs.show_known_error(self, exc)
        self.open_data_file(path)

    # --- help menu ----------------------------------------------------------------------

    @Slot()
    def _on_about_action_triggered(self) -> None:
        from gui.about import about_text

        dialogs.inform(self, "About AuditLoop", about_text())

    @Slot()
    def _on_where_action_triggered(self) -> None:
        dialogs.inform(self, "Where is my data?",
                       f"Data file: {self.ctx.store.path}\nBackups: {self.ctx.store.path.parent / 'backups'}\n"
                       f"Log and settings: {self.ctx.data_dir}")

    def closeEvent(self, event: QCloseEvent) -> None:
        """Commit pending edits (ask about an unsaved case), then close the data file.

        The focused field gives up its focus while the file is open: its focus-out would
        otherwise save into a closed database when the window goes (the crash box on close).
        """
        from gui.tasks import wait_for_all

        if self.ctx is not None:
            try:
                if not self.flush():
                    event.ignore()
                    return
            except Exception:  # noqa: BLE001 - closing must not fail; the log has the details
                log.exception("Committing pending edits on close failed")
            self._drop_focus()
        wait_for_all(5000)
        if self.ctx is not None:
            self.ctx.store.close()
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from gui.handover_dialog import dropped_file

        if self.ctx is not None and dropped_file(event.mimeData().urls()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        from gui.handover_dialog import dropped_file, open_dropped

        path = dropped_file(event.mimeData().urls()) if self.ctx is not None else None
        if path is not None:
            event.acceptProposedAction()
            open_dropped(self, path)

    def _drop_focus(self) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()


def _opening_page() -> QWidget:
    """What the window shows for the moment before the data file is open.

    Centred with stretches and HTML rather than Qt.AlignCenter: the first use of the Qt
    namespace builds all its enums (~15 ms), which is better spent after the first paint.
    """
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    layout.addWidget(QLabel('<p align="center">Opening the data file…</p>'))
    layout.addStretch(1)
    return page


class FirstPaintWatcher(QObject):
    """Call `callback` when `widget` first paints (at once if it is hidden and never will).

    The callback runs inside the paint event: defer real work with QTimer.singleShot(0, …).
    """

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)
        if not widget.isVisible():  # never painted (e.g. hidden in a test): do not wait
            widget.removeEventFilter(self)
            QTimer.singleShot(0, callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Paint:
            watched.removeEventFilter(self)
            self._callback()
        return False
