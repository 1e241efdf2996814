"""Migration 12: the Report stage (narrative sections and the record of generated reports).

`report_sections` keeps the text the team writes for a cycle's report (executive summary,
background, discussion, …), one row per section. `generated_reports` records every report
file written: its version, format, SHA-256 and whether it was a draft or the final report,
so the audit department can tell which file is the official record. Both go with their cycle.
"""

from __future__ import annotations

from sqlite_utils import Database

SECTIONS = """
CREATE TABLE report_sections (
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    section TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (cycle_id, section)
)
"""

GENERATED = """
CREATE TABLE generated_reports (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('docx', 'pdf')),
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    path_name TEXT NOT NULL DEFAULT ''
)
"""


def migrate(db: Database) -> None:
    db.execute(SECTIONS)
    db.execute(GENERATED)
    db.execute("CREATE INDEX generated_reports_cycle ON generated_reports(cycle_id)")
