"""`import-audit FILE [--db FILE] [--dry-run] [--on-conflict stop|keep-local|take-incoming] [--json]`.

Adds an exported audit to a data file, or merges it into the copy already there (same uid).
Prints {audits, added, updated, unchanged, conflicts, duplicates, applied, merge_needed,
kept_local, deleted, not_resurrected, message, handover_note} with --json (README:
import-audit). `--db` naming a file that does not exist creates it. Exit codes: 0 added or
merged (or, with --dry-run, would be), or nothing to merge; 3 nothing changed because records
changed on both sides are unresolved (`--on-conflict stop`, the default) or some records are
already in the data file under another audit; 2 a known problem (not a package, from a newer
AuditLoop, data file unusable), on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cli.scan_identifiers import default_data_file
from model.core.errors import KnownError

MERGE_NEEDED = 3


def main(argv: Sequence[str]) -> int:
    """Entry point for ``import-audit``."""
    parser = argparse.ArgumentParser(prog="main.py import-audit", description="Import an exported audit package.")
    parser.add_argument("file", type=Path, help="the audit package (.auditloop)")
    parser.add_argument("--db", type=Path, help="the data file to add it to (default: the app's own; created "
                                                "when missing)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be added; change nothing")
    parser.add_argument("--on-conflict", choices=("stop", "keep-local", "take-incoming"), default="stop",
                        help="records changed on both sides: stop (apply nothing, exit 3), keep ours, take theirs")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    try:
        opts = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from model.report.handover import read_package
    from model.report.handover_import import import_audit
    from model.store.store import open_store

    try:
        read_package(opts.file)  # refuse a foreign file before creating or opening any data file
        store = open_store(opts.db or default_data_file())
        try:
            result = import_audit(store.db, opts.file, dry_run=opts.dry_run, data_path=store.path,
                                  on_conflict=opts.on_conflict)
        finally:
            store.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if opts.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        def listed(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing"

        print(f"{result.message}\nAdded: {listed(result.added)}. Updated: {listed(result.updated)}. "
              f"Conflicts: {len(result.conflicts)}.\n\nHandover note\n{result.note.as_text()}")
    refused = bool(result.duplicates) and not result.merge_needed
    stopped = result.merge_needed and not result.applied and bool(result.conflicts) and opts.on_conflict == "stop"
    return MERGE_NEEDED if refused or stopped else 0
