"""The data-quality panel's model: every kind of issue, pointing at its case."""

from __future__ import annotations

import numpy as np
import pytest

from model.collect.case_import import commit_import, criterion_target, plan_import
from model.collect.cases import Answer, Case, add_case
from model.collect.data_quality import check_cycle
from model.demo import populate_demo
from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle, update_cycle
from model.store.store import open_memory
from tests.model.test_case_import import KEY, make_cycle, table_from


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


def test_demo_cycle_missing_answers_by_criterion(db):
    populate_demo(db)
    quality = check_cycle(db, 1)
    assert quality.cases == 120
    stored_missing = db.execute("SELECT COUNT(*) FROM answers a JOIN cases c ON c.id = a.case_id "
                                "WHERE c.cycle_id = 1 AND outcome = 'missing'").fetchone()[0]
    assert quality.by_criterion["missing"].sum() == stored_missing
    assert quality.counts().get("missing_answer", 0) == stored_missing
    assert (quality.by_criterion["answered"] + quality.by_criterion["missing"] == 120).all()


def test_every_issue_kind(db):
    _a, cycle_id = make_cycle(db, [("Q1", "first"), ("Q2", "second")])
    cycle = get_cycle(db, cycle_id)
    cycle.planned_sample = 2
    update_cycle(db, cycle)
    q1, q2 = list_criteria(db, cycle_id)
    # Row 5 has no case reference: rejected, but it is not a duplicate.
    table = table_from({"Case": ["1", "2", "2", np.nan], "NHS": ["9990000018", "9990000018", np.nan, np.nan],
                        "Date": ["05/02/2026", "01/06/2026", "06/02/2026", np.nan], "Sex": ["F", "M", "M", "F"],
                        "A": ["Yes", "pending", "No", "Yes"]})
    mapping = {"Case": "case_ref", "NHS": "nhs_number", "Date": "case_date", "Sex": "sex", "A": criterion_target(q1)}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="sheet.xlsx", sha256="s")
    typed = add_case(db, Case(cycle_id=cycle_id, case_ref="3", case_date="2026-02-01", sex="F", ward="AMU",
                              collector="LC", age=40, answers={q1.id: Answer("met"), q2.id: Answer("met")}))
    quality = check_cycle(db, cycle_id)
    issues = quality.issues
    by_kind = {k: issues[issues["kind"] == k] for k in quality.counts()}
    assert set(by_kind) == {"missing_answer", "missing_field", "unrecognised", "outside_period",
                            "duplicate_patient", "duplicate_ref", "beyond_sample"}
    ids = dict(db.execute("SELECT case_ref, id FROM cases").fetchall())
    assert by_kind["unrecognised"][["case_id", "case_ref"]].values.tolist() == [[ids["2"], "2"]]
    assert "'pending'" in by_kind["unrecognised"]["detail"].iloc[0]
    assert by_kind["outside_period"]["case_ref"].tolist() == ["2"]
    assert sorted(by_kind["duplicate_patient"]["case_ref"]) == ["1", "2"]
    assert by_kind["duplicate_ref"]["case_id"].tolist() == [ids["2"]]
    assert by_kind["beyond_sample"]["case_id"].tolist() == [typed.id]
    # Q2 was not in the file: both imported cases miss it; "2" also lost its unreadable answer.
    missing = by_kind["missing_answer"]
    assert sorted(missing["case_ref"]) == ["1", "2", "2"]
    assert quality.by_criterion.loc[q2.id, "missing"] == 2
    assert quality.by_field.loc["ward", "missing"] == 2 and quality.by_field.loc["sex", "missing"] == 0


def test_empty_cycle_has_no_issues(db):
    _a, cycle_id = make_cycle(db)
    quality = check_cycle(db, cycle_id)
    assert quality.cases == 0 and quality.issues.empty
    assert quality.by_criterion["missing"].sum() == 0
