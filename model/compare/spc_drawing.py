"""Draw SPC charts in the NHS "Making Data Count" style onto a matplotlib Figure (OO API only).

`draw_spc` draws an XmR or p-chart of a criterion series: the line of points coloured by
variation type, each phase's mean and process limits (dashed; "trial limits" when a phase
has fewer than 15 points), optional 2σ lines, the target, event markers, and the two MDC
icons (variation and assurance) in small axes on the right. `draw_run_chart` draws a run
chart with its median, or a median per cycle when it was rebased. Values are shown in percent
on a 0–100% axis; limits that the maths puts beyond 0 or 100% are clipped only here, when
drawing.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import PercentFormatter

from model.compare.spc import LIMITS_BELOW, Phase, RunChartResult, SpcPoint, SpcResult
from model.compare.spc_series import SpcSeries
from model.compare.spc_series_charts import CHART_NAMES, PhasedRunChart, RunPhase
from model.core import chart_text  # noqa: F401 - user text is drawn literally, never as maths

# Making Data Count colours.
GREY, BLUE, ORANGE, PURPLE = "#7b7d7d", "#289de0", "#fab428", "#361475"
TARGET_RED, LINE_GREY, MEAN_COLOUR = "#de1b1b", "#a6a6a6", "#231f20"
POINT_COLOURS = {
    "common_cause": GREY,
    "special_cause_improvement": BLUE,
    "special_cause_concern": ORANGE,
    "special_cause_neutral": PURPLE,
}
VARIATION_TEXT = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neutral": "Special cause variation",
}
ASSURANCE_STYLE = {  # colour, letter, label
    "pass": (BLUE, "P", "Consistently passing the target"),
    "fail": (ORANGE, "F", "Consistently failing the target"),
    "hit_and_miss": (GREY, "?", "Hit and miss"),
}
POINTS_GID = "spc-points"  # gid of the scatter of points (tests and exporters find it by this)
MAX_TICKS = 12
_MARKER_LABEL = 28  # characters of an event label drawn beside its line


def draw_spc(fig: Figure, series: SpcSeries, result: SpcResult, *, markers: bool = True,
             sigma_lines: bool = False) -> Axes:
    """Draw an XmR or p-chart of a series with the MDC icons.

    Args:
        fig: the figure to draw on (cleared first).
        series: the charted series (labels, target, events).
        result: `build_chart(series, "p" | "xmr")`.
        markers: draw completed actions and chart notes as vertical lines.
        sigma_lines: also draw the faint 2σ lines.

    Returns:
        The main chart axes.
    """
    fig.clear()
    grid = fig.add_gridspec(2, 2, width_ratios=(5.2, 1.0))
    ax = fig.add_subplot(grid[:, 0])
    scale = 100.0 if result.chart_type == "p" else 1.0
    raw = result.as_arrays(clip=(0.0, 100.0 / scale))  # clipped for drawing only; the rules used the raw limits
    arrays = {name: col if name == "phase" else col * scale for name, col in raw.items()}
    x = np.arange(len(result.points))
    for phase in result.phases:
        _draw_phase(ax, x, arrays, phase, sigma_lines)
    _draw_points(ax, x, arrays["value"], result.points)
    _draw_target(ax, series.target)
    _phase_titles(ax, series, result)
    if markers:
        _draw_events(ax, series)
    _finish_axes(ax, series, f"{series.name} — {CHART_NAMES[result.chart_type]} by {series.bucket}")
    _variation_icon(fig.add_subplot(grid[0, 1]), result)
    _assurance_icon(fig.add_subplot(grid[1, 1]), result)
    return ax


def draw_run_chart(fig: Figure, series: SpcSeries, result: PhasedRunChart | RunChartResult, *,
                   markers: bool = True) -> Axes:
    """Draw a run chart: the points, the median (one per cycle when rebased) and the Anhøj verdict.

    Args:
        fig: the figure to draw on (cleared first).
        series: the charted series.
        result: `build_chart(series, "run")`, or a plain `model.compare.spc.run_chart` of the series.
        markers: draw completed actions and chart notes as vertical lines.

    Returns:
        The chart axes.
    """
    if isinstance(result, RunChartResult):
        result = PhasedRunChart((RunPhase(0, series.n_buckets, "", result),), result)
    fig.clear()
    ax = fig.add_subplot()
    values = series.percent
    x = np.arange(values.size)
    ok = np.isfinite(values)
    ax.plot(x, values, color=LINE_GREY, linewidth=1.2, zorder=2)
    ax.scatter(x[ok], values[ok], s=30, color=GREY, zorder=3, gid=POINTS_GID)
    _draw_medians(ax, series, result)
    _draw_target(ax, series.target)
    if markers:
        _draw_events(ax, series)
    if result.overall.median is None:
        note = "No data yet"
    elif result.signal:
        note = "Non-random pattern (Anhøj rules)"
    else:
        note = "No non-random pattern (Anhøj rules)"
    ax.text(0.01, 0.02, note, transform=ax.transAxes, fontsize=8, color=PURPLE if result.signal else GREY)
    _finish_axes(ax, series, f"{series.name} — run chart by {series.bucket}")
    return ax


def _last_percent(series: SpcSeries, start: int, end: int) -> float:
    """The percentage at the last bucket with eligible cases in [start, end) (-inf if none)."""
    eligible = np.asarray(series.eligible[start:end])
    filled = np.flatnonzero(eligible > 0)
    if not len(filled):
        return float("-inf")
    last = filled[-1]
    return 100.0 * float(series.met[start + last]) / float(eligible[last])


def _draw_medians(ax: Axes, series: SpcSeries, result: PhasedRunChart) -> None:
    """One median line across the chart, or a median segment per cycle with its divider and title."""
    if not result.rebased:
        if result.overall.median is not None:
            ax.axhline(result.overall.median, color=MEAN_COLOUR, linewidth=1.2,
                       label=f"Median {result.overall.median:.1f}%")
        return
    for phase in result.phases:
        if phase.result.median is not None:
            ax.hlines(phase.result.median, phase.start - 0.4, phase.end - 0.6, color=MEAN_COLOUR, linewidth=1.2,
                      gid="phase-median", label="Median (per cycle)" if phase.start == 0 else None)  # type: ignore[arg-type]  # None: no legend entry (stubs say str)
            # The label sits at the segment's end, on the side away from the phase's last point,
            # so it never covers that point.
            below = _last_percent(series, phase.start, phase.end) >= phase.result.median
            ax.text(phase.end - 0.6, phase.result.median + (-1 if below else 1), f"{phase.result.median:.1f}%",
                    fontsize=7.5, ha="right", va="top" if below else "bottom", color=MEAN_COLOUR,
                    gid="phase-median-label")
        if phase.start > 0:
            ax.axvline(phase.start - 0.5, color=LINE_GREY, linewidth=0.8)
        cycle = next((c for c in reversed(series.cycle_starts) if c.bucket == phase.start), None)
        if cycle is not None:
            ax.text(phase.start - 0.4, 0.995, cycle.title, transform=ax.get_xaxis_transform(), fontsize=7.5,
                    va="top", ha="left", color=MEAN_COLOUR)


# --------------------------------------------------------------------------- chart parts


def _draw_phase(ax: Axes, x: np.ndarray, arrays: dict[str, np.ndarray], phase: Phase, sigma_lines: bool) -> None:
    """Mean and limits of one phase as steps, so a p-chart's limits follow each point's size.

    A phase with fewer than 8 points gets no limits at all (DOMAIN.md §5: read it as a run chart).
    """
    seg = slice(phase.start, phase.end)
    xs = x[seg]
    first = phase.start == 0
    ax.step(xs, arrays["mean"][seg], where="mid", color=MEAN_COLOUR, linewidth=1.2,
            label="Mean" if first else None)
    if phase.too_few_for_limits:
        ax.annotate(f"no limits: fewer than {LIMITS_BELOW} points", (xs[-1], 100.0), xytext=(0, 2),
                    textcoords="offset points", ha="right", va="bottom", fontsize=7, color=GREY, style="italic")
        return
    for name in ("lower", "upper"):
        ax.step(xs, arrays[name][seg], where="mid", color=GREY, linewidth=1.0, linestyle="--",
                label=("Process limits" if name == "upper" else None) if first else None)
    if sigma_lines:
        for name in ("lower_2sigma", "upper_2sigma"):
            ax.step(xs, arrays[name][seg], where="mid", color=GREY, linewidth=0.6, linestyle=":", alpha=0.6)
    if phase.trial and np.isfinite(arrays["upper"][seg]).any():
        top = np.nanmax(arrays["upper"][seg])
        ax.annotate("trial limits", (xs[-1], min(top, 100.0)), xytext=(0, 2), textcoords="offset points",
                    ha="right", va="bottom", fontsize=7, color=GREY, style="italic")


def _draw_points(ax: Axes, x: np.ndarray, values: np.ndarray, points: tuple[SpcPoint, ...]) -> None:
    ok = np.isfinite(values)
    ax.plot(x, values, color=LINE_GREY, linewidth=1.2, zorder=2)  # NaN leaves a gap in the line
    colours = [POINT_COLOURS[p.point_type] for p in points if not p.missing]
    ax.scatter(x[ok], np.clip(values[ok], 0, 100), s=34, c=colours, zorder=3, edgecolors="white",
               linewidths=0.5, gid=POINTS_GID)


def _draw_target(ax: Axes, target: float | None) -> None:
    if target is None:
        return
    ax.axhline(target, color=TARGET_RED, linestyle="--", linewidth=1.1, label=f"Target {target:g}%", gid="target")


def _phase_titles(ax: Axes, series: SpcSeries, result: SpcResult) -> None:
    """Name each rebased phase after the cycle that starts it, and draw a thin divider."""
    if len(result.phases) < 2:
        return
    for phase in result.phases:
        cycle = next((c for c in reversed(series.cycle_starts) if c.bucket == phase.start), None)
        if phase.start > 0:
            ax.axvline(phase.start - 0.5, color=LINE_GREY, linewidth=0.8)
        if cycle is not None:
            ax.text(phase.start - 0.4, 0.995, cycle.title, transform=ax.get_xaxis_transform(), fontsize=7.5,
                    va="top", ha="left", color=MEAN_COLOUR)


def _draw_events(ax: Axes, series: SpcSeries) -> None:
    for event in series.events:
        if event.bucket is None:
            continue
        colour = PURPLE if event.kind == "note" else "#005eb8"
        ax.axvline(event.bucket, color=colour, linestyle=":", linewidth=1.0, gid=f"event-{event.kind}")
        ax.text(event.bucket + 0.12, 2, _short(event.label), rotation=90, fontsize=7, color=colour,
                va="bottom", ha="left", transform=ax.transData)


def _finish_axes(ax: Axes, series: SpcSeries, title: str) -> None:
    n = series.n_buckets
    ax.set_ylim(-3, 112)  # 0–100% with room above for phase names, so points at 100% stay whole
    ax.set_yticks(range(0, 101, 20))
    ax.set_xlim(-0.6, max(n - 0.4, 0.6))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    step = max(1, math.ceil(n / MAX_TICKS))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks, [series.tick_labels[i] for i in ticks], rotation=45, ha="right", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylabel("Compliance", fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(axis="y", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        # Above the plot, right of the title, so it never hides a point.
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False, ncols=3,
                  borderaxespad=0.2)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MARKER_LABEL else text[: _MARKER_LABEL - 1].rstrip() + "…"


# --------------------------------------------------------------------------- MDC icons


def _icon_axes(ax: Axes) -> None:
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.9, 1.25)
    ax.set_aspect("equal")
    ax.axis("off")


def _variation_icon(ax: Axes, result: SpcResult) -> None:
    """The variation icon: the type of the latest point (and its side, H or L)."""
    _icon_axes(ax)
    kind = result.variation
    if kind is None or _too_few(result):
        text = "No data" if kind is None else f"No variation icon\n(fewer than {LIMITS_BELOW}\npoints for limits)"
        ax.text(0, 0, text, ha="center", va="center", fontsize=7, color=GREY)
        return
    colour = POINT_COLOURS[kind]
    ax.add_patch(Circle((0, 0), 1.0, facecolor="white", edgecolor=colour, linewidth=2.2))
    last = next(p for p in reversed(result.points) if not p.missing)
    letter = "" if kind == "common_cause" else ("H" if last.side == "high" else "L")
    _squiggle(ax, kind, last.side)
    if letter:
        ax.text(0.42, 0.45, letter, ha="center", va="center", fontsize=10, fontweight="bold", color=colour)
    text = VARIATION_TEXT[kind]
    if letter:
        text += f"\n({'high' if letter == 'H' else 'low'})"
    ax.text(0, -1.2, text, ha="center", va="top", fontsize=7, color=MEAN_COLOUR, wrap=True)


def _squiggle(ax: Axes, kind: str, side: str | None) -> None:
    """A small line of points inside the icon: flat and grey, or ending high or low in colour."""
    t = np.linspace(-0.7, 0.7, 7)
    y = 0.18 * np.sin(t * 6.0) - 0.15
    colours = [GREY] * t.size
    if kind != "common_cause":
        lift = 0.45 if side == "high" else -0.45
        y[-3:] += lift
        colours[-3:] = [POINT_COLOURS[kind]] * 3
    if kind == "common_cause":
        ax.text(0, 0.42, "~", ha="center", va="center", fontsize=16, color=GREY, fontweight="bold")
    ax.plot(t, y, color=GREY, linewidth=1.0)
    ax.scatter(t, y, s=9, c=colours, zorder=3)


def _assurance_icon(ax: Axes, result: SpcResult) -> None:
    """The assurance icon: pass (P), fail (F) or hit and miss (?); none without a target."""
    _icon_axes(ax)
    if result.assurance is None or _too_few(result):
        why = "no target" if result.target is None else "too few points" if _too_few(result) else "no direction"
        ax.text(0, 0, f"No assurance\nicon ({why})", ha="center", va="center", fontsize=7, color=GREY)
        return
    colour, letter, text = ASSURANCE_STYLE[result.assurance]
    ax.add_patch(Circle((0, 0), 1.0, facecolor="white", edgecolor=colour, linewidth=2.2))
    ax.plot([-0.7, 0.7], [-0.35, -0.35], color=TARGET_RED, linestyle="--", linewidth=1.0)  # the target
    ax.text(0, 0.2, letter, ha="center", va="center", fontsize=16, fontweight="bold", color=colour)
    ax.text(0, -1.2, text, ha="center", va="top", fontsize=7, color=MEAN_COLOUR, wrap=True)


def _too_few(result: SpcResult) -> bool:
    """The current phase has too few points for limits, so neither icon can be given."""
    phase = result.current_phase
    return phase is not None and phase.too_few_for_limits
