"""Migration 9: benchmark values stored column-wise, one row per measure.

Why (issue 7): even with repeated text in lookup tables (m006), inserting a 100,000-row
Fingertips file as 100,000 `benchmark_cells` rows of 12 values took about 0.16 s of a
0.3 s store, over the benchmark goal. Every reader wants a whole measure (optionally one
period) at once, never single cells, so each measure's cells are now one row of
`benchmark_columns`:

- `layout`: JSON list of [column name, numpy dtype string] in blob order, for example
  [["id", "<i8"], ["area_id", "<i8"], …, ["value", "<f8"], …];
- `data`: the columns' bytes (numpy `tobytes()`), one after another, each `row_count`
  items long; a NULL number is NaN;
- `last_id`: the largest value id in the row, so new values get fresh ids without decoding.

The columns are the old cell columns: id (the value id the `benchmark_values` view showed),
area_id, period_id, detail_id (ids in the m006 lookup tables, which stay as they were),
numerator, denominator, value, lower_ci95, upper_ci95, lower_ci998, upper_ci998 and
source_row, in id order. Each row records its dtypes, so the store may write narrower ones
(it picks the smallest that keeps every value exactly) and any reader decodes what a row
says; this migration writes 8-byte integers and floats.

SQLite cannot read the blobs, so the `benchmark_values` view and `benchmark_cells` go;
model.benchmark.benchmark_store (`values_for_measure`, `periods_for_measure`) is the only reader.
Rows already stored are moved across, each number bit for bit.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

NUMBER_COLUMNS = ("numerator", "denominator", "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998")
# Frozen here (not imported from the store): a shipped migration must not change with the store.
LAYOUT = (
    ("id", "<i8"),
    ("area_id", "<i8"),
    ("period_id", "<i8"),
    ("detail_id", "<i8"),
    *((c, "<f8") for c in NUMBER_COLUMNS),
    ("source_row", "<f8"),
)

SCHEMA = """
CREATE TABLE benchmark_columns (
    measure_id INTEGER PRIMARY KEY REFERENCES benchmark_measures(id) ON DELETE CASCADE,
    row_count INTEGER NOT NULL CHECK (row_count >= 0),
    last_id INTEGER NOT NULL DEFAULT 0,
    layout TEXT NOT NULL,
    data BLOB NOT NULL
)
"""


def _move_measure(db: Database, measure_id: int) -> None:
    import numpy as np  # here, not at the top: every start-up imports the migrations to list them

    names = ", ".join(name for name, _ in LAYOUT)
    rows = db.execute(f"SELECT {names} FROM benchmark_cells WHERE measure_id = ? ORDER BY id", [measure_id]).fetchall()
    grid = np.array(rows, dtype=object).reshape(len(rows), len(LAYOUT))
    # A NULL id or lookup id cannot occur (NOT NULL); a NULL number or row becomes NaN.
    data = b"".join(np.array(grid[:, j], dtype=dtype).tobytes() for j, (_, dtype) in enumerate(LAYOUT))
    db.execute(
        "INSERT INTO benchmark_columns (measure_id, row_count, last_id, layout, data) VALUES (?, ?, ?, ?, ?)",
        [measure_id, len(rows), int(grid[-1, 0]), json.dumps([list(c) for c in LAYOUT]), data],
    )


def migrate(db: Database) -> None:
    """Create benchmark_columns, move each measure's cells into it, drop the view and the cell table."""
    db.execute(SCHEMA)
    for (measure_id,) in db.execute("SELECT DISTINCT measure_id FROM benchmark_cells ORDER BY measure_id").fetchall():
        _move_measure(db, int(measure_id))
    db.execute("DROP VIEW benchmark_values")
    db.execute("DROP TABLE benchmark_cells")
