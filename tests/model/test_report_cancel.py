"""Cancel takes effect while a document is drawn, between charts and pages, not once drawing ends:
no file is written (one already at that name is left as it was) and nothing is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from matplotlib.figure import Figure

from model.core.progress import Cancelled, Progress
from model.demo import build_demo
from model.report.builder import build_report
from model.report.generate import generate_report, list_reports
from model.report.handouts import generate_handout

TODAY = date(2026, 3, 5)
VTE_CYCLE_2 = 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("cancel") / "demo.sqlite")
    yield store
    store.close()


@pytest.fixture
def saves(monkeypatch) -> list[str]:
    """Every Figure.savefig call (the slow part: a chart or a whole page drawn)."""
    calls: list[str] = []
    real = Figure.savefig

    def spy(self, fname, *args, **kwargs):
        calls.append(str(kwargs.get("format", "")))
        return real(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return calls


def cancel_on(prefix: str) -> tuple[Progress, list[str]]:
    """A Progress that is cancelled (as the dialog's button does) when a step starting with `prefix` is reported."""
    seen: list[str] = []

    def callback(_done: int, _total: int, text: str) -> None:
        seen.append(text)
        if text.startswith(prefix):
            progress.cancel()

    progress = Progress(callback)
    return progress, seen


@pytest.mark.parametrize(("kind", "name", "step"), [
    ("summary", "s.pdf", "Drawing the summary"), ("summary", "s.png", "Drawing the summary"),
    ("poster", "p.pdf", "Drawing the poster"), ("evidence", "e.pdf", "Laying out the page"),
    ("evidence", "e.docx", "Data quality and actions")])
def test_a_cancelled_handout_draws_no_page_and_leaves_no_file_and_no_record(demo, tmp_path, saves, kind, name, step):
    path = tmp_path / name
    before = len(list_reports(demo.db, VTE_CYCLE_2))
    progress, seen = cancel_on(step)
    with pytest.raises(Cancelled):
        generate_handout(demo.db, VTE_CYCLE_2, kind, path, today=TODAY, progress=progress)
    assert step in " ".join(seen)
    assert saves == [] and not path.exists()  # stopped before the page was saved, not after
    assert len(list_reports(demo.db, VTE_CYCLE_2)) == before
    path.write_bytes(b"an earlier file")
    with pytest.raises(Cancelled):
        generate_handout(demo.db, VTE_CYCLE_2, kind, path, today=TODAY, progress=cancel_on(step)[0])
    assert path.read_bytes() == b"an earlier file"


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_report_cancelled_at_its_first_chart_draws_no_other(demo, tmp_path, saves, fmt):
    from model.report.blocks import Chart

    charts = sum(isinstance(b, Chart) for b in build_report(demo.db, VTE_CYCLE_2, today=TODAY).blocks)
    assert charts >= 5
    progress, _ = cancel_on("Chart 1 of")
    with pytest.raises(Cancelled):
        generate_report(demo.db, VTE_CYCLE_2, fmt, tmp_path / f"r.{fmt}", today=TODAY, progress=progress)
    assert len(saves) == 1 and not (tmp_path / f"r.{fmt}").exists()


def test_a_pdf_report_cancelled_while_laid_out_stops_within_the_layout(demo, tmp_path, monkeypatch):
    from model.report import render_pdf

    progress = Progress()
    laid: list[object] = []
    real = render_pdf._Outline.__call__

    def count(self, template, flowable):
        laid.append(flowable)
        if len(laid) == 20:
            progress.cancel()
        return real(self, template, flowable)

    monkeypatch.setattr(render_pdf._Outline, "__call__", count)
    with pytest.raises(Cancelled):
        generate_report(demo.db, VTE_CYCLE_2, "pdf", tmp_path / "r.pdf", today=TODAY, progress=progress)
    assert len(laid) == 20 and not (tmp_path / "r.pdf").exists()
