"""Fits the laptop (issue 12): every stage usable on 1280×720 @100% and 1366×768 @125%/150%.

At 125% a 1366×768 screen is 1093×614 logical pixels, about 1093×580 once the taskbar and
title bar are counted; at 150% it is 910×512 (about 910×480 free).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QAbstractButton, QApplication

from gui.main_window import MainWindow, fitting_size
from model.plan.stages import STAGE_KEYS

SCREENS = {"1280x720@100%": QSize(1280, 680), "1366x768@125%": QSize(1093, 580), "1366x768@150%": QSize(910, 480)}


def test_the_first_window_fits_the_free_screen():
    for free in SCREENS.values():
        size = fitting_size(free)
        assert size.width() <= free.width() and size.height() <= free.height()
    assert fitting_size(QSize(1920, 1040)) == QSize(1200, 760)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_stage_grows_the_window_or_hides_a_button(qtbot, ctx, screen):
    free = SCREENS[screen]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(free)
    window.show()
    for audit_id in (1, 4):
        window.open_audit(audit_id)
        for key in STAGE_KEYS:
            page = window.workspace.show_stage(key)
            QApplication.processEvents()
            assert window.minimumSizeHint().height() <= free.height(), key
            assert window.minimumSizeHint().width() <= free.width(), key
            assert window.size() == free, f"{key} grew the window to {window.size().toTuple()}"
            # Every button is reachable: inside the window, or in a scroll area that scrolls to it.
            for button in page.findChildren(QAbstractButton):
                if button.isVisibleTo(page):
                    assert button.width() > 4 and button.height() > 4, f"{key}: {button.text()} squashed"


def test_wizards_and_dialogs_fit_the_screen_with_their_buttons_on_it(qtbot, ctx):
    from PySide6.QtWidgets import QWizard

    from gui.benchmark_import_wizard import BenchmarkImportWizard
    from gui.case_export_dialog import CaseExportDialog
    from gui.import_wizard import ImportWizard
    from gui.new_audit import NewAuditDialog
    from gui.standards_dialog import StandardsDialog

    free = QApplication.primaryScreen().availableGeometry()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    cycle_id = window.ctx.store.db.execute("SELECT id FROM cycles WHERE audit_id = 2 ORDER BY number").fetchone()[0]
    for dialog in (ImportWizard(ctx, cycle_id, window), BenchmarkImportWizard(ctx, window),
                   NewAuditDialog(ctx, window), StandardsDialog(ctx, window), CaseExportDialog(5, window)):
        qtbot.addWidget(dialog)
        dialog.show()
        QApplication.processEvents()
        assert dialog.width() <= free.width() and dialog.height() <= free.height(), type(dialog).__name__
        if isinstance(dialog, QWizard):
            for which in (QWizard.NextButton, QWizard.CancelButton):
                button = dialog.button(which)
                corner = button.mapTo(dialog, button.rect().bottomRight())
                assert dialog.rect().contains(corner), f"{type(dialog).__name__}: {button.text()} off the dialog"
        dialog.close()


@pytest.mark.parametrize("screen", ["1366x768@125%", "1366x768@150%"])
def test_criteria_names_are_never_cut_off_in_the_list(qtbot, ctx, screen):
    """The criteria list beside the editor is narrow on a small screen: a long name wraps onto
    more lines instead of ending in "…" (the sepsis demo's names are the longest)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics

    from gui.stages.criteria import CriteriaTableModel

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(SCREENS[screen])
    window.show()
    window.open_audit(2)
    page = window.workspace.show_stage("criteria")
    QApplication.processEvents()
    table, column = page.table, CriteriaTableModel.COL_NAME
    metrics = QFontMetrics(table.font())
    for row in range(table.model().rowCount()):
        index = table.model().index(row, column)
        rect = table.visualRect(index)
        text = index.data()
        needed = metrics.boundingRect(0, 0, rect.width() - 8, 10_000, int(Qt.TextWordWrap), text)
        assert needed.height() <= rect.height(), f"{text!r} needs {needed.height()} px, has {rect.height()}"
