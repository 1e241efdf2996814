"""Migration 19: every generated document is recorded, not only the full report.

`generated_reports` (m012) allowed only the Word and PDF report. The one-page summary, the QI
poster and the trainee's evidence pack are documents the department also files (the summary
goes to the governance committee, the evidence pack to an ePortfolio), so the table gains a
`kind` ("report", "summary", "poster", "evidence"), PNG joins the formats, and a status of ''
means "no draft/final distinction" (only a report is issued as draft or final). Versions are
counted per cycle and kind. SQLite cannot change a CHECK constraint in place, so the table is
rebuilt with its rows, its uuid index and its uuid trigger (as m016 made them).
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

from sqlite_utils import Database

TABLE = """
CREATE TABLE generated_reports_new (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'summary', 'poster', 'evidence')),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('docx', 'pdf', 'png')),
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'final') OR (status = '' AND kind <> 'report')),
    path_name TEXT NOT NULL DEFAULT '',
    uuid TEXT
)
"""

COLUMNS = "id, cycle_id, version, created_at, format, sha256, status, path_name, uuid"


def migrate(db: Database) -> None:
    """Rebuild generated_reports with a kind column and the wider format and status checks."""
    db.execute(TABLE)
    db.execute(f"INSERT INTO generated_reports_new ({COLUMNS}) SELECT {COLUMNS} FROM generated_reports")
    db.execute("DROP TABLE generated_reports")  # its index and trigger go with it
    db.execute("ALTER TABLE generated_reports_new RENAME TO generated_reports")
    db.execute("CREATE INDEX generated_reports_cycle ON generated_reports(cycle_id, kind)")
    db.execute("CREATE UNIQUE INDEX generated_reports_uuid ON generated_reports(uuid)")
    db.execute("""
        CREATE TRIGGER generated_reports_new_uuid AFTER INSERT ON generated_reports FOR EACH ROW
        WHEN NEW.uuid IS NULL
        BEGIN
            UPDATE generated_reports SET uuid = lower(hex(randomblob(16))) WHERE rowid = NEW.rowid;
        END
    """)
