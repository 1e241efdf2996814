"""The plain-English reading AuditLoop writes under every SPC chart (DOMAIN.md §4–§5).

`read_chart` turns an `SpcResult` (XmR or p-chart) or a `RunChartResult` into a few short
sentences for clinicians: is there a signal, which way, since when; how the target compares
with the process limits; and whether the limits are only trial limits or there are too few
points for limits at all (then a run chart is read instead). It describes the current
(last) phase, because that is what the variation and assurance icons describe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from model.compare.spc import (
    LIMITS_BELOW,
    OUTSIDE,
    PRECEDENCE,
    SHIFT,
    TREND,
    TRIAL_BELOW,
    TWO_OF_THREE,
    Phase,
    RunChartResult,
    SpcPoint,
    SpcResult,
    assess_assurance,
    run_chart,
)

_VERDICT = {
    "special_cause_improvement": "a real improvement (special cause), not chance",
    "special_cause_concern": "a real deterioration (special cause) that needs looking into",
    "special_cause_neutral": (
        "a real change (special cause); say whether higher or lower is better to know if it is good news"
    ),
}
_SHORT = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral": "special cause",
}
_MAX_EPISODES = 3  # earlier signals listed before "and N more"


class _Words:
    """Formatting of values, dates and periods for one reading."""

    def __init__(
        self, n: int, *, dates: Sequence[str] | None, unit: str, proportion: bool, period: str
    ) -> None:
        if dates is not None and len(dates) != n:
            raise ValueError(f"dates has {len(dates)} entries for {n} points")
        self.dates, self.unit, self.proportion, self.period = dates, unit, proportion, period

    def when(self, i: int) -> str:
        return self.dates[i] if self.dates is not None else f"{self.period} {i + 1}"

    def span(self, first: int, last: int) -> str:
        if first == last:
            return self.when(first)
        if self.dates is None:
            return f"{self.period}s {first + 1}–{last + 1}"
        return f"{self.dates[first]}–{self.dates[last]}"

    def periods(self, k: int) -> str:
        return f"{k} {self.period}" + ("" if k == 1 else "s")

    def value(self, x: float) -> str:
        # Computed limits may lie beyond the possible range; say them as they can be drawn.
        if self.proportion:
            x = min(max(x, 0.0), 1.0)
        if self.proportion and self.unit == "%":
            x *= 100.0
        elif self.proportion:
            return f"{x:.3f}"
        elif self.unit == "%":
            x = min(max(x, 0.0), 100.0)
        text = f"{x:.1f}".removesuffix(".0")
        if text == "-0":
            text = "0"
        if self.unit == "%":
            return f"{text}%"
        return f"{text} {self.unit}".strip()


def read_chart(
    result: SpcResult | RunChartResult,
    *,
    dates: Sequence[str] | None = None,
    unit: str = "%",
    phase_labels: Sequence[str] | None = None,
    target: float | None = None,
    period: str = "month",
) -> str:
    """Plain-English reading of an SPC chart or a run chart.

    Args:
        result: from `model.compare.spc.xmr`, `p_chart` or `run_chart`.
        dates: one label per point ("Mar 2026"); without them points are "month 1", ….
        unit: unit of the values; "%" shows p-chart proportions as percentages.
        phase_labels: one label per phase ("the new admission proforma"), used to say
            since when the current limits apply.
        target: target in the chart's units (percent for XmR of percentages, a proportion
            for a p-chart); defaults to the result's own target.
        period: what one point is ("month", "week").

    Returns:
        A few sentences, separated by single spaces.

    Raises:
        ValueError: when `dates` does not have one entry per point.
    """
    if isinstance(result, RunChartResult):
        words = _Words(0, dates=None, unit=unit, proportion=False, period=period)
        return f"Run chart of {words.periods(result.n_values)}: {_run_text(result, words)}."
    proportion = result.chart_type == "p"
    words = _Words(len(result.points), dates=dates, unit=unit, proportion=proportion, period=period)
    phase = result.current_phase
    observed = [] if phase is None else [p for p in result.points[phase.start : phase.end] if not p.missing]
    if phase is None or not observed:
        return "No data yet: there is nothing to chart."
    sentences = [_phase_context(result, phase, words, phase_labels)]
    if phase.too_few_for_limits:
        run = run_chart([p.value for p in observed])
        sentences.append(
            f"Too few points for limits ({phase.limit_points}; at least {LIMITS_BELOW} are needed); "
            f"a run chart shows {_run_text(run, words)}."
        )
        return _join(sentences)
    if phase.trial:
        sentences.append(
            f"These are trial limits, based on only {words.periods(phase.limit_points)} "
            f"(fewer than {TRIAL_BELOW}), so treat them as provisional."
        )
    sentences.extend(_signal_sentences(observed, phase, words))
    sentences.append(_assurance_sentence(result, observed[-1], target, words))
    return _join(sentences)


def _join(sentences: list[str]) -> str:
    return " ".join(s for s in sentences if s)


def _phase_context(result: SpcResult, phase: Phase, words: _Words, labels: Sequence[str] | None) -> str:
    if len(result.phases) < 2:
        return ""
    label = labels[phase.index] if labels is not None and phase.index < len(labels) else ""
    since = f"{label} ({words.when(phase.start)})" if label else words.when(phase.start)
    text = f"The limits were recalculated from {since}; this reading is about that period."
    before = result.phases[phase.index - 1] if phase.index > 0 else None
    if before is not None and before.mean is not None and phase.mean is not None:
        # The step between phases is the change a clinician asked about: say it in numbers.
        move = "up" if phase.mean > before.mean else "down" if phase.mean < before.mean else "unchanged"
        text += (f" The centre line moved {move} from {words.value(before.mean)} in the previous phase"
                 f" to {words.value(phase.mean)}." if move != "unchanged"
                 else " The centre line is the same as in the previous phase.")
    return text


# --------------------------------------------------------------------------- signals


def _signal_sentences(observed: list[SpcPoint], phase: Phase, words: _Words) -> list[str]:
    last = observed[-1]
    episodes = _episodes(observed)
    if not episodes:
        return [_common_cause(last, phase, words)]
    sentences: list[str] = []
    earlier = episodes
    if last.main_rule is not None:
        parts = [_describe(rule, observed, words) for rule in PRECEDENCE if rule in last.rules]
        sentences.append(_capital("; ".join(parts)) + f": {_VERDICT[last.point_type]}.")
        earlier = episodes[:-1]
    else:
        sentences.append(f"The latest {words.period} ({words.when(last.index)}) is common cause.")
    if earlier:
        sentences.append(_earlier(earlier, words))
    shift_start = _shift_start(observed)
    if SHIFT in last.rules and shift_start.index > phase.start:
        sentences.append(
            f"If the process was deliberately changed around {words.when(shift_start.index)}, rebase there: "
            "new limits from that point will show the new level."
        )
    return sentences


def _common_cause(last: SpcPoint, phase: Phase, words: _Words) -> str:
    head = "No signal: the variation is what this process normally produces (common cause)."
    if last.lower == last.upper:
        flat = f"Every value equals the mean of {words.value(phase.mean)}, so the limits have no width."
        return f"{head} {flat}"
    size = "" if last.denominator is None else f" for a {words.period} of {last.denominator:g} cases"
    return (
        f"{head} Expect values between {words.value(last.lower)} and {words.value(last.upper)}{size}, "
        f"around the mean of {words.value(phase.mean)}, unless the process itself changes."
    )


def _describe(rule: str, observed: list[SpcPoint], words: _Words) -> str:
    """What one rule says about the latest point."""
    last = observed[-1]
    if rule == OUTSIDE:
        limit = last.upper if last.value > last.upper else last.lower
        where = "above the upper" if last.value > last.upper else "below the lower"
        return (
            f"the latest {words.period} ({words.when(last.index)}, {words.value(last.value)}) is "
            f"{where} process limit ({words.value(limit)})"
        )
    if rule == TREND:
        start = _run_start(observed, lambda p: TREND in p.rules)
        k = last.index - start.index + 1
        way = "risen" if last.value > start.value else "fallen"
        return f"the last {words.periods(k)}, since {words.when(start.index)}, have {way} every time"
    if rule == TWO_OF_THREE:
        line = last.upper_2sigma if last.value > last.mean else last.lower_2sigma
        which = "upper" if last.value > last.mean else "lower"
        return (
            f"two of the last three {words.period}s are close to the {which} process limit "
            f"(beyond the 2σ line at {words.value(line)})"
        )
    start = _shift_start(observed)
    k = last.index - start.index + 1
    side = "above" if last.value > last.mean else "below"
    return (
        f"the last {words.periods(k)}, since {words.when(start.index)}, are all {side} "
        f"the mean ({words.value(last.mean)})"
    )


def _run_start(observed: list[SpcPoint], keep: Callable[[SpcPoint], bool]) -> SpcPoint:
    """The first point of the unbroken stretch, ending at the last point, where keep(point) holds."""
    start = observed[-1]
    for p in reversed(observed):
        if not keep(p):
            break
        start = p
    return start


def _shift_start(observed: list[SpcPoint]) -> SpcPoint:
    """First point of the shift the last point belongs to (by side of the mean, not by colour)."""
    above = observed[-1].value > observed[-1].mean
    return _run_start(observed, lambda p: SHIFT in p.rules and (p.value > p.mean) == above)


def _episodes(observed: list[SpcPoint]) -> list[tuple[SpcPoint, SpcPoint]]:
    """(first, last) of each stretch of consecutive special-cause points of the same type."""
    episodes: list[tuple[SpcPoint, SpcPoint]] = []
    prev: SpcPoint | None = None
    for p in observed:
        if p.point_type != "common_cause":
            if episodes and prev is episodes[-1][1] and prev.point_type == p.point_type:
                episodes[-1] = (episodes[-1][0], p)
            else:
                episodes.append((p, p))
        prev = p
    return episodes


def _earlier(episodes: list[tuple[SpcPoint, SpcPoint]], words: _Words) -> str:
    shown = [f"{words.span(a.index, b.index)} ({_SHORT[a.point_type]})" for a, b in episodes[-_MAX_EPISODES:]]
    more = len(episodes) - len(shown)
    extra = f", and {more} more" if more else ""
    return f"Earlier signals in this period: {', '.join(shown)}{extra}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- assurance, run chart


def _assurance_sentence(result: SpcResult, last: SpcPoint, target: float | None, words: _Words) -> str:
    goal = result.target if target is None else target
    if goal is None:
        return ""
    shown = words.value(goal)
    if result.improvement is None:
        return f"No assurance against the target of {shown}: set whether higher or lower is better."
    verdict = assess_assurance(goal, last.lower, last.upper, result.improvement)
    if verdict is None:
        return ""
    if verdict == "hit_and_miss":
        return (
            f"The target of {shown} is within the process limits ({words.value(last.lower)}–"
            f"{words.value(last.upper)}), so it will be hit and missed unless the process changes."
        )
    beyond = (
        f"above the upper process limit ({words.value(last.upper)})"
        if goal > last.upper
        else (f"below the lower process limit ({words.value(last.lower)})")
    )
    if verdict == "pass":
        return f"The target of {shown} is {beyond}, so the process will consistently meet it."
    return f"The target of {shown} is {beyond}, so the process will consistently miss it unless it changes."


def _run_text(run: RunChartResult, words: _Words) -> str:
    if run.median is None:
        return "nothing yet (no data)"
    median = words.value(run.median)
    if run.longest_run is None:
        return f"nothing to analyse: every point is on the median ({median})"
    found = []
    if run.long_run_signal:
        found.append(
            f"a run of {run.longest_run} points on one side of the median ({median}), "
            f"more than the {run.longest_run_max} expected by chance"
        )
    if run.crossings_signal:
        found.append(
            f"only {run.crossings} crossings of the median ({median}), "
            f"fewer than the {run.crossings_min} expected by chance"
        )
    if found:
        return "a non-random pattern: " + " and ".join(found)
    return f"no non-random pattern around the median of {median}"
