"""Criteria: measurable statements of good care, each belonging to one cycle.

The same criterion in a later cycle shares its `lineage`, so cycles can be compared and a
change of wording between cycles can be flagged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, NewType

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import new_uid, now_iso, saved
from model.store.rows import inserted_id

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
        return criterion_label(self.short_name, self.statement)


def criterion_label(short_name: str, statement: str, width: int = 40) -> str:
    """A criterion's name for lists and charts: its short name, or its statement cut at a word."""
    if short_name.strip():
        return short_name.strip()
    text = " ".join(statement.split())
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0].rstrip(",;:") + "…"


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


def _row(row: dict[str, Any]) -> Criterion:
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
        c.id = CriterionId(inserted_id(db.table("criteria").insert(values)))
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
        db.table("criteria").update(c.id, values)
    return c


def delete_criterion(db: Database, criterion_id: int) -> None:
    """Remove a criterion and its answers."""
    from model.store.case_answers import deleting_criterion  # numpy and pandas: not on the start-up path

    with db.atomic():
        restamp = deleting_criterion(db, criterion_id)
        db.execute("DELETE FROM criteria WHERE id = ?", [criterion_id])
        restamp()


def move_criterion(db: Database, criterion_id: int, offset: int) -> None:
    """Move a criterion up (offset −1) or down (+1) in its cycle's order."""
    c = get_criterion(db, criterion_id)
    order = [x.id for x in list_criteria(db, saved(c.cycle_id))]
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
    return add_criterion(db, saved(cycle_id or c.cycle_id), copy)


def describe_changes(old: Criterion, new: Criterion) -> str:
    """What changed in how a criterion is measured between two cycles ('' when nothing)."""
    changed = [name.replace("_", " ") for name in MEASURING_FIELDS if getattr(old, name) != getattr(new, name)]
    if old.target != new.target:
        changed.append(f"target {old.target:g}% → {new.target:g}%" if None not in (old.target, new.target)
                       else "target")
    return ", ".join(changed)


# --- Editor support (Criteria stage) ------------------------------------------------------

# DOMAIN.md §2: grade A is the strongest evidence, D is consensus / expert opinion.
EVIDENCE_GRADES = {
    "A": "Strong: systematic reviews or consistent randomised trials",
    "B": "Good: well-conducted studies, not randomised or not consistent",
    "C": "Limited: observational studies, case series",
    "D": "Consensus: expert opinion or professional guidance",
}
THRESHOLD_OPS = {"<=": "≤ (at most)", "<": "< (under)", ">=": "≥ (at least)", ">": "> (over)"}
TIME_UNITS = ("minutes", "hours", "days")
_OP_SIGNS = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}


def default_target(direction: str) -> float:
    """The usual target: 100% for a 'should' criterion, 0% for a 'should not' one."""
    return 0.0 if direction == "lower" else 100.0


def choices(c: Criterion) -> list[str]:
    """The options of a choice criterion (empty for other answer types or unreadable JSON)."""
    return _json_list(c.choices_json)


def met_choices(c: Criterion) -> list[str]:
    """The options of a choice criterion that count as met."""
    return _json_list(c.met_choices_json)


def _json_list(text: str) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def set_choices(c: Criterion, options: list[str], met: list[str]) -> None:
    """Store the options (trimmed, blanks and repeats dropped) and which of them count as met."""
    clean = list(dict.fromkeys(o.strip() for o in options if o.strip()))
    c.choices_json = json.dumps(clean, ensure_ascii=False)
    c.met_choices_json = json.dumps([m for m in dict.fromkeys(m.strip() for m in met) if m in clean],
                                    ensure_ascii=False)


def answer_problems(c: Criterion) -> list[str]:
    """Problems specific to the answer type that `validate` does not cover."""
    problems = []
    if c.answer_type == "time_diff" and not c.threshold_unit:
        problems.append("Say whether the time limit is in minutes, hours or days.")
    if c.answer_type == "choice":
        options = choices(c)
        if len(options) < 2:
            problems.append("A choice criterion needs at least two options to choose from.")
        elif not met_choices(c):
            problems.append("Tick which options count as meeting the criterion.")
    return problems


def describe_rule(c: Criterion) -> str:
    """How an answer is judged, in words ('Met when ≤ 14 hours', 'Yes / No / Not applicable')."""
    if c.answer_type in ("numeric", "time_diff"):
        if c.threshold is None:
            return "Threshold not yet set"
        unit = f" {c.threshold_unit}" if c.threshold_unit else ""
        prefix = "Met when the time is" if c.answer_type == "time_diff" else "Met when the value is"
        return f"{prefix} {_OP_SIGNS.get(c.threshold_op, c.threshold_op)} {c.threshold:g}{unit}"
    if c.answer_type == "choice":
        met = met_choices(c)
        return f"Met when the answer is {' or '.join(met)}" if met else "Options counting as met not yet chosen"
    return ANSWER_TYPES.get(c.answer_type, c.answer_type)


def previous_criterion(db: Database, c: Criterion) -> Criterion | None:
    """The same criterion (same lineage) in the cycle before this one, if there is one."""
    rows = list(db.query(
        """SELECT p.* FROM criteria p
           JOIN cycles pc ON pc.id = p.cycle_id
           JOIN cycles cc ON cc.audit_id = pc.audit_id AND cc.number = pc.number + 1
           WHERE cc.id = ? AND p.lineage = ?""", [c.cycle_id, c.lineage]))
    return _row(rows[0]) if rows else None


def save_criterion(db: Database, c: Criterion) -> Criterion:
    """Save every field and record what changed since the previous cycle (for the comparison).

    Raises:
        KnownError: for a structurally impossible value (target outside 0–100%); nothing is stored.
    """
    previous = previous_criterion(db, c) if c.cycle_id is not None else None
    c.changes_from_previous = describe_changes(previous, c) if previous is not None else ""
    with db.atomic():
        update_criterion(db, c)
        following = _next_criterion(db, c)
        if following is not None:
            # Editing an earlier cycle changes what the next cycle differs from.
            db.execute("UPDATE criteria SET changes_from_previous = ? WHERE id = ?",
                       [describe_changes(c, following), following.id])
    return c


def _next_criterion(db: Database, c: Criterion) -> Criterion | None:
    rows = list(db.query(
        """SELECT n.* FROM criteria n
           JOIN cycles nc ON nc.id = n.cycle_id
           JOIN cycles cc ON cc.audit_id = nc.audit_id AND nc.number = cc.number + 1
           WHERE cc.id = ? AND n.lineage = ?""", [c.cycle_id, c.lineage]))
    return _row(rows[0]) if rows else None


def restore_criterion(db: Database, c: Criterion) -> Criterion:
    """Put back a deleted criterion (kept copy) at its old position, with its lineage."""
    position = c.position
    copy = Criterion(**{k: v for k, v in asdict(c).items() if k in _COLUMNS})
    restored = add_criterion(db, saved(c.cycle_id), copy)
    order = [x.id for x in list_criteria(db, saved(c.cycle_id)) if x.id != restored.id]
    order.insert(min(position, len(order)), restored.id)
    with db.atomic():
        for pos, cid in enumerate(order):
            db.execute("UPDATE criteria SET position = ? WHERE id = ?", [pos, cid])
    return get_criterion(db, saved(restored.id))


def answer_count(db: Database, criterion_id: int) -> int:
    """How many answers are stored for a criterion (deleting it deletes them too)."""
    # Answers are packed on the case rows (model.store.case_answers): count the cases of the
    # criterion's cycle whose list of answered criteria names it.
    count: int = db.execute(
        "SELECT COUNT(*) FROM cases WHERE cycle_id = (SELECT cycle_id FROM criteria WHERE id = ?) "
        "AND instr(',' || answer_criteria || ',', ',' || ? || ',') > 0", [criterion_id, criterion_id]).fetchone()[0]
    return count


def fresh_copy(c: Criterion) -> Criterion:
    """An unsaved copy with no id, cycle or lineage (to add to another audit's cycle)."""
    copy = Criterion(**{k: v for k, v in asdict(c).items() if k in _COLUMNS})
    copy.cycle_id, copy.lineage, copy.position, copy.changes_from_previous = None, "", 0, ""
    copy.created_at = copy.updated_at = ""
    return copy


def add_criteria(db: Database, cycle_id: int, criteria: list[Criterion]) -> list[Criterion]:
    """Append several new criteria (e.g. from the standards library) in one transaction."""
    with db.atomic():
        return [add_criterion(db, cycle_id, c) for c in criteria]
