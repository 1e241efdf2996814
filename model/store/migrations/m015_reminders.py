"""Migration 15: reminders the user snoozed or dismissed, and the choices made for a re-audit.

Reminders themselves are never stored: they are computed from the data each time
(model.act.reminders). What the user decided about one is: `reminder_states` holds, per
reminder (its kind, audit and `ref`, the thing it is about, e.g. "action:12" or "cycle:3"),
the date it is snoozed until, or when and why it was dismissed. `due` is the due date the
reminder had when it was dismissed, so a reminder whose date moves (a revised deadline, a new
re-audit date) comes back.

`reaudit_choices` records, for a re-audit cycle, each criterion of the previous cycle and
whether it was carried into the re-audit, with the reason (scope "all" or "missed").
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

from sqlite_utils import Database

STATES = """
CREATE TABLE reminder_states (
    kind TEXT NOT NULL,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    ref TEXT NOT NULL DEFAULT '',
    snoozed_until TEXT,
    dismissed_on TEXT,
    dismissed_reason TEXT NOT NULL DEFAULT '',
    due TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, audit_id, ref)
)
"""

CHOICES = """
CREATE TABLE reaudit_choices (
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    lineage TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('all', 'missed')),
    included INTEGER NOT NULL CHECK (included IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (cycle_id, lineage)
)
"""


def migrate(db: Database) -> None:
    db.execute(STATES)
    db.execute(CHOICES)
