"""Tests for model.plan.stages: where an audit stands, and the status its data suggests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database

from model.collect.cases import Case, add_case, delete_case
from model.plan.audits import Audit, create_audit, get_audit, update_audit
from model.plan.cycles import Cycle, create_cycle, start_next_cycle
from model.plan.stages import suggested_status, suggestion_text
from model.store.store import open_memory

TODAY = date(2026, 6, 15)


@pytest.fixture
def db() -> Database:
    return open_memory()


def audit_with_cycle(db: Database, status: str = "proposed", period_end: str | None = "2026-12-31") -> tuple[int, int]:
    audit = create_audit(db, Audit(title="Consent", status=status, abandoned_reason="x"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start="2026-01-01", period_end=period_end))
    return audit.id, cycle.id


def test_no_cases_no_suggestion(db: Database) -> None:
    audit_id, _ = audit_with_cycle(db)
    assert suggested_status(db, audit_id, on=TODAY) is None


@pytest.mark.parametrize("status", ["proposed", "approved"])
def test_cases_while_proposed_or_approved_suggest_data_collection(db: Database, status: str) -> None:
    audit_id, cycle_id = audit_with_cycle(db, status)
    add_case(db, Case(cycle_id=cycle_id, case_ref="1"))
    assert suggested_status(db, audit_id, on=TODAY) == "data_collection"
    assert suggestion_text("data_collection") == "Cases are being collected — set the status to Data collection?"


def test_ended_period_with_cases_suggests_analysis(db: Database) -> None:
    audit_id, cycle_id = audit_with_cycle(db, "data_collection", period_end="2026-03-31")
    add_case(db, Case(cycle_id=cycle_id, case_ref="1"))
    assert suggested_status(db, audit_id, on=TODAY) == "analysis"
    assert suggested_status(db, audit_id, on=date(2026, 3, 31)) is None  # the last day is still collection
    assert "Analysis?" in suggestion_text("analysis")


def test_status_already_there_or_beyond_gets_no_suggestion(db: Database) -> None:
    audit_id, cycle_id = audit_with_cycle(db, "data_collection")
    add_case(db, Case(cycle_id=cycle_id, case_ref="1"))
    assert suggested_status(db, audit_id, on=TODAY) is None
    for status in ("analysis", "action_planning", "complete", "abandoned"):
        audit = get_audit(db, audit_id)
        audit.status = status
        update_audit(db, audit)
        assert suggested_status(db, audit_id, on=date(2027, 1, 1)) is None, status


def test_deleted_cases_and_unset_period_end(db: Database) -> None:
    audit_id, cycle_id = audit_with_cycle(db, period_end=None)
    case = add_case(db, Case(cycle_id=cycle_id, case_ref="1"))
    assert suggested_status(db, audit_id, on=TODAY) == "data_collection"  # no end date: still collecting
    delete_case(db, case.id)
    assert suggested_status(db, audit_id, on=TODAY) is None


def test_the_latest_cycle_with_cases_decides(db: Database) -> None:
    audit_id, cycle_id = audit_with_cycle(db, "approved", period_end="2026-03-31")
    add_case(db, Case(cycle_id=cycle_id, case_ref="1"))
    second = start_next_cycle(db, audit_id, period_start="2026-05-01", period_end="2026-09-30")
    assert suggested_status(db, audit_id, on=TODAY) == "analysis"  # cycle 2 has no cases yet
    add_case(db, Case(cycle_id=second.id, case_ref="1"))
    assert suggested_status(db, audit_id, on=TODAY) == "data_collection"
