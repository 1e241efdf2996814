"""Which SPC chart a criterion's series gets, and computing it (DOMAIN.md §5).

`choose_chart` picks a run chart for few points, a p-chart when the denominators vary and an
XmR chart otherwise (`chart_reason` says why in a sentence); `build_chart` computes the chosen
chart with `model.compare.spc`, rebased at each cycle's start. A run chart comes wrapped in a
`PhasedRunChart`: one median, or a median per cycle when every cycle has points enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from model.compare.spc import LIMITS_BELOW, RunChartResult, SpcResult, p_chart, run_chart, xmr
from model.compare.spc_series import SpcSeries, phase_label

ChartKind = Literal["p", "xmr", "run"]
CHART_NAMES: dict[str, str] = {"p": "p-chart", "xmr": "XmR chart", "run": "run chart"}
# A run chart's phase needs this many points off its median for a median of its own: the points
# DOMAIN.md §5 asks for before limits mean anything, and few enough runs for the Anhøj rules to read.
RUN_PHASE_MIN = LIMITS_BELOW


@dataclass(frozen=True)
class RunPhase:
    """One phase of a run chart with its own median.

    Attributes:
        start: first bucket of the phase.
        end: one past its last bucket.
        label: 'cycle 2, the re-audit …' when a cycle starts the phase, else "".
        result: `model.compare.spc.run_chart` of the phase's points.
    """

    start: int
    end: int
    label: str
    result: RunChartResult


@dataclass(frozen=True)
class PhasedRunChart:
    """A run chart: one median for all points, or a median per cycle when rebased.

    Attributes:
        phases: one phase (the whole series) or one per cycle, oldest first.
        overall: the run chart of every point (one median).
        note: why one median is shown although rebasing was asked for ("" otherwise).
    """

    phases: tuple[RunPhase, ...]
    overall: RunChartResult
    note: str = ""

    @property
    def rebased(self) -> bool:
        """True when each phase has its own median."""
        return len(self.phases) > 1

    @property
    def signal(self) -> bool:
        """True when the Anhøj rules find a non-random pattern in any phase."""
        return any(p.result.signal for p in self.phases)


def choose_chart(series: SpcSeries) -> ChartKind:
    """The default chart: run chart for few points, p-chart for varying denominators, else XmR.

    Args:
        series: from `criterion_series`.

    Returns:
        "run" with fewer than 8 buckets holding data (too few for limits, DOMAIN.md §5);
        "p" when the number of eligible cases varies between buckets; otherwise "xmr".
    """
    if series.n_points < LIMITS_BELOW:
        return "run"
    sizes = series.eligible[series.eligible > 0]
    return "p" if sizes.min() != sizes.max() else "xmr"


def chart_reason(series: SpcSeries, kind: ChartKind) -> str:
    """Why `choose_chart` picked this kind, in a short sentence for the chart-type control."""
    unit = series.bucket + ("" if series.n_points == 1 else "s")
    if kind == "run":
        return (f"Run chart: only {series.n_points} {unit} with data; at least {LIMITS_BELOW} are needed "
                "for process limits.")
    sizes = series.eligible[series.eligible > 0]
    if kind == "p":
        return (f"p-chart: the number of eligible cases varies ({sizes.min()}–{sizes.max()} a {series.bucket}), "
                "so each point gets limits for its own size.")
    return f"XmR chart: every {series.bucket} has the same number of eligible cases ({sizes.min()})."


def build_chart(series: SpcSeries, kind: ChartKind, *, rebase: bool = True,
                screen: bool = True) -> SpcResult | PhasedRunChart:
    """Compute the chosen chart for a series.

    Args:
        series: from `criterion_series`.
        kind: "p" (proportions, target as a proportion), "xmr" (percentages) or "run".
        rebase: recompute limits (or a run chart's median) from each cycle's start.
        screen: screen moving ranges (XmR only).

    Returns:
        An `SpcResult` for "p" and "xmr" (phases under 15 points carry trial limits), a
        `PhasedRunChart` for "run" (see `phased_run_chart`).
    """
    cuts = series.rebase_indices if rebase else ()
    if kind == "p":
        target = None if series.target is None else series.target / 100.0
        return p_chart(series.met, series.eligible, improvement=series.improvement, target=target, rebase=cuts)
    if kind == "xmr":
        return xmr(series.percent, improvement=series.improvement, target=series.target, rebase=cuts,
                   screen_moving_ranges=screen)
    if kind == "run":
        return phased_run_chart(series, rebase=rebase)
    raise ValueError(f"kind must be 'p', 'xmr' or 'run', got {kind!r}")


def phased_run_chart(series: SpcSeries, *, rebase: bool = True) -> PhasedRunChart:
    """A run chart with a median per cycle when rebasing, else one median (DOMAIN.md §5).

    The Anhøj rules need enough points to say anything: each phase must have at least
    `RUN_PHASE_MIN` useful points (points not on its median). When one is shorter, the chart
    keeps one median across all cycles and `note` says which cycle was too short.

    Args:
        series: the charted series.
        rebase: split at each cycle's start (`SpcSeries.rebase_indices`).

    Returns:
        The phases with their run charts, the overall run chart and the note.
    """
    values = series.percent
    overall = run_chart(values)
    whole = (RunPhase(0, series.n_buckets, "", overall),)
    if not rebase or not series.rebase_indices:
        return PhasedRunChart(whole, overall)
    bounds = list(zip((0, *series.rebase_indices), (*series.rebase_indices, series.n_buckets), strict=True))
    phases = tuple(RunPhase(a, b, phase_label(series, a), run_chart(values[a:b])) for a, b in bounds)
    short = [p for p in phases if p.result.useful_points < RUN_PHASE_MIN]
    if not short:
        return PhasedRunChart(phases, overall)
    first = short[0]
    name = next((c.title for c in reversed(series.cycle_starts) if c.bucket == first.start), "one cycle")
    note = (f"One median is drawn across all cycles: a median per cycle needs at least {RUN_PHASE_MIN} points "
            f"off the median in each, and {name} has only {first.result.useful_points} off its own.")
    return PhasedRunChart(whole, overall, note)
