"""Results follow the criterion shown: re-judging stored answers when a definition changes.

Every answer keeps the value as entered (`raw`) and the number it was derived from
(`value`, model.store.case_answers). When a criterion's answer type, threshold or choices
change after data exists, each stored outcome is derived again from those, with the same
rules an import or the entry form uses (model.collect.entry), so a "0" typed into a column
once mapped to a timed criterion stops counting as met the moment the criterion becomes
Yes/No. `plan_rederivation` says what would change (for the user to confirm) and
`save_with_rederivation` saves the criterion, rewrites the outcomes and records the change
in the criterion's history, in one transaction.

An answer the new rules cannot read (an earlier import's decision for an odd spelling, say)
keeps its stored outcome and is counted as `kept`, never guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.entry import derive_minutes, derive_numeric, derive_series
from model.core.util import now_iso
from model.plan import criteria as crit
from model.plan.criteria import Criterion
from model.store.case_answers import Answer, answers_long, write_case_answers

# The fields that decide how an answer is judged (the wording and target do not).
DERIVING_FIELDS = ("answer_type", "threshold", "threshold_op", "threshold_unit", "choices_json",
                   "met_choices_json")
OUTCOME_WORDS = {"met": "met", "not_met": "not met", "exception": "not applicable", "missing": "missing"}
_FIELD_WORDS = {"answer_type": "answer type", "threshold_op": "threshold comparison",
                "threshold_unit": "threshold unit", "choices_json": "choices",
                "met_choices_json": "choices counting as met"}


@dataclass(frozen=True)
class Rederivation:
    """What re-judging a criterion's stored answers under a new definition changes.

    Attributes:
        criterion_id: the criterion.
        fields: the deciding fields that differ from the stored definition.
        answers: how many stored answers were looked at.
        moves: (old outcome, new outcome) → how many answers move that way.
        kept: answers the new definition cannot read, kept as stored.
        updates: the new answers by case id (what `save_with_rederivation` writes).
    """

    criterion_id: int
    fields: tuple[str, ...]
    answers: int
    moves: dict[tuple[str, str], int]
    kept: int
    updates: dict[int, Answer] = field(default_factory=dict, repr=False)

    @property
    def changed(self) -> int:
        """How many stored outcomes change."""
        return sum(self.moves.values())

    def summary(self) -> str:
        """The change in words, e.g. "3 of 40 answers re-judged: 3 met → not met"."""
        if not self.answers:
            return "No answers are stored yet."
        if not self.changed:
            text = f"None of the {self.answers} stored answers changes outcome."
        else:
            moves = ", ".join(f"{n} {OUTCOME_WORDS[a]} → {OUTCOME_WORDS[b]}"
                              for (a, b), n in sorted(self.moves.items(), key=lambda m: -m[1]))
            text = f"{self.changed} of {self.answers} stored answers change outcome: {moves}."
        if self.kept:
            text += (f" {self.kept} cannot be read under the new definition and keep their outcome; "
                     "check them on the Collect page.")
        return text


def deciding_changes(old: Criterion, new: Criterion) -> tuple[str, ...]:
    """The fields that decide outcomes and differ between two versions of a criterion."""
    return tuple(name for name in DERIVING_FIELDS if getattr(old, name) != getattr(new, name))


def plan_rederivation(db: Database, new: Criterion) -> Rederivation:
    """What saving `new` (an edited stored criterion) would do to its stored answers."""
    if new.id is None or new.cycle_id is None:
        raise ValueError("plan_rederivation needs a stored criterion")
    old = crit.get_criterion(db, new.id)
    fields = deciding_changes(old, new)
    long = answers_long(db, [new.cycle_id], criterion_ids=[new.id], raw=True, value=True)
    if not fields or long.empty:
        return Rederivation(new.id, fields, len(long), {}, 0)
    return _rejudged(long, new, fields)


def rejudge_stored(db: Database, criterion_id: int) -> Rederivation:
    """Re-judge every stored answer of a criterion under its stored definition and write the changes.

    For answers entered under another definition (a merge took the other copy's definition, or
    brought cases judged under it: model.report.handover_apply). Call inside a transaction.
    """
    stored = crit.get_criterion(db, criterion_id)
    long = answers_long(db, [int(stored.cycle_id or 0)], criterion_ids=[criterion_id], raw=True, value=True)
    if long.empty:
        return Rederivation(criterion_id, DERIVING_FIELDS, 0, {}, 0)
    plan = _rejudged(long, stored, DERIVING_FIELDS)
    for case_id, answer in plan.updates.items():
        write_case_answers(db, case_id, {criterion_id: answer})
    return plan


def _rejudged(long: pd.DataFrame, new: Criterion, fields: tuple[str, ...]) -> Rederivation:
    assert new.id is not None
    outcome, value = _derive(long, new)
    readable = outcome != "unrecognised"
    new_outcome = np.where(readable, outcome, long["outcome"].to_numpy(dtype=object))
    new_value = np.where(readable, value, long["value"].to_numpy(dtype=float))
    old_outcome, old_value = long["outcome"].to_numpy(dtype=object), long["value"].to_numpy(dtype=float)
    moved = new_outcome != old_outcome
    value_moved = ~(np.isclose(new_value, old_value, equal_nan=True))
    updates = {int(case): Answer(str(o), raw, None if np.isnan(v) else float(v))
               for case, o, raw, v, m in zip(long["case_id"], new_outcome, long["raw"], new_value,
                                             moved | value_moved, strict=True) if m}
    moves = Counter(zip(old_outcome[moved].tolist(), new_outcome[moved].tolist(), strict=True))
    return Rederivation(new.id, fields, len(long), dict(moves), int((~readable).sum()), updates)


def _derive(long: pd.DataFrame, c: Criterion) -> tuple[np.ndarray, np.ndarray]:
    """Outcome and number for each stored answer under `c`: from the text as entered where there
    is one, else (answers the entry form derived from two times) from the stored number."""
    raw = long["raw"]
    has_raw = raw.notna().to_numpy()
    outcome = long["outcome"].to_numpy(dtype=object).copy()
    value = long["value"].to_numpy(dtype=float).copy()
    if has_raw.any():
        derived, number, _problem = derive_series(raw[has_raw].astype(object), c)
        outcome[has_raw] = derived.to_numpy(dtype=object)
        value[has_raw] = number.to_numpy(dtype=float)
    numeric = c.answer_type in ("numeric", "time_diff") and c.threshold is not None
    from_value = ~has_raw & ~np.isnan(long["value"].to_numpy(dtype=float))
    for i in np.flatnonzero(from_value) if numeric else ():
        judge = derive_minutes if c.answer_type == "time_diff" else derive_numeric
        result = judge(float(value[i]), c)
        outcome[i] = result.outcome
    return outcome, value


def save_with_rederivation(db: Database, new: Criterion) -> Rederivation:
    """Save an edited criterion and re-judge its stored answers, in one transaction.

    Records the change in the criterion's history when a deciding field changed.

    Raises:
        KnownError: the criterion cannot be saved (nothing is stored).
    """
    with db.atomic():
        plan = plan_rederivation(db, new)
        crit.save_criterion(db, new)
        for case_id, answer in plan.updates.items():
            write_case_answers(db, case_id, {plan.criterion_id: answer})
        if plan.fields:
            words = ", ".join(_FIELD_WORDS.get(f, f) for f in plan.fields)
            db.table("criterion_changes").insert({"criterion_id": plan.criterion_id, "changed_at": now_iso(),
                                            "fields": words, "answers_rejudged": plan.changed,
                                            "summary": plan.summary()})
    return plan


@dataclass(frozen=True)
class CriterionChange:
    """One recorded change of a criterion's definition."""

    changed_at: str
    fields: str
    answers_rejudged: int
    summary: str


def criterion_history(db: Database, criterion_id: int) -> list[CriterionChange]:
    """A criterion's recorded definition changes, newest first."""
    rows = db.execute("SELECT changed_at, fields, answers_rejudged, summary FROM criterion_changes "
                      "WHERE criterion_id = ? ORDER BY id DESC", [criterion_id]).fetchall()
    return [CriterionChange(*row) for row in rows]
