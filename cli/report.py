"""`report AUDIT --format docx|pdf|summary|poster|evidence --out PATH [--cycle N] --db FILE [--final] [--person NAME]`.

AUDIT is the audit's id, registration number or exact title; without --cycle the latest
cycle is reported. docx and pdf write the full report and record it in the data file
(generated_reports); summary writes the one-page A4 landscape summary (PDF, or PNG when
--out ends in .png); poster the A1 QI poster (PDF or PNG); evidence the trainee's one-page
ePortfolio evidence pack (PDF, or Word when --out ends in .docx) for --person, default the
audit lead. --final applies to the full report only. Every file written is recorded in the
data file with its version and SHA-256.
Exit codes: 0 written; 2 a known problem (unknown or ambiguous audit, no cycle, gaps before
a final report, file not writable), with the message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from model.core.errors import KnownError


def main(argv: Sequence[str]) -> int:
    """Entry point for ``report``."""
    parser = argparse.ArgumentParser(prog="main.py report", description="Write a cycle's clinical audit report.")
    parser.add_argument("audit", help="audit id, registration number or exact title")
    parser.add_argument("--format", choices=("docx", "pdf", "summary", "poster", "evidence"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--cycle", type=int, help="cycle number (default: the latest)")
    parser.add_argument("--db", type=Path, required=True, help="the AuditLoop data file")
    parser.add_argument("--final", action="store_true", help="issue as the final report (refused while gaps remain)")
    parser.add_argument("--person", help="evidence: the trainee (default: the audit lead)")
    try:
        opts = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    from model.report.generate import generate_report, resolve_audit, resolve_cycle
    from model.report.handouts import generate_handout
    from model.store.store import open_store

    try:
        if not opts.db.is_file():
            raise KnownError(f"No data file at {opts.db}.", hint="Give the path of an AuditLoop data file.")
        store = open_store(opts.db)
        try:
            audit = resolve_audit(store.db, opts.audit)
            cycle = resolve_cycle(store.db, int(audit.id or 0), opts.cycle)
            if opts.format in ("docx", "pdf"):
                done = generate_report(store.db, int(cycle.id or 0), opts.format, opts.out,
                                       status="final" if opts.final else "draft")
                line = f"Wrote {done.path} ({audit.title}, {cycle.title}, version {done.version}, {done.status})."
            else:
                done = generate_handout(store.db, int(cycle.id or 0), opts.format, opts.out, person=opts.person)
                line = f"Wrote {done.path} ({opts.format}: {audit.title}, {cycle.title}, version {done.version})."
        finally:
            store.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(line)
    return 0
