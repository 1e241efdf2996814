"""The audit register as the audit department sees it: rows, search and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from model.plan.audits import AUDIT_TYPES, PRIORITIES, STATUSES, next_due
from model.plan.stages import current_stages

DUE_FILTERS = ("any", "due_30", "overdue")


@dataclass(frozen=True)
class RegisterRow:
    """One audit as a line of the register."""

    audit_id: int
    title: str
    registration_number: str
    specialty: str
    lead: str
    audit_type: str
    priority: str
    status: str
    stage: str
    cycles: int
    next_due_label: str
    next_due: date | None
    overdue: bool

    @property
    def status_label(self) -> str:
        """The status as people say it."""
        return STATUSES[self.status]

    @property
    def type_label(self) -> str:
        """The type as people say it."""
        return AUDIT_TYPES[self.audit_type]

    @property
    def priority_label(self) -> str:
        """The priority as people say it."""
        return PRIORITIES[self.priority]


# Only the columns a register row shows: `SELECT *` of a department's audits reads every aim,
# objective and note, and building an Audit of each cost more than the rest of the register.
_REGISTER_SQL = (
    "SELECT a.id, a.title, a.registration_number, a.specialty, a.lead, a.audit_type, a.priority, a.status, "
    "a.report_due, a.reaudit_due, (SELECT COUNT(*) FROM cycles y WHERE y.audit_id = a.id) "
    "FROM audits a WHERE a.deleted_at IS NULL ORDER BY a.updated_at DESC, a.id DESC")


def register_rows(db: Database, today: date) -> list[RegisterRow]:
    """Every live audit as a register row (overdue judged against `today`), newest change first."""
    rows = db.execute(_REGISTER_SQL).fetchall()
    stages = current_stages(db, {r[0]: r[7] for r in rows})
    found = []
    for audit_id, title, number, specialty, lead, audit_type, priority, status, report, reaudit, cycles in rows:
        due = next_due(status, report, reaudit)
        found.append(RegisterRow(
            audit_id=audit_id, title=title, registration_number=number, specialty=specialty, lead=lead,
            audit_type=audit_type, priority=priority, status=status, stage=stages[audit_id], cycles=cycles,
            next_due_label=due[0] if due else "", next_due=due[1] if due else None,
            overdue=due is not None and due[1] < today))
    return found


def filter_rows(rows: list[RegisterRow], *, text: str = "", specialty: str = "", status: str = "",
                lead: str = "", due: str = "any", today: date | None = None) -> list[RegisterRow]:
    """Rows matching every given filter; `text` searches title, number, lead and specialty."""
    needle = text.strip().lower()
    today = today or date.today()

    def keep(r: RegisterRow) -> bool:
        haystack = f"{r.title} {r.registration_number} {r.lead} {r.specialty}".lower()
        if needle and not all(word in haystack for word in needle.split()):
            return False
        if (specialty and r.specialty != specialty) or (status and r.status != status) or (lead and r.lead != lead):
            return False
        if due == "overdue":
            return r.overdue
        if due == "due_30":
            return r.next_due is not None and (r.next_due - today).days <= 30
        return True

    return [r for r in rows if keep(r)]
