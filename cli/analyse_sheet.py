"""`analyse-sheet FILE [--sheet NAME] --json`: what the importer finds in a spreadsheet, no audit needed.

The JSON fields are a public interface (docs/analyse-sheet.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, cast

from model.collect.sheet_analysis import analyse_sheet
from model.core.errors import KnownError


def summary_text(result: dict[str, object]) -> str:
    """A few readable lines for the terminal when --json is not given."""
    lines = [f"{result['file']}: sheet '{result['sheet']}', header in row {result['header_row']}, "
             f"{result['rows']} rows"]
    for col in cast(list[dict[str, Any]], result["columns"]):
        line = f"  {col['letter']:>3}  {col['name'][:50]:<50} {col['role']}"
        if "answers" in col:
            ans = col["answers"]
            pct = "—" if ans["compliance_pct"] is None else f"{ans['compliance_pct']}%"
            line += (f"  met {ans['met']}, not met {ans['not_met']}, exception {ans['exception']}, "
                     f"missing {ans['missing']}, unrecognised {ans['unrecognised']}; compliance {pct}")
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``analyse-sheet``: print the analysis; 0 when fine, 2 on a known problem."""
    parser = argparse.ArgumentParser(prog="analyse-sheet", description="Describe an audit spreadsheet.")
    parser.add_argument("file", help="the .xlsx/.xls/.ods/.csv file")
    parser.add_argument("--sheet", help="the sheet to analyse (default: the data sheet)")
    parser.add_argument("--json", action="store_true", help="print the analysis as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    try:
        result = analyse_sheet(args.file, args.sheet)
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else summary_text(result))
    return 0
