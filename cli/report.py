"""`report AUDIT --format docx|pdf --out PATH [--cycle N] [--db FILE] [--final]`: write a cycle's audit report.

AUDIT is the audit's id, registration number or exact title; without --cycle the latest
cycle is reported. The report is recorded in the data file (generated_reports).
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
    parser.add_argument("--format", choices=("docx", "pdf"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.add_argument("--cycle", type=int, help="cycle number (default: the latest)")
    parser.add_argument("--db", type=Path, required=True, help="the AuditLoop data file")
    parser.add_argument("--final", action="store_true", help="issue as the final report (refused while gaps remain)")
    try:
        opts = parser.parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    from model.report.generate import generate_report, resolve_audit, resolve_cycle
    from model.store.store import open_store

    try:
        if not opts.db.is_file():
            raise KnownError(f"No data file at {opts.db}.", hint="Give the path of an AuditLoop data file.")
        store = open_store(opts.db)
        try:
            audit = resolve_audit(store.db, opts.audit)
            cycle = resolve_cycle(store.db, int(audit.id or 0), opts.cycle)
            done = generate_report(store.db, int(cycle.id or 0), opts.format, opts.out,
                                   status="final" if opts.final else "draft")
        finally:
            store.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Wrote {done.path} ({audit.title}, {cycle.title}, version {done.version}, {done.status}).")
    return 0
