"""Per-criterion and per-subgroup compliance from plain answer data (DOMAIN.md §2, §6).

Answers come as one row per (criterion, case) with an outcome of "met", "not_met",
"exception" or "missing". All counting is one `np.bincount` over integer codes, so
200,000 answers take a few milliseconds; there is no Python loop over rows.

Conventions: `compliance`, `ci_lower` and `ci_upper` are proportions (0–1);
`compliance_pct`, `pct_exceptions`, `pct_missing` and `target` are percentages (0–100).
Compliance is NaN when met + not met = 0 (the GUI shows "—").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from model.core.distributions import fisher_exact_2x2
from model.core.errors import KnownError
from model.core.stats import chi2_k_by_2, rag_many, wilson_intervals

OUTCOMES: tuple[str, ...] = ("met", "not_met", "exception", "missing")
NOT_RECORDED = "Not recorded"
# Age bands (years, completed): children 0–15, then adult bands matching the usual NHS
# reporting split. Lower bounds inclusive: 15.9 is "0–15", 16 is "16–39".
COUNT_COLUMNS: tuple[str, ...] = ("eligible", "exceptions", "missing", "met", "not_met")
_COMPONENTS: tuple[str, ...] = ("met", "not_met", "exceptions", "missing")
_COMPLIANCE_DERIVED: tuple[str, ...] = (
    "compliance", "compliance_pct", "ci_lower", "ci_upper", "rag", "clearly_below",
)
_EPS = 1e-9

CriteriaLike: TypeAlias = pd.DataFrame | Sequence[Mapping[str, Any]]


def _require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise KnownError(f"The {what} table has no column {', '.join(absent)}.",
                         where=what, hint="This is needed to compute compliance.")


def _criteria_frame(criteria: CriteriaLike) -> pd.DataFrame:
    """Normalise criteria to a frame: criterion_id, short_name, target (float), direction."""
    frame = criteria.copy() if isinstance(criteria, pd.DataFrame) else pd.DataFrame(list(criteria))
    if frame.empty:
        frame = pd.DataFrame(columns=["criterion_id"])
    _require_columns(frame, ["criterion_id"], "criteria")
    if not frame["criterion_id"].is_unique:
        raise KnownError("Two criteria share the same identifier.", where="criteria",
                         hint="Give every criterion its own identifier.")
    if "short_name" not in frame:
        frame["short_name"] = frame["criterion_id"].astype(str)
    target = frame["target"] if "target" in frame else pd.Series(np.nan, index=frame.index)
    frame["target"] = pd.to_numeric(target, errors="coerce").astype(float)
    direction = frame["direction"] if "direction" in frame else pd.Series("higher", index=frame.index)
    frame["direction"] = direction.fillna("higher").astype(str)
    return frame[["criterion_id", "short_name", "target", "direction"]].reset_index(drop=True)


def _outcome_codes(answers: pd.DataFrame) -> np.ndarray:
    """Codes 0..3 in OUTCOMES order; an empty outcome counts as missing."""
    outcome = answers["outcome"]
    codes = np.asarray(pd.Index(OUTCOMES).get_indexer(outcome), dtype=np.int64)
    uncoded = outcome[codes < 0]
    unknown = uncoded[uncoded.notna()]
    if len(unknown):
        bad = sorted(map(str, pd.unique(unknown)))[:5]
        raise KnownError(f"Unknown answer outcome(s): {', '.join(bad)}.", where="answers",
                         hint="Each answer must be met, not_met, exception or missing.")
    return np.where(codes < 0, OUTCOMES.index("missing"), codes)


def _count(answers: pd.DataFrame, crit: pd.DataFrame, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Counts of shape (criteria, groups, 4 outcomes). Unknown criteria are ignored."""
    crit_codes = pd.Index(crit["criterion_id"]).get_indexer(answers["criterion_id"])
    out_codes = _outcome_codes(answers)
    keep = crit_codes >= 0
    key = (crit_codes[keep] * n_groups + groups[keep]) * len(OUTCOMES) + out_codes[keep]
    size = len(crit) * n_groups * len(OUTCOMES)
    return np.bincount(key, minlength=size).reshape(len(crit), n_groups, len(OUTCOMES))


def _frame_from_counts(counts: np.ndarray, confidence: float) -> dict[str, np.ndarray]:
    """Counts (…, 4) -> the shared count, compliance and CI columns (flattened)."""
    flat = counts.reshape(-1, len(OUTCOMES))
    met, not_met, exc, miss = (flat[:, i] for i in range(len(OUTCOMES)))
    eligible = flat.sum(axis=1)
    denom = met + not_met
    lower, upper = wilson_intervals(met, denom, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        compliance = np.where(denom > 0, met / denom, np.nan)
        compliance_pct = np.where(denom > 0, met * 100.0 / denom, np.nan)
        pct_exc = np.where(eligible > 0, exc * 100.0 / eligible, np.nan)
        pct_miss = np.where(eligible > 0, miss * 100.0 / eligible, np.nan)
    return {
        "eligible": eligible, "exceptions": exc, "missing": miss, "met": met, "not_met": not_met,
        "compliance": compliance, "compliance_pct": compliance_pct, "ci_lower": lower, "ci_upper": upper,
        "pct_exceptions": pct_exc, "pct_missing": pct_miss,
    }


def criterion_results(
    answers: pd.DataFrame, criteria: CriteriaLike, *, tolerance: float = 10.0, confidence: float = 0.95
) -> pd.DataFrame:
    """Compliance per criterion, in the order the criteria are given.

    Args:
        answers: columns criterion_id, case_id, outcome (met / not_met / exception /
            missing; an empty outcome counts as missing). Answers to criteria not in
            `criteria` are ignored.
        criteria: DataFrame or list of mappings with criterion_id and optionally
            short_name, target (0–100 or None) and direction ("higher"/"lower").
        tolerance: amber band for the RAG, in percentage points.
        confidence: confidence level of the Wilson intervals.

    Returns:
        One row per criterion: criterion_id, short_name, eligible (all answer rows),
        exceptions, missing, met, not_met, compliance, compliance_pct, ci_lower, ci_upper,
        target, direction, rag, clearly_below, pct_exceptions, pct_missing.

    Raises:
        KnownError: when a required column is absent or an outcome is unknown.
    """
    _require_columns(answers, ["criterion_id", "case_id", "outcome"], "answers")
    crit = _criteria_frame(criteria)
    counts = _count(answers, crit, np.zeros(len(answers), dtype=np.int64), 1)
    cols = _frame_from_counts(counts, confidence)
    out = pd.DataFrame({"criterion_id": crit["criterion_id"], "short_name": crit["short_name"]})
    for name in ("eligible", "exceptions", "missing", "met", "not_met",
                 "compliance", "compliance_pct", "ci_lower", "ci_upper"):
        out[name] = cols[name]
    out["target"] = crit["target"]
    out["direction"] = crit["direction"]
    direction = crit["direction"].to_numpy()
    out["rag"] = rag_many(cols["compliance_pct"], crit["target"].to_numpy(), direction, tolerance)
    out["clearly_below"] = _clearly_short(cols["ci_lower"], cols["ci_upper"], crit["target"].to_numpy(),
                                          direction)
    out["pct_exceptions"] = cols["pct_exceptions"]
    out["pct_missing"] = cols["pct_missing"]
    return out


def _clearly_short(
    lower: np.ndarray, upper: np.ndarray, target: np.ndarray, direction: np.ndarray
) -> np.ndarray:
    """True where the whole interval is on the wrong side of the target.

    "higher": the upper limit is below the target; "lower": the lower limit is above it.
    """
    with np.errstate(invalid="ignore"):
        below = upper * 100.0 < target - _EPS
        above = lower * 100.0 > target + _EPS
    return np.where(direction == "lower", above, below)


def _subgroup_codes(cases: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str]]:
    """Per-case group codes (-1 when not recorded) and the labels of the recorded groups."""
    column = cases[by]
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.asarray(column.cat.codes, dtype=np.int64)
        return codes, [_label(v) for v in column.cat.categories]
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        # Blank text is as good as not recorded.
        blank = column.astype("string").str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        column = column.mask(blank)
    try:
        codes, uniques = pd.factorize(column, sort=True)
    except TypeError:  # mixed types cannot be sorted; keep first-seen order
        codes, uniques = pd.factorize(column, sort=False)
    return np.asarray(codes, dtype=np.int64), [_label(v) for v in uniques]


def _label(value: Any) -> str:
    """Display text of a subgroup value: 3.0 -> "3" (a column with gaps turns ints to floats)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def subgroup_results(
    answers: pd.DataFrame,
    cases: pd.DataFrame,
    by: str,
    criteria: CriteriaLike,
    *,
    small_number_threshold: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compliance per criterion and subgroup (age band, sex, ethnicity, IMD quintile, ward …).

    Cases with no value for `by` (or not in `cases`) form a "Not recorded" group, listed
    last. Subgroups with no answers for a criterion are left out.

    The heterogeneity columns hold an indicative test of whether compliance differs
    across the recorded subgroups ("Not recorded" is left out of the test): χ² without
    correction, or Fisher's exact test for two groups with an expected count under 5.

    Args:
        answers: criterion_id, case_id, outcome (as for `criterion_results`).
        cases: case_id (unique) plus the segmentation column `by`.
        by: the name of the segmentation column.
        criteria: as for `criterion_results`.
        small_number_threshold: met + not met below this, or a nonzero met or not-met
            count below it, marks the row `small_number`.
        confidence: confidence level of the Wilson intervals.

    Returns:
        Rows ordered by criterion then subgroup with columns criterion_id, short_name, by,
        subgroup, eligible, exceptions, missing, met, not_met, compliance, compliance_pct,
        ci_lower, ci_upper, pct_exceptions, pct_missing, small_number, heterogeneity_p,
        heterogeneity_test, heterogeneity_small_expected.

    Raises:
        KnownError: when `by` is not a column of `cases`, case ids repeat, or an answer
            is malformed.
    """
    _require_columns(answers, ["criterion_id", "case_id", "outcome"], "answers")
    _require_columns(cases, ["case_id", by], "cases")
    case_index = pd.Index(cases["case_id"])
    if not case_index.is_unique:
        raise KnownError("The same case appears twice in the case list.", where="cases",
                         hint="Each case must be listed once before results can be split by subgroup.")
    crit = _criteria_frame(criteria)
    case_codes, labels = _subgroup_codes(cases, by)
    n_rec = len(labels)
    pos = case_index.get_indexer(answers["case_id"])
    groups = np.where(pos >= 0, case_codes[pos], -1)
    groups = np.where(groups < 0, n_rec, groups)  # "Not recorded" is the last group
    counts = _count(answers, crit, groups, n_rec + 1)
    het = _heterogeneity(counts[:, :n_rec, 0], counts[:, :n_rec, 1])
    cols = _frame_from_counts(counts, confidence)
    n_groups = n_rec + 1
    out = pd.DataFrame({
        "criterion_id": np.repeat(crit["criterion_id"].to_numpy(), n_groups),
        "short_name": np.repeat(crit["short_name"].to_numpy(), n_groups),
        "by": by,
        "subgroup": np.tile(np.array([*labels, NOT_RECORDED], dtype=object), len(crit)),
        **cols,
    })
    for name, values in het.items():
        out[name] = np.repeat(values, n_groups)
    small = (cols["met"] + cols["not_met"] < small_number_threshold) | _small_cell(
        cols["met"], small_number_threshold) | _small_cell(cols["not_met"], small_number_threshold)
    out.insert(out.columns.get_loc("heterogeneity_p"), "small_number", small)
    return out[cols["eligible"] > 0].reset_index(drop=True)


def _small_cell(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values > 0) & (values < threshold)


def _heterogeneity(met: np.ndarray, not_met: np.ndarray) -> dict[str, np.ndarray]:
    """Per-criterion indicative test across subgroups (shape (criteria, groups) inputs)."""
    _, _, p_value, small = chi2_k_by_2(met, not_met)
    used = (met + not_met) > 0
    test = np.where(np.isnan(p_value), "none", "chi2").astype(object)
    # Two groups with a small expected count: Fisher, as in compare_proportions. This
    # loops over criteria (tens), never over answers.
    for i in np.flatnonzero(small & (used.sum(axis=1) == 2)):
        table = np.column_stack([met[i, used[i]], not_met[i, used[i]]])
        p_value[i] = fisher_exact_2x2(table)
        test[i] = "fisher"
    return {"heterogeneity_p": p_value, "heterogeneity_test": test, "heterogeneity_small_expected": small}


def suppress_for_export(df: pd.DataFrame, threshold: int = 5, marker: str | None = None) -> pd.DataFrame:
    """Hide small counts before results leave the team (DOMAIN.md §6).

    Counts from 1 to threshold − 1 become `marker` ("<5" by default; "*" is common).
    Zero is shown. When exactly one of met / not met / exceptions / missing is hidden and
    the row's eligible total is shown, the next smallest nonzero one is hidden too, so the
    hidden count cannot be worked out by subtraction. Figures derived from a hidden count
    (compliance, its CI, RAG, the exception or missing percentage) are blanked.

    Only cells within a row are protected: a total published in another table (for
    example the whole-criterion row beside its subgroups) can still reveal a hidden count
    by subtraction; export such tables together only after suppressing both.

    Args:
        df: a result frame from `criterion_results` or `subgroup_results`.
        threshold: counts below this (and above 0) are hidden.
        marker: the text shown instead; defaults to f"<{threshold}".

    Returns:
        A new frame; count columns hold ints or the marker text.
    """
    marker = f"<{threshold}" if marker is None else marker
    out = df.copy()
    counts = [c for c in COUNT_COLUMNS if c in out]
    hide = {c: _small_cell(out[c].to_numpy(dtype=float), threshold) for c in counts}
    comps = [c for c in _COMPONENTS if c in out]
    if "eligible" in out and comps:
        _secondary_suppression(out, comps, hide)
    eligible_hidden = hide.get("eligible", np.zeros(len(out), dtype=bool))
    blank = {
        "compliance": hide.get("met", False) | hide.get("not_met", False),
        "pct_exceptions": hide.get("exceptions", False) | eligible_hidden,
        "pct_missing": hide.get("missing", False) | eligible_hidden,
    }
    for column in _COMPLIANCE_DERIVED:
        _blank(out, column, blank["compliance"])
    _blank(out, "pct_exceptions", blank["pct_exceptions"])
    _blank(out, "pct_missing", blank["pct_missing"])
    for column in counts:
        out[column] = out[column].astype(object).where(~hide[column], marker)
    return out


def _secondary_suppression(df: pd.DataFrame, comps: list[str], hide: dict[str, np.ndarray]) -> None:
    """Hide a second component where a lone hidden one could be back-calculated from the total."""
    values = df[comps].to_numpy(dtype=float)
    hidden = np.column_stack([hide[c] for c in comps])
    lone = (hidden.sum(axis=1) == 1) & ~hide["eligible"]
    candidates = np.where(~hidden & (values > 0), values, np.inf)
    pick = np.argmin(candidates, axis=1)
    ok = lone & np.isfinite(candidates.min(axis=1))
    for j, column in enumerate(comps):
        hide[column] = hide[column] | (ok & (pick == j))


def _blank(df: pd.DataFrame, column: str, mask: np.ndarray | bool) -> None:
    if column not in df or not np.any(mask):
        return
    if df[column].dtype == float:
        df.loc[mask, column] = np.nan
    else:
        df[column] = df[column].astype(object).where(~np.asarray(mask), None)
