"""Centre lines and process limits of XmR and p-charts, phase by phase (DOMAIN.md §5).

Splitting a series into phases at its rebase points, the XmR mean and MR̄ with moving-range
screening, the trial / too-few-points thresholds of a phase and the per-point arrays of the
centre line and the 3σ, 2σ and 1σ limits that the rules in `model.compare.spc_rules` read.
Also the checks on the charts' options and counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.compare.spc_results import Phase
from model.core.errors import KnownError

# XmR constants (DOMAIN.md §5). The 2σ and 1σ multipliers are exactly two thirds and one third of
# 2.66 (DOMAIN's 1.7733 and 0.8867 rounded), as NHSRplotthedots computes them.
XMR_LIMIT = 2.66
XMR_2SIGMA = 2.0 * XMR_LIMIT / 3.0
XMR_1SIGMA = XMR_LIMIT / 3.0
MR_SCREEN = 3.267

TRIAL_BELOW = 15  # fewer points than this in a phase: trial limits
LIMITS_BELOW = 8  # fewer points than this: show a run chart instead of limits


@dataclass(frozen=True)
class Lines:
    """Per-point centre line and limits, before the rules are applied."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_2sigma: np.ndarray
    upper_2sigma: np.ndarray
    lower_1sigma: np.ndarray
    upper_1sigma: np.ndarray


def check_options(improvement: str | None, fixed_limits_from: int | None) -> None:
    if improvement not in ("increase", "decrease", None):
        raise ValueError(f"improvement must be 'increase', 'decrease' or None, got {improvement!r}")
    if fixed_limits_from is not None and fixed_limits_from < 1:
        raise ValueError(f"fixed_limits_from must be at least 1, got {fixed_limits_from!r}")


def check_counts(num: np.ndarray, den: np.ndarray) -> None:
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


def phase_bounds(n: int, rebase: Sequence[int]) -> list[tuple[int, int]]:
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


def xmr_stats(x: np.ndarray, screen: bool) -> tuple[float, float | None, float | None, list[int]]:
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


def make_phase(
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


def empty_lines(n: int) -> Lines:
    return Lines(*(np.full(n, np.nan) for _ in range(7)))


def fill_phase(
    lines: Lines,
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
