"""Results charts drawn with matplotlib's object-oriented API (never pyplot).

`draw_compliance_bars` shows one cycle: compliance per criterion with Wilson 95% whiskers,
the target as a marker, bars in RAG colours. `draw_comparison` shows two cycles as a
dumbbell per criterion. A criterion with no met or not-met answer is written as "no data",
never drawn as a 0% bar.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from model.core import chart_text  # noqa: F401 - user text is drawn literally, never as maths
from model.results.cycle_results import CriterionComparison
from model.results.narrative import format_pct

# NHS identity colours; grey for a criterion without a target.
RAG_COLOURS = {"green": "#009639", "amber": "#ED8B00", "red": "#DA291C", None: "#768692"}
EARLIER_COLOUR = "#768692"
LATER_COLOUR = "#005EB8"
TARGET_COLOUR = "#231F20"
_LABEL_WIDTH = 26


def _wrap(label: str) -> str:
    return textwrap.fill(str(label), _LABEL_WIDTH)


def _prepare_axes(fig: Figure, labels: Sequence[str]) -> Axes:
    fig.clear()
    ax = fig.add_subplot(111)
    y = np.arange(len(labels))
    ax.set_yticks(y, [_wrap(x) for x in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first criterion at the top, as in the table
    ax.set_xlim(0, 105)
    ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
    ax.grid(axis="x", color="#d8dde0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def draw_compliance_bars(fig: Figure, results: pd.DataFrame, *, title: str = "") -> Axes:
    """Horizontal compliance bars with Wilson 95% whiskers, target markers and RAG colours.

    Args:
        fig: the figure to draw on (cleared first).
        results: a `criterion_results` frame (short_name, compliance, ci_lower, ci_upper,
            target, rag; proportions 0–1, target in percent).
        title: optional axes title.

    Returns:
        The axes drawn on; it holds exactly one bar patch per criterion with data.
    """
    ax = _prepare_axes(fig, list(results["short_name"]))
    pct = results["compliance"].to_numpy(dtype=float) * 100.0
    lower = results["ci_lower"].to_numpy(dtype=float) * 100.0
    upper = results["ci_upper"].to_numpy(dtype=float) * 100.0
    target = results["target"].to_numpy(dtype=float)
    has = ~np.isnan(pct)
    y = np.arange(len(results))
    colours = [RAG_COLOURS.get(r, RAG_COLOURS[None]) for r in results["rag"].where(results["rag"].notna(), None)]
    ax.barh(y[has], pct[has], height=0.6, color=[c for c, h in zip(colours, has, strict=True) if h])
    ax.errorbar(pct[has], y[has], xerr=[pct[has] - lower[has], upper[has] - pct[has]], fmt="none",
                ecolor="#425563", elinewidth=1.2, capsize=4)
    marked = ~np.isnan(target)
    ax.scatter(target[marked], y[marked], marker="|", s=400, linewidths=2.5, color=TARGET_COLOUR, zorder=3)
    for yi, value, hi, colour in zip(y.tolist(), pct, upper, colours, strict=True):
        if math.isnan(value):
            ax.text(1, yi, "no data (no met or not-met answers)", va="center", fontsize=9, color="#425563",
                    style="italic")
        elif value >= 15:  # inside the bar's start, clear of the whisker and the target marker
            ax.text(1.5, yi, format_pct(float(value) / 100.0, 1), va="center", fontsize=9, fontweight="bold",
                    color=TARGET_COLOUR if colour == RAG_COLOURS["amber"] else "white")
        else:
            ax.text(min(hi + 1.5, 101), yi, format_pct(float(value) / 100.0, 1), va="center", fontsize=9)
    ax.set_xlabel("Compliance (bars), 95% confidence interval (whiskers)")
    ax.legend(handles=_legend_handles(), loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, frameon=False,
              fontsize=8)
    if title:
        ax.set_title(title, loc="right", fontsize=10)
    return ax


def _legend_handles() -> list[Line2D]:
    handles = [Line2D([], [], marker="s", linestyle="", markersize=9, color=RAG_COLOURS[k], label=k.title())
               for k in ("green", "amber", "red")]
    handles.append(Line2D([], [], marker="|", linestyle="", markersize=12, markeredgewidth=2.5,
                          color=TARGET_COLOUR, label="Target"))
    return handles


def draw_comparison(fig: Figure, comparisons: Sequence[CriterionComparison]) -> Axes:
    """Dumbbells: each criterion's earlier and later compliance with their 95% intervals.

    Args:
        fig: the figure to draw on (cleared first).
        comparisons: from `model.results.cycle_results.compare_cycles`.

    Returns:
        The axes drawn on.
    """
    ax = _prepare_axes(fig, [c.name for c in comparisons])
    ax.set_xlim(0, 112)  # room for the change in points at the right
    for y, item in enumerate(comparisons):
        _draw_dumbbell(ax, y, item)
    labels = (comparisons[0].earlier_label, comparisons[0].later_label) if comparisons else ("Earlier", "Later")
    handles = [
        Line2D([], [], marker="o", color=EARLIER_COLOUR, markerfacecolor="white", label=labels[0]),
        Line2D([], [], marker="o", color=LATER_COLOUR, label=labels[1]),
        Line2D([], [], marker="|", linestyle="", markersize=12, markeredgewidth=2.5, color=TARGET_COLOUR,
               label="Target"),
    ]
    # A figure legend outside the axes: an axes legend above a narrow chart made the
    # constrained layout collapse the axes (seen at 1024 px wide).
    fig.legend(handles=handles, loc="outside upper center", ncol=3, frameon=False, fontsize=8)
    ax.set_xlabel("Compliance, 95% CI (earlier cycle above, later below)")
    return ax


def _draw_dumbbell(ax: Axes, y: int, item: CriterionComparison) -> None:
    c = item.comparison
    if item.target is not None:
        ax.scatter([item.target], [y], marker="|", s=400, linewidths=2.5, color=TARGET_COLOUR, zorder=2)
    if c is None or c.test_used == "none":
        ax.text(1, y, "no comparison (no data in one cycle)", va="center", fontsize=9, color="#425563",
                style="italic")
        return
    offsets = (-0.15, 0.15)
    points = ((c.p1, c.interval1, EARLIER_COLOUR, "white"), (c.p2, c.interval2, LATER_COLOUR, LATER_COLOUR))
    for dy, (p, (lo, hi), colour, face) in zip(offsets, points, strict=True):
        ax.errorbar([p * 100], [y + dy], xerr=[[(p - lo) * 100], [(hi - p) * 100]], fmt="o", color=colour,
                    markerfacecolor=face, markersize=7, capsize=3, elinewidth=1.2, zorder=3)
    ax.annotate("", xy=(c.p2 * 100, y + offsets[1]), xytext=(c.p1 * 100, y + offsets[0]),
                arrowprops={"arrowstyle": "->", "color": LATER_COLOUR, "lw": 1.2, "shrinkA": 5, "shrinkB": 5})
    ax.text(103, y, _points(c.difference), va="center", fontsize=8, color="#425563")


def _points(difference: float) -> str:
    value = round(difference * 100.0)
    return f"{'+' if value > 0 else ''}{value} pts".replace("-", "−")
