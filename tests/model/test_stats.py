"""Tests for model.core.stats: worked examples from DOMAIN.md §4 plus independent scipy checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from model.core.stats import (
    chi2_k_by_2,
    compare_proportions,
    detectable_difference,
    heterogeneity_test,
    rag,
    rag_many,
    wilson_interval,
    wilson_intervals,
    z_value,
)

# DOMAIN.md §4 table: x, n, lower, upper (4 decimals).
WILSON_TABLE = [
    (58, 71, 0.7115, 0.8898),
    (45, 50, 0.7864, 0.9565),
    (0, 10, 0.0000, 0.2775),
    (10, 10, 0.7225, 1.0000),
    (1, 1, 0.2065, 1.0000),
]


@pytest.mark.parametrize(("x", "n", "lower", "upper"), WILSON_TABLE)
def test_wilson_matches_domain_table(x: int, n: int, lower: float, upper: float) -> None:
    lo, hi = wilson_interval(x, n)
    assert round(lo, 4) == pytest.approx(lower, abs=1e-9)
    assert round(hi, 4) == pytest.approx(upper, abs=1e-9)


@pytest.mark.parametrize(("x", "n", "lower", "upper"), WILSON_TABLE)
def test_wilson_matches_scipy(x: int, n: int, lower: float, upper: float) -> None:
    ci = sps.binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(x, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_wilson_exact_bounds_at_0_and_100_percent() -> None:
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0


def test_wilson_empty_denominator_is_nan() -> None:
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def test_wilson_vectorised_matches_scalar_and_handles_zero_n() -> None:
    x = np.array([58, 0, 10, 0, 3])
    n = np.array([71, 10, 10, 0, 7])
    lower, upper = wilson_intervals(x, n)
    for i in range(len(x)):
        expected = wilson_interval(int(x[i]), int(n[i]))
        np.testing.assert_allclose([lower[i], upper[i]], expected, equal_nan=True)
    assert np.isnan(lower[3]) and np.isnan(upper[3])


def test_wilson_other_confidence_level() -> None:
    ci = sps.binomtest(30, 40).proportion_ci(confidence_level=0.9, method="wilson")
    assert wilson_interval(30, 40, confidence=0.9) == pytest.approx((ci.low, ci.high), abs=1e-12)


@pytest.mark.parametrize(("x", "n"), [(-1, 5), (6, 5)])
def test_wilson_rejects_impossible_counts(x: int, n: int) -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(x, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5])
def test_z_value_rejects_bad_confidence(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        z_value(confidence)


def test_z_value_is_exact_normal_quantile() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


@given(st.integers(min_value=1, max_value=2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_estimate_and_stays_in_unit_interval(xn: tuple[int, int]) -> None:
    x, n = xn
    lo, hi = wilson_interval(x, n)
    assert 0.0 <= lo <= x / n <= hi <= 1.0
    ci = sps.binomtest(x, n).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-9)


# --- compare_proportions ----------------------------------------------------------------


def test_compare_worked_example_large() -> None:
    r = compare_proportions(31, 50, 45, 52)
    assert r.p1 == pytest.approx(0.62)
    assert r.p2 * 100 == pytest.approx(86.5, abs=0.05)
    assert r.difference * 100 == pytest.approx(24.5, abs=0.05)
    assert r.ci_lower * 100 == pytest.approx(7.6, abs=0.05)
    assert r.ci_upper * 100 == pytest.approx(40.0, abs=0.05)
    assert r.min_expected == pytest.approx(12.7, abs=0.05)
    assert r.test_used == "chi2"
    assert r.chi2_p == pytest.approx(0.0045, abs=5e-5)
    assert r.yates_p == pytest.approx(0.0089, abs=5e-5)
    assert r.fisher_p == pytest.approx(0.0061, abs=5e-5)
    assert r.p_value == r.chi2_p


def test_compare_worked_example_small_uses_fisher() -> None:
    r = compare_proportions(7, 12, 11, 12)
    assert r.min_expected == pytest.approx(3.0)
    assert r.test_used == "fisher"
    assert r.p_value == pytest.approx(0.155, abs=5e-4)
    assert r.chi2_p == pytest.approx(0.059, abs=5e-4)
    assert r.ci_lower * 100 == pytest.approx(-1.8, abs=0.05)
    assert r.ci_upper * 100 == pytest.approx(60.6, abs=0.05)
    assert r.ci_lower < 0 < r.ci_upper  # the interval includes no change


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"), [(31, 50, 45, 52), (7, 12, 11, 12), (40, 90, 20, 85), (3, 9, 1, 4)]
)
def test_compare_p_values_match_scipy(x1: int, n1: int, x2: int, n2: int) -> None:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    r = compare_proportions(x1, n1, x2, n2)
    chi2 = sps.chi2_contingency(table, correction=False)
    assert r.chi2_p == pytest.approx(chi2.pvalue)
    assert r.yates_p == pytest.approx(sps.chi2_contingency(table, correction=True).pvalue)
    assert r.fisher_p == pytest.approx(sps.fisher_exact(table).pvalue)
    assert r.min_expected == pytest.approx(chi2.expected_freq.min())
    assert r.test_used == ("fisher" if chi2.expected_freq.min() < 5 else "chi2")


def test_compare_newcombe_from_wilson_limits() -> None:
    # Independent recomputation of method 10 from scipy's Wilson limits.
    x1, n1, x2, n2 = 40, 90, 20, 85
    a = sps.binomtest(x1, n1).proportion_ci(method="wilson")
    b = sps.binomtest(x2, n2).proportion_ci(method="wilson")
    p1, p2 = x1 / n1, x2 / n2
    lower = (p2 - p1) - math.sqrt((p2 - b.low) ** 2 + (a.high - p1) ** 2)
    upper = (p2 - p1) + math.sqrt((b.high - p2) ** 2 + (p1 - a.low) ** 2)
    r = compare_proportions(x1, n1, x2, n2)
    assert (r.ci_lower, r.ci_upper) == pytest.approx((lower, upper), abs=1e-12)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(0, 0, 5, 10), (5, 10, 0, 0), (0, 0, 0, 0)])
def test_compare_empty_cycle_gives_nan_and_none(x1: int, n1: int, x2: int, n2: int) -> None:
    r = compare_proportions(x1, n1, x2, n2)
    assert r.test_used == "none"
    assert math.isnan(r.p_value) and math.isnan(r.difference) and math.isnan(r.ci_lower)


@pytest.mark.parametrize(("x", "n"), [(12, 12), (0, 12)])
def test_compare_zero_margin_uses_fisher_without_error(x: int, n: int) -> None:
    r = compare_proportions(x, n, x, n)  # everyone met (or no one) in both cycles
    assert math.isnan(r.chi2_p)
    assert r.test_used == "fisher"
    assert r.p_value == pytest.approx(1.0)
    assert r.difference == 0.0
    assert r.ci_lower < 0 < r.ci_upper


def test_compare_single_case_each() -> None:
    r = compare_proportions(1, 1, 0, 1)
    assert r.test_used == "fisher"
    assert r.p_value == pytest.approx(1.0)
    assert r.difference == -1.0
    assert -1.0 <= r.ci_lower <= r.ci_upper <= 1.0


def test_compare_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        compare_proportions(5, 4, 1, 2)


def test_comparison_intervals_are_wilson() -> None:
    r = compare_proportions(31, 50, 45, 52)
    assert r.interval1 == wilson_interval(31, 50)
    assert r.interval2 == wilson_interval(45, 52)


def _fleiss_n(p1: float, p2: float) -> float:
    """Textbook per-group size for 80% power, α = 0.05 two-sided, no continuity correction."""
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    pbar = (p1 + p2) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return (num / (p2 - p1)) ** 2


@pytest.mark.parametrize(("p1", "n"), [(0.62, 50), (0.5, 100), (0.3, 200)])
def test_detectable_difference_agrees_with_textbook_sample_size(p1: float, n: int) -> None:
    d = detectable_difference(p1, n, n)
    # The textbook formula, fed the detectable change, must give back the sample size in the
    # easier direction (the other direction needs at least as many cases).
    sizes = [_fleiss_n(p1, p1 + sign * d) for sign in (1, -1) if 0 <= p1 + sign * d <= 1]
    assert min(sizes) == pytest.approx(n, rel=1e-3)
    assert max(sizes) >= n * (1 - 1e-3)


def test_detectable_difference_shrinks_with_sample_size_and_edges() -> None:
    assert detectable_difference(0.6, 20, 20) > detectable_difference(0.6, 200, 200)
    assert math.isnan(detectable_difference(0.5, 0, 10))
    assert math.isnan(detectable_difference(1.0, 1, 1))  # no change from 1/1 is detectable
    assert compare_proportions(7, 12, 11, 12).detectable_difference > 0.3


# --- RAG --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compliance", "target", "direction", "expected"),
    [
        (95.0, 95, "higher", "green"),
        (100.0, 95, "higher", "green"),
        (94.9, 95, "higher", "amber"),
        (85.0, 95, "higher", "amber"),
        (84.9, 95, "higher", "red"),
        (0.0, 0, "lower", "green"),
        (5.0, 0, "lower", "amber"),
        (10.0, 0, "lower", "amber"),
        (10.1, 0, "lower", "red"),
        (4.0, 5, "lower", "green"),
        (None, 95, "higher", None),
        (float("nan"), 95, "higher", None),
        (80.0, None, "higher", None),
    ],
)
def test_rag(compliance: float | None, target: float | None, direction: str, expected: str | None) -> None:
    assert rag(compliance, target, direction=direction) == expected  # type: ignore[arg-type]


def test_rag_float_noise_at_target_is_green() -> None:
    assert rag(0.95 * 100 - 1e-12, 95) == "green"
    assert rag(80.0, 95, tolerance=15.0) == "amber"


def test_rag_many_matches_scalar() -> None:
    comp = np.array([96.0, 88.0, 70.0, np.nan, 3.0])
    target = np.array([95.0, 95.0, 95.0, 95.0, 0.0])
    direction = np.array(["higher"] * 4 + ["lower"])
    got = rag_many(comp, target, direction)
    assert list(got) == ["green", "amber", "red", None, "amber"]


# --- heterogeneity ----------------------------------------------------------------------


def test_heterogeneity_matches_scipy_chi2() -> None:
    met, not_met = np.array([40, 25, 60]), np.array([10, 15, 12])
    r = heterogeneity_test(met, not_met)
    ref = sps.chi2_contingency(np.column_stack([met, not_met]), correction=False)
    assert r.statistic == pytest.approx(ref.statistic)
    assert r.p_value == pytest.approx(ref.pvalue)
    assert (r.dof, r.test_used, r.small_expected, r.groups) == (2, "chi2", False, 3)


def test_heterogeneity_ignores_empty_groups_and_flags_small_expected() -> None:
    r = heterogeneity_test(np.array([10, 0, 20, 5]), np.array([5, 0, 2, 4]))
    ref = sps.chi2_contingency(np.array([[10, 5], [20, 2], [5, 4]]), correction=False)
    assert r.p_value == pytest.approx(ref.pvalue)
    assert r.groups == 3 and r.small_expected is True


def test_heterogeneity_two_small_groups_uses_fisher() -> None:
    r = heterogeneity_test(np.array([3, 10]), np.array([2, 1]))
    assert r.test_used == "fisher"
    assert r.p_value == pytest.approx(sps.fisher_exact([[3, 2], [10, 1]]).pvalue)


@pytest.mark.parametrize(
    ("met", "not_met"), [([5], [3]), ([5, 0], [3, 0]), ([5, 7], [0, 0]), ([0, 0], [0, 0]), ([], [])]
)
def test_heterogeneity_degenerate_tables_do_not_raise(met: list[int], not_met: list[int]) -> None:
    r = heterogeneity_test(np.array(met), np.array(not_met))
    assert r.test_used == "none"
    assert math.isnan(r.p_value)


def test_chi2_k_by_2_vectorised_matches_scipy_per_table() -> None:
    rng = np.random.default_rng(7)
    met = rng.integers(5, 60, size=(20, 4))
    not_met = rng.integers(5, 60, size=(20, 4))
    stat, dof, p, _ = chi2_k_by_2(met, not_met)
    for i in range(20):
        ref = sps.chi2_contingency(np.column_stack([met[i], not_met[i]]), correction=False)
        assert stat[i] == pytest.approx(ref.statistic)
        assert p[i] == pytest.approx(ref.pvalue)
        assert dof[i] == ref.dof
