"""Tests for model.results.compliance: counting, subgroups, suppression, bands (DOMAIN.md §2, §6)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from model.collect.demographics import AGE_BANDS, age_band, imd_quintile_from_decile
from model.core.errors import KnownError
from model.core.stats import wilson_interval
from model.results.compliance import (
    NOT_RECORDED,
    criterion_results,
    subgroup_results,
    suppress_for_export,
)


def make_answers(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Answers frame from {criterion: {outcome: count}}; case ids 0.. per criterion."""
    frames = []
    for crit, per_outcome in counts.items():
        outcomes = [o for o, k in per_outcome.items() for _ in range(k)]
        frame = {"criterion_id": crit, "case_id": range(len(outcomes)), "outcome": outcomes}
        frames.append(pd.DataFrame(frame))
    return pd.concat(frames, ignore_index=True)


WORKED = {"C1": {"met": 58, "not_met": 13, "exception": 6, "missing": 3}}
CRITERIA = [{"criterion_id": "C1", "short_name": "VTE assessed", "target": 95, "direction": "higher"}]


def test_worked_example_from_domain() -> None:
    r = criterion_results(make_answers(WORKED), CRITERIA).iloc[0]
    assert (r.eligible, r.met, r.not_met, r.exceptions, r.missing) == (80, 58, 13, 6, 3)
    assert r.compliance == pytest.approx(58 / 71)
    assert round(r.compliance_pct, 1) == 81.7
    assert r.pct_exceptions == pytest.approx(7.5)
    assert round(r.pct_missing, 1) == 3.8
    assert (r.ci_lower, r.ci_upper) == pytest.approx(wilson_interval(58, 71))
    assert r.rag == "red"  # 81.7 is more than 10 points below 95
    assert bool(r.clearly_below) is True
    assert r.short_name == "VTE assessed" and r.target == 95.0


def test_ward_example_expected_counts(shared_data: Path) -> None:
    expected = json.loads((shared_data / "ward_audit_example.expected.json").read_text(encoding="utf-8"))
    counts = {
        crit: {"met": c["met"], "not_met": c["not_met"], "exception": c["exception"], "missing": c["missing"]}
        for crit, c in expected["criteria"].items()
    }
    result = criterion_results(make_answers(counts), [{"criterion_id": c} for c in counts])
    result = result.set_index("criterion_id")
    for crit, c in expected["criteria"].items():
        assert round(result.loc[crit, "compliance_pct"], 1) == c["compliance_pct"]


def test_criteria_order_and_empty_criteria() -> None:
    criteria = [
        {"criterion_id": "C2", "short_name": "No answers", "target": 90},
        {"criterion_id": "C1", "short_name": "VTE", "target": 95},
        {"criterion_id": "C3", "short_name": "All exceptions", "target": None},
    ]
    answers = pd.concat([make_answers(WORKED), make_answers({"C3": {"exception": 4}})], ignore_index=True)
    r = criterion_results(answers, criteria)
    assert list(r["criterion_id"]) == ["C2", "C1", "C3"]
    empty, exc_only = r.iloc[0], r.iloc[2]
    assert empty.eligible == 0 and math.isnan(empty.compliance) and math.isnan(empty.ci_lower)
    assert pd.isna(empty.rag) and bool(empty.clearly_below) is False
    assert exc_only.eligible == 4 and exc_only.exceptions == 4 and math.isnan(exc_only.compliance)
    assert exc_only.pct_exceptions == 100.0


def test_criteria_as_dataframe_with_defaults() -> None:
    r = criterion_results(make_answers({"X": {"met": 1}}), pd.DataFrame({"criterion_id": ["X"]}))
    row = r.iloc[0]
    assert row.short_name == "X" and row.direction == "higher" and math.isnan(row.target)
    assert row.compliance == 1.0 and (row.ci_lower, row.ci_upper) == pytest.approx(wilson_interval(1, 1))
    assert pd.isna(row.rag)


@pytest.mark.parametrize(("met", "not_met", "clear"), [(9, 1, True), (2, 98, False), (6, 94, False)])
def test_lower_direction_mirrors_rag_and_clearly_below(met: int, not_met: int, clear: bool) -> None:
    criteria = [{"criterion_id": "F", "target": 5, "direction": "lower"}]
    r = criterion_results(make_answers({"F": {"met": met, "not_met": not_met}}), criteria).iloc[0]
    lower = wilson_interval(met, met + not_met)[0]
    assert bool(r.clearly_below) is clear is (lower * 100 > 5)
    pct = met * 100 / (met + not_met)
    assert r.rag == ("green" if pct <= 5 else "amber" if pct <= 15 else "red")


def test_missing_outcome_counts_as_missing_and_unknown_criterion_ignored() -> None:
    answers = pd.DataFrame({
        "criterion_id": ["A", "A", "A", "ZZ"],
        "case_id": [1, 2, 3, 1],
        "outcome": ["met", None, "not_met", "met"],
    })
    r = criterion_results(answers, [{"criterion_id": "A"}]).iloc[0]
    assert (r.eligible, r.met, r.not_met, r.missing) == (3, 1, 1, 1)
    assert len(criterion_results(answers, [{"criterion_id": "A"}])) == 1


def test_unknown_outcome_and_missing_columns_raise() -> None:
    bad = pd.DataFrame({"criterion_id": ["A"], "case_id": [1], "outcome": ["yes?"]})
    with pytest.raises(KnownError, match="yes\\?"):
        criterion_results(bad, [{"criterion_id": "A"}])
    with pytest.raises(KnownError, match="outcome"):
        criterion_results(bad.drop(columns="outcome"), [{"criterion_id": "A"}])
    with pytest.raises(KnownError, match="same identifier"):
        criterion_results(bad.assign(outcome="met"), [{"criterion_id": "A"}, {"criterion_id": "A"}])


def test_single_case() -> None:
    r = criterion_results(make_answers({"A": {"not_met": 1}}), [{"criterion_id": "A", "target": 100}]).iloc[0]
    assert r.compliance == 0.0 and r.rag == "red"
    assert (r.ci_lower, r.ci_upper) == pytest.approx(wilson_interval(0, 1))


# --- subgroups --------------------------------------------------------------------------


SEX_P = [0.45, 0.45, 0.05, 0.05]


@pytest.fixture
def cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    """120 cases, 2 criteria, with sex gaps (None and blank) and one answer for an unknown case."""
    rng = np.random.default_rng(3)
    n = 120
    cases = pd.DataFrame({
        "case_id": np.arange(n),
        "sex": rng.choice(np.array(["Female", "Male", None, " "], dtype=object), n, p=SEX_P),
        "imd_quintile": pd.array(rng.choice([1, 2, 3, 4, 5, None], n), dtype="Int64"),
        "age": rng.integers(16, 99, n),
    })
    cases["age_band"] = age_band(cases["age"])
    outcomes = np.array(["met", "not_met", "exception", "missing"], dtype=object)
    answers = pd.DataFrame({
        "criterion_id": np.repeat(["A", "B"], n + 1),
        "case_id": np.tile(np.append(np.arange(n), 999), 2),
        "outcome": rng.choice(outcomes, 2 * (n + 1), p=[0.6, 0.3, 0.05, 0.05]),
    })
    return answers, cases


CRIT_AB = [{"criterion_id": "A", "target": 90}, {"criterion_id": "B", "target": 80}]


def test_subgroups_add_up_to_the_whole(cohort: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    answers, cases = cohort
    sub = subgroup_results(answers, cases, "sex", CRIT_AB)
    whole = criterion_results(answers, CRIT_AB).set_index("criterion_id")
    sums = sub.groupby("criterion_id")[["eligible", "met", "not_met", "exceptions", "missing"]].sum()
    pd.testing.assert_frame_equal(sums, whole[sums.columns], check_dtype=False)


def test_subgroups_not_recorded_last_and_includes_blanks_and_unknown_cases(
    cohort: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    answers, cases = cohort
    sub = subgroup_results(answers, cases, "sex", CRIT_AB)
    a = sub[sub.criterion_id == "A"]
    assert list(a["subgroup"]) == ["Female", "Male", NOT_RECORDED]
    gaps = cases["sex"].isna() | cases["sex"].astype(str).str.strip().eq("")
    # Every case without a sex, plus the answer for case 999 that is not in the case list.
    assert a.iloc[-1].eligible == gaps.sum() + 1
    assert set(sub["by"]) == {"sex"}


def test_subgroup_labels_follow_category_and_numeric_order(cohort: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    answers, cases = cohort
    ages = subgroup_results(answers, cases, "age_band", CRIT_AB)
    labels = list(ages[ages.criterion_id == "A"]["subgroup"])
    assert labels == [b for b in AGE_BANDS if b in labels] + [NOT_RECORDED]  # case 999 has no band
    imd = subgroup_results(answers, cases, "imd_quintile", CRIT_AB)
    assert list(imd[imd.criterion_id == "B"]["subgroup"]) == ["1", "2", "3", "4", "5", NOT_RECORDED]


def test_subgroup_heterogeneity_matches_scipy_on_recorded_groups(
    cohort: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    answers, cases = cohort
    sub = subgroup_results(answers, cases, "imd_quintile", CRIT_AB)
    for crit, rows in sub.groupby("criterion_id"):
        recorded = rows[rows.subgroup != NOT_RECORDED]
        table = recorded[["met", "not_met"]].to_numpy()
        ref = sps.chi2_contingency(table, correction=False)
        assert rows["heterogeneity_p"].iloc[0] == pytest.approx(ref.pvalue), crit
        assert rows["heterogeneity_test"].iloc[0] == "chi2"
        assert bool(rows["heterogeneity_small_expected"].iloc[0]) is bool((ref.expected_freq < 5).any())


def test_subgroup_small_numbers_and_two_group_fisher() -> None:
    answers = make_answers({"A": {"met": 12, "not_met": 3}})
    cases = pd.DataFrame({"case_id": range(15), "site": ["North"] * 10 + ["South"] * 5})
    sub = subgroup_results(answers, cases, "site", [{"criterion_id": "A"}]).set_index("subgroup")
    assert list(sub.index) == ["North", "South"]  # no "Not recorded" row when all are recorded
    assert (sub.loc["North", "met"], sub.loc["North", "not_met"]) == (10, 0)
    assert bool(sub.loc["North", "small_number"]) is False  # zero cells are not "small"
    assert bool(sub.loc["South", "small_number"]) is True
    assert sub.loc["North", "heterogeneity_test"] == "fisher"
    assert sub.loc["North", "heterogeneity_p"] == pytest.approx(sps.fisher_exact([[10, 0], [2, 3]]).pvalue)


def test_subgroup_errors(cohort: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    answers, cases = cohort
    with pytest.raises(KnownError, match="ward"):
        subgroup_results(answers, cases, "ward", CRIT_AB)
    with pytest.raises(KnownError, match="twice"):
        subgroup_results(answers, pd.concat([cases, cases.head(1)]), "sex", CRIT_AB)


def test_large_input_counts_every_answer() -> None:
    """200,000 answers over 60 subgroups (timing lives in bench/run.py, not in tests)."""
    rng = np.random.default_rng(11)
    n_answers, n_crit = 200_000, 10
    n_cases = n_answers // n_crit
    answers = pd.DataFrame({
        "criterion_id": np.repeat([f"C{i}" for i in range(n_crit)], n_cases),
        "case_id": np.tile(np.arange(n_cases), n_crit),
        "outcome": rng.choice(np.array(["met", "not_met", "exception", "missing"], dtype=object), n_answers),
    })
    cases = pd.DataFrame({"case_id": np.arange(n_cases), "month": rng.integers(0, 60, n_cases)})
    criteria = [{"criterion_id": f"C{i}", "target": 90} for i in range(n_crit)]
    results = criterion_results(answers, criteria)
    sub = subgroup_results(answers, cases, "month", criteria)
    assert results["eligible"].sum() == n_answers
    assert len(sub) == n_crit * 60 and sub["eligible"].sum() == n_answers


# --- suppression ------------------------------------------------------------------------


def test_suppression_hides_small_counts_and_derived_figures() -> None:
    r = criterion_results(make_answers({"A": {"met": 40, "not_met": 3, "exception": 10, "missing": 0}}),
                          [{"criterion_id": "A", "target": 95}])
    s = suppress_for_export(r).iloc[0]
    assert s.not_met == "<5"
    assert s.exceptions == "<5"  # secondary: smallest other nonzero count, so 3 cannot be derived
    assert s.met == 40 and s.missing == 0 and s.eligible == 53
    assert math.isnan(s.compliance) and math.isnan(s.ci_lower) and math.isnan(s.compliance_pct)
    assert s.rag is None and s.clearly_below is None
    assert math.isnan(s.pct_exceptions) and s.pct_missing == 0.0
    assert r.iloc[0].not_met == 3  # the input is not changed


def test_suppression_marker_threshold_and_untouched_rows() -> None:
    r = criterion_results(make_answers({"A": {"met": 50, "not_met": 20}, "B": {"met": 2}}),
                          [{"criterion_id": "A"}, {"criterion_id": "B"}])
    s = suppress_for_export(r, threshold=10, marker="*").set_index("criterion_id")
    assert s.loc["A", "met"] == 50 and s.loc["A", "not_met"] == 20
    assert s.loc["A", "compliance"] == pytest.approx(50 / 70)
    assert s.loc["B", "met"] == "*" and s.loc["B", "eligible"] == "*"


def test_suppression_on_subgroups() -> None:
    answers = make_answers({"A": {"met": 17, "not_met": 3}})
    cases = pd.DataFrame({"case_id": range(20), "site": ["North"] * 15 + ["South"] * 5})
    s = suppress_for_export(subgroup_results(answers, cases, "site", [{"criterion_id": "A"}]))
    north, south = s.iloc[0], s.iloc[1]
    assert (north.met, north.not_met, north.eligible) == (15, 0, 15)
    assert (south.met, south.not_met, south.eligible) == ("<5", "<5", 5)
    assert math.isnan(south.compliance) and north.compliance == 1.0
    assert north.heterogeneity_p == south.heterogeneity_p  # p-values cannot reveal counts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 12)] * 4), min_size=1, max_size=6))
def test_suppressed_count_never_recoverable_by_subtraction(rows: list[tuple[int, int, int, int]]) -> None:
    counts = {f"C{i}": dict(zip(("met", "not_met", "exception", "missing"), r, strict=True))
              for i, r in enumerate(rows)}
    answers = make_answers(counts) if any(sum(r) for r in rows) else pd.DataFrame(
        {"criterion_id": [], "case_id": [], "outcome": []})
    s = suppress_for_export(criterion_results(answers, [{"criterion_id": c} for c in counts]))
    for _, row in s.iterrows():
        hidden = [c for c in ("met", "not_met", "exceptions", "missing") if row[c] == "<5"]
        assert all(not isinstance(row[c], str) or row[c] == "<5" for c in ("met", "not_met"))
        # With the total shown, a lone hidden component could be worked out.
        assert len(hidden) != 1 or row["eligible"] == "<5"
        if {"met", "not_met"} & set(hidden):
            assert pd.isna(row["compliance"]) and pd.isna(row["ci_upper"])


# --- bands ------------------------------------------------------------------------------


def test_age_band_boundaries() -> None:
    ages = pd.Series([0, 15, 15.9, 16, 39, 40, 64, 65, 79, 80, 104, -1, None, "abc", "70"])
    bands = age_band(ages)
    assert list(bands.astype(object).where(bands.notna(), None)) == [
        "0–15", "0–15", "0–15", "16–39", "16–39", "40–64", "40–64", "65–79", "65–79", "80+", "80+",
        None, None, None, "65–79",
    ]
    assert bands.cat.ordered and list(bands.cat.categories) == list(AGE_BANDS)


def test_imd_quintile_from_decile() -> None:
    q = imd_quintile_from_decile(pd.Series([1, 2, 3, 4, 9, 10, 0, 11, 2.5, None, "7"]))
    assert q.tolist() == [1, 1, 2, 2, 5, 5, pd.NA, pd.NA, pd.NA, pd.NA, 4]
    assert str(q.dtype) == "Int64"
