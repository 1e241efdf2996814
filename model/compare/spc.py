"""Statistical process control in the NHS "Making Data Count" style (DOMAIN.md §5).

Three charts, all Qt-free:

- `xmr`: individuals chart of any measure (usually a monthly percentage);
- `p_chart`: proportions with varying denominators (met / eligible each month);
- `run_chart`: median and Anhøj rules, for series too short for limits.

The chart functions live here; the pieces they are made of sit beside them:
`model.compare.spc_results` (the result types), `model.compare.spc_limits` (centre lines
and limits per phase) and `model.compare.spc_rules` (the four special-cause rules and the
icons). Their public names are importable from this module too.

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

import numpy as np

from model.compare.spc_limits import (
    LIMITS_BELOW,
    TRIAL_BELOW,
    XMR_1SIGMA,
    XMR_2SIGMA,
    XMR_LIMIT,
    check_counts,
    check_options,
    empty_lines,
    fill_phase,
    make_phase,
    phase_bounds,
    xmr_stats,
)
from model.compare.spc_results import (
    OUTSIDE,
    PRECEDENCE,
    SHIFT,
    TREND,
    TWO_OF_THREE,
    Improvement,
    Phase,
    RunChartResult,
    Screening,
    SpcPoint,
    SpcResult,
)
from model.compare.spc_rules import assess_assurance, finish_chart, runs
from model.core.distributions import binom_ppf

__all__ = [
    "LIMITS_BELOW",
    "OUTSIDE",
    "PRECEDENCE",
    "SHIFT",
    "TREND",
    "TRIAL_BELOW",
    "TWO_OF_THREE",
    "Improvement",
    "Phase",
    "RunChartResult",
    "Screening",
    "SpcPoint",
    "SpcResult",
    "anhoej_limits",
    "assess_assurance",
    "p_chart",
    "run_chart",
    "xmr",
]


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
    check_options(improvement, fixed_limits_from)
    x = np.asarray(values, dtype=float).reshape(-1)
    bounds = phase_bounds(x.size, rebase)
    lines = empty_lines(x.size)
    phases: list[Phase] = []
    dropped: list[int] = []
    for k, (start, end) in enumerate(bounds):
        obs = start + np.flatnonzero(np.isfinite(x[start:end]))
        base = obs[:fixed_limits_from] if fixed_limits_from else obs
        mean, mr_bar, limit, drop = xmr_stats(x[base], screen_moving_ranges)
        dropped.extend(int(base[i + 1]) for i in drop)
        spread = np.nan if mr_bar is None else mr_bar
        fill_phase(lines, slice(start, end), mean, XMR_LIMIT * spread, XMR_2SIGMA * spread, XMR_1SIGMA * spread)
        phases.append(make_phase(k, start, end, obs.size, base.size, mean, mr_bar, limit))
    screening = Screening(screen_moving_ranges, tuple(dropped))
    return finish_chart("xmr", x, None, lines, phases, improvement, target, screening, fixed_limits_from)


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
    check_options(improvement, fixed_limits_from)
    num = np.asarray(numerators, dtype=float).reshape(-1)
    den = np.asarray(denominators, dtype=float).reshape(-1)
    check_counts(num, den)
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    p = np.full(num.size, np.nan)
    np.divide(num, den, out=p, where=ok)
    lines = empty_lines(num.size)
    phases: list[Phase] = []
    for k, (start, end) in enumerate(phase_bounds(num.size, rebase)):
        obs = start + np.flatnonzero(ok[start:end])
        base = obs[:fixed_limits_from] if fixed_limits_from else obs
        pbar = float(num[base].sum() / den[base].sum()) if base.size else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = np.sqrt(pbar * (1.0 - pbar) / np.where(ok[start:end], den[start:end], np.nan))
        fill_phase(lines, slice(start, end), pbar, 3.0 * sigma, 2.0 * sigma, sigma, clip=(0.0, 1.0))
        phases.append(make_phase(k, start, end, obs.size, base.size, pbar, None, None))
    return finish_chart("p", p, den, lines, phases, improvement, target, Screening(False), fixed_limits_from)


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
    longest = max(stop - start for start, stop, _ in runs(sides))
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
    cross_min = int(binom_ppf(np.array(0.05), np.array(n - 1), 0.5))
    return run_max, cross_min
