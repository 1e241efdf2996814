"""Re-audit: when it is due, which criteria it re-measures, and starting its cycle.

DOMAIN.md §8–9: the re-audit date is usually set once the key actions are due to be
complete; the re-audit keeps the same design, and (RCPath) may re-measure only the
criteria where changes were made. So the proposed date is the latest action deadline plus
a chosen interval; the re-audit takes every criterion of the last cycle, or only those that
missed their target or had actions. Each criterion's choice and its reason is recorded
(`reaudit_choices`, m015), and the period and sample are proposed from the last cycle.
Plain SQL counting (no pandas), so the workspace can show a proposal at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlite_utils import Database

from model.act.reaudit_standard import apply_decisions, check_standard
from model.act.reminders import add_months
from model.core.errors import KnownError
from model.core.util import now_iso, parse_iso_date, saved
from model.plan.audits import Audit, get_audit, update_audit
from model.plan.criteria import criterion_label, list_criteria
from model.plan.cycles import Cycle, get_cycle, list_cycles, start_next_cycle

DEFAULT_INTERVAL_MONTHS = 3
INTERVALS_MONTHS = (1, 3, 6, 12)


def proposed_due(deadlines: Iterable[date | None], interval_months: int = DEFAULT_INTERVAL_MONTHS) -> date | None:
    """The latest of the deadlines plus `interval_months` calendar months; None without any deadline."""
    known = [d for d in deadlines if d is not None]
    return add_months(max(known), interval_months) if known else None


def action_deadlines(db: Database, audit_id: int) -> list[date | None]:
    """Each action's current deadline (latest revision, else original), cancelled actions left out."""
    rows = db.execute(
        "SELECT COALESCE((SELECT v.deadline FROM action_deadline_revisions v WHERE v.action_id = a.id "
        "ORDER BY v.revised_on DESC, v.id DESC LIMIT 1), a.original_deadline) FROM actions a "
        "WHERE a.audit_id = ? AND a.status != 'cancelled'", [audit_id]).fetchall()
    return [parse_iso_date(r[0]) for r in rows]


def propose_reaudit_due(db: Database, audit_id: int, interval_months: int = DEFAULT_INTERVAL_MONTHS) -> date | None:
    """The proposed re-audit date: the audit's latest action deadline plus the interval."""
    return proposed_due(action_deadlines(db, audit_id), interval_months)


def set_reaudit_due(db: Database, audit_id: int, due: date | None) -> Audit:
    """Save the audit's re-audit date (the register and the reminders read it)."""
    return update_audit(db, replace(get_audit(db, audit_id), reaudit_due=due.isoformat() if due else None))


def missed_target(met: int, not_met: int, target: float | None, direction: str = "higher") -> bool | None:
    """True when compliance is short of the target (above it for "lower is better");
    None when there is no compliance (met + not met = 0) or no target."""
    if target is None or met + not_met == 0:
        return None
    pct = 100.0 * met / (met + not_met)
    return pct > target + 1e-9 if direction == "lower" else pct < target - 1e-9


@dataclass(frozen=True)
class CriterionChoice:
    """One criterion of the last cycle and whether the re-audit re-measures it, with why."""

    lineage: str
    label: str
    compliance_pct: float | None
    target: float | None
    missed: bool | None
    had_actions: bool
    included: bool
    reason: str


@dataclass(frozen=True)
class ReauditProposal:
    """What `start_reaudit` would create: criteria chosen, period and sample from the last cycle."""

    audit_id: int
    previous: Cycle
    only_missed: bool
    choices: tuple[CriterionChoice, ...]
    period_start: date | None
    period_end: date | None

    @property
    def included(self) -> list[CriterionChoice]:
        """The criteria the re-audit re-measures."""
        return [c for c in self.choices if c.included]

    def describe(self) -> str:
        """One sentence for the new cycle's notes."""
        scope = ("only the criteria that missed their target or had actions" if self.only_missed
                 else "all criteria")
        return (f"Re-audit of {self.previous.title}: {scope} ({len(self.included)} of {len(self.choices)}).")


def _counts(db: Database, cycle_id: int) -> dict[int, tuple[int, int]]:
    rows = db.execute(
        "SELECT a.criterion_id, SUM(a.outcome = 'met'), SUM(a.outcome = 'not_met') FROM answers a "
        "JOIN cases c ON c.id = a.case_id WHERE c.cycle_id = ? AND c.deleted_at IS NULL GROUP BY a.criterion_id",
        [cycle_id]).fetchall()
    return {int(r[0]): (int(r[1] or 0), int(r[2] or 0)) for r in rows}


def lineages_with_actions(db: Database, audit_id: int) -> set[str]:
    """Lineages of criteria answered by a recommendation that has at least one action."""
    rows = db.execute(
        "SELECT r.criterion_lineages_json FROM recommendations r WHERE r.audit_id = ? AND EXISTS "
        "(SELECT 1 FROM actions a WHERE a.recommendation_id = r.id)", [audit_id]).fetchall()
    found: set[str] = set()
    for (text,) in rows:
        try:
            found.update(str(x) for x in json.loads(text or "[]"))
        except json.JSONDecodeError:
            continue
    return found


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _choice(lineage: str, label: str, counts: tuple[int, int], target: float | None, direction: str,
            acted: bool, only_missed: bool, previous: str) -> CriterionChoice:
    met, not_met = counts
    pct = 100.0 * met / (met + not_met) if met + not_met else None
    missed = missed_target(met, not_met, target, direction)
    if pct is None:
        why, keep = f"no result in {previous}", True
    elif missed:
        why, keep = f"missed its target ({_pct(pct)} against {_pct(target)})", True
    elif acted:
        why, keep = "had actions", True
    elif target is None:
        why, keep = f"no target ({_pct(pct)}) and no actions", False
    else:
        why, keep = f"met its target ({_pct(pct)} against {_pct(target)}) and had no actions", False
    if missed and acted:
        why += " and had actions"
    if not only_missed:
        return CriterionChoice(lineage, label, pct, target, missed, acted, True, f"all criteria re-audited; {why}")
    return CriterionChoice(lineage, label, pct, target, missed, acted, keep, why)


def _period(previous: Cycle, start_from: date) -> tuple[date | None, date | None]:
    try:
        start, end = parse_iso_date(previous.period_start), parse_iso_date(previous.period_end)
    except ValueError:
        return None, None
    if start is None or end is None or end < start:
        return start_from, None
    return start_from, start_from + timedelta(days=(end - start).days)


def propose_reaudit(db: Database, audit_id: int, *, only_missed: bool = False,
                    today: date | None = None) -> ReauditProposal:
    """What the re-audit would be: the last cycle's criteria, each chosen or not with its reason,
    and a period as long as the last one, starting on the re-audit date (or today when that has
    passed or is not set).

    Raises:
        KnownError: the audit has no cycle to re-audit.
    """
    cycles = list_cycles(db, audit_id)
    if not cycles:
        raise KnownError("This audit has no cycle to re-audit yet.", hint="Plan and measure the baseline cycle first.")
    previous = cycles[-1]
    counts = _counts(db, saved(previous.id))
    acted = lineages_with_actions(db, audit_id)
    choices = tuple(
        _choice(c.lineage, criterion_label(c.short_name, c.statement), counts.get(saved(c.id), (0, 0)), c.target,
                c.direction, c.lineage in acted, only_missed, previous.title)
        for c in list_criteria(db, saved(previous.id)))
    day = today or date.today()
    due = parse_iso_date(get_audit(db, audit_id).reaudit_due)
    start, end = _period(previous, due if due is not None and due > day else day)
    return ReauditProposal(audit_id, previous, only_missed, choices, start, end)


def start_reaudit(db: Database, audit_id: int, *, only_missed: bool = False, today: date | None = None,
                  standard_decisions: dict[str, str] | None = None) -> Cycle:
    """Create the next cycle from the last (`start_next_cycle`: same lineage, method, standard and
    sampling), keep all criteria or only those that missed their target or had actions, and record
    each choice. The period is proposed from the last cycle (`propose_reaudit`). When the library
    holds a newer version of the standard, `standard_decisions` (by criterion key, see
    `model.act.reaudit_standard`) says what to do with each criterion; without them every
    criterion keeps the wording the last cycle used.

    Raises:
        KnownError: no cycle to re-audit, or no criterion would be re-measured.
    """
    proposal = propose_reaudit(db, audit_id, only_missed=only_missed, today=today)
    if not proposal.included:
        raise KnownError("Every criterion met its target and none had actions: nothing to re-audit.",
                         hint="Re-audit all criteria instead, or add the actions first.")
    keep = {c.lineage for c in proposal.included}
    stamp = now_iso()
    check = check_standard(db, audit_id)
    with db.atomic():
        cycle = start_next_cycle(
            db, audit_id, period_start=proposal.period_start.isoformat() if proposal.period_start else None,
            period_end=proposal.period_end.isoformat() if proposal.period_end else None,
            population_size=proposal.previous.population_size, notes=proposal.describe())
        for criterion in list_criteria(db, saved(cycle.id)):
            if criterion.lineage not in keep:
                db.execute("DELETE FROM criteria WHERE id = ?", [criterion.id])
        db.table("reaudit_choices").insert_all([
            {"cycle_id": cycle.id, "lineage": c.lineage, "scope": "missed" if only_missed else "all",
             "included": int(c.included), "reason": c.reason, "created_at": stamp} for c in proposal.choices])
        if check is not None:
            apply_decisions(db, saved(cycle.id), check, standard_decisions or {})
    return get_cycle(db, saved(cycle.id))


def recorded_choices(db: Database, cycle_id: int) -> list[tuple[str, bool, str]]:
    """(lineage, included, reason) recorded when a re-audit cycle was started; [] for other cycles."""
    rows = db.execute("SELECT lineage, included, reason FROM reaudit_choices WHERE cycle_id = ? ORDER BY rowid",
                      [cycle_id]).fetchall()
    return [(r[0], bool(r[1]), r[2]) for r in rows]
