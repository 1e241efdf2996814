"""Glue from the store to the statistics: a cycle's results, its subgroups, two cycles compared.

The counting itself is vectorised in `model.results.compliance`; this module only reads the store
(narrow queries, no per-row Python) and completes the answers: a live case with no stored
answer for a criterion counts as *missing*, so missing data is never silently dropped
(DOMAIN.md §2).

Benchmark entry point: `compute_results(answers, criteria, case_ids)` is the pure part of
`cycle_results` (no database), for 200,000 answers it runs in a few tens of milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.demographics import age_band
from model.core.errors import KnownError
from model.core.stats import Comparison, compare_proportions
from model.plan.audits import get_audit
from model.plan.criteria import list_criteria
from model.plan.cycles import Cycle, criteria_changes, get_cycle, list_cycles
from model.results.compliance import criterion_results, subgroup_results
from model.results.narrative import (
    DASH,
    describe_change,
    describe_compliance,
    describe_difference,
    describe_test,
    format_pct,
)
from model.store.case_answers import answers_long

# Segmentation choices offered on screen (DOMAIN.md §6), in the order they are listed.
SUBGROUP_FIELDS: dict[str, str] = {
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "imd_quintile": "IMD quintile (1 = most deprived)",
    "ward": "Ward",
    "site": "Site",
    "team": "Team",
}
_ANSWER_COLUMNS = ["criterion_id", "case_id", "outcome"]


@dataclass(frozen=True)
class Completeness:
    """How complete a cycle's data is: every live case should answer every criterion.

    Attributes:
        expected: answers expected (live cases × criteria).
        missing: of those, answers missing (blank, or never entered).
        cases: live cases in the cycle.
    """

    expected: int
    missing: int
    cases: int

    @property
    def pct_missing(self) -> float:
        """Missing answers as a percentage of expected ones (NaN when none are expected)."""
        return self.missing * 100.0 / self.expected if self.expected else math.nan

    def sentence(self) -> str:
        """"3 of 80 answers missing (3.8%)", or a plain note when there is nothing yet."""
        if self.expected == 0:
            return "No answers recorded yet: this cycle has no cases or no criteria."
        return f"{self.missing} of {self.expected} answers missing ({format_pct(self.missing / self.expected, 1)})"


@dataclass(frozen=True)
class CycleResults:
    """A cycle's results, ready to show.

    Attributes:
        cycle_id: the cycle.
        audit_id: its audit.
        cycle_title: "Cycle 2 (re-audit)" or the user's label.
        table: `model.results.compliance.criterion_results` columns plus lineage, statement and
            sentence (the plain-English reading of each row), in the criteria's order.
        completeness: missing answers over the whole cycle.
        tolerance: the audit's amber band (percentage points).
        small_number_threshold: the audit's small-number threshold for subgroups/exports.
    """

    cycle_id: int
    audit_id: int
    cycle_title: str
    table: pd.DataFrame
    completeness: Completeness
    tolerance: float
    small_number_threshold: int

    @property
    def sentences(self) -> list[str]:
        """One plain-English sentence per criterion, in table order."""
        return list(self.table["sentence"])


@dataclass(frozen=True)
class CriterionComparison:
    """One criterion (matched by lineage) compared between two cycles.

    Attributes:
        lineage: the criterion's lineage (same in both cycles).
        name: the criterion's short name (the later cycle's, when it exists).
        target: the later cycle's target in percent (None when unset).
        earlier_label, later_label: the two cycles' titles.
        comparison: the statistics, or None when the criterion is in one cycle only.
        verdict: the plain-English sentence(s) (`describe_change`).
        difference_text: "+24.5 points (95% CI 7.6 to 40.0)" or "—".
        test_text: which indicative test was used and why.
        definition_change: what changed in how it is measured ('' when nothing).
        standard_change: the standard (version) change between the cycles ('' when none).
    """

    lineage: str
    name: str
    target: float | None
    earlier_label: str
    later_label: str
    comparison: Comparison | None
    verdict: str
    difference_text: str
    test_text: str
    definition_change: str
    standard_change: str


def criteria_frame(db: Database, cycle_id: int) -> pd.DataFrame:
    """A cycle's criteria as the frame `model.results.compliance` takes, plus lineage and statement.

    Args:
        db: the store.
        cycle_id: the cycle.

    Returns:
        Columns criterion_id, short_name (the label shown), target, direction, lineage, statement.
    """
    criteria = list_criteria(db, cycle_id)
    return pd.DataFrame({
        "criterion_id": [c.id for c in criteria],
        "short_name": [c.label for c in criteria],
        "target": pd.array([c.target for c in criteria], dtype="Float64").astype(float),
        "direction": [c.direction for c in criteria],
        "lineage": [c.lineage for c in criteria],
        "statement": [c.statement for c in criteria],
    })


def _stored_answers(db: Database, cycle_id: int) -> pd.DataFrame:
    """The answers of a cycle's live cases: only the three columns the counting needs."""
    return answers_long(db, [cycle_id])[list(_ANSWER_COLUMNS)]


def _live_case_ids(db: Database, cycle_id: int) -> np.ndarray:
    rows = db.execute("SELECT id FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id",
                      [cycle_id]).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


def complete_answers(answers: pd.DataFrame, criterion_ids: np.ndarray, case_ids: np.ndarray) -> pd.DataFrame:
    """One answer per (criterion, live case): answers never entered become "missing".

    Args:
        answers: criterion_id, case_id, outcome of the stored answers.
        criterion_ids: the cycle's criteria.
        case_ids: the cycle's live cases, sorted ascending.

    Returns:
        criterion_id, case_id, outcome with len(criterion_ids) × len(case_ids) rows; answers
        to other criteria or cases are left out.
    """
    crit = np.asarray(criterion_ids, dtype=np.int64)
    cases = np.asarray(case_ids, dtype=np.int64)
    n_cases = len(cases)
    crit_pos = pd.Index(crit).get_indexer(answers["criterion_id"].to_numpy())
    case_pos = np.searchsorted(cases, answers["case_id"].to_numpy(dtype=np.int64))
    case_pos = np.minimum(case_pos, max(n_cases - 1, 0))
    keep = (crit_pos >= 0) & (n_cases > 0)
    if n_cases:
        keep &= cases[case_pos] == answers["case_id"].to_numpy(dtype=np.int64)
    outcome = np.full(len(crit) * n_cases, "missing", dtype=object)
    outcome[crit_pos[keep] * n_cases + case_pos[keep]] = answers["outcome"].to_numpy(dtype=object)[keep]
    return pd.DataFrame({
        "criterion_id": np.repeat(crit, n_cases),
        "case_id": np.tile(cases, len(crit)),
        "outcome": outcome,
    })


def compute_results(
    answers: pd.DataFrame, criteria: pd.DataFrame, case_ids: np.ndarray, *, tolerance: float = 10.0
) -> tuple[pd.DataFrame, Completeness]:
    """The per-criterion table and completeness from plain frames (no database; the benchmark).

    Args:
        answers: criterion_id, case_id, outcome of the stored answers.
        criteria: as from `criteria_frame` (criterion_id, short_name, target, direction; lineage
            and statement are carried over when present).
        case_ids: the live cases, sorted ascending.
        tolerance: the amber band for the RAG, in percentage points.

    Returns:
        (table, completeness): the `criterion_results` frame with lineage, statement and
        sentence added, and the cycle's completeness.
    """
    full = complete_answers(answers, criteria["criterion_id"].to_numpy(), case_ids)
    table = criterion_results(full, criteria, tolerance=tolerance)
    for extra in ("lineage", "statement"):
        if extra in criteria:
            table[extra] = criteria[extra].to_numpy()
    table["sentence"] = _sentences(table)
    missing = (full["outcome"].to_numpy() == "missing") | pd.isna(full["outcome"]).to_numpy()
    return table, Completeness(expected=len(full), missing=int(missing.sum()), cases=len(case_ids))


def _sentences(table: pd.DataFrame) -> list[str]:
    # One sentence per criterion (tens of rows), not per answer.
    targets = [None if math.isnan(t) else t for t in table["target"].astype(float)]
    return [describe_compliance(int(m), int(n), t, d)
            for m, n, t, d in zip(table["met"], table["not_met"], targets, table["direction"], strict=True)]


def cycle_results(db: Database, cycle_id: int) -> CycleResults:
    """A cycle's results per criterion, with sentences and data completeness.

    Args:
        db: the store.
        cycle_id: the cycle.

    Returns:
        The `CycleResults`; the RAG uses the audit's tolerance.

    Raises:
        KnownError: when the cycle no longer exists.
    """
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    table, completeness = compute_results(_stored_answers(db, cycle_id), criteria_frame(db, cycle_id),
                                          _live_case_ids(db, cycle_id), tolerance=audit.rag_tolerance)
    return CycleResults(cycle_id, cycle.audit_id, cycle.title, table, completeness,
                        float(audit.rag_tolerance), int(audit.small_number_threshold))


def _segment_cases(db: Database, cycle_id: int, by: str) -> pd.DataFrame:
    """case_id and the segmentation column of the live cases (age band worked out from age if blank)."""
    column = "age_band, age" if by == "age_band" else by
    rows = db.execute(f"SELECT id, {column} FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id",
                      [cycle_id]).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["case_id", *[c.strip() for c in column.split(",")]])
    if by == "age_band":
        frame["age_band"] = frame["age_band"].fillna(age_band(frame["age"]).astype(object))
        frame = frame.drop(columns="age")
    return frame


def cycle_subgroups(db: Database, cycle_id: int, by: str) -> pd.DataFrame:
    """A cycle's results split by a subgroup (age band, sex, ethnicity, IMD quintile, ward, site, team).

    Args:
        db: the store.
        cycle_id: the cycle.
        by: one of SUBGROUP_FIELDS.

    Returns:
        The `model.results.compliance.subgroup_results` frame (small_number uses the audit's threshold;
        heterogeneity_p is the indicative test of difference between groups).

    Raises:
        KnownError: for an unknown subgroup field or a cycle that no longer exists.
    """
    if by not in SUBGROUP_FIELDS:
        raise KnownError(f"Results cannot be split by '{by}'.",
                         hint=f"Choose one of: {', '.join(SUBGROUP_FIELDS.values())}.")
    audit = get_audit(db, get_cycle(db, cycle_id).audit_id)
    criteria = criteria_frame(db, cycle_id)
    cases = _segment_cases(db, cycle_id, by)
    full = complete_answers(_stored_answers(db, cycle_id), criteria["criterion_id"].to_numpy(),
                            cases["case_id"].to_numpy(dtype=np.int64))
    return subgroup_results(full, cases, by, criteria, small_number_threshold=audit.small_number_threshold)


def comparison_partners(db: Database, cycle_id: int) -> dict[str, Cycle]:
    """The cycles this one can be compared with: {"previous": …, "baseline": …}; {} for cycle 1.

    Args:
        db: the store.
        cycle_id: the later cycle.

    Returns:
        The previous cycle and the baseline (the same cycle when this is cycle 2).
    """
    cycle = get_cycle(db, cycle_id)
    earlier = [c for c in list_cycles(db, cycle.audit_id) if c.number < cycle.number]
    return {"previous": earlier[-1], "baseline": earlier[0]} if earlier else {}


def standard_change(earlier: Cycle, later: Cycle) -> str:
    """A sentence when the standard or its version differs between two cycles ('' when not).

    Args:
        earlier: the earlier cycle.
        later: the later cycle.

    Returns:
        The flag text, or ''.
    """
    if earlier.standard_id != later.standard_id:
        return "The cycles were measured against different standards: check the criteria still compare."
    if earlier.standard_version != later.standard_version:
        old, new = earlier.standard_version or "unversioned", later.standard_version or "unversioned"
        return f"The standard's version changed between the cycles ({old} → {new})."
    return ""


def expected_counts(result: Comparison) -> np.ndarray | None:
    """The 2×2 expected counts (rows: earlier, later; columns: met, not met), None when untestable.

    Args:
        result: the comparison.

    Returns:
        A 2×2 float array, or None when a cycle has no met or not-met answers.
    """
    if result.n1 == 0 or result.n2 == 0:
        return None
    rows = np.array([result.n1, result.n2], dtype=float)
    met = result.x1 + result.x2
    cols = np.array([met, result.n1 + result.n2 - met], dtype=float)
    expected: np.ndarray = np.outer(rows, cols) / rows.sum()
    return expected


def compare_cycles(db: Database, earlier_cycle_id: int, later_cycle_id: int) -> list[CriterionComparison]:
    """Compare two cycles criterion by criterion, matched by lineage (DOMAIN.md §4).

    Criteria present in one cycle only are listed too, without statistics, so nothing is
    silently dropped: the later cycle's order first, then criteria since removed.

    Args:
        db: the store.
        earlier_cycle_id: the baseline or previous cycle.
        later_cycle_id: the re-audit.

    Returns:
        One `CriterionComparison` per lineage.
    """
    earlier_cycle, later_cycle = get_cycle(db, earlier_cycle_id), get_cycle(db, later_cycle_id)
    before = cycle_results(db, earlier_cycle_id).table.set_index("lineage", drop=False)
    after = cycle_results(db, later_cycle_id).table.set_index("lineage", drop=False)
    changes = criteria_changes(db, earlier_cycle_id, later_cycle_id)
    flag = standard_change(earlier_cycle, later_cycle)
    lineages = [*after.index, *[x for x in before.index if x not in after.index]]
    return [_compare_one(lineage, before, after, changes.get(lineage, ""), flag,
                         (earlier_cycle.title, later_cycle.title)) for lineage in lineages]


def _compare_one(lineage: str, before: pd.DataFrame, after: pd.DataFrame, change: str, flag: str,
                 labels: tuple[str, str]) -> CriterionComparison:
    new = after.loc[lineage] if lineage in after.index else None
    old = before.loc[lineage] if lineage in before.index else None
    shown = new if new is not None else old
    assert shown is not None, "every lineage comes from one of the two cycles"
    target = None if math.isnan(shown["target"]) else float(shown["target"])
    if new is None or old is None:
        which = labels[0] if new is None else labels[1]
        verdict = f"No comparison: this criterion was measured only in {which}."
        return CriterionComparison(lineage, str(shown["short_name"]), target, *labels, None, verdict, DASH,
                                   "No test: the criterion is in one cycle only.", change, flag)
    result = compare_proportions(int(old["met"]), int(old["met"] + old["not_met"]),
                                 int(new["met"]), int(new["met"] + new["not_met"]))
    return CriterionComparison(lineage, str(new["short_name"]), target, *labels, result, describe_change(result),
                               describe_difference(result), describe_test(result), change, flag)
