"""Generate a cycle's report file and record it (table `generated_reports`, migration m012).

API (for the Report page and `main.py report`):

    FORMATS = ("docx", "pdf")
    generate_report(db, cycle_id, fmt, path, *, status="draft", today=None, progress=None) -> GeneratedReport
        build + write + record, in one call (needs a writable connection)
    write_report(db, cycle_id, fmt, path, *, status, version, today, progress) -> GeneratedReport
        build + write only (a read-only background connection is enough) …
    record_report(db, generated) -> GeneratedReport
        … then record it on the writer (returns it with its id)
    next_version(db, cycle_id, kind="report") -> int
    list_reports(db, cycle_id) -> list[GeneratedReport]     every document of the cycle, newest first
    file_record(cycle_id, kind, fmt, path, *, status, version) -> GeneratedReport   (the SHA-256 of a written file)
    resolve_audit(db, text) -> Audit      id, registration number or exact title
    resolve_cycle(db, audit_id, number=None) -> Cycle      the latest cycle when number is None

A final report is refused while `model.report.narrative.missing_for_final` lists anything.
Progress: `progress` (model.core.progress.Progress) is reported while gathering and
rendering; Cancel raises `Cancelled` before the file is written, so nothing is recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.progress import Progress, report
from model.core.util import now_iso
from model.plan.audits import Audit, list_audits
from model.plan.cycles import Cycle, list_cycles
from model.report.builder import build_report
from model.report.narrative import missing_for_final
from model.report.render_docx import render_docx
from model.report.render_pdf import needs_contents, render_pdf

FORMATS = ("docx", "pdf")
STATUSES = ("draft", "final")
#: What `generated_reports.kind` holds (m019): the full report and the short documents.
KINDS: dict[str, str] = {"report": "Report", "summary": "Summary", "poster": "Poster", "evidence": "Evidence pack"}


@dataclass(frozen=True)
class GeneratedReport:
    """A document written: what `generated_reports` holds about it (id None until recorded).

    `kind` is one of `KINDS`; `status` is "draft" or "final" for a report, '' for the short documents.
    """

    cycle_id: int
    version: int
    format: str
    status: str
    sha256: str
    path_name: str
    created_at: str
    id: int | None = None
    path: Path | None = None
    kind: str = "report"


def next_version(db: Database, cycle_id: int, kind: str = "report") -> int:
    """The version number the cycle's next document of this kind gets (1 for the first)."""
    row = db.execute("SELECT MAX(version) FROM generated_reports WHERE cycle_id = ? AND kind = ?",
                     [cycle_id, kind]).fetchone()
    return int(row[0] or 0) + 1


def file_record(cycle_id: int, kind: str, fmt: str, path: Path, *, status: str, version: int) -> GeneratedReport:
    """The record of a file just written (its SHA-256 read back from the disk), not yet stored."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return GeneratedReport(cycle_id, version, fmt, status, digest, path.name, now_iso(), path=path, kind=kind)


def _check(fmt: str, status: str) -> None:
    if fmt not in FORMATS:
        raise KnownError(f"Unknown report format '{fmt}'.", hint="Choose docx or pdf.")
    if status not in STATUSES:
        raise KnownError(f"Unknown report status '{status}'.", hint="Choose draft or final.")


def write_report(db: Database, cycle_id: int, fmt: str, path: Path | str, *, status: str = "draft",
                 version: int = 1, today: date | None = None, progress: Progress | None = None) -> GeneratedReport:
    """Build the report and write it to `path`; nothing is stored (see `record_report`).

    Raises:
        KnownError: unknown format or status, a final report with gaps, or a file that cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    _check(fmt, status)
    if status == "final":
        gaps = missing_for_final(db, cycle_id, today=today)
        if gaps:
            raise KnownError("The report cannot be final yet: " + " ".join(gaps),
                             hint="Complete these, or generate a draft.")
    doc = build_report(db, cycle_id, status=status, version=version, today=today, progress=progress)
    report(progress, 4, 5, "Laying out the pages")
    if not needs_contents(doc, progress):  # the same rule for both formats: a contents list past eight pages
        doc = doc.without_contents()
    report(progress, 4, 5, f"Writing the {fmt.upper()} file")
    path = Path(path)
    # The renderer checks Cancel between elements and charts and writes the file only at its end;
    # no check after that, so a report written is never left behind unrecorded by a late Cancel here.
    (render_docx if fmt == "docx" else render_pdf)(doc, path, progress)
    return file_record(cycle_id, "report", fmt, path, status=status, version=version)


def record_report(db: Database, generated: GeneratedReport) -> GeneratedReport:
    """Record a written document in `generated_reports`; returns it with its id."""
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO generated_reports (cycle_id, kind, version, created_at, format, sha256, status, path_name) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [generated.cycle_id, generated.kind, generated.version,
                                               generated.created_at, generated.format, generated.sha256,
                                               generated.status, generated.path_name])
    return replace(generated, id=int(cursor.lastrowid or 0))


def generate_report(db: Database, cycle_id: int, fmt: str, path: Path | str, *, status: str = "draft",
                    today: date | None = None, progress: Progress | None = None) -> GeneratedReport:
    """Build, write and record the next version of a cycle's report.

    Args:
        db: a writable connection to the store.
        cycle_id: the cycle reported.
        fmt: "docx" or "pdf".
        path: where to write the file.
        status: "draft" or "final" (final only when `missing_for_final` is empty).
        today: the report's date (default today).
        progress: optional progress and Cancel.

    Returns:
        The recorded `GeneratedReport`.
    """
    generated = write_report(db, cycle_id, fmt, path, status=status, version=next_version(db, cycle_id),
                             today=today, progress=progress)
    return record_report(db, generated)


def list_reports(db: Database, cycle_id: int) -> list[GeneratedReport]:
    """The documents generated for a cycle (reports, summaries, posters, evidence packs), newest first."""
    rows = db.execute("SELECT cycle_id, version, format, status, sha256, path_name, created_at, id, kind "
                      "FROM generated_reports WHERE cycle_id = ? ORDER BY id DESC", [cycle_id]).fetchall()
    return [GeneratedReport(cycle_id=row[0], version=row[1], format=row[2], status=row[3], sha256=row[4],
                            path_name=row[5], created_at=row[6], id=row[7], kind=row[8]) for row in rows]


def resolve_audit(db: Database, text: str) -> Audit:
    """The audit named by its id, registration number or exact title (case-insensitive).

    Raises:
        KnownError: nothing matches, or more than one audit does (the message lists the candidates).
    """
    audits = list_audits(db)
    wanted = text.strip()
    found = [a for a in audits if wanted.isdigit() and a.id == int(wanted)]
    found = found or [a for a in audits if a.registration_number and a.registration_number.casefold() ==
                      wanted.casefold()]
    found = found or [a for a in audits if a.title.casefold() == wanted.casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        raise KnownError(f"'{text}' matches more than one audit: " + _candidates(found) + ".",
                         hint="Use the audit's id.")
    near = [a for a in audits if wanted.casefold() in a.title.casefold()] or audits
    raise KnownError(f"No audit is called '{text}'. Candidates: " + _candidates(near) + ".",
                     hint="Give the audit's id, registration number or exact title.")


def _candidates(audits: list[Audit]) -> str:
    return "; ".join(f"{a.id}: {a.title}" + (f" ({a.registration_number})" if a.registration_number else "")
                     for a in audits[:20])


def resolve_cycle(db: Database, audit_id: int, number: int | None = None) -> Cycle:
    """The audit's cycle with this number, or its latest cycle.

    Raises:
        KnownError: the audit has no cycles, or none with that number.
    """
    cycles = list_cycles(db, audit_id)
    if not cycles:
        raise KnownError("This audit has no cycle yet, so there is nothing to report.",
                         hint="Plan the first cycle on the Plan page.")
    if number is None:
        return cycles[-1]
    for cycle in cycles:
        if cycle.number == number:
            return cycle
    raise KnownError(f"This audit has no cycle {number}.",
                     hint="Cycles: " + ", ".join(str(c.number) for c in cycles) + ".")
