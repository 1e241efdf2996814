"""Identifiers never leak: secure delete, the scan of the data file and backups, backups after a purge."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from model.collect.cases import Case, add_case
from model.collect.identifier_scan import (
    backups_holding_audit,
    delete_backups,
    holds_nhs_number,
    scan_identifiers,
)
from model.plan.audits import Audit, create_audit, delete_audit, get_audit, purge_audit
from model.plan.cycles import Cycle, create_cycle
from model.store.store import backup_now, list_backups, open_store

ROOT = Path(__file__).resolve().parents[2]
NHS = "9434765919"


def _audit_with_identifiers(store, title: str = "Kept", keep: bool = True) -> int:  # noqa: ANN001
    audit = create_audit(store.db, Audit(title=title, keep_identifiers=keep))
    cycle = create_cycle(store.db, Cycle(audit_id=audit.id))
    add_case(store.db, Case(cycle_id=cycle.id, case_ref="1", nhs_number=NHS))
    add_case(store.db, Case(cycle_id=cycle.id, case_ref="2", nhs_number="999 000 0018"))
    return audit.id


def test_values_that_hold_an_nhs_number() -> None:
    assert holds_nhs_number(NHS) and holds_nhs_number(9434765919) and holds_nhs_number(9434765919.0)
    assert holds_nhs_number("943 476 5919") and holds_nhs_number('{"value": "943-476-5919"}')
    assert not holds_nhs_number("9434765918")  # check digit wrong
    assert not holds_nhs_number("ab9434765919cd")  # inside a hex pseudonym
    assert not holds_nhs_number("94347659190") and not holds_nhs_number(None) and not holds_nhs_number(True)


def test_every_connection_uses_secure_delete(tmp_path: Path) -> None:
    store = open_store(tmp_path / "a.sqlite")
    try:
        assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
        other = store.connect()
        assert other.execute("PRAGMA secure_delete").fetchone()[0] == 1
        other.close()
        audit_id = _audit_with_identifiers(store)
        delete_audit(store.db, audit_id)
        purge_audit(store.db, audit_id)
    finally:
        store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("a.sqlite*") if p.is_file() and p.suffix != ".lock")
    assert NHS.encode() not in raw and b"9990000018" not in raw


def test_scan_lists_the_data_file_and_backups(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        create_audit(store.db, Audit(title="Clean"))
        clean_backup = backup_now(store.db, path)
        audit_id = _audit_with_identifiers(store)
        held_backup = backup_now(store.db, path)
        found = scan_identifiers(path)
        assert found["file"] == str(path) and found["warnings"] == []
        by_where = {(f["where"], f["table"], f["column"]): f["count"] for f in found["findings"]}
        assert by_where[("data file", "cases", "nhs_number")] == 2
        assert by_where[(str(held_backup), "cases", "nhs_number")] == 2
        assert not any(w == str(clean_backup) for w, _t, _c in by_where)
        delete_audit(store.db, audit_id)
        purge_audit(store.db, audit_id)
        after = scan_identifiers(path)
        assert {f["where"] for f in after["findings"]} == {str(held_backup)}
    finally:
        store.close()


def test_unreadable_backup_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        backup = backup_now(store.db, path)
    finally:
        store.close()
    backup.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    found = scan_identifiers(path)
    assert found["findings"] == [] and len(found["warnings"]) == 1 and backup.name in found["warnings"][0]


def test_backups_holding_a_purged_audit_can_be_deleted(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        before = backup_now(store.db, path)  # taken before the audit existed: not listed
        audit_id = _audit_with_identifiers(store)
        uid = get_audit(store.db, audit_id).uid
        first, second = backup_now(store.db, path), backup_now(store.db, path)
        delete_audit(store.db, audit_id)
        purge_audit(store.db, audit_id)
        held = backups_holding_audit(path, uid)
        assert set(held) == {first, second}
        assert delete_backups(held) == 2
        assert list_backups(path) == [before] and backups_holding_audit(path, uid) == []
        assert scan_identifiers(path)["findings"] == []
    finally:
        store.close()


def test_scan_identifiers_command(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    store = open_store(path)
    try:
        _audit_with_identifiers(store)
        backup_now(store.db, path)
    finally:
        store.close()
    done = subprocess.run([sys.executable, "main.py", "scan-identifiers", "--db", str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert set(found) == {"file", "findings", "warnings"}
    wheres = {f["where"] for f in found["findings"]}
    assert "data file" in wheres and any(w.endswith(".sqlite") and "backups" in w for w in wheres)
    for f in found["findings"]:
        assert set(f) == {"where", "table", "column", "count"} and f["count"] > 0
    assert NHS not in done.stdout  # the scan says where, never the numbers themselves
    missing = subprocess.run([sys.executable, "main.py", "scan-identifiers", "--db", str(tmp_path / "no.sqlite"),
                              "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
