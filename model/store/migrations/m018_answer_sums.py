"""Migration 18: a checksum of each case's answers, for changes SQLite cannot see.

SQLite's `integrity_check` looks at the structure of the file, not at the values: most single
flipped bits in a case's packed answers pass it, and so does another program editing the
file. `cases.answers_sum` holds a checksum of the four packed answer columns (m008), written
by AuditLoop with them (model.store.case_answers) and compared by "Check data file"
(model.store.answer_check). The default is the sum of no answers, so a case inserted without
answers is stamped correctly by SQLite itself.

Self-contained on purpose: a migration must
not import code that may change later (tests keep `_sum` equal to the model's `answers_sum`).
"""

from __future__ import annotations

import hashlib

from sqlite_utils import Database


def _sum(criteria: str, outcomes: str, raws: str | None, values: str | None) -> str:
    text = "\x1f".join((criteria, outcomes, raws or "", values or ""))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def migrate(db: Database) -> None:
    """Add the column and stamp every existing case from its answers as they are."""
    db.execute(f"ALTER TABLE cases ADD COLUMN answers_sum TEXT NOT NULL DEFAULT '{_sum('', '', None, None)}'")
    rows = db.execute("SELECT id, answer_criteria, outcomes, answer_raws, answer_values FROM cases").fetchall()
    db.conn.executemany("UPDATE cases SET answers_sum = ? WHERE id = ?", [(_sum(*r[1:]), r[0]) for r in rows])
