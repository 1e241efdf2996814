"""Re-audit against a newer version of the standard: what changed, side by side, decided per criterion.

A guideline is revised between cycles (NICE updates NG89; the trust rewrites its policy), and
the library then holds a newer version than the one the last cycle recorded
(`cycles.standard_version`; importing a newer version replaces the library's copy in place,
so the cycle's link holds). Before the re-audit starts, `check_standard` pairs each criterion
of the last cycle with the library's criterion it corresponds to (same short name, else the
same source reference, else the most similar statement) and names the fields that differ;
library criteria with no counterpart are offered as new ones. The user decides per criterion
(`DECISIONS`): keep the wording the cycle used (the comparison with the last cycle stays like
for like), take the newer wording (the lineage is kept and the change is recorded on the
criterion, so the comparison is flagged), add a new criterion, or leave one out.
`apply_decisions` carries the choices out on the re-audit cycle and records them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import new_uid, now_iso, saved
from model.plan.audits import get_audit
from model.plan.criteria import (
    Criterion,
    add_criterion,
    criterion_label,
    describe_changes,
    list_criteria,
    update_criterion,
)
from model.plan.cycles import get_cycle, list_cycles, update_cycle
from model.plan.standards import CRITERION_FIELDS, Standard, criteria_from_standard, get_standard, is_newer

KEEP, TAKE_NEWER, ADD, LEAVE_OUT = "keep", "take_newer", "add", "leave_out"
DECISIONS = {KEEP: "Keep the wording the cycle used", TAKE_NEWER: "Take the newer wording",
             ADD: "Add this new criterion", LEAVE_OUT: "Leave it out"}
SIDE_BY_SIDE = ("short_name", "statement", "numerator", "denominator", "exceptions", "target", "direction",
                "answer_type", "threshold", "threshold_op", "threshold_unit")
_MATCH = 0.6  # statements at least this similar (difflib ratio) are the same criterion reworded


@dataclass(frozen=True)
class CriterionVersions:
    """One criterion as the last cycle used it and as the library's newer version has it."""

    key: str                      # the cycle's lineage, or "new:<n>" for a library criterion without one
    used: Criterion | None        # None: only in the newer version
    newer: Criterion | None       # None: the newer version no longer has it
    changed: tuple[str, ...]      # fields that differ (SIDE_BY_SIDE names)

    @property
    def label(self) -> str:
        """The criterion's name (the cycle's, else the library's)."""
        c = self.used or self.newer
        return criterion_label(c.short_name, c.statement) if c else ""

    @property
    def options(self) -> tuple[str, ...]:
        """The decisions that make sense, the default first."""
        if self.used is None:
            return (LEAVE_OUT, ADD)  # by default the re-audit measures what the last cycle did
        if self.newer is None:
            return (KEEP, LEAVE_OUT)
        return (KEEP, TAKE_NEWER) if self.changed else (KEEP,)


@dataclass(frozen=True)
class StandardCheck:
    """The last cycle's standard version against the library's, criterion by criterion."""

    standard: Standard
    used_version: str
    pairs: tuple[CriterionVersions, ...]

    @property
    def library_version(self) -> str:
        """The version the library holds now."""
        return self.standard.version

    def describe(self) -> str:
        """'The library holds version 2024 of NICE NG89; Cycle 1 used version 2019.'"""
        name = self.standard.reference_code or self.standard.title
        return (f"The library holds version {self.library_version} of {name}; the last cycle used version "
                f"{self.used_version or '(not recorded)'}.")


def field_text(criterion: Criterion | None, name: str) -> str:
    """A criterion's field as the side-by-side view shows it ('' for none)."""
    if criterion is None:
        return ""
    value: Any = getattr(criterion, name)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _match(used: Criterion, candidates: list[Criterion]) -> Criterion | None:
    for field in ("short_name", "source_ref"):
        found = [c for c in candidates if _norm(getattr(used, field)) and _norm(getattr(c, field)) ==
                 _norm(getattr(used, field))]
        if found:
            return found[0]
    scored = [(difflib.SequenceMatcher(None, _norm(used.statement), _norm(c.statement)).ratio(), i)
              for i, c in enumerate(candidates)]
    best = max(scored, default=(0.0, -1))
    return candidates[best[1]] if best[0] >= _MATCH else None


def _changed(used: Criterion, newer: Criterion) -> tuple[str, ...]:
    return tuple(f for f in SIDE_BY_SIDE if field_text(used, f) != field_text(newer, f))


def check_standard(db: Database, audit_id: int) -> StandardCheck | None:
    """The check for the audit's last cycle; None when it records no standard or the library's
    version is not newer than the one it used."""
    cycles = list_cycles(db, audit_id)
    if not cycles:
        return None
    last = cycles[-1]
    standard_id = last.standard_id or get_audit(db, audit_id).standard_id
    if standard_id is None:
        return None
    try:
        standard = get_standard(db, standard_id)
    except KnownError:  # deleted from the library: nothing to compare with
        return None
    if not is_newer(standard.version, last.standard_version):
        return None
    library = criteria_from_standard(standard)
    pairs = []
    for used in list_criteria(db, saved(last.id)):
        newer = _match(used, library)
        if newer is not None:
            library.remove(newer)
        pairs.append(CriterionVersions(used.lineage, used, newer, _changed(used, newer) if newer else ()))
    pairs += [CriterionVersions(f"new:{i}", None, c, ()) for i, c in enumerate(library, start=1)]
    return StandardCheck(standard, last.standard_version, tuple(pairs))


def _newer_fields(newer: Criterion) -> dict[str, Any]:
    return {f: getattr(newer, f) for f in CRITERION_FIELDS}


def apply_decisions(db: Database, cycle_id: int, check: StandardCheck, decisions: dict[str, str]) -> list[str]:
    """Carry the per-criterion decisions out on the (new) re-audit cycle; returns a line per decision.

    A criterion the re-audit did not include (only missed ones were chosen) stays out whatever
    was decided. The cycle records the library's version once any newer wording or new
    criterion is taken; the decisions go in its notes and in `reaudit_choices`.
    """
    cycle = get_cycle(db, cycle_id)
    present = {c.lineage: c for c in list_criteria(db, cycle_id)}
    lines: list[str] = []
    adopted = False
    with db.atomic():
        for pair in check.pairs:
            decision = decisions.get(pair.key, pair.options[0])
            if decision not in pair.options:
                raise KnownError(f"“{DECISIONS.get(decision, decision)}” does not apply to {pair.label}.")
            lines.append(f"{pair.label}: {DECISIONS[decision].lower()}")
            adopted |= _apply_one(db, cycle_id, pair, decision, present, check)
        if adopted:
            cycle.standard_version = check.library_version
        cycle.notes = "\n".join(x for x in (cycle.notes, check.describe(), *lines) if x)
        update_cycle(db, cycle)
    return lines


def _apply_one(db: Database, cycle_id: int, pair: CriterionVersions, decision: str,
               present: dict[str, Criterion], check: StandardCheck) -> bool:
    version = f"version {check.library_version} of {check.standard.reference_code or check.standard.title}"
    if decision == ADD and pair.newer is not None:
        criterion = Criterion(**{**_newer_fields(pair.newer), "lineage": new_uid(),
                                 "changes_from_previous": f"added from {version}"})
        add_criterion(db, cycle_id, criterion)
        _record(db, cycle_id, criterion.lineage, f"added from {version}")
        return True
    current = present.get(pair.key)
    if current is None:
        return False
    if decision == LEAVE_OUT:
        db.execute("DELETE FROM criteria WHERE id = ?", [current.id])
        _record(db, cycle_id, pair.key, f"left out: not in {version}", included=False)
    elif decision == TAKE_NEWER and pair.newer is not None:
        old = Criterion(**{k: getattr(current, k) for k in current.__dataclass_fields__})
        for name, value in _newer_fields(pair.newer).items():
            setattr(current, name, value)
        current.changes_from_previous = f"reworded to {version}: {describe_changes(old, current)}"
        update_criterion(db, current)
        _record(db, cycle_id, pair.key, f"took the wording of {version}")
        return True
    else:
        _record(db, cycle_id, pair.key, f"kept the wording of version {check.used_version or '(not recorded)'}")
    return False


def _record(db: Database, cycle_id: int, lineage: str, text: str, *, included: bool = True) -> None:
    row = db.execute("SELECT reason, scope FROM reaudit_choices WHERE cycle_id = ? AND lineage = ?",
                     [cycle_id, lineage]).fetchone()
    if row is None:
        scope = db.execute("SELECT scope FROM reaudit_choices WHERE cycle_id = ? LIMIT 1", [cycle_id]).fetchone()
        db.execute("INSERT INTO reaudit_choices (cycle_id, lineage, scope, included, reason, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", [cycle_id, lineage, scope[0] if scope else "all", int(included),
                                                 text, now_iso()])
    else:
        db.execute("UPDATE reaudit_choices SET reason = ?, included = ? WHERE cycle_id = ? AND lineage = ?",
                   [f"{row[0]}; {text}" if row[0] else text, int(included), cycle_id, lineage])
