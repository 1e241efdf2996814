"""Tests for model.plan.sampling: DOMAIN.md §3 sample sizes and reproducible selections."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.core.errors import KnownError
from model.plan.sampling import (
    SampleSelection,
    explain_sample_size,
    parse_case_list,
    sample_size,
    select_random,
    select_systematic,
)

SIZE_TABLE = [(200, 0.80, 0.05, 111), (1000, 0.50, 0.05, 278), (60, 0.90, 0.05, 42), (5000, 0.50, 0.05, 357)]


@pytest.mark.parametrize(("population", "expected", "margin", "n"), SIZE_TABLE)
def test_sample_size_matches_domain_table(population: int, expected: float, margin: float, n: int) -> None:
    assert sample_size(population, expected, margin) == n


@pytest.mark.parametrize(("population", "expected", "margin", "n"), SIZE_TABLE)
def test_table_holds_with_z_196_too(population: int, expected: float, margin: float, n: int) -> None:
    # DOMAIN.md writes z = 1.96; the module uses the exact quantile. Both must round to n.
    pq = expected * (1 - expected)
    raw = 1.96**2 * population * pq / (margin**2 * population + 1.96**2 * pq)
    assert math.ceil(raw) == n


def test_sample_size_defaults_to_half_and_never_exceeds_population() -> None:
    assert sample_size(1000) == 278
    assert sample_size(5, margin=0.01) == 5
    assert 1 <= sample_size(1, expected=0.3) <= 1


@pytest.mark.parametrize("expected", [0.0, 1.0])
def test_sample_size_with_no_variability_returns_one(expected: float) -> None:
    assert sample_size(100, expected=expected) == 1


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"population": 0}, "eligible cases"),
        ({"population": -5}, "eligible cases"),
        ({"population": 2.5}, "eligible cases"),
        ({"population": 100, "expected": -0.1}, "Expected compliance"),
        ({"population": 100, "expected": 1.1}, "Expected compliance"),
        ({"population": 100, "margin": 0.0}, "margin of error"),
        ({"population": 100, "margin": 1.0}, "margin of error"),
        ({"population": 100, "confidence": 0.0}, "confidence level"),
        ({"population": 100, "confidence": 1.0}, "confidence level"),
    ],
)
def test_sample_size_rejects_bad_inputs(kwargs: dict[str, float], text: str) -> None:
    with pytest.raises(KnownError, match=text) as info:
        sample_size(**kwargs)  # type: ignore[arg-type]
    assert info.value.hint


def test_explain_sample_size_shows_the_numbers() -> None:
    text = explain_sample_size(200, 0.8, 0.05)
    assert "1.96² × 200 × 0.8 × 0.2 / (0.05² × 200 + 1.96² × 0.8 × 0.2)" in text
    assert "= 110.28, rounded up to 111." in text
    assert "±5 percentage points with 95% confidence" in text


def test_explain_sample_size_whole_population_and_extremes() -> None:
    assert "every eligible case" in explain_sample_size(5, 0.5, 0.01)
    assert "use 50% if unsure" in explain_sample_size(100, 1.0, 0.05)
    with pytest.raises(KnownError):
        explain_sample_size(0)


REFS = [f"CASE-{i:03d}" for i in range(1, 61)]


def test_select_random_reproducible_from_seed() -> None:
    s = select_random(REFS, 42, seed=12345)
    expected_idx = np.sort(np.random.default_rng(12345).choice(60, size=42, replace=False))
    assert s.selected == [REFS[i] for i in expected_idx]
    assert s == select_random(REFS, 42, seed=12345)
    assert s.selected != select_random(REFS, 42, seed=54321).selected
    assert (s.method, s.seed, s.population_size, s.k, s.start) == ("random", 12345, 60, None, None)


def test_select_random_keeps_original_order_without_duplicates() -> None:
    s = select_random(REFS, 20, seed=1)
    assert len(set(s.selected)) == 20
    assert s.selected == sorted(s.selected, key=REFS.index)


def test_select_random_records_generated_seed() -> None:
    s = select_random(REFS, 10)
    assert s.seed is not None and 100_000 <= s.seed < 1_000_000
    assert select_random(REFS, 10, seed=s.seed).selected == s.selected


def test_select_random_describe() -> None:
    s = select_random(REFS, 42, seed=12345)
    assert s.describe() == "Simple random sample of 42 from 60 eligible cases (seed 12345)."


def test_select_systematic_random_start() -> None:
    s = select_systematic(REFS, 20, seed=99)
    assert s.k == 3
    assert s.start is not None and 1 <= s.start <= 3
    assert s.start == int(np.random.default_rng(99).integers(1, 4))
    assert s.selected == REFS[s.start - 1 :: 3][:20]
    assert s.seed == 99
    assert s.describe() == (
        f"Systematic sample of 20 from 60 eligible cases: every 3rd case starting from case "
        f"{s.start} of the list (random start, seed 99)."
    )


def test_select_systematic_given_start() -> None:
    s = select_systematic(REFS, 20, start=2)
    assert s.selected[:3] == ["CASE-002", "CASE-005", "CASE-008"]
    assert s.seed is None
    assert "start chosen by the team" in s.describe()
    assert "every case" in select_systematic(REFS, 60, start=1).describe()
    with pytest.raises(KnownError, match="starting case"):
        select_systematic(REFS, 20, start=4)


@given(st.integers(1, 300).flatmap(lambda big_n: st.tuples(st.just(big_n), st.integers(1, big_n))),
       st.integers(0, 2**31))
def test_select_systematic_always_gives_n_distinct_cases(sizes: tuple[int, int], seed: int) -> None:
    big_n, n = sizes
    refs = [str(i) for i in range(big_n)]
    s = select_systematic(refs, n, seed=seed)
    assert len(s.selected) == n == len(set(s.selected))
    assert s.k == big_n // n and 1 <= (s.start or 0) <= s.k


@pytest.mark.parametrize(
    ("refs", "n", "text"),
    [([], 1, "empty"), (["a", "b"], 0, "between 1 and 2"), (["a", "b"], 3, "between 1 and 2"),
     (["a", "a", "b"], 1, "more than once")],
)
def test_selection_errors(refs: list[str], n: int, text: str) -> None:
    for select in (select_random, select_systematic):
        with pytest.raises(KnownError, match=text):
            select(refs, n)


def test_sample_selection_is_a_plain_dataclass() -> None:
    s = SampleSelection("random", 5, None, None, 3, ["a"])
    assert s.describe() == "Simple random sample of 1 from 3 eligible cases (seed 5)."


def test_parse_case_list_separators_and_duplicates() -> None:
    text = 'A1\r\nB2, C3\t"D4"\n\n  A1 ;999 000 0018\n,,\nB2'
    refs = parse_case_list(text)
    assert refs == ["A1", "B2", "C3", "D4", "999 000 0018"]
    assert refs.duplicates == ("A1", "B2")
    assert isinstance(refs, list)


def test_parse_case_list_blank_text() -> None:
    refs = parse_case_list("  \n\t ,")
    assert refs == [] and refs.duplicates == ()
