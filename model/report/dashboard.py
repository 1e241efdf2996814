"""The department dashboard: the figures an audit department keeps for hundreds of audits (issue 16).

`dashboard(db, today, year=…, directorate=…, specialty=…)` reads every audit's facts in a few
queries (`model.act.audit_facts`) and counts, for the live audits (not in the bin) of the
chosen directorate and specialty:

- audits by status, directorate, specialty, priority and type, and audits registered in the
  financial year and the one before;
- loops closed in the financial year and the one before: an audit whose re-audit (cycle 2 or
  later) has results after an earlier cycle with results, so the change is measured; dated
  by the end of the re-audit's data collection (its start, else when it was created, when no
  end is set), which must not be after today;
- the median months from cycle 1 to cycle 2 (end of data collection to end of data
  collection), over audits whose first two cycles both have results;
- open actions past their current deadline, by owner and by directorate;
- re-audits overdue or due within 30 and 90 days, audits with results and no action plan,
  reports not filed 3 months after data collection ended: the reminders' own rules
  (`model.act.reminders`), so the dashboard and the reminders agree;
- abandoned audits with their reasons.

Each figure carries the rows behind it (`Figure.rows`): the GUI lists them, the Excel export
writes them, `to_json` gives the counts (`python main.py dashboard --json`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.act.audit_facts import AuditFacts, CycleFacts, day, gather
from model.act.reminders import no_action_plan_rule, reaudit_rule, report_due, report_rule
from model.core.financial_year import FinancialYear, financial_year_of
from model.plan.audits import AUDIT_TYPES, PRIORITIES, STATUSES

DAYS_PER_MONTH = 365.25 / 12
DUE_WINDOWS = (30, 90)
NOT_GIVEN = "Not given"
# The groups in the order the view shows them, with their headings.
GROUPS: dict[str, str] = {
    "by_status": "Audits by status",
    "by_directorate": "Audits by directorate",
    "by_specialty": "Audits by specialty",
    "by_priority": "Audits by priority",
    "by_type": "Audits by type",
    "registered": "Audits registered",
    "loops_closed": "Loops closed (re-audit measured)",
    "cycle_1_to_2": "Cycle 1 to cycle 2",
    "reaudits": "Re-audits",
    "overdue_actions_by_owner": "Overdue actions by owner",
    "overdue_actions_by_directorate": "Overdue actions by directorate",
    "follow_up": "Follow-up",
}


@dataclass(frozen=True)
class Row:
    """One line behind a figure: an audit, and what about it the figure counts."""

    audit_id: int
    audit_title: str
    directorate: str
    specialty: str
    detail: str = ""
    due: date | None = None


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and the rows it counts (`value` overrides the count, e.g. a median)."""

    group: str
    name: str
    label: str
    rows: tuple[Row, ...]
    value: float | None = None

    @property
    def key(self) -> str:
        """'by_status:approved': unique on the dashboard."""
        return f"{self.group}:{self.name}"

    @property
    def count(self) -> int:
        """How many rows the figure counts."""
        return len(self.rows)

    @property
    def text(self) -> str:
        """The number as shown: the count, or the value ('7.5 months', '—' for none)."""
        if self.group == "cycle_1_to_2":
            return "—" if self.value is None else f"{self.value:.1f}"
        return str(self.count)


@dataclass(frozen=True)
class Dashboard:
    """Every figure, grouped (see GROUPS), for a day, a financial year and the filters."""

    today: date
    year: FinancialYear
    directorate: str
    specialty: str
    audits: int
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def group(self, group: str) -> list[Figure]:
        """The figures of one group, in order."""
        return [f for f in self.figures if f.group == group]

    def figure(self, key: str) -> Figure:
        """A figure by its key ('follow_up:no_action_plan')."""
        return next(f for f in self.figures if f.key == key)

    def to_json(self) -> dict[str, Any]:
        """The figures as counts (the public JSON of `dashboard --json`, documented in the README)."""

        def counts(group: str) -> dict[str, int]:
            return {f.name: f.count for f in self.group(group)}

        median = self.figure("cycle_1_to_2:median_months")
        return {
            "today": self.today.isoformat(), "year": self.year.label, "last_year": self.year.previous().label,
            "filters": {"directorate": self.directorate or None, "specialty": self.specialty or None},
            "audits": self.audits,
            **{g: counts(g) for g in ("by_status", "by_directorate", "by_specialty", "by_priority", "by_type",
                                      "registered", "loops_closed")},
            "median_months_cycle_1_to_2": None if median.value is None else round(median.value, 1),
            "cycle_1_to_2_audits": median.count,
            "overdue_actions": sum(f.count for f in self.group("overdue_actions_by_owner")),
            "overdue_actions_by_owner": counts("overdue_actions_by_owner"),
            "overdue_actions_by_directorate": counts("overdue_actions_by_directorate"),
            "reaudits": counts("reaudits"),
            "no_action_plan": self.figure("follow_up:no_action_plan").count,
            "reports_not_filed": self.figure("follow_up:reports_not_filed").count,
            "abandoned": [{"audit_id": r.audit_id, "audit_title": r.audit_title, "reason": r.detail}
                          for r in self.figure("follow_up:abandoned").rows],
        }


# --------------------------------------------------------------------------- the rules (pure)


def cycle_date(cycle: CycleFacts) -> date | None:
    """When a cycle's measurement is dated: the end of its data collection, else its start, else its creation."""
    return cycle.period_end or cycle.period_start or day(cycle.created_at)


def loop_closed(audit: AuditFacts, today: date) -> tuple[CycleFacts, CycleFacts] | None:
    """(earlier, re-audit): the audit's latest re-audit with results after an earlier cycle with results,
    dated on or before today; None when the loop has not been closed."""
    measured = [c for c in audit.cycles if c.has_results and (d := cycle_date(c)) is not None and d <= today]
    for later in reversed(measured):
        earlier = [c for c in measured if c.number < later.number]
        if later.number >= 2 and earlier:
            return earlier[-1], later
    return None


def months_between(start: date, end: date) -> float:
    """Calendar months (average length) from `start` to `end`."""
    return (end - start).days / DAYS_PER_MONTH


def change_text(earlier: CycleFacts, later: CycleFacts) -> str:
    """'Cycle 1 62% → Cycle 2 91% (+29 points)', compliance pooled over the criteria."""
    a, b = earlier.compliance, later.compliance
    if a is None or b is None:
        return f"{earlier.title} → {later.title}"
    return f"Cycle {earlier.number} {a:.0f}% → cycle {later.number} {b:.0f}% ({b - a:+.0f} points)"


# --------------------------------------------------------------------------- gathering


def _row(audit: AuditFacts, detail: str = "", due: date | None = None) -> Row:
    return Row(audit.id, audit.title, audit.directorate, audit.specialty, detail, due)


def _by(group: str, audits: Iterable[AuditFacts], key: Callable[[AuditFacts], str],
        names: dict[str, str] | None = None) -> list[Figure]:
    found: dict[str, list[Row]] = {k: [] for k in names or {}}
    for audit in audits:
        found.setdefault(key(audit), []).append(_row(audit, STATUSES.get(audit.status, audit.status)))
    order = list(names) if names else sorted(found, key=lambda k: (k == "", k.lower()))
    labels = names or {}
    return [Figure(group, k or NOT_GIVEN, labels.get(k, k or NOT_GIVEN), tuple(found[k])) for k in order]


def _loops(audits: list[AuditFacts], year: FinancialYear, today: date) -> list[Figure]:
    rows: dict[str, list[Row]] = {"this_year": [], "last_year": []}
    for audit in audits:
        closed = loop_closed(audit, today)
        if closed is None:
            continue
        on = cycle_date(closed[1])
        which = "this_year" if on in year else "last_year" if on in year.previous() else None
        if which:
            rows[which].append(_row(audit, change_text(*closed), on))
    return [Figure("loops_closed", "this_year", f"In {year.label}", tuple(rows["this_year"])),
            Figure("loops_closed", "last_year", f"In {year.previous().label}", tuple(rows["last_year"]))]


def _registered(audits: list[AuditFacts], year: FinancialYear) -> list[Figure]:
    this = tuple(_row(a, due=a.registered_on) for a in audits if a.registered_on in year)
    last = tuple(_row(a, due=a.registered_on) for a in audits if a.registered_on in year.previous())
    return [Figure("registered", "this_year", f"In {year.label}", this),
            Figure("registered", "last_year", f"In {year.previous().label}", last)]


def _cycle_1_to_2(audits: list[AuditFacts]) -> Figure:
    rows, months = [], []
    for audit in audits:
        first = {c.number: c for c in audit.cycles}
        one, two = first.get(1), first.get(2)
        if one is None or two is None or not (one.has_results and two.has_results):
            continue
        start, end = cycle_date(one), cycle_date(two)
        if start is None or end is None or end < start:
            continue
        gap = months_between(start, end)
        months.append(gap)
        rows.append(_row(audit, f"{gap:.1f} months", end))
    value = statistics.median(months) if months else None
    return Figure("cycle_1_to_2", "median_months", "Median months, cycle 1 to cycle 2", tuple(rows), value)


def _overdue_actions(audits: list[AuditFacts], today: date) -> list[Figure]:
    by_owner: dict[str, list[Row]] = defaultdict(list)
    by_directorate: dict[str, list[Row]] = defaultdict(list)
    for audit in audits:
        if audit.status == "abandoned":
            continue
        for action in audit.actions:
            if action.is_open and action.deadline is not None and action.deadline < today:
                late = (today - action.deadline).days
                row = _row(audit, f"{action.text} ({action.owner or 'no owner'}; {late} days late)",
                           action.deadline)
                by_owner[action.owner].append(row)
                by_directorate[audit.directorate].append(row)

    def figures(group: str, found: dict[str, list[Row]]) -> list[Figure]:
        none = "No owner" if group.endswith("owner") else NOT_GIVEN
        return [Figure(group, k or none, k or none, tuple(found[k]))
                for k in sorted(found, key=lambda k: (-len(found[k]), k == "", k.lower()))]

    return figures("overdue_actions_by_owner", by_owner) + figures("overdue_actions_by_directorate", by_directorate)


def _follow_up(audits: list[AuditFacts], today: date) -> list[Figure]:
    due: dict[str, list[Row]] = {"overdue": [], **{f"due_{n}_days": [] for n in DUE_WINDOWS}}
    no_plan: list[Row] = []
    unfiled: list[Row] = []
    for audit in audits:
        if audit.status in ("complete", "abandoned"):
            continue
        if audit.reaudit_due is not None and audit.reaudit_pending(today):
            # reaudit_rule's own test: overdue after the date; the 30-day window is its "due soon"
            days = (audit.reaudit_due - today).days
            if reaudit_rule(audit.reaudit_due, True, today) == "reaudit_overdue":
                due["overdue"].append(_row(audit, f"{-days} days overdue", audit.reaudit_due))
            for n in DUE_WINDOWS:
                if 0 <= days <= n:
                    due[f"due_{n}_days"].append(_row(audit, f"due in {days} days", audit.reaudit_due))
        measured, end = audit.measured, audit.measured_end()
        if measured is None:
            continue
        if no_action_plan_rule(True, end, audit.actions_for(measured), today):
            no_plan.append(_row(audit, f"{measured.title}: results and no actions", end))
        if report_rule(end, True, measured.final_report, today) and end is not None:
            unfiled.append(_row(audit, f"{measured.title}: no final report", report_due(end)))
    return [Figure("reaudits", "overdue", "Overdue", tuple(due["overdue"])),
            *(Figure("reaudits", f"due_{n}_days", f"Due within {n} days", tuple(due[f"due_{n}_days"]))
              for n in DUE_WINDOWS),
            Figure("follow_up", "no_action_plan", "Results but no action plan", tuple(no_plan)),
            Figure("follow_up", "reports_not_filed", "Reports not filed (3 months after collection)",
                   tuple(unfiled))]


def dashboard(db: Database, today: date, *, year: FinancialYear | None = None, directorate: str = "",
              specialty: str = "", facts: dict[int, AuditFacts] | None = None) -> Dashboard:
    """Every figure for the live audits of a directorate and specialty ('' = all), on `today`.

    `year` is the financial year whose registrations and closed loops are counted (with the
    year before); by default the one `today` falls in. `facts` (from `gather`) saves a re-read.
    """
    year = year or financial_year_of(today)
    audits = [a for a in (gather(db, activity=False) if facts is None else facts).values()
              if (not directorate or a.directorate == directorate) and (not specialty or a.specialty == specialty)]
    abandoned = tuple(_row(a, a.abandoned_reason or "no reason recorded") for a in audits if a.status == "abandoned")
    figures = [
        *_by("by_status", audits, lambda a: a.status, STATUSES),
        *_by("by_directorate", audits, lambda a: a.directorate),
        *_by("by_specialty", audits, lambda a: a.specialty),
        *_by("by_priority", audits, lambda a: a.priority, PRIORITIES),
        *_by("by_type", audits, lambda a: a.audit_type, AUDIT_TYPES),
        *_registered(audits, year), *_loops(audits, year, today), _cycle_1_to_2(audits),
        *_follow_up(audits, today), *_overdue_actions(audits, today),
        Figure("follow_up", "abandoned", "Abandoned (with reasons)", abandoned),
    ]
    order = list(GROUPS)
    figures.sort(key=lambda f: order.index(f.group))  # stable: keeps each group's own order
    return Dashboard(today, year, directorate, specialty, len(audits), tuple(figures))


def export_dashboard(board: Dashboard, path: Path | str) -> Path:
    """Write the dashboard to Excel: a sheet of the figures, a sheet of the rows behind each.

    Raises:
        KnownError: when the file cannot be written.
    """
    from model.report.workbook import Sheet, write_workbook

    where = [f"Directorate: {board.directorate or 'all'}", f"Specialty: {board.specialty or 'all'}"]
    about = Sheet("About", ("Department dashboard", ""), (
        ("On", board.today), ("Financial year", board.year.label), *((w, "") for w in where),
        ("Audits counted", board.audits)), (28, 40))
    figures = Sheet("Figures", ("Group", "Figure", "Count", "Value"), tuple(
        (GROUPS[f.group], f.label, f.count, None if f.value is None else round(f.value, 1)) for f in board.figures),
        (32, 44, 10, 10))
    rows = Sheet("Rows", ("Group", "Figure", "Audit id", "Audit", "Directorate", "Specialty", "Detail", "Date"),
                 tuple((GROUPS[f.group], f.label, r.audit_id, r.audit_title, r.directorate, r.specialty, r.detail,
                        r.due) for f in board.figures for r in f.rows), (28, 32, 9, 44, 20, 20, 50, 12))
    return write_workbook(path, [about, figures, rows])
