"""Tests for model.results.result_charts: bars per criterion, no-data handling, comparison dumbbells."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from model.core.stats import compare_proportions
from model.results.compliance import criterion_results
from model.results.cycle_results import CriterionComparison
from model.results.result_charts import RAG_COLOURS, draw_comparison, draw_compliance_bars


def results_frame() -> pd.DataFrame:
    rows = []
    for crit, (met, not_met, exc) in {"A": (58, 13, 0), "B": (0, 0, 5), "C": (45, 5, 0)}.items():
        rows += [(crit, "met")] * met + [(crit, "not_met")] * not_met + [(crit, "exception")] * exc
    answers = pd.DataFrame(rows, columns=["criterion_id", "outcome"])
    answers["case_id"] = range(len(answers))
    criteria = [{"criterion_id": c, "short_name": f"Criterion {c}", "target": 95} for c in "ABC"]
    return criterion_results(answers, criteria)


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_one_bar_per_criterion_with_data_and_no_bar_for_no_data():
    fig = Figure()
    ax = draw_compliance_bars(fig, results_frame())
    drawn = bars(ax)
    assert len(drawn) == 2  # B has only exceptions: no bar, not a 0% bar
    widths = sorted(round(b.get_width(), 1) for b in drawn)
    assert widths == [81.7, 90.0]
    assert {round(b.get_y() + b.get_height() / 2) for b in drawn} == {0, 2}
    texts = [t.get_text() for t in ax.texts]
    assert any("no data" in t for t in texts)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Criterion A", "Criterion B", "Criterion C"]


def test_bars_use_rag_colours_and_show_targets():
    fig = Figure()
    ax = draw_compliance_bars(fig, results_frame())
    colours = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars(ax)}
    from matplotlib.colors import to_rgb

    assert colours == {tuple(np.round(to_rgb(RAG_COLOURS["red"]), 3)), tuple(np.round(to_rgb(RAG_COLOURS["amber"]), 3))}
    targets = ax.collections[-1].get_offsets()
    assert [tuple(t) for t in np.asarray(targets)] == [(95.0, 0.0), (95.0, 1.0), (95.0, 2.0)]


def test_whiskers_are_wilson_intervals():
    fig = Figure()
    frame = results_frame()
    ax = draw_compliance_bars(fig, frame)
    segments = [seg for coll in ax.collections for seg in getattr(coll, "get_segments", list)()]
    horizontal = sorted((round(s[0][0], 2), round(s[1][0], 2)) for s in segments if s[0][1] == s[1][1])
    expected = sorted((round(lo * 100, 2), round(hi * 100, 2)) for lo, hi in
                      zip(frame["ci_lower"], frame["ci_upper"], strict=True) if not math.isnan(lo))
    assert horizontal == expected


def test_renders_into_agg_canvas():
    fig = Figure(figsize=(6, 3), layout="constrained")
    canvas = FigureCanvasAgg(fig)
    draw_compliance_bars(fig, results_frame(), title="Cycle 2")
    buffer = io.BytesIO()
    canvas.print_png(buffer)
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert canvas.get_width_height() == (600, 300)


def comparison(name: str, counts: tuple[int, int, int, int] | None) -> CriterionComparison:
    result = compare_proportions(*counts) if counts else None
    return CriterionComparison(name, name, 95.0, "Cycle 1", "Cycle 2", result, "", "", "", "", "")


def test_comparison_dumbbells_and_legend():
    fig = Figure(layout="constrained")
    FigureCanvasAgg(fig)
    ax = draw_comparison(fig, [comparison("A", (31, 50, 45, 52)), comparison("B", None)])
    lines = [line for line in ax.lines if line.get_marker() == "o"]  # the two cycles, not the caps
    points = sorted(round(float(line.get_xdata()[0]), 1) for line in lines)
    assert points == [62.0, 86.5]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Cycle 1", "Cycle 2", "Target"]
    texts = [t.get_text() for t in ax.texts]
    assert "+25 pts" in texts and any("no comparison" in t for t in texts)
    fig.canvas.draw()  # draws without error


def test_user_text_with_dollar_signs_draws_literally():
    import model.benchmark.funnel_drawing  # noqa: F401 - each drawing module switches maths parsing off
    import model.compare.spc_drawing  # noqa: F401

    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title("Cost $x_$ per case")  # matplotlib would try (and fail) to parse this as maths
    fig.canvas.draw()
    assert ax.get_title() == "Cost $x_$ per case"
