"""What one copy of an audit holds, record by record, and the merge base (migration m017).

A `Snapshot` reads every record of one audit (model.report.handover.TABLES) from a data file or
a package and gives each a key that means the same in every file (its `uuid`; `uid` for audits
and standards; cycle uuid + section for report texts; the content itself for handover notes)
and a content hash. The hash leaves out what is local to a file (ids, the links' ids, which it
replaces by the linked records' keys; timestamps; identifiers, which never travel), so the same
record hashes the same in the data file and in the package it went into.

The merge base (`sync_base`) keeps, per record, the hash it had when it last left or entered
this file: `record_base` after an export and after an import or merge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from model.report.handover import TABLES, Copied

#: Columns that are no part of a record's content.
NOT_CONTENT = {"id", "uuid", "created_at", "updated_at", "deleted_at", "import_id", "nhs_number",
               "hospital_number", "read_at", "recorded_at"}
#: How each kind of record is keyed when it has no uuid column.
_KEY_COLUMN = {"standards": "uid", "audits": "uid"}
_CHUNK = 500


@dataclass
class Table:
    """One kind of record of one copy: its columns and rows by key."""

    kind: str
    columns: list[str]  # every column, as the rows hold them
    content: list[str]  # the content columns, sorted (what the hash covers)
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # key -> full row
    hashes: dict[str, str] = field(default_factory=dict)
    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # key -> content values, links as keys
    ids: dict[int, str] = field(default_factory=dict)  # local id -> key

    def id_of(self, key: str) -> int | None:
        row = self.rows.get(key)
        return int(row[0]) if row is not None and self.columns[0] == "id" else None

    def deleted(self, key: str) -> bool:
        return "deleted_at" in self.columns and self.rows[key][self.columns.index("deleted_at")] is not None

    def named(self, key: str) -> dict[str, Any]:
        """The record's content values by column name (links given as the linked records' keys)."""
        return dict(zip(self.content, self.values[key], strict=True))


@dataclass
class Snapshot:
    """Every record of one audit in one file."""

    audit_uid: str
    tables: dict[str, Table]

    def __getitem__(self, kind: str) -> Table:
        return self.tables[kind]


def take_snapshot(db: Database, audit_id: int) -> Snapshot:
    """Read audit `audit_id`'s records from `db` (a data file or a package) with keys and hashes."""
    tables: dict[str, Table] = {"benchmark_measures": _measure_keys(db)}
    for copied in TABLES:
        tables[copied.table] = _read(db, copied, audit_id, tables)
    uid = str(db.execute("SELECT uid FROM audits WHERE id = ?", [audit_id]).fetchone()[0])
    del tables["benchmark_measures"]
    return Snapshot(uid, tables)


def _measure_keys(db: Database) -> Table:
    """National measures keyed by their file's SHA-256 and their code (the same in every file)."""
    rows = db.execute("SELECT m.id, d.sha256 || '/' || m.measure_code FROM benchmark_measures m "
                      "JOIN benchmark_datasets d ON d.id = m.dataset_id")
    return Table("benchmark_measures", [], [], ids={int(i): str(k) for i, k in rows})


def _read(db: Database, copied: Copied, audit_id: int, done: dict[str, Table]) -> Table:
    args = [audit_id] * copied.where.count("?") if "?1" not in copied.where else [audit_id]
    cursor = db.execute(f'SELECT * FROM "{copied.table}" WHERE {copied.where}', args)
    columns = [d[0] for d in cursor.description]
    content = sorted(c for c in columns if c not in NOT_CONTENT)
    table = Table(copied.table, columns, content)
    where = {c: i for i, c in enumerate(columns)}
    picks = [where[c] for c in content]
    links = [(content.index(c), done[p].ids) for c, p in copied.parents.items() if c in content and p in done]
    packed = content.index("answer_criteria") if "answer_criteria" in content else None
    criteria = done["criteria"].ids if packed is not None else {}
    seen: dict[str, str] = {}  # a packed list of criterion ids -> the same as criterion keys
    key_of = _keyer(copied.table, where, done)
    for row in cursor.fetchall():
        values = [row[i] for i in picks]
        for position, ids in links:
            if values[position] is not None:
                values[position] = ids.get(int(values[position]), f"?{values[position]}")
        if packed is not None and values[packed]:
            text = str(values[packed])
            if text not in seen:
                seen[text] = ",".join(criteria.get(int(i), "?") for i in text.split(","))
            values[packed] = seen[text]
        frozen = tuple(values)
        digest = hashlib.blake2b(repr(frozen).encode(), digest_size=16).hexdigest()
        key = key_of(row, frozen, digest)
        table.rows[key], table.values[key], table.hashes[key] = row, frozen, digest
        if "id" in where:
            table.ids[int(row[where["id"]])] = key
    return table


def _keyer(kind: str, where: dict[str, int], done: dict[str, Table]) -> Any:
    if kind == "report_sections":
        cycles = done["cycles"].ids
        return lambda row, _v, _d: f"{cycles.get(int(row[where['cycle_id']]), '?')}/{row[where['section']]}"
    if kind == "handovers":
        return lambda _r, _v, digest: digest
    column = where[_KEY_COLUMN.get(kind, "uuid")]
    return lambda row, _v, _d: str(row[column])


# --- the merge base --------------------------------------------------------------------------------


def base_hashes(db: Database, audit_uid: str, kind: str) -> dict[str, str]:
    """The hash each record of `kind` had when it last left or entered this file."""
    rows = db.execute("SELECT uuid, hash FROM sync_base WHERE audit_uid = ? AND kind = ?", [audit_uid, kind])
    return {str(k): str(h) for k, h in rows}


def record_base(db: Database, snapshot: Snapshot, *, known: dict[str, dict[str, str]] | None = None) -> None:
    """Remember every record's hash in `snapshot` as the merge base (only those that differ from `known`)."""
    for kind, table in snapshot.tables.items():
        before = known.get(kind, {}) if known is not None else base_hashes(db, snapshot.audit_uid, kind)
        rows = [(kind, key, snapshot.audit_uid, digest) for key, digest in table.hashes.items()
                if before.get(key) != digest]
        db.conn.executemany("INSERT OR REPLACE INTO sync_base (kind, uuid, audit_uid, hash) VALUES (?, ?, ?, ?)",
                            rows)


def tombstoned(db: Database, kind: str, keys: Iterable[str]) -> set[str]:
    """Which of `keys` were deleted from this file for good (m017's tombstones)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        found |= {str(r[0]) for r in db.execute(f"SELECT uuid FROM tombstones WHERE kind = ? AND uuid IN ({marks})",
                                                 [kind, *chunk])}
    return found


def site_id(db: Database) -> str:
    """The random id of this data file (m017)."""
    row = db.execute("SELECT site_id FROM site LIMIT 1").fetchone()
    return str(row[0]) if row else ""
