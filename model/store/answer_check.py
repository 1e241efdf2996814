"""Check each case's answers against the checksum written with them (migration m018).

SQLite cannot see a flipped bit inside a value, nor an edit made by another program: both pass
`PRAGMA integrity_check`. Every AuditLoop write of a case's answers stamps `answers_sum`
(model.store.case_answers); a case whose answers no longer match it was changed outside
AuditLoop. That is a warning, never a block: results are computed from the data as it is,
and the user may accept the changes, which re-stamps those cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from model.core.progress import Progress, report
from model.store.case_answers import PACKED_COLUMNS, SUM_COLUMN, answers_sum, restamp

_BATCH = 5000


@dataclass(frozen=True)
class ChangedCase:
    """A case whose stored answers differ from the checksum AuditLoop wrote with them."""

    case_id: int
    case_ref: str
    audit_id: int
    audit_title: str
    cycle_number: int

    def describe(self) -> str:
        return (f"Case {self.case_ref} (cycle {self.cycle_number} of “{self.audit_title}”): its answers were "
                "changed outside AuditLoop.")

    def as_warning(self) -> dict[str, object]:
        """The warning as CLI JSON carries it."""
        return {"kind": "case_changed_outside", "audit_id": self.audit_id, "audit_title": self.audit_title,
                "cycle": self.cycle_number, "case_id": self.case_id, "case_ref": self.case_ref,
                "message": self.describe()}


def changed_cases(db: Database, *, audit_id: int | None = None, cycle_ids: Sequence[int] | None = None,
                  progress: Progress | None = None) -> list[ChangedCase]:
    """The live cases (of one audit or some cycles, else all) whose answers do not match their sum."""
    where, params = "c.deleted_at IS NULL", []
    if audit_id is not None:
        where, params = where + " AND y.audit_id = ?", [audit_id]
    if cycle_ids is not None:
        where += f" AND c.cycle_id IN ({','.join('?' * len(cycle_ids)) or 'NULL'})"
        params += list(cycle_ids)
    total = db.execute(f"SELECT count(*) FROM cases c JOIN cycles y ON y.id = c.cycle_id WHERE {where}",
                       params).fetchone()[0]
    packed = ", ".join(f"c.{c}" for c in PACKED_COLUMNS)
    cursor = db.execute(f"SELECT c.id, {packed}, c.{SUM_COLUMN} FROM cases c JOIN cycles y ON y.id = c.cycle_id "
                        f"WHERE {where} ORDER BY c.id", params)
    bad: list[int] = []
    done = 0
    while rows := cursor.fetchmany(_BATCH):
        bad += [r[0] for r in rows if answers_sum(*r[1:5]) != r[5]]
        done += len(rows)
        report(progress, done, total, "Checking case answers…")
    return _describe(db, bad)


def _describe(db: Database, case_ids: list[int]) -> list[ChangedCase]:
    if not case_ids:
        return []
    marks = ",".join("?" * len(case_ids))
    rows = db.execute(f"SELECT c.id, c.case_ref, a.id, a.title, y.number FROM cases c "
                      f"JOIN cycles y ON y.id = c.cycle_id JOIN audits a ON a.id = y.audit_id "
                      f"WHERE c.id IN ({marks}) ORDER BY a.title, y.number, c.case_ref", case_ids).fetchall()
    return [ChangedCase(int(r[0]), str(r[1]), int(r[2]), str(r[3]), int(r[4])) for r in rows]


def accept_changes(db: Database, case_ids: Sequence[int]) -> int:
    """Take these cases' answers as they now are: re-stamp them (one transaction)."""
    if not case_ids:
        return 0
    with db.atomic():
        return restamp(db, f"id IN ({','.join('?' * len(case_ids))})", list(case_ids))


@dataclass(frozen=True)
class DataFileCheck:
    """What "Check data file" found: SQLite's own check, and cases changed outside AuditLoop."""

    problems: list[str]
    changed: list[ChangedCase]
    cases_checked: int

    @property
    def ok(self) -> bool:
        return not self.problems and not self.changed

    def summary(self) -> str:
        """One paragraph a clinician can act on."""
        if self.problems:
            return ("SQLite found damage in the file's structure: " + "; ".join(self.problems[:3]) +
                    ". Restore the latest good backup from File › Backups.")
        if self.changed:
            return "The file's structure is sound, but " + changed_text(len(self.changed), self.cases_checked)
        return f"The data file is sound: its structure passes SQLite's check and all {self.cases_checked:,} cases' " \
               "answers are as AuditLoop wrote them."


def changed_text(count: int, of: int | None = None) -> str:
    """What it means that `count` cases (of `of` checked) changed outside AuditLoop, and what to do."""
    if of is not None:
        some = f"{count} of {of:,} cases {'has' if count == 1 else 'have'}"
    else:
        some = "1 case has" if count == 1 else f"{count} cases have"
    return (f"{some} answers that were changed outside AuditLoop (a damaged disk, or another program). Results "
            "use the answers as they are now. Check those cases; if the changes are right, accept them; if not, "
            "restore a backup from File › Backups.")


def check_data_file(db: Database, progress: Progress | None = None) -> DataFileCheck:
    """SQLite's full `integrity_check`, then every live case's answers against their sums."""
    report(progress, 0, 1, "Checking the file's structure…")
    problems = [str(r[0]) for r in db.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
    count = db.execute("SELECT count(*) FROM cases WHERE deleted_at IS NULL").fetchone()[0]
    return DataFileCheck(problems, changed_cases(db, progress=progress), int(count))
