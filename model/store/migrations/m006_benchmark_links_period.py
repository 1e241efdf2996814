"""Migration 6: benchmark values stored compactly; a criterion link remembers its period.

Why: storing a 100,000-row Fingertips file row by row with 27 columns took about a second,
most of it binding the same few texts (area and parent names, sex, age, "Similar"…) again
and again. Repeated text now lives once per dataset in three small lookup tables:

- benchmark_areas: org_code, org_name, parent_code, parent_name, area_type;
- benchmark_periods: period, period_sortable;
- benchmark_details: sex, age, category_type, category, suppressed_text, value_note,
  compared_to_national, compared_to_parent, is_national (one row per distinct combination).

benchmark_cells holds one row per value with the ids of those rows and the numbers only.
The old `benchmark_values` table becomes a VIEW of the same name and columns (id,
dataset_id, measure_id, org_code, …, source_row), so every query reading it keeps working
and returns exactly what it returned before. Rows already stored are moved across.

Only `measure_id` has a foreign key (ON DELETE CASCADE): per-row checks of the lookup ids
would cost as much as the text they replace; the store writes lookups and cells together in
one transaction and deletes them together (model.benchmark.benchmark_store).

benchmark_links gains `period` (TEXT, NULL = the latest): the national period chosen when
the criterion was linked, used by default when the comparison is shown.
"""

from __future__ import annotations

from sqlite_utils import Database

AREA_COLUMNS = ("org_code", "org_name", "parent_code", "parent_name", "area_type")
PERIOD_COLUMNS = ("period", "period_sortable")
DETAIL_COLUMNS = (
    "sex",
    "age",
    "category_type",
    "category",
    "suppressed_text",
    "value_note",
    "compared_to_national",
    "compared_to_parent",
    "is_national",
)
NUMBER_COLUMNS = (
    "numerator",
    "denominator",
    "value",
    "lower_ci95",
    "upper_ci95",
    "lower_ci998",
    "upper_ci998",
)

SCHEMA = """
CREATE TABLE benchmark_areas (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES benchmark_datasets(id) ON DELETE CASCADE,
    org_code TEXT,
    org_name TEXT,
    parent_code TEXT,
    parent_name TEXT,
    area_type TEXT
);

CREATE INDEX idx_benchmark_areas_dataset ON benchmark_areas (dataset_id);

CREATE INDEX idx_benchmark_areas_org ON benchmark_areas (org_code);

CREATE TABLE benchmark_periods (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES benchmark_datasets(id) ON DELETE CASCADE,
    period TEXT,
    period_sortable INTEGER
);

CREATE INDEX idx_benchmark_periods_dataset ON benchmark_periods (dataset_id);

CREATE TABLE benchmark_details (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES benchmark_datasets(id) ON DELETE CASCADE,
    sex TEXT,
    age TEXT,
    category_type TEXT,
    category TEXT,
    suppressed_text TEXT,
    value_note TEXT,
    compared_to_national TEXT,
    compared_to_parent TEXT,
    is_national INTEGER NOT NULL DEFAULT 0 CHECK (is_national IN (0, 1))
);

CREATE INDEX idx_benchmark_details_dataset ON benchmark_details (dataset_id);

CREATE TABLE benchmark_cells (
    id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES benchmark_measures(id) ON DELETE CASCADE,
    area_id INTEGER NOT NULL,
    period_id INTEGER NOT NULL,
    detail_id INTEGER NOT NULL,
    numerator REAL,
    denominator REAL,
    value REAL,
    lower_ci95 REAL,
    upper_ci95 REAL,
    lower_ci998 REAL,
    upper_ci998 REAL,
    source_row INTEGER
);

CREATE INDEX idx_benchmark_cells_measure ON benchmark_cells (measure_id, period_id)
"""

VIEW = """
CREATE VIEW benchmark_values AS
SELECT c.id, m.dataset_id, c.measure_id,
       a.org_code, a.org_name, a.parent_code, a.parent_name, a.area_type,
       d.sex, d.age, d.category_type, d.category,
       p.period, p.period_sortable,
       c.numerator, c.denominator, c.value, c.lower_ci95, c.upper_ci95, c.lower_ci998, c.upper_ci998,
       d.suppressed_text, d.value_note, d.compared_to_national, d.compared_to_parent, d.is_national,
       c.source_row
FROM benchmark_cells c
JOIN benchmark_measures m ON m.id = c.measure_id
JOIN benchmark_areas a ON a.id = c.area_id
JOIN benchmark_periods p ON p.id = c.period_id
JOIN benchmark_details d ON d.id = c.detail_id
"""

_LOOKUPS = (
    ("benchmark_areas", AREA_COLUMNS),
    ("benchmark_periods", PERIOD_COLUMNS),
    ("benchmark_details", DETAIL_COLUMNS),
)


def _statements(script: str) -> list[str]:
    return [s for s in script.split(";") if s.strip()]


def _move_rows(db: Database) -> None:
    """Copy the rows of the old table into the lookups and cells (NULL-safe joins with IS)."""
    for table, columns in _LOOKUPS:
        cols = ", ".join(columns)
        db.execute(f"INSERT INTO {table} (dataset_id, {cols}) SELECT DISTINCT dataset_id, {cols} FROM benchmark_values")
        # A temporary index on every column makes the IS joins below lookups, not scans.
        db.execute(f"CREATE INDEX tmp_{table} ON {table} (dataset_id, {cols})")
    joins = " ".join(
        f"JOIN {table} {alias} ON {alias}.dataset_id = v.dataset_id AND "
        + " AND ".join(f"{alias}.{c} IS v.{c}" for c in columns)
        for (table, columns), alias in zip(_LOOKUPS, ("a", "p", "d"), strict=True)
    )
    numbers = ", ".join(NUMBER_COLUMNS)
    db.execute(
        f"INSERT INTO benchmark_cells (id, measure_id, area_id, period_id, detail_id, {numbers}, source_row) "
        f"SELECT v.id, v.measure_id, a.id, p.id, d.id, {', '.join('v.' + c for c in NUMBER_COLUMNS)}, v.source_row "
        f"FROM benchmark_values v {joins}"
    )
    for table, _ in _LOOKUPS:
        db.execute(f"DROP INDEX tmp_{table}")


def migrate(db: Database) -> None:
    """Create the lookup and cell tables, move stored values, replace the table by a view, add links.period."""
    for statement in _statements(SCHEMA):
        db.execute(statement)
    _move_rows(db)
    db.execute("DROP TABLE benchmark_values")
    db.execute(VIEW)
    db.execute("ALTER TABLE benchmark_links ADD COLUMN period TEXT")
