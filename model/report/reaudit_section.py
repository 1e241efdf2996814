"""The report's Re-audit section: when, and which criteria it re-measures and why.

    gather_reaudit(db, audit_id, cycle, cycles) -> ReauditPlan
    add_reaudit(doc, data) -> None

DOMAIN.md §9: the report "must hold everything needed to plan the re-audit"; the re-audit
keeps the same design and (RCPath) may re-measure only the criteria where changes were
made. Once the re-audit cycle has started, its recorded choices (`reaudit_choices`, the
Re-audit tab's decision per criterion with its reason) are reported as made. Before then,
the criteria are sorted by `model.act.reaudit.propose_reaudit` with "only those that missed
their target or had actions": those it keeps must be re-measured, the others may be left
out, and the report says which is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlite_utils import Database

from model.act.reaudit import propose_reaudit, recorded_choices
from model.core.errors import KnownError
from model.plan.criteria import list_criteria
from model.plan.cycles import Cycle

if TYPE_CHECKING:
    from model.report.blocks import ReportDocument
    from model.report.content import ReportData

#: `ReauditPlan.scope`: what the rows say.
SCOPES = {"all": "all criteria", "missed": "only the criteria that missed their target or had actions",
          "listed": "the criteria of the re-audit cycle", "proposed": "proposed"}


@dataclass(frozen=True)
class ReauditPlan:
    """Which criteria the re-audit covers.

    Attributes:
        started: the re-audit cycle when it has begun, else None.
        scope: "all" or "missed" (recorded when the re-audit started), "listed" (started without
            recorded choices: its criteria are listed), "proposed" (not started: the proposal).
        rows: (criterion, re-measured, why) per criterion of the reported cycle (for "listed",
            of the re-audit cycle).
    """

    started: Cycle | None
    scope: str
    rows: tuple[tuple[str, bool, str], ...]


def gather_reaudit(db: Database, audit_id: int, cycle: Cycle, cycles: list[Cycle]) -> ReauditPlan:
    """What the Re-audit section says about the criteria (see the module docstring)."""
    later = [c for c in cycles if c.number > cycle.number]
    names = {c.lineage: c.label for c in list_criteria(db, int(cycle.id or 0))}
    if later:
        started = later[0]
        choices = recorded_choices(db, int(started.id or 0))
        if not choices:  # started without the Re-audit tab: compare the two cycles' criteria
            then = {c.lineage: c.label for c in list_criteria(db, int(started.id or 0))}
            rows = [(label, x in then, "in the re-audit cycle" if x in then else "not in the re-audit cycle")
                    for x, label in names.items()]
            rows += [(label, True, "new in the re-audit cycle") for x, label in then.items() if x not in names]
            return ReauditPlan(started, "listed", tuple(rows))
        row = db.execute("SELECT scope FROM reaudit_choices WHERE cycle_id = ? LIMIT 1", [started.id]).fetchone()
        return ReauditPlan(started, str(row[0]), tuple((names.get(x, x), kept, why) for x, kept, why in choices))
    try:
        proposal = propose_reaudit(db, audit_id, only_missed=True)
    except KnownError:
        return ReauditPlan(None, "proposed", ())
    return ReauditPlan(None, "proposed", tuple((c.label, c.included, c.reason) for c in proposal.choices))


def _count(n: int) -> str:
    return f"{n} criterion" if n == 1 else f"{n} criteria"


def _names(rows: list[tuple[str, bool, str]]) -> str:
    labels = [r[0] for r in rows]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def add_reaudit(doc: ReportDocument, data: ReportData) -> None:
    """The Re-audit section: its date or start, then the criteria it covers and why."""
    from model.report.builder import long_date

    doc.heading("Re-audit", 1)
    plan, due = data.reaudit, data.audit.reaudit_due
    if plan is not None and plan.started is not None:
        started = plan.started
        doc.paragraph(f"The re-audit has started: {started.title}"
                      + (f", from {long_date(started.period_start)}." if started.period_start else "."))
    elif due:
        doc.paragraph(f"Re-audit due: {long_date(due)}, with the same method once the actions are in place.")
    else:
        doc.paragraph("Not available: no re-audit date has been set.", note=True)
    if plan is None or not plan.rows:
        doc.paragraph("Not available: this cycle has no criteria, so none can be named for the re-audit.", note=True)
        return
    rows = list(plan.rows)
    kept, left = [r for r in rows if r[1]], [r for r in rows if not r[1]]
    if plan.scope == "proposed":
        doc.paragraph(f"Criteria the re-audit must re-measure ({len(kept)} of {_count(len(rows))}): "
                      + (f"{_names(kept)}, which missed their target, had actions or had no result." if kept
                         else "none: every criterion met its target and none had actions."))
        if left:
            doc.paragraph(f"The others ({_names(left)}) met their target and had no actions: the re-audit may "
                          "leave them out (RCPath), unless the changes made may have affected them.")
        column = "Must be re-measured"
    elif plan.scope == "listed":
        doc.paragraph(f"The re-audit re-measures {_count(len(kept))}" + (f": {_names(kept)}." if kept else "."))
        column = "Re-measured"
    else:
        scope = SCOPES.get(plan.scope, plan.scope)
        doc.paragraph(f"The re-audit re-measures {scope} ({len(kept)} of {_count(len(rows))})"
                      + (f": {_names(kept)}." if kept else "."))
        column = "Re-measured"
    doc.table(("Criterion", column, "Why"), [(label, "Yes" if keep else "No", why) for label, keep, why in rows],
              caption="Table: the criteria of the re-audit", widths=(3, 1.2, 4))
