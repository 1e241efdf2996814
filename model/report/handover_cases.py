"""Adding a package's cases to the data file inside SQLite (100,000 of them in a fraction of a second).

The package is attached read-only; each case's links are translated through temporary maps
(package cycle / import id → local id, and each distinct packed criterion list → the same list
of local criterion ids), so the rows never pass through Python. A case whose reference is
already taken by a live case of the same cycle here (two collectors numbering from 1) gets the
next free `<ref>-2`, `<ref>-3`, … (the unique index allows one live case per reference).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

_LINKS = {"cycle_id": "cycles", "import_id": "imports"}


def insert_cases(db: Database, package_audit: int, ids: dict[str, dict[int, int]],
                 *, only: Iterable[str] | None = None, collector: str = "") -> int:
    """Add the package's cases (those with uuid in `only`, else all of the audit) to `db`; how many were renamed.

    `ids` maps package ids to local ids for cycles, imports and criteria; a case without a
    collector gets `collector`. Call inside the caller's transaction, after `attach`.
    """
    for statement in _TEMP:
        db.execute(statement)
    db.conn.executemany("INSERT INTO temp.merge_ids VALUES (?, ?, ?)",
                        [(kind, old, new) for kind in ("cycles", "imports") for old, new in ids.get(kind, {}).items()])
    criteria = ids.get("criteria", {})
    db.conn.executemany("INSERT INTO temp.merge_lists VALUES (?, ?)",
                        [(p, ",".join(str(criteria.get(int(i), -1)) for i in p.split(",")) if p else p)
                         for (p,) in db.execute("SELECT DISTINCT answer_criteria FROM pkg.cases").fetchall()])
    where = "p.cycle_id IN (SELECT id FROM pkg.cycles WHERE audit_id = ?)"
    if only is not None:
        db.conn.executemany("INSERT OR IGNORE INTO temp.merge_only VALUES (?)", [(u,) for u in only])
        where += " AND p.uuid IN (SELECT uuid FROM temp.merge_only)"
    renamed = _rename_taken_refs(db, where, package_audit)
    have = {str(r[1]) for r in db.execute("PRAGMA pkg.table_info(cases)")}
    columns = [c.name for c in db["cases"].columns if c.name != "id"]
    select, select_args = [], []
    for column in columns:
        if column not in have:
            select.append("NULL")
        elif column in _LINKS:
            select.append(f"(SELECT new FROM temp.merge_ids WHERE kind = '{_LINKS[column]}' AND old = p.{column})")
        elif column == "answer_criteria":
            select.append("COALESCE((SELECT new FROM temp.merge_lists WHERE old = p.answer_criteria), '')")
        elif column == "case_ref":
            select.append("COALESCE((SELECT ref FROM temp.merge_renamed WHERE uuid = p.uuid), p.case_ref)")
        elif column == "collector":
            select.append("COALESCE(NULLIF(p.collector, ''), ?, p.collector)")
            select_args.append(collector or None)
        else:
            select.append(f'p."{column}"')
    quoted = ", ".join(f'"{c}"' for c in columns)
    db.execute(f"INSERT INTO main.cases ({quoted}) SELECT {', '.join(select)} FROM pkg.cases p WHERE {where}",
               [*select_args, package_audit])
    return renamed


_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS merge_ids (kind TEXT, old INTEGER, new INTEGER, PRIMARY KEY (kind, old))",
    "CREATE TEMP TABLE IF NOT EXISTS merge_lists (old TEXT PRIMARY KEY, new TEXT)",
    "CREATE TEMP TABLE IF NOT EXISTS merge_only (uuid TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS merge_renamed (uuid TEXT PRIMARY KEY, ref TEXT)",
    "DELETE FROM temp.merge_ids", "DELETE FROM temp.merge_lists", "DELETE FROM temp.merge_only",
    "DELETE FROM temp.merge_renamed",
)


def _rename_taken_refs(db: Database, where: str, package_audit: int) -> int:
    """An incoming live case whose reference a live case of its cycle has here gets the next free one."""
    clashes = db.execute(
        "SELECT p.uuid, p.case_ref, m.new FROM pkg.cases p JOIN temp.merge_ids m ON m.kind = 'cycles' "
        "AND m.old = p.cycle_id JOIN main.cases l ON l.cycle_id = m.new AND l.case_ref = p.case_ref "
        f"AND l.deleted_at IS NULL WHERE p.deleted_at IS NULL AND {where}", [package_audit]).fetchall()
    taken: dict[int, set[str]] = {}
    renamed = []
    for uuid, ref, cycle in clashes:
        if cycle not in taken:
            taken[cycle] = {str(r[0]) for r in db.execute(
                "SELECT case_ref FROM main.cases WHERE cycle_id = ? AND deleted_at IS NULL UNION "
                "SELECT case_ref FROM pkg.cases WHERE cycle_id IN (SELECT old FROM temp.merge_ids "
                "WHERE kind = 'cycles' AND new = ?)", [cycle, cycle])}
        n = 2
        while f"{ref}-{n}" in taken[cycle]:
            n += 1
        taken[cycle].add(f"{ref}-{n}")
        renamed.append((uuid, f"{ref}-{n}"))
    db.conn.executemany("INSERT INTO temp.merge_renamed VALUES (?, ?)", renamed)
    return len(renamed)


def attach(db: Database, package_path: str) -> None:
    """Attach the package read-only as `pkg` (outside any transaction)."""
    db.execute("ATTACH DATABASE ? AS pkg", [f"{Path(package_path).resolve().as_uri()}?mode=ro"])


def detach(db: Database) -> None:
    """Undo `attach`."""
    db.execute("DETACH DATABASE pkg")


def package_file(package: Database) -> str:
    """The file of an opened (temporary) package copy."""
    return str(next(f for _s, name, f in package.execute("PRAGMA database_list").fetchall() if name == "main"))
