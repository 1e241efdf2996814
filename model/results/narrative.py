"""Plain-English sentences under tables and charts (DOMAIN.md §4 templates).

Rules: always give the numbers with the sentence; tests are "indicative" (audit samples are
rarely random in the strict sense); never say "significant" without a p-value (these
sentences never say it at all). Rounding is half-up, as people round by hand: 86.5% is
"87%", not Python's banker's "86%".
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from model.core.stats import Comparison, Direction, wilson_interval

DASH = "—"
# Below this p-value a change is described as unlikely to be chance alone.
ALPHA = 0.05
# A re-audit that could only detect changes larger than this (20 points) is "small".
SMALL_SAMPLE_DETECTABLE = 0.20
# Fewer answered cases than this earns an explicit "based on only N cases".
FEW_CASES = 10
_EPS = 1e-9


def _round_half_up(value: float, decimals: int) -> Decimal:
    # Float products carry crumbs (0.145 * 100 = 14.499999999999998): drop them at 9 places,
    # then round the decimal text half-up, so 14.5 -> 15 as by hand.
    return Decimal(repr(float(round(value, 9)))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_pct(proportion: float | None, decimals: int = 0) -> str:
    """A proportion (0–1) as a percentage: 0.617 -> "62%", with decimals=1 -> "61.7%".

    Args:
        proportion: the value as a proportion; None or NaN gives "—".
        decimals: digits after the decimal point.

    Returns:
        The formatted percentage with a "%" sign, or "—".
    """
    if proportion is None or math.isnan(proportion):
        return DASH
    return f"{_round_half_up(proportion * 100.0, decimals)}%"


def format_p(p_value: float | None) -> str:
    """A p-value for a sentence: "p < 0.001", "p = 0.004", "p = 0.16".

    Below 0.001: "p < 0.001". Otherwise the value is rounded to 3 decimals (as tables show
    it, e.g. 0.155); from 0.1 upwards that shown value is then given to 2 decimals
    (0.155 -> 0.16), so the sentence agrees with the table beside it.

    Args:
        p_value: the p-value; None or NaN gives "p not available".

    Returns:
        The formatted text including "p".
    """
    if p_value is None or math.isnan(p_value):
        return "p not available"
    if p_value < 0.001:
        return "p < 0.001"
    shown = _round_half_up(p_value, 3)
    if shown >= Decimal("0.1"):
        shown = shown.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"p = {shown}"


def _format_target(target_pct: float) -> str:
    return f"{target_pct:g}%"


def _ci_text(lower: float, upper: float) -> str:
    """"71–89%" from proportions."""
    return f"{format_pct(lower)[:-1]}–{format_pct(upper)}"


def describe_compliance(
    met: int, not_met: int, target_pct: float | None, direction: Direction = "higher"
) -> str:
    """One or two sentences on a criterion's compliance against its target.

    Example: "81.7% met the standard (95% CI 71–89%), below the 95% target. Even the
    upper end of the interval is below target, so the shortfall is real, not sampling noise."

    Args:
        met: cases that met the criterion.
        not_met: cases that did not.
        target_pct: the target in percent, or None when there is none.
        direction: "higher" (should) or "lower" (should not: the target is a ceiling).

    Returns:
        The sentence(s); a "—" sentence when no case had a met or not-met answer.
    """
    n = met + not_met
    if n == 0:
        return f"No compliance figure ({DASH}): no case had a met or not-met answer for this criterion."
    lower, upper = wilson_interval(met, n)
    pct = format_pct(met / n, 1)
    ci = f"95% CI {_ci_text(lower, upper)}"
    if direction == "higher":
        head = f"{pct} met the standard ({ci})"
    else:  # a "should not" criterion counts how often the unwanted thing happened
        head = f"{pct} of eligible cases had this ({ci})"
    if target_pct is None or math.isnan(target_pct):
        text = f"{head}. No target is set for this criterion."
    elif direction == "higher":
        text = _against_floor(head, met * 100.0 / n, lower * 100.0, upper * 100.0, target_pct)
    else:
        text = _against_ceiling(head, met * 100.0 / n, lower * 100.0, upper * 100.0, target_pct)
    if n < FEW_CASES:
        text += f" Based on only {n} case{'s' if n != 1 else ''}."
    return text


def _against_floor(head: str, pct: float, lower: float, upper: float, target: float) -> str:
    t = _format_target(target)
    if pct >= target - _EPS:
        if lower >= target - _EPS:
            return (f"{head}, meeting the {t} target. "
                    "Even the lower end of the interval is at or above target.")
        return (f"{head}, meeting the {t} target. The interval reaches below the target, so this sample "
                f"cannot show that the target is met consistently.")
    if upper < target - _EPS:
        return (f"{head}, below the {t} target. Even the upper end of the interval is below target, "
                f"so the shortfall is real, not sampling noise.")
    return (f"{head}, below the {t} target. The interval includes the target, so the shortfall could "
            f"be sampling noise; a larger sample would tell.")


def _against_ceiling(head: str, pct: float, lower: float, upper: float, target: float) -> str:
    t = _format_target(target)
    if pct <= target + _EPS:
        if upper <= target + _EPS:
            return f"{head}, within the {t} ceiling. Even the upper end of the interval is within it."
        return (f"{head}, within the {t} ceiling. The interval reaches above the ceiling, so this sample "
                f"cannot show that it is kept to consistently.")
    if lower > target + _EPS:
        return (f"{head}, above the {t} ceiling. Even the lower end of the interval is above the ceiling, "
                f"so the excess is real, not sampling noise.")
    return (f"{head}, above the {t} ceiling. The interval includes the ceiling, so the excess could be "
            f"sampling noise; a larger sample would tell.")


def _about_points(difference: float) -> int:
    """A detectable difference as "about N points", rounded to the nearest 5 (at least 5)."""
    return max(5, int(_round_half_up(difference * 100.0 / 5.0, 0)) * 5)


def describe_change(result: Comparison) -> str:
    """Sentences comparing two cycles, from `compare_proportions`.

    Examples: "Compliance rose from 62% (95% CI 48–74%) to 87% (75–93%). A rise this large
    is unlikely to be due to chance alone (p = 0.004)." or "No clear change: 58% → 92% on
    12 cases per cycle (p = 0.16). With samples this small only very large changes can be
    shown; consider a larger re-audit sample. …"

    Args:
        result: the comparison of the two cycles.

    Returns:
        The sentence(s).
    """
    if result.test_used == "none":
        which = "first" if result.n1 == 0 else "second"
        return f"No comparison possible: the {which} cycle has no met or not-met answers."
    p1, p2 = format_pct(result.p1), format_pct(result.p2)
    if result.p_value < ALPHA:
        (l1, u1), (l2, u2) = result.interval1, result.interval2
        verb, noun = ("rose", "rise") if result.difference > 0 else ("fell", "fall")
        return (f"Compliance {verb} from {p1} (95% CI {_ci_text(l1, u1)}) to {p2} ({_ci_text(l2, u2)}). "
                f"A {noun} this large is unlikely to be due to chance alone ({format_p(result.p_value)}).")
    if result.n1 == result.n2:
        sizes = f"{result.n1} case{'s' if result.n1 != 1 else ''} per cycle"
    else:
        sizes = f"{result.n1} and {result.n2} cases"
    text = f"No clear change: {p1} → {p2} on {sizes} ({format_p(result.p_value)})."
    detectable = result.detectable_difference
    if math.isnan(detectable):
        return (text + " With samples this small only very large changes can be shown; consider a larger "
                "re-audit sample. Not even a change to 0% or 100% could be detected reliably.")
    if detectable > SMALL_SAMPLE_DETECTABLE:
        return (text + " With samples this small only very large changes can be shown; consider a larger "
                f"re-audit sample. Only a change of about {_about_points(detectable)} percentage points "
                "could be detected reliably.")
    return (text + f" These samples could reliably detect a change of about {_about_points(detectable)} "
            "percentage points, so any real change is probably smaller than that.")


def describe_difference(result: Comparison) -> str:
    """The change in points with its Newcombe interval: "+24.5 points (95% CI 7.6 to 40.0)".

    Args:
        result: the comparison of the two cycles.

    Returns:
        The text, or "—" when either cycle is empty.
    """
    if math.isnan(result.difference):
        return DASH
    d = _round_half_up(result.difference * 100.0, 1)
    lo = _round_half_up(result.ci_lower * 100.0, 1)
    hi = _round_half_up(result.ci_upper * 100.0, 1)
    sign = "+" if d > 0 else ""
    return f"{sign}{d} points (95% CI {lo} to {hi})".replace("-", "−")


def describe_test(result: Comparison) -> str:
    """Which indicative test was used and why, for a footnote or method section.

    Args:
        result: the comparison of the two cycles.

    Returns:
        One sentence naming the test, or a note that no test was possible.
    """
    if result.test_used == "fisher":
        return ("Indicative test: Fisher's exact test, two-sided, because an expected count was below 5 "
                f"({format_p(result.p_value)}).")
    if result.test_used == "chi2":
        return ("Indicative test: χ² test without continuity correction, all expected counts 5 or more "
                f"({format_p(result.p_value)}).")
    return "No test was possible: a cycle has no met or not-met answers."
