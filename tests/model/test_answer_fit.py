"""A column whose values do not fit its criterion's answer type is caught before import."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlite_utils import Database

from model.collect.answer_fit import answer_type_mismatches, column_mismatch, values_fit
from model.collect.import_mapping import auto_mapping
from model.plan.criteria import Criterion, list_criteria, update_criterion
from model.store.store import open_memory
from tests.model.test_case_import import make_cycle, table_from


@pytest.fixture
def db() -> Database:
    database = open_memory()
    yield database
    database.close()


TIMED = Criterion(statement="Lactate within 1 hour", short_name="Lactate", answer_type="time_diff", threshold=60,
                  threshold_unit="minutes")
YES_NO = Criterion(statement="Screening tool used", short_name="Screening")


@pytest.mark.parametrize(("cells", "fits"), [
    (["Yes", "No", "0", "1", None], "yes_no"),
    (["0", "1", "1", "0"], "yes_no"),            # 0 and 1 only: a tick column, not minutes
    (["y", "N", "n/a"], "yes_no"),
    (["45", "90", "n/a", "12.5"], "numeric"),
    (["0", "45", "1"], "numeric"),               # a real 0 minutes among durations
    (["Yes", "45"], None),                       # mixed: unclear, not guessed
    (["n/a", None], None),
])
def test_what_values_fit(cells, fits):
    from model.collect.answers import answer_key

    assert values_fit({answer_key(c) for c in cells if c}) == fits


def test_yes_no_values_into_a_timed_criterion_are_a_mismatch():
    fits, examples = column_mismatch(pd.Series(["Yes", "0", None, "1", "No"], dtype=object), TIMED)
    assert fits == "yes_no" and examples == ("Yes", "0", "1", "No")
    assert column_mismatch(pd.Series(["45", "70"], dtype=object), TIMED) is None


def test_numbers_into_a_yes_no_criterion_are_a_mismatch():
    assert column_mismatch(pd.Series(["45", "70"], dtype=object), YES_NO)[0] == "numeric"
    assert column_mismatch(pd.Series(["Y", "N", "0"], dtype=object), YES_NO) is None


def test_the_mapping_step_names_the_column_the_criterion_and_what_to_do(db):
    _audit, cycle_id = make_cycle(db)
    lactate = [c for c in list_criteria(db, cycle_id) if c.short_name == "Lactate ≤1 h"][0]
    lactate.answer_type, lactate.threshold, lactate.threshold_unit = "time_diff", 60, "minutes"
    update_criterion(db, lactate)
    table = table_from({"Case": ["1", "2", "3"], "Screening tool used": ["Y", "Y", "N"],
                        "Lactate ≤1 h": ["1", "0", "Yes"]})
    mapping = auto_mapping(db, cycle_id, table)
    found = answer_type_mismatches(db, cycle_id, table, mapping)
    assert [(m.column, m.letter, m.criterion_id, m.fits) for m in found] == [("Lactate ≤1 h", "C", lactate.id,
                                                                              "yes_no")]
    assert "Column C “Lactate ≤1 h” holds Yes/No answers" in found[0].message
    assert "0 counts as met" in found[0].message
