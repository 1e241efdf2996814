"""Migration 10: each criterion's change history (issue 12).

When a criterion's definition changes after answers exist (its answer type, threshold,
choices…), every stored outcome is re-derived from the value kept with it, and the change
is recorded here: when, which fields, and how many answers it re-judged, so results that
moved can always be explained. Rows go with their criterion.
"""

from __future__ import annotations

from sqlite_utils import Database

CREATE = """
CREATE TABLE criterion_changes (
    id INTEGER PRIMARY KEY,
    criterion_id INTEGER NOT NULL REFERENCES criteria(id) ON DELETE CASCADE,
    changed_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    answers_rejudged INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT ''
)
"""


def migrate(db: Database) -> None:
    db.execute(CREATE)
    db.execute("CREATE INDEX criterion_changes_criterion ON criterion_changes(criterion_id)")
