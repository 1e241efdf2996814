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


def test_a_newer_standard_is_shown_side_by_side_and_decided_per_criterion(qtbot, ctx):
    import json

    from model.plan.criteria import list_criteria
    from model.plan.standards import get_standard_by_uid, list_standards

    db = ctx.store.db
    list_standards(db)
    standard = get_standard_by_uid(db, "builtin-nice-ng89-vte")
    db.execute("UPDATE audits SET standard_id = ? WHERE id = 1", [standard.id])
    db.execute("UPDATE cycles SET standard_id = ? WHERE audit_id = 1", [standard.id])
    specs = [dict(c) for c in standard.criteria]
    specs[0]["target"] = 98  # the newer version raises a target
    db.execute("UPDATE standards SET version = '2024', criteria_json = ? WHERE id = ?", [json.dumps(specs),
                                                                                        standard.id])
    tab = ReauditTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1000, 700)
    tab.show()
    tab.load(1, None)
    panel = tab.versions
    assert panel.isVisible() and "version 2024" in panel.summary.text()
    assert panel.table.horizontalHeaderItem(1).text() == "Version 2019"
    # The demo words its criteria its own way: every field that differs is shown, the target among them.
    assert "Target (%): 95" in panel.table.item(0, 1).text() and "Target (%): 98" in panel.table.item(0, 2).text()
    assert a11y.unnamed_controls(tab) == []
    first = panel.boxes[next(iter(panel.boxes))]
    assert first.isEnabled()
    first.setFocus(Qt.TabFocusReason)
    qtbot.keyClick(first, Qt.Key_Down)  # by keyboard: "Take the newer wording"
    assert first.currentData() == "take_newer"
    with qtbot.waitSignal(tab.started) as started:
        qtbot.mouseClick(tab.start_button, Qt.LeftButton)
    reworded = list_criteria(db, started.args[0])[0]
    assert reworded.target == 98 and "version 2024" in reworded.changes_from_previous
