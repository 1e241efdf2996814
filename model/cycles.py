"""Cycles: cycle 1 is the baseline, later cycles are re-audits of the same criteria."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import NewType

from sqlite_utils import Database

from model.criteria import Criterion, add_criterion, describe_changes, list_criteria
from model.errors import KnownError
from model.util import now_iso, parse_iso_date

CycleId = NewType("CycleId", int)

CYCLE_STATUSES = {
    "planning": "Planning",
    "collecting": "Collecting data",
    "analysing": "Analysing",
    "complete": "Complete",
}
METHODS = {"retrospective": "Retrospective (from notes)", "prospective": "Prospective (as patients pass)"}
SAMPLING_METHODS = {
    "all": "All eligible cases",
    "simple_random": "Simple random sample",
    "systematic": "Systematic (every k-th case)",
    "consecutive": "Consecutive cases",
    "convenience": "Convenience sample",
}


@dataclass
class Cycle:
    """One round of measurement of an audit."""

    audit_id: int
    number: int = 1
    id: CycleId | None = None
    label: str = ""
    status: str = "planning"
    period_start: str | None = None
    period_end: str | None = None
    method: str = "retrospective"
    standard_id: int | None = None
    standard_version: str = ""
    population_size: int | None = None
    planned_sample: int | None = None
    sampling_method: str = "all"
    sampling_seed: int | None = None
    sampling_json: str = "{}"
    notes: str = ""
    started_on: str | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def title(self) -> str:
        """'Cycle 1 (baseline)', 'Cycle 2 (re-audit)' or the user's label."""
        kind = "baseline" if self.number == 1 else "re-audit"
        return self.label or f"Cycle {self.number} ({kind})"


_COLUMNS = [f.name for f in fields(Cycle) if f.name != "id"]


def validate(cycle: Cycle) -> list[str]:
    """Problems that stop a cycle being saved."""
    problems = []
    if cycle.status not in CYCLE_STATUSES:
        problems.append(f"Unknown cycle status '{cycle.status}'.")
    if cycle.method not in METHODS:
        problems.append(f"Unknown method '{cycle.method}'.")
    if cycle.sampling_method not in SAMPLING_METHODS:
        problems.append(f"Unknown sampling method '{cycle.sampling_method}'.")
    for value in (cycle.population_size, cycle.planned_sample):
        if value is not None and value < 0:
            problems.append("Population and sample sizes cannot be negative.")
    try:
        start, end = parse_iso_date(cycle.period_start), parse_iso_date(cycle.period_end)
    except ValueError:
        problems.append("The data collection period must be real dates.")
    else:
        if start and end and end < start:
            problems.append("The data collection period ends before it starts.")
    return problems


def _row(row: dict) -> Cycle:
    return Cycle(id=CycleId(row["id"]), **{k: row[k] for k in _COLUMNS if k in row})


def list_cycles(db: Database, audit_id: int) -> list[Cycle]:
    """An audit's cycles, baseline first."""
    rows = db.query("SELECT * FROM cycles WHERE audit_id = ? ORDER BY number", [audit_id])
    return [_row(r) for r in rows]


def get_cycle(db: Database, cycle_id: int) -> Cycle:
    """One cycle by id."""
    rows = list(db.query("SELECT * FROM cycles WHERE id = ?", [cycle_id]))
    if not rows:
        raise KnownError(f"Cycle {cycle_id} no longer exists.")
    return _row(rows[0])


def create_cycle(db: Database, cycle: Cycle) -> Cycle:
    """Store a cycle (its number defaults to the next free one)."""
    problems = validate(cycle)
    if problems:
        raise KnownError(" ".join(problems))
    stamp = now_iso()
    cycle.created_at, cycle.updated_at = stamp, stamp
    with db.atomic():
        last = db.execute("SELECT COALESCE(MAX(number), 0) FROM cycles WHERE audit_id = ?", [cycle.audit_id])
        cycle.number = last.fetchone()[0] + 1
        values = {k: v for k, v in asdict(cycle).items() if k in _COLUMNS}
        cycle.id = CycleId(db["cycles"].insert(values).last_pk)
    return cycle


def update_cycle(db: Database, cycle: Cycle) -> Cycle:
    """Save every field of a stored cycle."""
    if cycle.id is None:
        raise ValueError("update_cycle needs a stored cycle")
    problems = validate(cycle)
    if problems:
        raise KnownError(" ".join(problems))
    cycle.updated_at = now_iso()
    values = {k: v for k, v in asdict(cycle).items() if k in _COLUMNS}
    with db.atomic():
        db["cycles"].update(cycle.id, values)
    return cycle


def start_next_cycle(db: Database, audit_id: int, **overrides: object) -> Cycle:
    """Create the re-audit cycle, copying the latest cycle's criteria (same lineage)."""
    cycles = list_cycles(db, audit_id)
    with db.atomic():
        if not cycles:
            return create_cycle(db, Cycle(audit_id=audit_id, **overrides))  # type: ignore[arg-type]
        previous = cycles[-1]
        base = {k: getattr(previous, k) for k in ("method", "standard_id", "standard_version",
                                                   "sampling_method", "planned_sample")}
        base.update(overrides)
        cycle = create_cycle(db, Cycle(audit_id=audit_id, **base))  # type: ignore[arg-type]
        for c in list_criteria(db, previous.id):
            copy = Criterion(**{k: v for k, v in asdict(c).items() if k not in ("id", "cycle_id", "position")})
            copy.changes_from_previous = ""
            add_criterion(db, cycle.id, copy)
    return cycle


def delete_cycle(db: Database, cycle_id: int) -> None:
    """Delete a cycle with its criteria and cases (callers confirm first)."""
    with db.atomic():
        db.execute("DELETE FROM cycles WHERE id = ?", [cycle_id])


def criteria_changes(db: Database, earlier_cycle_id: int, later_cycle_id: int) -> dict[str, str]:
    """For each lineage, what changed between two cycles ('added', 'removed' or the fields)."""
    before = {c.lineage: c for c in list_criteria(db, earlier_cycle_id)}
    after = {c.lineage: c for c in list_criteria(db, later_cycle_id)}
    changes: dict[str, str] = {}
    for lineage, new in after.items():
        old = before.get(lineage)
        text = "added in this cycle" if old is None else describe_changes(old, new)
        if text:
            changes[lineage] = text
    for lineage in before.keys() - after.keys():
        changes[lineage] = "removed in this cycle"
    return changes
