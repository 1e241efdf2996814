"""Migration 16: a stable identity for every record of an audit, and the handovers received.

An audit travels between data files (a resident doctor hands it to the next one, and later
the two copies are merged): an integer id means nothing in another file, so every record an
audit owns gets a `uuid` (32 hex digits, as `audits.uid` already has): cycles, criteria
(besides their `lineage`, which links the same criterion across cycles), cases,
recommendations, actions, their deadline revisions and progress notes, chart annotations,
criterion changes and generated reports. Existing rows are backfilled; new rows get one from
an AFTER INSERT trigger whenever the inserting code leaves it NULL (so every insert path is
covered, and code that supplies a uuid, as an import of a handover package does, keeps it).
Each uuid is unique within its table.

`handovers` keeps the handover note that came with an imported audit package (what is done,
what is next, contacts, from whom, to whom, when): the receiving doctor can read it again.
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

import uuid

from sqlite_utils import Database

TABLES = ("cycles", "criteria", "cases", "recommendations", "actions", "action_deadline_revisions",
          "action_notes", "chart_annotations", "criterion_changes", "generated_reports")

NEW_UUID_SQL = "lower(hex(randomblob(16)))"

HANDOVERS = """
CREATE TABLE handovers (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('received', 'sent')),
    from_name TEXT NOT NULL DEFAULT '',
    to_name TEXT NOT NULL DEFAULT '',
    handed_over_on TEXT,
    done TEXT NOT NULL DEFAULT '',
    next_steps TEXT NOT NULL DEFAULT '',
    contacts TEXT NOT NULL DEFAULT '',
    package_sha256 TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    read_at TEXT
)
"""


def migrate(db: Database) -> None:
    """Add, backfill and index the uuid columns; the insert triggers; the handovers table."""
    for table in TABLES:
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
    db.execute(HANDOVERS)
    db.execute("CREATE INDEX handovers_audit ON handovers(audit_id)")
