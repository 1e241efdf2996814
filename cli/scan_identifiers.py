"""`scan-identifiers [--db FILE] --json`: where NHS numbers remain in the data file and its backups.

Read-only: nothing is changed. The JSON fields are a public interface (docs/scan-identifiers.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from model.collect.identifier_scan import scan_identifiers
from model.core.errors import KnownError

DATA_FILE_NAME = "auditloop.sqlite"  # as gui.app.DATA_FILE_NAME


def default_data_file() -> Path:
    """The data file the app opens by default (Qt's AppLocalDataLocation for "AuditLoop", without Qt)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "AuditLoop" / "AuditLoop" / DATA_FILE_NAME


def summary_text(result: dict[str, object]) -> str:
    """A few readable lines for the terminal when --json is not given."""
    findings = cast("list[dict[str, object]]", result["findings"])
    lines = [f"{result['file']}: " + (f"{len(findings)} place(s) hold NHS numbers" if findings
                                      else "no NHS numbers found")]
    for f in findings:
        lines.append(f"  {f['where']}: {f['table']}.{f['column']}: {f['count']}")
    lines += [f"  warning: {w}" for w in cast("list[str]", result["warnings"])]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``scan-identifiers``: 0 when the scan ran (findings or not), 2 on a known problem."""
    parser = argparse.ArgumentParser(prog="scan-identifiers",
                                     description="List where NHS numbers remain in the data file and its backups.")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    try:
        result = scan_identifiers(args.db or default_data_file())
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else summary_text(result))
    return 0
