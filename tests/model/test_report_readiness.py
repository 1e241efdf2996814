"""The executive summary's "no more than a tenth of the length" is checked and given as a warning, not a gap."""

from __future__ import annotations

from datetime import date

import pytest

from model.demo import build_demo
from model.report.builder import build_report
from model.report.narrative import missing_for_final, save_section
from model.report.readiness import report_warnings, summary_words

TODAY = date(2026, 3, 5)
VTE_CYCLE_2 = 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("readiness") / "demo.sqlite")
    yield store
    store.close()


def test_a_summary_past_a_tenth_of_the_report_is_a_warning_not_a_gap(demo):
    db = demo.db
    save_section(db, VTE_CYCLE_2, "executive_summary", "Compliance improved on every ward this year. " * 50)
    total = len(build_report(db, VTE_CYCLE_2, today=TODAY).text().split())
    assert summary_words(build_report(db, VTE_CYCLE_2, today=TODAY)) == (350, total)
    assert total / 10 < 350  # the demo's report is some 2,000 words
    warnings = report_warnings(db, VTE_CYCLE_2, today=TODAY)
    assert len(warnings) == 1 and warnings[0].startswith("Warning (not required)")
    assert f"is 350 words, {round(35000 / total)}% of the report's {total:,}" in warnings[0]
    assert "no more than a tenth" in warnings[0]
    assert not [g for g in missing_for_final(db, VTE_CYCLE_2, today=TODAY) if "summary" in g.lower()]


def test_a_short_or_unwritten_summary_raises_no_warning(demo):
    db = demo.db
    save_section(db, VTE_CYCLE_2, "executive_summary", "Compliance rose from 62% to 87%. Two actions follow.")
    assert summary_words(build_report(db, VTE_CYCLE_2, today=TODAY))[0] == 9
    assert report_warnings(db, VTE_CYCLE_2, today=TODAY) == []
    save_section(db, VTE_CYCLE_2, "executive_summary", "")
    assert summary_words(build_report(db, VTE_CYCLE_2, today=TODAY))[0] == 0
    assert report_warnings(db, VTE_CYCLE_2, today=TODAY) == []
