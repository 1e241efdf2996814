"""Migration 1: the audit cycle's core tables.

audits → cycles → criteria (per cycle; `lineage` links the same criterion across cycles)
cycles → cases → answers (one per case and criterion, normalised outcome + raw value)
audits → recommendations → actions (+ deadline revisions, progress notes)
Standards are a shared library; each cycle records the standard version it used.
Dates are ISO-8601 text; percentages 0–100; timestamps UTC ISO.
"""

from __future__ import annotations

from sqlite_utils import Database

SCHEMA = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT
);

CREATE TABLE standards (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT 'other',
    reference_code TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    published_on TEXT,
    url TEXT NOT NULL DEFAULT '',
    statements_json TEXT NOT NULL DEFAULT '[]',
    criteria_json TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL DEFAULT 'user' CHECK (origin IN ('builtin', 'user', 'imported')),
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE audits (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    aim TEXT NOT NULL DEFAULT '',
    objectives TEXT NOT NULL DEFAULT '',
    specialty TEXT NOT NULL DEFAULT '',
    lead TEXT NOT NULL DEFAULT '',
    supervisor TEXT NOT NULL DEFAULT '',
    team TEXT NOT NULL DEFAULT '',
    registration_number TEXT NOT NULL DEFAULT '',
    audit_type TEXT NOT NULL DEFAULT 'new' CHECK (audit_type IN
        ('new', 're_audit', 'national_participation', 'ward_monitoring')),
    priority TEXT NOT NULL DEFAULT 'local' CHECK (priority IN ('national', 'trust', 'local')),
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN
        ('proposed', 'approved', 'data_collection', 'analysis', 'action_planning',
         'reaudit_due', 'complete', 'abandoned')),
    abandoned_reason TEXT NOT NULL DEFAULT '',
    standard_id INTEGER REFERENCES standards(id) ON DELETE SET NULL,
    registered_on TEXT,
    approved_on TEXT,
    collection_start TEXT,
    collection_end TEXT,
    report_due TEXT,
    reaudit_due TEXT,
    is_audit_confirmed INTEGER NOT NULL DEFAULT 0,
    audit_tests_json TEXT NOT NULL DEFAULT '{}',
    ig_notes TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    rag_tolerance REAL NOT NULL DEFAULT 10 CHECK (rag_tolerance >= 0 AND rag_tolerance <= 100),
    small_number_threshold INTEGER NOT NULL DEFAULT 5 CHECK (small_number_threshold >= 0),
    keep_identifiers INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX audits_status ON audits(status);

CREATE TABLE cycles (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    label TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'planning' CHECK (status IN
        ('planning', 'collecting', 'analysing', 'complete')),
    period_start TEXT,
    period_end TEXT,
    method TEXT NOT NULL DEFAULT 'retrospective' CHECK (method IN ('retrospective', 'prospective')),
    standard_id INTEGER REFERENCES standards(id) ON DELETE SET NULL,
    standard_version TEXT NOT NULL DEFAULT '',
    population_size INTEGER CHECK (population_size IS NULL OR population_size >= 0),
    planned_sample INTEGER CHECK (planned_sample IS NULL OR planned_sample >= 0),
    sampling_method TEXT NOT NULL DEFAULT 'all' CHECK (sampling_method IN
        ('all', 'simple_random', 'systematic', 'consecutive', 'convenience')),
    sampling_seed INTEGER,
    sampling_json TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    started_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (audit_id, number)
);

CREATE TABLE criteria (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    lineage TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    short_name TEXT NOT NULL DEFAULT '',
    statement TEXT NOT NULL DEFAULT '',
    numerator TEXT NOT NULL DEFAULT '',
    denominator TEXT NOT NULL DEFAULT '',
    exceptions TEXT NOT NULL DEFAULT '',
    target REAL CHECK (target IS NULL OR (target >= 0 AND target <= 100)),
    direction TEXT NOT NULL DEFAULT 'higher' CHECK (direction IN ('higher', 'lower')),
    evidence_grade TEXT NOT NULL DEFAULT '',
    source_ref TEXT NOT NULL DEFAULT '',
    data_location TEXT NOT NULL DEFAULT '',
    answer_type TEXT NOT NULL DEFAULT 'yes_no' CHECK (answer_type IN
        ('yes_no', 'numeric', 'time_diff', 'choice')),
    threshold REAL,
    threshold_op TEXT NOT NULL DEFAULT '<=' CHECK (threshold_op IN ('<=', '<', '>=', '>')),
    threshold_unit TEXT NOT NULL DEFAULT '',
    choices_json TEXT NOT NULL DEFAULT '[]',
    met_choices_json TEXT NOT NULL DEFAULT '[]',
    changes_from_previous TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (cycle_id, lineage)
);
CREATE INDEX criteria_cycle ON criteria(cycle_id, position);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT NOT NULL DEFAULT '',
    header_row INTEGER,
    imported_at TEXT NOT NULL,
    case_count INTEGER NOT NULL DEFAULT 0,
    mapping_json TEXT NOT NULL DEFAULT '{}',
    report_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX imports_hash ON imports(cycle_id, sha256);

CREATE TABLE import_profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    mapping_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    cycle_id INTEGER NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    case_ref TEXT NOT NULL,
    patient_key TEXT,
    nhs_number TEXT,
    hospital_number TEXT,
    age INTEGER,
    age_band TEXT,
    sex TEXT,
    ethnicity TEXT,
    imd_decile INTEGER CHECK (imd_decile IS NULL OR imd_decile BETWEEN 1 AND 10),
    imd_quintile INTEGER CHECK (imd_quintile IS NULL OR imd_quintile BETWEEN 1 AND 5),
    ward TEXT,
    site TEXT,
    team TEXT,
    case_date TEXT,
    collected_on TEXT,
    collector TEXT,
    import_id INTEGER REFERENCES imports(id) ON DELETE CASCADE,
    source_row INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX cases_ref ON cases(cycle_id, case_ref) WHERE deleted_at IS NULL;
CREATE INDEX cases_patient ON cases(patient_key);

CREATE TABLE answers (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES criteria(id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK (outcome IN ('met', 'not_met', 'exception', 'missing')),
    raw TEXT,
    value REAL,
    PRIMARY KEY (case_id, criterion_id)
) WITHOUT ROWID;
CREATE INDEX answers_criterion ON answers(criterion_id, outcome);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    cycle_id INTEGER REFERENCES cycles(id) ON DELETE SET NULL,
    position INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL,
    criterion_lineages_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    recommendation_id INTEGER REFERENCES recommendations(id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    owner_role TEXT NOT NULL DEFAULT '',
    priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
    original_deadline TEXT,
    status TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN
        ('not_started', 'in_progress', 'complete', 'cancelled')),
    cancelled_reason TEXT NOT NULL DEFAULT '',
    completed_on TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE action_deadline_revisions (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    deadline TEXT NOT NULL,
    revised_on TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);

CREATE TABLE action_notes (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    noted_on TEXT NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE chart_annotations (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    criterion_lineage TEXT,
    on_date TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def migrate(db: Database) -> None:
    """Create the core tables."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
