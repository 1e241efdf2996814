"""The re-audit tab: the proposal for a demo audit, and starting the cycle."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui import a11y
from gui.stages._reaudit_tab import ReauditTab
from model.plan.cycles import list_cycles


def test_start_reaudit_creates_the_next_cycle(qtbot, ctx):
    tab = ReauditTab(ctx)
    qtbot.addWidget(tab)
    tab.load(1, None)
    assert tab.table.rowCount() > 0 and tab.start_button.isEnabled()
    assert a11y.unnamed_controls(tab) == []
    before = len(list_cycles(ctx.store.db, 1))
    with qtbot.waitSignal(tab.started):
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    assert len(list_cycles(ctx.store.db, 1)) == before + 1
