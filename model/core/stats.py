"""Statistics a clinician can read: Wilson intervals, two-cycle comparison, RAG status.

Everything here follows DOMAIN.md §2 and §4 and is Qt-free. Proportions are 0–1
throughout; only `rag` takes percentages (0–100), because targets are written that way.

The normal quantile is the exact one (AS 241, 1.959964 for 95%), as R's
`qnorm` gives; every worked example in DOMAIN.md reproduces with it to four decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np

from model.core.distributions import (
    bisect_root,
    chi2_2x2,
    chi2_sf,
    fisher_exact_2x2,
    normal_cdf,
    normal_quantile,
)

Direction = Literal["higher", "lower"]
Rag = Literal["green", "amber", "red"]

# Expected counts below this make χ² unreliable, so Fisher's exact test is used instead.
MIN_EXPECTED = 5.0
# Comparisons with targets allow for float noise (95.0 stored as 94.99999999999999).
_EPS = 1e-9


def z_value(confidence: float = 0.95) -> float:
    """The two-sided standard normal quantile for a confidence level (1.959964 for 0.95).

    Args:
        confidence: confidence level, strictly between 0 and 1.

    Returns:
        z such that P(-z < Z < z) = confidence.

    Raises:
        ValueError: when confidence is not strictly between 0 and 1.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    return normal_quantile((1.0 + confidence) / 2.0)


def wilson_intervals(
    successes: np.ndarray, n: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score intervals (DOMAIN.md §4).

    Args:
        successes: counts met (x), any shape.
        n: denominators (met + not met), broadcastable with `successes`.
        confidence: confidence level (0.95 for 95%).

    Returns:
        (lower, upper) float arrays of proportions in [0, 1]; NaN where n = 0.

    Raises:
        ValueError: when a count is negative or exceeds its denominator.
    """
    x = np.asarray(successes, dtype=float)
    nn = np.asarray(n, dtype=float)
    x, nn = np.broadcast_arrays(x, nn)
    if np.any(x < 0) or np.any(x > nn):
        raise ValueError("successes must lie between 0 and n")
    z = z_value(confidence)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (x + z2 / 2.0) / (nn + z2)
        half = z * np.sqrt(x * (nn - x) / nn + z2 / 4.0) / (nn + z2)
    lower = np.clip(centre - half, 0.0, 1.0)
    upper = np.clip(centre + half, 0.0, 1.0)
    # At 0% and 100% the bound is exactly 0 or 1 in theory; remove float crumbs.
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == nn, 1.0, upper)
    empty = nn == 0
    return np.where(empty, np.nan, lower), np.where(empty, np.nan, upper)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for one proportion x/n.

    Args:
        successes: number met (x).
        n: number met + not met.
        confidence: confidence level (0.95 for 95%).

    Returns:
        (lower, upper) as proportions 0–1; (nan, nan) when n = 0.

    Example:
        >>> tuple(round(v, 4) for v in wilson_interval(58, 71))
        (0.7115, 0.8898)
    """
    lower, upper = wilson_intervals(np.array([successes]), np.array([n]), confidence)
    return float(lower[0]), float(upper[0])


@dataclass(frozen=True)
class Comparison:
    """Two cycles compared: x1/n1 (before) against x2/n2 (after). Proportions are 0–1.

    Attributes:
        x1, n1, x2, n2: the counts (met, met + not met) of each cycle.
        p1, p2: the two proportions (NaN when n = 0).
        difference: p2 − p1.
        ci_lower, ci_upper: Newcombe hybrid score interval for the difference (method 10).
        chi2_p: χ² test without continuity correction (NaN when a margin is zero).
        yates_p: χ² with Yates' continuity correction, for reference.
        fisher_p: Fisher's exact test, two-sided.
        min_expected: the smallest expected count of the 2×2 table.
        test_used: "chi2" when every expected count is ≥ 5, "fisher" otherwise,
            "none" when a cycle has no eligible answers.
        p_value: the p-value of `test_used`.
        detectable_difference: the smallest change from p1 that these sample sizes could
            detect with 80% power at the 5% level (two-sided, normal approximation);
            NaN when no change could be.
        confidence: the confidence level of the intervals.
    """

    x1: int
    n1: int
    x2: int
    n2: int
    p1: float
    p2: float
    difference: float
    ci_lower: float
    ci_upper: float
    chi2_p: float
    yates_p: float
    fisher_p: float
    min_expected: float
    test_used: str
    p_value: float
    detectable_difference: float
    confidence: float = 0.95

    @property
    def interval1(self) -> tuple[float, float]:
        """Wilson interval of the first cycle."""
        return wilson_interval(self.x1, self.n1, self.confidence)

    @property
    def interval2(self) -> tuple[float, float]:
        """Wilson interval of the second cycle."""
        return wilson_interval(self.x2, self.n2, self.confidence)


def _validate_counts(x: int, n: int) -> None:
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"counts must satisfy 0 <= x <= n, got x={x}, n={n}")


def _power_two_proportions(p1: float, p2: float, n1: int, n2: int, z_alpha: float) -> float:
    """Approximate power of the two-sided χ² test (pooled variance under the null)."""
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    se1 = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    if se1 == 0.0:
        return 1.0 if abs(p2 - p1) > z_alpha * se0 else 0.0
    return normal_cdf((abs(p2 - p1) - z_alpha * se0) / se1)


def detectable_difference(p1: float, n1: int, n2: int, *, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest change from a baseline p1 detectable with the given power.

    Both directions are searched (a rise towards 1, a fall towards 0); the smaller one that
    can reach the power is returned. Used for "only a change of about 30 points could be
    detected" sentences.

    Args:
        p1: baseline proportion (0–1).
        n1: baseline sample size (met + not met).
        n2: re-audit sample size.
        power: required power (0.8).
        alpha: two-sided significance level (0.05).

    Returns:
        The difference as a proportion (0–1); NaN when no change can reach that power or
        a sample is empty.
    """
    if n1 <= 0 or n2 <= 0 or not 0.0 <= p1 <= 1.0:
        return math.nan
    z_alpha = normal_quantile(1 - alpha / 2)
    found: list[float] = []
    for sign, room in ((1.0, 1.0 - p1), (-1.0, p1)):
        def gap(d: float, sign: float = sign) -> float:
            return _power_two_proportions(p1, p1 + sign * d, n1, n2, z_alpha) - power

        if room > 1e-9 and gap(room) >= 0:
            found.append(bisect_root(gap, 1e-9, room, xtol=1e-9))
    return min(found) if found else math.nan


def _newcombe(x1: int, n1: int, x2: int, n2: int, confidence: float) -> tuple[float, float]:
    """Newcombe hybrid score interval (method 10) for p2 − p1."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, confidence)
    l2, u2 = wilson_interval(x2, n2, confidence)
    d = p2 - p1
    return d - math.hypot(p2 - l2, u1 - p1), d + math.hypot(u2 - p2, p1 - l1)


def _two_by_two_tests(table: np.ndarray) -> tuple[float, float, float, float]:
    """(chi2_p, yates_p, fisher_p, min_expected) for a 2×2 table with non-empty rows."""
    rows, cols, total = table.sum(axis=1), table.sum(axis=0), table.sum()
    expected = np.outer(rows, cols) / total
    fisher_p = fisher_exact_2x2(table)
    if np.any(expected == 0):
        # A zero margin (everyone met, or no one): χ² is undefined, Fisher gives p = 1.
        return math.nan, math.nan, fisher_p, float(expected.min())
    chi2_p = chi2_2x2(table, correction=False)
    yates_p = chi2_2x2(table, correction=True)
    return chi2_p, yates_p, fisher_p, float(expected.min())


def compare_proportions(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> Comparison:
    """Compare two cycles' compliance (DOMAIN.md §4).

    Args:
        x1: met in the first (baseline) cycle.
        n1: met + not met in the first cycle.
        x2: met in the second cycle.
        n2: met + not met in the second cycle.
        confidence: confidence level of the Newcombe interval.

    Returns:
        A `Comparison`. Nothing raises on edge cases: a cycle with n = 0 gives NaN
        proportions and p-values with `test_used == "none"`.

    Raises:
        ValueError: when a count is negative or x > n.
    """
    _validate_counts(x1, n1)
    _validate_counts(x2, n2)
    nan = math.nan
    p1 = x1 / n1 if n1 else nan
    p2 = x2 / n2 if n2 else nan
    if n1 == 0 or n2 == 0:
        undefined = (nan,) * 6
        return Comparison(x1, n1, x2, n2, p1, p2, p2 - p1, *undefined, "none", nan, nan, confidence)
    lower, upper = _newcombe(x1, n1, x2, n2, confidence)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    chi2_p, yates_p, fisher_p, min_expected = _two_by_two_tests(table)
    test_used = "fisher" if min_expected < MIN_EXPECTED else "chi2"
    p_value = fisher_p if test_used == "fisher" else chi2_p
    return Comparison(
        x1, n1, x2, n2, p1, p2, p2 - p1, lower, upper, chi2_p, yates_p, fisher_p, min_expected,
        test_used, p_value, detectable_difference(p1, n1, n2), confidence,
    )


def rag_many(
    compliance_pct: np.ndarray,
    target_pct: np.ndarray,
    direction: np.ndarray | str = "higher",
    tolerance: float = 10.0,
) -> np.ndarray:
    """Vectorised `rag`: an object array of "green"/"amber"/"red"/None.

    Args:
        compliance_pct: compliance in percent (NaN where there is none).
        target_pct: targets in percent (NaN where there is none).
        direction: "higher" or "lower", one for all or one per element.
        tolerance: width of the amber band in percentage points.

    Returns:
        An object array the shape of `compliance_pct`.
    """
    comp = np.asarray(compliance_pct, dtype=float)
    target = np.broadcast_to(np.asarray(target_pct, dtype=float), comp.shape)
    lower_is_better = np.broadcast_to(np.asarray(direction) == "lower", comp.shape)
    # Shortfall in points, positive when worse than the target whatever the direction.
    shortfall = np.where(lower_is_better, comp - target, target - comp)
    undefined = np.isnan(comp) | np.isnan(target)
    with np.errstate(invalid="ignore"):
        ratings: list[Any] = [None, "green", "amber"]  # None: no rating (compliance or target unknown)
        out: np.ndarray = np.select(
            [undefined, shortfall <= _EPS, shortfall <= tolerance + _EPS],
            ratings,
            default="red",
        ).astype(object)
    out[undefined] = None
    return out


def rag(
    compliance_pct: float | None,
    target_pct: float | None,
    *,
    direction: Direction = "higher",
    tolerance: float = 10.0,
) -> Rag | None:
    """Compliance RAG against a target (DOMAIN.md §2).

    Green when compliance ≥ target; amber when below by no more than `tolerance` points;
    red when further below. For direction "lower" ("should not" criteria, a ceiling) the
    comparison is mirrored: green at or under the ceiling, amber up to `tolerance` above.

    Args:
        compliance_pct: compliance in percent, or None/NaN when there is none.
        target_pct: target in percent, or None when the criterion has no target.
        direction: "higher" (should) or "lower" (should not).
        tolerance: width of the amber band in percentage points.

    Returns:
        "green", "amber", "red", or None when compliance or target is missing.
    """
    comp = math.nan if compliance_pct is None else float(compliance_pct)
    target = math.nan if target_pct is None else float(target_pct)
    return cast("Rag | None", rag_many(np.array([comp]), np.array([target]), direction, tolerance)[0])


@dataclass(frozen=True)
class Heterogeneity:
    """An indicative test of whether compliance differs across subgroups.

    Attributes:
        statistic: the χ² statistic (NaN when not computable).
        dof: degrees of freedom (groups with any answer, minus one).
        p_value: p-value of `test_used` (NaN when not computable).
        test_used: "chi2", "fisher" (two groups with a small expected count) or "none"
            (fewer than two groups with answers, or everyone met / no one met).
        small_expected: True when any expected count is below 5 (χ² is rough then).
        groups: number of groups that entered the test.
    """

    statistic: float
    dof: int
    p_value: float
    test_used: str
    small_expected: bool
    groups: int


def chi2_k_by_2(
    met: np.ndarray, not_met: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """χ² (no correction) for many k×2 tables at once; rows with no answers are ignored.

    Args:
        met: shape (m, k): met counts of k groups in each of m tables.
        not_met: same shape, not-met counts.

    Returns:
        (statistic, dof, p_value, small_expected) arrays of length m; NaN statistic and
        p where the table has fewer than two usable groups or a zero column.
    """
    o = np.stack([np.asarray(met, float), np.asarray(not_met, float)], axis=-1)  # (m, k, 2)
    rows = o.sum(axis=2)
    cols = o.sum(axis=1)
    total = cols.sum(axis=1)
    used = rows > 0
    groups = used.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = rows[:, :, None] * cols[:, None, :] / total[:, None, None]
        cells = np.where(used[:, :, None], (o - expected) ** 2 / expected, 0.0)
    valid = (groups >= 2) & np.all(cols > 0, axis=1)
    statistic = np.where(valid, cells.sum(axis=(1, 2)), np.nan)
    dof = np.maximum(groups - 1, 0)
    p_value = np.where(valid, chi2_sf(statistic, np.maximum(dof, 1)), np.nan)
    small = np.any(used[:, :, None] & (expected < MIN_EXPECTED), axis=(1, 2)) & valid
    return statistic, dof, p_value, small


def heterogeneity_test(met: np.ndarray, not_met: np.ndarray) -> Heterogeneity:
    """Indicative χ² test across subgroups (k×2 table of met / not met).

    Groups with no answers are left out. With exactly two groups and an expected count
    below 5, Fisher's exact test is used, as in `compare_proportions`; with more groups
    the χ² p-value is given and `small_expected` warns that it is rough.

    Args:
        met: met count per subgroup.
        not_met: not-met count per subgroup.

    Returns:
        A `Heterogeneity` result; never raises on degenerate tables.
    """
    m = np.asarray(met, dtype=float).reshape(1, -1)
    nm = np.asarray(not_met, dtype=float).reshape(1, -1)
    statistic, dof, p_value, small = chi2_k_by_2(m, nm)
    groups = int(((m + nm) > 0).sum())
    if np.isnan(statistic[0]):
        return Heterogeneity(math.nan, int(dof[0]), math.nan, "none", False, groups)
    if groups == 2 and small[0]:
        used = (m + nm)[0] > 0
        table = np.column_stack([m[0, used], nm[0, used]])
        fisher_p = fisher_exact_2x2(table)
        return Heterogeneity(float(statistic[0]), 1, fisher_p, "fisher", True, groups)
    return Heterogeneity(float(statistic[0]), int(dof[0]), float(p_value[0]), "chi2", bool(small[0]), groups)
