"""The PDF has no alt text (reportlab writes no tagged PDF), so each chart's text alternative is printed with it."""

from __future__ import annotations

from datetime import date

import pypdf
import pytest

from model.demo import build_demo
from model.report.blocks import Chart
from model.report.builder import build_report
from model.report.generate import generate_report

TODAY = date(2026, 3, 5)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("alt") / "demo.sqlite")
    yield store
    store.close()


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("cycle_id", [2, 6])  # VTE (bars, dumbbell, SPC); falls (bars, SPC, funnel)
def test_every_chart_is_read_out_in_words_beneath_it_in_the_pdf(demo, tmp_path, cycle_id):
    doc = build_report(demo.db, cycle_id, today=TODAY)
    charts = [b for b in doc.blocks if isinstance(b, Chart)]
    reader = pypdf.PdfReader(str(generate_report(demo.db, cycle_id, "pdf", tmp_path / "r.pdf", today=TODAY).path))
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    described = 0
    for chart in charts:
        caption = text.index(_flat(chart.caption))
        if chart.described_below:  # the reading is the paragraph that follows the chart
            after = doc.blocks[doc.blocks.index(chart) + 1]
            assert _flat(chart.alt_text).endswith(_flat(after.text.split(": ", 1)[1]))
            assert text.index(_flat(after.text)[:120], caption) - caption < len(chart.caption) + 20
            described += 1
        else:
            assert text.index("Text version: " + _flat(chart.alt_text), caption) - caption < len(chart.caption) + 20
    assert text.count("Text version: ") == len(charts) - described and described >= 1
    assert any("Funnel plot" in c.alt_text for c in charts) == (cycle_id == 6)


def test_the_running_header_always_ends_with_the_status():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from model.report.render_pdf import running_header

    long = running_header("Northcote Vale Teaching Hospitals NHS Foundation Trust",
                          "VTE risk assessment and prophylaxis in medical admissions, re-audit", "DRAFT")
    assert long.endswith("… · DRAFT")
    assert long.startswith("Northcote Vale Teaching Hospitals NHS Foundation Trust · VTE risk")
    assert stringWidth(long, "AuditLoopSans", 7.5) <= (210 - 36) / 25.4 * 72
    assert running_header("Trust", "Short", "Final") == "Trust · Short · Final"
