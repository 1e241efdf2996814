"""Where NHS numbers remain: in the data file and in its backups (issue 13 part 5, DOMAIN.md §10).

An NHS-number-shaped value is 10 digits (optionally written 3-3-4 with spaces or hyphens) whose
modulus-11 check digit is right, standing alone or inside longer text (a JSON report, a note);
digits inside a longer run of letters and digits (a hex pseudonym) do not count. The scan opens
every file read-only and changes nothing.

Also here: the identifiers of some cycles' cases and the one redaction rule every export
applies to text (`known_identifiers`, `holds_identifier`, `redact_identifiers`: the audit
package, the case-data workbook), and which backups still hold an audit that was deleted for good (an audit that kept
identifiers leaves them in every backup taken before), and deleting those backups.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from model.collect.answers import is_valid_nhs_number, normalise_nhs_number
from model.core.errors import StoreError
from model.store.backups import list_backups, list_preserved
from model.store.files import real_path

DATA_FILE = "data file"
_NHS_SHAPED = re.compile(r"(?<![A-Za-z0-9])(\d{3}[ -]?\d{3}[ -]?\d{4})(?![A-Za-z0-9.])")
_NHS_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])(\d{3}[ -]?\d{3}[ -]?\d{4})(?![A-Za-z0-9])")
REDACTED = "[identifier removed]"
MIN_HOSPITAL_NUMBER = 5  # shorter "hospital numbers" would redact ordinary words and numbers


class Identifiers(set[str]):
    """An audit's identifiers, and their lengths (worked out once, for the window lookups)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        super().__init__(values)
        self.lengths = tuple(sorted({len(i) for i in self}))


def known_identifiers(db: Database, cycle_ids: Iterable[int]) -> Identifiers:
    """The NHS and hospital numbers of these cycles' cases, as stored and (NHS) as 10 digits, 3-3-4
    with spaces and with hyphens: none of them may leave in an export."""
    found: set[str] = set()
    ids = list(cycle_ids)
    rows = db.execute(f"SELECT nhs_number, hospital_number FROM cases WHERE cycle_id IN ({','.join('?' * len(ids))}) "
                      "AND (nhs_number IS NOT NULL OR hospital_number IS NOT NULL)", ids).fetchall() if ids else []
    for nhs, hospital in rows:
        for value in (nhs, hospital):
            text = str(value).strip() if value is not None else ""
            if len(text) >= MIN_HOSPITAL_NUMBER:
                found.add(text)
                if (digits := normalise_nhs_number(text)) is not None:
                    spaced = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
                    found |= {digits, spaced, spaced.replace(" ", "-")}
    return Identifiers(found)


def _lengths(identifiers: set[str]) -> tuple[int, ...]:
    return identifiers.lengths if isinstance(identifiers, Identifiers) else tuple(sorted({len(i) for i in identifiers}))


def _found_in(value: str, identifiers: set[str]) -> set[str]:
    """The identifiers that occur in `value`: every window of each identifier length looked up in
    the set (an audit keeping identifiers has 100,000 of them; `i in value` for each would be
    100,000 scans per value)."""
    if not identifiers:
        return set()
    return {value[i:i + n] for n in _lengths(identifiers) for i in range(len(value) - n + 1)
            if value[i:i + n] in identifiers}


def holds_identifier(value: str, identifiers: set[str]) -> bool:
    """True when text holds a valid NHS number or one of `identifiers`."""
    return holds_nhs_number(value) or bool(_found_in(value, identifiers))


def redact_identifiers(value: str, identifiers: set[str]) -> str:
    """`value` with each of `identifiers`, and any valid NHS number, replaced by `REDACTED`."""
    for identifier in sorted(_found_in(value, identifiers), key=len, reverse=True):
        value = value.replace(identifier, REDACTED)
    return _NHS_IN_TEXT.sub(lambda m: REDACTED if holds_nhs_number(m.group(1)) else m.group(1), value)


def _open_read_only(path: Path) -> sqlite3.Connection:
    # With no WAL beside it the file alone is the truth: `immutable` creates no -shm and takes no lock.
    flags = "mode=ro" if Path(str(path) + "-wal").exists() else "immutable=1"
    return sqlite3.connect(f"{real_path(path).as_uri()}?{flags}", uri=True)


def holds_nhs_number(value: object) -> bool:
    """True when a stored value is, or contains, a valid NHS number."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return 10 ** 9 <= value < 10 ** 10 and is_valid_nhs_number(str(value))
    if isinstance(value, float):
        return value.is_integer() and holds_nhs_number(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="ignore")
    if not isinstance(value, str) or len(value) < 10:
        return False
    return any(is_valid_nhs_number(m) for m in _NHS_SHAPED.findall(value))


def scan_connection(conn: sqlite3.Connection) -> list[dict[str, object]]:
    """Per table and column of one database, how many cells hold an NHS number (only those with any)."""
    found = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        for column in columns:
            cursor = conn.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
            count = sum(1 for (value,) in cursor if holds_nhs_number(value))
            if count:
                found.append({"table": table, "column": column, "count": count})
    return found


def scan_identifiers(path: Path | str) -> dict[str, object]:
    """Scan the data file and every backup of it (the rotation and preserved originals).

    Returns:
        {"file": the data file, "findings": [{"where": "data file" or a backup's path, "table",
        "column", "count"}], "warnings": [files that could not be read, in plain words]}
        (docs/scan-identifiers.md).

    Raises:
        StoreError: the data file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError("There is no data file here to scan.", where=str(path),
                         hint="Give the AuditLoop data file with --db FILE.")
    findings: list[dict[str, object]] = []
    warnings: list[str] = []
    for where, file in [(DATA_FILE, path)] + [(str(b), b) for b in [*list_backups(path), *list_preserved(path)]]:
        try:
            conn = _open_read_only(file)
            try:
                findings += [{"where": where, **f} for f in scan_connection(conn)]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            name = "The data file" if where == DATA_FILE else f"The backup {file.name}"
            warnings.append(f"{name} could not be read, so it was not scanned ({exc}).")
    return {"file": str(path), "findings": findings, "warnings": warnings}


def backups_holding_audit(path: Path | str, audit_uid: str) -> list[Path]:
    """The backups (rotation and preserved) that still hold the audit with this uid, newest first."""
    held = []
    for backup in [*list_backups(Path(path)), *list_preserved(Path(path))]:
        try:
            conn = _open_read_only(backup)
            try:
                row = conn.execute("SELECT 1 FROM audits WHERE uid = ? LIMIT 1", [audit_uid]).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # unreadable: it cannot be told apart, and is left for the user to judge
        if row:
            held.append(backup)
    return held


def delete_backups(backups: Iterable[Path]) -> int:
    """Delete these backup files (with any -wal/-shm/-journal beside them); how many were deleted.

    Raises:
        StoreError: a backup could not be deleted (the ones before it are gone).
    """
    deleted = 0
    for backup in backups:
        backup = Path(backup)
        try:
            for extra in ("-wal", "-shm", "-journal"):
                Path(str(backup) + extra).unlink(missing_ok=True)
            backup.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StoreError("A backup could not be deleted.", where=str(backup),
                             hint=f"Close any program using it and try again ({exc.strerror}).") from exc
        deleted += 1
    return deleted
