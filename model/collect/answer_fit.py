"""Does a column's content fit the criterion it is mapped to? (issue 12: wrong results, silently)

A ward sheet with Yes/No/0/1 in a column mapped to a timed criterion ("met when ≤ 60
minutes") would count every `0` (meaning No) as met, since 0 minutes is within the limit.
Numbers in a column mapped to a Yes/No criterion are the mirror case. Before an import
stores anything, `answer_type_mismatches` finds each such column so the mapping step can
make the user choose: change the criterion's answer type, leave the column out, or import
it as mapped because it really is what the criterion says.

The check reads the column's distinct values only (a few per column in practice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sqlite_utils import Database

from model.collect.answers import VOCABULARY, answer_key
from model.collect.import_mapping import criterion_target
from model.collect.sheets import SheetTable
from model.plan.criteria import ANSWER_TYPES, Criterion, list_criteria

_YES_NO = {k for k, v in VOCABULARY.items() if v in ("met", "not_met")}
_BINARY_NUMBERS = {0.0, 1.0}
_EXAMPLES = 4


@dataclass(frozen=True)
class AnswerTypeMismatch:
    """A mapped column whose values do not fit its criterion's answer type.

    Attributes:
        column: the sheet's column name; letter: its Excel letter.
        criterion_id: the criterion it is mapped to; criterion: its label.
        answer_type: the criterion's answer type; fits: the answer type the values fit.
        examples: a few of the values found, as typed.
        message: what is wrong, where, and why it matters, in plain words.
    """

    column: str
    letter: str
    criterion_id: int
    criterion: str
    answer_type: str
    fits: str
    examples: tuple[str, ...]
    message: str


def _number(key: str) -> float | None:
    try:
        return float(key.replace(",", ""))
    except ValueError:
        return None


def values_fit(keys: set[str]) -> str | None:
    """What a column's distinct answer keys look like: "yes_no", "numeric" or None (unclear)."""
    numbers = {n for k in keys if (n := _number(k)) is not None}
    words = {k for k in keys if _number(k) is None}
    yes_no_words = words & _YES_NO
    if numbers - _BINARY_NUMBERS:
        return "numeric" if len(yes_no_words) == 0 else None
    if yes_no_words or numbers:
        return "yes_no"
    return None


def column_mismatch(cells: pd.Series, criterion: Criterion) -> tuple[str, tuple[str, ...]] | None:
    """(the type the values fit, examples) when a column does not fit `criterion`, else None."""
    if criterion.answer_type == "choice":
        return None
    distinct = [str(v) for v in pd.unique(cells.dropna().astype("str")) if str(v).strip()]
    keys = {answer_key(v) for v in distinct}
    fits = values_fit(keys)
    timed = criterion.answer_type in ("numeric", "time_diff")
    if (timed and fits == "yes_no") or (criterion.answer_type == "yes_no" and fits == "numeric"):
        examples = tuple(v for v in distinct if answer_key(v) in _YES_NO or _number(answer_key(v)) is not None)
        return fits, examples[:_EXAMPLES]
    return None


def _message(column: str, letter: str, c: Criterion, fits: str, examples: tuple[str, ...]) -> str:
    shown = ", ".join(f"“{e}”" for e in examples)
    where = f"Column {letter} “{column}”"
    if fits == "yes_no":
        return (f"{where} holds Yes/No answers ({shown}), but “{c.label}” is judged as "
                f"{ANSWER_TYPES[c.answer_type].lower()}: a 0 or No would be read as a number, and 0 counts as "
                "met. Change the criterion to Yes / No, leave this column out, or import it as mapped if the "
                "numbers really are the measurement.")
    return (f"{where} holds numbers ({shown}), but “{c.label}” is a Yes / No criterion, so these would not "
            "be read. Make the criterion a number or time with a threshold (Criteria page), or leave this "
            "column out.")


def answer_type_mismatches(db: Database, cycle_id: int, table: SheetTable,
                           mapping: Mapping[str, str]) -> list[AnswerTypeMismatch]:
    """Every mapped criterion column whose values do not fit the criterion's answer type."""
    by_target = {criterion_target(c): c for c in list_criteria(db, cycle_id)}
    letters = dict(zip(table.columns, table.letters, strict=True))
    found = []
    for column, target in mapping.items():
        c = by_target.get(target)
        if c is None or column not in table.data.columns:
            continue
        mismatch = column_mismatch(table.data[column], c)
        if mismatch is not None and c.id is not None:
            fits, examples = mismatch
            letter = letters.get(column, "?")
            found.append(AnswerTypeMismatch(column, letter, c.id, c.label, c.answer_type, fits, examples,
                                            _message(column, letter, c, fits, examples)))
    return found
