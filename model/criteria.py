"""Criteria: measurable statements of good care, each belonging to one cycle.

The same criterion in a later cycle shares its `lineage`, so cycles can be compared and a
change of wording between cycles can be flagged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import NewType

from sqlite_utils import Database

from model.errors import KnownError
from model.util import new_uid, now_iso

CriterionId = NewType("CriterionId", int)

ANSWER_TYPES = {
    "yes_no": "Yes / No / Not applicable",
    "numeric": "Number with a threshold",
    "time_diff": "Time difference with a threshold",
    "choice": "Choice from a list",
}
DIRECTIONS = {"higher": "Should happen (higher is better)", "lower": "Should not happen (lower is better)"}
# Fields whose change between cycles means the re-audit no longer measures the same thing.
MEASURING_FIELDS = ("statement", "numerator", "denominator", "exceptions", "answer_type", "threshold",
                    "threshold_op", "direction")


@dataclass
class Criterion:
    """One criterion of a cycle."""

    statement: str
    cycle_id: int | None = None
    id: CriterionId | None = None
    lineage: str = ""
    position: int = 0
    short_name: str = ""
    numerator: str = ""
    denominator: str = ""
    exceptions: str = ""
    target: float | None = 100.0
    direction: str = "higher"
    evidence_grade: str = ""
    source_ref: str = ""
    data_location: str = ""
    answer_type: str = "yes_no"
    threshold: float | None = None
    threshold_op: str = "<="
    threshold_unit: str = ""
    choices_json: str = "[]"
    met_choices_json: str = "[]"
    changes_from_previous: str = ""
    created_at: str = ""
    updated_at: str = ""

    @property
    def label(self) -> str:
        """The short name, or the start of the statement when there is none."""
        return self.short_name or (self.statement[:40] + ("…" if len(self.statement) > 40 else ""))


_COLUMNS = [f.name for f in fields(Criterion) if f.name != "id"]


def validate(c: Criterion) -> list[str]:
    """What is missing for this criterion to be measurable, in plain words."""
    problems = []
    if not c.statement.strip():
        problems.append("A criterion needs a statement of what should happen.")
    if not c.denominator.strip():
        problems.append("A criterion without a denominator (who is eligible) cannot be measured.")
    if not c.numerator.strip():
        problems.append("Say who counts as meeting it (the numerator).")
    if c.target is None:
        problems.append("Set a target (100% for 'should', 0% for 'should not').")
    elif not 0 <= c.target <= 100:
        problems.append("The target must be between 0 and 100%.")
    if c.direction not in DIRECTIONS:
        problems.append(f"Unknown direction '{c.direction}'.")
    if c.answer_type not in ANSWER_TYPES:
        problems.append(f"Unknown answer type '{c.answer_type}'.")
    if c.answer_type in ("numeric", "time_diff") and c.threshold is None:
        problems.append("A numeric or time criterion needs a threshold (e.g. within 60 minutes).")
    return problems


def warnings(c: Criterion) -> list[str]:
    """Advice that does not block saving (vague criteria are the commonest trainee mistake)."""
    notes = []
    if not c.exceptions.strip():
        notes.append("No exceptions listed: is every eligible patient really expected to meet it?")
    if not c.source_ref.strip():
        notes.append("Give the source of the standard (e.g. NICE NG89 1.1.3).")
    if not c.data_location.strip():
        notes.append("Say where the data is found (e.g. admission clerking).")
    return notes


def _blocking(c: Criterion) -> list[str]:
    # Only the structurally impossible stops a save; missing definitions are shown as
    # validation messages in the editor so a half-written criterion is never lost.
    problems = []
    if c.target is not None and not 0 <= c.target <= 100:
        problems.append("The target must be between 0 and 100%.")
    if c.direction not in DIRECTIONS or c.answer_type not in ANSWER_TYPES:
        problems.append("Unknown direction or answer type.")
    return problems


def _row(row: dict) -> Criterion:
    return Criterion(id=CriterionId(row["id"]), **{k: row[k] for k in _COLUMNS if k in row})


def list_criteria(db: Database, cycle_id: int) -> list[Criterion]:
    """A cycle's criteria in order."""
    rows = db.query("SELECT * FROM criteria WHERE cycle_id = ? ORDER BY position, id", [cycle_id])
    return [_row(r) for r in rows]


def get_criterion(db: Database, criterion_id: int) -> Criterion:
    """One criterion by id."""
    rows = list(db.query("SELECT * FROM criteria WHERE id = ?", [criterion_id]))
    if not rows:
        raise KnownError(f"Criterion {criterion_id} no longer exists.")
    return _row(rows[0])


def add_criterion(db: Database, cycle_id: int, c: Criterion) -> Criterion:
    """Append a criterion to a cycle (saved at once)."""
    problems = _blocking(c)
    if problems:
        raise KnownError(" ".join(problems))
    stamp = now_iso()
    c.cycle_id = cycle_id
    c.lineage = c.lineage or new_uid()
    c.created_at, c.updated_at = stamp, stamp
    with db.atomic():
        last = db.execute("SELECT COALESCE(MAX(position), -1) FROM criteria WHERE cycle_id = ?", [cycle_id])
        c.position = last.fetchone()[0] + 1
        values = {k: v for k, v in asdict(c).items() if k in _COLUMNS}
        c.id = CriterionId(db["criteria"].insert(values).last_pk)
    return c


def update_criterion(db: Database, c: Criterion) -> Criterion:
    """Save every field of a stored criterion."""
    if c.id is None:
        raise ValueError("update_criterion needs a stored criterion")
    problems = _blocking(c)
    if problems:
        raise KnownError(" ".join(problems))
    c.updated_at = now_iso()
    values = {k: v for k, v in asdict(c).items() if k in _COLUMNS}
    with db.atomic():
        db["criteria"].update(c.id, values)
    return c


def delete_criterion(db: Database, criterion_id: int) -> None:
    """Remove a criterion and its answers."""
    with db.atomic():
        db.execute("DELETE FROM criteria WHERE id = ?", [criterion_id])


def move_criterion(db: Database, criterion_id: int, offset: int) -> None:
    """Move a criterion up (offset −1) or down (+1) in its cycle's order."""
    c = get_criterion(db, criterion_id)
    order = [x.id for x in list_criteria(db, c.cycle_id)]
    i = order.index(c.id)
    j = max(0, min(len(order) - 1, i + offset))
    order.insert(j, order.pop(i))
    with db.atomic():
        for pos, cid in enumerate(order):
            db.execute("UPDATE criteria SET position = ? WHERE id = ?", [pos, cid])


def duplicate_criterion(db: Database, criterion_id: int, *, cycle_id: int | None = None) -> Criterion:
    """A copy (new lineage) appended to the same or another cycle."""
    c = get_criterion(db, criterion_id)
    copy = Criterion(**{k: v for k, v in asdict(c).items() if k in _COLUMNS})
    copy.lineage = ""
    copy.changes_from_previous = ""
    if cycle_id is None:
        copy.short_name = (c.short_name + " (copy)").strip()
    return add_criterion(db, cycle_id or c.cycle_id, copy)


def describe_changes(old: Criterion, new: Criterion) -> str:
    """What changed in how a criterion is measured between two cycles ('' when nothing)."""
    changed = [name.replace("_", " ") for name in MEASURING_FIELDS if getattr(old, name) != getattr(new, name)]
    if old.target != new.target:
        changed.append(f"target {old.target:g}% → {new.target:g}%" if None not in (old.target, new.target)
                       else "target")
    return ", ".join(changed)
