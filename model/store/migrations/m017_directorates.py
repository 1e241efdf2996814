"""Migration 17: the audit's directorate, and indexes for a department's worth of audits.

A trust's audit register files each audit under a directorate (or division: Medicine,
Surgery, Women and children, …) as well as its specialty; the department dashboard counts
and filters by both. `audits.directorate` is free text like `specialty` ('' when not given).

The dashboard and the reminders read every audit's actions, recommendations, deadline
revisions and notes at once: without an index on their parent those reads scan the whole
table once per audit (20,000 actions × 1,000 audits in bench/).
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

from sqlite_utils import Database

INDEXES = (
    "CREATE INDEX actions_audit ON actions(audit_id)",
    "CREATE INDEX recommendations_audit ON recommendations(audit_id)",
    "CREATE INDEX action_deadline_revisions_action ON action_deadline_revisions(action_id)",
    "CREATE INDEX action_notes_action ON action_notes(action_id)",
)


def migrate(db: Database) -> None:
    db.execute("ALTER TABLE audits ADD COLUMN directorate TEXT NOT NULL DEFAULT ''")
    for statement in INDEXES:
        db.execute(statement)
