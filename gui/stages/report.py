"""The Re-audit / Report stage: the cycle's report (gui/stages/_report_tab.py), the team with its
presentations, reflections and evidence pack (gui/stages/_team_tab.py) and the re-audit
(gui/stages/_reaudit_tab.py), one tab per job.

The shell only holds the tabs; each tab is its own module. The tab bar's corner also points to
Plan › Cycles, where a cycle can be planned by hand.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from gui.context import AppContext
from gui.stages._reaudit_tab import ReauditTab
from gui.stages._report_tab import ReportTab
from gui.stages._team_tab import TeamTab
from gui.stages.base import StagePage


class ReportPage(StagePage):
    """Tabs for the cycle's report, the team and the re-audit.

    Signals:
    """

    key = "report"
    title = "Re-audit / Report"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.report = ReportTab(ctx)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Re-audit and report")
        self.tabs.addTab(self.report, "Report")
        self.team = TeamTab(ctx)
        self.tabs.addTab(self.team, "Team")
        self.reaudit = ReauditTab(ctx)
        self.tabs.addTab(self.reaudit, "Re-audit")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.report.data_changed.connect(self.data_changed)
        self.team.data_changed.connect(self.data_changed)
        self.reaudit.started.connect(lambda _cycle_id: self.data_changed.emit())

    def load(self, audit_id: int | None, cycle_id: int | None) -> None:
        super().load(audit_id, cycle_id)
        self.report.load(cycle_id)
        self.team.load(audit_id, cycle_id)
        if audit_id is not None:
            self.reaudit.load(audit_id, cycle_id)

    def flush(self) -> bool:
        super().flush()  # the focused section's focus-out saves it
        return self.report.flush() and self.team.flush()
