"""Writing an audit package: `export_audit` (model.report.handover describes the format).

The package is built in `<name>.partial` from an empty database (this version's migrations,
its application_id, the package tables), filled with the audit's rows, scrubbed of
identifiers, vacuumed (no deleted bytes left in free pages) and only then renamed.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model import __version__
from model.collect.identifier_scan import (
    MIN_HOSPITAL_NUMBER,
    REDACTED,
    holds_identifier,
    known_identifiers,
    redact_identifiers,
)
from model.core.errors import KnownError
from model.core.util import now_iso
from model.report.handover import (
    LEFT_OUT,
    NATIONAL,
    PACKAGE_FORMAT,
    PACKAGE_FORMAT_VERSION,
    PACKAGE_TABLES,
    TABLES,
    TOMBSTONES,
    HandoverNote,
)
from model.report.handover_sync import COPIED, record_base, record_case_base, site_id, take_snapshot
from model.store import migrations
from model.store.files import fsync_file
from model.store.package_format import PACKAGE_APPLICATION_ID

_FROM = re.compile(r"\bFROM (\w+)")
#: Text columns that hold only what AuditLoop wrote (ids, stamps, pseudonyms, packed codes), never typed text.
_NOT_TEXT = {"uuid", "rev", "uid", "patient_key", "outcomes", "answer_criteria", "answer_values", "created_at",
             "updated_at", "deleted_at", "sha256", "status", "direction"}


__all__ = ["REDACTED", "ExportResult", "export_audit", "summary_counts"]


@dataclass
class ExportResult:
    """A written package: where, rows per table, and how many text values had identifiers removed."""

    path: Path
    counts: dict[str, int]
    redacted: int


def export_audit(db: Database, audit_id: int, path: Path | str, *, handover_note: HandoverNote,
                 pack_cycle: int | None = None, pack_cases: bool = False,
                 remember_base: bool = True) -> ExportResult:
    """Write audit `audit_id` with `handover_note` to the package `path` (replacing one there).

    With `pack_cycle` (a cycle id) the package is a collection pack: the audit, its criteria and
    that one cycle, with its cases only when `pack_cases` (model.report.collection_pack).
    `remember_base` records what was sent as the merge base (m020; `db` must be writable).

    Raises:
        KnownError: no such audit, or the file cannot be written.
    """
    path = Path(path)
    row = db.execute("SELECT uid, title FROM audits WHERE id = ?", [audit_id]).fetchone()
    if row is None:
        raise KnownError(f"Audit {audit_id} does not exist.", hint="Choose an audit from the register.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        out = Database(sqlite3.connect(partial.resolve().as_uri(), uri=True))
        try:
            counts, redacted = _write(db, out, audit_id, handover_note, {"uid": row[0], "title": row[1]})
            if pack_cycle is not None:
                counts = _prune_to_cycle(db, out, audit_id, pack_cycle, pack_cases)
                out.execute("VACUUM")  # a smaller file (secure_delete has zeroed what was pruned)
            if remember_base:
                sent = take_snapshot(out, int(out.execute("SELECT id FROM audits").fetchone()[0]), cases=False)
                where, args = COPIED["cases"].where, [audit_id]
                if pack_cycle is not None:
                    where, args = ("0", []) if not pack_cases else ("t.cycle_id = ?", [pack_cycle])
                with db.atomic():
                    record_base(db, sent)
                    record_case_base(db, str(row[0]), where, args)
        finally:
            out.close()
        fsync_file(partial)
        os.replace(partial, path)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise KnownError("The audit package could not be written.", where=str(path),
                         hint=f"Choose a folder you can write to, with space on the disk ({exc}).") from exc
    return ExportResult(path=path, counts=counts, redacted=redacted)


def _write(src: Database, out: Database, audit_id: int, note: HandoverNote,
           audit: dict[str, str]) -> tuple[dict[str, int], int]:
    out.execute("PRAGMA secure_delete = ON")  # nothing scrubbed or pruned stays in free pages
    out.execute("PRAGMA journal_mode = OFF")  # a .partial file, renamed only when complete
    out.execute("PRAGMA synchronous = OFF")  # fsynced once at the end
    out.execute(f"PRAGMA application_id = {PACKAGE_APPLICATION_ID}")
    migrations.apply(out)
    for statement in PACKAGE_TABLES.split(";"):
        if statement.strip():
            out.execute(statement)
    # The package keeps the stamps as they are here: nothing written into it is a change.
    for (trigger,) in out.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                  "(name LIKE '%\\_new\\_rev' ESCAPE '\\' OR name LIKE '%\\_tombstone' ESCAPE '\\')"
                                  ).fetchall():
        out.execute(f'DROP TRIGGER "{trigger}"')
    identifiers = _identifiers(src, audit_id)
    source = _file_of(src)
    if source is not None:
        out.execute("ATTACH DATABASE ? AS src", [f"{source.resolve().as_uri()}?mode=ro"])
    counts: dict[str, int] = {}
    # Indexes are built once the rows are in (sorting once beats 100,000 random inserts into each).
    indexes = out.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetchall()
    try:
        with out.atomic():
            for name, _sql in indexes:
                out.execute(f'DROP INDEX "{name}"')
            for copied in (*TABLES, *NATIONAL, TOMBSTONES):
                copy = _copy_attached if source is not None else _copy
                counts[copied.table] = copy(src, out, copied.table, copied.where, audit_id)
            for _name, sql in indexes:
                out.execute(sql)
            _replace_identifying_case_refs(out, identifiers)
            redacted = _scrub(out, identifiers)
            info = {"format": PACKAGE_FORMAT, "format_version": str(PACKAGE_FORMAT_VERSION),
                    "schema_version": str(migrations.schema_version(out)), "audit_uid": audit["uid"],
                    "audit_title": audit["title"], "exported_at": now_iso(), "auditloop_version": __version__,
                    "site_id": site_id(src), "counts": json.dumps(counts)}
            out.conn.executemany("INSERT INTO package_info (key, value) VALUES (?, ?)", list(info.items()))
            out.execute("INSERT INTO handover_note (from_name, to_name, handed_over_on, done, next_steps, contacts) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [note.from_name, note.to_name, note.handed_over_on, note.done,
                                                      note.next_steps, note.contacts])
    finally:
        if source is not None:
            out.execute("DETACH DATABASE src")
    return counts, redacted


def _file_of(db: Database) -> Path | None:
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file)
    return None


def _copy_attached(_src: Database, out: Database, table: str, where: str, audit_id: int) -> int:
    """The rows copied inside SQLite, from the data file attached read-only as `src`."""
    columns = _columns(out, table)
    quoted = ", ".join(f'"{c}"' for c in columns)
    args = [audit_id] * where.count("?") if "?1" not in where else [audit_id]
    qualified = _FROM.sub(lambda m: f"FROM src.{m.group(1)}", where)
    cursor = out.execute(f'INSERT INTO main."{table}" ({quoted}) SELECT {quoted} FROM src."{table}" '
                         f"WHERE {qualified}", args)
    return int(cursor.rowcount)


def _columns(out: Database, table: str) -> list[str]:
    return [c.name for c in out[table].columns if c.name not in LEFT_OUT.get(table, set())]


def _prune_to_cycle(src: Database, out: Database, audit_id: int, cycle_id: int, with_cases: bool) -> dict[str, int]:
    """A collection pack: only cycle `cycle_id` stays (its cases only `with_cases`); the package has no
    tombstone triggers, so the pruning passes no deletion on."""
    uuid = src.execute("SELECT uuid FROM cycles WHERE id = ? AND audit_id = ?", [cycle_id, audit_id]).fetchone()
    if uuid is None:
        raise KnownError(f"Cycle {cycle_id} is not a cycle of this audit.", hint="Choose a cycle of the audit.")
    out.execute("PRAGMA foreign_keys = ON")
    with out.atomic():
        out.execute("DELETE FROM cycles WHERE uuid IS NOT ?", [uuid[0]])
        if not with_cases:
            out.execute("DELETE FROM cases")
            out.execute("DELETE FROM imports")
        out.conn.executemany("INSERT OR REPLACE INTO package_info (key, value) VALUES (?, ?)",
                             [("kind", "collection"), ("cycle_uuid", str(uuid[0]))])
    return {t: int(out.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in ("cycles", "criteria", "cases")}


def _copy(src: Database, out: Database, table: str, where: str, audit_id: int) -> int:
    """The rows copied through Python (a data file with no file: in memory)."""
    columns = _columns(out, table)
    quoted = ", ".join(f'"{c}"' for c in columns)
    args = [audit_id] * where.count("?") if "?1" not in where else [audit_id]
    rows = src.execute(f'SELECT {quoted} FROM "{table}" WHERE {where}', args).fetchall()
    out.conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})', rows)
    return len(rows)


def _identifiers(src: Database, audit_id: int) -> set[str]:
    """The audit's NHS and hospital numbers, as stored and as 10 digits: none may reach the package."""
    cycles = [int(r[0]) for r in src.execute("SELECT id FROM cycles WHERE audit_id = ?", [audit_id])]
    return known_identifiers(src, cycles)


def _suspect(column: str, identifiers: set[str]) -> str:
    """SQL true for a value that may hold an identifier (checked in Python after): any value when the
    audit keeps identifiers (hospital numbers have no shape), else an NHS-number-shaped run of digits."""
    if identifiers:
        return f'length("{column}") >= {MIN_HOSPITAL_NUMBER}'
    return f"""(length("{column}") >= 10 AND "{column}" GLOB '*[0-9][0-9][0-9]*[0-9][0-9][0-9][0-9]*')"""


def _replace_identifying_case_refs(out: Database, identifiers: set[str]) -> None:
    """A case reference that is an NHS or hospital number becomes a neutral one (from its uuid)."""
    rows = out.execute(f"SELECT id, case_ref, uuid FROM cases WHERE {_suspect('case_ref', identifiers)}").fetchall()
    changed = [(f"case-{uid[:12]}", case_id) for case_id, ref, uid in rows
               if isinstance(ref, str) and holds_identifier(ref, identifiers)]
    out.conn.executemany("UPDATE cases SET case_ref = ? WHERE id = ?", changed)


def _scrub(out: Database, identifiers: set[str]) -> int:
    """Redact every text value of the copied tables holding an identifier; the number redacted."""
    redacted = 0
    for copied in TABLES:
        text_columns = [c.name for c in out[copied.table].columns if c.type == "TEXT" and c.name not in _NOT_TEXT]
        if not text_columns:
            continue
        suspects = " OR ".join(_suspect(c, identifiers) for c in text_columns)  # one pass over the table
        quoted = ", ".join(f'"{c}"' for c in text_columns)
        for rowid, *values in out.execute(f'SELECT rowid, {quoted} FROM "{copied.table}" WHERE {suspects}'
                                          ).fetchall():
            fixed = {c: redact_identifiers(v, identifiers) for c, v in zip(text_columns, values, strict=True)
                     if isinstance(v, str) and holds_identifier(v, identifiers)}
            if fixed:
                out.execute(f'UPDATE "{copied.table}" SET {", ".join(f"{chr(34)}{c}{chr(34)} = ?" for c in fixed)} '
                            "WHERE rowid = ?", [*fixed.values(), rowid])
                redacted += len(fixed)
    return redacted


def summary_counts(counts: dict[str, Any]) -> str:
    """"3 cycles, 12 criteria, 240 cases, 5 actions" for a status message."""
    parts = [f"{counts.get(k, 0)} {k}" for k in ("cycles", "criteria", "cases", "actions")]
    return ", ".join(parts)
