"""The funnel plot drawing: points, highlighted rows, our marker, limit lines, SVG export."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from model.benchmark.benchmarks import funnel
from model.benchmark.funnel_drawing import (
    CENTRE_GID,
    HIGHLIGHT_GID,
    LIMIT_95_GID,
    LIMIT_998_GID,
    OURS_GID,
    POINTS_GID,
    draw_funnel,
)

X = [30, 20, 90, 35, 3]
N = [40, 50, 100, 50, 3]
CODES = ["RA101", "RA201", "RA301", "RT101", "RB101"]


def draw(**kwargs):
    fig = Figure(figsize=(7, 4))
    FigureCanvasAgg(fig)
    result = funnel(X, N, target=0.7, overdispersion=kwargs.pop("overdispersion", None))
    ax = draw_funnel(fig, result, labels=CODES, title="Falls risk", **kwargs)
    return fig, ax, result


def by_gid(ax, gid):
    return [a for a in [*ax.collections, *ax.lines] if a.get_gid() == gid]


def test_one_point_per_organisation_with_flag_colours():
    _, ax, result = draw()
    (points,) = by_gid(ax, POINTS_GID)
    offsets = points.get_offsets()
    assert len(offsets) == len(X)
    assert offsets[:, 0].tolist() == N
    assert np.asarray(offsets[:, 1]).tolist() == pytest.approx((np.array(X) / np.array(N) * 100).tolist())
    colours = {tuple(c) for c in points.get_facecolors()}
    assert len(colours) >= 2  # an alarm point differs from the within points
    assert [p.flag for p in result.points][1] == "alarm_low"


def test_highlight_and_our_marker():
    _, ax, _ = draw(highlight_codes={"rt101"}, our_point=(50, 0.88))
    (ring,) = by_gid(ax, HIGHLIGHT_GID)
    assert ring.get_offsets().tolist() == [[50.0, 70.0]]
    (ours,) = by_gid(ax, OURS_GID)
    assert np.asarray(ours.get_offsets()[0]).tolist() == pytest.approx([50, 88])
    assert any(t.get_text() == "RT101" for t in ax.texts)
    labels = ax.get_legend_handles_labels()[1]
    assert "Our audit" in labels and "Our trust (published)" in labels
    figure = ax.figure
    assert len(figure.legends) == 1 and ax.get_legend() is None  # under the plot, not beside it


def test_legend_fits_in_two_rows_under_a_laptop_width_plot():
    fig, ax, _ = draw(highlight_codes={"rt101"}, our_point=(50, 0.88))
    fig.set_layout_engine("constrained")
    fig.set_size_inches(6.4, 4.2)  # the chart's width beside the national files at 1366 px, 125%
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    plot = ax.get_window_extent()
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.width  # nothing cut off at either side
    assert legend.y1 <= plot.y0  # below the plot
    assert legend.height < 3 * 7 * fig.dpi / 72 * 1.6  # two rows of 7-point text, not a column


def test_limit_lines_and_centre():
    _, ax, _ = draw()
    assert len(by_gid(ax, LIMIT_95_GID)) == 2 and len(by_gid(ax, LIMIT_998_GID)) == 2
    lower_95, upper_95 = by_gid(ax, LIMIT_95_GID)
    assert (lower_95.get_ydata() < upper_95.get_ydata()).all()
    assert len(lower_95.get_xdata()) > 50  # a smooth curve, not one point per organisation
    (centre,) = by_gid(ax, CENTRE_GID)
    assert centre.get_ydata()[0] == pytest.approx(70)


def test_overdispersion_in_title():
    _, ax, result = draw(overdispersion="multiplicative")
    assert f"φ = {result.phi:.2f}" in ax.get_title(loc="left")


def test_labels_must_match_points():
    fig = Figure()
    with pytest.raises(ValueError):
        draw_funnel(fig, funnel(X, N), labels=CODES[:2])


def test_svg_and_png_export():
    fig, _, _ = draw(highlight_codes={"RT101"}, our_point=(50, 0.88))
    svg = io.BytesIO()
    fig.savefig(svg, format="svg")
    text = svg.getvalue().decode("utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert POINTS_GID in text and OURS_GID in text
    png = io.BytesIO()
    fig.savefig(png, format="png")
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
