"""Tests for model.plan.audits: validation, the audit-not-research tests, registering with a baseline cycle."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from model.core.errors import KnownError
from model.plan.audits import (
    AUDIT_TESTS,
    RESEARCH_WARNING,
    Audit,
    audit_test_message,
    audit_tests,
    create_audit,
    field_problems,
    get_audit,
    list_audits,
    register_new_audit,
    set_audit_tests,
    update_audit,
    validate,
)
from model.plan.criteria import Criterion, list_criteria
from model.plan.criteria import validate as validate_criterion
from model.plan.cycles import list_cycles
from model.plan.standards import list_standards
from model.store.store import open_memory


@pytest.fixture
def db() -> Database:
    return open_memory()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": "   "}, "title", "needs a title"),
    ({"status": "abandoned"}, "abandoned_reason", "why the audit was abandoned"),
    ({"rag_tolerance": 120.0}, "rag_tolerance", "between 0 and 100"),
    ({"rag_tolerance": -1.0}, "rag_tolerance", "between 0 and 100"),
    ({"small_number_threshold": -2}, "small_number_threshold", "cannot be negative"),
    ({"report_due": "31/12/2026"}, "report_due", "not a date"),
    ({"collection_start": "2026-05-01", "collection_end": "2026-04-01"}, "collection_end", "ends before"),
])
def test_field_problems_name_the_field(change: dict, field: str, message: str) -> None:
    audit = Audit(**{"title": "Audit", **change})
    problems = field_problems(audit)
    assert list(problems) == [field] and message in problems[field]
    assert validate(audit) == [problems[field]]


def test_abandoned_with_reason_is_fine() -> None:
    assert validate(Audit(title="Audit", status="abandoned", abandoned_reason="Lead left the trust")) == []


def test_criterion_target_outside_0_100_is_refused() -> None:
    crit = Criterion(statement="S", numerator="N", denominator="D", target=101)
    assert any("between 0 and 100" in p for p in validate_criterion(crit))


def test_update_with_empty_title_stores_nothing(db: Database) -> None:
    audit = create_audit(db, Audit(title="Original title", aim="Aim"))
    audit.title, audit.aim = "", "Changed aim"
    with pytest.raises(KnownError, match="needs a title"):
        update_audit(db, audit)
    stored = get_audit(db, audit.id)
    assert (stored.title, stored.aim) == ("Original title", "Aim")


def test_confirmed_only_when_every_hqip_test_is_ticked() -> None:
    audit = Audit(title="A")
    answers = dict.fromkeys(AUDIT_TESTS, True)
    set_audit_tests(audit, answers)
    assert audit.is_audit_confirmed and audit_tests(audit) == answers and audit_test_message(answers) == ""
    answers["no_randomisation"] = False
    set_audit_tests(audit, answers)
    assert not audit.is_audit_confirmed and audit_tests(audit)["no_randomisation"] is False
    assert audit_test_message(answers) == RESEARCH_WARNING and "R&D office" in RESEARCH_WARNING
    assert "Tick each" in audit_test_message({})


def test_old_whole_confirmation_reads_as_all_tests_passed() -> None:
    assert all(audit_tests(Audit(title="A", is_audit_confirmed=True)).values())
    assert not any(audit_tests(Audit(title="A")).values())


def test_register_new_audit_creates_baseline_cycle_with_standard(db: Database) -> None:
    vte = next(s for s in list_standards(db) if s.reference_code == "NICE NG89")
    audit, cycle = register_new_audit(db, Audit(title="VTE on surgical wards"), vte.id, copy_criteria=True)
    assert get_audit(db, audit.id).standard_id == vte.id
    assert [c.number for c in list_cycles(db, audit.id)] == [1]
    assert (cycle.standard_id, cycle.standard_version) == (vte.id, "2019")
    assert [c.target for c in list_criteria(db, cycle.id)] == [95.0, 95.0, 90.0]


def test_register_new_audit_without_standard_or_title(db: Database) -> None:
    audit, cycle = register_new_audit(db, Audit(title="Hand hygiene"))
    assert cycle.number == 1 and cycle.standard_id is None and list_criteria(db, cycle.id) == []
    with pytest.raises(KnownError):
        register_new_audit(db, Audit(title=" "))
    assert [a.title for a in list_audits(db)] == ["Hand hygiene"]


# --- the audit's collection dates and cycle 1's period ------------------------------------------


def test_cycle_1_period_is_filled_from_the_audit_never_overwritten(db: Database) -> None:
    from model.plan.audits import fill_cycle_period_from_audit
    from model.plan.cycles import get_cycle, update_cycle

    audit, cycle = register_new_audit(db, Audit(title="Consent", collection_start="2026-01-05"))
    filled = fill_cycle_period_from_audit(db, audit.id)
    assert filled is not None and (filled.period_start, filled.period_end) == ("2026-01-05", None)
    assert fill_cycle_period_from_audit(db, audit.id) is None  # nothing left to fill
    audit = get_audit(db, audit.id)
    audit.collection_start, audit.collection_end = "2026-02-01", "2026-03-31"
    update_audit(db, audit)
    filled = fill_cycle_period_from_audit(db, audit.id)
    assert (filled.period_start, filled.period_end) == ("2026-01-05", "2026-03-31")  # the typed start stays
    stored = get_cycle(db, cycle.id)
    stored.period_start, stored.period_end = None, "2025-12-01"
    update_cycle(db, stored)
    assert fill_cycle_period_from_audit(db, audit.id) is None  # 2026-02-01 → 2025-12-01 would not be a period


def test_audit_dates_are_filled_from_cycle_1_only(db: Database) -> None:
    from model.plan.audits import fill_audit_dates_from_cycle
    from model.plan.cycles import start_next_cycle, update_cycle

    audit, cycle = register_new_audit(db, Audit(title="Consent", collection_end="2026-04-30"))
    cycle.period_start, cycle.period_end = "2026-01-05", "2026-03-31"
    update_cycle(db, cycle)
    filled = fill_audit_dates_from_cycle(db, cycle.id)
    assert filled is not None and (filled.collection_start, filled.collection_end) == ("2026-01-05", "2026-04-30")
    later = start_next_cycle(db, audit.id, period_start="2026-06-01")
    blank = get_audit(db, audit.id)
    blank.collection_start = None
    update_audit(db, blank)
    assert fill_audit_dates_from_cycle(db, later.id) is None  # a re-audit's period is its own
    assert get_audit(db, audit.id).collection_start is None


def test_collection_dates_note_only_when_they_match_no_cycle(db: Database) -> None:
    from model.plan.audits import collection_dates_note
    from model.plan.cycles import start_next_cycle, update_cycle

    audit, cycle = register_new_audit(db, Audit(title="Consent"))
    assert collection_dates_note(audit, [cycle]) == ""  # nothing typed on the audit
    audit.collection_start, audit.collection_end = "2026-01-05", "2026-03-31"
    note = collection_dates_note(audit, [cycle])
    assert "5 Jan 2026 – 31 Mar 2026" in note and "match the period of Cycle 1 (baseline), not set – not set." in note
    cycle.period_start, cycle.period_end = "2026-01-05", "2026-03-31"
    update_cycle(db, cycle)
    assert collection_dates_note(audit, [cycle]) == ""
    later = start_next_cycle(db, audit.id, period_start="2026-06-01", period_end="2026-08-31")
    audit.collection_end = "2026-08-31"  # the audit's dates running across both cycles agree too
    assert collection_dates_note(audit, [cycle, later]) == ""
    audit.collection_end = None  # still collecting
    assert collection_dates_note(audit, [cycle, later]) == ""
    audit.collection_start = "2026-01-01"
    assert "does not match the cycles' periods" in collection_dates_note(audit, [cycle, later])
