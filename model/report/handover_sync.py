"""What one copy of an audit holds, record by record, and the merge base (migration m020).

A `Snapshot` lists every record of one audit (model.report.handover.TABLES) in a data file or
a package: its key, which means the same in every file (its `uuid`; `uid` for audits and
standards; cycle uuid/section for report texts), its local id and its `rev` stamp (renewed by
a trigger on every change; '' for the version it was inserted with). Reading stamps, not rows,
keeps a merge of 100,000 cases fast; the rows themselves are read only for the records a merge
writes or shows (`contents`).

The merge base (`sync_base`) keeps, per record, the stamp it had when it last left or entered
this file: `record_base` after an export and after an import or merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.report.handover import TABLES, Copied

#: Columns that are no part of a record's content (compared field by field, shown in a conflict).
NOT_CONTENT = {"id", "uuid", "rev", "created_at", "updated_at", "deleted_at", "import_id", "nhs_number",
               "hospital_number", "read_at"}
COPIED = {c.table: c for c in TABLES}
_CHUNK = 500


@dataclass
class Side:
    """One kind of record in one copy: key -> stamp, and the ids."""

    kind: str
    revs: dict[str, str] = field(default_factory=dict)
    key_of: dict[int, str] = field(default_factory=dict)  # local id -> key
    id_of: dict[str, int] = field(default_factory=dict)  # key -> local id (rowid for report texts)
    deleted: set[str] = field(default_factory=set)


@dataclass
class Snapshot:
    """Every record of one audit in one file, by kind."""

    audit_uid: str
    audit_id: int
    sides: dict[str, Side]

    def __getitem__(self, kind: str) -> Side:
        return self.sides[kind]


def _args(copied: Copied, audit_id: int) -> list[int]:
    return [audit_id] * copied.where.count("?") if "?1" not in copied.where else [audit_id]


def _key_sql(kind: str) -> str:
    if kind in ("standards", "audits"):
        return "t.uid"
    if kind == "report_sections":
        return "(SELECT c.uuid FROM cycles c WHERE c.id = t.cycle_id) || '/' || t.section"
    if kind == "handovers":
        return "t.direction || '/' || t.recorded_at || '/' || t.from_name"
    return "t.uuid"


def take_snapshot(db: Database, audit_id: int, *, cases: bool = True) -> Snapshot:
    """The keys, ids and stamps of audit `audit_id`'s records in `db` (a data file or a package).

    `cases=False` leaves the cases out (their side is empty): a merge compares them in SQL
    (`case_changes`), which matters at 100,000 of them.
    """
    sides = {}
    for copied in TABLES:
        if copied.table == "cases" and not cases:
            sides["cases"] = Side("cases")
            continue
        have = {c.name for c in db[copied.table].columns}
        rev = "COALESCE(t.rev, '')" if "rev" in have else "''"
        gone = "t.deleted_at IS NOT NULL" if "deleted_at" in have else "0"
        rowid = "t.id" if "id" in have else "t.rowid"
        rows = db.execute(f'SELECT {_key_sql(copied.table)}, {rowid}, {rev}, {gone} FROM "{copied.table}" t '
                          f"WHERE {copied.where}", _args(copied, audit_id)).fetchall()
        sides[copied.table] = Side(copied.table, revs={r[0]: r[2] for r in rows}, key_of={r[1]: r[0] for r in rows},
                                   id_of={r[0]: r[1] for r in rows}, deleted={r[0] for r in rows if r[3]})
    uid = str(db.execute("SELECT uid FROM audits WHERE id = ?", [audit_id]).fetchone()[0])
    return Snapshot(uid, audit_id, sides)


def measure_keys(db: Database) -> dict[int, str]:
    """National measures keyed by their file's SHA-256 and their code (the same in every file)."""
    rows = db.execute("SELECT m.id, d.sha256 || '/' || m.measure_code FROM benchmark_measures m "
                      "JOIN benchmark_datasets d ON d.id = m.dataset_id")
    return {int(i): str(k) for i, k in rows}


def key_column(kind: str) -> str | None:
    """The column that holds a record's key, or None when the key is made from several (rows by rowid)."""
    if kind in ("standards", "audits"):
        return "uid"
    return None if kind in ("report_sections", "handovers") else "uuid"


def rows_of(db: Database, snapshot: Snapshot, kind: str, keys: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The full rows of some records (by key), as stored in `db`."""
    column = key_column(kind)
    ids: list[Any] = list(keys) if column is not None else [snapshot[kind].id_of[k] for k in keys]
    column = column or "rowid"
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        cursor = db.execute(f'SELECT * FROM "{kind}" WHERE {column} IN ({", ".join("?" * len(chunk))})', chunk)
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))


def contents(db: Database, snapshot: Snapshot, kind: str, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Some records' content (no ids, stamps or identifiers; links given as the linked records' keys)."""
    copied, side = COPIED[kind], snapshot[kind]
    measures = measure_keys(db) if kind == "benchmark_links" else {}
    criteria = snapshot["criteria"].key_of
    out = {}
    key_at = key_column(kind)
    for row in rows_of(db, snapshot, kind, keys):
        if key_at is not None:
            key = str(row[key_at])
        elif kind == "report_sections":
            key = _report_key(snapshot, row)
        else:
            key = side.key_of[int(row["id"])]
        for column, parent in copied.parents.items():
            if row.get(column) is not None:
                lookup = measures if parent == "benchmark_measures" else snapshot[parent].key_of
                row[column] = lookup.get(int(row[column]), f"?{row[column]}")
        if row.get("answer_criteria"):
            row["answer_criteria"] = ",".join(criteria.get(int(i), "?") for i in str(row["answer_criteria"]).split(","))
        out[key] = {c: v for c, v in sorted(row.items()) if c not in NOT_CONTENT}
    return out


def _report_key(snapshot: Snapshot, row: dict[str, Any]) -> str:
    return f"{snapshot['cycles'].key_of.get(int(row['cycle_id']), '?')}/{row['section']}"


# --- the merge base --------------------------------------------------------------------------------


def base_revs(db: Database, audit_uid: str, kind: str) -> dict[str, str]:
    """The stamp each record of `kind` had when it last left or entered this file."""
    return dict(db.execute("SELECT uuid, rev FROM sync_base WHERE audit_uid = ? AND kind = ?",
                           [audit_uid, kind]).fetchall())


def record_base(db: Database, snapshot: Snapshot, known: dict[str, dict[str, str]] | None = None) -> None:
    """Remember every record's stamp in `snapshot` (a copy that was sent or received) as the merge base.

    `known`: the base as already read (by kind), so it is not read again.
    """
    for kind, side in snapshot.sides.items():
        if not side.revs:
            continue
        before = known[kind] if known is not None and kind in known else base_revs(db, snapshot.audit_uid, kind)
        rows = [(kind, key, snapshot.audit_uid, rev) for key, rev in side.revs.items() if before.get(key) != rev]
        db.conn.executemany("INSERT OR REPLACE INTO sync_base (kind, uuid, audit_uid, rev) VALUES (?, ?, ?, ?)", rows)


def tombstoned(db: Database, kind: str, keys: Iterable[str]) -> set[str]:
    """Which of `keys` were deleted from this file for good (m020's tombstones)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        found |= {str(r[0]) for r in db.execute(f"SELECT uuid FROM tombstones WHERE kind = ? AND uuid IN ({marks})",
                                                 [kind, *chunk])}
    return found


def site_id(db: Database) -> str:
    """The random id of this data file (m020)."""
    row = db.execute("SELECT site_id FROM site LIMIT 1").fetchone()
    return str(row[0]) if row else ""


def record_case_base(db: Database, audit_uid: str, where: str, args: list[Any]) -> None:
    """The merge base of the cases (`where` on `cases t`, in `db`): their stamps here, in SQL."""
    db.execute("INSERT OR REPLACE INTO sync_base (kind, uuid, audit_uid, rev) "
               "SELECT 'cases', t.uuid, ?, COALESCE(t.rev, '') FROM cases t "
               f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM sync_base b WHERE b.kind = 'cases' "
               "AND b.uuid = t.uuid AND b.rev = COALESCE(t.rev, '')) ORDER BY t.uuid",  # in key order: no page splits
               [audit_uid, *args])


@dataclass
class CaseChange:
    """One incoming case that is not simply the same version as here (from `case_changes`)."""

    uuid: str
    rev: str
    local_rev: str | None  # None: not here
    base: str | None
    deleted: bool
    local_deleted: bool


def case_changes(db: Database, package_path: str, local_audit: int, package_audit: int
                 ) -> tuple[int, list[CaseChange]]:
    """(how many cases the package holds, those whose stamp, bin state or base differ from here).

    The package file is attached read-only for the join, which runs inside SQLite.
    """
    db.execute("ATTACH DATABASE ? AS pkg", [f"{Path(package_path).resolve().as_uri()}?mode=ro"])
    try:
        mine = "SELECT id FROM main.cycles WHERE audit_id = ?"
        theirs = "SELECT id FROM pkg.cycles WHERE audit_id = ?"
        total = int(db.execute(f"SELECT COUNT(*) FROM pkg.cases WHERE cycle_id IN ({theirs})",
                               [package_audit]).fetchone()[0])
        rows = db.execute(
            "SELECT p.uuid, COALESCE(p.rev, ''), CASE WHEN l.id IS NULL THEN NULL ELSE COALESCE(l.rev, '') END, "
            "b.rev, p.deleted_at IS NOT NULL, COALESCE(l.deleted_at IS NOT NULL, 0) "
            "FROM pkg.cases p LEFT JOIN main.cases l ON l.uuid = p.uuid AND l.cycle_id IN (" + mine + ") "
            "LEFT JOIN main.sync_base b ON b.kind = 'cases' AND b.uuid = p.uuid "
            "WHERE p.cycle_id IN (" + theirs + ") AND (l.id IS NULL OR COALESCE(l.rev, '') != COALESCE(p.rev, '') "
            "OR (l.deleted_at IS NULL) != (p.deleted_at IS NULL) OR b.rev IS NOT COALESCE(p.rev, ''))",
            [local_audit, package_audit]).fetchall()
    finally:
        db.execute("DETACH DATABASE pkg")
    return total, [CaseChange(str(r[0]), str(r[1]), r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]
