"""Reminders computed from the data: each rule at its boundary days, then the store, snooze and dismiss."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from model.act import actions as act
from model.act import reminders as rem
from model.act.actions import ActionItem
from model.collect.cases import Answer, Case, add_case
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit, get_audit, update_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle
from model.store.store import open_memory

TODAY = date(2026, 6, 1)


def d(days: int) -> date:
    return TODAY + timedelta(days=days)


# --- the rules, each at its edges ------------------------------------------------------------


@pytest.mark.parametrize(("status", "deadline", "expected"), [
    ("in_progress", d(-1), "action_overdue"),
    ("not_started", d(0), "action_due_soon"),      # due today is not yet late
    ("not_started", d(14), "action_due_soon"),     # exactly 14 days away
    ("not_started", d(15), None),
    ("complete", d(-30), None),
    ("cancelled", d(-30), None),
    ("in_progress", None, None),
])
def test_action_rule(status, deadline, expected):
    assert rem.action_rule(status, deadline, TODAY) == expected


@pytest.mark.parametrize(("due", "pending", "expected"), [
    (d(-1), True, "reaudit_overdue"),
    (d(0), True, "reaudit_due_soon"),
    (d(30), True, "reaudit_due_soon"),
    (d(31), True, None),
    (d(-1), False, None),  # the re-audit cycle has begun
    (None, True, None),
])
def test_reaudit_rule(due, pending, expected):
    assert rem.reaudit_rule(due, pending, TODAY) == expected


@pytest.mark.parametrize(("end", "expected"), [
    (d(-1), None), (d(0), "collection_ending"), (d(7), "collection_ending"), (d(8), None), (None, None)])
def test_collection_rule(end, expected):
    assert rem.collection_rule(end, TODAY) == expected


@pytest.mark.parametrize(("end", "filed", "expected"), [
    (date(2026, 3, 1), False, None),                  # exactly three months ago: still in time
    (date(2026, 2, 28), False, "report_overdue"),     # three months and a day
    (date(2026, 2, 28), True, None),
    (None, False, None),
])
def test_report_rule(end, filed, expected):
    assert rem.report_rule(end, True, filed, TODAY) == expected


def test_report_rule_needs_results():
    assert rem.report_rule(date(2025, 1, 1), False, False, TODAY) is None


@pytest.mark.parametrize(("results", "end", "actions", "expected"), [
    (True, d(-1), 0, "no_action_plan"),
    (True, d(0), 0, None),          # still collecting today
    (True, None, 0, "no_action_plan"),
    (True, d(-1), 1, None),
    (False, d(-1), 0, None),
])
def test_no_action_plan_rule(results, end, actions, expected):
    assert rem.no_action_plan_rule(results, end, actions, TODAY) == expected


@pytest.mark.parametrize(("last", "expected"), [
    (date(2025, 12, 1), "inactive"), (date(2025, 12, 2), None), (date(2025, 6, 1), "inactive"), (None, None)])
def test_inactive_rule(last, expected):
    assert rem.inactive_rule(last, TODAY) == expected


def test_add_months_keeps_the_month_end():
    assert rem.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert rem.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert rem.add_months(date(2025, 12, 1), 6) == date(2026, 6, 1)


def test_when_text():
    assert rem.when_text(-1) == "overdue by 1 day"
    assert rem.when_text(0) == "due today"
    assert rem.when_text(3) == "due in 3 days"
    assert rem.when_text(None) == ""


# --- from the store ----------------------------------------------------------------------------


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


def _touch(db, on: str = "2026-05-20T09:00:00+00:00") -> None:
    """Date every change recorded so far on `on`, so inactivity does not depend on the clock."""
    for table in ("audits", "cycles", "criteria", "cases", "actions"):
        db.execute(f"UPDATE {table} SET updated_at = ?", [on])
    db.execute("UPDATE cycles SET created_at = ?", [on])
    db.execute("UPDATE actions SET created_at = ?", [on])


def _measured_audit(db, *, period_end: str | None = "2026-05-15", title: str = "Sepsis antibiotics") -> tuple[int, int]:
    audit = create_audit(db, Audit(title=title, status="analysis"))
    cycle = create_cycle(db, Cycle(audit_id=int(audit.id), period_start="2026-04-01", period_end=period_end))
    crit = add_criterion(db, int(cycle.id), Criterion(short_name="Antibiotics in 1 h", statement="x", target=90))
    for i, outcome in enumerate(["met", "not_met", "met"]):
        add_case(db, Case(cycle_id=int(cycle.id), case_ref=f"C{i}", answers={int(crit.id): Answer(outcome)}))
    return int(audit.id), int(cycle.id)


def kinds(found) -> list[str]:
    return sorted(r.kind for r in found)


def test_a_measured_cycle_without_actions_asks_for_an_action_plan(db):
    audit_id, cycle_id = _measured_audit(db)
    _touch(db)
    found = rem.compute_reminders(db, TODAY)
    assert kinds(found) == ["no_action_plan"]
    r = found[0]
    assert (r.audit_id, r.stage, r.ref, r.due, r.days) == (audit_id, "actions", f"cycle:{cycle_id}",
                                                           date(2026, 5, 15), -17)
    assert set(r.to_json()) == set(rem.JSON_KEYS)
    assert r.to_json()["due"] == "2026-05-15"


def test_actions_overdue_and_due_soon_use_the_latest_revised_deadline(db):
    audit_id, _ = _measured_audit(db)
    late = act.add_action(db, ActionItem(audit_id=audit_id, text="Teach FY1s", owner="Dr Shah",
                                         original_deadline="2026-05-31", status="in_progress"))
    act.add_action(db, ActionItem(audit_id=audit_id, text="Grab bags", original_deadline="2026-06-15"))
    act.add_action(db, ActionItem(audit_id=audit_id, text="Far off", original_deadline="2026-06-16"))
    _touch(db)
    found = {r.subject: r for r in rem.compute_reminders(db, TODAY)}
    assert found["Teach FY1s (Dr Shah)"].kind == "action_overdue" and found["Teach FY1s (Dr Shah)"].days == -1
    assert found["Grab bags"].kind == "action_due_soon" and found["Grab bags"].days == 14
    assert "Far off" not in found
    act.revise_deadline(db, int(late.id), "2026-09-30", "Rota gaps", on="2026-05-30")
    assert "Teach FY1s (Dr Shah)" not in {r.subject for r in rem.compute_reminders(db, TODAY)}


def test_reaudit_reminders_stop_once_the_reaudit_cycle_exists(db):
    audit_id, _ = _measured_audit(db)
    act.add_action(db, ActionItem(audit_id=audit_id, text="Done", original_deadline="2026-05-01", status="complete"))
    audit = get_audit(db, audit_id)
    audit.reaudit_due = "2026-07-01"
    update_audit(db, audit)
    _touch(db)
    assert kinds(rem.compute_reminders(db, TODAY)) == ["reaudit_due_soon"]
    assert kinds(rem.compute_reminders(db, date(2026, 7, 2))) == ["reaudit_overdue"]
    create_cycle(db, Cycle(audit_id=audit_id))
    _touch(db)
    assert kinds(rem.compute_reminders(db, date(2026, 7, 2))) == []


def test_collection_ending_and_report_overdue(db):
    audit_id, cycle_id = _measured_audit(db, period_end="2026-06-08")
    act.add_action(db, ActionItem(audit_id=audit_id, text="A", status="in_progress"))
    _touch(db)
    found = rem.compute_reminders(db, TODAY)
    assert kinds(found) == ["collection_ending"] and found[0].stage == "collect" and found[0].days == 7
    late = date(2026, 9, 9)  # three months and a day after the collection ended
    _touch(db, "2026-09-01T00:00:00+00:00")
    found = rem.compute_reminders(db, late)
    assert kinds(found) == ["report_overdue"] and found[0].due == date(2026, 9, 8) and found[0].stage == "report"
    db.table("generated_reports").insert({"cycle_id": cycle_id, "version": 1, "created_at": "2026-09-01",
                                          "format": "pdf", "sha256": "x", "status": "draft"})
    assert kinds(rem.compute_reminders(db, late)) == ["report_overdue"]  # a draft is not the filed report
    db.execute("UPDATE generated_reports SET status = 'final'")
    assert kinds(rem.compute_reminders(db, late)) == []


def test_inactive_after_six_months_at_the_stage_it_stands(db):
    audit = create_audit(db, Audit(title="Consent"))
    _touch(db, "2025-12-01T10:00:00+00:00")
    assert kinds(rem.compute_reminders(db, date(2026, 5, 31))) == []
    found = rem.compute_reminders(db, TODAY)
    assert kinds(found) == ["inactive"] and found[0].stage == "plan" and found[0].audit_id == audit.id


def test_closed_and_binned_audits_raise_nothing(db):
    audit_id, _ = _measured_audit(db)
    db.execute("UPDATE audits SET status = 'complete'")
    _touch(db)
    assert rem.compute_reminders(db, TODAY) == []
    act.add_action(db, ActionItem(audit_id=audit_id, text="Still open", original_deadline="2026-05-01"))
    assert kinds(rem.compute_reminders(db, TODAY)) == ["action_overdue"]  # an open action stays open
    db.execute("UPDATE audits SET deleted_at = '2026-05-01'")
    assert rem.compute_reminders(db, TODAY) == []


# --- snooze and dismiss --------------------------------------------------------------------------


def test_snooze_hides_until_the_day_and_is_remembered(db):
    _measured_audit(db)
    _touch(db)
    (r,) = rem.reminders(db, TODAY)
    rem.snooze(db, r, d(7), today=TODAY)
    assert rem.reminders(db, d(6)) == []
    assert [x.kind for x in rem.reminders(db, d(7))] == ["no_action_plan"]
    with pytest.raises(KnownError):
        rem.snooze(db, r, TODAY, today=TODAY)


def test_dismiss_needs_a_reason_and_lasts_until_the_date_moves(db):
    audit_id, _ = _measured_audit(db)
    act.add_action(db, ActionItem(audit_id=audit_id, text="Grab bags", original_deadline="2026-06-10"))
    _touch(db)
    (r,) = rem.reminders(db, TODAY)
    with pytest.raises(KnownError):
        rem.dismiss(db, r, "  ", today=TODAY)
    rem.dismiss(db, r, "Done, awaiting sign-off", today=TODAY)
    assert rem.reminders(db, TODAY) == [] and rem.reminders(db, d(8)) == []
    assert [x.kind for x in rem.reminders(db, d(10))] == ["action_overdue"]  # a new kind of reminder shows
    assert rem.state_of(db, r).dismissed_reason == "Done, awaiting sign-off"
    assert len(rem.compute_reminders(db, TODAY)) == 1  # still computed: only hidden
    act.revise_deadline(db, int(r.ref.split(":")[1]), "2026-06-12", "Moved", on="2026-06-01")
    assert [x.due for x in rem.reminders(db, TODAY)] == [date(2026, 6, 12)]
