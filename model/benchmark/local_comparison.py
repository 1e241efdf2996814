"""Our local result set against the organisations in a national file: rank, quartiles, funnel flag.

The flag is `model.benchmark.benchmarks.funnel` at our n against the national value; like every
outlier status from a local comparison it is indicative only (OUTLIER_NOTE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.benchmark.benchmarks import OUTLIER_NOTE, FunnelPoint, _ArrayLike, funnel
from model.core.errors import KnownError
from model.core.stats import wilson_interval

_FLAG_PHRASES = {
    "within": "it sits within the 95% funnel limits, so the gap may be chance",
    "alert_low": "it is below the 95% funnel limit (alert: lower than expected)",
    "alarm_low": "it is below the 99.8% funnel limit (alarm: much lower than expected)",
    "alert_high": "it is above the 95% funnel limit (alert: higher than expected)",
    "alarm_high": "it is above the 99.8% funnel limit (alarm: much higher than expected)",
}


@dataclass(frozen=True)
class LocalComparison:
    """Our local result set against the organisations in a national file.

    Attributes:
        met, n: our counts; value = met / n; ci_lower/ci_upper its Wilson 95% interval.
        national_value: the centre line (given national value, else pooled Σx/Σn).
        national_source: "given" or "pooled".
        median, q1, q3: the organisations' distribution (proportions).
        rank: our position among the organisations and us (1 = highest value).
        ties: how many organisations have exactly our value.
        organisations: how many organisations are ranked, us included.
        flag: our funnel flag at our n against the national value.
        limits: our point's funnel limits.
        small_n_note: our flag rests on fewer than SMALL_N cases.
    """

    met: int
    n: int
    value: float
    ci_lower: float
    ci_upper: float
    national_value: float
    national_source: str
    median: float
    q1: float
    q3: float
    rank: int
    ties: int
    organisations: int
    flag: str
    limits: FunnelPoint
    small_n_note: bool

    def describe(self) -> str:
        """One or two plain-English sentences for under the funnel chart."""
        where = "above" if self.value > self.national_value else "below"
        if math.isclose(self.value, self.national_value, abs_tol=5e-4):
            where = "the same as"
        national = "national" if self.national_source == "given" else "pooled national"
        tie = f" (tied with {self.ties} other{'s' if self.ties > 1 else ''})" if self.ties else ""
        ci = f"{_pct(self.ci_lower, 0, sign=False)}–{_pct(self.ci_upper, 0)}"
        text = (
            f"Our {_pct(self.value, 1)} (95% CI {ci}) "
            f"is {where} the {national} {_pct(self.national_value, 1)} and ranks {_ordinal(self.rank)} of "
            f"{self.organisations} organisations{tie}; {_FLAG_PHRASES[self.flag]}."
        )
        if self.flag != "within":
            text += " " + OUTLIER_NOTE
        if self.small_n_note:
            text += f" This flag rests on very few cases ({self.n})."
        return text


def _pct(p: float, digits: int, *, sign: bool = True) -> str:
    return f"{100 * p:.{digits}f}" + ("%" if sign else "")


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def compare_local(
    local_met: int,
    local_n: int,
    org_values: _ArrayLike,
    org_denominators: _ArrayLike | None = None,
    national_value: float | None = None,
) -> LocalComparison:
    """Set our compliance against the other organisations' published values.

    Args:
        local_met: our cases meeting the measure.
        local_n: our eligible cases (≥ 1).
        org_values: the other organisations' proportions (0–1; divide percentages by 100;
            leave our own row out). NaN (suppressed) values are ignored.
        org_denominators: their denominators, used for the pooled centre line when no
            national value is given.
        national_value: the national proportion (0–1), e.g. from the national row.

    Returns:
        LocalComparison; its `describe()` gives the sentence for the report.

    Raises:
        KnownError: when our counts are impossible or no organisation has a value.
    """
    if local_n < 1 or not 0 <= local_met <= local_n:
        raise KnownError(
            f"Our counts ({local_met} of {local_n}) cannot be compared.", hint="Check the cycle."
        )
    values = np.asarray(org_values, dtype=float)
    keep = np.isfinite(values)
    if not keep.any():
        raise KnownError(
            "No organisation has a published value for this measure.", hint="Pick another measure."
        )
    if (values[keep] > 1).any() or (values[keep] < 0).any():
        raise KnownError(
            "The organisations' values are not proportions between 0 and 1.",
            hint="Percentages must be divided by 100 before comparing.",
        )
    centre, source = _centre_line(values, org_denominators, national_value)
    ours = local_met / local_n
    lower, upper = wilson_interval(local_met, local_n)
    point = funnel([local_met], [local_n], target=centre).points[0]
    others = values[keep]
    q1, median, q3 = (float(v) for v in np.percentile(others, [25, 50, 75]))
    return LocalComparison(
        met=local_met,
        n=local_n,
        value=ours,
        ci_lower=lower,
        ci_upper=upper,
        national_value=centre,
        national_source=source,
        median=median,
        q1=q1,
        q3=q3,
        rank=int((others > ours).sum()) + 1,
        ties=int(np.isclose(others, ours, atol=1e-9).sum()),
        organisations=int(others.size) + 1,
        flag=point.flag,
        limits=point,
        small_n_note=point.small_n_note,
    )


def _centre_line(
    values: np.ndarray, denominators: _ArrayLike | None, national_value: float | None
) -> tuple[float, str]:
    if national_value is not None and np.isfinite(national_value):
        return float(national_value), "given"
    if denominators is not None:
        d = np.asarray(denominators, dtype=float)
        ok = np.isfinite(values) & np.isfinite(d) & (d > 0)
        if ok.any():
            return float((values[ok] * d[ok]).sum() / d[ok].sum()), "pooled"
    return float(np.nanmedian(values)), "pooled"
