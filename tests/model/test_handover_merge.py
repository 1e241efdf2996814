"""Merging two copies of an audit (issue 17): each 'Done when' bullet of the model."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from sqlite_utils import Database

from model.act.actions import delete_action, get_action, list_actions, list_notes, update_action
from model.collect.cases import Case, add_case, delete_case
from model.core.errors import KnownError
from model.demo import build_demo
from model.plan import criteria as crit
from model.report.collection_pack import make_collection_pack
from model.report.handover import HandoverNote
from model.report.handover_export import export_audit
from model.report.handover_import import import_audit
from model.report.handover_merging import merge_log
from model.results.cycle_results import cycle_results
from model.store.case_answers import Answer
from model.store.store import open_store

NOTE = HandoverNote(from_name="Dr Ada Lovelace (FY2)", to_name="Dr Grace Hopper (FY2)")


@pytest.fixture
def home(tmp_path: Path):
    """The audit office's data file (the demo), audit 1."""
    store = build_demo(tmp_path / "home" / "demo.sqlite")
    yield store
    store.close()


def _store(tmp_path: Path, name: str):
    return open_store(tmp_path / name / f"{name}.sqlite")


def _send(db: Database, audit_id: int, path: Path, sender: str = "Dr Ada") -> Path:
    export_audit(db, audit_id, path, handover_note=HandoverNote(from_name=sender))
    return path


def _everything(db: Database) -> dict[str, list[tuple]]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                      "'sqlite_%' AND name NOT IN ('sync_base', 'handovers', 'merges')")]
    return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def _results(db: Database, audit_id: int) -> list[pd.DataFrame]:
    cycles = [r[0] for r in db.execute("SELECT id FROM cycles WHERE audit_id = ? ORDER BY number", [audit_id])]
    keep = ["short_name", "met", "not_met", "exception", "missing", "denominator", "compliance"]
    out = []
    for cycle_id in cycles:
        table = cycle_results(db, cycle_id).table
        out.append(table[[c for c in keep if c in table.columns]].reset_index(drop=True))
    return out


def _audit_id(db: Database, uid: str) -> int:
    return int(db.execute("SELECT id FROM audits WHERE uid = ?", [uid]).fetchone()[0])


def _uid(db: Database, audit_id: int = 1) -> str:
    return str(db.execute("SELECT uid FROM audits WHERE id = ?", [audit_id]).fetchone()[0])


def _cycle(db: Database, audit_id: int, number: int = 1) -> int:
    return int(db.execute("SELECT id FROM cycles WHERE audit_id = ? AND number = ?", [audit_id, number]).fetchone()[0])


def _collect(db: Database, cycle_id: int, refs: list[str], *, patient: str | None = None) -> None:
    criteria = [c.id for c in crit.list_criteria(db, cycle_id)]
    for ref in refs:
        add_case(db, Case(cycle_id=cycle_id, case_ref=ref, patient_key=patient or f"pk-{ref}", case_date="2026-03-02",
                          answers={int(c or 0): Answer("met", "Yes") for c in criteria}))


def test_export_then_import_gives_identical_results(home, tmp_path):
    path = _send(home.db, 1, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        result = import_audit(other.db, path)
        new_id = int(result.audit_id or 0)
        for mine, theirs in zip(_results(home.db, 1), _results(other.db, new_id), strict=True):
            pd.testing.assert_frame_equal(mine, theirs)
        assert [(a.text, a.status, a.owner) for a in list_actions(home.db, 1)] == \
               [(a.text, a.status, a.owner) for a in list_actions(other.db, new_id)]
        notes = [[n.text for n in list_notes(d, int(a.id or 0))] for d, i in ((home.db, 1), (other.db, new_id))
                 for a in list_actions(d, i)]
        assert notes[:len(notes) // 2] == notes[len(notes) // 2:]
    finally:
        other.close()


def test_importing_the_same_file_twice_changes_nothing(home, tmp_path):
    path = _send(home.db, 1, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        assert import_audit(other.db, path).applied
        before = _everything(other.db)
        again = import_audit(other.db, path)
        assert not again.applied and again.added == {} and again.updated == {} and again.conflicts == []
        assert again.unchanged["cases"] > 0
        assert _everything(other.db) == before
        back = import_audit(home.db, path)  # and into the file it came from
        assert not back.applied and back.added == {} and back.conflicts == []
    finally:
        other.close()


def test_two_collectors_packs_merge_to_the_union_without_duplicates(home, tmp_path):
    cycle = _cycle(home.db, 1, 2)
    before = home.db.execute("SELECT COUNT(*) FROM cases WHERE cycle_id = ?", [cycle]).fetchone()[0]
    pack = make_collection_pack(home.db, cycle, tmp_path / "pack.auditloop", collector="").path
    returned = []
    for name, refs in (("bea", ["B1", "B2", "B3"]), ("cal", ["C1", "C2"])):
        laptop = _store(tmp_path, name)
        try:
            added = import_audit(laptop.db, pack)
            assert added.applied and added.added.get("cases", 0) == 0  # an empty cycle
            audit_id = int(added.audit_id or 0)
            _collect(laptop.db, _cycle(laptop.db, audit_id, 2), refs)
            returned.append(_send(laptop.db, audit_id, tmp_path / f"{name}.auditloop", sender=f"Dr {name}"))
        finally:
            laptop.close()
    for path in returned:
        result = import_audit(home.db, path)
        assert result.applied and result.conflicts == [] and result.duplicates == []
    for path in returned:  # again: nothing new
        assert not import_audit(home.db, path).applied
    rows = home.db.execute("SELECT case_ref, collector FROM cases WHERE cycle_id = ? AND case_ref GLOB '[BC][0-9]'",
                           [cycle]).fetchall()
    assert sorted(rows) == [("B1", "Dr bea"), ("B2", "Dr bea"), ("B3", "Dr bea"), ("C1", "Dr cal"), ("C2", "Dr cal")]
    assert home.db.execute("SELECT COUNT(*) FROM cases WHERE cycle_id = ?", [cycle]).fetchone()[0] == before + 5
    log = merge_log(home.db, 1)
    assert len(log) == 2 and log[0]["from_name"] == "Dr cal" and log[0]["package_name"] == "cal.auditloop"


def test_the_same_patient_and_date_from_two_collectors_is_a_probable_duplicate(home, tmp_path):
    cycle = _cycle(home.db, 1, 2)
    pack = make_collection_pack(home.db, cycle, tmp_path / "pack.auditloop", collector="").path
    _collect(home.db, cycle, ["H1"], patient="same-patient")
    laptop = _store(tmp_path, "bea")
    try:
        audit_id = int(import_audit(laptop.db, pack).audit_id or 0)
        _collect(laptop.db, _cycle(laptop.db, audit_id, 2), ["B1"], patient="same-patient")
        path = _send(laptop.db, audit_id, tmp_path / "bea.auditloop")
    finally:
        laptop.close()
    result = import_audit(home.db, path, dry_run=True)
    assert [d["reason"] for d in result.duplicates] == ["same patient pseudonym and case date"]


def _both_sides_edit(home, tmp_path) -> tuple[Path, str]:
    path = _send(home.db, 1, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        audit_id = int(import_audit(other.db, path).audit_id or 0)
        action = list_actions(other.db, audit_id)[0]
        uuid = str(other.db.execute("SELECT uuid FROM actions WHERE id = ?", [action.id]).fetchone()[0])
        action.text = "Teaching on every induction day (their copy)"
        update_action(other.db, action)
        back = _send(other.db, audit_id, tmp_path / "back.auditloop")
    finally:
        other.close()
    mine = get_action(home.db, int(home.db.execute("SELECT id FROM actions WHERE uuid = ?", [uuid]).fetchone()[0]))
    mine.text = "Teaching at the monthly meeting (our copy)"
    update_action(home.db, mine)
    return back, uuid


def test_a_record_edited_on_both_sides_is_a_conflict_and_nothing_is_applied(home, tmp_path):
    back, uuid = _both_sides_edit(home, tmp_path)
    before = _everything(home.db)
    result = import_audit(home.db, back)
    assert not result.applied and [(c["kind"], c["uuid"]) for c in result.conflicts] == [("actions", uuid)]
    assert result.conflicts[0]["fields"] == ["text"] and "their copy" in result.conflicts[0]["incoming"]["text"]
    assert _everything(home.db) == before
    result = import_audit(home.db, back, decisions={("actions", uuid): "incoming"})
    assert result.applied
    assert home.db.execute("SELECT text FROM actions WHERE uuid = ?", [uuid]).fetchone()[0].endswith("(their copy)")
    taken = merge_log(home.db, 1)[0]
    assert uuid in taken["taken_json"] and taken["merged_by"]


def test_keep_local_resolves_every_conflict_for_our_copy(home, tmp_path):
    back, uuid = _both_sides_edit(home, tmp_path)
    result = import_audit(home.db, back, on_conflict="keep-local")
    assert result.applied
    assert home.db.execute("SELECT text FROM actions WHERE uuid = ?", [uuid]).fetchone()[0].endswith("(our copy)")


def test_a_change_on_one_side_only_is_taken_or_kept_without_a_conflict(home, tmp_path):
    path = _send(home.db, 1, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        audit_id = int(import_audit(other.db, path).audit_id or 0)
        other.db.execute("UPDATE audits SET aim = 'Their aim' WHERE id = ?", [audit_id])
        back = _send(other.db, audit_id, tmp_path / "back.auditloop")
    finally:
        other.close()
    home.db.execute("UPDATE actions SET owner = 'Our owner' "
                    "WHERE id = (SELECT MIN(id) FROM actions WHERE audit_id = 1)")
    result = import_audit(home.db, back)
    assert result.applied and result.updated == {"audits": 1} and result.kept_local == {"actions": 1}
    assert home.db.execute("SELECT aim FROM audits WHERE id = 1").fetchone()[0] == "Their aim"
    assert home.db.execute("SELECT COUNT(*) FROM actions WHERE owner = 'Our owner'").fetchone()[0] == 1


def test_a_deletion_on_one_side_is_not_undone_by_the_other_copy(home, tmp_path):
    path = _send(home.db, 1, tmp_path / "a.auditloop")
    case_id, case_uuid = home.db.execute("SELECT id, uuid FROM cases WHERE cycle_id = ? AND deleted_at IS NULL "
                                         "ORDER BY id LIMIT 1", [_cycle(home.db, 1)]).fetchone()
    delete_case(home.db, case_id)  # to the bin
    action = list_actions(home.db, 1)[-1]
    action_uuid = home.db.execute("SELECT uuid FROM actions WHERE id = ?", [action.id]).fetchone()[0]
    delete_action(home.db, int(action.id or 0))  # for good: a tombstone
    result = import_audit(home.db, path, on_conflict="take-incoming")  # the old copy, still holding both
    assert result.not_resurrected == {"cases": 1, "actions": 1}
    assert home.db.execute("SELECT deleted_at IS NOT NULL FROM cases WHERE uuid = ?", [case_uuid]).fetchone() == (1,)
    assert home.db.execute("SELECT COUNT(*) FROM actions WHERE uuid = ?", [action_uuid]).fetchone() == (0,)
    # and the other way: the deletions reach a copy that still has the records
    other = _store(tmp_path, "other")
    try:
        import_audit(other.db, path)
        result = import_audit(other.db, _send(home.db, 1, tmp_path / "after.auditloop"))
        assert result.applied and result.deleted == {"cases": 1, "actions": 1}
        assert other.db.execute("SELECT deleted_at IS NOT NULL FROM cases WHERE uuid = ?", [case_uuid]).fetchone() \
            == (1,)
        assert other.db.execute("SELECT COUNT(*) FROM actions WHERE uuid = ?", [action_uuid]).fetchone() == (0,)
    finally:
        other.close()


def test_a_criterion_redefined_on_one_side_stops_the_case_merge(home, tmp_path):
    cycle = _cycle(home.db, 1, 2)
    pack = make_collection_pack(home.db, cycle, tmp_path / "pack.auditloop", collector="").path
    laptop = _store(tmp_path, "bea")
    try:
        audit_id = int(import_audit(laptop.db, pack).audit_id or 0)
        their_cycle = _cycle(laptop.db, audit_id, 2)
        changed = next(c for c in crit.list_criteria(laptop.db, their_cycle) if c.answer_type == "yes_no")
        changed.answer_type, changed.choices_json, changed.met_choices_json = "choice", '["Yes", "No", "Later"]', \
            '["Later"]'
        crit.save_criterion(laptop.db, changed)
        _collect(laptop.db, their_cycle, ["B1", "B2"])
        path = _send(laptop.db, audit_id, tmp_path / "bea.auditloop")
    finally:
        laptop.close()
    before = _everything(home.db)
    result = import_audit(home.db, path)
    assert not result.applied and [c["reason"] for c in result.conflicts] == ["definition"]
    assert result.conflicts[0]["kind"] == "criteria" and "answer_type" in result.conflicts[0]["fields"]
    assert _everything(home.db) == before  # no case merged either
    result = import_audit(home.db, path, on_conflict="keep-local")
    assert result.applied and result.added["cases"] == 2
    outcomes = home.db.execute("SELECT a.outcome FROM answers a JOIN cases c ON c.id = a.case_id WHERE c.case_ref "
                               "IN ('B1', 'B2') AND a.criterion_id = (SELECT id FROM criteria WHERE uuid = ?)",
                               [result.conflicts[0]["uuid"]]).fetchall()
    assert outcomes == [("met",), ("met",)]  # "Yes" judged under our (yes/no) definition


@pytest.mark.parametrize("bad", ["truncated", "data_file", "sqlite", "zip", "text"])
def test_a_bad_file_is_refused_and_the_data_file_is_unchanged(home, tmp_path, bad):
    path = tmp_path / "bad.auditloop"
    if bad == "truncated":
        data = _send(home.db, 1, tmp_path / "a.auditloop").read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif bad == "data_file":
        path = home.path
    elif bad == "sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE audits (uid)")
        conn.commit()
        conn.close()
    elif bad == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("a.txt", "x")
    else:
        path.write_text("not a package\n" * 20)
    before = _everything(home.db)
    with pytest.raises(KnownError):
        import_audit(home.db, path)
    assert _everything(home.db) == before


def test_national_values_imports_and_binned_cases_travel(home, tmp_path):
    from model.benchmark.benchmark_store import links_for_audit, values_for_measure

    db, audit = home.db, 4  # the demo's audit with a national link
    cycle = _cycle(db, audit)
    db.execute("INSERT INTO imports (cycle_id, file_name, sha256, imported_at, case_count) "
               "VALUES (?, 'ward.xlsx', ?, '2026-01-01', 2)", [cycle, "ab" * 32])
    import_id = db.execute("SELECT MAX(id) FROM imports").fetchone()[0]
    first, second = [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id = ? ORDER BY id LIMIT 2", [cycle])]
    db.execute("UPDATE cases SET import_id = ? WHERE id = ?", [import_id, second])
    delete_case(db, first)
    path = _send(db, audit, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        new_id = int(import_audit(other.db, path).audit_id or 0)
        mine, theirs = links_for_audit(db, audit), links_for_audit(other.db, new_id)
        assert len(mine) == len(theirs) == 1
        cols = ["org_code", "period", "numerator", "denominator", "value"]
        pd.testing.assert_frame_equal(values_for_measure(db, int(mine["measure_id"].iloc[0]))[cols],
                                      values_for_measure(other.db, int(theirs["measure_id"].iloc[0]))[cols])
        assert other.db.execute("SELECT COUNT(*) FROM cases WHERE deleted_at IS NOT NULL").fetchone() == (1,)
        assert other.db.execute("SELECT i.file_name FROM cases c JOIN imports i ON i.id = c.import_id").fetchall() \
            == [("ward.xlsx",)]
        again = import_audit(other.db, _send(db, audit, tmp_path / "b.auditloop"))  # a merge reuses the dataset
        assert not again.applied and again.conflicts == []
        assert other.db.execute("SELECT COUNT(*) FROM benchmark_datasets").fetchone() == (1,)
    finally:
        other.close()


def test_m020_backfills_uuids_and_deletions_leave_tombstones(tmp_path):
    import importlib

    from sqlite_utils.migrations import Migrations

    from model.store import migrations

    path = tmp_path / "m016.sqlite"
    db = Database(path)
    old = Migrations(migrations.MIGRATION_SET)
    names = migrations.known_names()
    for name in names[:names.index("m020_merge_base")]:
        old(name=name)(importlib.import_module(f"model.store.migrations.{name}").migrate)
    old.apply(db)
    stamp = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    db["audits"].insert({"uid": "a1", "title": "T", **stamp})
    db["cycles"].insert({"audit_id": 1, "number": 1, **stamp})
    db["imports"].insert({"cycle_id": 1, "file_name": "w.xlsx", "sha256": "ab", "imported_at": "2026-01-01"})
    db["actions"].insert({"audit_id": 1, "text": "Teach", **stamp})
    db.close()
    store = open_store(path)
    try:
        assert store.backup is not None
        assert store.db.execute("SELECT uuid IS NOT NULL FROM imports").fetchone() == (1,)
        assert store.db.execute("SELECT length(site_id) FROM site").fetchone() == (32,)
        uuid = store.db.execute("SELECT uuid FROM actions").fetchone()[0]
        store.db.execute("DELETE FROM actions")
        assert store.db.execute("SELECT kind, uuid, audit_uid FROM tombstones").fetchall() == [("actions", uuid, "a1")]
    finally:
        store.close()


def test_two_collectors_numbering_from_one_keep_both_cases(home, tmp_path):
    cycle = _cycle(home.db, 1, 2)
    pack = make_collection_pack(home.db, cycle, tmp_path / "pack.auditloop", collector="").path
    for name in ("bea", "cal"):
        laptop = _store(tmp_path, name)
        try:
            audit_id = int(import_audit(laptop.db, pack).audit_id or 0)
            _collect(laptop.db, _cycle(laptop.db, audit_id, 2), ["X1"], patient=f"pk-{name}")
            path = _send(laptop.db, audit_id, tmp_path / f"{name}.auditloop", sender=name)
        finally:
            laptop.close()
        assert import_audit(home.db, path).applied
    rows = home.db.execute("SELECT case_ref, collector FROM cases WHERE cycle_id = ? AND case_ref LIKE 'X1%' "
                           "ORDER BY case_ref", [cycle]).fetchall()
    assert rows == [("X1", "bea"), ("X1-2", "cal")]


def test_copies_that_parted_before_stamps_merge_by_content(home, tmp_path):
    """Two copies exchanged before m020: stamps backfilled at random, no merge base. Equal records
    are unchanged; a record that differs is a conflict (no base tells which side changed it)."""
    from model.store.migrations.m020_merge_base import STAMPED

    path = _send(home.db, 1, tmp_path / "a.auditloop")
    other = _store(tmp_path, "other")
    try:
        audit_id = int(import_audit(other.db, path).audit_id or 0)
        other.db.execute("UPDATE audits SET aim = 'Their aim' WHERE id = ?", [audit_id])
        for db in (home.db, other.db):
            db.execute("DELETE FROM sync_base")
            for table in STAMPED:
                db.execute(f"UPDATE {table} SET rev = lower(hex(randomblob(8)))")
        back = _send(other.db, audit_id, tmp_path / "back.auditloop")
    finally:
        other.close()
    home.db.execute("DELETE FROM sync_base")  # the export above was the first exchange of these stamps
    result = import_audit(home.db, back, dry_run=True)
    assert [(c["kind"], c["fields"], c["reason"]) for c in result.conflicts] == [("audits", ["aim"], "no_base")]
    assert result.added == {"handovers": 1}  # the note their copy received, now in the history here
    assert result.updated == {} and result.unchanged["cases"] > 0
