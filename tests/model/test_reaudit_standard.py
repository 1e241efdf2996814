"""Re-audit against a newer version of the standard: side by side, and each criterion's decision applied."""

from __future__ import annotations

import json
from datetime import date

import pytest

from model.act import reaudit
from model.act import reaudit_standard as rs
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, list_cycles
from model.plan.standards import criteria_from_standard, get_standard_by_uid, list_standards
from model.store.store import open_memory

TODAY = date(2026, 6, 1)
UID = "builtin-nice-ng89-vte"


@pytest.fixture
def db():
    database = open_memory()
    list_standards(database)  # the built-in library
    yield database
    database.close()


def _audit(db) -> tuple[int, int, list[str]]:
    standard = get_standard_by_uid(db, UID)
    audit = create_audit(db, Audit(title="VTE", standard_id=standard.id))
    cycle = create_cycle(db, Cycle(audit_id=int(audit.id), standard_id=standard.id,
                                   standard_version=standard.version, period_start="2025-01-01",
                                   period_end="2025-01-31"))
    lineages = [add_criterion(db, int(cycle.id), c).lineage for c in criteria_from_standard(standard)]
    return int(audit.id), int(cycle.id), lineages


def _newer_version(db) -> None:
    """As when a newer library file replaces the built-in NG89 in place: reworded, one dropped, one new."""
    standard = get_standard_by_uid(db, UID)
    specs = [dict(c) for c in standard.criteria]
    specs[0]["statement"] = "Adults admitted to hospital have a VTE risk assessment within 12 hours of admission."
    specs[0]["target"] = 98
    dropped = specs.pop(2)
    specs.append({"short_name": "Stockings fitted", "statement": "Anti-embolism stockings are fitted when "
                  "prescribed.", "target": 90, "direction": "higher", "answer_type": "yes_no"})
    db.execute("UPDATE standards SET version = '2024', criteria_json = ? WHERE uid = ?", [json.dumps(specs), UID])
    assert dropped["short_name"]


def test_no_check_when_the_library_is_not_newer(db):
    audit_id, _cycle_id, _ = _audit(db)
    assert rs.check_standard(db, audit_id) is None


def test_a_newer_version_pairs_each_criterion_with_what_changed(db):
    audit_id, _cycle_id, lineages = _audit(db)
    _newer_version(db)
    check = rs.check_standard(db, audit_id)
    assert check is not None and (check.used_version, check.library_version) == ("2019", "2024")
    assert "version 2024 of NICE NG89" in check.describe()
    pairs = {p.key: p for p in check.pairs}
    assert pairs[lineages[0]].changed == ("statement", "target")
    assert pairs[lineages[0]].options == (rs.KEEP, rs.TAKE_NEWER)
    assert rs.field_text(pairs[lineages[0]].used, "target") == "95"
    assert rs.field_text(pairs[lineages[0]].newer, "target") == "98"
    assert pairs[lineages[1]].changed == () and pairs[lineages[1]].options == (rs.KEEP,)
    assert pairs[lineages[2]].newer is None and pairs[lineages[2]].options == (rs.KEEP, rs.LEAVE_OUT)
    assert pairs["new:1"].used is None and pairs["new:1"].label == "Stockings fitted"
    assert pairs["new:1"].options == (rs.LEAVE_OUT, rs.ADD)


def test_the_decisions_are_applied_to_the_reaudit_cycle_and_recorded(db):
    audit_id, _cycle_id, lineages = _audit(db)
    _newer_version(db)
    cycle = reaudit.start_reaudit(db, audit_id, today=TODAY, standard_decisions={
        lineages[0]: rs.TAKE_NEWER, lineages[2]: rs.LEAVE_OUT, "new:1": rs.ADD})
    assert cycle.standard_version == "2024" and "version 2024 of NICE NG89" in cycle.notes
    crits = {c.short_name: c for c in list_criteria(db, int(cycle.id))}
    assert set(crits) == {"Risk assessed ≤14 h", "Prophylaxis ≤14 h", "Stockings fitted"}
    reworded = crits["Risk assessed ≤14 h"]
    assert reworded.lineage == lineages[0]  # still compared with cycle 1, and the change is flagged
    assert "12 hours" in reworded.statement and reworded.target == 98
    assert reworded.changes_from_previous.startswith("reworded to version 2024 of NICE NG89")
    assert crits["Stockings fitted"].lineage not in lineages
    reasons = {lin: (inc, why) for lin, inc, why in reaudit.recorded_choices(db, int(cycle.id))}
    assert reasons[lineages[0]][1].endswith("took the wording of version 2024 of NICE NG89")
    assert reasons[lineages[1]][1].endswith("kept the wording of version 2019")
    assert reasons[lineages[2]] == (False, reasons[lineages[2]][1]) and "left out" in reasons[lineages[2]][1]
    assert "added from version 2024" in reasons[crits["Stockings fitted"].lineage][1]


def test_without_decisions_the_reaudit_keeps_the_last_cycles_wording(db):
    audit_id, first_id, lineages = _audit(db)
    _newer_version(db)
    cycle = reaudit.start_reaudit(db, audit_id, today=TODAY)
    assert cycle.standard_version == "2019"
    before = [(c.lineage, c.statement, c.target) for c in list_criteria(db, first_id)]
    assert [(c.lineage, c.statement, c.target) for c in list_criteria(db, int(cycle.id))] == before


def test_a_decision_that_does_not_apply_is_refused_and_nothing_is_created(db):
    audit_id, _cycle_id, lineages = _audit(db)
    _newer_version(db)
    with pytest.raises(KnownError):
        reaudit.start_reaudit(db, audit_id, today=TODAY, standard_decisions={lineages[1]: rs.TAKE_NEWER})
    assert len(list_cycles(db, audit_id)) == 1
