"""The audit register as the audit department sees it: rows, search and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from model.core.util import saved
from model.plan.audits import AUDIT_TYPES, PRIORITIES, STATUSES, Audit, list_audits
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


def register_rows(db: Database, today: date) -> list[RegisterRow]:
    """Every live audit as a register row (overdue judged against `today`)."""
    counts = dict(db.execute("SELECT audit_id, COUNT(*) FROM cycles GROUP BY audit_id").fetchall())
    audits = list_audits(db)
    stages = current_stages(db, {saved(a.id): a.status for a in audits})
    return [_row(a, counts.get(a.id, 0), stages[saved(a.id)], today) for a in audits]


def _row(audit: Audit, cycles: int, stage: str, today: date) -> RegisterRow:
    due = audit.next_due()
    return RegisterRow(
        audit_id=saved(audit.id), title=audit.title, registration_number=audit.registration_number,
        specialty=audit.specialty, lead=audit.lead, audit_type=audit.audit_type, priority=audit.priority,
        status=audit.status, stage=stage, cycles=cycles,
        next_due_label=due[0] if due else "", next_due=due[1] if due else None,
        overdue=audit.is_overdue(today),
    )


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
