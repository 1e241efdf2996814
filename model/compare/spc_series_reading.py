"""The plain-English reading under a criterion's SPC chart (DOMAIN.md §4–§5).

`reading` puts the chart's reading from `model.compare.spc_reading` in the terms of the
series: bucket names as dates, each phase named after the cycle (and the change) that starts
it, one statement per cycle for a rebased run chart; then how moving ranges were screened
(XmR), the gaps and the cases without a date.
"""

from __future__ import annotations

from model.compare.spc import SpcResult
from model.compare.spc_reading import read_chart
from model.compare.spc_series import SpcSeries, phase_labels
from model.compare.spc_series_charts import PhasedRunChart


def reading(series: SpcSeries, result: SpcResult | PhasedRunChart) -> str:
    """The plain-English reading under the chart, with dates, cycles and the action before a change.

    Args:
        series: the charted series.
        result: from `build_chart` on that series.

    Returns:
        A few sentences: the `model.compare.spc_reading.read_chart` reading, then how moving ranges
        were screened (XmR), gaps and cases without a date.
    """
    if series.n_points == 0:
        return _join(["No eligible cases with a date yet: there is nothing to chart.", _undated(series)])
    if isinstance(result, PhasedRunChart):
        text = _run_reading(series, result)
    else:
        target = series.target if result.chart_type == "xmr" else (
            None if series.target is None else series.target / 100.0)
        text = read_chart(result, dates=series.labels, unit="%", phase_labels=phase_labels(series, result),
                          target=target, period=series.bucket)
    extra = [_screening(result), _gaps(series), _undated(series)]
    return _join([text, *extra])


def _run_reading(series: SpcSeries, chart: PhasedRunChart) -> str:
    """The run chart's reading: one statement per phase, each saying which cycle and months it covers."""
    if not chart.rebased:
        return _join([read_chart(chart.overall, period=series.bucket), chart.note])
    labels = series.labels
    parts = []
    for number, phase in enumerate(chart.phases, start=1):
        name = _sentence_start(phase.label) if phase.label else f"Phase {number}"
        text = read_chart(phase.result, period=series.bucket)
        parts.append(f"{name} ({labels[phase.start]} – {labels[phase.end - 1]}): {text[0].lower()}{text[1:]}")
    return _join(["Each cycle has its own median.", *parts])


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _screening(result: SpcResult | PhasedRunChart) -> str:
    if isinstance(result, PhasedRunChart) or result.chart_type != "xmr":
        return ""
    if not result.screened.applied:
        return "Moving-range screening was off: every jump between points counts towards the limits."
    dropped = len(result.screened.dropped)
    if dropped == 0:
        return "Moving ranges were screened; no jump was large enough to leave out."
    jumps = "jump was" if dropped == 1 else "jumps were"
    return f"Moving ranges were screened: {dropped} unusually large {jumps} left out when setting the limits."


def _gaps(series: SpcSeries) -> str:
    gaps = series.n_buckets - series.n_points
    if gaps == 0:
        return ""
    if gaps == 1:
        return f"1 {series.bucket} had no eligible cases and shows as a gap."
    return f"{gaps} {series.bucket}s had no eligible cases and show as gaps."


def _undated(series: SpcSeries) -> str:
    if series.undated_cases == 0:
        return ""
    cases = "case has" if series.undated_cases == 1 else "cases have"
    return (f"{series.undated_cases} {cases} no case date and cannot be placed on the chart "
            f"({series.undated_eligible} of them met or not met).")


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)
