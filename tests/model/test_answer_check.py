"""Per-case checksums of the answers (migration m018, model.store.answer_check, issue 13 item 7).

SQLite's integrity_check cannot see a changed value; the checksum written with each case's
answers can. Each test here changes a file the way the world would (a flipped byte on disk,
another program's UPDATE) and shows the check names the case, and that AuditLoop's own writes
(entry, import, criterion deletion, handover copy) never trip it.
"""

from __future__ import annotations

import sqlite3

import pytest

from model.collect.cases import Case, add_case, update_case
from model.demo import build_demo
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, delete_criterion
from model.plan.cycles import Cycle, create_cycle
from model.report.handover import HandoverNote
from model.report.handover_export import export_audit
from model.report.handover_import import import_audit
from model.store.answer_check import accept_changes, changed_cases, check_data_file
from model.store.case_answers import PACKED_COLUMNS, Answer, answers_sum
from model.store.migrations import m018_answer_sums
from model.store.store import open_memory, open_store

MARKER = "QQQQ-raw-answer-QQQQ"


def _one_audit(db) -> tuple[int, list[int], list[int]]:
    audit = create_audit(db, Audit(title="Sepsis on AMU"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, number=1))
    criteria = [add_criterion(db, cycle.id, Criterion(short_name=name, statement=f"{name} as the standard says")).id
                for name in ("Screened", "Lactate")]
    cases = []
    for i in range(3):
        answers = {criteria[0]: Answer("met", MARKER if i == 1 else "Yes"), criteria[1]: Answer("not_met", "No")}
        cases.append(add_case(db, Case(cycle_id=cycle.id, case_ref=f"C{i}", answers=answers)).id)
    return audit.id, criteria, cases


def test_the_migration_sums_exactly_as_the_model_does():
    for parts in (("", "", None, None), ("3,7,12", "N-M", '["45 min", null, "Yes"]', "[45.0, null, null]"),
                  ("1", "E", '["n/a — “quoted”"]', None)):
        assert m018_answer_sums._sum(*parts) == answers_sum(*parts)


def test_audit_loops_own_writes_never_trip_the_check(tmp_path):
    store = build_demo(tmp_path / "demo.sqlite")  # imports, entry, bulk answers, re-audits
    try:
        assert changed_cases(store.db) == []
        audit_id, criteria, cases = _one_audit(store.db)
        case = Case(id=cases[0], cycle_id=1, case_ref="C0")
        stored = store.db.execute("SELECT cycle_id FROM cases WHERE id = ?", [cases[0]]).fetchone()[0]
        case.cycle_id = stored
        case.answers = {criteria[1]: Answer("met", "Yes")}
        update_case(store.db, case)
        delete_criterion(store.db, criteria[0])
        assert changed_cases(store.db) == []
    finally:
        store.close()


def test_a_case_without_answers_is_stamped_by_the_column_default():
    db = open_memory()
    audit_id, _criteria, _cases = _one_audit(db)
    cycle_id = db.execute("SELECT id FROM cycles").fetchone()[0]
    add_case(db, Case(cycle_id=cycle_id, case_ref="empty"))
    assert changed_cases(db, audit_id=audit_id) == []


def test_another_programs_edit_is_named_then_accepted(tmp_path):
    path = tmp_path / "data.sqlite"
    store = open_store(path)
    audit_id, _criteria, cases = _one_audit(store.db)
    store.close()
    with sqlite3.connect(path) as other:  # a spreadsheet tool "correcting" an outcome in place
        other.execute("UPDATE cases SET outcomes = 'MM' WHERE id = ?", [cases[2]])
    store = open_store(path)
    try:
        found = changed_cases(store.db)
        assert [(c.case_id, c.case_ref, c.cycle_number, c.audit_title) for c in found] == \
            [(cases[2], "C2", 1, "Sepsis on AMU")]
        warning = found[0].as_warning()
        assert warning["kind"] == "case_changed_outside" and "C2" in str(warning["message"])
        assert accept_changes(store.db, [cases[2]]) == 1
        assert changed_cases(store.db) == []
    finally:
        store.close()


def test_a_flipped_byte_in_a_cases_answers_passes_integrity_check_but_not_this(tmp_path):
    path = tmp_path / "data.sqlite"
    store = open_store(path)
    _audit_id, _criteria, cases = _one_audit(store.db)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    at = data.index(MARKER.encode())
    data[at] ^= 0x01  # 'Q' -> 'P': one bit, as a failing disk does it
    path.write_bytes(bytes(data))
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = open_store(path)
    try:
        assert [c.case_id for c in changed_cases(store.db)] == [cases[1]]
    finally:
        store.close()


def test_deleting_a_criterion_keeps_a_changed_case_found():
    db = open_memory()
    audit_id, criteria, cases = _one_audit(db)
    db.execute("UPDATE cases SET outcomes = 'NN' WHERE id = ?", [cases[0]])
    delete_criterion(db, criteria[1])
    assert [c.case_id for c in changed_cases(db, audit_id=audit_id)] == [cases[0]]


def test_the_check_can_be_limited_to_cycles():
    db = open_memory()
    audit_id, _criteria, cases = _one_audit(db)
    db.execute("UPDATE cases SET answer_raws = NULL WHERE id = ?", [cases[0]])
    cycle_id = db.execute("SELECT id FROM cycles").fetchone()[0]
    assert len(changed_cases(db, cycle_ids=[cycle_id])) == 1
    assert changed_cases(db, cycle_ids=[cycle_id + 99]) == []
    assert changed_cases(db, audit_id=audit_id + 99) == []


def test_a_handover_copy_keeps_sums_valid_and_a_changed_case_changed(tmp_path):
    source = build_demo(tmp_path / "demo.sqlite")
    try:
        first = source.db.execute("SELECT c.id FROM cases c JOIN cycles y ON y.id = c.cycle_id "
                                  "WHERE y.audit_id = 1 AND c.outcomes LIKE 'M%' ORDER BY c.id").fetchone()[0]
        source.db.execute("UPDATE cases SET outcomes = 'N' || substr(outcomes, 2) WHERE id = ?", [first])
        path = tmp_path / "vte.auditloop"
        export_audit(source.db, 1, path, handover_note=HandoverNote(from_name="A", to_name="B"))
        ref = source.db.execute("SELECT case_ref FROM cases WHERE id = ?", [first]).fetchone()[0]
    finally:
        source.close()
    target = open_store(tmp_path / "new.sqlite")
    try:
        import_audit(target.db, path)
        assert [c.case_ref for c in changed_cases(target.db)] == [ref]
    finally:
        target.close()


@pytest.mark.parametrize("column", PACKED_COLUMNS)
def test_every_packed_column_is_covered(column):
    db = open_memory()
    audit_id, _criteria, cases = _one_audit(db)
    new = {"answer_criteria": "1,3", "outcomes": "M-", "answer_raws": '["x", null]', "answer_values": "[1.0, null]"}
    db.execute(f"UPDATE cases SET {column} = ? WHERE id = ?", [new[column], cases[0]])
    assert [c.case_id for c in changed_cases(db, audit_id=audit_id)] == [cases[0]]


def test_check_data_file_reads_as_a_sentence():
    db = open_memory()
    _audit_id, _criteria, cases = _one_audit(db)
    sound = check_data_file(db)
    assert sound.ok and sound.cases_checked == 3 and "sound" in sound.summary()
    db.execute("UPDATE cases SET outcomes = 'NN' WHERE id = ?", [cases[0]])
    found = check_data_file(db)
    assert not found.ok and "1 of 3 cases" in found.summary()
