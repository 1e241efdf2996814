"""Merging a package into a copy of the same audit: what would change (`plan_merge`).

Records are matched by key (model.report.handover_sync). For each incoming record, against the
local copy and the merge base (its hash when it last left or entered this file):

- not here: **added** (unless this file deleted it for good: a tombstone, never resurrected);
- same content: **unchanged**;
- changed only on the incoming side (local = base): **updated**;
- changed only here (incoming = base): kept (`kept_local`);
- changed on both sides, or no base to tell: a **conflict**, shown field by field; nothing is
  applied until each is resolved (`decisions`, or `on_conflict` for all).

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
from model.report.handover_sync import Snapshot, base_hashes, tombstoned

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

    def unresolved(self, decisions: dict[tuple[str, str], str]) -> list[Conflict]:
        return [c for c in self.conflicts if decisions.get((c.kind, c.uuid)) not in (LOCAL, INCOMING)]


def plan_merge(db: Database, local: Snapshot, incoming: Snapshot, package: Database) -> MergePlan:
    """Compare the two copies of one audit and the merge base; nothing is written."""
    plan = MergePlan(local.audit_uid)
    for kind, theirs in incoming.tables.items():
        if kind == "standards":
            continue  # a standard the file has is reused as it is
        mine = local[kind]
        base = base_hashes(db, local.audit_uid, kind)
        new = [k for k in theirs.hashes if k not in mine.hashes]
        gone = tombstoned(db, kind, new) if new and kind != "audits" else set()
        _count(plan.not_resurrected, kind, len(gone))
        added = [k for k in new if k not in gone]
        if added:
            plan.added[kind] = added
        for key in theirs.hashes:
            if key in mine.hashes:
                _classify(plan, kind, key, mine, theirs, base.get(key))
    _deletions(plan, local, incoming, package)
    plan.duplicates = _probable_duplicates(local, incoming, plan.added.get("cases", []))
    return plan


def _classify(plan: MergePlan, kind: str, key: str, mine: Any, theirs: Any, base: str | None) -> None:
    local_hash, their_hash = mine.hashes[key], theirs.hashes[key]
    if "deleted_at" in mine.columns:
        if mine.deleted(key):
            _count(plan.unchanged if theirs.deleted(key) else plan.not_resurrected, kind, 1)
            return
        if theirs.deleted(key):
            plan.deleted.setdefault(kind, []).append(key)
            return
    if local_hash == their_hash:
        _count(plan.unchanged, kind, 1)
        return
    fields = [f for f, a, b in zip(mine.content, mine.values[key], theirs.values[key], strict=True) if a != b]
    redefined = kind == "criteria" and any(f in DERIVING_FIELDS for f in fields)
    if base == local_hash and not redefined:
        plan.updated.setdefault(kind, []).append(key)
    elif base == their_hash and not redefined:
        _count(plan.kept_local, kind, 1)
    else:
        reason = "definition" if redefined else ("both" if base is not None else "no_base")
        plan.conflicts.append(Conflict(kind, key, _label(mine.named(key)), fields, mine.named(key),
                                       theirs.named(key), reason))


def _deletions(plan: MergePlan, local: Snapshot, incoming: Snapshot, package: Database) -> None:
    """The package's tombstones for records this file still holds."""
    for kind, key in package.execute("SELECT kind, uuid FROM tombstones").fetchall():
        table = local.tables.get(str(kind))
        if table is None or str(key) not in table.hashes or (kind == "cases" and table.deleted(str(key))):
            continue
        if str(key) not in incoming[str(kind)].hashes:
            plan.deleted.setdefault(str(kind), []).append(str(key))


def _probable_duplicates(local: Snapshot, incoming: Snapshot, added: list[str]) -> list[dict[str, Any]]:
    """Added cases whose patient pseudonym and case date a live case of the same cycle already has."""
    mine, theirs = local["cases"], incoming["cases"]
    seen: dict[tuple[Any, ...], str] = {}
    for key, values in mine.values.items():
        named = dict(zip(mine.content, values, strict=True))
        if named.get("patient_key") and not mine.deleted(key):
            seen[(named["cycle_id"], named["patient_key"], named.get("case_date"))] = key
    found = []
    for key in added:
        named = theirs.named(key)
        if not named.get("patient_key") or theirs.deleted(key):
            continue
        slot = (named["cycle_id"], named["patient_key"], named.get("case_date"))
        if slot in seen:
            found.append({"kind": "cases", "uuid": key, "other_uuid": seen[slot], "case_date": named.get("case_date"),
                          "collector": named.get("collector") or "", "reason": "same patient pseudonym and case date"})
        else:
            seen[slot] = key
    return found


def _label(named: dict[str, Any]) -> str:
    for column in _LABEL_COLUMNS:
        if named.get(column) not in (None, ""):
            return str(named[column])[:80]
    return ""


def _count(counts: dict[str, int], kind: str, n: int) -> None:
    if n:
        counts[kind] = counts.get(kind, 0) + n
