"""`import-cases FILE --audit AUDIT [--cycle N] [--sheet NAME] [--profile NAME] [--map "HEADER=FIELD"]...
[--value "TEXT=OUTCOME"]... [--unrecognised-as OUTCOME] [--replace] [--dry-run] [--db FILE] --json`.

Cases from a spreadsheet or CSV into a cycle, with no window: the import wizard's own mapping,
vocabularies, pseudonymisation and all-or-nothing commit (``model.collect.headless_import``).
The JSON fields are a public interface (README, "Importing cases without the window").
Exit codes: 0 imported (or, with --dry-run, would be); 2 stopped (answer columns not mapped,
unreadable answers not decided: listed in the JSON's `stopped`, nothing stored) or a known
problem (unreadable file, unknown audit, cycle, column or field), with the message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.core.errors import KnownError

_FIELDS_HELP = ("FIELD is a criterion's short name or statement, or one of: ignore, case_ref, nhs_number, "
                "hospital_number, age, sex, ethnicity, imd_decile, ward, site, team, case_date, collector")


def _pairs(items: Sequence[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        left, sep, right = item.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise KnownError(f"'{item}' is not {what}.", hint=f'Write it as "{what}", e.g. "Ward=ward".')
        out[left.strip()] = right.strip()
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py import-cases", description="Import cases from a spreadsheet into an audit cycle.",
        epilog=_FIELDS_HELP + ". OUTCOME is met, not_met, exception or missing.")
    parser.add_argument("file", type=Path, help="the .xlsx/.xlsm/.xls/.ods/.csv file")
    parser.add_argument("--audit", required=True, help="audit id, registration number or exact title")
    parser.add_argument("--cycle", type=int, help="cycle number (default: the latest)")
    parser.add_argument("--sheet", help="the sheet to read (default: the data sheet)")
    parser.add_argument("--profile", help="a saved column mapping to start from")
    parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                        help="map a column (repeatable); " + _FIELDS_HELP)
    parser.add_argument("--value", action="append", default=[], metavar="TEXT=OUTCOME",
                        help="the outcome of an answer the vocabulary cannot read (repeatable)")
    parser.add_argument("--unrecognised-as", choices=("met", "not_met", "exception", "missing"),
                        help="the outcome of every unreadable answer --value does not decide")
    parser.add_argument("--replace", action="store_true", help="replace an earlier import of the same file")
    parser.add_argument("--dry-run", action="store_true", help="plan and report only; store nothing")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def _text(summary: dict[str, Any]) -> str:
    lines = [f"{summary['file']}: sheet '{summary['sheet']}', header in row {summary['header_row']}, "
             f"{summary['cases']} cases"]
    lines += [f"  {m['letter']:>3} {m['column'][:40]:<40} -> {m['field']} ({m['how']})" for m in summary["mapping"]]
    for c in summary["criteria"]:
        lines.append(f"  {c['criterion']}: met {c['met']}, not met {c['not_met']}, exception {c['exception']}, "
                     f"missing {c['missing']}, unrecognised {c['unrecognised']}")
    lines.append(f"Rejected: {len(summary['rejected_rows'])} row(s) or value(s).")
    for stop in summary["stopped"]:
        lines.append(f"Stopped: {stop['reason']}: {', '.join(map(str, stop.get('columns') or stop.get('values')))} "
                     f"({stop['what_to_do']}).")
    if summary["applied"]:
        lines.append("Imported.")
    else:
        lines.append("Nothing stored (dry run)." if summary["dry_run"] else "Nothing stored.")
    return "\n".join(lines)


def _run(opts: argparse.Namespace) -> dict[str, Any]:
    from cli.scan_identifiers import default_data_file
    from model.collect.headless_import import HeadlessRequest, run_headless_import
    from model.report.generate import resolve_audit, resolve_cycle
    from model.store.store import open_store

    path = opts.db or default_data_file()
    if not Path(path).is_file():
        raise KnownError(f"No data file at {path}.", hint="Give the path of an AuditLoop data file with --db.")
    maps, values = _pairs(opts.map, "HEADER=FIELD"), _pairs(opts.value, "TEXT=OUTCOME")
    store = open_store(path)
    try:
        audit = resolve_audit(store.db, opts.audit)
        cycle = resolve_cycle(store.db, int(audit.id or 0), opts.cycle)
        request = HeadlessRequest(path=opts.file, cycle_id=int(cycle.id or 0), store_path=Path(path),
                                  sheet=opts.sheet, profile=opts.profile, maps=maps, values=values,
                                  unrecognised_as=opts.unrecognised_as, dry_run=opts.dry_run, replace=opts.replace)
        return run_headless_import(store.db, request)
    finally:
        store.close()


def main(argv: Sequence[str]) -> int:
    """Entry point for ``import-cases``: 0 imported (or would be), 2 stopped or a known problem."""
    try:
        opts = _parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the usage message or --help
        return int(exc.code or 0)
    try:
        summary = _run(opts)
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False) if opts.json else _text(summary))
    for stop in summary["stopped"]:
        print(f"Stopped, nothing stored: {stop['reason']}. What to do: {stop['what_to_do']}.", file=sys.stderr)
    return 2 if summary["stopped"] else 0
