"""Migration 5: national benchmark datasets, their measures and values, import profiles, links.

benchmark_datasets → benchmark_measures → benchmark_values (both ON DELETE CASCADE).
A dataset is one imported file, identified by its SHA-256 (not unique: replacing a file
inserts the new copy, re-points links, then deletes the old one in one transaction).
Values are REAL and NULL when suppressed or unreadable (never 0); the raw text is kept in
`suppressed_text`. benchmark_profiles keeps named column mappings for wide tables.
benchmark_links ties an audit criterion (by lineage) to a national measure, with a note of
how the definitions differ.
"""

from __future__ import annotations

from sqlite_utils import Database

SCHEMA = """
CREATE TABLE benchmark_datasets (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('fingertips', 'national_audit_wide', 'long')),
    publisher TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    encoding TEXT NOT NULL DEFAULT '',
    periods_json TEXT NOT NULL DEFAULT '[]',
    area_types_json TEXT NOT NULL DEFAULT '[]',
    mapping_json TEXT,
    profile_name TEXT,
    row_count INTEGER NOT NULL DEFAULT 0,
    suppressed_count INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL
);

CREATE INDEX idx_benchmark_datasets_sha256 ON benchmark_datasets (sha256);

CREATE TABLE benchmark_measures (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES benchmark_datasets(id) ON DELETE CASCADE,
    measure_code TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT 'unknown',
    scale REAL,
    UNIQUE (dataset_id, measure_code)
);

CREATE TABLE benchmark_values (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES benchmark_datasets(id) ON DELETE CASCADE,
    measure_id INTEGER NOT NULL REFERENCES benchmark_measures(id) ON DELETE CASCADE,
    org_code TEXT,
    org_name TEXT,
    parent_code TEXT,
    parent_name TEXT,
    area_type TEXT,
    sex TEXT,
    age TEXT,
    category_type TEXT,
    category TEXT,
    period TEXT,
    period_sortable INTEGER,
    numerator REAL,
    denominator REAL,
    value REAL,
    lower_ci95 REAL,
    upper_ci95 REAL,
    lower_ci998 REAL,
    upper_ci998 REAL,
    suppressed_text TEXT,
    value_note TEXT,
    compared_to_national TEXT,
    compared_to_parent TEXT,
    is_national INTEGER NOT NULL DEFAULT 0 CHECK (is_national IN (0, 1)),
    source_row INTEGER
);

CREATE INDEX idx_benchmark_values_measure ON benchmark_values (measure_id, period);

CREATE INDEX idx_benchmark_values_org ON benchmark_values (org_code);

CREATE INDEX idx_benchmark_values_dataset ON benchmark_values (dataset_id);

CREATE TABLE benchmark_profiles (
    name TEXT PRIMARY KEY CHECK (length(trim(name)) > 0),
    format TEXT NOT NULL,
    mapping_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE benchmark_links (
    id INTEGER PRIMARY KEY,
    audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    criterion_lineage TEXT NOT NULL,
    measure_id INTEGER NOT NULL REFERENCES benchmark_measures(id) ON DELETE CASCADE,
    definition_difference TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (audit_id, criterion_lineage, measure_id)
);

CREATE INDEX idx_benchmark_links_audit ON benchmark_links (audit_id)
"""


def migrate(db: Database) -> None:
    """Create the benchmark tables."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
