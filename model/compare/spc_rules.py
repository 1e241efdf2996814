"""The Making Data Count special-cause rules and the icons they feed (DOMAIN.md §5).

Within each phase, on the observed points in order: a point outside the limits, a shift
(7 or more on one side of the mean), a trend (7 or more rising or falling), two of three
beyond 2σ on one side. The rule that wins by precedence gives a point its side and type
(improvement, concern or neutral). `finish_chart` applies the rules to a chart's lines and
assembles the `SpcResult` with its variation and assurance icons.
"""

from __future__ import annotations

import math

import numpy as np

from model.compare.spc_limits import Lines
from model.compare.spc_results import (
    OUTSIDE,
    SHIFT,
    TREND,
    TWO_OF_THREE,
    Assurance,
    ChartType,
    Improvement,
    Phase,
    PointType,
    Screening,
    SpcPoint,
    SpcResult,
)

RUN_LENGTH = 7  # shift and trend: 7 or more points

_TIE = 1e-12  # relative tolerance for "exactly on the mean"


def assess_assurance(
    target: float | None, lower: float, upper: float, improvement: Improvement | None
) -> Assurance | None:
    """Compare a target with process limits (the MDC assurance icon).

    Args:
        target: the target in the chart's units, or None.
        lower: lower process limit of the current phase.
        upper: upper process limit of the current phase.
        improvement: "increase", "decrease" or None.

    Returns:
        "pass", "fail", "hit_and_miss", or None without a target, direction or limits.
    """
    if target is None or improvement is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return None
    if target > upper:
        return "fail" if improvement == "increase" else "pass"
    if target < lower:
        return "pass" if improvement == "increase" else "fail"
    return "hit_and_miss"


def runs(a: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, value) of each maximal block of equal values in a 1-D int array."""
    if a.size == 0:
        return []
    edges = np.flatnonzero(np.diff(a)) + 1
    starts, stops = np.r_[0, edges], np.r_[edges, a.size]
    return [(int(s), int(e), int(a[s])) for s, e in zip(starts, stops, strict=True)]


def _side_of_mean(v: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """+1 above, −1 below, 0 on the centre line (within rounding)."""
    diff = v - centre
    tol = _TIE * np.maximum(1.0, np.abs(centre))
    return np.where(diff > tol, 1, np.where(diff < -tol, -1, 0))


def _phase_rules(v: np.ndarray, ln: Lines, idx: np.ndarray) -> tuple[list[set[str]], list[int]]:
    """Rules and deciding side (+1/−1/0) for the observed points `idx` of one phase."""
    mean, upper, lower = ln.mean[idx], ln.upper[idx], ln.lower[idx]
    y = v[idx]
    rules: list[set[str]] = [set() for _ in y]
    rel = _side_of_mean(y, mean)
    outside = (y > upper) | (y < lower)  # NaN limits compare False: no rule
    trend_dir = np.zeros(y.size, dtype=int)
    for i in np.flatnonzero(outside).tolist():
        rules[i].add(OUTSIDE)
    for start, stop, side in runs(rel):
        if side != 0 and stop - start >= RUN_LENGTH:
            for i in range(start, stop):
                rules[i].add(SHIFT)
    for start, stop, step in runs(np.sign(np.diff(y)).astype(int)):
        # stop - start successive strict steps cover the points start .. stop (inclusive)
        if step != 0 and stop - start >= RUN_LENGTH - 1:
            for i in range(start, stop + 1):
                rules[i].add(TREND)
                trend_dir[i] = trend_dir[i] or step  # the earlier trend keeps a shared point
    band = ~outside & (((y > ln.upper_2sigma[idx]) & (rel > 0)) | ((y < ln.lower_2sigma[idx]) & (rel < 0)))
    for i in range(y.size - 2):
        same_side = rel[i] != 0 and rel[i] == rel[i + 1] == rel[i + 2]
        if same_side and np.count_nonzero(band[i : i + 3]) >= 2:
            for j in range(i, i + 3):
                if band[j]:
                    rules[j].add(TWO_OF_THREE)
    sides = [_decide_side(r, int(rel[i]), int(trend_dir[i]), y[i] > upper[i]) for i, r in enumerate(rules)]
    return rules, sides


def _decide_side(rules: set[str], rel: int, trend: int, above_upper: bool) -> int:
    if OUTSIDE in rules:
        return 1 if above_upper else -1
    if TREND in rules:
        return trend
    return rel if rules else 0


def _point_type(side: int, improvement: Improvement | None) -> PointType:
    if side == 0:
        return "common_cause"
    if improvement is None:
        return "special_cause_neutral"
    good = 1 if improvement == "increase" else -1
    return "special_cause_improvement" if side == good else "special_cause_concern"


def finish_chart(
    chart: ChartType,
    values: np.ndarray,
    den: np.ndarray | None,
    ln: Lines,
    phases: list[Phase],
    improvement: Improvement | None,
    target: float | None,
    screening: Screening,
    fixed_limits_from: int | None,
) -> SpcResult:
    """Apply the rules phase by phase and assemble the result."""
    n = values.size
    rules: list[frozenset[str]] = [frozenset()] * n
    sides = [0] * n
    for ph in phases:
        idx = ph.start + np.flatnonzero(np.isfinite(values[ph.start : ph.end]))
        phase_rules, phase_sides = _phase_rules(values, ln, idx)
        for i, r, s in zip(idx, phase_rules, phase_sides, strict=True):
            rules[int(i)], sides[int(i)] = frozenset(r), s
    phase_of = np.zeros(n, dtype=int)
    for ph in phases:
        phase_of[ph.start : ph.end] = ph.index
    points = tuple(
        SpcPoint(
            index=i,
            value=float(values[i]),
            mean=float(ln.mean[i]),
            lower=float(ln.lower[i]),
            upper=float(ln.upper[i]),
            lower_2sigma=float(ln.lower_2sigma[i]),
            upper_2sigma=float(ln.upper_2sigma[i]),
            lower_1sigma=float(ln.lower_1sigma[i]),
            upper_1sigma=float(ln.upper_1sigma[i]),
            rules=rules[i],
            point_type=_point_type(sides[i], improvement),
            side=None if sides[i] == 0 else ("high" if sides[i] > 0 else "low"),
            phase=int(phase_of[i]),
            denominator=None if den is None else float(den[i]),
        )
        for i in range(n)
    )
    observed = [p for p in points if not p.missing]
    variation = observed[-1].point_type if observed else None
    return SpcResult(
        chart_type=chart,
        points=points,
        phases=tuple(phases),
        variation=variation,
        assurance=_current_assurance(points, phases, target, improvement),
        improvement=improvement,
        target=target,
        screened=screening,
        fixed_limits_from=fixed_limits_from,
    )


def _current_assurance(
    points: tuple[SpcPoint, ...], phases: list[Phase], target: float | None, improvement: Improvement | None
) -> Assurance | None:
    if not phases:
        return None
    current = [
        p for p in points[phases[-1].start : phases[-1].end] if math.isfinite(p.upper) and not p.missing
    ]
    if not current:
        return None
    return assess_assurance(target, current[-1].lower, current[-1].upper, improvement)
