"""Benchmarking: funnel plots for proportions, their limits, flags and outlier table.

Funnel limits are exact binomial with Spiegelhalter's (2005) interpolation (DOMAIN §6):

    r_p   = smallest r with P(R ≤ r) ≥ p,  R ~ Binomial(n, θ)
    α     = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1))
    limit = (r_p − α) / n, clipped to [0, 1]

95% limits use p = 0.025/0.975 ("alert"), 99.8% limits p = 0.001/0.999 ("alarm"). A unit is
outside when its proportion is strictly beyond a (clipped) limit.

Overdispersion (optional) follows Spiegelhalter 2005 and NHS-R FunnelPlotR: φ is estimated
from 10%-winsorised z-scores. When φ ≤ 1 there is no evidence of overdispersion, so the
limits are left unadjusted (exact binomial) and τ² is reported as 0; only when φ > 1 are
the multiplicative (θ ± z·√φ·s) or additive (θ ± z·√(s² + τ²)) normal limits used.

Everything here works on proportions 0–1. Outlier status from a local comparison is
indicative only (definitions, periods and case mix differ), and the wording says so.
Our own result against the national picture is `model.benchmark.local_comparison`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from model.core.distributions import binom_cdf, binom_ppf, normal_quantile
from model.core.errors import KnownError

Overdispersion = Literal["multiplicative", "additive"]
Flag = Literal["alarm_low", "alert_low", "within", "alert_high", "alarm_high"]

FLAGS: tuple[str, ...] = ("alarm_low", "alert_low", "within", "alert_high", "alarm_high")
P_95 = (0.025, 0.975)
P_998 = (0.001, 0.999)
#: Below this denominator a flag rests on very few cases (a 3/3 unit can be flagged).
SMALL_N = 10
WINSOR_PERCENT = 10.0
OUTLIER_NOTE = (
    "Outlier status is indicative: check that the definition, period and case mix match "
    "before drawing conclusions."
)

_ArrayLike: TypeAlias = Sequence[float] | np.ndarray | pd.Series


@dataclass(frozen=True)
class FunnelPoint:
    """One organisation on the funnel plot.

    Attributes:
        numerator: cases meeting the measure (x).
        n: denominator.
        value: x / n.
        z: (value − θ) / √(θ(1 − θ)/n), unadjusted.
        lower_95, upper_95, lower_998, upper_998: control limits at this n.
        flag: one of FLAGS.
        small_n_note: True when the unit is flagged on fewer than SMALL_N cases.
    """

    numerator: float
    n: float
    value: float
    z: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    flag: str
    small_n_note: bool


@dataclass(frozen=True)
class FunnelResult:
    """A funnel plot's centre line, overdispersion estimates and points.

    Attributes:
        target: θ, the centre line (the given target or pooled Σx/Σn).
        target_source: "given" or "pooled".
        overdispersion: None, "multiplicative" or "additive" (what was asked for).
        phi: the overdispersion factor φ (None when not asked for, or when θ is 0 or 1).
        tau2: the additive between-unit variance τ² (None unless additive).
        adjusted: True when the limits were actually widened (φ > 1).
        winsor_bounds: the 10th/90th percentiles of z used for winsorising, if computed.
        points: one FunnelPoint per unit, in input order.
    """

    target: float
    target_source: str
    overdispersion: Literal["multiplicative", "additive"] | None
    phi: float | None
    tau2: float | None
    adjusted: bool
    winsor_bounds: tuple[float, float] | None
    points: tuple[FunnelPoint, ...]

    def to_frame(self) -> pd.DataFrame:
        """The points as a DataFrame (one row per unit, in input order)."""
        return pd.DataFrame([p.__dict__ for p in self.points], columns=list(FunnelPoint.__annotations__))

    def flag_counts(self) -> dict[str, int]:
        """How many units carry each flag (all five keys present)."""
        counts = dict.fromkeys(FLAGS, 0)
        for point in self.points:
            counts[point.flag] += 1
        return counts


def binomial_limit(target: float, n: _ArrayLike, p: float) -> np.ndarray:
    """Exact binomial control limit with Spiegelhalter's interpolation, for each n.

    Args:
        target: θ, between 0 and 1.
        n: denominators (integers ≥ 1; anything else gives NaN).
        p: the cumulative probability (e.g. 0.025, 0.975, 0.001, 0.999).

    Returns:
        The limits as proportions, clipped to [0, 1].
    """
    nn = np.asarray(n, dtype=float)
    valid = np.isfinite(nn) & (nn >= 1)
    if target in (0.0, 1.0):
        # No variation at all: the interpolation would put a limit just inside 0 or 1 and
        # flag every unit sitting exactly on the target.
        return np.where(valid, float(target), np.nan)
    nn = np.where(valid, nn, 1.0)
    r = binom_ppf(np.full(nn.shape, p), nn, target)  # the smallest r with P(R ≤ r) ≥ p
    cdf_r = binom_cdf(r, nn, target)
    cdf_below = binom_cdf(r - 1, nn, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(cdf_r > cdf_below, (cdf_r - p) / (cdf_r - cdf_below), 0.0)
    limits = np.clip((r - alpha) / nn, 0.0, 1.0)
    return np.where(valid, limits, np.nan)


def _normal_limits(target: float, n: np.ndarray, z: float, extra_var: float, scale: float) -> np.ndarray:
    """θ + z·√(scale·s² + extra_var), clipped to [0, 1]."""
    s2 = target * (1 - target) / n
    return np.clip(target + z * np.sqrt(scale * s2 + extra_var), 0.0, 1.0)


def _limits(
    target: float, n: np.ndarray, phi: float | None, tau2: float | None, mode: str | None, adjusted: bool
) -> dict[str, np.ndarray]:
    """All four limits for each n, exact when unadjusted, normal when adjusted for φ."""
    names = {"lower_998": P_998[0], "lower_95": P_95[0], "upper_95": P_95[1], "upper_998": P_998[1]}
    if not adjusted:
        return {name: binomial_limit(target, n, p) for name, p in names.items()}
    scale = phi if mode == "multiplicative" else 1.0
    extra = tau2 if mode == "additive" and tau2 is not None else 0.0
    return {
        name: _normal_limits(target, n, normal_quantile(p), extra, scale or 1.0) for name, p in names.items()
    }


def funnel_curve(
    target: float,
    n_grid: _ArrayLike,
    *,
    overdispersion: Overdispersion | None = None,
    phi: float | None = None,
    tau2: float | None = None,
) -> pd.DataFrame:
    """Limit lines for drawing: the four limits over a grid of denominators.

    Args:
        target: θ.
        n_grid: denominators to evaluate (rounded to whole numbers; see `default_n_grid`).
        overdispersion: as in `funnel`; pass the result's `phi`/`tau2` to draw adjusted lines.
        phi: φ from a FunnelResult (limits widen only when φ > 1).
        tau2: τ² from a FunnelResult (additive only).

    Returns:
        DataFrame with columns n, lower_998, lower_95, upper_95, upper_998.
    """
    n = np.unique(np.round(np.asarray(n_grid, dtype=float)))
    n = n[n >= 1]
    adjusted = overdispersion is not None and phi is not None and phi > 1
    limits = _limits(target, n, phi, tau2, overdispersion, adjusted)
    return pd.DataFrame({"n": n, **limits})


def default_n_grid(max_n: float, points: int = 200) -> np.ndarray:
    """A log-spaced grid of whole denominators from 1 to a little beyond `max_n`."""
    top = max(2.0, float(max_n) * 1.1)
    return np.unique(np.round(np.geomspace(1, top, points)))


def _validate(x: np.ndarray, n: np.ndarray) -> None:
    bad = ~np.isfinite(x) | ~np.isfinite(n) | (n <= 0) | (x < 0) | (x > n)
    if x.shape != n.shape:
        raise KnownError("Numerators and denominators differ in length.", hint="Check the selected columns.")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise KnownError(
            f"Unit {i + 1} has an unusable count ({x[i]:g} of {n[i]:g}).",
            hint="Leave out suppressed or empty rows and rows whose numerator exceeds the denominator.",
        )
    if x.size == 0:
        raise KnownError(
            "There are no organisations to plot.", hint="Choose a measure with published counts."
        )


def _flags(value: np.ndarray, lim: dict[str, np.ndarray]) -> np.ndarray:
    # Strictly beyond a limit is outside; the 99.8% test wins over the 95% one.
    return np.select(
        [
            value < lim["lower_998"],
            value < lim["lower_95"],
            value > lim["upper_998"],
            value > lim["upper_95"],
        ],
        ["alarm_low", "alert_low", "alarm_high", "alert_high"],
        default="within",
    )


def winsorised_phi(z: np.ndarray, percent: float = WINSOR_PERCENT) -> tuple[float, tuple[float, float]]:
    """φ = mean of squared z-scores after winsorising at `percent`/100−`percent` percentiles.

    Returns:
        (φ, (lower bound, upper bound)); percentiles by linear interpolation.
    """
    finite = z[np.isfinite(z)]
    lo, hi = (float(v) for v in np.percentile(finite, [percent, 100 - percent]))
    return float(np.mean(np.clip(finite, lo, hi) ** 2)), (lo, hi)


def additive_tau2(phi: float, n: np.ndarray, target: float) -> float:
    """DerSimonian–Laird τ² = max(0, (Iφ − (I − 1)) / (Σw − Σw²/Σw)), w = 1/s².

    τ² is 0 when φ ≤ 1 (no overdispersion to allow for).
    """
    if phi <= 1:
        return 0.0
    w = n / (target * (1 - target))
    units = n.size
    tau2: float = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return tau2


def funnel(
    numerators: _ArrayLike,
    denominators: _ArrayLike,
    *,
    target: float | None = None,
    overdispersion: Overdispersion | None = None,
) -> FunnelResult:
    """Funnel plot for proportions: centre line, limits at each unit's n, and flags.

    Args:
        numerators: x_i per organisation.
        denominators: n_i per organisation (all ≥ 1, x_i ≤ n_i).
        target: θ; None uses the pooled Σx/Σn (pass the national row's value when known).
        overdispersion: None, "multiplicative" or "additive" (DOMAIN §6).

    Returns:
        FunnelResult with one FunnelPoint per unit.

    Raises:
        KnownError: when a count is missing or impossible, or there are no units.
    """
    if overdispersion not in (None, "multiplicative", "additive"):
        raise ValueError(f"unknown overdispersion method {overdispersion!r}")
    x = np.asarray(numerators, dtype=float)
    n = np.asarray(denominators, dtype=float)
    _validate(x, n)
    theta = float(x.sum() / n.sum()) if target is None else float(target)
    if not 0 <= theta <= 1:
        raise KnownError(
            f"The target {theta:g} is not a proportion.", hint="Give the target between 0 and 1."
        )
    value = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (value - theta) / np.sqrt(theta * (1 - theta) / n)
    phi = tau2 = None
    bounds = None
    if overdispersion is not None and 0 < theta < 1:
        phi, bounds = winsorised_phi(z)
        tau2 = additive_tau2(phi, n, theta) if overdispersion == "additive" else None
    adjusted = phi is not None and phi > 1
    lim = _limits(theta, n, phi, tau2, overdispersion, adjusted)
    flags = _flags(value, lim)
    small = (n < SMALL_N) & (flags != "within")
    points = tuple(
        FunnelPoint(
            float(x[i]),
            float(n[i]),
            float(value[i]),
            float(z[i]),
            float(lim["lower_95"][i]),
            float(lim["upper_95"][i]),
            float(lim["lower_998"][i]),
            float(lim["upper_998"][i]),
            str(flags[i]),
            bool(small[i]),
        )
        for i in range(x.size)
    )
    return FunnelResult(
        target=theta,
        target_source="pooled" if target is None else "given",
        overdispersion=overdispersion,
        phi=phi,
        tau2=tau2,
        adjusted=adjusted,
        winsor_bounds=bounds,
        points=points,
    )


# --- Outlier table ---------------------------------------------------------------------------

_STATUS = {
    "alarm_high": "Alarm: above the 99.8% limit",
    "alert_high": "Alert: above the 95% limit",
    "alert_low": "Alert: below the 95% limit",
    "alarm_low": "Alarm: below the 99.8% limit",
}


def outlier_table(
    result: FunnelResult,
    codes: Sequence[str],
    names: Sequence[str],
    *,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """The alert and alarm units, both directions, in HQIP's wording.

    Args:
        result: a FunnelResult.
        codes, names: organisation code and name for each point, in the same order.
        higher_is_better: True when a high value is good practice (compliance).

    Returns:
        DataFrame (code, name, numerator, denominator, value, lower/upper limits, flag,
        status, small_n_note), alarms first. `attrs["note"]` holds OUTLIER_NOTE.
    """
    frame = result.to_frame().rename(columns={"n": "denominator"})
    frame.insert(0, "name", list(names))
    frame.insert(0, "code", list(codes))
    frame = frame[frame["flag"] != "within"].copy()
    high = frame["flag"].str.endswith("_high")
    kind = np.where(high == higher_is_better, "positive outlier", "negative outlier")
    frame["status"] = frame["flag"].map(_STATUS) + " (" + kind + ")"
    order = frame["flag"].map({"alarm_high": 0, "alarm_low": 1, "alert_high": 2, "alert_low": 3})
    frame = frame.assign(_order=order).sort_values(["_order", "value"]).drop(columns=["_order", "z"])
    frame = frame.reset_index(drop=True)
    frame.attrs["note"] = OUTLIER_NOTE
    return frame
