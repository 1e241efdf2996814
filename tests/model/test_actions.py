"""Action plans: the computed RAG (DOMAIN.md §8), deadlines that are never overwritten, status rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from model.act import actions as act
from model.act.actions import ActionItem
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle
from model.store.store import open_memory

TODAY = date(2026, 6, 1)


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
def audit_id(db) -> int:
    return int(create_audit(db, Audit(title="Sepsis antibiotics", lead="Dr Shah")).id)


def _action(db, audit_id: int, deadline: str | None = "2026-06-30", **fields) -> ActionItem:
    return act.add_action(db, ActionItem(audit_id=audit_id, text="Stock grab bags", owner="Sr Evans",
                                         original_deadline=deadline, **fields))


# --- RAG, each branch around the 14-day edge ------------------------------------------------------


@pytest.mark.parametrize(("status", "deadline", "revisions", "expected"), [
    ("complete", date(2026, 5, 1), 2, "complete"),          # complete wins even when late and revised
    ("cancelled", date(2026, 5, 1), 0, "cancelled"),
    ("in_progress", date(2026, 5, 31), 0, "red"),           # one day past the deadline
    ("not_started", date(2026, 5, 31), 1, "red"),           # red beats amber
    ("in_progress", date(2026, 6, 1), 0, "green"),          # due today is not yet late
    ("not_started", date(2026, 6, 1), 0, "amber"),          # due today, not started
    ("not_started", date(2026, 6, 15), 0, "amber"),         # exactly 14 days away
    ("not_started", date(2026, 6, 16), 0, "green"),         # 15 days away
    ("in_progress", date(2026, 6, 10), 0, "green"),         # near but started
    ("in_progress", date(2026, 12, 31), 1, "amber"),        # revised once, far away
    ("not_started", None, 0, "green"),                      # no deadline set
])
def test_action_rag_branches(status, deadline, revisions, expected):
    assert act.action_rag(status, deadline, revisions, TODAY) == expected


def test_plan_rag_uses_latest_revision_not_original(db, audit_id):
    a = _action(db, audit_id, "2026-05-01", status="in_progress")
    assert act.action_plan(db, audit_id, TODAY)[0].rag == "red"
    act.revise_deadline(db, a.id, "2026-09-30", "Supplier delay", on="2026-05-02")
    (row,) = act.action_plan(db, audit_id, TODAY)
    assert (row.current_deadline, row.revisions, row.rag) == (date(2026, 9, 30), 1, "amber")
    assert act.action_plan(db, audit_id, date(2026, 10, 1))[0].rag == "red"


# --- deadlines --------------------------------------------------------------------------------


def test_revisions_never_overwrite_the_original(db, audit_id):
    a = _action(db, audit_id, "2026-06-30")
    act.revise_deadline(db, a.id, "2026-08-31", "Supplier delay", on="2026-06-20")
    act.revise_deadline(db, a.id, "2026-10-31", "Still waiting", on="2026-08-25")
    assert act.get_action(db, a.id).original_deadline == "2026-06-30"
    assert [(r.deadline, r.reason) for r in act.list_revisions(db, a.id)] == [
        ("2026-08-31", "Supplier delay"), ("2026-10-31", "Still waiting")]
    assert act.current_deadline(db, act.get_action(db, a.id)) == (date(2026, 10, 31), 2)


def test_original_deadline_editable_until_revised(db, audit_id):
    a = _action(db, audit_id, "2026-06-30")
    a.original_deadline = "2026-07-15"
    assert act.update_action(db, a).original_deadline == "2026-07-15"
    act.revise_deadline(db, a.id, "2026-08-31", "Supplier delay")
    a.original_deadline = "2026-07-31"
    with pytest.raises(KnownError, match="cannot be changed"):
        act.update_action(db, a)
    assert act.get_action(db, a.id).original_deadline == "2026-07-15"
    a.original_deadline, a.owner = "2026-07-15", "Sr K. Evans"  # other fields still save
    assert act.update_action(db, a).owner == "Sr K. Evans"


def test_revision_needs_reason_and_a_date(db, audit_id):
    a = _action(db, audit_id)
    with pytest.raises(KnownError, match="reason"):
        act.revise_deadline(db, a.id, "2026-08-31", "  ")
    with pytest.raises(KnownError, match="not a date"):
        act.revise_deadline(db, a.id, "31/08/2026", "Delay")
    assert act.list_revisions(db, a.id) == []


# --- status -----------------------------------------------------------------------------------


def set_status(db, action_id: int, status: str, *, reason: str = "", on: date | None = None) -> act.ActionItem:
    """What the action editor does when the status is changed: cancelled needs `reason`; a new
    completion is dated `on` (a completion kept as complete keeps its date)."""
    action = act.get_action(db, action_id)
    completed = action.completed_on if action.status == "complete" and status == "complete" else None
    return act.update_action(db, replace(action, status=status, cancelled_reason=reason, completed_on=completed),
                             today=on)


def test_cancel_needs_a_reason(db, audit_id):
    a = _action(db, audit_id)
    with pytest.raises(KnownError, match="needs a reason"):
        set_status(db, a.id, "cancelled")
    assert act.get_action(db, a.id).status == "not_started"
    done = set_status(db, a.id, "cancelled", reason="Replaced by the new e-obs alert")
    assert (done.status, done.cancelled_reason) == ("cancelled", "Replaced by the new e-obs alert")
    assert act.action_plan(db, audit_id, TODAY)[0].rag == "cancelled"
    with pytest.raises(KnownError, match="needs a reason"):
        _action(db, audit_id, status="cancelled")


def test_complete_records_completed_on_and_reopening_clears_it(db, audit_id):
    a = _action(db, audit_id)
    done = set_status(db, a.id, "complete", on=date(2026, 6, 3))
    assert act.get_action(db, a.id).completed_on == "2026-06-03" == done.completed_on
    set_status(db, a.id, "in_progress")
    assert act.get_action(db, a.id).completed_on is None


def test_update_action_refuses_blank_text_and_unknown_priority(db, audit_id):
    a = _action(db, audit_id)
    a.text = " "
    with pytest.raises(KnownError, match="what will be done"):
        act.update_action(db, a)
    a.text, a.priority = "Stock grab bags", "urgent"
    with pytest.raises(KnownError, match="priority"):
        act.update_action(db, a)
    assert act.get_action(db, a.id).priority == "medium"


# --- notes, delete, plan ----------------------------------------------------------------------


def test_notes_are_dated_and_ordered(db, audit_id):
    a = _action(db, audit_id)
    act.add_note(db, a.id, "Order placed", on="2026-06-05")
    act.add_note(db, a.id, "Quote received", on="2026-06-02")
    assert [(n.noted_on, n.text) for n in act.list_notes(db, a.id)] == [
        ("2026-06-02", "Quote received"), ("2026-06-05", "Order placed")]
    with pytest.raises(KnownError):
        act.add_note(db, a.id, "  ")


def test_delete_action_removes_history(db, audit_id):
    a = _action(db, audit_id)
    act.revise_deadline(db, a.id, "2026-08-31", "Delay")
    act.add_note(db, a.id, "Order placed")
    act.delete_action(db, a.id)
    assert act.list_actions(db, audit_id) == []
    assert act.list_revisions(db, a.id) == [] and act.list_notes(db, a.id) == []


def test_action_plan_rows_and_filters(db, audit_id):
    rec = act.add_recommendation(db, audit_id, "Antibiotics within the hour.")
    late = _action(db, audit_id, "2026-05-01", recommendation_id=rec, priority="high", owner_role="Ward manager")
    _action(db, audit_id, "2026-12-01", status="complete", completed_on="2026-05-20")
    fine = _action(db, audit_id, "2026-12-01", status="in_progress")
    plan = act.action_plan(db, audit_id, TODAY)
    assert [(r.id, r.rag, r.recommendation) for r in plan] == [
        (late.id, "red", "Antibiotics within the hour."), (plan[1].id, "complete", ""), (fine.id, "green", "")]
    assert (plan[0].action.owner, plan[0].action.owner_role, plan[0].action.priority) == (
        "Sr Evans", "Ward manager", "high")
    assert [r.id for r in act.filter_plan(plan, "open")] == [late.id, fine.id]
    assert [r.id for r in act.filter_plan(plan, "overdue")] == [late.id]
    assert len(act.filter_plan(plan, "all")) == 3


# --- recommendations --------------------------------------------------------------------------


def test_recommendation_crud_and_criterion_links(db, audit_id):
    cycle = create_cycle(db, Cycle(audit_id=audit_id))
    c = add_criterion(db, cycle.id, Criterion(statement="Antibiotics given within one hour", short_name="Abx 1h"))
    assert act.audit_criteria(db, audit_id) == [(c.lineage, "Abx 1h")]
    rec_id = act.add_recommendation(db, audit_id, "Give antibiotics within the hour.")
    rec = act.update_recommendation(db, rec_id, "Antibiotics within 60 minutes.", [c.lineage])
    assert (rec.text, rec.criterion_lineages) == ("Antibiotics within 60 minutes.", (c.lineage,))
    assert act.list_recommendations(db, audit_id) == [rec]
    with pytest.raises(KnownError):
        act.update_recommendation(db, rec_id, "", [])
    a = _action(db, audit_id, recommendation_id=rec_id)
    act.delete_recommendation(db, rec_id)
    assert act.list_recommendations(db, audit_id) == []
    assert act.get_action(db, a.id).recommendation_id is None  # the action stays in the plan
