"""Tests for model.results.cycle_results: a cycle's results, subgroups and two cycles compared (DOMAIN.md §2, §4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from model.collect.cases import Answer, Case, add_case, delete_case
from model.core.errors import KnownError
from model.core.stats import wilson_interval
from model.plan.audits import Audit, create_audit, get_audit, update_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria, save_criterion
from model.plan.cycles import Cycle, create_cycle, get_cycle, start_next_cycle, update_cycle
from model.results.cycle_results import (
    Completeness,
    compare_cycles,
    comparison_partners,
    compute_results,
    cycle_results,
    cycle_subgroups,
    expected_counts,
)
from model.store.store import open_memory


def add_cases(db: Database, cycle_id: int, criterion_id: int, outcomes: dict[str, int], *,
              sex: list[str] | None = None, start: int = 0) -> list[int]:
    """Add one case per outcome (counts per outcome); 'absent' adds a case with no stored answer."""
    ids = []
    flat = [o for o, k in outcomes.items() for _ in range(k)]
    for i, outcome in enumerate(flat):
        answers = {} if outcome == "absent" else {criterion_id: Answer(outcome)}
        case = Case(cycle_id=cycle_id, case_ref=f"R{start + i}", answers=answers,
                    sex=sex[i % len(sex)] if sex else None)
        ids.append(add_case(db, case).id)
    return ids


@pytest.fixture
def db() -> Database:
    return open_memory()


def one_criterion_cycle(db: Database, outcomes: dict[str, int], target: float = 95.0) -> tuple[int, int]:
    audit = create_audit(db, Audit(title="VTE"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, standard_version="2019"))
    crit = add_criterion(db, cycle.id, Criterion(statement="Risk assessed", short_name="Assessed", target=target))
    add_cases(db, cycle.id, crit.id, outcomes)
    return cycle.id, crit.id


def second_cycle(db: Database, first_cycle_id: int, outcomes: dict[str, int]) -> int:
    second = start_next_cycle(db, get_cycle(db, first_cycle_id).audit_id)
    crit = list_criteria(db, second.id)[0]
    add_cases(db, second.id, crit.id, outcomes, start=1000)
    return second.id


def test_worked_example_counts_and_completeness(db):
    cycle_id, _ = one_criterion_cycle(db, {"met": 58, "not_met": 13, "exception": 6, "missing": 3})
    results = cycle_results(db, cycle_id)
    row = results.table.iloc[0]
    assert (row.eligible, row.met, row.not_met, row.exceptions, row.missing) == (80, 58, 13, 6, 3)
    assert round(row.compliance_pct, 1) == 81.7
    assert (row.ci_lower, row.ci_upper) == pytest.approx(wilson_interval(58, 71))
    assert row.rag == "red" and bool(row.clearly_below)
    assert results.completeness == Completeness(expected=80, missing=3, cases=80)
    assert results.completeness.sentence() == "3 of 80 answers missing (3.8%)"
    assert results.sentences[0].startswith("81.7% met the standard (95% CI 71–89%), below the 95% target.")
    assert results.cycle_title == "Cycle 1 (baseline)"


def test_exceptions_are_not_failures(db):
    cycle_id, _ = one_criterion_cycle(db, {"met": 31, "not_met": 19, "exception": 20})
    row = cycle_results(db, cycle_id).table.iloc[0]
    assert row.compliance == pytest.approx(31 / 50)  # not 31 / 70
    assert row.exceptions == 20 and row.eligible == 70


def test_answers_never_entered_count_as_missing(db):
    cycle_id, _ = one_criterion_cycle(db, {"met": 10, "not_met": 5, "missing": 2, "absent": 3})
    results = cycle_results(db, cycle_id)
    row = results.table.iloc[0]
    assert row.missing == 5 and row.eligible == 20
    assert row.compliance == pytest.approx(10 / 15)
    assert results.completeness.sentence() == "5 of 20 answers missing (25.0%)"


def test_deleted_cases_are_left_out(db):
    audit = create_audit(db, Audit(title="A"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, cycle.id, Criterion(statement="s", target=90))
    ids = add_cases(db, cycle.id, crit.id, {"met": 4, "not_met": 1})
    delete_case(db, ids[-1])
    row = cycle_results(db, cycle.id).table.iloc[0]
    assert (row.met, row.not_met, row.eligible) == (4, 0, 4)


def test_no_answers_gives_no_compliance_and_the_audit_tolerance_is_used(db):
    cycle_id, _ = one_criterion_cycle(db, {"exception": 4, "met": 0})
    results = cycle_results(db, cycle_id)
    assert np.isnan(results.table.iloc[0].compliance)
    assert results.table.iloc[0].rag is None
    assert "no case had a met or not-met answer" in results.sentences[0]

    audit = get_audit(db, get_cycle(db, cycle_id).audit_id)
    audit.rag_tolerance = 20.0
    update_audit(db, audit)
    add_cases(db, cycle_id, list_criteria(db, cycle_id)[0].id, {"met": 80, "not_met": 20}, start=100)
    assert cycle_results(db, cycle_id).table.iloc[0].rag == "amber"  # 80% vs 95%, within 20 points


def test_empty_cycle_says_so(db):
    audit = create_audit(db, Audit(title="Empty"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    results = cycle_results(db, cycle.id)
    assert results.table.empty
    assert results.completeness.sentence().startswith("No answers recorded yet")


def test_compare_worked_example(db):
    first, _ = one_criterion_cycle(db, {"met": 31, "not_met": 19, "exception": 4, "missing": 2})
    second = second_cycle(db, first, {"met": 45, "not_met": 7, "exception": 3})
    [item] = compare_cycles(db, first, second)
    c = item.comparison
    assert (c.x1, c.n1, c.x2, c.n2) == (31, 50, 45, 52)
    assert round(c.difference * 100, 1) == 24.5
    assert (round(c.ci_lower * 100, 1), round(c.ci_upper * 100, 1)) == (7.6, 40.0)
    assert c.test_used == "chi2" and round(c.p_value, 4) == 0.0045
    assert (round(c.yates_p, 4), round(c.fisher_p, 4)) == (0.0089, 0.0061)
    assert item.difference_text == "+24.5 points (95% CI 7.6 to 40.0)"
    assert item.verdict.startswith("Compliance rose from 62% (95% CI 48–74%) to 87% (75–93%).")
    assert "unlikely to be due to chance alone" in item.verdict
    assert item.definition_change == "" and item.standard_change == ""
    assert (item.earlier_label, item.later_label) == ("Cycle 1 (baseline)", "Cycle 2 (re-audit)")
    expected = expected_counts(c)
    assert expected.sum() == pytest.approx(102)
    assert expected.min() == pytest.approx(c.min_expected) and round(c.min_expected, 1) == 12.7


def test_compare_small_example_uses_fisher(db):
    first, _ = one_criterion_cycle(db, {"met": 7, "not_met": 5})
    second = second_cycle(db, first, {"met": 11, "not_met": 1})
    [item] = compare_cycles(db, first, second)
    assert item.comparison.test_used == "fisher"
    assert round(item.comparison.p_value, 3) == 0.155
    assert item.verdict.startswith("No clear change: 58% → 92% on 12 cases per cycle (p = 0.16).")


def test_compare_flags_definition_and_standard_changes(db):
    first, _ = one_criterion_cycle(db, {"met": 8, "not_met": 2})
    second = second_cycle(db, first, {"met": 9, "not_met": 1})
    crit = list_criteria(db, second)[0]
    crit.statement = "Risk assessed within 24 hours"
    save_criterion(db, crit)
    cycle = get_cycle(db, second)
    cycle.standard_version = "2023"
    update_cycle(db, cycle)
    added = add_criterion(db, second, Criterion(statement="New one", short_name="New", target=90))
    add_cases(db, second, added.id, {"met": 3}, start=5000)
    items = compare_cycles(db, first, second)
    assert [i.name for i in items] == ["Assessed", "New"]
    assert "statement" in items[0].definition_change
    assert items[0].standard_change == "The standard's version changed between the cycles (2019 → 2023)."
    assert items[1].comparison is None and "measured only in Cycle 2 (re-audit)" in items[1].verdict
    assert items[1].definition_change == "added in this cycle"


def test_comparison_partners(db):
    first, _ = one_criterion_cycle(db, {"met": 1})
    second = second_cycle(db, first, {"met": 1})
    third = start_next_cycle(db, get_cycle(db, first).audit_id).id
    assert comparison_partners(db, first) == {}
    partners = comparison_partners(db, third)
    assert (partners["previous"].id, partners["baseline"].id) == (second, first)


def test_subgroups_by_sex_with_small_numbers(db):
    audit = create_audit(db, Audit(title="A", small_number_threshold=5))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, cycle.id, Criterion(statement="s", short_name="S", target=90))
    add_cases(db, cycle.id, crit.id, {"met": 20, "not_met": 10}, sex=["Female", "Male"])
    add_cases(db, cycle.id, crit.id, {"met": 3}, start=100)  # sex not recorded
    frame = cycle_subgroups(db, cycle.id, "sex")
    assert list(frame["subgroup"]) == ["Female", "Male", "Not recorded"]
    assert list(frame["met"]) == [10, 10, 3] and list(frame["not_met"]) == [5, 5, 0]
    assert list(frame["small_number"]) == [False, False, True]
    assert frame["heterogeneity_p"].notna().all()


def test_subgroups_work_out_age_band_from_age(db):
    audit = create_audit(db, Audit(title="A"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, cycle.id, Criterion(statement="s", target=90))
    add_case(db, Case(cycle_id=cycle.id, case_ref="a", age=70, answers={crit.id: Answer("met")}))
    add_case(db, Case(cycle_id=cycle.id, case_ref="b", age_band="16–39", answers={crit.id: Answer("not_met")}))
    frame = cycle_subgroups(db, cycle.id, "age_band")
    assert list(frame["subgroup"]) == ["16–39", "65–79"]


def test_unknown_subgroup_field_is_a_known_error(db):
    cycle_id, _ = one_criterion_cycle(db, {"met": 1})
    with pytest.raises(KnownError, match="cannot be split by"):
        cycle_subgroups(db, cycle_id, "nhs_number")


def test_compute_results_200k_answers():
    """Counts stay exact at scale (timing lives in bench/run.py)."""
    rng = np.random.default_rng(7)
    n_cases, n_crit = 20_000, 10
    case_ids = np.arange(1, n_cases + 1)
    criteria = pd.DataFrame({"criterion_id": np.arange(1, n_crit + 1), "short_name": [f"C{i}" for i in range(n_crit)],
                             "target": 90.0, "direction": "higher"})
    outcomes = np.array(["met", "not_met", "exception", "missing"], dtype=object)
    answers = pd.DataFrame({"criterion_id": np.repeat(criteria["criterion_id"].to_numpy(), n_cases),
                            "case_id": np.tile(case_ids, n_crit),
                            "outcome": outcomes[rng.integers(0, 4, n_cases * n_crit)]})
    answers = answers.sample(frac=0.99, random_state=1)  # some never entered
    table, completeness = compute_results(answers, criteria, case_ids)
    assert completeness.expected == 200_000
    assert int(table["eligible"].sum()) == 200_000
    assert completeness.missing == int((answers["outcome"] == "missing").sum()) + 2000
