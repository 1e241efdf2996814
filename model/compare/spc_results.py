"""What an SPC chart is made of: point types, the rule names and the result dataclasses.

The types returned by `model.compare.spc` (`SpcPoint`, `Phase`, `Screening`, `SpcResult`,
`RunChartResult`), the Making Data Count vocabulary they use (point types, sides,
improvement direction, assurance) and the names of the four special-cause rules with their
precedence. No computation beyond reading a result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

PointType = Literal[
    "common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral"
]
Side = Literal["high", "low"]
Improvement = Literal["increase", "decrease"]
Assurance = Literal["pass", "fail", "hit_and_miss"]
ChartType = Literal["xmr", "p"]

OUTSIDE, TREND, TWO_OF_THREE, SHIFT = "outside_limits", "trend", "two_of_three", "shift"
# A point flagged by several rules is described (and coloured) by the first one here.
PRECEDENCE: tuple[str, ...] = (OUTSIDE, TREND, TWO_OF_THREE, SHIFT)


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
