"""Turning what a collector enters into an outcome (met / not met / exception / missing).

Yes/No criteria take the answer as typed. Numeric and time-difference criteria compare a
value with the criterion's threshold (`threshold_op`, e.g. "<=" 60 minutes); choice
criteria are met when the choice is one of `met_choices_json`. The same rules apply to one
answer in the entry form (`derive`) and to a whole imported column (`derive_series`).

A time difference below zero is a data error (DOMAIN.md §2: "negative or impossible values
are data errors"): it is never counted as met; the answer stays missing with a problem.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from model.collect.answers import VOCABULARY, answer_key, normalise_answers, parse_datetimes, parse_uk_dates
from model.core.columns import per_unique
from model.plan.criteria import Criterion

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
}
# Threshold units a time criterion may be written in, as minutes.
_UNIT_MINUTES = {"": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
                 "h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0,
                 "day": 1440.0, "days": 1440.0}
YES_NO_KEYS = {"y": "met", "n": "not_met", "a": "exception"}
NEGATIVE_TIME = "negative time difference"
NOT_A_NUMBER = "not a number"


@dataclass(frozen=True)
class Derived:
    """The outcome derived from one entered answer.

    Attributes:
        outcome: "met", "not_met", "exception" or "missing".
        value: the number the outcome was derived from (minutes for a time criterion).
        problem: why the entry could not be judged ("" when fine).
    """

    outcome: str
    value: float | None = None
    problem: str = ""


def unit_minutes(criterion: Criterion) -> float:
    """How many minutes one unit of the criterion's threshold is (1 for minutes, 60 for hours)."""
    return _UNIT_MINUTES.get(criterion.threshold_unit.strip().lower(), 1.0)


def threshold_text(criterion: Criterion) -> str:
    """The rule in words, e.g. "met when ≤ 60 minutes"."""
    if criterion.threshold is None:
        return "no threshold set"
    symbol = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}[criterion.threshold_op]
    unit = f" {criterion.threshold_unit}" if criterion.threshold_unit else ""
    return f"met when {symbol} {criterion.threshold:g}{unit}"


def met_choices(criterion: Criterion) -> list[str]:
    """The choices that count as met."""
    return [str(c) for c in json.loads(criterion.met_choices_json or "[]")]


def choices(criterion: Criterion) -> list[str]:
    """Every choice of a choice criterion, in order."""
    return [str(c) for c in json.loads(criterion.choices_json or "[]")]


def compare(value: float, criterion: Criterion) -> bool:
    """True when `value` (in threshold units) meets the criterion's threshold."""
    if criterion.threshold is None:
        raise ValueError("this criterion has no threshold")
    return bool(_OPS[criterion.threshold_op](value, criterion.threshold))


def derive_numeric(value: float | None, criterion: Criterion) -> Derived:
    """A number compared with the threshold; None is missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return Derived("missing")
    return Derived("met" if compare(value, criterion) else "not_met", float(value))


def derive_minutes(minutes: float | None, criterion: Criterion) -> Derived:
    """A time difference in minutes compared with the threshold (in its own unit)."""
    if minutes is None or (isinstance(minutes, float) and np.isnan(minutes)):
        return Derived("missing")
    if minutes < 0:
        return Derived("missing", float(minutes), NEGATIVE_TIME)
    met = compare(minutes / unit_minutes(criterion), criterion)
    return Derived("met" if met else "not_met", float(minutes))


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from start to end (None when either is missing)."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60.0


def derive_choice(choice: str, criterion: Criterion) -> Derived:
    """A chosen option: met when among the met choices; an N/A-like option is an exception."""
    if not choice.strip():
        return Derived("missing")
    if choice in met_choices(criterion):
        return Derived("met")
    outcome = normalise_answers(pd.Series([choice]))[0].iloc[0]
    return Derived("exception" if outcome == "exception" else "not_met")


# ---------------------------------------------------------------------------
# Whole columns (import)
# ---------------------------------------------------------------------------


def text_codes(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's cells as codes into its distinct texts, found in one pass over the cells.

    Returns:
        (codes, distinct): `distinct[codes[i]]` is cell i's text; blank cells have code -1,
        which picks the extra last entry of every `derive_distinct` result.
    """
    text = cells.astype("str")
    # A plain object array factorises twice as fast as the "str" dtype (blanks stay NaN → -1).
    codes, distinct = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, np.asarray(distinct, dtype=object)


def derive_distinct(distinct: np.ndarray, criterion: Criterion, decisions: Mapping[str, str] | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`derive_series` for a column's distinct texts (from `text_codes`), so a caller that needs
    other per-value work on the same column factorises it once.

    Returns:
        (outcome, value, problem) arrays with one entry per distinct text plus a last entry for
        blank cells; index them with the codes to get one entry per cell.
    """
    texts = pd.Series(np.append(distinct, np.nan).astype(object), dtype=object)
    outcome, value, problem = _derive_cells(texts, criterion, decisions)
    return outcome.to_numpy(dtype=object), value.to_numpy(dtype=np.float64), problem.to_numpy(dtype=object)


def derive_series(cells: pd.Series, criterion: Criterion,
                  decisions: Mapping[str, str] | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Outcomes for a whole imported column of one criterion.

    Text answers go through the answer vocabulary (plus the user's `decisions` for other
    spellings); numbers in numeric/time columns are compared with the threshold; choice
    columns use the met choices. Vectorised: the column is factorised once and every rule
    runs per distinct value (`text_codes` + `derive_distinct`).

    Args:
        cells: the column's cells as text (NaN for blank).
        criterion: the criterion the column was mapped to.
        decisions: the user's outcome for unrecognised spellings (keys compared like answers).

    Returns:
        (outcome, value, problem): outcome may be "unrecognised" where neither the vocabulary
        nor a decision applies; value is the number used (NaN otherwise); problem is "" or why
        a number could not be judged.
    """
    codes, distinct = text_codes(cells)
    outcome, value, problem = derive_distinct(distinct, criterion, decisions)
    return (pd.Series(outcome[codes], index=cells.index, dtype=object, name=cells.name),
            pd.Series(value[codes], index=cells.index, name=cells.name),
            pd.Series(problem[codes], index=cells.index, dtype=object, name=cells.name))


def _derive_cells(cells: pd.Series, criterion: Criterion,
                  decisions: Mapping[str, str] | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The rules of `derive_series`, applied to every cell given (distinct texts in practice)."""
    extra = dict(decisions or {})
    if criterion.answer_type == "choice":
        extra.update({c: "met" for c in met_choices(criterion)})
        # Other listed options are not met, except an "N/A"-like option, which stays an exception.
        extra.update({c: "not_met" for c in choices(criterion)
                      if c not in extra and VOCABULARY.get(answer_key(c)) != "exception"})
    outcome, _raw = normalise_answers(cells, extra_map=extra)
    value = pd.Series(np.nan, index=cells.index)
    problem = pd.Series("", index=cells.index, dtype=object)
    if criterion.answer_type in ("numeric", "time_diff") and criterion.threshold is not None:
        outcome, value, problem = _numeric_cells(cells, criterion, outcome, extra)
    return outcome, value, problem


def _numeric_cells(cells: pd.Series, criterion: Criterion, outcome: pd.Series,
                   extra: Mapping[str, str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers decide; words (N/A, blank, the user's decisions) keep their vocabulary outcome."""
    number = pd.to_numeric(cells, errors="coerce")
    keys = {answer_key(k) for k in extra}
    decided = pd.Series(per_unique(cells.astype("str"), lambda u: answer_key(u) in keys, na=False),
                        index=cells.index).astype(bool)
    use = number.notna() & ~decided
    scaled = number / unit_minutes(criterion) if criterion.answer_type == "time_diff" else number
    met = _OPS[criterion.threshold_op](scaled, criterion.threshold)
    outcome = outcome.copy()
    outcome[use] = np.where(met[use], "met", "not_met")
    problem = pd.Series("", index=cells.index, dtype=object)
    if criterion.answer_type == "time_diff":
        negative = use & (number < 0)
        outcome[negative] = "missing"
        problem[negative] = NEGATIVE_TIME
    return outcome, number.where(use), problem


# ---------------------------------------------------------------------------
# Single fields of the entry form
# ---------------------------------------------------------------------------

# NHS ethnic category groups (NHS Data Dictionary), as the demo and the results page use them.
ETHNIC_GROUPS = ("White", "Mixed", "Asian or Asian British", "Black or Black British", "Other", "Not stated")
SEXES = ("Female", "Male", "Other", "Not known")


def parse_entry_date(text: str, period: tuple[date, date] | None = None) -> tuple[str | None, str]:
    """A typed date (dd/mm/yyyy, ISO, "3 Feb 2026") as ISO text, and a problem ("" when fine).

    Blank gives (None, ""); a date outside `period` is returned with the problem
    "outside the data collection period" (a warning: the user may still save it).
    """
    if not text.strip():
        return None, ""
    iso, problem = parse_uk_dates(pd.Series([text.strip()], dtype=object), period=period)
    value = iso.iloc[0]
    return (None if pd.isna(value) else str(value)), (problem.iloc[0] or "")


def parse_entry_datetime(text: str) -> tuple[datetime | None, str]:
    """A typed date and time ("03/02/2026 14:35") as a datetime, and a problem ("" when fine)."""
    if not text.strip():
        return None, ""
    values, problem = parse_datetimes(pd.Series([text.strip()], dtype=object))
    value = values.iloc[0]
    return (None if pd.isna(value) else value.to_pydatetime()), (problem.iloc[0] or "")
