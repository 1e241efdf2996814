"""Deriving outcomes from entered answers: yes/no, numeric, time difference, choice."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from model.collect.entry import (
    NEGATIVE_TIME,
    derive_choice,
    derive_distinct,
    derive_minutes,
    derive_numeric,
    derive_series,
    minutes_between,
    text_codes,
    threshold_text,
)
from model.plan.criteria import Criterion

ANTIBIOTICS = Criterion(statement="Antibiotics within 60 minutes", answer_type="time_diff", threshold=60,
                        threshold_op="<=", threshold_unit="minutes")
WITHIN_1H = Criterion(statement="Antibiotics within 1 hour", answer_type="time_diff", threshold=1,
                      threshold_op="<=", threshold_unit="hours")
HB = Criterion(statement="Haemoglobin at least 70", answer_type="numeric", threshold=70, threshold_op=">=")
ROUTE = Criterion(statement="Route", answer_type="choice", choices_json=json.dumps(["IV", "Oral", "N/A"]),
                  met_choices_json=json.dumps(["IV"]))


@pytest.mark.parametrize(("minutes", "outcome"), [(0, "met"), (60, "met"), (60.5, "not_met"), (None, "missing")])
def test_time_difference_against_60_minutes(minutes, outcome):
    assert derive_minutes(minutes, ANTIBIOTICS).outcome == outcome


def test_negative_time_is_a_data_error_not_met():
    result = derive_minutes(-5, ANTIBIOTICS)
    assert result.outcome == "missing" and result.problem == NEGATIVE_TIME and result.value == -5


def test_threshold_in_hours_compares_minutes():
    assert derive_minutes(59, WITHIN_1H).outcome == "met"
    assert derive_minutes(61, WITHIN_1H).outcome == "not_met"


def test_minutes_between_two_datetimes():
    assert minutes_between(datetime(2026, 1, 1, 10, 0), datetime(2026, 1, 1, 10, 45)) == 45
    assert minutes_between(None, datetime(2026, 1, 1)) is None


def test_numeric_threshold_both_sides():
    assert derive_numeric(70, HB).outcome == "met"
    assert derive_numeric(69.9, HB) .outcome == "not_met"
    assert derive_numeric(None, HB).outcome == "missing"
    assert threshold_text(HB) == "met when ≥ 70"


def test_choice_met_not_met_and_exception():
    assert derive_choice("IV", ROUTE).outcome == "met"
    assert derive_choice("Oral", ROUTE).outcome == "not_met"
    assert derive_choice("N/A", ROUTE).outcome == "exception"
    assert derive_choice("", ROUTE).outcome == "missing"


def test_series_numeric_column_mixes_numbers_and_words():
    cells = pd.Series(["45", "75", "N/A", np.nan, "-3", "soon"])
    outcome, value, problem = derive_series(cells, ANTIBIOTICS)
    assert outcome.tolist() == ["met", "not_met", "exception", "missing", "missing", "unrecognised"]
    assert value.iloc[0] == 45 and np.isnan(value.iloc[2])
    assert problem.iloc[4] == NEGATIVE_TIME


def test_series_decisions_override_numbers_and_unknowns():
    cells = pd.Series(["yes - 70 min", "?", "Yes"])
    outcome, _v, _p = derive_series(cells, Criterion(statement="x"), {"Yes - 70 MIN": "not_met", "?": "missing"})
    assert outcome.tolist() == ["not_met", "missing", "met"]


def test_series_choice_column():
    outcome, _v, _p = derive_series(pd.Series(["IV", "Oral", "n/a", "Other"]), ROUTE)
    assert outcome.tolist() == ["met", "not_met", "exception", "unrecognised"]


def test_next_case_ref_and_case_rows():
    from model.collect.cases import Answer, Case, add_case, case_rows, next_case_ref
    from model.plan.criteria import add_criterion
    from model.store.store import open_memory
    from tests.model.test_case_import import make_cycle

    db = open_memory()
    _a, cycle_id = make_cycle(db, [])
    assert next_case_ref(db, cycle_id) == "1"
    first = add_criterion(db, cycle_id, Criterion(statement="q1"))
    add_criterion(db, cycle_id, Criterion(statement="q2"))
    add_case(db, Case(cycle_id=cycle_id, case_ref="AMU-009", answers={first.id: Answer("met")}))
    assert next_case_ref(db, cycle_id) == "AMU-010"
    add_case(db, Case(cycle_id=cycle_id, case_ref="AMU-010"))
    add_case(db, Case(cycle_id=cycle_id, case_ref="AMU-011"))
    add_case(db, Case(cycle_id=cycle_id, case_ref="extra"))
    assert next_case_ref(db, cycle_id) == "AMU-012"
    rows = case_rows(db, cycle_id, "009")
    assert [(r.case_ref, r.met, r.missing) for r in rows] == [("AMU-009", 1, 1)]
    assert rows[0].summary == "1 met · 0 not met · 0 N/A · 1 missing"
    assert [r.case_ref for r in case_rows(db, cycle_id, "_")] == []  # LIKE wildcards are escaped
    db.close()


@pytest.mark.parametrize("criterion", [ANTIBIOTICS, HB, ROUTE, Criterion(statement="Yes/No")],
                         ids=lambda c: c.answer_type)
def test_distinct_values_derive_like_every_cell(criterion):
    cells = pd.Series(["45", "75", "N/A", np.nan, "-3", "soon", "45", "IV", " Oral ", "yes", "75", np.nan, "IV"],
                      dtype="str")
    decisions = {"SOON": "not_met"}
    codes, distinct = text_codes(cells)
    assert list(distinct) == ["45", "75", "N/A", "-3", "soon", "IV", " Oral ", "yes"]  # each text once
    assert codes.tolist() == [0, 1, 2, -1, 3, 4, 0, 5, 6, 7, 1, -1, 5]
    outcome, value, problem = derive_distinct(distinct, criterion, decisions)
    assert len(outcome) == len(distinct) + 1 and outcome[-1] == "missing" and np.isnan(value[-1])
    by_cell = derive_series(cells, criterion, decisions)
    assert by_cell[0].tolist() == outcome[codes].tolist()
    np.testing.assert_array_equal(by_cell[1].to_numpy(), value[codes])
    assert by_cell[2].tolist() == problem[codes].tolist()
    # The same rules one cell at a time (the entry form's path) agree for numbers and words.
    for text, got in zip(cells, by_cell[0], strict=True):
        alone = derive_series(pd.Series([text], dtype="str"), criterion, decisions)[0].iloc[0]
        assert alone == got


def test_series_values_are_floats_even_when_every_cell_is_a_whole_number():
    outcome, value, _p = derive_series(pd.Series(["45", "75"]), ANTIBIOTICS)
    assert outcome.tolist() == ["met", "not_met"]
    assert value.dtype == np.float64 and value.tolist() == [45.0, 75.0]
