"""Merging a package into the copy of its audit this data file holds (`merge_package`).

Called by model.report.handover_import.import_audit when the audit's uid is already here. The
plan (model.report.handover_merge) is shown in full (the result's counts and conflicts) before
anything changes; it is applied only when every conflict is decided, after a checked backup of
the data file, in one transaction that also logs the merge (`merges`: who, when, from which
file and site, what was taken) and keeps the handover note.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from model.benchmark.benchmark_transfer import copy_measures
from model.core.errors import KnownError
from model.core.util import now_iso
from model.report.handover import ImportResult, PackageSummary
from model.report.handover_apply import apply_merge
from model.report.handover_cases import attach, detach, package_file
from model.report.handover_merge import INCOMING, LOCAL, ON_CONFLICT, MergePlan, plan_merge
from model.report.handover_sync import Snapshot, take_snapshot
from model.store.backups import backup_now
from model.store.files import store_error

_POLICY = {"keep-local": LOCAL, "take-incoming": INCOMING}


def merge_package(db: Database, package: Database, summary: PackageSummary, result: ImportResult, *,
                  dry_run: bool, on_conflict: str, decisions: dict[tuple[str, str], str],
                  backup_to: Path | None, merged_by: str | None) -> ImportResult:
    """Plan the merge into `result`; apply it unless a dry run or a conflict is left undecided."""
    if on_conflict not in ON_CONFLICT:
        raise KnownError(f"Unknown conflict rule {on_conflict!r}.", hint="Use stop, keep-local or take-incoming.")
    audit_id = int(result.audits[0]["id"])
    result.merge_needed, result.audit_id = True, audit_id
    local = take_snapshot(db, audit_id, cases=False)
    incoming = take_snapshot(package, int(package.execute("SELECT id FROM audits WHERE uid = ?",
                                                          [local.audit_uid]).fetchone()[0]), cases=False)
    plan = plan_merge(db, local, incoming, package, package_file(package))
    _describe(result, plan)
    chosen = dict(decisions)
    if on_conflict in _POLICY:
        for conflict in plan.conflicts:
            chosen.setdefault((conflict.kind, conflict.uuid), _POLICY[on_conflict])
    open_conflicts = plan.unresolved(chosen)
    if open_conflicts:
        result.message = (f"{len(open_conflicts)} record(s) changed on both sides (or a criterion defined "
                          "differently) must be resolved first. Nothing was changed.")
        return result
    if not (plan.added or plan.updated or plan.deleted or plan.conflicts):
        result.message = "Your copy already holds everything in this package. Nothing was changed."
        return result
    if dry_run:
        result.message = "Dry run: nothing was changed."
        return result
    if backup_to is not None:
        result.backup = backup_now(db, backup_to, reason="before-merge")
    attach(db, package_file(package))
    try:
        with db.atomic():
            _apply(db, package, summary, local, incoming, plan, chosen, audit_id, merged_by)
    except sqlite3.Error as exc:
        raise store_error(exc, backup_to or summary.path) from exc
    finally:
        detach(db)
    result.applied, result.merged = True, True
    result.message = "The package was merged into your copy of the audit."
    return result


def _apply(db: Database, package: Database, summary: PackageSummary, local: Snapshot, incoming: Snapshot,
           plan: MergePlan, chosen: dict[tuple[str, str], str], audit_id: int, merged_by: str | None) -> None:
    from model.report.handover_import import keep_tombstones, record_handover, sha256_of

    measures = copy_measures(package, db, [int(r[0]) for r in package.execute(
        "SELECT measure_id FROM benchmark_links WHERE audit_id = ?", [incoming.audit_id])])
    collector = summary.note.from_name
    taken = apply_merge(db, package, local, incoming, plan, chosen, measures=measures, collector=collector)
    sha = sha256_of(summary.path)
    record_handover(db, audit_id, summary, sha)
    keep_tombstones(db, package)
    info = dict(package.execute("SELECT key, value FROM package_info").fetchall())
    db.execute("INSERT INTO merges (audit_id, merged_at, merged_by, package_name, package_sha256, from_site, "
               "from_name, taken_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [audit_id, now_iso(), merged_by or _user(), summary.path.name, sha, str(info.get("site_id", "")),
                collector, json.dumps(taken)])


def _describe(result: ImportResult, plan: MergePlan) -> None:
    result.added = {k: len(v) for k, v in plan.added.items()}
    result.updated = {k: len(v) for k, v in plan.updated.items()}
    result.unchanged = dict(plan.unchanged)
    result.kept_local = dict(plan.kept_local)
    result.deleted = {k: len(v) for k, v in plan.deleted.items()}
    result.not_resurrected = dict(plan.not_resurrected)
    result.conflicts = [c.as_json() for c in plan.conflicts]
    result.duplicates = plan.duplicates


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def merge_log(db: Database, audit_id: int) -> list[dict[str, object]]:
    """The merges into an audit, newest first."""
    cursor = db.execute("SELECT * FROM merges WHERE audit_id = ? ORDER BY id DESC", [audit_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

