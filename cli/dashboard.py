"""`dashboard [--year 2025/26] [--today YYYY-MM-DD] [--db FILE] [--directorate D] [--specialty S] [--json]
[--xlsx FILE] [--quality-account FILE]`: the department dashboard's figures, from the data.

Read-only (the file is opened read-only, so this also runs while the app has it open). The
JSON fields are documented in the README (Command line). `--xlsx` also writes the figures and
the rows behind them to a workbook; `--quality-account` writes the year's Quality Account
table (.xlsx or .docx by the name's ending).
Exit codes: 0 done; 2 a known problem (no file, unreadable, a newer AuditLoop's file, a bad
year, an unwritable output), with the message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cli.reminders import _iso_date
from cli.scan_identifiers import default_data_file
from model.core.errors import KnownError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from model.report.dashboard import Dashboard


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py dashboard",
                                     description="Print the department dashboard's figures (read-only).")
    parser.add_argument("--year", help="the financial year, e.g. 2025/26 (default: the one today falls in)")
    parser.add_argument("--today", type=_iso_date, help="the day to compute them for (default: today)")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--directorate", default="", help="only this directorate's audits")
    parser.add_argument("--specialty", default="", help="only this specialty's audits")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--xlsx", type=Path, metavar="FILE", help="also write the figures and their rows to Excel")
    parser.add_argument("--quality-account", type=Path, metavar="FILE",
                        help="also write the year's Quality Account table (.xlsx or .docx)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``dashboard``."""
    try:
        opts = _parser().parse_args(list(argv or []))
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    from datetime import date

    from model.act.reminders import open_for_reading
    from model.core.financial_year import financial_year_of, parse_financial_year
    from model.report import dashboard as dash

    today = opts.today or date.today()
    try:
        year = parse_financial_year(opts.year) if opts.year else financial_year_of(today)
        db = open_for_reading(opts.db or default_data_file())
        try:
            board = dash.dashboard(db, today, year=year, directorate=opts.directorate, specialty=opts.specialty)
            written = _write_files(db, board, opts)
        finally:
            db.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if opts.json:
        print(json.dumps(board.to_json(), indent=2, ensure_ascii=False))
    else:
        for figure in board.figures:
            print(f"{dash.GROUPS[figure.group]}: {figure.label}: {figure.text}")
    for path in written:
        print(f"Wrote {path}.", file=sys.stderr if opts.json else sys.stdout)
    return 0


def _write_files(db: Database, board: Dashboard, opts: argparse.Namespace) -> list[Path]:
    from model.report import quality_account as qa
    from model.report.dashboard import export_dashboard

    written = []
    if opts.xlsx:
        written.append(export_dashboard(board, opts.xlsx))
    if opts.quality_account:
        path: Path = opts.quality_account
        if path.suffix.lower() not in (".xlsx", ".docx"):
            raise KnownError(f"{path.name}: the Quality Account is written as .xlsx or .docx.",
                             hint="End the file name with .xlsx or .docx.")
        table = qa.quality_account(db, board.year)
        writer = qa.write_quality_account_xlsx if path.suffix.lower() == ".xlsx" else qa.write_quality_account_docx
        written.append(writer(table, path))
    return written
