"""Statistical process control in the NHS "Making Data Count" style (DOMAIN.md §5).

Three charts, all Qt-free:

- `xmr`: individuals chart of any measure (usually a monthly percentage);
- `p_chart`: proportions with varying denominators (met / eligible each month);
- `run_chart`: median and Anhøj rules, for series too short for limits.

Decisions worth knowing (DOMAIN.md leaves them open or they follow from it):

- **Phases.** `rebase` holds 0-based indices where a new phase starts. Mean, limits,
  moving ranges *and the four rules* are computed within each phase only: a shift or trend
  never runs across a rebase, and no moving range spans one (as NHSRplotthedots, which
  groups every calculation by rebase group).
- **Missing points** (NaN or infinite values, p-chart denominators of 0) are left out: they add nothing
  to the mean, moving ranges or p̄, carry no rule and are common cause. The rules run on the
  observed points in order, so a gap neither breaks nor starts a run, and the moving range
  after a gap is taken to the previous observed value.
- **Centre line ties.** A point within floating-point rounding (1e-12, relative) of the mean
  is "on the mean": it breaks a shift run and is on neither side for two-of-three.
- **Constant series** (MR̄ = 0): the limits equal the mean, every point sits on the mean and
  no rule can fire (no side, no strict rise or fall, nothing beyond a limit).
- **Limits are not clipped** for XmR (percentages may get limits below 0 or above 100; the
  rules use the computed values; `SpcResult.as_arrays(clip=(0, 100))` clips for drawing).
  p-chart limits are clipped to [0, 1] as DOMAIN.md says; this never changes a rule.
- **Side of a flagged point** comes from the rule that wins by precedence (outside limits >
  trend > two of three > shift). A point that ends a rising trend and starts a falling one
  takes the earlier trend's direction.
- **Assurance** uses the limits of the last observed point of the current (last) phase: for
  XmR these are the phase limits, for a p-chart the limits for that month's denominator (as
  NHSRplotthedots). A target exactly on a limit counts as "hit and miss".
- **Variation** is the type of the last *observed* point (a trailing gap does not turn a
  signal into common cause); None when there is no data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import binom

from model.core.errors import KnownError

PointType = Literal[
    "common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral"
]
Side = Literal["high", "low"]
Improvement = Literal["increase", "decrease"]
Assurance = Literal["pass", "fail", "hit_and_miss"]
ChartType = Literal["xmr", "p"]

# XmR constants (DOMAIN.md §5). The 2σ and 1σ multipliers are exactly two thirds and one third of
# 2.66 (DOMAIN's 1.7733 and 0.8867 rounded), as NHSRplotthedots computes them.
XMR_LIMIT = 2.66
XMR_2SIGMA = 2.0 * XMR_LIMIT / 3.0
XMR_1SIGMA = XMR_LIMIT / 3.0
MR_SCREEN = 3.267

RUN_LENGTH = 7  # shift and trend: 7 or more points
TRIAL_BELOW = 15  # fewer points than this in a phase: trial limits
LIMITS_BELOW = 8  # fewer points than this: show a run chart instead of limits

OUTSIDE, TREND, TWO_OF_THREE, SHIFT = "outside_limits", "trend", "two_of_three", "shift"
# A point flagged by several rules is described (and coloured) by the first one here.
PRECEDENCE: tuple[str, ...] = (OUTSIDE, TREND, TWO_OF_THREE, SHIFT)

_TIE = 1e-12  # relative tolerance for "exactly on the mean"


@dataclass(frozen=True)
class SpcPoint:
    """One point of an XmR or p-chart with its phase's centre line and limits.

    For a p-chart `value`, `mean` and the limits are proportions (0–1). Limits are NaN where
    they cannot be computed (a phase of one point, a denominator of 0).
    """

    index: int
    value: float
    mean: float
    lower: float
    upper: float
    lower_2sigma: float
    upper_2sigma: float
    lower_1sigma: float
    upper_1sigma: float
    rules: frozenset[str]
    point_type: PointType
    side: Side | None
    phase: int
    denominator: float | None = None

    @property
    def missing(self) -> bool:
        """True when the point has no value (NaN, or a p-chart denominator of 0)."""
        return not math.isfinite(self.value)

    @property
    def main_rule(self) -> str | None:
        """The rule that decides this point's colour and side, by precedence."""
        return next((rule for rule in PRECEDENCE if rule in self.rules), None)


@dataclass(frozen=True)
class Phase:
    """A stretch of points with its own centre line and limits.

    `start` is the first index and `end` is one past the last (like a Python slice).
    `n_points` counts observed (non-missing) points; `limit_points` how many of them the
    limits were computed from (fewer when the limits are fixed from a baseline).
    """

    index: int
    start: int
    end: int
    n_points: int
    limit_points: int
    mean: float
    mr_bar: float | None
    trial: bool
    too_few_for_limits: bool
    mr_screen_limit: float | None = None


@dataclass(frozen=True)
class Screening:
    """Whether moving-range screening was applied and which ranges it dropped.

    `dropped` holds, for each dropped moving range |x_i − x_{i−1}|, the index i of its later point.
    """

    applied: bool
    dropped: tuple[int, ...] = ()


@dataclass(frozen=True)
class SpcResult:
    """An XmR or p-chart: points, phases and the two MDC icons."""

    chart_type: ChartType
    points: tuple[SpcPoint, ...]
    phases: tuple[Phase, ...]
    variation: PointType | None
    assurance: Assurance | None
    improvement: Improvement | None
    target: float | None
    screened: Screening
    fixed_limits_from: int | None = None

    @property
    def current_phase(self) -> Phase | None:
        """The last phase (the one the icons describe), or None without data."""
        return self.phases[-1] if self.phases else None

    def as_arrays(self, clip: tuple[float, float] | None = None) -> dict[str, np.ndarray]:
        """Columns for drawing: value, mean, limits (2σ, 1σ), phase.

        Args:
            clip: (low, high) to clip the drawn lines to the possible range, e.g. (0, 100)
                for percentages; the points themselves are never clipped.

        Returns:
            A dict of float arrays (int for "phase"), one element per point.
        """
        names = ("mean", "lower", "upper", "lower_2sigma", "upper_2sigma", "lower_1sigma", "upper_1sigma")
        out = {name: np.array([getattr(p, name) for p in self.points], dtype=float) for name in names}
        if clip is not None:
            out = {name: np.clip(col, clip[0], clip[1]) for name, col in out.items()}
        out["value"] = np.array([p.value for p in self.points], dtype=float)
        out["phase"] = np.array([p.phase for p in self.points], dtype=int)
        return out


@dataclass(frozen=True)
class RunChartResult:
    """A run chart with Anhøj rules (DOMAIN.md §5). Run statistics are None with no useful point."""

    median: float | None
    useful_points: int
    longest_run: int | None
    longest_run_max: int | None
    crossings: int | None
    crossings_min: int | None
    signal: bool
    long_run_signal: bool = False
    crossings_signal: bool = False
    n_values: int = 0


@dataclass(frozen=True)
class _Lines:
    """Per-point centre line and limits, before the rules are applied."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_2sigma: np.ndarray
    upper_2sigma: np.ndarray
    lower_1sigma: np.ndarray
    upper_1sigma: np.ndarray


# --------------------------------------------------------------------------- public API


def xmr(
    values: Sequence[float] | np.ndarray,
    *,
    improvement: Improvement | None = None,
    target: float | None = None,
    rebase: Sequence[int] = (),
    screen_moving_ranges: bool = True,
    fixed_limits_from: int | None = None,
) -> SpcResult:
    """XmR (individuals) chart with the four MDC rules.

    Args:
        values: the measure per period, oldest first (NaN for a missing period).
        improvement: "increase" (higher is better), "decrease", or None (neutral colours).
        target: optional target in the values' units, for the assurance icon.
        rebase: 0-based indices where a new phase starts (limits recomputed from there).
        screen_moving_ranges: drop moving ranges above 3.267·MR̄ and recompute MR̄ once.
        fixed_limits_from: compute each phase's mean and limits from its first n observed
            points only and extend them forward (a baseline).

    Returns:
        The chart as an `SpcResult` (chart_type "xmr").
    """
    _check_options(improvement, fixed_limits_from)
    x = np.asarray(values, dtype=float).reshape(-1)
    bounds = _phase_bounds(x.size, rebase)
    lines = _empty_lines(x.size)
    phases: list[Phase] = []
    dropped: list[int] = []
    for k, (start, end) in enumerate(bounds):
        obs = start + np.flatnonzero(np.isfinite(x[start:end]))
        base = obs[:fixed_limits_from] if fixed_limits_from else obs
        mean, mr_bar, limit, drop = _xmr_stats(x[base], screen_moving_ranges)
        dropped.extend(int(base[i + 1]) for i in drop)
        spread = np.nan if mr_bar is None else mr_bar
        _fill(lines, slice(start, end), mean, XMR_LIMIT * spread, XMR_2SIGMA * spread, XMR_1SIGMA * spread)
        phases.append(_phase(k, start, end, obs.size, base.size, mean, mr_bar, limit))
    screening = Screening(screen_moving_ranges, tuple(dropped))
    return _finish("xmr", x, None, lines, phases, improvement, target, screening, fixed_limits_from)


def p_chart(
    numerators: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    *,
    improvement: Improvement | None = None,
    target: float | None = None,
    rebase: Sequence[int] = (),
    fixed_limits_from: int | None = None,
) -> SpcResult:
    """p-chart of proportions with varying denominators, with the four MDC rules.

    Args:
        numerators: cases meeting the criterion per period.
        denominators: eligible cases per period; 0 (or NaN) marks a period with no data.
        improvement: "increase", "decrease" or None.
        target: optional target as a proportion (0–1), for the assurance icon.
        rebase: 0-based indices where a new phase starts.
        fixed_limits_from: compute each phase's p̄ from its first n observed points only.

    Returns:
        The chart as an `SpcResult` (chart_type "p"); values and limits are proportions.

    Raises:
        KnownError: when the lists differ in length, a count is negative or exceeds its
            denominator.
    """
    _check_options(improvement, fixed_limits_from)
    num = np.asarray(numerators, dtype=float).reshape(-1)
    den = np.asarray(denominators, dtype=float).reshape(-1)
    _check_counts(num, den)
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    p = np.full(num.size, np.nan)
    np.divide(num, den, out=p, where=ok)
    lines = _empty_lines(num.size)
    phases: list[Phase] = []
    for k, (start, end) in enumerate(_phase_bounds(num.size, rebase)):
        obs = start + np.flatnonzero(ok[start:end])
        base = obs[:fixed_limits_from] if fixed_limits_from else obs
        pbar = float(num[base].sum() / den[base].sum()) if base.size else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.sqrt(pbar * (1.0 - pbar) / np.where(ok[start:end], den[start:end], np.nan))
        _fill(lines, slice(start, end), pbar, 3.0 * sigma, 2.0 * sigma, sigma, clip=(0.0, 1.0))
        phases.append(_phase(k, start, end, obs.size, base.size, pbar, None, None))
    return _finish("p", p, den, lines, phases, improvement, target, Screening(False), fixed_limits_from)


def run_chart(values: Sequence[float] | np.ndarray) -> RunChartResult:
    """Run chart statistics with the Anhøj rules (DOMAIN.md §5).

    Points exactly on the median are skipped (they neither count nor break a run); NaN
    values are ignored.

    Args:
        values: the measure per period, oldest first.

    Returns:
        Median, longest run, crossings, their limits and whether there is a signal.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return RunChartResult(None, 0, None, None, None, None, False)
    median = float(np.median(x))
    sides = np.sign(x[x != median] - median).astype(int)
    n = int(sides.size)
    if n == 0:
        return RunChartResult(median, 0, None, None, None, None, False, n_values=int(x.size))
    longest = max(stop - start for start, stop, _ in _runs(sides))
    crossings = int(np.count_nonzero(np.diff(sides)))
    run_max, cross_min = anhoej_limits(n)
    long_run, few_crossings = longest > run_max, crossings < cross_min
    return RunChartResult(
        median,
        n,
        longest,
        run_max,
        crossings,
        cross_min,
        long_run or few_crossings,
        long_run,
        few_crossings,
        int(x.size),
    )


def anhoej_limits(n: int) -> tuple[int, int]:
    """The longest run allowed and the fewest crossings allowed for n useful points.

    Args:
        n: number of points not on the median (≥ 1).

    Returns:
        (round(log2(n)) + 3, qbinom(0.05, n − 1, 0.5)).
    """
    # log2 of an integer is never exactly x.5, so Python's banker's rounding agrees with R here.
    run_max = round(math.log2(n)) + 3
    cross_min = int(binom.ppf(0.05, n - 1, 0.5))
    return run_max, cross_min


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


# --------------------------------------------------------------------------- limits


def _check_options(improvement: str | None, fixed_limits_from: int | None) -> None:
    if improvement not in ("increase", "decrease", None):
        raise ValueError(f"improvement must be 'increase', 'decrease' or None, got {improvement!r}")
    if fixed_limits_from is not None and fixed_limits_from < 1:
        raise ValueError(f"fixed_limits_from must be at least 1, got {fixed_limits_from!r}")


def _check_counts(num: np.ndarray, den: np.ndarray) -> None:
    if num.size != den.size:
        raise KnownError(
            f"There are {num.size} numerators but {den.size} denominators.",
            hint="Give one 'met' count and one 'eligible' count for every period.",
        )
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero((num < 0) | (den < 0) | (num > den))
    if bad.size:
        i = int(bad[0])
        raise KnownError(
            f"Period {i + 1} has {num[i]:g} met out of {den[i]:g} eligible.",
            where=f"period {i + 1}",
            hint="Counts cannot be negative and 'met' cannot exceed 'eligible'; correct the counts.",
        )


def _phase_bounds(n: int, rebase: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) of each phase; rebase indices at 0 or past the end add no phase."""
    if n == 0:
        return []
    cuts = sorted({int(i) for i in rebase if 0 < int(i) < n})
    return list(zip([0, *cuts], [*cuts, n], strict=True))


def _mean(x: np.ndarray) -> float:
    """Mean that is exact for a constant series (so its points sit exactly on the mean)."""
    if x.size == 0:
        return math.nan
    if np.all(x == x[0]):
        return float(x[0])
    m = float(x.mean())
    return m + float((x - m).mean())  # second pass removes rounding, as R's mean() does


def _xmr_stats(x: np.ndarray, screen: bool) -> tuple[float, float | None, float | None, list[int]]:
    """Mean, MR̄ (None with fewer than 2 points), screening limit and dropped range positions."""
    mr = np.abs(np.diff(x))
    if mr.size == 0:
        return _mean(x), None, None, []
    mr_bar = float(mr.mean())
    if not screen:
        return _mean(x), mr_bar, None, []
    limit = MR_SCREEN * mr_bar
    drop = np.flatnonzero(mr > limit)
    if drop.size:
        mr_bar = float(np.delete(mr, drop).mean())
    return _mean(x), mr_bar, limit, [int(i) for i in drop]


def _phase(
    k: int,
    start: int,
    end: int,
    n_obs: int,
    n_base: int,
    mean: float,
    mr_bar: float | None,
    limit: float | None,
) -> Phase:
    return Phase(
        index=k,
        start=start,
        end=end,
        n_points=n_obs,
        limit_points=n_base,
        mean=mean,
        mr_bar=mr_bar,
        trial=n_base < TRIAL_BELOW,
        too_few_for_limits=n_base < LIMITS_BELOW,
        mr_screen_limit=limit,
    )


def _empty_lines(n: int) -> _Lines:
    return _Lines(*(np.full(n, np.nan) for _ in range(7)))


def _fill(
    lines: _Lines,
    where: slice,
    centre: float,
    three: float | np.ndarray,
    two: float | np.ndarray,
    one: float | np.ndarray,
    clip: tuple[float, float] | None = None,
) -> None:
    """Write a phase's centre line and the three pairs of limits into the per-point arrays."""
    lo, hi = clip if clip else (-np.inf, np.inf)
    lines.mean[where] = centre
    pairs = (
        (lines.lower, lines.upper, three),
        (lines.lower_2sigma, lines.upper_2sigma, two),
        (lines.lower_1sigma, lines.upper_1sigma, one),
    )
    for lower, upper, half in pairs:
        lower[where] = np.clip(centre - np.asarray(half), lo, hi)
        upper[where] = np.clip(centre + np.asarray(half), lo, hi)


# --------------------------------------------------------------------------- rules


def _runs(a: np.ndarray) -> list[tuple[int, int, int]]:
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


def _phase_rules(v: np.ndarray, ln: _Lines, idx: np.ndarray) -> tuple[list[set[str]], list[int]]:
    """Rules and deciding side (+1/−1/0) for the observed points `idx` of one phase."""
    mean, upper, lower = ln.mean[idx], ln.upper[idx], ln.lower[idx]
    y = v[idx]
    rules: list[set[str]] = [set() for _ in y]
    rel = _side_of_mean(y, mean)
    outside = (y > upper) | (y < lower)  # NaN limits compare False: no rule
    trend_dir = np.zeros(y.size, dtype=int)
    for i in np.flatnonzero(outside):
        rules[i].add(OUTSIDE)
    for start, stop, side in _runs(rel):
        if side != 0 and stop - start >= RUN_LENGTH:
            for i in range(start, stop):
                rules[i].add(SHIFT)
    for start, stop, step in _runs(np.sign(np.diff(y)).astype(int)):
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


def _finish(
    chart: ChartType,
    values: np.ndarray,
    den: np.ndarray | None,
    ln: _Lines,
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
