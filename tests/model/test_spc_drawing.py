"""Drawing SPC and run charts in the Making Data Count style (matplotlib OO API, Agg)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from model.compare.spc import SpcResult, run_chart
from model.compare.spc_drawing import ASSURANCE_STYLE, BLUE, GREY, ORANGE, POINTS_GID, draw_run_chart, draw_spc
from model.compare.spc_series import SpcSeries, series_from_answers
from model.compare.spc_series_charts import PhasedRunChart, build_chart
from tests.model.shared_facts import monthly_facts


def _series(months: list[tuple[str, int, int]], **kwargs: object) -> SpcSeries:
    rows = []
    for month, met, eligible in months:
        rows.append({"cycle_id": 1, "outcome": "met", "case_date": f"{month}-15", "n": met})
        rows.append({"cycle_id": 1, "outcome": "not_met", "case_date": f"{month}-15", "n": eligible - met})
    return series_from_answers(pd.DataFrame(rows), name="Risk assessed", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def example(shared_data: Path) -> SpcSeries:
    with open(shared_data / "monthly_compliance_example.csv", newline="") as fh:
        months = [(r["month"], int(r["met"]), int(r["eligible"])) for r in csv.DictReader(fh)]
    change = str(monthly_facts()["change"])  # the README's intervention month
    cycles = [(1, 1, "Cycle 1 (baseline)", f"{months[0][0]}-01"), (2, 2, "Cycle 2 (re-audit)", f"{change}-01")]
    return _series(months, target=95, improvement="increase", cycles=cycles,
                   events=[(f"{change}-01", "New admission proforma", "action", None)])


def _figure() -> Figure:
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _points(ax: Axes) -> PathCollection:
    (points,) = [c for c in ax.collections if c.get_gid() == POINTS_GID]
    return points


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_special_cause_points_are_coloured_and_icons_labelled(example: SpcSeries) -> None:
    result = build_chart(example, "p", rebase=False)
    assert isinstance(result, SpcResult)
    fig = _figure()
    ax = draw_spc(fig, example, result)
    fig.canvas.draw()
    points = _points(ax)
    assert len(points.get_offsets()) == 30
    colours = [tuple(c) for c in points.get_facecolors()]
    expected = [to_rgba({"common_cause": GREY, "special_cause_improvement": BLUE,
                         "special_cause_concern": ORANGE}[p.point_type]) for p in result.points]
    assert colours == expected
    assert colours[-1] == to_rgba(BLUE) and to_rgba(ORANGE) in colours  # early months sit low: concern
    np.testing.assert_allclose(points.get_offsets()[:, 1], [p.value * 100 for p in result.points])
    texts = _texts(fig)
    assert "Special cause improvement\n(high)" in texts and "H" in texts
    _colour, letter, label = ASSURANCE_STYLE[result.assurance]  # 95% against the last month's limits
    assert {label, letter} <= set(texts)
    (target,) = [line for line in ax.get_lines() if line.get_gid() == "target"]
    assert set(target.get_ydata()) == {95.0} and target.get_color() == "#de1b1b"
    assert any(line.get_gid() == "event-action" for line in ax.get_lines())
    assert "New admission proforma" in texts
    assert ax.get_ylim() == (-3, 112) and "%" in ax.get_yticklabels()[-1].get_text()


def test_rebased_chart_draws_each_phase_and_trial_limits(example: SpcSeries) -> None:
    result = build_chart(example, "p")
    assert isinstance(result, SpcResult) and [ph.trial for ph in result.phases] == [False, True]
    fig = _figure()
    ax = draw_spc(fig, example, result)
    texts = _texts(fig)
    assert texts.count("trial limits") == sum(ph.trial for ph in result.phases) == 1  # the shorter second phase
    assert {"Cycle 1 (baseline)", "Cycle 2 (re-audit)"} <= set(texts)
    assert "Common cause variation" in texts
    means = [line for line in ax.get_lines() if line.get_label() == "Mean" or line.get_color() == "#231f20"]
    levels = sorted({round(float(y), 3) for line in means for y in line.get_ydata() if np.isfinite(y)})
    assert levels == [pytest.approx(100 * result.phases[0].mean, abs=1e-3),
                      pytest.approx(100 * result.phases[1].mean, abs=1e-3)]


def test_limits_beyond_100_percent_are_clipped_only_when_drawing() -> None:
    months = [(f"2024-{m:02d}", met, 10) for m, met in zip(range(1, 13), [10, 6, 10, 7, 10, 6, 9, 10, 6, 10, 7, 10],
                                                          strict=True)]
    s = _series(months, target=90)
    result = build_chart(s, "xmr", rebase=False)
    assert isinstance(result, SpcResult) and result.points[0].upper > 100
    fig = _figure()
    ax = draw_spc(fig, s, result, sigma_lines=True)
    drawn = [y for line in ax.get_lines() if line.get_linestyle() in ("--", ":") and line.get_gid() != "target"
             for y in line.get_ydata() if np.isfinite(y)]
    assert max(drawn) == 100.0 and min(drawn) >= 0.0


def test_gaps_and_missing_assurance() -> None:
    months = [(f"2024-{m:02d}", 8, 10 + m % 3) for m in (1, 2, 3, 5, 6, 7, 8, 9, 10)]
    s = _series(months)  # no target
    result = build_chart(s, "p")
    fig = _figure()
    ax = draw_spc(fig, s, result)
    assert s.n_buckets == 10 and len(_points(ax).get_offsets()) == 9
    assert "No assurance\nicon (no target)" in _texts(fig)
    assert not any(line.get_gid() == "target" for line in ax.get_lines())
    assert ax.get_xticklabels()[0].get_text() == "Jan 2024"


def test_run_chart_draws_points_median_and_signal_note() -> None:
    values = [(f"2024-{m:02d}", 5 + (m > 6) * 4, 10) for m in range(1, 13)]
    s = _series(values, target=80)
    chart = build_chart(s, "run")
    assert isinstance(chart, PhasedRunChart) and not chart.rebased
    result = chart.overall
    fig = _figure()
    ax = draw_run_chart(fig, s, chart)
    assert len(_points(ax).get_offsets()) == 12
    labels = [line.get_label() for line in ax.get_lines()]
    assert f"Median {result.median:.1f}%" in labels and "Target 80%" in labels
    note = "Non-random pattern (Anhøj rules)" if result.signal else "No non-random pattern (Anhøj rules)"
    assert note in _texts(fig)
    plain = draw_run_chart(_figure(), s, run_chart(s.percent))  # a bare run_chart result still draws
    assert f"Median {result.median:.1f}%" in [line.get_label() for line in plain.get_lines()]


def test_rebased_run_chart_draws_a_median_segment_per_cycle(example: SpcSeries) -> None:
    chart = build_chart(example, "run")
    assert isinstance(chart, PhasedRunChart) and chart.rebased
    fig = _figure()
    ax = draw_run_chart(fig, example, chart)
    segments = [c for c in ax.collections if c.get_gid() == "phase-median"]
    assert len(segments) == len(chart.phases) == 2
    for segment, phase in zip(segments, chart.phases, strict=True):
        (start, level), (end, level_end) = segment.get_segments()[0]
        assert level == level_end == pytest.approx(phase.result.median)
        assert phase.start - 0.5 < start < end < phase.end - 0.5
    assert not any(str(line.get_label()).startswith("Median ") for line in ax.get_lines())  # no overall median
    medians = {f"{p.result.median:.1f}%" for p in chart.phases}
    assert {"Cycle 1 (baseline)", "Cycle 2 (re-audit)"} | medians <= set(_texts(fig))


def test_a_cycle_median_label_sits_away_from_the_cycles_last_point(example: SpcSeries) -> None:
    chart = build_chart(example, "run")
    fig = _figure()
    ax = draw_run_chart(fig, example, chart)
    labels = [t for t in ax.texts if t.get_gid() == "phase-median-label"]
    assert len(labels) == len(chart.phases) == 2
    for label, phase in zip(labels, chart.phases, strict=True):
        last = next(100 * m / e for m, e in zip(example.met[phase.start:phase.end][::-1],
                                                 example.eligible[phase.start:phase.end][::-1], strict=True) if e)
        above = label.get_position()[1] > phase.result.median
        assert above == (last < phase.result.median), (phase.result.median, last)
        assert label.get_va() == ("bottom" if above else "top")


def test_svg_and_png_export(example: SpcSeries) -> None:
    fig = _figure()
    draw_spc(fig, example, build_chart(example, "xmr"))  # type: ignore[arg-type]
    svg, png = io.BytesIO(), io.BytesIO()
    fig.savefig(svg, format="svg")
    fig.savefig(png, format="png", dpi=72)
    assert b"<svg" in svg.getvalue()[:500] and b"Hit and miss" in svg.getvalue()
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"



def test_a_phase_too_short_for_limits_gets_no_limits_and_no_icons() -> None:
    months = [(f"{2024 + i // 12}-{i % 12 + 1:02d}", 7 + i % 3, 10 + i % 2) for i in range(20)]
    cycles = [(1, 1, "Cycle 1 (baseline)", "2024-01-01"), (2, 2, "Cycle 2 (re-audit)", "2025-04-01")]
    s = _series(months, target=90, cycles=cycles)
    result = build_chart(s, "p")
    assert isinstance(result, SpcResult) and result.current_phase.too_few_for_limits
    fig = _figure()
    ax = draw_spc(fig, s, result)
    texts = _texts(fig)
    assert "no limits: fewer than 8 points" in texts
    assert "No variation icon\n(fewer than 8\npoints for limits)" in texts
    assert "No assurance\nicon (too few points)" in texts
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--" and line.get_gid() != "target"]
    assert dashed and max(max(line.get_xdata()) for line in dashed) < 15  # limits only in the first phase
