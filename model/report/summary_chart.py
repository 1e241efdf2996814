"""The one-page summary's key chart: compliance by criterion across cycles, with the target.

    draw_cycles_chart(fig, history, *, scale=1.0) -> Axes
    draw_key_chart(fig, summary, *, scale=1.0) -> None      the bars, or the SPC chart of a monthly series

`fig` is a `Figure` or a `SubFigure` (the summary page draws the chart into part of itself,
so the PDF stays vector). Criteria are matched across cycles by lineage; each criterion has
one bar per cycle (earlier cycles grey, the latest NHS blue), the Wilson 95% interval as a
whisker and the target as a black mark. A criterion without data in a cycle is written as
"no data", never drawn as 0%. Axes are labelled and the measure is named for a poster.
"""

from __future__ import annotations

import math
import textwrap
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from model.compare.spc import SpcResult
from model.compare.spc_drawing import draw_run_chart, draw_spc
from model.core import chart_text  # noqa: F401 - user text is drawn literally, never as maths
from model.report.summary_content import SummaryData
from model.results.narrative import format_pct
from model.results.result_charts import TARGET_COLOUR

LATEST = "#005EB8"
EARLIER = ("#AEB7BD", "#768692", "#425563")


def _colours(count: int) -> list[str]:
    earlier = [EARLIER[i % len(EARLIER)] for i in range(count - 1)]
    return [*earlier, LATEST]


def draw_cycles_chart(fig: FigureBase, history: list[tuple[str, pd.DataFrame]], *, scale: float = 1.0) -> Axes:
    """Grouped horizontal bars: each criterion's compliance in every cycle, with its target.

    Args:
        fig: the figure or subfigure to draw on.
        history: (cycle title, `cycle_results(...).table`) per cycle, oldest first.
        scale: multiplies every font size (1 = an A4 page).

    Returns:
        The axes (one bar patch per criterion and cycle with data).
    """
    ax = fig.add_subplot(111)
    lineages: list[str] = []
    names: dict[str, str] = {}
    for _, table in history:
        for r in table.itertuples():
            if r.lineage not in names:
                lineages.append(str(r.lineage))
            names[str(r.lineage)] = str(r.short_name)  # the latest cycle's name
    if not lineages:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No results yet: no criteria in this cycle", ha="center", va="center",
                fontsize=14 * scale, color="#425563", transform=ax.transAxes)
        return ax
    count = len(history)
    height = 0.8 / count
    colours = _colours(count)
    y_base = np.arange(len(lineages), dtype=float)
    for k, (_title, table) in enumerate(history):
        by = {str(r.lineage): r for r in table.itertuples()}
        for i, lineage in enumerate(lineages):
            y = y_base[i] - 0.4 + height * (k + 0.5)
            row = by.get(lineage)
            value = float(row.compliance) if row is not None else math.nan
            if math.isnan(value):
                ax.text(1, y, "no data", va="center", fontsize=9 * scale, color="#425563", style="italic")
                continue
            ax.barh(y, value * 100, height=height * 0.9, color=colours[k])
            lo, hi = float(row.ci_lower) * 100, float(row.ci_upper) * 100  # type: ignore[union-attr]
            ax.errorbar(value * 100, y, xerr=[[value * 100 - lo], [hi - value * 100]], fmt="none",
                        ecolor="#231F20", elinewidth=1.0 * scale, capsize=3 * scale)
            inside = value * 100 >= 12
            # At the foot of the bar, clear of the whisker and the target mark.
            ax.text(1.2 if inside else max(hi, value * 100) + 1.5, y, format_pct(value), va="center", ha="left",
                    fontsize=11 * scale, fontweight="bold",
                    color="white" if inside and k == count - 1 else "#231F20")
    latest = {str(r.lineage): r for r in history[-1][1].itertuples()}
    for i, lineage in enumerate(lineages):
        row = latest.get(lineage)
        target = float(row.target) if row is not None else math.nan
        if not math.isnan(target):
            ax.plot([target, target], [y_base[i] - 0.45, y_base[i] + 0.45], color=TARGET_COLOUR,
                    linewidth=2.5 * scale, zorder=4)
    ax.set_yticks(y_base, [textwrap.fill(names[x], 22) for x in lineages], fontsize=11 * scale)
    ax.set_ylim(len(lineages) - 0.5, -0.5)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)], fontsize=10 * scale)
    ax.set_xlabel("Compliance (% of eligible cases meeting the criterion)", fontsize=11 * scale)
    ax.grid(axis="x", color="#d8dde0", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(color=c, label=t) for c, (t, _) in zip(colours, history, strict=True)]
    handles.append(Patch(color=TARGET_COLOUR, label="Target"))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles), frameon=False,
              fontsize=10 * scale, handlelength=1.2 * scale if scale < 1 else 1.2)
    return ax


def _enlarge(fig: FigureBase, factor: float) -> None:
    """Scale the SPC chart's text (drawn for a screen) for a projected page, title above the legend."""
    for text in fig.findobj(Text):
        text.set_fontsize(float(text.get_fontsize()) * factor)
    for line in fig.findobj(Line2D):
        line.set_linewidth(float(line.get_linewidth()) * max(1.0, factor / 1.3))
        line.set_markersize(float(line.get_markersize()) * max(1.0, factor / 1.3))
    main = fig.findobj(Axes)[0]  # the chart (the icons' axes come after it)
    main.set_title(main.get_title(loc="left"), loc="left", fontsize=10 * factor, pad=16 * factor)
    main.set_ylabel("Compliance (% of eligible cases)")


def draw_key_chart(fig: FigureBase, summary: SummaryData, *, scale: float = 1.0) -> None:
    """The summary's key chart: the SPC chart of a monthly series, else the bars across cycles."""
    part = summary.spc
    if part is not None and part.series is not None and part.result is not None:
        # draw_spc / draw_run_chart only use what a SubFigure also has (clear, add_gridspec, add_subplot).
        target = cast(Figure, fig)
        if isinstance(part.result, SpcResult):
            draw_spc(target, part.series, part.result)
        else:
            draw_run_chart(target, part.series, part.result)
        _enlarge(fig, 1.3 * scale)
        return
    draw_cycles_chart(fig, summary.history, scale=scale)
