"""Migration 8: a case's answers packed on its own row; `answers` becomes a view.

Why: a 100,000-case import with 8 criteria stored 800,000 answer rows, and inserting them
took 1.2 s whichever way they were bound (more than reading the workbook). The answers now
live in four new columns of `cases` (model.store.case_answers documents the layout):
answer_criteria ("11,12,13"), outcomes ("MN-", one letter per criterion: M met, N not met,
E exception, - missing), answer_raws and answer_values (JSON arrays, NULL when empty).

The `answers` table is replaced by a VIEW of the same name and columns (case_id,
criterion_id, outcome, raw, value), so SQL that reads answers returns what it returned
before; every stored row is moved across first. The foreign key's ON DELETE CASCADE from
criteria becomes a trigger that removes a deleted criterion's answers from its cycle's cases.

A CHECK on `outcomes` keeps the letters valid.
Self-contained on purpose: a migration must not import code that may change later.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

from sqlite_utils import Database

CODES = {"met": "M", "not_met": "N", "exception": "E", "missing": "-"}

COLUMNS = (
    "ALTER TABLE cases ADD COLUMN answer_criteria TEXT NOT NULL DEFAULT ''",
    # Only the four letters. (Checking that there are as many as criteria listed too cost 0.06 s
    # per 100,000 cases imported; model.store.case_answers writes both together and checks on reading.)
    "ALTER TABLE cases ADD COLUMN outcomes TEXT NOT NULL DEFAULT '' CHECK (outcomes NOT GLOB '*[^MNE-]*')",
    "ALTER TABLE cases ADD COLUMN answer_raws TEXT",
    "ALTER TABLE cases ADD COLUMN answer_values TEXT",
)

VIEW = """
CREATE VIEW answers AS
SELECT c.id AS case_id,
       CAST(j.value AS INTEGER) AS criterion_id,
       CASE substr(c.outcomes, j.key + 1, 1) WHEN 'M' THEN 'met' WHEN 'N' THEN 'not_met'
            WHEN 'E' THEN 'exception' ELSE 'missing' END AS outcome,
       json_extract(c.answer_raws, '$[' || j.key || ']') AS raw,
       json_extract(c.answer_values, '$[' || j.key || ']') AS value
FROM cases AS c, json_each('[' || c.answer_criteria || ']') AS j
"""

# The deleted criterion's position in a case's list, for cutting it out of the three arrays.
_POSITION = "(SELECT j.key FROM json_each('[' || cases.answer_criteria || ']') AS j WHERE j.value = OLD.id)"
TRIGGER = f"""
CREATE TRIGGER criteria_delete_answers AFTER DELETE ON criteria
BEGIN
    UPDATE cases SET
        answer_criteria = trim(replace(',' || answer_criteria || ',', ',' || OLD.id || ',', ','), ','),
        outcomes = substr(outcomes, 1, {_POSITION}) || substr(outcomes, {_POSITION} + 2),
        answer_raws = json_remove(answer_raws, '$[' || {_POSITION} || ']'),
        answer_values = json_remove(answer_values, '$[' || {_POSITION} || ']')
    WHERE cycle_id = OLD.cycle_id AND instr(',' || answer_criteria || ',', ',' || OLD.id || ',') > 0;
END
"""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _packed(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """One case's answer rows (case_id, criterion_id, outcome, raw, value; in criterion order)."""
    raws = [r[3] for r in rows]
    values = [_number(r[4]) for r in rows]
    return (",".join(str(r[1]) for r in rows), "".join(CODES.get(r[2], "-") for r in rows),
            json.dumps(raws, ensure_ascii=False) if any(x is not None for x in raws) else None,
            json.dumps(values) if any(x is not None for x in values) else None, rows[0][0])


def migrate(db: Database) -> None:
    """Add the packed columns, move every answer into them, replace the table with the view."""
    for sql in COLUMNS:
        db.execute(sql)
    rows = db.execute("SELECT case_id, criterion_id, outcome, raw, value FROM answers "
                      "ORDER BY case_id, criterion_id")
    packed = (_packed(list(group)) for _case, group in itertools.groupby(rows, key=lambda r: r[0]))
    db.conn.executemany("UPDATE cases SET answer_criteria = ?, outcomes = ?, answer_raws = ?, answer_values = ? "
                        "WHERE id = ?", list(packed))
    db.execute("DROP TABLE answers")
    db.execute(VIEW)
    db.execute(TRIGGER)
