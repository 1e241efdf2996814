"""Funnel plot limits, overdispersion, the local comparison and the outlier table (DOMAIN §6)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.benchmark.benchmarks import (
    OUTLIER_NOTE,
    binomial_limit,
    default_n_grid,
    funnel,
    funnel_curve,
    outlier_table,
)
from model.benchmark.local_comparison import compare_local
from model.core.errors import KnownError

# DOMAIN §6, θ = 0.85: n → (99.8% lower, 95% lower, 95% upper, 99.8% upper).
DOMAIN_TABLE = {
    20: (0.5348, 0.6534, 0.9677, 0.9987),
    50: (0.6653, 0.7340, 0.9332, 0.9746),
    100: (0.7250, 0.7717, 0.9116, 0.9449),
    400: (0.7911, 0.8129, 0.8829, 0.9014),
}

OD_Y = [0.78, 0.91, 0.83, 0.88, 0.70, 0.95, 0.86, 0.81, 0.90, 0.84, 0.76, 0.93]
OD_N = [120, 80, 200, 150, 90, 60, 300, 110, 140, 175, 95, 70]


def _brute_limit(theta: float, n: int, p: float) -> float:
    """Spiegelhalter's interpolated limit by a plain loop over r with exact binomial terms."""
    cdf_below = 0.0
    for r in range(n + 1):
        cdf = cdf_below + math.comb(n, r) * theta**r * (1 - theta) ** (n - r)
        if cdf >= p:
            alpha = (cdf - p) / (cdf - cdf_below)
            return min(1.0, max(0.0, (r - alpha) / n))
        cdf_below = cdf
    return 1.0


@pytest.mark.parametrize("n", sorted(DOMAIN_TABLE))
def test_domain_table_limits_theta_085(n: int) -> None:
    point = funnel([0.85 * n], [n], target=0.85).points[0]
    got = (point.lower_998, point.lower_95, point.upper_95, point.upper_998)
    assert tuple(round(v, 4) for v in got) == DOMAIN_TABLE[n]


def test_limits_match_brute_force_for_random_theta_and_n() -> None:
    rng = np.random.default_rng(20260101)
    for _ in range(60):
        theta = float(rng.uniform(0.02, 0.98))
        n = int(rng.integers(1, 400))
        for p in (0.001, 0.025, 0.975, 0.999):
            assert binomial_limit(theta, [n], p)[0] == pytest.approx(_brute_limit(theta, n, p), abs=1e-9)


def test_limits_are_clipped_to_zero_and_one() -> None:
    # n = 1, θ = 0.5: r = 0, α = 0.998, so the raw lower limit is −0.998.
    assert binomial_limit(0.5, [1], 0.001)[0] == 0.0
    limits = np.concatenate([binomial_limit(0.03, np.arange(1, 30), p) for p in (0.001, 0.025, 0.975, 0.999)])
    assert limits.min() >= 0.0 and limits.max() <= 1.0


def test_degenerate_target_puts_limits_on_the_target() -> None:
    result = funnel([10, 9], [10, 10], target=1.0, overdispersion="additive")
    assert [p.flag for p in result.points] == ["within", "alarm_low"]
    assert result.phi is None and result.points[0].upper_998 == 1.0


def test_value_on_a_clipped_limit_is_within() -> None:
    # 0/1 at θ = 0.5 sits exactly on the clipped lower limits (0): outside means strictly beyond.
    point = funnel([0], [1], target=0.5).points[0]
    assert point.lower_998 == 0.0 and point.value == 0.0
    assert point.flag == "within"


def test_flags_at_n20_theta_085() -> None:
    result = funnel([10, 13, 14, 17, 20], [20] * 5, target=0.85)
    assert [p.flag for p in result.points] == ["alarm_low", "alert_low", "within", "within", "alarm_high"]
    assert result.flag_counts() == {
        "alarm_low": 1,
        "alert_low": 1,
        "within": 2,
        "alert_high": 0,
        "alarm_high": 1,
    }


def test_three_of_three_is_flagged_with_small_number_note() -> None:
    point = funnel([3], [3], target=0.5).points[0]
    assert point.upper_998 < 1.0
    assert point.flag == "alarm_high"
    assert point.small_n_note is True
    big = funnel([300], [300], target=0.5).points[0]
    assert big.flag == "alarm_high" and big.small_n_note is False


def test_pooled_target_and_z() -> None:
    result = funnel([30, 45], [50, 50])
    assert result.target == pytest.approx(0.75)
    assert result.target_source == "pooled"
    assert result.points[0].z == pytest.approx((0.6 - 0.75) / math.sqrt(0.75 * 0.25 / 50))
    assert result.phi is None and result.tau2 is None and result.adjusted is False


def test_overdispersion_domain_example() -> None:
    x = np.array(OD_Y) * np.array(OD_N)
    additive = funnel(x, OD_N, target=0.85, overdispersion="additive")
    lo, hi = additive.winsor_bounds
    assert round(lo, 3) == -2.426 and round(hi, 3) == 1.853
    assert round(additive.phi, 3) == 2.641
    assert round(additive.tau2, 5) == 0.00185
    multiplicative = funnel(x, OD_N, target=0.85, overdispersion="multiplicative")
    assert multiplicative.phi == pytest.approx(additive.phi)
    assert multiplicative.tau2 is None


def test_multiplicative_and_additive_limit_formulas() -> None:
    x = np.array(OD_Y) * np.array(OD_N)
    mult = funnel(x, OD_N, target=0.85, overdispersion="multiplicative")
    add = funnel(x, OD_N, target=0.85, overdispersion="additive")
    s = math.sqrt(0.85 * 0.15 / OD_N[0])
    z95 = 1.959963984540054
    assert mult.points[0].upper_95 == pytest.approx(0.85 + z95 * math.sqrt(mult.phi) * s)
    assert add.points[0].lower_95 == pytest.approx(0.85 - z95 * math.sqrt(s**2 + add.tau2))
    assert mult.adjusted and add.adjusted
    # Widened limits flag fewer units than the exact ones.
    plain = funnel(x, OD_N, target=0.85)
    assert mult.flag_counts()["within"] >= plain.flag_counts()["within"]


def test_no_adjustment_when_phi_not_above_one() -> None:
    n = [100, 200, 300, 400]
    x = [85, 170, 255, 340]  # every unit exactly on θ: φ = 0
    plain = funnel(x, n, target=0.85)
    for method in ("multiplicative", "additive"):
        result = funnel(x, n, target=0.85, overdispersion=method)
        assert result.phi == 0.0 and result.adjusted is False
        assert [p.upper_95 for p in result.points] == [p.upper_95 for p in plain.points]
    assert funnel(x, n, target=0.85, overdispersion="additive").tau2 == 0.0


@pytest.mark.parametrize(("x", "n"), [([5], [0]), ([6], [5]), ([-1], [5]), ([float("nan")], [5]), ([], [])])
def test_unusable_counts_raise_known_error(x: list[float], n: list[float]) -> None:
    with pytest.raises(KnownError):
        funnel(x, n, target=0.5)


def test_funnel_curve_matches_point_limits_and_widens_when_adjusted() -> None:
    curve = funnel_curve(0.85, [20, 50, 100, 400])
    assert list(curve.columns) == ["n", "lower_998", "lower_95", "upper_95", "upper_998"]
    assert curve.loc[curve["n"] == 100, "upper_998"].round(4).item() == DOMAIN_TABLE[100][3]
    wide = funnel_curve(0.85, [100], overdispersion="multiplicative", phi=2.641)
    assert wide["upper_95"].item() > curve.loc[curve["n"] == 100, "upper_95"].item()
    grid = default_n_grid(400)
    assert grid[0] == 1 and grid[-1] >= 400 and np.all(np.diff(grid) > 0)


def test_compare_local_domain_numbers_and_sentence() -> None:
    rng = np.random.default_rng(3)
    others = np.concatenate([rng.uniform(0.83, 0.99, 33), rng.uniform(0.5, 0.8, 86)])
    result = compare_local(58, 71, others, national_value=0.86)
    assert (round(result.ci_lower, 4), round(result.ci_upper, 4)) == (0.7115, 0.8898)
    assert result.organisations == 120
    assert result.rank == 34
    assert result.flag == "within"
    text = result.describe()
    assert "Our 81.7% (95% CI 71–89%) is below the national 86.0%" in text
    assert "ranks 34th of 120 organisations" in text
    assert "within the 95% funnel limits, so the gap may be chance" in text
    assert result.median == pytest.approx(float(np.median(others)))


def test_compare_local_outlier_wording_ties_and_pooled_centre() -> None:
    result = compare_local(3, 3, [1.0, 0.2, 0.3], org_denominators=[10, 10, 10])
    assert result.national_source == "pooled"
    assert result.national_value == pytest.approx(0.5)
    assert result.rank == 1 and result.ties == 1
    text = result.describe()
    assert "alarm" in text and "indicative" in text and "very few cases (3)" in text
    assert "tied with 1 other)" in text


def test_compare_local_rejects_percentages_and_empty() -> None:
    with pytest.raises(KnownError, match="proportions"):
        compare_local(5, 10, [61.1, 70.0])
    with pytest.raises(KnownError):
        compare_local(5, 10, [np.nan])
    with pytest.raises(KnownError):
        compare_local(11, 10, [0.5])


def test_outlier_table_hqip_wording_both_directions() -> None:
    result = funnel([10, 13, 14, 17, 20], [20] * 5, target=0.85)
    table = outlier_table(result, ["A", "B", "C", "D", "E"], ["a", "b", "c", "d", "e"])
    assert list(table["code"]) == ["E", "A", "B"]
    assert table.loc[0, "status"] == "Alarm: above the 99.8% limit (positive outlier)"
    assert table.loc[1, "status"] == "Alarm: below the 99.8% limit (negative outlier)"
    assert table.loc[2, "status"] == "Alert: below the 95% limit (negative outlier)"
    assert table.attrs["note"] == OUTLIER_NOTE and "indicative" in OUTLIER_NOTE
    reverse = outlier_table(result, list("ABCDE"), list("abcde"), higher_is_better=False)
    assert reverse.loc[0, "status"].endswith("(negative outlier)")
