"""Migration 7: the answers table's outcome CHECK written as OR-ed comparisons.

Why: SQLite evaluates ``CHECK (outcome IN ('met', 'not_met', 'exception', 'missing'))`` by
building a small look-up table for every statement that inserts answers, which cost about
0.5 s of a 100,000-case import (800,000 answers). ``outcome = 'met' OR outcome = 'not_met'
OR …`` accepts exactly the same values (NULL is refused by NOT NULL either way) and is
plain comparisons.

SQLite cannot change a CHECK in place, so the table is rebuilt the documented way
(https://www.sqlite.org/lang_altertable.html#otheralter): create ``answers_new`` with
identical columns, primary key, WITHOUT ROWID and foreign keys, copy the rows, drop the old
table (which drops its index), rename the new one and recreate ``answers_criterion``.

Foreign keys stay ON (they cannot be switched inside the migration's transaction, where
``PRAGMA foreign_keys`` is a no-op) and that is safe here: no table references ``answers``,
so dropping it deletes nothing elsewhere, and as a child with immediate constraints its
drop skips the implicit row-by-row DELETE. The rename runs with ``legacy_alter_table`` OFF
(SQLite's default), which checks views and triggers against the new schema; none name
``answers_new``, and the rename keeps the foreign keys pointing at ``cases`` and
``criteria``.
"""

from __future__ import annotations

from sqlite_utils import Database

CREATE = """
CREATE TABLE answers_new (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES criteria(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK (outcome = 'met' OR outcome = 'not_met' OR outcome = 'exception'
        OR outcome = 'missing'),
    raw TEXT,
    value REAL,
    PRIMARY KEY (case_id, criterion_id)
) WITHOUT ROWID
"""
COLUMNS = "case_id, criterion_id, outcome, raw, value"


def migrate(db: Database) -> None:
    """Rebuild `answers` with the cheaper CHECK, keeping every row and the index."""
    db.execute(CREATE)
    # The old table is read in primary-key order, so the copy appends to the new B-tree.
    db.execute(f"INSERT INTO answers_new ({COLUMNS}) SELECT {COLUMNS} FROM answers ORDER BY case_id, criterion_id")
    db.execute("DROP TABLE answers")
    db.execute("ALTER TABLE answers_new RENAME TO answers")
    db.execute("CREATE INDEX answers_criterion ON answers(criterion_id, outcome)")
