"""Keyboard first (issue 12): a whole journey with key presses only, and no table traps Tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication

from gui.main_window import MainWindow
from model.plan.stages import STAGE_KEYS


def _window(qtbot, ctx) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def _focus() -> object:
    return QApplication.activeWindow().focusWidget()


def _press(qtbot, key, modifier=Qt.NoModifier) -> None:
    """A key press where the user's focus is, as the keyboard would deliver it."""
    target = _focus() or QApplication.activeWindow()
    assert target is not None, "no window is active"
    qtbot.keyClick(target, key, modifier)


def test_open_an_audit_walk_its_stages_and_come_back_by_keyboard_alone(qtbot, ctx):
    window = _window(qtbot, ctx)
    _press(qtbot, Qt.Key_F, Qt.ControlModifier)
    assert _focus() is window.register.search
    qtbot.keyClicks(window.register.search, "sepsis")
    _press(qtbot, Qt.Key_Tab)
    while _focus() is not window.register.table:  # Tab along the filters to the table
        _press(qtbot, Qt.Key_Tab)
    _press(qtbot, Qt.Key_Down)
    assert window.register.selected_audit_id() is not None
    chosen = window.register.selected_audit_id()
    _press(qtbot, Qt.Key_Return)
    assert window.stack.currentWidget() is window.workspace and window.workspace.audit_id == chosen
    for number, key in enumerate(STAGE_KEYS, start=1):
        _press(qtbot, getattr(Qt, f"Key_{number}"), Qt.ControlModifier)
        assert window.workspace.current_page() is window.workspace.pages[key], key
    _press(qtbot, Qt.Key_Left, Qt.AltModifier)
    assert window.stack.currentWidget() is window.register and _focus() is window.register.table


def test_tab_leaves_every_table_of_every_stage(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.open_audit(1)
    for key in STAGE_KEYS:
        window.workspace.show_stage(key)
    trapping = [f"{type(v.window()).__name__}/{type(v.parent()).__name__}.{v.objectName() or type(v).__name__}"
                for v in window.findChildren(QAbstractItemView) if v.tabKeyNavigation()]
    assert trapping == []


def test_tab_moves_out_of_the_register_table(qtbot, ctx):
    window = _window(qtbot, ctx)
    window.register.table.setFocus()
    _press(qtbot, Qt.Key_Tab)
    assert _focus() is not window.register.table


def test_every_control_of_every_page_has_an_accessible_name(qtbot, ctx):
    from gui.a11y import unnamed_controls

    window = _window(qtbot, ctx)
    missing = {"register": unnamed_controls(window.register)}
    for audit_id in (1, 4):  # a two-cycle audit and the monitoring one with national data
        window.open_audit(audit_id)
        for key in STAGE_KEYS:
            missing[f"{audit_id}/{key}"] = unnamed_controls(window.workspace.show_stage(key))
        missing[f"{audit_id}/workspace"] = [u for u in unnamed_controls(window.workspace) if "Page" not in u]
    window.show_dashboard()
    missing["dashboard"] = unnamed_controls(window.dashboard)
    assert {where: found for where, found in missing.items() if found} == {}


def test_every_control_of_the_dialogs_and_wizards_has_an_accessible_name(qtbot, ctx):
    from gui.a11y import unnamed_controls
    from gui.backups import BackupsDialog
    from gui.benchmark_import_wizard import BenchmarkImportWizard
    from gui.case_export_dialog import CaseExportDialog
    from gui.handover_dialog import HandoverNoteDialog
    from gui.handover_extras import PackDialog, PassphraseDialog
    from gui.import_wizard import ImportWizard
    from gui.new_audit import NewAuditDialog
    from gui.standards_dialog import StandardsDialog

    window = _window(qtbot, ctx)
    cycle_id = ctx.store.db.execute("SELECT id FROM cycles WHERE audit_id = 2 ORDER BY number").fetchone()[0]
    missing = {}
    for make in (lambda: ImportWizard(ctx, cycle_id, window), lambda: BenchmarkImportWizard(ctx, window),
                 lambda: NewAuditDialog(ctx, window), lambda: StandardsDialog(ctx, window),
                 lambda: BackupsDialog(ctx, window), lambda: CaseExportDialog(5, window),
                 lambda: HandoverNoteDialog("VTE", window),
                 lambda: PackDialog("VTE — Cycle 1", window),
                 lambda: PassphraseDialog("Export key", "Choose one", confirm=True, parent=window)):
        dialog = make()
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        missing[type(dialog).__name__] = unnamed_controls(dialog)
        dialog.close()
    assert {name: found for name, found in missing.items() if found} == {}
