"""`check-data [--db FILE] [--accept] [--json]`: SQLite's check and the per-case answer checksums.

Read-only unless --accept (the file is opened read-only, so this also runs while the app has it
open). Prints {file, integrity, cases_checked, warnings, accepted}: `integrity` is "ok" or the
list of SQLite's findings; `warnings` one object per case whose answers were changed outside
AuditLoop ({kind: "case_changed_outside", audit_id, audit_title, cycle, case_id, case_ref,
message}); `accepted` how many cases --accept re-stamped (0 without it).
Exit codes: 0 checked (warnings are not failures); 3 SQLite found damage; 2 a known problem
(no file, not an AuditLoop file, a newer or not yet upgraded file, in use by the app for
--accept), with the message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cli.scan_identifiers import default_data_file
from model.core.errors import KnownError


def _check(path: Path, accept: bool) -> dict[str, object]:
    from model.act.reminders import open_for_reading
    from model.store import migrations
    from model.store.answer_check import accept_changes, check_data_file

    db = open_for_reading(path)
    try:
        if migrations.pending(db):
            raise KnownError(f"{path} is from an older AuditLoop and has no answer checksums yet.",
                             hint="Open it in AuditLoop once (it is upgraded, with a backup first), then check it.")
        found = check_data_file(db)
    finally:
        db.close()
    accepted = 0
    if accept and found.changed and not found.problems:
        from model.store.store import open_store

        store = open_store(path)
        try:
            accepted = accept_changes(store.db, [c.case_id for c in found.changed])
        finally:
            store.close()
    return {"file": str(path), "integrity": "ok" if not found.problems else found.problems,
            "cases_checked": found.cases_checked, "warnings": [c.as_warning() for c in found.changed],
            "accepted": accepted}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``check-data``."""
    parser = argparse.ArgumentParser(prog="main.py check-data",
                                     description="Check the data file: SQLite's integrity check and every case's "
                                                 "answers against the checksum AuditLoop wrote with them.")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--accept", action="store_true",
                        help="accept the answers of changed cases as they are now (re-stamps them)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    try:
        opts = parser.parse_args(list(argv or []))
    except SystemExit as exc:  # argparse has printed the usage message
        return int(exc.code or 0)
    try:
        result = _check(opts.db or default_data_file(), opts.accept)
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if opts.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        warnings = result["warnings"]
        assert isinstance(warnings, list)
        print(f"{result['file']}: structure {'sound' if result['integrity'] == 'ok' else 'DAMAGED'}; "
              f"{result['cases_checked']} cases checked, {len(warnings)} changed outside AuditLoop"
              + (f", {result['accepted']} accepted." if opts.accept else "."))
        for w in warnings:
            print(f"  {w['message']}")
    return 0 if result["integrity"] == "ok" else 3
