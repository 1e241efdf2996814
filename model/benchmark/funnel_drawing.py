"""Draw a funnel plot for proportions onto a matplotlib Figure (OO API only, never pyplot).

x is the denominator, y the proportion in percent. The centre line is the funnel's target
(the national value when the file has a national row, else pooled); the 95% ("alert") and
99.8% ("alarm") limits are drawn as smooth curves over a grid of denominators, widened for
overdispersion when the result was adjusted. Points are coloured by flag, our organisation's
rows are highlighted and labelled, and our local audit result is a distinct marker.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from model.benchmark.benchmarks import FunnelResult, funnel_curve
from model.core import chart_text  # noqa: F401 - user text is drawn literally, never as maths

# Colours: NHS blue for the limits, grey for units within, orange/purple for outliers.
WITHIN, CENTRE, LIMIT_95, LIMIT_998 = "#a6a6a6", "#231f20", "#005eb8", "#003087"
FLAG_COLOURS = {
    "within": WITHIN,
    "alert_low": "#fab428",
    "alarm_low": "#de1b1b",
    "alert_high": "#41b6e6",
    "alarm_high": "#361475",
}
# Short, so the legend fits in two rows under a laptop-width chart.
FLAG_LABELS = {
    "within": "Within limits",
    "alert_low": "Alert, low",
    "alarm_low": "Alarm, low",
    "alert_high": "Alert, high",
    "alarm_high": "Alarm, high",
}
HIGHLIGHT, OURS = "#00a499", "#ed8b00"
# gids let tests and exporters find the artists.
POINTS_GID, HIGHLIGHT_GID, OURS_GID = "funnel-points", "funnel-highlight", "funnel-ours"
CENTRE_GID, LIMIT_95_GID, LIMIT_998_GID = "funnel-centre", "funnel-limit-95", "funnel-limit-998"


def _limit_grid(result: FunnelResult, extra_n: float | None) -> np.ndarray:
    """Whole denominators spanning the points (and our n), so the funnel fills the view."""
    ns = [p.n for p in result.points] + ([extra_n] if extra_n else [])
    low, top = max(1.0, min(ns) / 1.5), max(ns) * 1.1
    return np.unique(np.round(np.geomspace(low, max(top, low + 1), 300)))


def _draw_limits(ax: Axes, result: FunnelResult, grid: np.ndarray) -> None:
    mode = result.overdispersion if result.adjusted else None
    curve = funnel_curve(result.target, grid, overdispersion=mode, phi=result.phi, tau2=result.tau2)
    n = curve["n"].to_numpy()
    for lower, upper, colour, style, label, gid in (
        ("lower_95", "upper_95", LIMIT_95, "--", "95% limit", LIMIT_95_GID),
        ("lower_998", "upper_998", LIMIT_998, ":", "99.8% limit", LIMIT_998_GID),
    ):
        ax.plot(n, curve[lower] * 100, color=colour, linestyle=style, linewidth=1.2, label=label, gid=gid)
        ax.plot(n, curve[upper] * 100, color=colour, linestyle=style, linewidth=1.2, gid=gid)
    source = "national" if result.target_source == "given" else "pooled"
    ax.axhline(result.target * 100, color=CENTRE, linewidth=1.2, gid=CENTRE_GID,
               label=f"{source.capitalize()} {result.target * 100:.1f}%")


def _draw_points(ax: Axes, result: FunnelResult, labels: Sequence[str], highlight: Collection[str]) -> None:
    n = np.array([p.n for p in result.points])
    y = np.array([p.value for p in result.points]) * 100
    flags = np.array([p.flag for p in result.points])
    colours = [FLAG_COLOURS[f] for f in flags]
    ax.scatter(n, y, s=22, c=colours, edgecolors="white", linewidths=0.4, zorder=3, gid=POINTS_GID)
    for flag in FLAG_COLOURS:  # legend entries only for flags present
        if (flags == flag).any():
            ax.scatter([], [], s=22, c=FLAG_COLOURS[flag], label=FLAG_LABELS[flag])
    wanted = {str(h).upper() for h in highlight}
    ours = np.array([str(label).upper() in wanted for label in labels], dtype=bool)
    if ours.any():
        ax.scatter(n[ours], y[ours], s=90, facecolors="none", edgecolors=HIGHLIGHT, linewidths=2, zorder=4,
                   label="Our trust (published)", gid=HIGHLIGHT_GID)
        for x_i, y_i, text in zip(n[ours], y[ours], np.asarray(labels, dtype=object)[ours], strict=True):
            ax.annotate(str(text), (x_i, y_i), xytext=(6, 6), textcoords="offset points", fontsize=8,
                        color=HIGHLIGHT)


def draw_funnel(
    fig: Figure,
    result: FunnelResult,
    *,
    labels: Sequence[str],
    highlight_codes: Collection[str] = (),
    our_point: tuple[float, float] | None = None,
    title: str = "",
) -> Axes:
    """Draw the funnel plot of `result` on `fig` (cleared first).

    Args:
        fig: the figure.
        result: `model.benchmark.benchmarks.funnel(...)`.
        labels: one organisation code per point, in the result's order.
        highlight_codes: codes of our organisation's rows (highlighted and labelled).
        our_point: our local audit result as (denominator, proportion 0–1), drawn as a star.
        title: the chart title.

    Returns:
        The axes drawn on.
    """
    if len(labels) != len(result.points):
        raise ValueError("one label per funnel point is needed")
    fig.clear()
    ax = fig.add_subplot(1, 1, 1)
    _draw_limits(ax, result, _limit_grid(result, our_point[0] if our_point else None))
    _draw_points(ax, result, labels, highlight_codes)
    if our_point is not None:
        ax.scatter([our_point[0]], [our_point[1] * 100], marker="*", s=220, c=OURS, edgecolors=CENTRE,
                   linewidths=0.8, zorder=5, label="Our audit", gid=OURS_GID)
    ax.set_xscale("log")
    # Plain numbers (5, 10, 20, 50 …) read better than powers of ten for clinicians.
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Denominator (cases, log scale)")
    ax.set_ylabel("Proportion")
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=None))
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, -2), min(high, 102))
    ax.grid(True, color="#e8edee", linewidth=0.6)
    ax.set_title(_title(title, result), fontsize=10, loc="left")
    # Below the plot in two rows at most: a legend beside it took a third of a laptop-width chart.
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=max(1, math.ceil(len(names) / 2)),
               fontsize=7, frameon=False, handlelength=1.2, columnspacing=0.9)
    return ax


def _title(title: str, result: FunnelResult) -> str:
    if not result.overdispersion:
        return title
    phi = f"φ = {result.phi:.2f}" if result.phi is not None else "φ not estimable"
    tau = f", τ² = {result.tau2:.5f}" if result.tau2 is not None else ""
    state = "limits widened" if result.adjusted else "no overdispersion, limits not widened"
    return f"{title}\n{result.overdispersion.capitalize()} overdispersion: {phi}{tau} ({state})".strip()
