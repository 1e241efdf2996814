"""model.core.distributions against scipy.stats, the reference it replaces in the bundle (issue 18).

scipy stays a test-only dependency (requirements-dev.txt) so these checks keep running.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from model.core import distributions as d

QUANTILES = np.array([0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999])


@pytest.mark.parametrize("n", [1, 2, 5, 16, 17, 50, 399, 3000, 100_000, 2_000_000])
@pytest.mark.parametrize("p", [0.001, 0.03, 0.5, 0.85, 0.999])
def test_binomial_matches_scipy(n: int, p: float) -> None:
    k = np.arange(-1, n + 2) if n < 5000 else np.linspace(0, n, 4001).round()
    ns = np.full(k.shape, n)
    assert d.binom_cdf(k, ns, p) == pytest.approx(sps.binom.cdf(k, n, p), abs=1e-12, rel=1e-12)
    assert (d.binom_ppf(QUANTILES, np.full(QUANTILES.shape, n), p) == sps.binom.ppf(QUANTILES, n, p)).all()


def test_binomial_mixed_denominators_and_edges() -> None:
    n = np.array([1, 7, 7, 400, 1])
    k = np.array([0, 3, -1, 399, 5])
    assert d.binom_cdf(k, n, 0.3) == pytest.approx(sps.binom.cdf(k, n, 0.3), abs=1e-14)
    assert (d.binom_cdf(np.array([0, 3]), np.array([4, 4]), 0.0) == 1.0).all()
    assert d.binom_ppf(np.array(0.05), np.array(0), 0.5) == 0


@pytest.mark.parametrize("n", range(1, 120))
def test_anhoej_crossings_quantile_is_exact(n: int) -> None:
    # qbinom(0.05, n, 0.5) in exact integer arithmetic: the smallest r with 20·Σ C(n, i) ≥ 2ⁿ.
    total, r = 0, 0
    while True:
        total += math.comb(n, r)
        if 20 * total >= 2**n:
            break
        r += 1
    assert d.binom_ppf(np.array(0.05), np.array(n), 0.5) == r


def test_chi2_sf_matches_scipy() -> None:
    rng = np.random.default_rng(18)
    x = np.concatenate([rng.uniform(0, 80, 3000), [0.0, 1e-12, 500.0, 1e4]])
    df = np.concatenate([rng.integers(1, 40, 3000), [1, 2, 3, 7]])
    want = sps.chi2.sf(x, df)
    assert d.chi2_sf(x, df) == pytest.approx(want, rel=1e-12, abs=1e-300)
    assert np.isnan(d.chi2_sf(np.array([np.nan]), np.array([1])))[0]


def test_two_by_two_tests_match_scipy() -> None:
    rng = np.random.default_rng(2026)
    tables = [rng.integers(0, 40, (2, 2)) for _ in range(1500)] + [rng.integers(0, 3000, (2, 2)) for _ in range(150)]
    tables += [np.array([[0, 0], [3, 4]]), np.array([[5, 0], [5, 0]]), np.array([[1, 1], [1, 1]])]
    for table in tables:
        assert d.fisher_exact_2x2(table) == pytest.approx(sps.fisher_exact(table).pvalue, rel=1e-12), table
        if (table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all():
            for correction in (False, True):
                want = sps.chi2_contingency(table, correction=correction).pvalue
                assert d.chi2_2x2(table, correction) == pytest.approx(want, rel=1e-12, abs=1e-300), table


def test_normal_matches_scipy() -> None:
    q = np.linspace(1e-9, 1 - 1e-9, 2001)
    assert [d.normal_quantile(v) for v in q] == pytest.approx(sps.norm.ppf(q), rel=1e-14, abs=1e-14)
    x = np.linspace(-9, 9, 2001)
    assert [d.normal_cdf(v) for v in x] == pytest.approx(sps.norm.cdf(x), rel=1e-13, abs=1e-300)


def test_bisect_root_finds_the_root() -> None:
    assert d.bisect_root(lambda x: x * x - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2.0), abs=1e-9)
