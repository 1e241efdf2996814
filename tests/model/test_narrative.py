"""Tests for model.results.narrative: DOMAIN.md §4 sentences, p and percentage formatting."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.core.stats import compare_proportions
from model.results.narrative import (
    describe_change,
    describe_compliance,
    describe_difference,
    describe_test,
    format_p,
    format_pct,
)


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "p < 0.001"),
        (0.0, "p < 0.001"),
        (0.001, "p = 0.001"),
        (0.004472, "p = 0.004"),
        (0.0089, "p = 0.009"),
        (0.0593, "p = 0.059"),
        (0.05, "p = 0.050"),
        (0.0995, "p = 0.10"),
        (0.15495, "p = 0.16"),
        (0.5234, "p = 0.52"),
        (1.0, "p = 1.00"),
        (float("nan"), "p not available"),
        (None, "p not available"),
    ],
)
def test_format_p(p: float | None, text: str) -> None:
    assert format_p(p) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(0.62, 0, "62%"), (58 / 71, 1, "81.7%"), (0.865, 0, "87%"), (0.125, 0, "13%"), (0.145, 0, "15%"),
     (1.0, 0, "100%"), (0.0, 1, "0.0%"), (float("nan"), 0, "—"), (None, 0, "—")],
)
def test_format_pct(value: float | None, decimals: int, text: str) -> None:
    assert format_pct(value, decimals) == text


def test_describe_compliance_domain_template() -> None:
    assert describe_compliance(58, 13, 95) == (
        "81.7% met the standard (95% CI 71–89%), below the 95% target. Even the upper end of the "
        "interval is below target, so the shortfall is real, not sampling noise."
    )


def test_describe_compliance_within_noise() -> None:
    text = describe_compliance(45, 5, 95)  # 90%, CI 79–96%: the target is inside
    assert text.startswith("90.0% met the standard (95% CI 79–96%), below the 95% target.")
    assert "could be sampling noise" in text


def test_describe_compliance_above_target() -> None:
    clear = describe_compliance(199, 1, 90)
    assert clear.startswith("99.5% met the standard (95% CI 97–100%), meeting the 90% target.")
    assert "Even the lower end of the interval is at or above target." in clear
    assert "cannot show that the target is met consistently" in describe_compliance(19, 1, 90)


def test_describe_compliance_no_answers_and_no_target() -> None:
    assert "—" in describe_compliance(0, 0, 95)
    assert "no case had a met or not-met answer" in describe_compliance(0, 0, 95)
    text = describe_compliance(1, 0, None)
    assert text.startswith("100.0% met the standard (95% CI 21–100%). No target is set")
    assert text.endswith("Based on only 1 case.")


@pytest.mark.parametrize(
    ("met", "not_met", "fragment"),
    [
        (30, 70, "above the 5% ceiling. Even the lower end of the interval is above the ceiling"),
        (3, 27, "above the 5% ceiling. The interval includes the ceiling"),
        (0, 200, "within the 5% ceiling. Even the upper end of the interval is within it."),
        (1, 49, "within the 5% ceiling. The interval reaches above the ceiling"),
    ],
)
def test_describe_compliance_ceiling(met: int, not_met: int, fragment: str) -> None:
    text = describe_compliance(met, not_met, 5, direction="lower")
    assert "of eligible cases had this" in text
    assert fragment in text


def test_describe_change_domain_rise() -> None:
    assert describe_change(compare_proportions(31, 50, 45, 52)) == (
        "Compliance rose from 62% (95% CI 48–74%) to 87% (75–93%). A rise this large is unlikely "
        "to be due to chance alone (p = 0.004)."
    )


def test_describe_change_domain_no_clear_change() -> None:
    text = describe_change(compare_proportions(7, 12, 11, 12))
    assert text.startswith(
        "No clear change: 58% → 92% on 12 cases per cycle (p = 0.16). With samples this small only "
        "very large changes can be shown; consider a larger re-audit sample."
    )
    assert "Only a change of about 50 percentage points could be detected reliably." in text


def test_describe_change_fall_and_large_samples() -> None:
    assert describe_change(compare_proportions(45, 52, 31, 50)).startswith("Compliance fell from 87%")
    text = describe_change(compare_proportions(300, 500, 310, 500))
    assert text.startswith("No clear change: 60% → 62% on 500 cases per cycle (p = 0.52).")
    assert "could reliably detect a change of about 10 percentage points" in text


def test_describe_change_edges() -> None:
    assert describe_change(compare_proportions(0, 0, 3, 4)) == (
        "No comparison possible: the first cycle has no met or not-met answers."
    )
    assert "second cycle" in describe_change(compare_proportions(3, 4, 0, 0))
    same = describe_change(compare_proportions(12, 12, 12, 12))
    assert same.startswith("No clear change: 100% → 100% on 12 cases per cycle (p = 1.00).")
    single = describe_change(compare_proportions(1, 1, 0, 1))
    assert "on 1 case per cycle" in single and "Not even a change" in single
    assert "on 10 and 20 cases" in describe_change(compare_proportions(5, 10, 12, 20))


def test_describe_difference_and_test() -> None:
    big = compare_proportions(31, 50, 45, 52)
    assert describe_difference(big) == "+24.5 points (95% CI 7.6 to 40.0)"
    assert describe_difference(compare_proportions(7, 12, 11, 12)) == "+33.3 points (95% CI −1.8 to 60.6)"
    assert describe_difference(compare_proportions(0, 0, 1, 2)) == "—"
    assert describe_test(big).startswith("Indicative test: χ² test without continuity correction")
    assert "Fisher's exact test" in describe_test(compare_proportions(7, 12, 11, 12))
    assert describe_test(compare_proportions(0, 0, 1, 2)).startswith("No test was possible")


counts = st.integers(0, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(counts, counts)
def test_sentences_never_claim_significance_and_always_give_numbers(
    a: tuple[int, int], b: tuple[int, int]
) -> None:
    r = compare_proportions(a[0], a[1], b[0], b[1])
    change = describe_change(r)
    assert "significant" not in change.lower()
    if r.test_used != "none":
        assert "p " in change and "%" in change
    target_text = describe_compliance(a[0], a[1] - a[0], 90)
    assert "significant" not in target_text.lower()
    assert ("—" in target_text) == (a[1] == 0)
    assert not math.isnan(r.p_value) or r.test_used == "none"


def test_format_pct_accepts_numpy_floats() -> None:
    import numpy as np

    from model.results.narrative import format_pct

    assert format_pct(np.float64(0.8832)) == "88%"
