"""Adding an audit package to a data file: `import_audit` (model.report.handover: the format).

An audit whose uid the data file does not hold is added as a new audit, in one transaction,
after a checked backup of the data file (model.store.backups.backup_now). Every row gets a new
id; its links (audit, cycle, criterion, recommendation, action, standard) and each case's
packed answer list are rewritten to the new ids; its uuid stays, so a later merge can match
records. A standard the data file already has (same uid) is reused. The handover note is kept
in `handovers` (direction 'received') for the receiving doctor to read.

When the audit is already in the data file (same uid) the package is merged into it
(model.report.handover_merge plans, model.report.handover_apply writes): with conflicts left
unresolved (`on_conflict="stop"` and no decision for them) nothing changes and the result lists
them; otherwise everything is applied in one transaction after the backup, logged in `merges`.
When any record's uuid is already present under another audit the import is refused, listing
them as duplicates. The merge base (m020) is recorded after every import or merge.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.benchmark.benchmark_transfer import copy_measures
from model.collect.key_transfer import key_available
from model.core.errors import KnownError
from model.core.util import now_iso
from model.report.handover import TABLES, ImportResult, PackageSummary, opened_package
from model.report.handover_cases import attach, detach, insert_cases, package_file
from model.report.handover_sync import COPIED, record_base, record_case_base, take_snapshot
from model.store.backups import backup_now
from model.store.case_answers import SUM_COLUMN, answers_sum
from model.store.files import store_error

_CHUNK = 500
#: Tables no other copied row points at: inserted in one batch each.
_LEAVES = {"cases", "criterion_changes", "action_deadline_revisions", "action_notes", "chart_annotations",
           "report_sections", "generated_reports", "handovers", "benchmark_links"}


def import_audit(db: Database, path: Path | str, *, dry_run: bool = False, data_path: Path | None = None,
                 on_conflict: str = "stop", decisions: dict[tuple[str, str], str] | None = None,
                 merged_by: str | None = None) -> ImportResult:
    """Add the package's audit to `db` as a new audit, or merge it into the copy `db` holds.

    `data_path` is the data file to back up first (default: the file `db` is connected to;
    an in-memory database has none). With `dry_run` nothing is written and no backup taken.
    A merge's conflicts are decided by `decisions` ((kind, uuid) -> "local" | "incoming"), the
    rest by `on_conflict` ("stop": not at all, so nothing is applied; "keep-local";
    "take-incoming").

    Raises:
        KnownError: the file is not a package, is from a newer AuditLoop, or cannot be added.
    """
    path = Path(path)
    result = _import(db, path, dry_run=dry_run, data_path=data_path, on_conflict=on_conflict, decisions=decisions,
                     merged_by=merged_by)
    where = data_path if data_path is not None else _file_of(db)
    if where is not None and result.audits:
        result.key_available = key_available(where, str(result.audits[0]["uid"]))
    return result


def _import(db: Database, path: Path, *, dry_run: bool, data_path: Path | None, on_conflict: str,
            decisions: dict[tuple[str, str], str] | None, merged_by: str | None) -> ImportResult:
    with opened_package(path) as (package, summary):
        result = ImportResult(audits=[dict(a, status="new", id=None) for a in summary.audits], note=summary.note)
        present = [a for a in result.audits if _audit_id(db, str(a["uid"])) is not None]
        if present:
            for audit in present:
                audit.update(status="present", id=_audit_id(db, str(audit["uid"])))
            from model.report.handover_merging import merge_package

            return merge_package(db, package, summary, result, dry_run=dry_run, on_conflict=on_conflict,
                                 decisions=decisions or {}, backup_to=data_path if data_path is not None
                                 else _file_of(db), merged_by=merged_by)
        result.duplicates = _duplicates(db, package)
        if result.duplicates:
            result.message = (f"{len(result.duplicates)} records of this package are already in your data file "
                              "under another audit. Nothing was changed.")
            return result
        rows = {c.table: _rows(package, c.table) for c in TABLES if c.table != "cases"}
        rows["cases"] = []  # added inside SQLite (model.report.handover_cases)
        case_count = int(package.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
        standards = {str(r["uid"]): r for r in rows["standards"]}
        reused = {uid for uid in standards if _standard_id(db, uid) is not None}
        result.unchanged = {"standards": len(reused)} if reused else {}
        result.added = {t: len(r) for t, r in rows.items() if r and t != "standards"}
        if case_count:
            result.added["cases"] = case_count
        if len(standards) > len(reused):
            result.added["standards"] = len(standards) - len(reused)
        if dry_run:
            result.message = "Dry run: nothing was changed."
            return result
        target = data_path if data_path is not None else _file_of(db)
        if target is not None:
            result.backup = backup_now(db, target, reason="before-import-audit")
        attach(db, package_file(package))
        try:
            with db.atomic():
                measures = copy_measures(package, db, [int(r["measure_id"]) for r in rows["benchmark_links"]])
                ids = _insert_all(db, rows, measures)
                insert_cases(db, _only_audit(package), ids)
                record_handover(db, next(iter(ids["audits"].values())), summary, sha256_of(path))
                record_base(db, take_snapshot(package, _only_audit(package), cases=False))
                new_audit = next(iter(ids["audits"].values()))
                record_case_base(db, summary.audits[0]["uid"], COPIED["cases"].where, [new_audit])
                keep_tombstones(db, package)
        except sqlite3.Error as exc:
            raise store_error(exc, target or path) from exc
        finally:
            detach(db)
        new_audit = next(iter(ids["audits"].values()))
        result.audits[0]["id"] = new_audit
        result.audit_id = new_audit
        result.applied = True
        result.message = "The audit was added to your data file."
        return result


def present_audit_id(db: Database, uid: str) -> int | None:
    """The id of the audit with this uid in `db` (even in the bin), or None: an import of it is a merge."""
    return _audit_id(db, uid)


def _audit_id(db: Database, uid: str) -> int | None:
    row = db.execute("SELECT id FROM audits WHERE uid = ?", [uid]).fetchone()
    return int(row[0]) if row else None


def _standard_id(db: Database, uid: str) -> int | None:
    row = db.execute("SELECT id FROM standards WHERE uid = ?", [uid]).fetchone()
    return int(row[0]) if row else None


def _file_of(db: Database) -> Path | None:
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file)
    return None


def _only_audit(package: Database) -> int:
    return int(package.execute("SELECT id FROM audits ORDER BY id LIMIT 1").fetchone()[0])


def keep_tombstones(db: Database, package: Database) -> None:
    """The sender's deletions, kept here so that no later copy brings those records back."""
    db.conn.executemany("INSERT OR IGNORE INTO tombstones (kind, uuid, audit_uid, deleted_at) VALUES (?, ?, ?, ?)",
                        package.execute("SELECT kind, uuid, audit_uid, deleted_at FROM tombstones").fetchall())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rows(package: Database, table: str) -> list[dict[str, Any]]:
    cursor = package.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _duplicates(db: Database, package: Database) -> list[dict[str, Any]]:
    """Records of the package whose uuid the data file already holds."""
    found = []
    for copied in TABLES:
        if "uuid" not in {c.name for c in package[copied.table].columns}:
            continue
        uuids = [str(r[0]) for r in package.execute(f'SELECT uuid FROM "{copied.table}" WHERE uuid IS NOT NULL')]
        for start in range(0, len(uuids), _CHUNK):
            chunk = uuids[start:start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            found += [{"kind": copied.table, "uuid": r[0]} for r in
                      db.execute(f'SELECT uuid FROM "{copied.table}" WHERE uuid IN ({marks})', chunk)]
    return found


def _insert_all(db: Database, rows: dict[str, list[dict[str, Any]]], measures: dict[int, int]
                ) -> dict[str, dict[int, int]]:
    """Insert every row with new ids and remapped links; old id -> new id per table."""
    ids: dict[str, dict[int, int]] = {c.table: {} for c in TABLES}
    ids["benchmark_measures"] = measures
    for copied in TABLES:
        have = {c.name for c in db[copied.table].columns}
        batch: list[dict[str, Any]] = []
        remapped: dict[str, str] = {}
        for row in rows[copied.table]:
            old_id = row.get("id")
            if copied.table == "standards" and (existing := _standard_id(db, str(row["uid"]))) is not None:
                ids["standards"][int(row["id"])] = existing
                continue
            values = {k: v for k, v in row.items() if k in have and k != "id"}
            for column, parent in copied.parents.items():
                if values.get(column) is not None:
                    values[column] = ids[parent].get(int(values[column]))
            if copied.table == "cases":
                _remap_answers(values, ids["criteria"], remapped)
            if copied.table in _LEAVES:  # nothing points at these rows: no new id needed
                batch.append(values)
                continue
            columns = ", ".join(f'"{c}"' for c in values)
            cursor = db.execute(f'INSERT INTO "{copied.table}" ({columns}) VALUES ({", ".join("?" * len(values))})',
                                list(values.values()))
            if old_id is not None:
                ids[copied.table][int(old_id)] = int(cursor.lastrowid or 0)
        if batch:
            names = list(batch[0])
            quoted, marks = ", ".join(f'"{c}"' for c in names), ", ".join("?" * len(names))
            db.conn.executemany(f'INSERT INTO "{copied.table}" ({quoted}) VALUES ({marks})',
                                [[v[c] for c in names] for v in batch])
    if len(ids["audits"]) != 1:
        raise KnownError("The package does not hold exactly one audit.", hint="Ask the sender to export it again.")
    return ids


def _remap_answers(case: dict[str, Any], criteria: dict[int, int], remapped: dict[str, str]) -> None:
    """Point a copied case's answers at the new criterion ids; its checksum follows when it
    matched in the package (a case changed outside AuditLoop stays found after the copy)."""
    def sum_now() -> str:
        return answers_sum(str(case.get("answer_criteria") or ""), str(case.get("outcomes") or ""),
                           case.get("answer_raws"), case.get("answer_values"))

    intact = case.get(SUM_COLUMN) in (None, sum_now())  # None: a package from before m018
    packed = str(case.get("answer_criteria") or "")
    if packed not in remapped:  # most cases share a few criteria lists
        remapped[packed] = _remapped_list(packed, criteria)
    case["answer_criteria"] = remapped[packed]
    if intact:
        case[SUM_COLUMN] = sum_now()


def _remapped_list(packed: str, criteria: dict[int, int]) -> str:
    if not packed:
        return packed
    return ",".join(str(criteria[int(i)]) for i in packed.split(","))


def record_handover(db: Database, audit_id: int, summary: PackageSummary, sha256: str) -> None:
    """Keep the package's handover note with the audit (direction 'received')."""
    note = summary.note
    db.execute("INSERT INTO handovers (audit_id, direction, from_name, to_name, handed_over_on, done, next_steps, "
               "contacts, package_sha256, recorded_at) VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?, ?)",
               [audit_id, note.from_name, note.to_name, note.handed_over_on, note.done,
                note.next_steps, note.contacts, sha256, now_iso()])


def latest_received_note(db: Database, audit_id: int) -> dict[str, Any] | None:
    """The newest handover note received with an audit (for showing it again), or None."""
    cursor = db.execute("SELECT * FROM handovers WHERE audit_id = ? AND direction = 'received' "
                        "ORDER BY id DESC LIMIT 1", [audit_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None
