"""Migration 20: what merging two copies of an audit needs (issue 17).

- `imports` and `benchmark_links` get a `uuid` like m016's tables (backfilled, unique, an
  insert trigger fills a NULL one), so spreadsheet-import records and national links travel.
- `rev` on every record that travels: a random stamp an AFTER UPDATE trigger renews on every
  change, whoever makes it (code that sets `rev` itself, as a merge writing the other copy's
  version does, keeps its value). NULL is the version a record was inserted with; existing rows
  get a stamp now. The stamp travels with the record, so two copies of the same version agree.
- `sync_base`: the merge base. For every record of an audit that left or entered this file in
  a package, the stamp it had then (`kind` is the table, `uuid` the record's; audits use their
  `uid`, report texts cycle uuid/section). A later merge compares the local stamp and the
  incoming one with it: changed only on the incoming side (take it), only here (keep it), or on
  both sides (a conflict).
- `tombstones`: every record with a uuid that is deleted from this file (for good; binned cases
  keep their row with `deleted_at`) leaves its kind and uuid, written by AFTER DELETE triggers
  whatever code deletes it, so a merge never brings it back. `audit_uid` is NULL when the row
  went with its parent (the parent's own tombstone covers it).
- `merges`: the log of merges into this file (who, when, from which file, what was taken).
- `site`: one row, a random id naming this data file in the merges it takes part in.
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

import uuid

from sqlite_utils import Database

NEW_UUID_SQL = "lower(hex(randomblob(16)))"
NEW_REV_SQL = "lower(hex(randomblob(8)))"
#: The tables whose records travel in a package and carry a `rev` stamp.
STAMPED = ("audits", "cycles", "criteria", "criterion_changes", "imports", "cases", "recommendations", "actions",
           "action_deadline_revisions", "action_notes", "chart_annotations", "report_sections", "generated_reports",
           "benchmark_links")

#: How to reach the audit's uid from a deleted row (OLD.*), per table with a uuid.
_AUDIT_OF = {
    "cycles": "SELECT uid FROM audits WHERE id = OLD.audit_id",
    "criteria": "SELECT a.uid FROM cycles c JOIN audits a ON a.id = c.audit_id WHERE c.id = OLD.cycle_id",
    "cases": "SELECT a.uid FROM cycles c JOIN audits a ON a.id = c.audit_id WHERE c.id = OLD.cycle_id",
    "imports": "SELECT a.uid FROM cycles c JOIN audits a ON a.id = c.audit_id WHERE c.id = OLD.cycle_id",
    "generated_reports": "SELECT a.uid FROM cycles c JOIN audits a ON a.id = c.audit_id WHERE c.id = OLD.cycle_id",
    "recommendations": "SELECT uid FROM audits WHERE id = OLD.audit_id",
    "actions": "SELECT uid FROM audits WHERE id = OLD.audit_id",
    "chart_annotations": "SELECT uid FROM audits WHERE id = OLD.audit_id",
    "benchmark_links": "SELECT uid FROM audits WHERE id = OLD.audit_id",
    "action_deadline_revisions": "SELECT a.uid FROM actions x JOIN audits a ON a.id = x.audit_id "
                                 "WHERE x.id = OLD.action_id",
    "action_notes": "SELECT a.uid FROM actions x JOIN audits a ON a.id = x.audit_id WHERE x.id = OLD.action_id",
    "criterion_changes": "SELECT a.uid FROM criteria r JOIN cycles c ON c.id = r.cycle_id "
                         "JOIN audits a ON a.id = c.audit_id WHERE r.id = OLD.criterion_id",
}

TABLES_SQL = """
CREATE TABLE sync_base (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    audit_uid TEXT NOT NULL,
    rev TEXT NOT NULL,
    PRIMARY KEY (kind, uuid)
) WITHOUT ROWID;
CREATE INDEX sync_base_audit ON sync_base(audit_uid, kind);
CREATE TABLE tombstones (
    kind TEXT NOT NULL,
    uuid TEXT NOT NULL,
    audit_uid TEXT,
    deleted_at TEXT NOT NULL,
    PRIMARY KEY (kind, uuid)
) WITHOUT ROWID;
CREATE INDEX tombstones_audit ON tombstones(audit_uid);
CREATE TABLE merges (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER REFERENCES audits(id) ON DELETE CASCADE,
    merged_at TEXT NOT NULL,
    merged_by TEXT NOT NULL DEFAULT '',
    package_name TEXT NOT NULL DEFAULT '',
    package_sha256 TEXT NOT NULL DEFAULT '',
    from_site TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    taken_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX merges_audit ON merges(audit_id);
CREATE TABLE site (site_id TEXT NOT NULL)
"""


def _add_uuid(db: Database, table: str) -> None:
    db.execute(f"ALTER TABLE {table} ADD COLUMN uuid TEXT")
    ids = [row[0] for row in db.execute(f"SELECT rowid FROM {table}")]
    db.conn.executemany(f"UPDATE {table} SET uuid = ? WHERE rowid = ?", [(uuid.uuid4().hex, i) for i in ids])
    db.execute(f"CREATE UNIQUE INDEX {table}_uuid ON {table}(uuid)")
    db.execute(f"""
        CREATE TRIGGER {table}_new_uuid AFTER INSERT ON {table} FOR EACH ROW WHEN NEW.uuid IS NULL
        BEGIN
            UPDATE {table} SET uuid = {NEW_UUID_SQL} WHERE rowid = NEW.rowid;
        END
    """)


def migrate(db: Database) -> None:
    """uuids on imports and benchmark links; the merge base, tombstones, the merge log, the site id."""
    for table in ("imports", "benchmark_links"):
        _add_uuid(db, table)
    for table in STAMPED:
        db.execute(f"ALTER TABLE {table} ADD COLUMN rev TEXT")
        db.execute(f"UPDATE {table} SET rev = {NEW_REV_SQL}")
        db.execute(f"""
            CREATE TRIGGER {table}_new_rev AFTER UPDATE ON {table} FOR EACH ROW WHEN NEW.rev IS OLD.rev
            BEGIN
                UPDATE {table} SET rev = {NEW_REV_SQL} WHERE rowid = NEW.rowid;
            END
        """)
    for statement in TABLES_SQL.split(";"):
        db.execute(statement)
    for table, audit_sql in _AUDIT_OF.items():
        db.execute(f"""
            CREATE TRIGGER {table}_tombstone AFTER DELETE ON {table} FOR EACH ROW WHEN OLD.uuid IS NOT NULL
            BEGIN
                INSERT OR REPLACE INTO tombstones (kind, uuid, audit_uid, deleted_at)
                VALUES ('{table}', OLD.uuid, ({audit_sql}), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
            END
        """)
    db.execute("INSERT INTO site (site_id) VALUES (?)", [uuid.uuid4().hex])
