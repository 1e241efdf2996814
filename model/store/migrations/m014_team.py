"""Migration 14: the audit's team, where it was presented, and the trainee's reflections.

A trainee's ePortfolio evidence (DOMAIN.md §9) needs who did what on the audit, where the
findings were presented and a reflection in the trainee's own words. They are kept with
the audit (one file carries everything) and go when the audit is deleted:

- `team_members`: name, role ("led" or "contributed"), the tasks done, and whether the
  person is a trainee (a resident doctor who may want an evidence pack).
- `presentations`: the meeting (e.g. "Medicine clinical governance") and its date.
- `reflections`: one text per person and question (`model.report.team.REFLECTION_QUESTIONS`).
"""

from __future__ import annotations

from sqlite_utils import Database

TEAM = """
CREATE TABLE team_members (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (trim(name) <> ''),
    role TEXT NOT NULL DEFAULT 'contributed' CHECK (role IN ('led', 'contributed')),
    tasks TEXT NOT NULL DEFAULT '',
    is_trainee INTEGER NOT NULL DEFAULT 0 CHECK (is_trainee IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0
)
"""

PRESENTATIONS = """
CREATE TABLE presentations (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    meeting TEXT NOT NULL CHECK (trim(meeting) <> ''),
    date TEXT
)
"""

REFLECTIONS = """
CREATE TABLE reflections (
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    person TEXT NOT NULL,
    question_key TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (audit_id, person, question_key)
)
"""


def migrate(db: Database) -> None:
    db.execute(TEAM)
    db.execute("CREATE INDEX team_members_audit ON team_members(audit_id)")
    db.execute(PRESENTATIONS)
    db.execute("CREATE INDEX presentations_audit ON presentations(audit_id)")
    db.execute(REFLECTIONS)
