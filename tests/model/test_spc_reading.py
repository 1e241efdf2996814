"""The plain-English reading under SPC charts (DOMAIN.md §4–§5)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from model.compare.spc import p_chart, run_chart, xmr
from model.compare.spc_reading import read_chart
from tests.model.shared_facts import monthly_facts

MONTHS = [72, 75, 70, 74, 71, 73, 69, 76, 72, 74, 80, 82, 81, 83, 85, 84, 86, 82]


def test_worked_example_one_phase_reads_as_improvement_with_rebase_advice() -> None:
    text = read_chart(xmr(MONTHS, improvement="increase", target=95))
    assert text.startswith(
        "The last 8 months, since month 11, are all above the mean (77.2%): "
        "a real improvement (special cause), not chance."
    )
    assert "Earlier signals in this period: months 1–10 (concern)." in text
    assert "deliberately changed around month 11, rebase there" in text
    assert text.endswith(
        "The target of 95% is above the upper process limit (85.6%), so the process will "
        "consistently miss it unless it changes."
    )
    assert "trial" not in text


def test_worked_example_rebased_reads_common_cause_with_trial_limits() -> None:
    result = xmr(MONTHS, improvement="increase", target=80, rebase=(10,))
    text = read_chart(result, phase_labels=["baseline", "the new admission proforma"])
    assert text.startswith("The limits were recalculated from the new admission proforma (month 11)")
    assert "trial limits, based on only 8 months (fewer than 15)" in text
    assert "No signal: the variation is what this process normally produces (common cause)." in text
    assert "Expect values between 77.6% and 88.2%, around the mean of 82.9%" in text
    assert text.endswith(
        "The target of 80% is within the process limits (77.6%–88.2%), so it will be hit and "
        "missed unless the process changes."
    )


def test_fixed_baseline_reads_shift_and_consistent_pass() -> None:
    text = read_chart(xmr(MONTHS, improvement="increase", target=60, fixed_limits_from=10))
    assert "trial limits, based on only 10 months" in text
    assert "The last 9 months, since month 10, are all above the mean (72.6%): a real improvement" in text
    assert (
        "The target of 60% is below the lower process limit (62.6%), so the process will "
        "consistently meet it." in text
    )


def test_latest_point_outside_limits_names_limit_and_date() -> None:
    dates = [f"M{i + 1}" for i in range(17)]
    text = read_chart(xmr(MONTHS[:17], improvement="increase"), dates=dates)
    assert text.startswith("The latest month (M17, 86%) is above the upper process limit (85.2%); ")
    assert "the last 7 months, since M11, are all above the mean (76.9%)" in text


def test_concern_and_neutral_verdicts() -> None:
    concern = read_chart(xmr(MONTHS, improvement="decrease"), period="week")
    assert "The last 8 weeks, since week 11, are all above the mean" in concern
    assert "a real deterioration (special cause) that needs looking into" in concern
    assert "weeks 1–10 (improvement)" in concern
    neutral = read_chart(xmr(MONTHS, target=90))
    assert "a real change (special cause); say whether higher or lower is better" in neutral
    assert "No assurance against the target of 90%: set whether higher or lower is better." in neutral


def test_trend_sentence() -> None:
    values = [50, 52, 49, 51, 50, 51, 45, 44, 43, 42, 41, 40]
    text = read_chart(xmr(values, improvement="increase"))
    assert "The latest month (month 12, 40%) is below the lower process limit" in text
    assert "the last 7 months, since month 6, have fallen every time: a real deterioration" in text


def test_earlier_signal_but_latest_common_cause() -> None:
    values = [50, 51, 49, 50, 51, 49, 50, 51, 49, 50, 51, 49, 70, 50, 51, 49]
    text = read_chart(xmr(values, improvement="increase", fixed_limits_from=12))
    assert "The latest month (month 16) is common cause." in text
    assert "Earlier signals in this period: month 13 (improvement)." in text


def test_too_few_points_reads_a_run_chart() -> None:
    text = read_chart(xmr(MONTHS, improvement="increase", rebase=(14,), target=95))
    assert "The limits were recalculated from month 15" in text
    assert (
        "Too few points for limits (4; at least 8 are needed); a run chart shows no non-random "
        "pattern around the median of 84.5%." in text
    )
    assert "target" not in text


def test_run_chart_reading() -> None:
    text = read_chart(run_chart(MONTHS))
    assert text == (
        "Run chart of 18 months: a non-random pattern: a run of 8 points on one side of the median "
        "(75.5%), more than the 7 expected by chance and only 3 crossings of the median (75.5%), "
        "fewer than the 5 expected by chance."
    )
    flat = read_chart(run_chart([5, 5, 5]), unit="days", period="week")
    assert flat == "Run chart of 3 weeks: nothing to analyse: every point is on the median (5 days)."


def test_constant_series_and_empty() -> None:
    text = read_chart(xmr([90] * 12, improvement="increase"))
    assert "Every value equals the mean of 90%, so the limits have no width." in text
    assert read_chart(xmr([])) == "No data yet: there is nothing to chart."
    assert read_chart(p_chart([0], [0])) == "No data yet: there is nothing to chart."


def test_target_argument_overrides_and_dates_must_match() -> None:
    result = xmr(MONTHS, improvement="increase", rebase=(10,))
    assert "target" not in read_chart(result)
    assert "The target of 75% is below the lower process limit (77.6%)" in read_chart(result, target=75)
    with pytest.raises(ValueError, match="dates"):
        read_chart(result, dates=["Jan"])


def test_monthly_example_p_chart_readings(shared_data: Path) -> None:
    with (shared_data / "monthly_compliance_example.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    met, eligible = [int(r["met"]) for r in rows], [int(r["eligible"]) for r in rows]
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    dates = [f"{names[int(r['month'][5:]) - 1]} {r['month'][:4]}" for r in rows]
    month = str(monthly_facts()["change"])  # the README's intervention month, YYYY-MM
    change = [r["month"] for r in rows].index(month)
    since = dates[change]
    first = p_chart(met, eligible, improvement="increase", target=0.95)
    one = read_chart(first, dates=dates)
    assert "are all above the mean" in one and f"since {since}" in one
    assert "a real improvement" in one and "rebase there" in one
    assert ("The target of 95% is within the process limits" in one) == (first.assurance == "hit_and_miss")
    rebased = p_chart(met, eligible, improvement="increase", rebase=(change,), target=0.95)
    text = read_chart(rebased, dates=dates, phase_labels=["", "the new admission proforma"])
    assert text.startswith(f"The limits were recalculated from the new admission proforma ({since})")
    assert "No signal" in text and f"for a month of {eligible[-1]} cases" in text
    mean = round(100 * rebased.phases[1].mean, 1)
    assert f"around the mean of {mean:g}%" in text


def test_limits_beyond_100_percent_are_read_as_100() -> None:
    from model.compare.spc import xmr
    from model.compare.spc_reading import read_chart

    values = [70, 95, 72, 98, 71, 96, 73, 97, 70, 99, 72, 96, 71, 98, 73, 95]
    result = xmr(values, improvement="increase", target=90)
    assert max(p.upper for p in result.points) > 100
    text = read_chart(result)
    assert "100%" in text and "116" not in text and "–1" not in text.split("limits")[-1][:3]


def test_rebased_reading_states_the_step_between_phases() -> None:
    from model.compare.spc import xmr
    from model.compare.spc_reading import read_chart

    values = [72, 75, 70, 74, 71, 73, 69, 76, 72, 74, 80, 82, 81, 83, 85, 84, 86, 82]
    text = read_chart(xmr(values, improvement="increase", rebase=(10,)))
    assert "The centre line moved up from 72.6% in the previous phase to 82.9%." in text
