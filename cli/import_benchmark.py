"""`import-benchmark FILE --json [--dry-run] [--db FILE]`: read a national benchmark file headless.

The JSON fields are a public interface (docs/benchmark-json.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from model.benchmark.benchmark_summary import import_benchmark_json
from model.core.errors import KnownError


def _text_report(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['file']}: {summary['format']} ({summary['publisher'] or 'publisher unknown'})",
        f"Rows {summary['rows']}, organisations {summary['organisations']}, periods "
        f"{', '.join(summary['periods']) or '-'}",
        f"Suppressed cells {summary['suppressed_cells']}, rejected rows {summary['rejected_rows']}, "
        f"problems {summary['problem_count']}",
    ]
    for m in summary["measures"]:
        national = "; ".join(f"{n['period']}: {n['value']}" for n in m["national"]) or "none in file"
        lines.append(f"  {m['code']} {m['name']} [{m['unit'] or '?'}]: {m['rows']} rows; national {national}")
    ods = summary.get("ods_matching")
    if ods:
        lines.append("ODS names: " + ", ".join(f"{k} {v}" for k, v in ods["counts"].items()))
    if summary["dataset_id"] is not None:
        lines.append(f"Stored as dataset {summary['dataset_id']}.")
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    """`main.py import-benchmark FILE [--json] [--dry-run] [--db PATH] [--profile NAME] [--replace] [--ods FILE]...`.

    Parse, show and (unless --dry-run) store a national file.

    Args:
        argv: the arguments after `import-benchmark` (a leading "import-benchmark" is ignored).

    Returns:
        0 on success; 2 with a message on stderr for a KnownError.
    """
    args = list(argv)
    if args and args[0] == "import-benchmark":
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="main.py import-benchmark", description="Import a national benchmark file."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--dry-run", action="store_true", help="read and summarise only; store nothing")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file to store the import in")
    parser.add_argument("--profile", help="a saved column mapping for national audit tables")
    parser.add_argument("--ods", action="append", default=[], type=Path, metavar="FILE",
                        help="an ODS reference CSV (etr.csv trusts, ets.csv sites; repeatable) to name "
                        "organisations the table gives without codes")
    parser.add_argument("--replace", action="store_true", help="replace an earlier import of the same file")
    opts = parser.parse_args(args)
    try:
        summary = _run_import(opts)
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False) if opts.json else _text_report(summary))
    return 0


def _run_import(opts: argparse.Namespace) -> dict[str, Any]:
    if opts.db is None:
        if not opts.dry_run:
            raise KnownError(
                "No data file given to store the import in.", hint="Add --db PATH, or use --dry-run."
            )
        if opts.profile:
            raise KnownError("A profile can only be loaded from a data file.", hint="Add --db PATH.")
        return import_benchmark_json(opts.file, dry_run=True, ods_files=opts.ods)
    from model.store.store import open_store  # imported here: the dry run needs no store at all

    store = open_store(opts.db)
    try:
        return import_benchmark_json(
            opts.file, dry_run=opts.dry_run, db=store.db, profile=opts.profile, replace=opts.replace,
            ods_files=opts.ods,
        )
    finally:
        store.close()
