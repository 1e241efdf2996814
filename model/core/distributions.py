"""The few probability functions AuditLoop needs, in numpy and the standard library (issue 18).

    normal_cdf(x), normal_quantile(q)         the standard normal
    chi2_sf(x, df)                            χ² upper tail, whole degrees of freedom
    binom_cdf(k, n, p), binom_ppf(q, n, p)    the binomial
    fisher_exact_2x2(table)                   two-sided Fisher's exact test
    chi2_2x2(table, correction)               Pearson's χ² for a 2×2 table (Yates optional)
    bisect_root(f, lo, hi)                    a root of f in a bracket

These replace scipy.stats so that the bundle need not carry scipy (43 MB plus 30 MB of
its libraries in the bundle, for a handful of functions). Each is the textbook exact method, not an
approximation, and tests/model/test_distributions.py checks it against scipy (kept as a
test-only reference) to 1e-12:

- the normal quantile is Wichura's AS 241 (`statistics.NormalDist.inv_cdf`), as R's qnorm;
- binomial probabilities are Loader's (2000) saddle-point terms, as R's dbinom, summed
  over the whole support (terms beyond 40 standard deviations are below the smallest
  double and are left out);
- Fisher's p-value is summed in exact integer arithmetic, with scipy's relative tolerance
  (1 + 1e-14) for tables as likely as the one observed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from statistics import NormalDist

import numpy as np

_STANDARD_NORMAL = NormalDist()
_LN_2PI = math.log(2.0 * math.pi)
_LN_SQRT_2PI = 0.5 * _LN_2PI
# Binomial terms further than this many standard deviations from the mean underflow to 0.
_WINDOW_SD = 40.0
# Tables at most this much more probable than the observed one count as "as extreme"
# (scipy's fisher_exact uses the same tolerance; R's fisher.test uses 1e-7).
_FISHER_RELATIVE_TOLERANCE = Fraction(1, 10**14)


def normal_cdf(x: float) -> float:
    """P(Z ≤ x) for a standard normal Z."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def normal_quantile(q: float) -> float:
    """The x with P(Z ≤ x) = q (1.959964 for 0.975); q strictly between 0 and 1."""
    return _STANDARD_NORMAL.inv_cdf(q)


def chi2_sf(x: np.ndarray, df: np.ndarray) -> np.ndarray:
    """P(X > x) for X ~ χ²(df), elementwise; df are whole numbers ≥ 1.

    Uses the closed form for whole degrees of freedom: a Poisson sum for even df,
    erfc plus a half-integer sum for odd df. Every term is positive, so the sum keeps
    full relative precision; each term is formed in logs so none overflows.
    """
    xs, dfs = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=int))
    out = np.full(xs.shape, np.nan)
    flat_x, flat_df, flat_out = xs.ravel(), dfs.ravel(), out.reshape(-1)
    for i, (value, k) in enumerate(zip(flat_x.tolist(), flat_df.tolist(), strict=True)):
        flat_out[i] = _chi2_sf_one(value, int(k))
    return out


def _chi2_sf_one(x: float, df: int) -> float:
    if math.isnan(x) or df < 1:
        return math.nan
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    half = x / 2.0
    log_half = math.log(half)
    if df % 2 == 0:
        return math.fsum(math.exp(-half + j * log_half - math.lgamma(j + 1)) for j in range(df // 2))
    terms = (math.exp(-half + (j - 0.5) * log_half - math.lgamma(j + 0.5)) for j in range(1, (df + 1) // 2))
    return math.erfc(math.sqrt(half)) + math.fsum(terms)


def chi2_2x2(table: np.ndarray, correction: bool) -> float:
    """Pearson's χ² p-value for a 2×2 table with no zero margin (scipy's chi2_contingency).

    With `correction`, Yates's continuity correction moves each count up to 0.5 towards
    its expected value.
    """
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    if correction:
        gap = expected - observed
        observed = observed + np.sign(gap) * np.minimum(0.5, np.abs(gap))
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return float(chi2_sf(np.array(statistic), np.array(1)))


def fisher_exact_2x2(table: np.ndarray) -> float:
    """Two-sided Fisher's exact p-value for a 2×2 table of whole counts.

    The p-value is the probability, under fixed margins, of every table no more likely
    than the one observed; each table's weight C(r1, a)·C(r2, c1 − a) is an exact integer.
    """
    (a, b), (c, d) = (int(v) for v in np.asarray(table)[0]), (int(v) for v in np.asarray(table)[1])
    row1, row2, col1 = a + b, c + d, a + c
    if min(row1, row2, col1, b + d) == 0:
        return 1.0
    lo, hi = max(0, col1 - row2), min(row1, col1)
    weights = _hypergeometric_weights(row1, row2, col1, lo, hi)
    observed = weights[a - lo]
    # w ≤ observed·(1 + tol), in integers: w·10^14 ≤ observed·(10^14 + 1).
    scale, limit = _FISHER_RELATIVE_TOLERANCE.denominator, observed * (_FISHER_RELATIVE_TOLERANCE.denominator + 1)
    extreme = sum(w for w in weights if w * scale <= limit)
    return min(1.0, float(Fraction(extreme, sum(weights))))


def _hypergeometric_weights(row1: int, row2: int, col1: int, lo: int, hi: int) -> list[int]:
    """C(row1, x)·C(row2, col1 − x) for x = lo … hi, each from the one before (exact)."""
    weight = math.comb(row1, lo) * math.comb(row2, col1 - lo)
    weights = [weight]
    for x in range(lo, hi):
        # The ratio of consecutive terms; the division is exact because both are integers.
        weight = weight * (row1 - x) * (col1 - x) // ((x + 1) * (row2 - col1 + x + 1))
        weights.append(weight)
    return weights


def binom_cdf(k: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """P(R ≤ k) for R ~ Binomial(n, p), elementwise over k and n (whole numbers)."""
    ks, ns = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(n, dtype=float))
    out = np.empty(ks.shape)
    for size in np.unique(ns):
        here = ns == size
        start, cdf = _binom_cdf_table(int(size), p)
        index = np.floor(ks[here]) - start
        inside = np.clip(index, 0, len(cdf) - 1).astype(int)
        out[here] = np.where(index < 0, 0.0, np.where(index >= len(cdf) - 1, cdf[-1], cdf[inside]))
        out[here] = np.where(ks[here] >= size, 1.0, out[here])
    return out


def binom_ppf(q: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """The smallest whole r with P(R ≤ r) ≥ q, R ~ Binomial(n, p), elementwise."""
    qs, ns = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(n, dtype=float))
    out = np.empty(qs.shape)
    for size in np.unique(ns):
        here = ns == size
        start, cdf = _binom_cdf_table(int(size), p)
        found = np.searchsorted(cdf, qs[here], side="left") + start
        out[here] = np.minimum(found, size)
    return out


def _binom_cdf_table(n: int, p: float) -> tuple[int, np.ndarray]:
    """(start, cumulative probabilities for r = start, start + 1, …) over the non-negligible support."""
    if p <= 0.0 or n == 0:
        return 0, np.ones(1)
    if p >= 1.0:
        return n, np.ones(1)
    mean, sd = n * p, math.sqrt(n * p * (1.0 - p))
    start = max(0, math.floor(mean - _WINDOW_SD * sd - _WINDOW_SD))
    stop = min(n, math.ceil(mean + _WINDOW_SD * sd + _WINDOW_SD))
    pmf = _binom_pmf(np.arange(start, stop + 1, dtype=float), float(n), p)
    return start, np.minimum(np.cumsum(pmf), 1.0)


def _binom_pmf(x: np.ndarray, n: float, p: float) -> np.ndarray:
    """Binomial probabilities by Loader's saddle-point method (R's dbinom_raw), 0 < p < 1."""
    q = 1.0 - p
    out = np.empty(x.shape)
    first, last = x == 0, x == n
    out[first] = math.exp(-_bd0(np.array([n]), n * q)[0] - n * p if p < 0.1 else n * math.log(q))
    out[last] = math.exp(-_bd0(np.array([n]), n * p)[0] - n * q if q < 0.1 else n * math.log(p))
    mid = ~(first | last)
    xm = x[mid]
    lc = (_stirlerr(np.array([n]))[0] - _stirlerr(xm) - _stirlerr(n - xm)
          - _bd0(xm, n * p) - _bd0(n - xm, n * q))
    lf = _LN_2PI + np.log(xm) + np.log1p(-xm / n)
    out[mid] = np.exp(lc - 0.5 * lf)
    return out


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """log(n!) − log(√(2πn)·(n/e)ⁿ) for whole n ≥ 1 (Loader 2000)."""
    small = n <= 15
    out = np.empty(n.shape)
    ns = n[small]
    lgammas = np.array([math.lgamma(v + 1.0) for v in ns.tolist()])
    out[small] = lgammas - (ns + 0.5) * np.log(ns) + ns - _LN_SQRT_2PI
    nl = n[~small]
    nn = nl * nl
    out[~small] = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / nl
    return out


def _bd0(x: np.ndarray, m: float) -> np.ndarray:
    """x·log(x/m) + m − x without cancellation when x is near m (Loader 2000)."""
    out: np.ndarray = x * np.log(x / m) + m - x
    close = np.abs(x - m) < 0.1 * (x + m)
    if close.any():
        xc = x[close]
        v = (xc - m) / (xc + m)
        total = (xc - m) * v
        term = 2.0 * xc * v
        v2 = v * v
        for j in range(1, 1000):
            term = term * v2
            step = total + term / (2 * j + 1)
            if np.array_equal(step, total):
                break
            total = step
        out[close] = total
    return out


def bisect_root(f: Callable[[float], float], lo: float, hi: float, xtol: float = 1e-10) -> float:
    """A root of f between lo and hi, where f(lo) and f(hi) differ in sign, to within xtol."""
    f_lo = f(lo)
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        if f_mid == 0.0:
            return mid
        if (f_mid < 0.0) == (f_lo < 0.0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
