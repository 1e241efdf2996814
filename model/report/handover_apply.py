"""Applying a merge plan (model.report.handover_merge) to the data file, inside the caller's transaction.

Incoming rows are written with this file's ids: each link (audit, cycle, criterion, import,
recommendation, action, standard, national measure) and each case's packed criterion list is
translated package id → record key → local id. Added records are inserted (a cycle whose number
is taken here is numbered after the last; a case without a collector gets the sender's name),
updated ones and conflicts resolved for the incoming side are overwritten (a case's NHS and
hospital numbers, which never travel, stay as they are), and deletions passed on are applied
(cases go to the bin). A criterion whose definition differed has all its answers re-judged
under the definition kept. The merge base is then the incoming copy: a record kept local is
seen as changed here the next time, so the other side takes it.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from model.collect.rederive import rejudge_stored
from model.core.util import now_iso
from model.report.handover import TABLES, Copied
from model.report.handover_cases import insert_cases
from model.report.handover_merge import INCOMING, MergePlan
from model.report.handover_sync import COPIED, Snapshot, key_column, record_base, rows_of

#: Kinds no other record points to: inserted in bulk, their new ids not needed.
_LEAVES = {"cases", "criterion_changes", "action_deadline_revisions", "action_notes", "chart_annotations",
           "report_sections", "generated_reports", "handovers", "benchmark_links"}
_NULLABLE = {("audits", "standard_id"), ("cycles", "standard_id"), ("cases", "import_id"),
             ("recommendations", "cycle_id"), ("actions", "recommendation_id")}
_NEVER_UPDATED = {"id", "uuid", "uid", "created_at", "deleted_at", "nhs_number", "hospital_number"}


class _Writer:
    """The translation of ids from the package to this file, and the writes."""

    def __init__(self, db: Database, package: Database, local: Snapshot, incoming: Snapshot,
                 measures: dict[int, int], collector: str) -> None:
        self.db, self.package, self.incoming, self.measures = db, package, incoming, measures
        self.collector = collector
        self.ids: dict[str, dict[str, int]] = {kind: dict(side.id_of) for kind, side in local.sides.items()}
        self.skipped = self.renamed = 0

    def local_id(self, parent: str, package_id: Any) -> int | None:
        if package_id is None:
            return None
        if parent == "benchmark_measures":
            return self.measures.get(int(package_id))
        key = self.incoming[parent].key_of.get(int(package_id))
        return self.ids.get(parent, {}).get(key) if key is not None else None

    def rows(self, kind: str, keys: list[str]) -> list[tuple[str, dict[str, Any]]]:
        """(key, the incoming row with local ids) for each record whose linked records are here."""
        copied, out = COPIED[kind], []
        for row in rows_of(self.package, self.incoming, kind, keys):
            key = _key(self.incoming, kind, row)
            row.pop("id", None)
            if (values := self._translated(copied, row)) is None:
                self.skipped += 1
            else:
                out.append((key, values))
        return out

    def _translated(self, copied: Copied, values: dict[str, Any]) -> dict[str, Any] | None:
        for column, parent in copied.parents.items():
            if column in values and values[column] is not None:
                values[column] = self.local_id(parent, values[column])
                if values[column] is None and (copied.table, column) not in _NULLABLE:
                    return None
        if copied.table == "cases":
            packed = str(values.get("answer_criteria") or "")
            if packed:
                mapped = [self.local_id("criteria", i) for i in packed.split(",")]
                if None in mapped:
                    return None
                values["answer_criteria"] = ",".join(str(i) for i in mapped)
        return values

    def insert(self, kind: str, keys: list[str]) -> None:
        if kind == "cases":  # possibly 100,000 of them: inside SQLite
            if keys:
                self.renamed += insert_cases(self.db, self.incoming.audit_id, self._package_ids(), only=keys,
                                             collector=self.collector)
            return
        rows = self.rows(kind, keys)
        if kind == "standards":
            rows = [(k, v) for k, v in rows if not self._known_standard(k)]
        if kind == "cases":
            for _k, values in rows:
                values["collector"] = values.get("collector") or self.collector or None
        if not rows:
            return
        if kind in _LEAVES:
            columns = list(rows[0][1])
            quoted, marks = ", ".join(f'"{c}"' for c in columns), ", ".join("?" * len(columns))
            self.db.conn.executemany(f'INSERT INTO "{kind}" ({quoted}) VALUES ({marks})',
                                     [[v[c] for c in columns] for _k, v in rows])
            return
        for key, values in rows:
            if kind == "cycles":
                values["number"] = self._free_cycle_number(int(values["audit_id"]), int(values["number"]))
            quoted = ", ".join(f'"{c}"' for c in values)
            cursor = self.db.execute(f'INSERT INTO "{kind}" ({quoted}) VALUES ({", ".join("?" * len(values))})',
                                     list(values.values()))
            self.ids.setdefault(kind, {})[key] = int(cursor.lastrowid or 0)

    def update(self, kind: str, keys: list[str]) -> None:
        """Overwrite with the incoming version (its stamp too, so both copies agree on the version)."""
        for key, values in self.rows(kind, keys):
            if kind == "cases" and not values.get("collector"):
                values.pop("collector", None)  # no name on their side: keep ours
            changed = {c: v for c, v in values.items() if c not in _NEVER_UPDATED}
            assignments = ", ".join(f'"{c}" = ?' for c in changed)
            column = key_column(kind)
            where, value = (column, key) if column is not None else ("rowid", self.ids[kind][key])
            self.db.execute(f'UPDATE "{kind}" SET {assignments} WHERE "{where}" = ?', [*changed.values(), value])

    def delete(self, kind: str, keys: list[str]) -> None:
        if kind == "cases":
            self.db.conn.executemany("UPDATE cases SET deleted_at = ? WHERE uuid = ? AND deleted_at IS NULL",
                                     [(now_iso(), k) for k in keys])
        elif kind not in ("audits", "standards", "report_sections", "handovers"):
            self.db.conn.executemany(f'DELETE FROM "{kind}" WHERE uuid = ?', [(k,) for k in keys])

    def _package_ids(self) -> dict[str, dict[int, int]]:
        """Package id -> local id for the records cases point at."""
        return {kind: {pkg_id: self.ids[kind][key] for pkg_id, key in self.incoming[kind].key_of.items()
                       if key in self.ids.get(kind, {})} for kind in ("cycles", "imports", "criteria")}

    def _known_standard(self, key: str) -> bool:
        row = self.db.execute("SELECT id FROM standards WHERE uid = ?", [key]).fetchone()
        if row is not None:
            self.ids.setdefault("standards", {})[key] = int(row[0])
        return row is not None

    def _free_cycle_number(self, audit_id: int, number: int) -> int:
        taken = self.db.execute("SELECT 1 FROM cycles WHERE audit_id = ? AND number = ?", [audit_id, number]).fetchone()
        if taken is None:
            return number
        return int(self.db.execute("SELECT MAX(number) + 1 FROM cycles WHERE audit_id = ?", [audit_id]).fetchone()[0])


def _key(snapshot: Snapshot, kind: str, row: dict[str, Any]) -> str:
    if kind in ("standards", "audits"):
        return str(row["uid"])
    if kind == "report_sections":
        return f"{snapshot['cycles'].key_of.get(int(row['cycle_id']), '?')}/{row['section']}"
    if kind == "handovers":
        return f"{row['direction']}/{row['recorded_at']}/{row['from_name']}"
    return str(row["uuid"])


def apply_merge(db: Database, package: Database, local: Snapshot, incoming: Snapshot, plan: MergePlan,
                decisions: dict[tuple[str, str], str], *, measures: dict[int, int], collector: str) -> dict[str, Any]:
    """Write the plan with every conflict decided; what was taken (for the merge log)."""
    writer = _Writer(db, package, local, incoming, measures, collector)
    taken = [c for c in plan.conflicts if decisions[(c.kind, c.uuid)] == INCOMING]
    for copied in TABLES:
        kind = copied.table
        writer.insert(kind, plan.added.get(kind, []))
        writer.update(kind, plan.updated.get(kind, []) + [c.uuid for c in taken if c.kind == kind])
    for copied in reversed(TABLES):
        writer.delete(copied.table, plan.deleted.get(copied.table, []))
    rejudged = 0
    for conflict in plan.conflicts:
        if conflict.kind == "criteria" and conflict.reason == "definition":
            rejudged += rejudge_stored(db, writer.ids["criteria"][conflict.uuid]).changed
    record_base(db, incoming, plan.base)
    db.conn.executemany("INSERT OR REPLACE INTO sync_base (kind, uuid, audit_uid, rev) VALUES ('cases', ?, ?, ?)",
                        [(uuid, plan.audit_uid, rev) for uuid, rev in plan.case_base])
    return {"added": {k: len(v) for k, v in plan.added.items()}, "updated": dict(plan.updated),
            "conflicts_taken_incoming": [c.uuid for c in taken],
            "conflicts_kept_local": [c.uuid for c in plan.conflicts if c not in taken],
            "deleted": plan.deleted, "answers_rejudged": rejudged, "skipped": writer.skipped,
            "case_refs_renamed": writer.renamed}
