"""One ward, one name: spellings merged before an import, and remembered."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from model.collect.case_import import commit_import, criterion_target, plan_import, proposed_merges
from model.collect.value_merge import merge_key, propose_merges, remembered_merges
from model.plan.criteria import list_criteria
from model.store.store import open_memory
from tests.model.test_case_import import make_cycle, table_from


@pytest.fixture
def db() -> Database:
    database = open_memory()
    yield database
    database.close()


def test_case_spacing_abbreviations_and_ward_numbers_merge():
    typed = ["AMU", "amu ", "Acute Medical Unit", "Acute medical unit", "Acute Medical Unit", "Ward 12", "W12",
             "ward12", "Respiratory", "respiratory"]
    merges = propose_merges(typed)
    assert {merges.get(s, s) for s in typed} == {"Acute Medical Unit", "Ward 12", "Respiratory"}
    assert "Acute Medical Unit" not in merges and merges["AMU"] == "Acute Medical Unit"


def test_different_wards_stay_apart():
    assert propose_merges(["Ward 12", "Ward 14", "AMU", "ACU", "Cardiology"]) == {}
    assert merge_key("W 12") == merge_key("Ward 12") != merge_key("Ward 14")


def test_the_commonest_full_spelling_is_kept_and_an_abbreviation_alone_stays():
    assert propose_merges(["CCU", "ccu", "CCU"]) == {"ccu": "CCU"}


def test_the_plan_stores_one_ward_name_and_the_merge_is_remembered(db):
    _audit, cycle_id = make_cycle(db)
    table = table_from({"Case no.": ["1", "2", "3", "4"], "Ward": ["AMU", "amu ", "Acute Medical Unit", "W12"],
                        "Screening tool used": ["Y", "N", "Y", "Y"]})
    mapping = {"Case no.": "case_ref", "Ward": "ward",
               "Screening tool used": criterion_target(list_criteria(db, cycle_id)[0])}
    merges = proposed_merges(db, table, mapping)
    assert merges == {"ward": {"AMU": "Acute Medical Unit", "amu": "Acute Medical Unit"}}
    merges["ward"]["W12"] = "Acute Medical Unit"  # the user knows better: W12 is the AMU here
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=None, merges=merges)
    assert set(plan.cases["ward"]) == {"Acute Medical Unit"}
    commit_import(db, cycle_id, plan, file_name="sheet.xlsx", sha256="x")
    assert remembered_merges(db, "ward")[merge_key("W12")] == "Acute Medical Unit"
    later = table_from({"Case no.": ["9"], "Ward": ["w12"], "Screening tool used": ["Y"]})
    assert proposed_merges(db, later, mapping) == {"ward": {"w12": "Acute Medical Unit"}}
