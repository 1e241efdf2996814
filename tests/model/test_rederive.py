"""Results follow the criterion shown: a changed definition re-judges every stored answer."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlite_utils import Database

from model.collect.cases import Case, add_case
from model.collect.entry import derive_series
from model.collect.rederive import criterion_history, plan_rederivation, save_with_rederivation
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, get_criterion
from model.plan.cycles import Cycle, create_cycle
from model.results.cycle_results import cycle_results
from model.store.case_answers import Answer, case_answers, write_case_answers
from model.store.store import open_memory

# A ward sheet's Yes/No/0/1 column, once mapped to a timed criterion (met when ≤ 60 minutes).
RAWS = ["0", "0", "1", "Yes", "No", "45", "90", None]


@pytest.fixture
def db() -> Database:
    database = open_memory()
    yield database
    database.close()


def _timed(db: Database) -> tuple[Criterion, list[int]]:
    audit = create_audit(db, Audit(title="Sepsis"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    c = add_criterion(db, cycle.id, Criterion(statement="Lactate within 1 hour", short_name="Lactate ≤1 h",
                                              answer_type="time_diff", threshold=60, threshold_op="<=",
                                              threshold_unit="minutes"))
    outcome, value, _ = derive_series(pd.Series(RAWS, dtype=object), c)
    cases = []
    for i, raw in enumerate(RAWS):
        case = add_case(db, Case(cycle_id=cycle.id, case_ref=f"C{i}"))
        number = value.iloc[i]
        write_case_answers(db, case.id, {c.id: Answer(outcome.iloc[i], raw, None if pd.isna(number) else number)})
        cases.append(case.id)
    return c, cases


def _outcomes(db: Database, c: Criterion, cases: list[int]) -> list[str]:
    return [case_answers(db, case)[c.id].outcome for case in cases]


def test_timed_criterion_counts_zero_as_met_until_it_becomes_yes_no(db):
    c, cases = _timed(db)
    assert _outcomes(db, c, cases) == ["met", "met", "met", "met", "not_met", "met", "not_met", "missing"]
    c.answer_type = "yes_no"
    plan = plan_rederivation(db, c)
    assert plan.fields == ("answer_type",)
    assert plan.answers == 8 and plan.changed == 2 and plan.moves == {("met", "not_met"): 2}
    assert plan.kept == 2  # "45" and "90" are not Yes/No: kept as stored, never guessed
    assert _outcomes(db, c, cases)[0] == "met"  # planning changes nothing
    assert "2 of 8 stored answers change outcome: 2 met → not met" in plan.summary()

    save_with_rederivation(db, c)
    assert get_criterion(db, c.id).answer_type == "yes_no"
    assert _outcomes(db, c, cases) == ["not_met", "not_met", "met", "met", "not_met", "met", "not_met", "missing"]
    row = cycle_results(db, c.cycle_id).table.iloc[0]
    assert (row["met"], row["not_met"]) == (3, 4)  # the results page follows at once


def test_a_new_threshold_rejudges_the_numbers_kept_with_each_answer(db):
    c, cases = _timed(db)
    c.threshold = 30
    plan = save_with_rederivation(db, c)
    assert plan.moves == {("met", "not_met"): 1}  # 45 minutes no longer within the limit
    assert _outcomes(db, c, cases)[5] == "not_met"
    assert case_answers(db, cases[5])[c.id] == Answer("not_met", "45", 45.0)
    history = criterion_history(db, c.id)
    assert [h.fields for h in history] == ["threshold"] and history[0].answers_rejudged == 1


def test_times_the_form_derived_from_two_clock_times_follow_the_threshold(db):
    c, cases = _timed(db)
    write_case_answers(db, cases[7], {c.id: Answer("met", None, 50.0)})  # no text, only the minutes
    c.threshold = 40
    save_with_rederivation(db, c)
    assert case_answers(db, cases[7])[c.id].outcome == "not_met"


def test_wording_changes_rejudge_nothing_and_are_not_history(db):
    c, cases = _timed(db)
    c.statement = "Lactate measured within one hour of arrival"
    c.target = 90
    plan = save_with_rederivation(db, c)
    assert plan.fields == () and plan.changed == 0 and criterion_history(db, c.id) == []


def test_a_refused_save_rewrites_no_answer(db):
    c, cases = _timed(db)
    c.answer_type, c.target = "yes_no", 150  # an impossible target refuses the whole save
    with pytest.raises(KnownError):
        save_with_rederivation(db, c)
    assert _outcomes(db, c, cases)[0] == "met"
    assert get_criterion(db, c.id).answer_type == "time_diff" and criterion_history(db, c.id) == []
