"""`export-audit AUDIT --out FILE [--db FILE] [--from NAME] [--to NAME] [--done TEXT] [--next TEXT]
[--contacts TEXT] [--date YYYY-MM-DD] [--pack-cycle N [--with-cases]]`: write one audit, with a
handover note, as an audit package; with --pack-cycle, a collection pack of cycle number N.

AUDIT is the audit's id, registration number or exact title. The package (`.auditloop`) holds
no NHS or hospital numbers and never the pseudonymisation key (model.report.handover).
Exit codes: 0 written; 2 a known problem (unknown audit, file not writable), message on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from cli.scan_identifiers import default_data_file
from model.core.errors import KnownError


def main(argv: Sequence[str]) -> int:
    """Entry point for ``export-audit``."""
    parser = argparse.ArgumentParser(prog="main.py export-audit",
                                     description="Export one audit, with a handover note, as one package file.")
    parser.add_argument("audit", help="audit id, registration number or exact title")
    parser.add_argument("--out", type=Path, required=True, help="the package to write (.auditloop)")
    parser.add_argument("--db", type=Path, help="the AuditLoop data file (default: the app's own)")
    parser.add_argument("--from", dest="from_name", default="", help="who hands the audit over")
    parser.add_argument("--to", dest="to_name", default="", help="who takes it on")
    parser.add_argument("--done", default="", help="what is done")
    parser.add_argument("--next", dest="next_steps", default="", help="what is next")
    parser.add_argument("--contacts", default="", help="people to ask (audit office, supervisor)")
    parser.add_argument("--date", default=date.today().isoformat(), help="the handover date (default: today)")
    parser.add_argument("--pack-cycle", type=int, help="a collection pack of this cycle number only")
    parser.add_argument("--with-cases", action="store_true", help="the pack holds the cases collected so far")
    try:
        opts = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from model.report.generate import resolve_audit
    from model.report.handover import HandoverNote
    from model.report.handover_export import export_audit, summary_counts
    from model.store.store import open_store

    note = HandoverNote(from_name=opts.from_name, to_name=opts.to_name, handed_over_on=opts.date or None,
                        done=opts.done, next_steps=opts.next_steps, contacts=opts.contacts)
    try:
        store = open_store(opts.db or default_data_file())
        try:
            audit = resolve_audit(store.db, opts.audit)
            cycle = None
            if opts.pack_cycle is not None:
                from model.plan.cycles import list_cycles

                cycle = next((c.id for c in list_cycles(store.db, int(audit.id or 0)) if c.number == opts.pack_cycle),
                             None)
                if cycle is None:
                    raise KnownError(f"{audit.title} has no cycle {opts.pack_cycle}.", hint="Give a cycle number.")
            done = export_audit(store.db, int(audit.id or 0), opts.out, handover_note=note, pack_cycle=cycle,
                                pack_cases=opts.with_cases)
        finally:
            store.close()
    except KnownError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Wrote {done.path}: {audit.title} ({summary_counts(done.counts)}; no NHS or hospital numbers"
          + (f", {done.redacted} text value(s) had identifiers removed" if done.redacted else "") + ").")
    return 0
