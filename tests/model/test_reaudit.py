"""Re-audit: the proposed date, the criteria carried over (all, or only those that missed or had actions)."""

from __future__ import annotations

from datetime import date

import pytest

from model.act import actions as act
from model.act import reaudit
from model.act.actions import ActionItem
from model.collect.cases import Answer, Case, add_case
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit, get_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, list_cycles
from model.store.store import open_memory

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(("met", "not_met", "target", "direction", "expected"), [
    (9, 1, 90, "higher", False),    # exactly on target is met
    (8, 2, 90, "higher", True),
    (1, 9, 10, "lower", False),
    (2, 8, 10, "lower", True),
    (0, 0, 90, "higher", None),     # no compliance
    (5, 5, None, "higher", None),   # no target
])
def test_missed_target(met, not_met, target, direction, expected):
    assert reaudit.missed_target(met, not_met, target, direction) is expected


def test_proposed_due_is_the_latest_deadline_plus_the_interval():
    assert reaudit.proposed_due([date(2026, 3, 31), None, date(2026, 1, 10)], 3) == date(2026, 6, 30)
    assert reaudit.proposed_due([date(2026, 8, 31)], 6) == date(2027, 2, 28)
    assert reaudit.proposed_due([None], 3) is None


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
def audit(db) -> tuple[int, int, dict[str, str]]:
    """Cycle 1 of 10 cases: A 9/10 against 90 (met), B 6/10 against 95 (missed), C 10/10 with an action,
    D no answers; an open action (revised) on C and a cancelled one."""
    audit_id = int(create_audit(db, Audit(title="Sepsis", reaudit_due="2026-05-01")).id)
    cycle = create_cycle(db, Cycle(audit_id=audit_id, period_start="2026-01-01", period_end="2026-01-31",
                                   planned_sample=10, population_size=120, sampling_method="simple_random"))
    crits = {name: add_criterion(db, int(cycle.id), Criterion(short_name=name, statement=name, target=target))
             for name, target in (("A", 90), ("B", 95), ("C", 80), ("D", 100))}
    met = {"A": 9, "B": 6, "C": 10}
    for i in range(10):
        answers = {int(crits[n].id): Answer("met" if i < k else "not_met") for n, k in met.items()}
        add_case(db, Case(cycle_id=int(cycle.id), case_ref=f"C{i}", answers=answers))
    rec = act.add_recommendation(db, audit_id, "Prompt on the form",
                                 criterion_lineages_json=f'["{crits["C"].lineage}"]')
    a = act.add_action(db, ActionItem(audit_id=audit_id, text="New form", recommendation_id=rec,
                                      original_deadline="2026-03-31"))
    act.revise_deadline(db, int(a.id), "2026-04-30", "Print delay", on="2026-03-01")
    act.add_action(db, ActionItem(audit_id=audit_id, text="Dropped", original_deadline="2026-12-31",
                                  status="cancelled", cancelled_reason="No budget"))
    return audit_id, int(cycle.id), {n: c.lineage for n, c in crits.items()}


def test_proposed_reaudit_date_uses_current_deadlines_not_cancelled_actions(db, audit):
    audit_id, _, _ = audit
    assert reaudit.propose_reaudit_due(db, audit_id, 3) == date(2026, 7, 30)
    reaudit.set_reaudit_due(db, audit_id, date(2026, 7, 30))
    assert get_audit(db, audit_id).reaudit_due == "2026-07-30"


def test_only_missed_keeps_the_missed_the_acted_on_and_the_unmeasured(db, audit):
    audit_id, first, lineage = audit
    proposal = reaudit.propose_reaudit(db, audit_id, only_missed=True, today=TODAY)
    by_name = {c.label: c for c in proposal.choices}
    assert [c.label for c in proposal.included] == ["B", "C", "D"]
    assert by_name["A"].reason == "met its target (90% against 90%) and had no actions"
    assert by_name["B"].reason == "missed its target (60% against 95%)"
    assert by_name["C"].reason == "had actions" and by_name["D"].reason == "no result in Cycle 1 (baseline)"
    cycle = reaudit.start_reaudit(db, audit_id, only_missed=True, today=TODAY)
    assert cycle.number == 2 and [c.short_name for c in list_criteria(db, int(cycle.id))] == ["B", "C", "D"]
    assert {c.lineage for c in list_criteria(db, int(cycle.id))} == {lineage["B"], lineage["C"], lineage["D"]}
    recorded = {lin: (inc, why) for lin, inc, why in reaudit.recorded_choices(db, int(cycle.id))}
    assert recorded[lineage["A"]] == (False, "met its target (90% against 90%) and had no actions")
    assert recorded[lineage["B"]][0] is True
    assert "only the criteria that missed" in cycle.notes and "(3 of 4)" in cycle.notes
    assert len(list_criteria(db, first)) == 4  # the baseline is untouched


def test_all_criteria_with_period_and_sample_from_the_last_cycle(db, audit):
    audit_id, _, lineage = audit
    cycle = reaudit.start_reaudit(db, audit_id, today=TODAY)
    assert len(list_criteria(db, int(cycle.id))) == 4
    # The re-audit date (1 May) has passed: the period starts today and lasts as long as the last (30 days).
    assert (cycle.period_start, cycle.period_end) == ("2026-06-01", "2026-07-01")
    assert (cycle.planned_sample, cycle.population_size, cycle.sampling_method) == (10, 120, "simple_random")
    recorded = reaudit.recorded_choices(db, int(cycle.id))
    assert all(included for _, included, _ in recorded) and len(recorded) == 4
    assert dict((x[0], x[2]) for x in recorded)[lineage["A"]].startswith("all criteria re-audited; met its target")


def test_a_future_reaudit_date_starts_the_period(db, audit):
    audit_id, _, _ = audit
    reaudit.set_reaudit_due(db, audit_id, date(2026, 9, 1))
    proposal = reaudit.propose_reaudit(db, audit_id, today=TODAY)
    assert (proposal.period_start, proposal.period_end) == (date(2026, 9, 1), date(2026, 10, 1))


def test_nothing_to_reaudit_is_refused_and_creates_nothing(db):
    audit_id = int(create_audit(db, Audit(title="Consent")).id)
    with pytest.raises(KnownError):
        reaudit.start_reaudit(db, audit_id, today=TODAY)
    cycle = create_cycle(db, Cycle(audit_id=audit_id))
    crit = add_criterion(db, int(cycle.id), Criterion(short_name="Form", statement="Form", target=50))
    add_case(db, Case(cycle_id=int(cycle.id), case_ref="1", answers={int(crit.id): Answer("met")}))
    with pytest.raises(KnownError):
        reaudit.start_reaudit(db, audit_id, only_missed=True, today=TODAY)
    assert len(list_cycles(db, audit_id)) == 1
