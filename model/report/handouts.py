"""The short outputs of the Report stage: one-page summary, QI poster, trainee evidence pack.

    HANDOUT_FORMATS = ("summary", "poster", "evidence")
    write_handout(db, cycle_id, fmt, path, *, person=None, today=None, progress=None) -> Path
    handout_record(db, cycle_id, fmt, path, *, person=None, today=None, progress=None) -> GeneratedReport
        write it and return its record (store it with `model.report.generate.record_report`)
    generate_handout(db, cycle_id, fmt, path, *, person=None, today=None, progress=None) -> GeneratedReport
        write and record, in one call (needs a writable connection)

summary: A4 landscape, PDF (or PNG when `path` ends in .png); poster: A1 portrait, vector
PDF (or PNG); evidence: one-page PDF (or Word when `path` ends in .docx) for `person`,
default the audit lead. Like the full report, each file written is recorded in
`generated_reports` (kind summary/poster/evidence, its own version count, SHA-256), with no
draft/final status: only a report is issued as draft or final. `progress` is reported and
Cancel checked while gathering, before the chart and before the file is written: a cancelled
document leaves no file and no record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.progress import Progress
from model.report.evidence import write_evidence
from model.report.generate import GeneratedReport, file_record, next_version, record_report
from model.report.render_summary import render_poster, render_summary
from model.report.summary_content import gather_summary

HANDOUT_FORMATS = ("summary", "poster", "evidence")


def write_handout(db: Database, cycle_id: int, fmt: str, path: Path | str, *, person: str | None = None,
                  today: date | None = None, progress: Progress | None = None) -> Path:
    """Write one of the short outputs of a cycle (see the module docstring).

    Raises:
        KnownError: an unknown format or file type, a person not on the team, or a file that cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    allowed = {"summary": (".pdf", ".png"), "poster": (".pdf", ".png"), "evidence": (".pdf", ".docx")}
    if fmt not in allowed:
        raise KnownError(f"Unknown format '{fmt}'.", hint="Choose " + ", ".join(HANDOUT_FORMATS) + ".")
    if suffix not in allowed[fmt]:
        raise KnownError(f"A {fmt} is written as {' or '.join(allowed[fmt])}, not '{suffix or path.name}'.",
                         hint=f"End the file name in {' or '.join(allowed[fmt])}.")
    if fmt == "evidence":
        return write_evidence(db, cycle_id, path, person=person, today=today, progress=progress)
    summary = gather_summary(db, cycle_id, today=today, progress=progress)
    return (render_summary if fmt == "summary" else render_poster)(summary, path, progress)


def handout_record(db: Database, cycle_id: int, fmt: str, path: Path | str, *, person: str | None = None,
                   today: date | None = None, version: int | None = None,
                   progress: Progress | None = None) -> GeneratedReport:
    """Write a short document (as `write_handout`) and return its record, not yet stored.

    A read-only connection is enough; `version` defaults to the next one of its kind.
    """
    version = next_version(db, cycle_id, fmt) if version is None else version
    written = write_handout(db, cycle_id, fmt, path, person=person, today=today, progress=progress)
    return file_record(cycle_id, fmt, written.suffix.lower().lstrip("."), written, status="", version=version)


def generate_handout(db: Database, cycle_id: int, fmt: str, path: Path | str, *, person: str | None = None,
                     today: date | None = None, progress: Progress | None = None) -> GeneratedReport:
    """Write a short document and record it in `generated_reports` (a writable connection)."""
    return record_report(db, handout_record(db, cycle_id, fmt, path, person=person, today=today,
                                            progress=progress))
