"""Audits: the register an audit department keeps, one row per audit.

Every edit is committed at once. Deleting is soft (a bin), so it can be undone.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any, NewType

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import new_uid, now_iso, parse_iso_date, saved
from model.plan.criteria import add_criterion
from model.plan.cycles import Cycle, create_cycle, get_cycle, list_cycles, update_cycle
from model.plan.cycles import validate as validate_cycle
from model.plan.standards import criteria_from_standard, get_standard
from model.store.rows import inserted_id

AuditId = NewType("AuditId", int)

AUDIT_TYPES = {
    "new": "New audit",
    "re_audit": "Re-audit",
    "national_participation": "National audit (local participation)",
    "ward_monitoring": "Ward monitoring",
}
PRIORITIES = {
    "national": "National / external must-do",
    "trust": "Trust priority",
    "local": "Local / clinician interest",
}
STATUSES = {
    "proposed": "Proposed",
    "approved": "Approved",
    "data_collection": "Data collection",
    "analysis": "Analysis",
    "action_planning": "Action planning",
    "reaudit_due": "Re-audit due",
    "complete": "Complete",
    "abandoned": "Abandoned",
}
# Which stage of the cycle each status sits at (index into STAGES in model.plan.stages).
CLOSED_STATUSES = {"complete", "abandoned"}


@dataclass
class Audit:
    """One audit as the department registers it."""

    title: str
    id: AuditId | None = None
    uid: str = ""
    aim: str = ""
    objectives: str = ""
    specialty: str = ""
    directorate: str = ""
    lead: str = ""
    supervisor: str = ""
    team: str = ""
    registration_number: str = ""
    audit_type: str = "new"
    priority: str = "local"
    status: str = "proposed"
    abandoned_reason: str = ""
    standard_id: int | None = None
    registered_on: str | None = None
    approved_on: str | None = None
    collection_start: str | None = None
    collection_end: str | None = None
    report_due: str | None = None
    reaudit_due: str | None = None
    is_audit_confirmed: bool = False
    audit_tests_json: str = "{}"
    ig_notes: str = ""
    notes: str = ""
    rag_tolerance: float = 10.0
    small_number_threshold: int = 5
    keep_identifiers: bool = False
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    extra: dict[str, object] = field(default_factory=dict, repr=False)

    def next_due(self) -> tuple[str, date] | None:
        """The earliest open key date (report or re-audit), as (label, date)."""
        return next_due(self.status, self.report_due, self.reaudit_due)

    def is_overdue(self, on: date) -> bool:
        """True when a key date has passed and the audit is still open."""
        due = self.next_due()
        return due is not None and due[1] < on


_COLUMNS = [f.name for f in fields(Audit) if f.name not in {"id", "extra"}]


def next_due(status: str, report_due: str | None, reaudit_due: str | None) -> tuple[str, date] | None:
    """An audit's earliest open key date (report or re-audit) as (label, date), from its stored
    fields; None once it is complete or abandoned, or when neither date is set."""
    if status in CLOSED_STATUSES:
        return None
    named = [("Report", parse_iso_date(report_due)), ("Re-audit", parse_iso_date(reaudit_due))]
    dues = [(label, d) for label, d in named if d is not None]
    return min(dues, key=lambda item: item[1]) if dues else None


DATE_FIELDS = ("registered_on", "approved_on", "collection_start", "collection_end", "report_due", "reaudit_due")
# HQIP's questions that separate audit from research: every answer must be "yes".
AUDIT_TESTS = {
    "measures_against_standard": "It measures current care against an explicit standard",
    "no_new_treatment": "It involves no new treatment or intervention",
    "no_randomisation": "Patients are not randomised or allocated to groups",
    "no_extra_burden": "Patients have no extra tests, visits or burden beyond normal care",
}
RESEARCH_WARNING = ("This may be research or service evaluation rather than audit — talk to your R&D office "
                    "before you collect any data.")
KEEP_IDENTIFIERS_WARNING = ("Patient identifiers (NHS and hospital numbers) will be kept in this file. Only do this "
                            "if your information-governance approval allows it, and keep the file on a secure "
                            "trust drive.")


def field_problems(audit: Audit) -> dict[str, str]:
    """Problems that stop an audit being saved, keyed by the field they belong to."""
    problems: dict[str, str] = {}
    if not audit.title.strip():
        problems["title"] = "An audit needs a title."
    if audit.audit_type not in AUDIT_TYPES:
        problems["audit_type"] = f"Unknown audit type '{audit.audit_type}'."
    if audit.priority not in PRIORITIES:
        problems["priority"] = f"Unknown priority '{audit.priority}'."
    if audit.status not in STATUSES:
        problems["status"] = f"Unknown status '{audit.status}'."
    if audit.status == "abandoned" and not audit.abandoned_reason.strip():
        problems["abandoned_reason"] = "Say why the audit was abandoned."
    if not 0 <= audit.rag_tolerance <= 100:
        problems["rag_tolerance"] = "The amber tolerance must be between 0 and 100 percentage points."
    if audit.small_number_threshold < 0:
        problems["small_number_threshold"] = "The small-number threshold cannot be negative."
    problems.update(_date_problems(audit))
    return problems


def _date_problems(audit: Audit) -> dict[str, str]:
    problems = {}
    for name in DATE_FIELDS:
        value = getattr(audit, name)
        try:
            parse_iso_date(value)
        except ValueError:
            problems[name] = f"{name.replace('_', ' ').capitalize()} is not a date: {value!r}."
    if "collection_start" not in problems and "collection_end" not in problems:
        start, end = parse_iso_date(audit.collection_start), parse_iso_date(audit.collection_end)
        if start and end and end < start:
            problems["collection_end"] = "Data collection ends before it starts."
    return problems


def validate(audit: Audit) -> list[str]:
    """Problems that stop an audit being saved, in plain words (empty list = fine)."""
    return list(field_problems(audit).values())


def audit_tests(audit: Audit) -> dict[str, bool]:
    """The HQIP audit-not-research answers (False for unanswered)."""
    try:
        stored = json.loads(audit.audit_tests_json or "{}")
    except json.JSONDecodeError:
        stored = {}
    if not stored and audit.is_audit_confirmed:
        # Confirmed as a whole before the tests were recorded one by one.
        return dict.fromkeys(AUDIT_TESTS, True)
    return {key: bool(stored.get(key, False)) for key in AUDIT_TESTS}


def set_audit_tests(audit: Audit, answers: dict[str, bool]) -> Audit:
    """Record the answers; the audit counts as confirmed only when every test is passed."""
    clean = {key: bool(answers.get(key, False)) for key in AUDIT_TESTS}
    audit.audit_tests_json = json.dumps(clean, sort_keys=True)
    audit.is_audit_confirmed = all(clean.values())
    return audit


def audit_test_message(answers: dict[str, bool]) -> str:
    """What to tell the user about the answers: '' when all pass, advice otherwise."""
    ticked = [key for key in AUDIT_TESTS if answers.get(key)]
    if len(ticked) == len(AUDIT_TESTS):
        return ""
    if not ticked:
        return "Tick each statement that is true of this project to confirm it is audit."
    return RESEARCH_WARNING


def _row_to_audit(row: dict[str, Any]) -> Audit:
    known = {k: row[k] for k in _COLUMNS if k in row}
    audit = Audit(id=AuditId(row["id"]), **known)
    audit.is_audit_confirmed = bool(audit.is_audit_confirmed)
    audit.keep_identifiers = bool(audit.keep_identifiers)
    return audit


def create_audit(db: Database, audit: Audit) -> Audit:
    """Validate and store a new audit; returns it with id and uid set."""
    problems = validate(audit)
    if problems:
        raise KnownError(" ".join(problems))
    stamp = now_iso()
    audit.uid = audit.uid or new_uid()
    audit.created_at = audit.created_at or stamp
    audit.updated_at = stamp
    audit.registered_on = audit.registered_on or stamp[:10]
    values = {k: v for k, v in asdict(audit).items() if k in _COLUMNS}
    with db.atomic():
        audit.id = AuditId(inserted_id(db.table("audits").insert(values)))
    return audit


def update_audit(db: Database, audit: Audit) -> Audit:
    """Validate and save every field of an existing audit."""
    if audit.id is None:
        raise ValueError("update_audit needs a stored audit")
    problems = validate(audit)
    if problems:
        raise KnownError(" ".join(problems))
    audit.updated_at = now_iso()
    values = {k: v for k, v in asdict(audit).items() if k in _COLUMNS}
    with db.atomic():
        db.table("audits").update(audit.id, values)
    return audit


def register_new_audit(db: Database, audit: Audit, standard_id: int | None = None, *,
                       copy_criteria: bool = False) -> tuple[Audit, Cycle]:
    """Create an audit with its baseline cycle (cycle 1) in one transaction.

    Args:
        db: the store.
        audit: the new audit (title required).
        standard_id: the library standard it measures against, if chosen; the cycle records its version.
        copy_criteria: also add the standard's criteria to cycle 1.

    Returns:
        The stored audit and its baseline cycle.
    """
    standard = get_standard(db, standard_id) if standard_id is not None else None
    audit.standard_id = standard_id
    with db.atomic():
        audit = create_audit(db, audit)
        cycle = create_cycle(db, Cycle(audit_id=saved(audit.id), standard_id=standard_id,
                                       standard_version=standard.version if standard else ""))
        if standard is not None and copy_criteria:
            for criterion in criteria_from_standard(standard):
                add_criterion(db, saved(cycle.id), criterion)
    return audit, cycle


def get_audit(db: Database, audit_id: int) -> Audit:
    """One audit by id (including binned ones)."""
    rows = list(db.query("SELECT * FROM audits WHERE id = ?", [audit_id]))
    if not rows:
        raise KnownError(f"Audit {audit_id} no longer exists.")
    return _row_to_audit(rows[0])


def list_audits(db: Database, *, include_deleted: bool = False, only_deleted: bool = False) -> list[Audit]:
    """All audits in the register, newest first (the bin is separate)."""
    where = "deleted_at IS NOT NULL" if only_deleted else ("1=1" if include_deleted else "deleted_at IS NULL")
    rows = db.query(f"SELECT * FROM audits WHERE {where} ORDER BY updated_at DESC, id DESC")
    return [_row_to_audit(r) for r in rows]


def delete_audit(db: Database, audit_id: int) -> None:
    """Move an audit to the bin (undoable with `restore_audit`)."""
    with db.atomic():
        db.execute("UPDATE audits SET deleted_at = ? WHERE id = ?", [now_iso(), audit_id])


def restore_audit(db: Database, audit_id: int) -> None:
    """Take an audit out of the bin."""
    with db.atomic():
        db.execute("UPDATE audits SET deleted_at = NULL WHERE id = ?", [audit_id])


def purge_audit(db: Database, audit_id: int) -> None:
    """Delete a binned audit for good, with its cycles, cases and actions.

    The store's connections run with `secure_delete`, so the rows are overwritten in the file;
    a checkpoint then moves them out of the write-ahead log too. Backups taken earlier still
    hold the audit: see `model.collect.identifier_scan.backups_holding_audit`.
    """
    with db.atomic():
        db.execute("DELETE FROM audits WHERE id = ? AND deleted_at IS NOT NULL", [audit_id])
    with contextlib.suppress(sqlite3.Error):  # another reader may hold the log: it truncates later
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def specialties(db: Database) -> list[str]:
    """Distinct specialties in use, for the register's filter."""
    rows = db.execute(
        "SELECT DISTINCT specialty FROM audits WHERE deleted_at IS NULL AND specialty != '' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def directorates(db: Database) -> list[str]:
    """Distinct directorates in use, for the dashboard's filter."""
    rows = db.execute(
        "SELECT DISTINCT directorate FROM audits WHERE deleted_at IS NULL AND directorate != '' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def leads(db: Database) -> list[str]:
    """Distinct audit leads in use, for the register's filter."""
    rows = db.execute(
        "SELECT DISTINCT lead FROM audits WHERE deleted_at IS NULL AND lead != '' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


# --- the audit's collection dates and cycle 1's period ----------------------------------------
# Two places hold "when data is collected": the audit's key dates and each cycle's period. When
# the user fills one side, the empty ends of the other (cycle 1 only) are filled to match; a date
# already there is never replaced, and the caller says what was filled.

CYCLE_FILLED_MESSAGE = "Cycle 1's period was set from the audit's collection dates."
AUDIT_FILLED_MESSAGE = "The audit's collection dates were set from Cycle 1's period."


def fill_cycle_period_from_audit(db: Database, audit_id: int) -> Cycle | None:
    """Copy the audit's collection dates into the empty ends of cycle 1's period.

    Returns:
        The saved cycle 1 when a date was filled; None when nothing was empty, there is nothing to
        copy, the audit has no cycle, or the result would not be a valid period.
    """
    audit = get_audit(db, audit_id)
    cycles = list_cycles(db, audit_id)
    if not cycles or cycles[0].number != 1:
        return None
    cycle = cycles[0]
    start = cycle.period_start or audit.collection_start
    end = cycle.period_end or audit.collection_end
    if (start, end) == (cycle.period_start, cycle.period_end):
        return None
    candidate = replace(cycle, period_start=start, period_end=end)
    return None if validate_cycle(candidate) else update_cycle(db, candidate)


def fill_audit_dates_from_cycle(db: Database, cycle_id: int) -> Audit | None:
    """Copy cycle 1's period into the empty ends of its audit's collection dates.

    Returns:
        The saved audit when a date was filled; None for a later cycle, when nothing was empty or
        there is nothing to copy, or when the result would not be valid.
    """
    cycle = get_cycle(db, cycle_id)
    if cycle.number != 1:
        return None
    audit = get_audit(db, cycle.audit_id)
    start = audit.collection_start or cycle.period_start
    end = audit.collection_end or cycle.period_end
    if (start, end) == (audit.collection_start, audit.collection_end):
        return None
    candidate = replace(audit, collection_start=start, collection_end=end)
    return None if validate(candidate) else update_audit(db, candidate)


def collection_dates_note(audit: Audit, cycles: list[Cycle]) -> str:
    """A gentle note when the audit's collection dates disagree with its cycles' periods ("" otherwise).

    The audit's dates may cover one cycle or run across several (first start to last end), so they
    agree when a cycle starts on the audit's start and a cycle ends on its end (an unset audit date
    agrees with anything). Both are kept as the user typed them: the note says which one counts.
    """
    if not cycles:
        return ""
    starts, ends = {c.period_start for c in cycles}, {c.period_end for c in cycles}
    start_ok = audit.collection_start is None or audit.collection_start in starts
    end_ok = audit.collection_end is None or audit.collection_end in ends
    if start_ok and end_ok:
        return ""
    periods = [f"{c.title}, {_span(c.period_start, c.period_end)}" for c in cycles]
    which = f"the period of {periods[0]}" if len(cycles) == 1 else f"the cycles' periods ({'; '.join(periods)})"
    return (f"The audit's key dates say data collection runs {_span(audit.collection_start, audit.collection_end)}, "
            f"which does not match {which}. "
            "Case dates are checked against each cycle's own period; change either if one is out of date.")


def _span(start: str | None, end: str | None) -> str:
    def text(iso: str | None) -> str:
        day = parse_iso_date(iso)
        return f"{day.day} {day:%b %Y}" if day else "not set"

    return f"{text(start)} – {text(end)}"
