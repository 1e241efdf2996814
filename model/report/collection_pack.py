"""Collection packs: one cycle of an audit sent to a colleague's laptop to collect cases (issue 17).

"Make collection pack" writes an audit package (model.report.handover) holding the audit, its
standard, the cycle's criteria and the cycle itself, empty or with the cases collected so far.
The colleague imports it into their own AuditLoop (a new audit there), enters or imports cases,
and exports the audit back; merging that file here adds their cases, each keeping who collected
it (the case's `collector`, or the name the colleague exported under).
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import today
from model.report.handover import HandoverNote
from model.report.handover_export import ExportResult, export_audit


def make_collection_pack(db: Database, cycle_id: int, path: Path | str, *, collector: str,
                         with_cases: bool = False, sender: str = "") -> ExportResult:
    """Write cycle `cycle_id` of its audit as a collection pack for `collector`.

    Raises:
        KnownError: the cycle does not exist, or the file cannot be written.
    """
    row = db.execute("SELECT audit_id, number FROM cycles WHERE id = ?", [cycle_id]).fetchone()
    if row is None:
        raise KnownError(f"Cycle {cycle_id} does not exist.", hint="Choose a cycle of an audit.")
    note = HandoverNote(from_name=sender, to_name=collector, handed_over_on=today().isoformat(),
                        done=f"Collection pack for cycle {row[1]}" + (" (with the cases so far)." if with_cases
                                                                      else " (no cases yet)."),
                        next_steps="Enter or import your cases in this cycle, then use File > Export audit… "
                                   "and send the file back: it merges into the audit, your cases marked as yours.")
    return export_audit(db, int(row[0]), path, handover_note=note, pack_cycle=cycle_id, pack_cases=with_cases)
