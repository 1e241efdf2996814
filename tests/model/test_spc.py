"""SPC charts (DOMAIN.md §5): worked examples, edge cases and an independent cross-check."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.compare.spc import (
    SpcResult,
    anhoej_limits,
    assess_assurance,
    p_chart,
    run_chart,
    xmr,
)
from model.core.errors import KnownError
from tests.model.shared_facts import monthly_facts

MONTHS = [72, 75, 70, 74, 71, 73, 69, 76, 72, 74, 80, 82, 81, 83, 85, 84, 86, 82]
ALL_RULES = {"outside_limits", "shift", "trend", "two_of_three"}
POINT_TYPES = {"common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral"}


def main_rules(result: SpcResult) -> list[str | None]:
    return [p.main_rule for p in result.points]


# --------------------------------------------------------------------------- worked XmR example


def test_worked_example_one_phase_limits() -> None:
    r = xmr(MONTHS, improvement="increase")
    (phase,) = r.phases
    assert phase.mean == pytest.approx(77.1667, abs=1e-4)
    assert phase.mr_bar == pytest.approx(3.176, abs=1e-3)
    assert phase.mr_screen_limit == pytest.approx(10.38, abs=0.01)
    assert r.screened.applied and r.screened.dropped == ()
    p = r.points[0]
    assert (p.lower, p.upper) == (pytest.approx(68.72, abs=0.005), pytest.approx(85.62, abs=0.005))
    # DOMAIN.md prints 71.54 for the lower 2σ line; 77.1667 − 1.7733 × 3.1765 is 71.534.
    assert p.lower_2sigma == pytest.approx(71.53, abs=0.01)
    assert p.upper_2sigma == pytest.approx(82.80, abs=0.005)
    assert p.upper_1sigma == pytest.approx(77.1667 + 0.8867 * 3.17647, abs=1e-3)
    assert all(q.phase == 0 and q.mean == p.mean and q.upper == p.upper for q in r.points)
    assert r.chart_type == "xmr" and not phase.trial and not phase.too_few_for_limits


def test_worked_example_one_phase_rules_point_by_point() -> None:
    r = xmr(MONTHS, improvement="increase")
    expected: list[str | None] = ["shift"] * 18
    expected[16] = "outside_limits"  # month 17
    for month in (3, 5, 7, 14, 15, 16):
        expected[month - 1] = "two_of_three"
    assert main_rules(r) == expected
    assert all("shift" in p.rules for p in r.points)  # two shifts cover every point
    assert not any("trend" in p.rules for p in r.points)
    assert [p.point_type for p in r.points] == (
        ["special_cause_concern"] * 10 + ["special_cause_improvement"] * 8
    )
    assert [p.side for p in r.points] == ["low"] * 10 + ["high"] * 8
    assert r.variation == "special_cause_improvement"


def test_worked_example_rebased_at_month_11() -> None:
    r = xmr(MONTHS, improvement="increase", rebase=(10,))
    first, second = r.phases
    assert (first.start, first.end, second.start, second.end) == (0, 10, 10, 18)
    assert first.mean == pytest.approx(72.6) and first.mr_bar == pytest.approx(34 / 9)
    assert second.mean == pytest.approx(82.875) and second.mr_bar == pytest.approx(2.0)
    assert r.points[0].upper == pytest.approx(82.65, abs=0.005)
    assert r.points[10].lower == pytest.approx(82.875 - 5.32)
    assert [p.phase for p in r.points] == [0] * 10 + [1] * 8
    assert all(p.point_type == "common_cause" and not p.rules and p.side is None for p in r.points)
    assert r.variation == "common_cause"
    assert first.trial and second.trial and not second.too_few_for_limits


def test_worked_example_limits_from_first_ten_months_extended() -> None:
    r = xmr(MONTHS, improvement="increase", fixed_limits_from=10)
    (phase,) = r.phases
    assert phase.mean == pytest.approx(72.6) and phase.mr_bar == pytest.approx(3.778, abs=1e-3)
    assert phase.limit_points == 10 and phase.n_points == 18 and r.fixed_limits_from == 10
    p = r.points[-1]
    assert (p.lower, p.upper) == (pytest.approx(62.55, abs=0.005), pytest.approx(82.65, abs=0.005))
    assert p.upper_2sigma == pytest.approx(79.30, abs=0.005)
    outside = [i + 1 for i, q in enumerate(r.points) if "outside_limits" in q.rules]
    assert outside == [14, 15, 16, 17]
    assert all("shift" in q.rules for q in r.points[10:])
    # Month 10 (74) is also above the baseline mean 72.6, so the run is months 10–18.
    assert [i + 1 for i, q in enumerate(r.points) if "shift" in q.rules] == list(range(10, 19))
    assert [i + 1 for i, q in enumerate(r.points) if "two_of_three" in q.rules] == [11, 12, 13]
    assert all(q.point_type == "special_cause_improvement" for q in r.points[10:])
    assert all(q.point_type == "common_cause" for q in r.points[:9])


# --------------------------------------------------------------------------- p-chart


def test_p_chart_worked_example() -> None:
    met = [40, 38, 45, 41, 39, 50, 52, 55, 53, 58]
    eligible = [50, 48, 55, 52, 50, 60, 61, 63, 60, 64]
    r = p_chart(met, eligible)
    assert r.chart_type == "p"
    assert r.phases[0].mean == pytest.approx(471 / 563) and r.phases[0].mr_bar is None
    assert r.points[0].mean == pytest.approx(0.8366, abs=5e-5)
    first, last = r.points[0], r.points[-1]
    assert (first.lower, first.upper) == (pytest.approx(0.6797, abs=5e-5), pytest.approx(0.9935, abs=5e-5))
    assert (last.lower, last.upper) == (pytest.approx(0.6979, abs=5e-5), pytest.approx(0.9752, abs=5e-5))
    pbar = 471 / 563
    assert r.points[-1].upper_2sigma == pytest.approx(pbar + 2 * math.sqrt(pbar * (1 - pbar) / 64))
    assert r.points[3].value == pytest.approx(41 / 52) and r.points[3].denominator == 52


def test_p_chart_limits_clipped_and_all_met_is_stable() -> None:
    r = p_chart([10, 9, 10], [10, 10, 10])
    assert all(0.0 <= p.lower <= p.upper <= 1.0 for p in r.points)
    assert r.points[0].upper == 1.0
    perfect = p_chart([20] * 10, [20] * 10, improvement="increase", target=0.95)
    assert all(p.value == p.mean == p.upper == 1.0 and not p.rules for p in perfect.points)
    assert perfect.assurance == "pass"


def test_p_chart_zero_denominator_is_a_gap() -> None:
    r = p_chart([8, 0, 9, 7], [10, 0, 10, 10], improvement="increase")
    gap = r.points[1]
    assert gap.missing and math.isnan(gap.value) and math.isnan(gap.upper) and math.isnan(gap.lower)
    assert not gap.rules and gap.point_type == "common_cause"
    assert r.phases[0].mean == pytest.approx(24 / 30) and r.phases[0].n_points == 3


def test_p_chart_rules_use_proportions_against_pbar() -> None:
    # 7 months above p̄ after 7 below it: two shifts on proportions with different denominators.
    met = [30] * 7 + [45] * 7
    eligible = [50, 60, 50, 60, 50, 60, 50] + [55, 50, 55, 50, 55, 50, 55]
    r = p_chart(met, eligible, improvement="increase")
    assert all("shift" in p.rules for p in r.points)
    assert {p.side for p in r.points[:7]} == {"low"} and {p.side for p in r.points[7:]} == {"high"}


def test_p_chart_limits_from_a_baseline() -> None:
    met, eligible = [40, 38, 45, 41, 39, 50, 52, 55, 53, 58], [50, 48, 55, 52, 50, 60, 61, 63, 60, 64]
    r = p_chart(met, eligible, improvement="increase", fixed_limits_from=5)
    assert r.phases[0].mean == pytest.approx(203 / 255) and r.phases[0].limit_points == 5
    assert all(p.mean == pytest.approx(203 / 255) for p in r.points)
    assert r.fixed_limits_from == 5
    with pytest.raises(ValueError, match="fixed_limits_from"):
        p_chart(met, eligible, fixed_limits_from=0)


def test_p_chart_bad_counts_raise_known_error() -> None:
    with pytest.raises(KnownError, match="exceed"):
        p_chart([5, 11], [10, 10])
    with pytest.raises(KnownError, match="2 numerators but 1"):
        p_chart([5, 6], [10])
    with pytest.raises(KnownError):
        p_chart([-1], [10])


# --------------------------------------------------------------------------- run chart


@pytest.mark.parametrize(
    ("n", "run_max", "cross_min"), [(10, 6, 2), (12, 7, 3), (16, 7, 4), (20, 7, 6), (24, 8, 8), (30, 8, 10)]
)
def test_run_chart_table(n: int, run_max: int, cross_min: int) -> None:
    assert anhoej_limits(n) == (run_max, cross_min)
    alternating = [float(i % 2) for i in range(n)]
    r = run_chart(alternating)
    assert (r.useful_points, r.longest_run_max, r.crossings_min) == (n, run_max, cross_min)
    assert r.longest_run == 1 and r.crossings == n - 1 and not r.signal


def test_run_chart_limits_are_inclusive() -> None:
    # Points on the median (the 1s) are skipped, so runs of 0s reach the boundary.
    at_limit = run_chart([0] * 7 + [1] * 3 + [2] * 5)  # 12 useful points, run of 7 allowed
    assert (at_limit.useful_points, at_limit.longest_run, at_limit.longest_run_max) == (12, 7, 7)
    assert not at_limit.long_run_signal and at_limit.crossings_signal  # 1 crossing < 3
    over = run_chart([0] * 8 + [1] * 4 + [2] * 5)  # 13 useful points, run of 8 > 7
    assert (over.useful_points, over.longest_run, over.longest_run_max) == (13, 8, 7)
    assert over.long_run_signal and over.signal
    two_crossings = run_chart([0] * 3 + [2] * 5 + [0] * 2)  # n = 10: 2 crossings allowed
    assert (two_crossings.crossings, two_crossings.crossings_min, two_crossings.signal) == (2, 2, False)
    one_crossing = run_chart([0] * 5 + [2] * 5)
    assert one_crossing.crossings == 1 and one_crossing.crossings_signal and one_crossing.signal


def test_run_chart_points_on_median_are_skipped_and_join_runs() -> None:
    values = [1, 1, 1, 2, 1, 3, 3, 3, 3]  # median 2; the run of four 1s continues past the 2
    r = run_chart(values)
    assert r.median == 2 and r.useful_points == 8 and r.n_values == 9
    assert r.longest_run == 4 and r.crossings == 1
    assert r.crossings_min == 1  # qbinom(0.05, 7, 0.5)


def test_run_chart_signals() -> None:
    r = run_chart(MONTHS)
    assert r.median == 75.5 and r.longest_run == 8 and r.longest_run_max == 7
    assert r.signal and r.long_run_signal


def test_run_chart_all_on_median_and_empty() -> None:
    flat = run_chart([5, 5, 5, 5])
    assert flat.median == 5 and flat.useful_points == 0
    assert (flat.longest_run, flat.longest_run_max, flat.crossings, flat.crossings_min) == (None,) * 4
    assert flat.signal is False
    empty = run_chart([])
    assert empty.median is None and empty.signal is False
    assert run_chart([float("nan"), 1.0, 2.0]).n_values == 2


# --------------------------------------------------------------------------- sample file


def read_monthly(shared_data: Path) -> tuple[list[str], list[int], list[int]]:
    with (shared_data / "monthly_compliance_example.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["month"] for r in rows], [int(r["met"]) for r in rows], [int(r["eligible"]) for r in rows]


@pytest.mark.parametrize("chart", ["p", "xmr"])
def test_monthly_example_one_phase_shows_improvement(shared_data: Path, chart: str) -> None:
    months, met, eligible = read_monthly(shared_data)
    if chart == "p":
        r = p_chart(met, eligible, improvement="increase")
    else:
        r = xmr([100 * m / e for m, e in zip(met, eligible, strict=True)], improvement="increase")
    facts = monthly_facts()
    change = months.index(str(facts["change"]))
    after = r.points[change:]
    # README: a shift above the centre line from the change to the end; before it, mostly below.
    assert all("shift" in p.rules and p.side == "high" for p in after)
    assert len(after) >= 7 and sum(p.side == "low" for p in r.points[:change]) >= change - 1
    if chart == "p":
        assert r.phases[0].mean == pytest.approx(facts["centre"], abs=0.0005)
    assert all(p.point_type == "special_cause_improvement" for p in after)
    assert any("outside_limits" in p.rules for p in r.points)
    assert r.variation == "special_cause_improvement"


@pytest.mark.parametrize("chart", ["p", "xmr"])
def test_monthly_example_rebased_is_stable(shared_data: Path, chart: str) -> None:
    months, met, eligible = read_monthly(shared_data)
    facts = monthly_facts()
    change = months.index(str(facts["change"]))
    if chart == "p":
        r = p_chart(met, eligible, improvement="increase", rebase=(change,))
        scale = 1.0
    else:
        pct = [100 * m / e for m, e in zip(met, eligible, strict=True)]
        r = xmr(pct, improvement="increase", rebase=(change,))
        scale = 100.0
    before, after = r.phases
    assert before.mean / scale == pytest.approx(facts["before"], abs=0.02)
    assert after.mean / scale == pytest.approx(facts["after"], abs=0.02)
    assert all(p.point_type == "common_cause" for p in r.points)
    assert r.variation == "common_cause"


# --------------------------------------------------------------------------- rules in detail


def test_trend_decides_side_even_below_mean() -> None:
    values = [50, 52, 49, 51, 50, 44, 45, 46, 47, 48, 48.5, 49, 48, 51, 50, 52, 49, 51]
    r = xmr(values, improvement="increase")
    assert [i for i, p in enumerate(r.points) if "trend" in p.rules] == list(range(5, 12))
    # Month 6 is below the lower limit: outside limits outranks the trend and makes it "low".
    assert r.points[5].main_rule == "outside_limits" and r.points[5].side == "low"
    assert r.points[5].point_type == "special_cause_concern"
    # Trend outranks two-of-three; a rising trend is "high" although these sit below the mean.
    assert r.points[6].rules == {"trend", "two_of_three"} and r.points[6].main_rule == "trend"
    for p in r.points[6:11]:
        assert p.value < p.mean and p.side == "high" and p.point_type == "special_cause_improvement"
    assert all(p.point_type == "common_cause" for p in r.points[12:])


def test_trend_needs_six_strict_steps() -> None:
    six_points = xmr([1, 2, 3, 4, 5, 6, 0, 0])
    assert not any("trend" in p.rules for p in six_points.points)
    with_tie = xmr([1, 2, 3, 3, 4, 5, 6, 7])
    assert not any("trend" in p.rules for p in with_tie.points)
    falling = xmr([9, 8, 7, 6, 5, 4, 3, 3], improvement="increase")
    assert [i for i, p in enumerate(falling.points) if "trend" in p.rules] == list(range(7))
    assert {falling.points[i].side for i in range(7) if falling.points[i].main_rule == "trend"} == {"low"}


def test_shared_peak_takes_the_earlier_trend() -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1]
    r = xmr(values)
    assert all("trend" in p.rules for p in r.points)
    assert r.points[6].side == "high"  # the peak ends the rising trend first
    assert r.points[7].side == "low"


def test_point_on_mean_breaks_shift() -> None:
    values = [1, 1, 1, 2, 1, 1, 1, 3, 3, 3, 3, 3, 3, 2]  # mean exactly 2
    r = xmr(values)
    assert r.phases[0].mean == 2
    assert not any("shift" in p.rules for p in r.points[:8])
    # Seven 3s would be needed: only six after the 1s, and the last point sits on the mean.
    assert not any("shift" in p.rules for p in r.points)
    assert r.points[3].side is None and r.points[-1].side is None


def test_two_of_three_ignores_points_outside_limits_and_flags_only_band_points() -> None:
    base = [50, 51, 49, 50, 51, 49, 50, 51, 49, 50, 51, 49]
    r = xmr(base)
    u2, u = r.points[0].upper_2sigma, r.points[0].upper
    band = (u2 + u) / 2
    r2 = xmr([*base, band, 50.5, band], fixed_limits_from=12)
    assert [i for i, p in enumerate(r2.points) if "two_of_three" in p.rules] == [12, 14]
    assert r2.points[13].rules == frozenset()
    r3 = xmr([*base, band, u + 10, 50.5], fixed_limits_from=12)
    assert not any("two_of_three" in p.rules for p in r3.points)
    assert r3.points[13].main_rule == "outside_limits"
    # Two in-band points with one on the other side of the mean: not the same side, no flag.
    r4 = xmr([*base, band, 49.0, band], fixed_limits_from=12)
    assert not any("two_of_three" in p.rules for p in r4.points)


def test_improvement_direction_colours() -> None:
    down = xmr(MONTHS, improvement="decrease")
    assert [p.point_type for p in down.points] == ["special_cause_improvement"] * 10 + [
        "special_cause_concern"
    ] * 8
    neutral = xmr(MONTHS)
    assert {p.point_type for p in neutral.points} == {"special_cause_neutral"}
    assert neutral.assurance is None
    with pytest.raises(ValueError, match="improvement"):
        xmr(MONTHS, improvement="up")  # type: ignore[arg-type]


def test_rules_run_within_phases_only() -> None:
    values = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]  # one 10-point rising trend
    whole = xmr(values)
    assert all("trend" in p.rules for p in whole.points)
    split = xmr(values, rebase=(5,))
    assert not any("trend" in p.rules for p in split.points)


# --------------------------------------------------------------------------- screening and phases


def test_moving_range_screening_drops_large_ranges_once() -> None:
    values = [10, 11, 10, 11, 10, 11, 10, 40, 10, 11, 10, 11]
    screened = xmr(values)
    raw = xmr(values, screen_moving_ranges=False)
    mrs = np.abs(np.diff(values))
    assert raw.phases[0].mr_bar == pytest.approx(mrs.mean())
    assert not raw.screened.applied and raw.screened.dropped == ()
    assert screened.screened.dropped == (7, 8)
    assert screened.phases[0].mr_bar == pytest.approx(np.delete(mrs, [6, 7]).mean())
    assert screened.phases[0].mr_screen_limit == pytest.approx(3.267 * mrs.mean())


def test_moving_ranges_never_cross_a_rebase() -> None:
    values = [10, 11, 10, 11, 10, 11, 10, 11, 60, 61, 60, 61, 60, 61, 60, 61]
    r = xmr(values, rebase=(8,))
    assert r.phases[0].mr_bar == pytest.approx(1.0) and r.phases[1].mr_bar == pytest.approx(1.0)
    assert r.screened.dropped == ()


def test_rebase_indices_are_cleaned() -> None:
    r = xmr(MONTHS, rebase=(0, 10, 10, 18, 99))
    assert [(p.start, p.end) for p in r.phases] == [(0, 10), (10, 18)]


def test_trial_and_too_few_flags() -> None:
    r = xmr(list(range(20)) + [5, 6, 5, 6, 5, 6, 5], rebase=(7, 20))
    assert [(p.n_points, p.trial, p.too_few_for_limits) for p in r.phases] == [
        (7, True, True),
        (13, True, False),
        (7, True, True),
    ]
    assert not xmr(list(range(15))).phases[0].trial


# --------------------------------------------------------------------------- edge cases


def test_empty_and_single_point() -> None:
    empty = xmr([], improvement="increase", target=90)
    assert empty.points == () and empty.phases == () and empty.variation is None and empty.assurance is None
    assert p_chart([], []).points == ()
    one = xmr([80.0], improvement="increase", target=90)
    (p,) = one.points
    assert p.mean == 80 and math.isnan(p.upper) and one.phases[0].mr_bar is None
    assert not p.rules and one.variation == "common_cause" and one.assurance is None


def test_constant_series_has_flat_limits_and_no_signal() -> None:
    r = xmr([0.1] * 20, improvement="increase", target=0.2)
    assert r.phases[0].mr_bar == 0
    assert all(p.lower == p.upper == p.mean == 0.1 and not p.rules for p in r.points)
    assert r.variation == "common_cause" and r.assurance == "fail"


def test_phase_of_two_points() -> None:
    r = xmr([70, 72, 71, 90, 94], rebase=(3,))
    second = r.phases[1]
    assert second.n_points == 2 and second.mean == 92 and second.mr_bar == 4
    assert second.too_few_for_limits
    assert all(not p.rules for p in r.points)


def test_nan_values_are_gaps() -> None:
    values = [72, 75, float("nan"), 70, 74, 71, 73, 69, 76, 72, 74, 80, float("nan")]
    r = xmr(values, improvement="increase")
    clean = xmr([v for v in values if not math.isnan(v)], improvement="increase")
    assert r.phases[0].mean == pytest.approx(clean.phases[0].mean)
    assert r.phases[0].mr_bar == pytest.approx(clean.phases[0].mr_bar)
    assert r.points[2].missing and not r.points[2].rules and r.points[2].point_type == "common_cause"
    assert r.points[2].upper == pytest.approx(clean.points[0].upper)  # lines continue over a gap
    assert r.variation == clean.variation  # a trailing gap does not reset the icon
    assert xmr([float("nan")] * 3).phases[0].n_points == 0


def test_percentage_limits_are_not_clipped_but_can_be_for_display() -> None:
    r = xmr([98, 100, 90, 100, 96, 100, 99, 100], improvement="increase")
    assert r.points[0].upper > 100
    drawn = r.as_arrays(clip=(0, 100))
    assert drawn["upper"].max() == 100 and drawn["value"].tolist() == [98, 100, 90, 100, 96, 100, 99, 100]
    assert r.as_arrays()["upper"][0] == r.points[0].upper
    assert drawn["phase"].tolist() == [0] * 8


# --------------------------------------------------------------------------- assurance


@pytest.mark.parametrize(
    ("target", "improvement", "expected"),
    [
        (95, "increase", "fail"),
        (60, "increase", "pass"),
        (80, "increase", "hit_and_miss"),
        (95, "decrease", "pass"),
        (60, "decrease", "fail"),
        (80, "decrease", "hit_and_miss"),
        (None, "increase", None),
        (95, None, None),
    ],
)
def test_assurance(target: float | None, improvement: str | None, expected: str | None) -> None:
    r = xmr(MONTHS, improvement=improvement, target=target, rebase=(10,))  # type: ignore[arg-type]
    assert r.assurance == expected
    assert r.target == target


def test_assurance_uses_current_phase_and_limits_are_inclusive() -> None:
    r = xmr(MONTHS, improvement="increase", target=84, rebase=(10,))
    assert r.assurance == "hit_and_miss"  # 84 is above phase 1's limit 82.65 but inside phase 2's
    assert assess_assurance(90.0, 80.0, 90.0, "increase") == "hit_and_miss"
    assert assess_assurance(90.0, float("nan"), float("nan"), "increase") is None
    assert p_chart([40, 45], [50, 50], improvement="increase", target=0.99).assurance == "hit_and_miss"


# --------------------------------------------------------------------------- independent cross-check


def reference_xmr(values: list[float], starts: list[int], screen: bool) -> list[dict]:
    """XmR written the long way round, to check the vectorised version."""
    out: list[dict] = []
    bounds = [*starts, len(values)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        seg = values[a:b]
        mean = sum(seg) / len(seg)
        ranges = [abs(seg[i] - seg[i - 1]) for i in range(1, len(seg))]
        mr = sum(ranges) / len(ranges) if ranges else float("nan")
        if screen and ranges:
            kept = [m for m in ranges if m <= 3.267 * mr]
            mr = sum(kept) / len(kept)
        lines = {
            "mean": mean,
            "lower": mean - 2.66 * mr,
            "upper": mean + 2.66 * mr,
            "lower_2sigma": mean - 2.66 * 2 / 3 * mr,
            "upper_2sigma": mean + 2.66 * 2 / 3 * mr,
        }
        out.extend(reference_rules(seg, [lines] * len(seg)))
    return out


def reference_rules(seg: list[float], lines: list[dict]) -> list[dict]:
    n = len(seg)
    rows = [{**lines[i], "rules": set(), "trend": 0} for i in range(n)]

    def side(i: int) -> int:
        return (seg[i] > lines[i]["mean"]) - (seg[i] < lines[i]["mean"])

    for i in range(n):
        if seg[i] > lines[i]["upper"] or seg[i] < lines[i]["lower"]:
            rows[i]["rules"].add("outside_limits")
    for s in range(n - 6):
        window = range(s, s + 7)
        if all(side(i) == 1 for i in window) or all(side(i) == -1 for i in window):
            for i in window:
                rows[i]["rules"].add("shift")
        for direction in (1, -1):
            if all((seg[i + 1] - seg[i]) * direction > 0 for i in range(s, s + 6)):
                for i in window:
                    rows[i]["rules"].add("trend")
                    rows[i]["trend"] = rows[i]["trend"] or direction
    for s in range(n - 2):
        window = range(s, s + 3)
        sides = {side(i) for i in window}
        if len(sides) != 1 or 0 in sides:
            continue
        up = sides == {1}
        in_band = [
            i
            for i in window
            if "outside_limits" not in rows[i]["rules"]
            and (seg[i] > lines[i]["upper_2sigma"] if up else seg[i] < lines[i]["lower_2sigma"])
        ]
        if len(in_band) >= 2:
            for i in in_band:
                rows[i]["rules"].add("two_of_three")
    for i, row in enumerate(rows):
        if "outside_limits" in row["rules"]:
            row["side"] = 1 if seg[i] > row["upper"] else -1
        elif "trend" in row["rules"]:
            row["side"] = row["trend"]
        elif row["rules"]:
            row["side"] = side(i)
        else:
            row["side"] = 0
    return rows


def assert_matches(result: SpcResult, expected: list[dict]) -> None:
    names = {1: "high", -1: "low", 0: None}
    for point, ref in zip(result.points, expected, strict=True):
        for key in ("mean", "lower", "upper", "lower_2sigma", "upper_2sigma"):
            assert getattr(point, key) == pytest.approx(ref[key], nan_ok=True)
        assert point.rules == ref["rules"], point.index
        assert point.side == names[ref["side"]], point.index


@pytest.mark.parametrize("seed", range(40))
def test_xmr_matches_reference_on_random_series(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    # Integer random walks with jumps: ties, flat steps, trends and shifts all occur.
    values = np.cumsum(rng.integers(-3, 4, n)) + rng.integers(0, 2, n) * rng.choice([0, 15], n)
    values = [float(v) for v in values]
    starts = sorted({0, *[int(i) for i in rng.integers(1, max(n, 2), int(rng.integers(0, 3)))]} - {n})
    screen = bool(seed % 2)
    r = xmr(values, rebase=starts[1:], screen_moving_ranges=screen)
    assert_matches(r, reference_xmr(values, [s for s in starts if s < n], screen))


@pytest.mark.parametrize("seed", range(20))
def test_p_chart_matches_reference_on_random_series(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 50))
    eligible = rng.integers(5, 80, n)
    rate = np.clip(0.7 + np.cumsum(rng.normal(0, 0.03, n)), 0.05, 0.98)
    met = rng.binomial(eligible, rate)
    r = p_chart(met, eligible)
    met_list, eligible_list = [int(m) for m in met], [int(e) for e in eligible]
    pbar = sum(met_list) / sum(eligible_list)
    lines = []
    for e in eligible_list:
        half = math.sqrt(pbar * (1 - pbar) / e)
        lines.append(
            {
                "mean": pbar,
                "lower": max(0.0, pbar - 3 * half),
                "upper": min(1.0, pbar + 3 * half),
                "lower_2sigma": max(0.0, pbar - 2 * half),
                "upper_2sigma": min(1.0, pbar + 2 * half),
            }
        )
    assert_matches(r, reference_rules([m / e for m, e in zip(met_list, eligible_list, strict=True)], lines))


finite = st.floats(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(finite, max_size=2))
def test_property_no_rule_in_fewer_than_three_points(values: list[float]) -> None:
    r = xmr(values, improvement="increase")
    assert all(not p.rules and p.point_type == "common_cause" for p in r.points)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.sampled_from(["increase", "decrease", None]))
def test_property_points_on_the_mean_never_shift(values: list[int], improvement: str | None) -> None:
    r = xmr(values, improvement=improvement)  # type: ignore[arg-type]
    for p in r.points:
        assert p.rules <= ALL_RULES and p.point_type in POINT_TYPES
        if p.value == p.mean:
            assert "shift" not in p.rules and "two_of_three" not in p.rules
        assert (p.point_type == "common_cause") == (not p.rules) == (p.side is None)

