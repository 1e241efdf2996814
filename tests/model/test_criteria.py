"""Criteria: validation in plain words, ordering, copies, undo, and changes between cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.core.errors import KnownError
from model.demo import build_demo
from model.plan import criteria as crit
from model.plan.cycles import Cycle, create_cycle, criteria_changes, start_next_cycle


@pytest.fixture
def db(tmp_path: Path):
    store = build_demo(tmp_path / "demo.sqlite")
    yield store.db
    store.close()


@pytest.fixture
def cycle_id(db) -> int:
    """A fresh cycle of the proposed demo audit (id 3), with no criteria."""
    return create_cycle(db, Cycle(audit_id=3)).id


def full(**overrides: object) -> crit.Criterion:
    values = dict(statement="Consent form fully completed", denominator="Elective cases",
                  numerator="Forms with every section completed", exceptions="Emergency surgery",
                  source_ref="GMC consent 2020", data_location="Consent form", target=100.0)
    values.update(overrides)
    return crit.Criterion(**values)


def test_validation_messages_are_plain_words():
    problems = crit.validate(crit.Criterion(statement="", target=None))
    assert "A criterion without a denominator (who is eligible) cannot be measured." in problems
    assert "A criterion needs a statement of what should happen." in problems
    assert "Say who counts as meeting it (the numerator)." in problems
    assert any("Set a target" in p for p in problems)
    assert crit.validate(full()) == []
    assert crit.warnings(full()) == []
    assert any("source of the standard" in w for w in crit.warnings(full(source_ref="")))


def test_answer_type_problems():
    time = full(answer_type="time_diff", threshold=60.0, threshold_unit="")
    assert crit.answer_problems(time) == ["Say whether the time limit is in minutes, hours or days."]
    time.threshold_unit = "minutes"
    assert crit.answer_problems(time) == []
    assert crit.describe_rule(time) == "Met when the time is ≤ 60 minutes"
    choice = full(answer_type="choice")
    assert "at least two options" in crit.answer_problems(choice)[0]
    crit.set_choices(choice, [" Full ", "Partial", "", "Full", "None"], ["Full", "Missing option"])
    assert crit.choices(choice) == ["Full", "Partial", "None"]
    assert crit.met_choices(choice) == ["Full"]
    assert crit.answer_problems(choice) == []
    assert crit.describe_rule(choice) == "Met when the answer is Full"


def test_default_target_follows_direction():
    assert crit.default_target("higher") == 100.0
    assert crit.default_target("lower") == 0.0


def test_half_written_criterion_is_saved_but_bad_target_is_not(db, cycle_id):
    c = crit.add_criterion(db, cycle_id, crit.Criterion(statement=""))
    c.statement = "Half written"
    crit.save_criterion(db, c)
    assert crit.get_criterion(db, c.id).statement == "Half written"
    c.target = 150.0
    with pytest.raises(KnownError, match="between 0 and 100"):
        crit.save_criterion(db, c)
    assert crit.get_criterion(db, c.id).target == 100.0


def test_move_up_and_down(db, cycle_id):
    ids = [crit.add_criterion(db, cycle_id, full(short_name=n)).id for n in ("a", "b", "c")]
    crit.move_criterion(db, ids[2], -1)
    assert [c.short_name for c in crit.list_criteria(db, cycle_id)] == ["a", "c", "b"]
    crit.move_criterion(db, ids[0], +1)
    assert [c.short_name for c in crit.list_criteria(db, cycle_id)] == ["c", "a", "b"]
    crit.move_criterion(db, ids[1], +1)  # already last: stays
    assert [c.position for c in crit.list_criteria(db, cycle_id)] == [0, 1, 2]


def test_duplicate_gets_new_lineage_and_copy_name(db, cycle_id):
    original = crit.add_criterion(db, cycle_id, full(short_name="Consent"))
    copy = crit.duplicate_criterion(db, original.id)
    assert copy.short_name == "Consent (copy)"
    assert copy.lineage != original.lineage
    assert copy.statement == original.statement and copy.position == 1


def test_delete_and_restore_keeps_position_and_lineage(db, cycle_id):
    ids = [crit.add_criterion(db, cycle_id, full(short_name=n)).id for n in ("a", "b", "c")]
    kept = crit.get_criterion(db, ids[1])
    crit.delete_criterion(db, ids[1])
    restored = crit.restore_criterion(db, kept)
    assert [c.short_name for c in crit.list_criteria(db, cycle_id)] == ["a", "b", "c"]
    assert restored.lineage == kept.lineage


def test_answer_count_and_copies_from_another_audit(db, cycle_id):
    vte_first = crit.list_criteria(db, 1)
    assert crit.answer_count(db, vte_first[0].id) == 120  # one per baseline case
    copies = crit.add_criteria(db, cycle_id, [crit.fresh_copy(c) for c in vte_first[:2]])
    stored = crit.list_criteria(db, cycle_id)
    assert [c.short_name for c in stored] == [c.short_name for c in vte_first[:2]]
    assert {c.lineage for c in copies}.isdisjoint({c.lineage for c in vte_first})


def test_changes_between_cycles_are_recorded(db):
    second_cycle = crit.list_criteria(db, 2)
    assert criteria_changes(db, 1, 2) == {}
    edited = second_cycle[0]
    assert crit.previous_criterion(db, edited).id == crit.list_criteria(db, 1)[0].id
    edited.statement = "Adults have a VTE risk assessment within 24 hours."
    edited.target = 90.0
    crit.save_criterion(db, edited)
    assert crit.get_criterion(db, edited.id).changes_from_previous == "statement, target 95% → 90%"
    assert criteria_changes(db, 1, 2)[edited.lineage] == "statement, target 95% → 90%"
    new = crit.add_criterion(db, 2, full())
    crit.delete_criterion(db, second_cycle[2].id)
    changes = criteria_changes(db, 1, 2)
    assert changes[new.lineage] == "added in this cycle"
    assert changes[second_cycle[2].lineage] == "removed in this cycle"
    assert crit.previous_criterion(db, new) is None


def test_editing_the_baseline_updates_the_re_audit_record(db):
    first = crit.list_criteria(db, 1)[0]
    first.statement = "Reworded"
    crit.save_criterion(db, first)
    assert crit.get_criterion(db, first.id).changes_from_previous == ""
    assert crit.list_criteria(db, 2)[0].changes_from_previous == "statement"
    first.statement = crit.list_criteria(db, 2)[0].statement
    crit.save_criterion(db, first)
    assert crit.list_criteria(db, 2)[0].changes_from_previous == ""


def test_re_audit_copies_keep_lineage(db, cycle_id):
    crit.add_criterion(db, cycle_id, full())
    later = start_next_cycle(db, 3)
    assert [c.lineage for c in crit.list_criteria(db, later.id)] == [c.lineage for c in
                                                                     crit.list_criteria(db, cycle_id)]


def test_criterion_label_cuts_a_long_statement_at_a_word():
    from model.plan.criteria import criterion_label

    assert criterion_label("Risk assessed", "anything") == "Risk assessed"
    label = criterion_label("", "Adults admitted to hospital have a VTE risk assessment within 14 hours")
    assert label == "Adults admitted to hospital have a VTE…"
    assert criterion_label("  ", "Short statement") == "Short statement"
