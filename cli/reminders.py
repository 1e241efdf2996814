"""`reminders [--today YYYY-MM-DD] [--db FILE] [--json] [--ics FILE]`: what the audits need, from their data.

Read-only (the file is opened read-only, so this also runs while the app has it open): every
reminder not snoozed or dismissed, as {kind, audit_id, audit_title, subject, due, days}
(`days` = due − today, negative when overdue; `due` YYYY-MM-DD or null). `--ics FILE`
also writes the action deadlines and re-audit dates as an iCalendar file.
Exit codes: 0 done (reminders or none); 2 a known problem (no file, unreadable, a newer
AuditLoop's file, an unwritable calendar), with the message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from cli.scan_identifiers import default_data_file
from model.core.errors import KnownError


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date in the form YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``reminders``."""
    parser = argparse.ArgumentParser(prog="main.py reminders",
                                     description="List the reminders the audits' data raise (read-only).")
    parser.add_argument("--today", type=_iso_date, help="the day to compute them for (default: today)")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--json", action="store_true", help="print the reminders as a JSON list")
    parser.add_argument("--ics", type=Path, metavar="FILE", help="also write action deadlines and re-audit dates "
                                                                 "to this iCalendar (.ics) file")
    try:
        opts = parser.parse_args(list(argv or []))
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    from model.act.calendar_export import write_ics
    from model.act.reminders import describe, open_for_reading, reminders

    path = opts.db or default_data_file()
    today = opts.today or date.today()
    try:
        db = open_for_reading(path)
        try:
            found = reminders(db, today)
            events = write_ics(db, opts.ics) if opts.ics else None
        finally:
            db.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if opts.json:
        print(json.dumps([r.to_json() for r in found], indent=2, ensure_ascii=False))
    else:
        print("\n".join(describe(r) for r in found) if found else "No reminders.")
    if events is not None:
        print(f"Wrote {events} calendar entries to {opts.ics}.", file=sys.stderr if opts.json else sys.stdout)
    return 0
