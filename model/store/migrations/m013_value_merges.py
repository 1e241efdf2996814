"""Migration 13: the spellings of wards, sites and teams the user merged (issue 12).

"AMU", "amu " and "Acute Medical Unit" are one ward: the import wizard proposes such merges
and the user confirms or changes them; each decision is kept here (by field and the
spelling's merge key, model.collect.value_merge) so the next month's sheet merges the same
way without asking again.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    db.execute("""
        CREATE TABLE value_merges (
            field TEXT NOT NULL,
            variant_key TEXT NOT NULL,
            name TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (field, variant_key)
        )
    """)
