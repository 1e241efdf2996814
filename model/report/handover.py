"""Handing an unfinished audit to the next doctor as one file (the audit package, `.auditloop`).

Resident doctors rotate every 4–12 months (DOMAIN.md §1): the audit must travel as one file.
A package is an SQLite database (model.store.package_format) holding the data file's schema at
the version that wrote it, the rows of one audit (cycles, criteria, spreadsheet-import records,
cases including binned ones, recommendations, actions with their revisions and notes, chart
annotations, report texts, earlier handovers, national benchmark links), the standards it used,
the national values its links use (NATIONAL), its tombstones (deletions to pass on),
`package_info` (format, schema version, audit, sending site, when) and `handover_note` (what
is done, what is next, contacts, from whom, to whom, the date).

Information governance (DOMAIN.md §10): NHS and hospital numbers are never copied, even for an
audit that keeps identifiers; cases keep only their patient_key (the HMAC pseudonym). The
pseudonymisation key stays in `<data file>.keys/` and is never in a package. Free text that
holds an NHS-number-shaped value or one of the audit's identifiers is redacted.

Here: the shapes (HandoverNote, PackageSummary, ImportResult), what is copied (TABLES) and
reading a package (`read_package`, `opened_package`), which refuses anything else with a plain
KnownError; an older package is migrated in a temporary copy, never in place.
Writing: model.report.handover_export; adding to a data file: model.report.handover_import;
merging into the copy a data file holds: model.report.handover_merge (the plan) and
model.report.handover_merging (applying it).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.core.errors import KnownError, NewerVersionFile
from model.store import migrations
from model.store.package_format import PACKAGE_APPLICATION_ID, PACKAGE_SUFFIX, header_application_id

PACKAGE_FORMAT = "auditloop-audit-package"
PACKAGE_FORMAT_VERSION = 1
SUFFIX = PACKAGE_SUFFIX


@dataclass(frozen=True)
class Copied:
    """One table an audit package carries: how its rows are found, and their links to remap."""

    table: str
    where: str  # SQL condition on the table's rows, with one `?` for the audit id
    parents: dict[str, str] = field(default_factory=dict)  # column -> table whose id it holds


_CYCLES = "SELECT id FROM cycles WHERE audit_id = ?"
_ACTIONS = "SELECT id FROM actions WHERE audit_id = ?"

_LINKED_MEASURES = "SELECT measure_id FROM benchmark_links WHERE audit_id = ?"
_LINKED_DATASETS = f"SELECT dataset_id FROM benchmark_measures WHERE id IN ({_LINKED_MEASURES})"

#: In dependency order (a table after those its rows point to). Binned cases travel too (their
#: `deleted_at` is how a deletion reaches the other copy).
TABLES: tuple[Copied, ...] = (
    Copied("standards", "id IN (SELECT standard_id FROM audits WHERE id = ?1 "
                        "UNION SELECT standard_id FROM cycles WHERE audit_id = ?1)"),
    Copied("audits", "id = ?", {"standard_id": "standards"}),
    Copied("cycles", "audit_id = ?", {"audit_id": "audits", "standard_id": "standards"}),
    Copied("criteria", f"cycle_id IN ({_CYCLES})", {"cycle_id": "cycles"}),
    Copied("criterion_changes", f"criterion_id IN (SELECT id FROM criteria WHERE cycle_id IN ({_CYCLES}))",
           {"criterion_id": "criteria"}),
    Copied("imports", f"cycle_id IN ({_CYCLES})", {"cycle_id": "cycles"}),
    Copied("cases", f"cycle_id IN ({_CYCLES})", {"cycle_id": "cycles", "import_id": "imports"}),
    Copied("recommendations", "audit_id = ?", {"audit_id": "audits", "cycle_id": "cycles"}),
    Copied("actions", "audit_id = ?", {"audit_id": "audits", "recommendation_id": "recommendations"}),
    Copied("action_deadline_revisions", f"action_id IN ({_ACTIONS})", {"action_id": "actions"}),
    Copied("action_notes", f"action_id IN ({_ACTIONS})", {"action_id": "actions"}),
    Copied("chart_annotations", "audit_id = ?", {"audit_id": "audits"}),
    Copied("report_sections", f"cycle_id IN ({_CYCLES})", {"cycle_id": "cycles"}),
    Copied("generated_reports", f"cycle_id IN ({_CYCLES})", {"cycle_id": "cycles"}),
    Copied("handovers", "audit_id = ?", {"audit_id": "audits"}),
    Copied("benchmark_links", "audit_id = ?", {"audit_id": "audits", "measure_id": "benchmark_measures"}),
)

#: The national values the audit's benchmark links use, copied with their ids (the package is
#: otherwise empty); an import adds them through model.benchmark.benchmark_transfer.
NATIONAL: tuple[Copied, ...] = (
    Copied("benchmark_datasets", f"id IN ({_LINKED_DATASETS})"),
    Copied("benchmark_areas", f"dataset_id IN ({_LINKED_DATASETS})"),
    Copied("benchmark_periods", f"dataset_id IN ({_LINKED_DATASETS})"),
    Copied("benchmark_details", f"dataset_id IN ({_LINKED_DATASETS})"),
    Copied("benchmark_measures", f"id IN ({_LINKED_MEASURES})"),
    Copied("benchmark_columns", f"measure_id IN ({_LINKED_MEASURES})"),
)

#: Deletions the package passes on (m020): the other copy must not bring these records back.
TOMBSTONES = Copied("tombstones", "audit_uid = (SELECT uid FROM audits WHERE id = ?)")

#: Columns never copied into a package (identifiers).
LEFT_OUT = {"cases": {"nhs_number", "hospital_number"}}

PACKAGE_TABLES = """
CREATE TABLE package_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE handover_note (
    from_name TEXT NOT NULL DEFAULT '',
    to_name TEXT NOT NULL DEFAULT '',
    handed_over_on TEXT,
    done TEXT NOT NULL DEFAULT '',
    next_steps TEXT NOT NULL DEFAULT '',
    contacts TEXT NOT NULL DEFAULT ''
)
"""


@dataclass
class HandoverNote:
    """What the doctor handing over tells the next one."""

    from_name: str = ""
    to_name: str = ""
    handed_over_on: str | None = None  # ISO date
    done: str = ""
    next_steps: str = ""
    contacts: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_text(self) -> str:
        """The note as plain text, for a message box."""
        parts = [f"From: {self.from_name or '—'}", f"To: {self.to_name or '—'}",
                 f"Date: {self.handed_over_on or '—'}", "", "What is done:", self.done or "—", "",
                 "What is next:", self.next_steps or "—", "", "Contacts:", self.contacts or "—"]
        return "\n".join(parts)


@dataclass
class PackageSummary:
    """What a package holds, read without adding anything anywhere."""

    path: Path
    schema_version: int
    format_version: int
    exported_at: str
    audits: list[dict[str, Any]]  # {"uid", "title"}
    counts: dict[str, int]  # rows per table
    note: HandoverNote
    migrated: bool  # the package was written by an older AuditLoop (upgraded in a temporary copy)


@dataclass
class ImportResult:
    """What importing a package did (or, with dry_run or a merge needed, would do)."""

    audits: list[dict[str, Any]]  # {"uid", "title", "status": "new" | "present", "id"}
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False
    merge_needed: bool = False  # the audit is here: a merge (see `merged`)
    merged: bool = False
    kept_local: dict[str, int] = field(default_factory=dict)  # changed only here since the last exchange
    deleted: dict[str, int] = field(default_factory=dict)  # deleted (cases: binned) as the other side did
    not_resurrected: dict[str, int] = field(default_factory=dict)  # deleted here: the other copy is ignored
    key_available: bool | None = None  # the audit's pseudonymisation key is beside the data file (None: unknown)
    message: str = ""
    audit_id: int | None = None
    note: HandoverNote = field(default_factory=HandoverNote)
    backup: Path | None = None

    def key_note(self) -> str:
        """What the receiver must know when the audit's key did not come (re-identification unavailable)."""
        if self.key_available is not False:
            return ""
        return ("The pseudonymisation key is not in this data file: you see every case, but a patient cannot be "
                "re-identified, and NHS numbers you enter will not link to the patients already in the audit. "
                "Ask the sender for File > Export key… (and its passphrase, by phone), then use File > Import key….")

    def as_json(self) -> dict[str, Any]:
        """The CLI's JSON (docs in README: import-audit)."""
        return {"audits": self.audits, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "conflicts": self.conflicts, "duplicates": self.duplicates, "applied": self.applied,
                "merge_needed": self.merge_needed, "kept_local": self.kept_local, "deleted": self.deleted,
                "not_resurrected": self.not_resurrected, "key_available": self.key_available,
                "message": self.message,
                "handover_note": self.note.as_dict()}


# --- reading a package --------------------------------------------------------------------------


def _refuse(path: Path, what: str, hint: str = "") -> KnownError:
    return KnownError(f"This file is not an AuditLoop audit package: {what}", where=str(path),
                      hint=hint or f"Choose a {SUFFIX} file made with File > Export audit….")


def _check_file(path: Path) -> None:
    """Refuse, from the bytes alone, what is plainly not a package."""
    if not path.is_file():
        raise KnownError("No file at this path.", where=str(path), hint="Check the name and folder.")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(100)
    if size == 0:
        raise _refuse(path, "it is empty (0 bytes).")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        raise _refuse(path, "it is a zip archive.", "Unzip it first if a package is inside, or ask the sender "
                                                    "for the .auditloop file itself.")
    if not head.startswith(b"SQLite format 3\x00"):
        raise _refuse(path, "it is not an SQLite database (perhaps a document or a spreadsheet).")
    if len(head) < 100:
        raise _refuse(path, "it is incomplete (cut short while it was copied).", "Ask the sender for it again.")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    if head[24:28] == head[92:96] and pages and size < pages * page_size:
        raise _refuse(path, f"it is incomplete ({size:,} of {pages * page_size:,} bytes: cut short while it "
                            "was copied or downloaded).", "Ask the sender for the file again.")
    app_id = header_application_id(path)
    if app_id != PACKAGE_APPLICATION_ID:
        if _is_data_file(path):
            raise _refuse(path, "it is an AuditLoop data file (all your audits), not one exported audit.",
                          "Open it with File > Open data file…, or ask for the audit exported with "
                          "File > Export audit….")
        raise _refuse(path, "it is an SQLite database made by another program.")


def _is_data_file(path: Path) -> bool:
    try:
        flags = "mode=ro" if Path(str(path) + "-wal").exists() else "immutable=1"  # as the store reads
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return {"_sqlite_migrations", "audits", "cycles"} <= names


@contextlib.contextmanager
def opened_package(path: Path | str) -> Iterator[tuple[Database, PackageSummary]]:
    """The package, checked and brought up to this version's schema in a temporary copy.

    Raises:
        KnownError: not a package (a data file, another program's database, a zip, empty,
            truncated or damaged), or written by a newer AuditLoop (NewerVersionFile).
    """
    path = Path(path)
    _check_file(path)
    with tempfile.TemporaryDirectory(prefix="auditloop-package-") as folder:
        copy = Path(folder) / "package.sqlite"
        shutil.copyfile(path, copy)
        db = Database(sqlite3.connect(str(copy)))
        try:
            summary = _summary(db, path)
            yield db, summary
        finally:
            db.close()


def _summary(db: Database, path: Path) -> PackageSummary:
    try:
        check = db.execute("PRAGMA quick_check").fetchall()  # integrity_check's index cross-check costs 3×
        tables = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, f"it is damaged ({exc}).", "Ask the sender for the file again.") from exc
    if check != [("ok",)]:
        raise _refuse(path, "it is damaged (" + "; ".join(str(r[0]) for r in check[:2]) + ").",
                      "Ask the sender for the file again.")
    if not {"package_info", "handover_note", "audits", "_sqlite_migrations"} <= tables:
        raise _refuse(path, "it is marked as a package but its tables are missing.")
    info = {str(k): str(v) for k, v in db.execute("SELECT key, value FROM package_info")}
    if migrations.unknown_applied(db) or int(info.get("format_version", "0")) > PACKAGE_FORMAT_VERSION:
        raise NewerVersionFile("This audit package was made by a newer version of AuditLoop.", where=str(path),
                               hint="Install the newer AuditLoop (the version the sender uses), then import it.")
    migrated = bool(migrations.pending(db))
    if migrated:
        migrations.apply(db)
    note_row = db.execute("SELECT from_name, to_name, handed_over_on, done, next_steps, contacts "
                          "FROM handover_note").fetchone()
    note = HandoverNote(*note_row) if note_row else HandoverNote()
    audits = [{"uid": r[0], "title": r[1]} for r in db.execute("SELECT uid, title FROM audits ORDER BY id")]
    counts = {c.table: int(db.execute(f"SELECT COUNT(*) FROM {c.table}").fetchone()[0]) for c in TABLES}
    return PackageSummary(path=path, schema_version=int(info.get("schema_version", "0")),
                          format_version=int(info.get("format_version", "0")), exported_at=info.get("exported_at", ""),
                          audits=audits, counts=counts, note=note, migrated=migrated)


def read_package(path: Path | str) -> PackageSummary:
    """What an audit package holds (the file is only read; an older one is upgraded in a copy).

    Raises:
        KnownError: the file is not an audit package, saying what it is instead.
    """
    with opened_package(path) as (_db, summary):
        return summary
