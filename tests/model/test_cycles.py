"""Tests for model.plan.cycles: re-audit cycles, standard versions and recorded samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, delete_criterion, list_criteria, update_criterion
from model.plan.cycles import (
    Cycle,
    create_cycle,
    criteria_changes,
    get_cycle,
    list_cycles,
    read_case_list,
    record_selection,
    recorded_selection,
    standard_version_notes,
    start_next_cycle,
    update_cycle,
)
from model.plan.sampling import select_random, select_systematic
from model.plan.standards import Standard
from model.store.store import open_memory


@pytest.fixture
def db() -> Database:
    return open_memory()


def baseline(db: Database) -> Cycle:
    audit = create_audit(db, Audit(title="VTE"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, method="prospective", planned_sample=60))
    for text in ("Risk assessed within 14 h", "Prophylaxis within 14 h"):
        add_criterion(db, cycle.id, Criterion(statement=text, numerator="n", denominator="d", target=95))
    return cycle


def test_start_next_cycle_copies_criteria_with_lineage(db: Database) -> None:
    first = baseline(db)
    second = start_next_cycle(db, first.audit_id)
    assert (second.number, second.method, second.planned_sample) == (2, "prospective", 60)
    before, after = list_criteria(db, first.id), list_criteria(db, second.id)
    assert [c.lineage for c in before] == [c.lineage for c in after]
    assert [c.statement for c in before] == [c.statement for c in after]
    assert {c.id for c in before}.isdisjoint({c.id for c in after})
    assert criteria_changes(db, first.id, second.id) == {}


def test_criteria_changes_reports_edits_additions_and_removals(db: Database) -> None:
    first = baseline(db)
    second = start_next_cycle(db, first.audit_id)
    edited, removed = list_criteria(db, second.id)
    edited.target = 90
    update_criterion(db, edited)
    delete_criterion(db, removed.id)
    added = add_criterion(db, second.id, Criterion(statement="New", numerator="n", denominator="d"))
    changes = criteria_changes(db, first.id, second.id)
    assert changes[edited.lineage] == "target 95% → 90%"
    assert changes[removed.lineage] == "removed in this cycle"
    assert changes[added.lineage] == "added in this cycle"


def test_newer_standard_version_in_later_cycle_is_reported() -> None:
    standard = Standard(title="VTE", id=7, reference_code="NICE NG89", version="2024")
    cycles = [Cycle(audit_id=1, number=1, standard_id=7, standard_version="2019"),
              Cycle(audit_id=1, number=2, standard_id=7, standard_version="2023")]
    notes = standard_version_notes(cycles, {7: standard})
    assert len(notes) == 2
    assert "Cycle 2 (re-audit) uses a newer version of NICE NG89 (2023) than Cycle 1 (baseline) (2019)" in notes[0]
    assert "library now holds version 2024" in notes[1]
    same = [Cycle(audit_id=1, number=n, standard_id=7, standard_version="2024") for n in (1, 2)]
    assert standard_version_notes(same, {7: standard}) == []


def test_record_selection_stores_method_seed_and_cases(db: Database) -> None:
    cycle = baseline(db)
    refs = [f"C{i:03d}" for i in range(1, 201)]
    selection = select_random(refs, 111, seed=424242)
    record_selection(db, cycle.id, selection)
    stored = get_cycle(db, cycle.id)
    assert (stored.sampling_method, stored.sampling_seed, stored.population_size, stored.planned_sample) == (
        "simple_random", 424242, 200, 111)
    data = recorded_selection(stored)
    assert data is not None and data["selected"] == selection.selected and data["seed"] == 424242
    assert set(data) == {"method", "seed", "k", "start", "population_size", "selected", "describe"}
    assert "seed 424242" in data["describe"]


def test_record_systematic_selection(db: Database) -> None:
    cycle = baseline(db)
    selection = select_systematic([str(i) for i in range(1, 101)], 20, start=3)
    record_selection(db, cycle.id, selection)
    data = json.loads(get_cycle(db, cycle.id).sampling_json)
    assert (data["method"], data["k"], data["start"], data["selected"][:2]) == ("systematic", 5, 3, ["3", "8"])
    assert get_cycle(db, cycle.id).sampling_method == "systematic"


def test_no_selection_recorded_by_default(db: Database) -> None:
    assert recorded_selection(baseline(db)) is None


def test_invalid_cycle_period_is_refused_and_nothing_stored(db: Database) -> None:
    cycle = baseline(db)
    cycle.period_start, cycle.period_end = "2026-05-01", "2026-01-01"
    with pytest.raises(KnownError, match="ends before"):
        update_cycle(db, cycle)
    assert get_cycle(db, cycle.id).period_start is None
    assert len(list_cycles(db, cycle.audit_id)) == 1


def test_read_case_list_from_csv_and_text(tmp_path: Path) -> None:
    csv_path = tmp_path / "cases.csv"
    csv_path.write_text("Case ref,Ward\nA1,AMU\nA2,Ward 7\nA1,AMU\n\n", encoding="utf-8")
    cases = read_case_list(csv_path)
    assert list(cases) == ["A1", "A2"] and cases.duplicates == ("A1",)
    txt_path = tmp_path / "cases.txt"
    txt_path.write_bytes("RX1\r\nRX2 é\r\n".encode("cp1252"))
    assert list(read_case_list(txt_path)) == ["RX1", "RX2 é"]
