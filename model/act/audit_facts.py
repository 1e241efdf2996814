"""Every audit's facts in a few queries: its cycles (with results counted), actions and last change.

The reminders and the department dashboard both ask, for each of hundreds of audits, which
cycle is the latest, which has results, whether its report was filed, which actions answer
it and when anything last changed. Asked audit by audit that is a handful of queries each
(1,000 audits: thousands of queries, over a second); here it is six queries for the whole
file, read into plain dataclasses that the rules in `model.act.reminders` work on.

Results are counted from the packed outcome letters (`model.store.case_answers`: M met,
N not met), so no answer row is unpacked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlite_utils import Database

from model.core.util import parse_iso_date


def day(text: Any) -> date | None:
    """An ISO date (or timestamp) as a date; None for blank or unreadable text."""
    try:
        return parse_iso_date(str(text)) if text else None
    except ValueError:  # a hand-edited date proves nothing
        return None


_day = day


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__
class CycleFacts:
    """One cycle: its dates and what its cases hold."""

    id: int
    audit_id: int
    number: int
    label: str
    period_start: date | None
    period_end: date | None
    created_at: str
    measured_cases: int  # cases with at least one met or not-met answer
    met: int
    not_met: int
    final_report: bool

    @property
    def has_results(self) -> bool:
        """At least one case answered a criterion met or not met."""
        return self.measured_cases > 0

    @property
    def compliance(self) -> float | None:
        """Met / (met + not met) over all its criteria, as a percentage; None without results."""
        return 100.0 * self.met / (self.met + self.not_met) if self.met + self.not_met else None

    @property
    def title(self) -> str:
        """'Cycle 1 (baseline)', 'Cycle 2 (re-audit)' or its label."""
        return self.label or f"Cycle {self.number} ({'baseline' if self.number == 1 else 're-audit'})"


@dataclass(slots=True)
class ActionFacts:
    """One action with its current deadline (the latest revision, else the original)."""

    id: int
    audit_id: int
    text: str
    owner: str
    status: str
    deadline: date | None
    recommendation_cycle_id: int | None
    created_at: str

    @property
    def is_open(self) -> bool:
        """Neither complete nor cancelled."""
        return self.status not in ("complete", "cancelled")


@dataclass
class AuditFacts:
    """One live audit (not in the bin) with its cycles (baseline first) and actions."""

    id: int
    title: str
    status: str
    specialty: str
    directorate: str
    priority: str
    audit_type: str
    lead: str
    abandoned_reason: str
    registered_on: date | None
    reaudit_due: date | None
    collection_end: date | None
    last_activity: date | None
    cycles: list[CycleFacts] = field(default_factory=list)
    actions: list[ActionFacts] = field(default_factory=list)

    @property
    def latest(self) -> CycleFacts | None:
        """The latest cycle, if any."""
        return self.cycles[-1] if self.cycles else None

    @property
    def measured(self) -> CycleFacts | None:
        """The latest cycle with results, if any."""
        return next((c for c in reversed(self.cycles) if c.has_results), None)

    def latest_end(self) -> date | None:
        """The end of the latest cycle's data collection (the register's date stands in for it)."""
        latest = self.latest
        if latest is None:
            return None
        return latest.period_end or self.collection_end

    def reaudit_pending(self, today: date) -> bool:
        """The latest cycle has results and its data collection is over: the re-audit has not started."""
        measured, end = self.measured, self.latest_end()
        return measured is not None and measured is self.latest and not (end is not None and end >= today)

    def measured_end(self) -> date | None:
        """When the latest measured cycle's data collection ended (the register's date for the latest)."""
        measured = self.measured
        if measured is None:
            return None
        return measured.period_end or (self.latest_end() if measured is self.latest else None)

    def answering(self, cycle: CycleFacts) -> list[ActionFacts]:
        """Actions (not cancelled) answering a cycle: through a recommendation of it, or added since it began."""
        return [a for a in self.actions if a.status != "cancelled" and (
            a.recommendation_cycle_id == cycle.id
            or (a.recommendation_cycle_id is None and a.created_at >= cycle.created_at))]

    def actions_for(self, cycle: CycleFacts) -> int:
        """How many actions answer a cycle (`answering`)."""
        return len(self.answering(cycle))


_CYCLES = """
SELECT y.id, y.audit_id, y.number, y.label, y.period_start, y.period_end, y.created_at,
       COALESCE(k.measured, 0), COALESCE(k.met, 0), COALESCE(k.not_met, 0),
       EXISTS (SELECT 1 FROM generated_reports g WHERE g.cycle_id = y.id AND g.kind = 'report' AND g.status = 'final')
FROM cycles y LEFT JOIN (
    SELECT cycle_id, SUM(outcomes GLOB '*[MN]*') AS measured,
           SUM(length(outcomes) - length(replace(outcomes, 'M', ''))) AS met,
           SUM(length(outcomes) - length(replace(outcomes, 'N', ''))) AS not_met
    FROM cases WHERE deleted_at IS NULL GROUP BY cycle_id) k ON k.cycle_id = y.id
ORDER BY y.audit_id, y.number
"""

_ACTIONS = """
SELECT a.id, a.audit_id, a.text, a.owner, a.status,
       COALESCE((SELECT v.deadline FROM action_deadline_revisions v WHERE v.action_id = a.id
                 ORDER BY v.revised_on DESC, v.id DESC LIMIT 1), a.original_deadline),
       r.cycle_id, a.created_at
FROM actions a LEFT JOIN recommendations r ON r.id = a.recommendation_id ORDER BY a.id
"""

_LAST_ACTIVITY = """
SELECT audit_id, MAX(t) FROM (
    SELECT id AS audit_id, updated_at AS t FROM audits
    UNION ALL SELECT audit_id, MAX(updated_at) FROM cycles GROUP BY audit_id
    UNION ALL SELECT y.audit_id, MAX(c.t) FROM (SELECT cycle_id, MAX(updated_at) AS t FROM criteria
        GROUP BY cycle_id) c JOIN cycles y ON y.id = c.cycle_id GROUP BY y.audit_id
    UNION ALL SELECT y.audit_id, MAX(c.t) FROM (SELECT cycle_id, MAX(updated_at) AS t FROM cases
        GROUP BY cycle_id) c JOIN cycles y ON y.id = c.cycle_id GROUP BY y.audit_id
    UNION ALL SELECT audit_id, MAX(updated_at) FROM actions GROUP BY audit_id
    UNION ALL SELECT a.audit_id, MAX(n.noted_on) FROM action_notes n JOIN actions a ON a.id = n.action_id
        GROUP BY a.audit_id
    UNION ALL SELECT y.audit_id, MAX(g.created_at) FROM generated_reports g JOIN cycles y ON y.id = g.cycle_id
        GROUP BY y.audit_id
) GROUP BY audit_id
"""


def gather(db: Database, *, activity: bool = True) -> dict[int, AuditFacts]:
    """Every audit not in the bin (abandoned and complete ones included), by id.

    `activity=False` leaves `last_activity` out (None): it reads every case and criterion row,
    and only the reminders' inactivity rule needs it.
    """
    day = lru_cache(maxsize=8192)(_day)  # a department's deadlines fall on a few hundred days
    last = {int(a): day(t) for a, t in db.execute(_LAST_ACTIVITY).fetchall()} if activity else {}
    audits = {r[0]: AuditFacts(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], day(r[9]), day(r[10]),
                               day(r[11]), last.get(r[0])) for r in db.execute(
        "SELECT id, title, status, specialty, directorate, priority, audit_type, lead, abandoned_reason, "
        "COALESCE(registered_on, created_at), reaudit_due, collection_end FROM audits "
        "WHERE deleted_at IS NULL ORDER BY id").fetchall()}
    for r in db.execute(_CYCLES).fetchall():
        if (audit := audits.get(r[1])) is not None:
            audit.cycles.append(CycleFacts(r[0], r[1], r[2], r[3], day(r[4]), day(r[5]), r[6], int(r[7]),
                                           int(r[8]), int(r[9]), bool(r[10])))
    by_audit: dict[int, list[ActionFacts]] = defaultdict(list)
    for r in db.execute(_ACTIONS).fetchall():
        by_audit[r[1]].append(ActionFacts(r[0], r[1], r[2], r[3], r[4], day(r[5]), r[6], r[7]))
    for audit_id, found in by_audit.items():
        if audit_id in audits:
            audits[audit_id].actions = found
    return audits
