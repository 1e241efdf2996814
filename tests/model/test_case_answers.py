"""Answers packed on the case rows (model.store.case_answers): packing, merging, bulk writes, decoding."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from model.collect.cases import Case, add_case, delete_case
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, delete_criterion
from model.plan.cycles import Cycle, create_cycle
from model.store.case_answers import (
    OUTCOMES,
    PACKED_COLUMNS,
    Answer,
    AnswerColumn,
    answers_long,
    answers_sum,
    case_answers,
    column_from_values,
    pack,
    pack_columns,
    unpack,
    write_case_answers,
    write_many,
)
from model.store.store import open_memory


@pytest.fixture
def db() -> Database:
    database = open_memory()
    yield database
    database.close()


def make_cycle(db: Database, criteria: int = 3) -> tuple[int, list[int]]:
    audit = create_audit(db, Audit(title="Sepsis"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    ids = [add_criterion(db, cycle.id, Criterion(statement=f"Criterion {i}")).id for i in range(criteria)]
    return cycle.id, ids


def add_cases(db: Database, cycle_id: int, count: int) -> list[int]:
    return [add_case(db, Case(cycle_id=cycle_id, case_ref=f"C{i}")).id for i in range(count)]


def test_pack_and_unpack_round_trip():
    answers = {12: Answer("met", "Yes"), 3: Answer("not_met", "45 min", 45.0), 7: Answer("missing")}
    packed = pack(answers)
    assert packed == {"answer_criteria": "3,7,12", "outcomes": "N-M",
                      "answer_raws": '["45 min", null, "Yes"]', "answer_values": "[45.0, null, null]",
                      "answers_sum": answers_sum("3,7,12", "N-M", '["45 min", null, "Yes"]', "[45.0, null, null]")}
    assert unpack(*[packed[c] for c in PACKED_COLUMNS]) == {3: Answer("not_met", "45 min", 45.0), 7: Answer("missing"),
                                        12: Answer("met", "Yes")}


def test_pack_leaves_empty_arrays_out_and_never_writes_nan():
    packed = pack({1: Answer("exception"), 2: Answer("met", None, math.nan)})
    assert packed["answer_raws"] is None and packed["answer_values"] is None
    assert unpack("", "", None, None) == {}


def test_unknown_outcome_is_refused():
    with pytest.raises(KnownError, match="Unknown answer 'maybe'"):
        pack({1: Answer("maybe")})


def test_writing_merges_with_the_answers_already_stored(db):
    cycle_id, (a, b, c) = make_cycle(db)
    (case_id,) = add_cases(db, cycle_id, 1)
    write_case_answers(db, case_id, {a: Answer("met", "Yes"), b: Answer("not_met", "No")})
    write_case_answers(db, case_id, {b: Answer("exception", "N/A"), c: Answer("met", "y")})
    assert case_answers(db, case_id) == {a: Answer("met", "Yes"), b: Answer("exception", "N/A"),
                                         c: Answer("met", "y")}
    assert db.execute("SELECT criterion_id, outcome, raw FROM answers WHERE case_id = ? ORDER BY 1",
                      [case_id]).fetchall() == [(a, "met", "Yes"), (b, "exception", "N/A"), (c, "met", "y")]


def test_a_criterion_of_another_cycle_is_refused(db):
    cycle_id, _ids = make_cycle(db)
    _other_cycle, other_ids = make_cycle(db)
    (case_id,) = add_cases(db, cycle_id, 1)
    with pytest.raises(KnownError, match="not part of this case's cycle"):
        write_case_answers(db, case_id, {other_ids[0]: Answer("met")})
    with pytest.raises(KnownError, match="no longer exists"):
        write_case_answers(db, 999, {other_ids[0]: Answer("met")})


def column_strategy(n: int) -> st.SearchStrategy[AnswerColumn]:
    """A factorised column: 1–4 distinct entries (the last one blank) and n codes into them."""
    def build(entries: list[tuple[str, str | None, float | None]], codes: list[int]) -> AnswerColumn:
        entries = [*entries, ("missing", None, None)]
        return AnswerColumn(codes=np.array([c % len(entries) - (c % 2) * len(entries) for c in codes],
                                           dtype=np.intp),
                            outcome=np.array([e[0] for e in entries], dtype=object),
                            raw=np.array([e[1] for e in entries], dtype=object),
                            value=np.array([np.nan if e[2] is None else e[2] for e in entries], dtype=float))

    entry = st.tuples(st.sampled_from(OUTCOMES), st.one_of(st.none(), st.text(max_size=6)),
                      st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)))
    return st.builds(build, st.lists(entry, min_size=0, max_size=3),
                     st.lists(st.integers(0, 50), min_size=n, max_size=n))


@st.composite
def columns_strategy(draw: st.DrawFn) -> tuple[int, dict[int, AnswerColumn]]:
    n = draw(st.integers(0, 6))
    ids = draw(st.lists(st.integers(1, 500), min_size=1, max_size=4, unique=True))
    return n, {cid: draw(column_strategy(n)) for cid in ids}


@settings(max_examples=150, deadline=None)
@given(columns_strategy())
def test_bulk_packing_matches_packing_case_by_case(drawn):
    """pack_columns (vectorised, for imports) gives exactly what pack gives for each case."""
    n, columns = drawn
    bulk = pack_columns(columns, n)
    for i in range(n):
        one = pack({cid: Answer(col.outcome[col.codes[i]], col.raw[col.codes[i]],
                                None if np.isnan(col.value[col.codes[i]]) else float(col.value[col.codes[i]]))
                    for cid, col in columns.items()})
        assert bulk["answer_criteria"] == one["answer_criteria"]
        assert bulk["outcomes"][i] == one["outcomes"]
        for name in ("answer_raws", "answer_values"):
            got = bulk[name][i]
            assert (json.loads(got) if got else None) == (json.loads(one[name]) if one[name] else None), name


def test_bulk_write_and_long_read(db):
    cycle_id, (a, b, c) = make_cycle(db)
    case_ids = add_cases(db, cycle_id, 4)
    write_many(db, case_ids, {a: column_from_values(["met", "not_met", "exception", "missing"],
                                                    ["Yes", "No", "N/A", None]),
                              c: column_from_values(["met"] * 4, ["12"] * 4, [12.0, 13.0, None, 15.0])})
    long = answers_long(db, [cycle_id], raw=True, value=True, case_columns=("case_ref",))
    assert list(long.columns) == ["case_id", "criterion_id", "outcome", "case_ref", "raw", "value"]
    assert long["criterion_id"].tolist() == [a, c] * 4 and long["case_id"].tolist() == np.repeat(case_ids, 2).tolist()
    assert long["outcome"].tolist() == ["met", "met", "not_met", "met", "exception", "met", "missing", "met"]
    assert long["raw"].tolist() == ["Yes", "12", "No", "12", "N/A", "12", None, "12"]
    assert np.allclose(long["value"].to_numpy(), [np.nan, 12, np.nan, 13, np.nan, np.nan, np.nan, 15],
                       equal_nan=True)
    assert long["case_ref"].tolist()[:2] == ["C0", "C0"]
    assert b not in set(long["criterion_id"])  # never answered: no row


def test_long_read_mixes_cases_with_different_criteria_and_filters(db):
    cycle_id, (a, b, c) = make_cycle(db)
    first, second, third = add_cases(db, cycle_id, 3)
    write_case_answers(db, first, {a: Answer("met")})
    write_case_answers(db, second, {a: Answer("not_met"), b: Answer("met"), c: Answer("exception")})
    write_case_answers(db, third, {b: Answer("not_met")})
    delete_case(db, third)  # deleted cases are left out
    long = answers_long(db, [cycle_id])
    assert list(long.itertuples(index=False, name=None)) == [
        (first, a, "met"), (second, a, "not_met"), (second, b, "met"), (second, c, "exception")]
    only_b = answers_long(db, [cycle_id], criterion_ids={b})
    assert list(only_b.itertuples(index=False, name=None)) == [(second, b, "met")]
    empty = answers_long(db, [], raw=True)
    assert list(empty.columns) == ["case_id", "criterion_id", "outcome", "raw"] and empty.empty


def test_deleting_a_criterion_removes_its_answers_from_every_case(db):
    cycle_id, (a, b, c) = make_cycle(db)
    case_ids = add_cases(db, cycle_id, 3)
    write_many(db, case_ids, {a: column_from_values(["met"] * 3, ["Yes"] * 3),
                              b: column_from_values(["not_met"] * 3, ["No"] * 3, [1.0, 2.0, 3.0]),
                              c: column_from_values(["exception"] * 3, ["N/A"] * 3)})
    delete_criterion(db, b)
    assert case_answers(db, case_ids[1]) == {a: Answer("met", "Yes"), c: Answer("exception", "N/A")}
    assert set(answers_long(db, [cycle_id])["criterion_id"]) == {a, c}
