"""Merging a package into a copy of the same audit: what would change (`plan_merge`).

Records are matched by key (model.report.handover_sync). For each incoming record, by its `rev`
stamp against the local copy's and the merge base (its stamp when it last left or entered this
file):

- not here: **added** (unless this file deleted it for good: a tombstone, never resurrected);
- same content: **unchanged**;
- changed only on the incoming side (local = base): **updated**;
- changed only here (incoming = base): kept (`kept_local`);
- changed on both sides, or no base to tell: compared field by field, a **conflict** unless
  the same; nothing is applied until each is resolved (`decisions`, or `on_conflict` for all).

A criterion whose definition (what decides an outcome) differs is always a conflict, even when
only one side changed it: the cases cannot be merged until the user has chosen the definition
(the cases judged under the other one are then re-judged). Binned cases and the package's
tombstones pass deletions on: a deletion is never undone by the other side's copy. The same
patient pseudonym with the same case date, from another collector, is a probable duplicate.
Applying the plan: model.report.handover_apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from model.collect.rederive import DERIVING_FIELDS
from model.report.handover_sync import Snapshot, base_revs, case_changes, contents, tombstoned

LOCAL, INCOMING = "local", "incoming"
ON_CONFLICT = ("stop", "keep-local", "take-incoming")
_LABEL_COLUMNS = ("title", "short_name", "case_ref", "text", "label", "section", "number", "file_name")


@dataclass
class Conflict:
    """One record changed on both sides (or a criterion defined differently): the fields that differ."""

    kind: str
    uuid: str
    label: str
    fields: list[str]
    local: dict[str, Any]
    incoming: dict[str, Any]
    reason: str  # "both" | "no_base" | "definition"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "uuid": self.uuid, "label": self.label, "fields": self.fields,
                "local": {f: self.local.get(f) for f in self.fields},
                "incoming": {f: self.incoming.get(f) for f in self.fields}, "reason": self.reason}


@dataclass
class MergePlan:
    """What merging the package would do, kind by kind (keys are record keys)."""

    audit_uid: str
    added: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    kept_local: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)  # deleted here because the other side did
    not_resurrected: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    base: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # the merge base read, by kind
    case_base: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (uuid, rev) to remember

    def unresolved(self, decisions: dict[tuple[str, str], str]) -> list[Conflict]:
        return [c for c in self.conflicts if decisions.get((c.kind, c.uuid)) not in (LOCAL, INCOMING)]


def plan_merge(db: Database, local: Snapshot, incoming: Snapshot, package: Database, package_path: str) -> MergePlan:
    """Compare the two copies of one audit and the merge base; nothing is written.

    The snapshots leave the cases out: they are compared in SQL (handover_sync.case_changes).
    """
    plan = MergePlan(local.audit_uid)
    unsure: dict[str, list[str]] = {}  # both changed, or no base: compared field by field
    _cases(db, plan, local, incoming, package_path, unsure)
    for kind, theirs in incoming.sides.items():
        if kind in ("standards", "cases"):
            continue  # a standard the file has is reused as it is
        mine = local[kind]
        base = plan.base[kind] = base_revs(db, local.audit_uid, kind)
        new = [k for k in theirs.revs if k not in mine.revs]
        gone = tombstoned(db, kind, new) if new and kind != "audits" else set()
        _count(plan.not_resurrected, kind, len(gone))
        if added := [k for k in new if k not in gone]:
            plan.added[kind] = added
        for key, their_rev in theirs.revs.items():
            if key not in mine.revs:
                continue
            if key in mine.deleted:
                _count(plan.unchanged if key in theirs.deleted else plan.not_resurrected, kind, 1)
            elif key in theirs.deleted:
                plan.deleted.setdefault(kind, []).append(key)
            elif mine.revs[key] == their_rev:
                _count(plan.unchanged, kind, 1)
            elif base.get(key) == mine.revs[key]:
                plan.updated.setdefault(kind, []).append(key)
            elif base.get(key) == their_rev:
                _count(plan.kept_local, kind, 1)
            else:
                unsure.setdefault(kind, []).append(key)
    for kind, keys in unsure.items():
        _compare(db, package, plan, local, incoming, kind, keys, plan.base[kind])
    _definitions(db, package, plan, local, incoming)
    _deletions(db, plan, local, incoming, package)
    plan.duplicates = _probable_duplicates(db, package, local, incoming, plan.added.get("cases", []))
    return plan


def _cases(db: Database, plan: MergePlan, local: Snapshot, incoming: Snapshot, package_path: str,
           unsure: dict[str, list[str]]) -> None:
    total, changes = case_changes(db, package_path, local.audit_id, incoming.audit_id)
    _count(plan.unchanged, "cases", total - len(changes))
    new = [c.uuid for c in changes if c.local_rev is None]
    gone = tombstoned(db, "cases", new) if new else set()
    _count(plan.not_resurrected, "cases", len(gone))
    if added := [k for k in new if k not in gone]:
        plan.added["cases"] = added
    plan.base["cases"] = {c.uuid: c.base for c in changes if c.base is not None}
    plan.case_base = [(c.uuid, c.rev) for c in changes if c.base != c.rev and c.uuid not in gone]
    for c in changes:
        if c.local_rev is None:
            continue
        if c.local_deleted:
            _count(plan.unchanged if c.deleted else plan.not_resurrected, "cases", 1)
        elif c.deleted:
            plan.deleted.setdefault("cases", []).append(c.uuid)
        elif c.local_rev == c.rev:
            _count(plan.unchanged, "cases", 1)
        elif c.base == c.local_rev:
            plan.updated.setdefault("cases", []).append(c.uuid)
        elif c.base == c.rev:
            _count(plan.kept_local, "cases", 1)
        else:
            unsure.setdefault("cases", []).append(c.uuid)


def _compare(db: Database, package: Database, plan: MergePlan, local: Snapshot, incoming: Snapshot, kind: str,
             keys: list[str], base: dict[str, str]) -> None:
    """Records whose stamps differ with no base to tell which side changed: a conflict unless the same."""
    mine, theirs = contents(db, local, kind, keys), contents(package, incoming, kind, keys)
    for key in keys:
        fields = [f for f in mine[key] if mine[key][f] != theirs[key].get(f)]
        if not fields:
            _count(plan.unchanged, kind, 1)
            continue
        reason = "both" if key in base else "no_base"
        plan.conflicts.append(Conflict(kind, key, _label(mine[key]), fields, mine[key], theirs[key], reason))


def _definitions(db: Database, package: Database, plan: MergePlan, local: Snapshot, incoming: Snapshot) -> None:
    """A criterion judged differently in the two copies is a conflict even when only one side changed it."""
    keys = [k for k in incoming["criteria"].revs if k in local["criteria"].revs]
    mine, theirs = contents(db, local, "criteria", keys), contents(package, incoming, "criteria", keys)
    flagged = {c.uuid: c for c in plan.conflicts if c.kind == "criteria"}
    for key in keys:
        fields = [f for f in mine[key] if mine[key][f] != theirs[key].get(f)]
        if not any(f in DERIVING_FIELDS for f in fields):
            continue
        if key in flagged:
            flagged[key].reason = "definition"
            continue
        if key in plan.updated.get("criteria", []):
            plan.updated["criteria"].remove(key)
        else:  # counted as kept (changed here only) or, same stamp, unchanged
            counted = plan.unchanged if local["criteria"].revs[key] == incoming["criteria"].revs[key] \
                else plan.kept_local
            counted["criteria"] -= 1
        plan.conflicts.append(Conflict("criteria", key, _label(mine[key]), fields, mine[key], theirs[key],
                                       "definition"))
    plan.updated = {k: v for k, v in plan.updated.items() if v}
    plan.kept_local = {k: v for k, v in plan.kept_local.items() if v > 0}
    plan.unchanged = {k: v for k, v in plan.unchanged.items() if v > 0}


def _deletions(db: Database, plan: MergePlan, local: Snapshot, incoming: Snapshot, package: Database) -> None:
    """The package's tombstones for records this file still holds."""
    stones = package.execute("SELECT kind, uuid FROM tombstones").fetchall()
    case_keys = [str(k) for kind, k in stones if kind == "cases"]
    for start in range(0, len(case_keys), 500):
        chunk = case_keys[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        live = db.execute(f"SELECT uuid FROM cases WHERE deleted_at IS NULL AND uuid IN ({marks})", chunk).fetchall()
        plan.deleted.setdefault("cases", []).extend(str(r[0]) for r in live)
    plan.deleted = {k: v for k, v in plan.deleted.items() if v}
    for kind, key in stones:
        if kind == "cases":
            continue
        side = local.sides.get(str(kind))
        if side is None or str(key) not in side.revs or str(key) in side.deleted:
            continue
        if str(key) not in incoming[str(kind)].revs:
            plan.deleted.setdefault(str(kind), []).append(str(key))


def _probable_duplicates(db: Database, package: Database, local: Snapshot, incoming: Snapshot,
                         added: list[str]) -> list[dict[str, Any]]:
    """Added cases whose patient pseudonym and case date a live case of the same cycle already has."""
    if not added:
        return []
    sql = ("SELECT (SELECT uuid FROM cycles c WHERE c.id = x.cycle_id), x.patient_key, x.case_date, x.uuid, "
           "COALESCE(x.collector, '') FROM cases x WHERE x.cycle_id IN (SELECT id FROM cycles WHERE audit_id = ?) "
           "AND x.deleted_at IS NULL AND x.patient_key IS NOT NULL")
    seen = {(r[0], r[1], r[2]): r[3] for r in db.execute(sql, [local.audit_id])}
    wanted = set(added)
    found = []
    for cycle, patient, day, key, collector in package.execute(sql, [incoming.audit_id]):
        if key not in wanted:
            continue
        if (cycle, patient, day) in seen:
            found.append({"kind": "cases", "uuid": key, "other_uuid": seen[(cycle, patient, day)], "case_date": day,
                          "collector": collector, "reason": "same patient pseudonym and case date"})
        else:
            seen[(cycle, patient, day)] = key
    return found


def _label(named: dict[str, Any]) -> str:
    for column in _LABEL_COLUMNS:
        if named.get(column) not in (None, ""):
            return str(named[column])[:80]
    return ""


def _count(counts: dict[str, int], kind: str, n: int) -> None:
    if n:
        counts[kind] = counts.get(kind, 0) + n
