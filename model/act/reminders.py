"""Reminders: what needs doing, worked out from the data each time (never typed).

Each rule is a small pure function of plain facts and a given `today`, so its edges can be
tested; `compute_reminders` gathers the facts from the store and applies every rule.
What the user decided about a reminder (snoozed until a date, dismissed with a reason) is
kept in `reminder_states` (m015); `reminders` leaves out the ones so hidden.

`Reminder.days` is `due - today` in days: negative when overdue (−3 = three days late),
0 when due today. `stage` is the workspace stage that deals with it.

Which audits: never those in the bin or abandoned. Action reminders also cover complete
audits (an open action is still open); the audit-level reminders (re-audit, collection,
report, action plan, inactivity) are not raised for complete audits.
"""

from __future__ import annotations

import calendar
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.act.audit_facts import AuditFacts, day, gather
from model.core.errors import KnownError
from model.core.util import now_iso
from model.plan.stages import current_stage

KINDS: dict[str, str] = {
    "action_overdue": "Action overdue",
    "action_due_soon": "Action due soon",
    "reaudit_overdue": "Re-audit overdue",
    "reaudit_due_soon": "Re-audit due soon",
    "collection_ending": "Data collection ending",
    "report_overdue": "Report overdue",
    "no_action_plan": "No action plan",
    "inactive": "No recent activity",
}
ACTION_SOON_DAYS = 14      # DOMAIN.md §8: an action this close to its deadline needs attention
REAUDIT_SOON_DAYS = 30
COLLECTION_ENDING_DAYS = 7
REPORT_MONTHS = 3          # a report should be filed within 3 months of the end of data collection
INACTIVE_MONTHS = 6
JSON_KEYS = ("kind", "audit_id", "audit_title", "subject", "due", "days")


@dataclass(frozen=True)
class Reminder:
    """One thing an audit needs, computed from its data."""

    kind: str
    audit_id: int
    audit_title: str
    subject: str
    due: date | None
    days: int | None
    stage: str
    ref: str = ""  # what it is about within the audit ("action:12", "cycle:3"): with kind and audit, its identity

    @property
    def label(self) -> str:
        """The kind as people say it."""
        return KINDS[self.kind]

    def to_json(self) -> dict[str, Any]:
        """The public JSON fields (exactly JSON_KEYS; `due` as YYYY-MM-DD or null)."""
        return {"kind": self.kind, "audit_id": self.audit_id, "audit_title": self.audit_title,
                "subject": self.subject, "due": self.due.isoformat() if self.due else None, "days": self.days}


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def when_text(days: int | None) -> str:
    """'overdue by 3 days', 'due today', 'due in 1 day', '' when there is no date."""
    if days is None:
        return ""
    unit = "day" if abs(days) == 1 else "days"
    if days < 0:
        return f"overdue by {-days} {unit}"
    return "due today" if days == 0 else f"due in {days} {unit}"


def describe(reminder: Reminder) -> str:
    """One readable line: 'Action overdue: Sepsis audit: Stock grab bags (overdue by 3 days)'."""
    when = when_text(reminder.days)
    return f"{reminder.label}: {reminder.audit_title}: {reminder.subject}" + (f" ({when})" if when else "")


# --------------------------------------------------------------------------- the rules (pure)


def action_rule(status: str, deadline: date | None, today: date) -> str | None:
    """action_overdue once today is past the deadline; action_due_soon from 14 days before it
    to the day itself; None for complete or cancelled actions and those with no deadline."""
    if status in ("complete", "cancelled") or deadline is None:
        return None
    days = (deadline - today).days
    if days < 0:
        return "action_overdue"
    return "action_due_soon" if days <= ACTION_SOON_DAYS else None


def reaudit_rule(due: date | None, pending: bool, today: date) -> str | None:
    """reaudit_overdue once today is past the re-audit date; reaudit_due_soon within 30 days
    of it (the day itself included). `pending`: the latest cycle has results and its data
    collection is over, so the re-audit has not started yet."""
    if due is None or not pending:
        return None
    days = (due - today).days
    if days < 0:
        return "reaudit_overdue"
    return "reaudit_due_soon" if days <= REAUDIT_SOON_DAYS else None


def collection_rule(period_end: date | None, today: date) -> str | None:
    """collection_ending from 7 days before the last day of data collection to that day."""
    if period_end is None:
        return None
    return "collection_ending" if 0 <= (period_end - today).days <= COLLECTION_ENDING_DAYS else None


def report_due(period_end: date) -> date:
    """When the report of a cycle whose data collection ended on `period_end` is due."""
    return add_months(period_end, REPORT_MONTHS)


def report_rule(period_end: date | None, has_results: bool, report_filed: bool, today: date) -> str | None:
    """report_overdue when no final report was filed and today is past 3 months after the
    end of data collection (the day exactly 3 months on is still in time)."""
    if period_end is None or not has_results or report_filed:
        return None
    return "report_overdue" if today > report_due(period_end) else None


def no_action_plan_rule(has_results: bool, period_end: date | None, actions: int, today: date) -> str | None:
    """no_action_plan when a cycle has results, its data collection is over (its end date has
    passed, or it has none) and no action answers it."""
    if not has_results or actions > 0:
        return None
    return "no_action_plan" if period_end is None or period_end < today else None


def inactive_rule(last_activity: date | None, today: date) -> str | None:
    """inactive once 6 calendar months have passed since the last change (that day included)."""
    if last_activity is None:
        return None
    return "inactive" if today >= add_months(last_activity, INACTIVE_MONTHS) else None


# --------------------------------------------------------------------------- facts from the store


def _days(due: date | None, today: date) -> int | None:
    return None if due is None else (due - today).days


def _action_reminders(audit: AuditFacts, today: date) -> list[Reminder]:
    found = []
    for a in audit.actions:
        kind = action_rule(a.status, a.deadline, today)
        if kind:
            subject = a.text + (f" ({a.owner})" if a.owner else "")
            found.append(Reminder(kind, audit.id, audit.title, subject, a.deadline, _days(a.deadline, today),
                                  "actions", f"action:{a.id}"))
    return found


def _audit_reminders(db: Database, audit: AuditFacts, today: date) -> list[Reminder]:
    latest, measured = audit.latest, audit.measured
    found: list[Reminder] = []

    def add(kind: str | None, subject: str, due: date | None, stage: str, ref: str = "") -> None:
        if kind:
            found.append(Reminder(kind, audit.id, audit.title, subject, due, _days(due, today), stage, ref))

    latest_end = audit.latest_end()
    if latest is not None:
        add(collection_rule(latest_end, today), f"Data collection for {latest.title}", latest_end, "collect",
            f"cycle:{latest.id}")
    add(reaudit_rule(audit.reaudit_due, audit.reaudit_pending(today), today), "Re-audit", audit.reaudit_due,
        "report")
    if measured is not None:
        end = audit.measured_end()
        add(report_rule(end, True, measured.final_report, today), f"Report for {measured.title}",
            report_due(end) if end else None, "report", f"cycle:{measured.id}")
        add(no_action_plan_rule(True, end, audit.actions_for(measured), today),
            f"Action plan for {measured.title}", end, "actions", f"cycle:{measured.id}")
    last = audit.last_activity
    if inactive_rule(last, today) and last is not None:
        add("inactive", f"No changes since {last.strftime('%d %b %Y')}", add_months(last, INACTIVE_MONTHS),
            current_stage(db, audit.id, status=audit.status))
    return found


def compute_reminders(db: Database, today: date, facts: dict[int, AuditFacts] | None = None) -> list[Reminder]:
    """Every reminder the data raises on `today`, snoozed and dismissed ones included.

    Sorted most urgent first (most overdue, then soonest due; those with no date last).
    `facts` (from `model.act.audit_facts.gather`) saves reading the store again.
    """
    found: list[Reminder] = []
    for audit in (gather(db) if facts is None else facts).values():
        if audit.status == "abandoned":
            continue
        found.extend(_action_reminders(audit, today))
        if audit.status != "complete":
            found.extend(_audit_reminders(db, audit, today))
    return sorted(found, key=lambda r: (r.days is None, r.days or 0, r.audit_id, list(KINDS).index(r.kind), r.ref))


# --------------------------------------------------------------------------- snooze and dismiss


@dataclass(frozen=True)
class ReminderState:
    """What the user decided about one reminder."""

    kind: str
    audit_id: int
    ref: str
    snoozed_until: date | None
    dismissed_on: date | None
    dismissed_reason: str
    due: date | None


def _states(db: Database) -> dict[tuple[str, int, str], ReminderState]:
    if not db["reminder_states"].exists():  # a file read (read-only) before m015 was applied: nothing decided
        return {}
    rows = db.query("SELECT * FROM reminder_states")
    return {(r["kind"], r["audit_id"], r["ref"]): ReminderState(
        r["kind"], r["audit_id"], r["ref"], day(r["snoozed_until"]), day(r["dismissed_on"]),
        r["dismissed_reason"], day(r["due"])) for r in rows}


def is_hidden(reminder: Reminder, state: ReminderState | None, today: date) -> bool:
    """Snoozed until a later day, or dismissed while its due date is still the one dismissed."""
    if state is None:
        return False
    if state.snoozed_until is not None and today < state.snoozed_until:
        return True
    return state.dismissed_on is not None and state.due == reminder.due


def split_reminders(db: Database, today: date, facts: dict[int, AuditFacts] | None = None,
                    ) -> tuple[list[Reminder], list[tuple[Reminder, ReminderState]]]:
    """(the reminders to show, the snoozed or dismissed ones each with its state), from one computation
    (`facts` as for `compute_reminders`)."""
    states = _states(db)
    shown, hidden = [], []
    for r in compute_reminders(db, today, facts):
        state = states.get((r.kind, r.audit_id, r.ref))
        if is_hidden(r, state, today) and state is not None:
            hidden.append((r, state))
        else:
            shown.append(r)
    return shown, hidden


def reminders(db: Database, today: date) -> list[Reminder]:
    """The reminders to show on `today`: `compute_reminders` less the snoozed and dismissed."""
    return split_reminders(db, today)[0]


def hidden_reminders(db: Database, today: date) -> list[tuple[Reminder, ReminderState]]:
    """The reminders the data still raises that are snoozed or dismissed, each with its state (to restore)."""
    return split_reminders(db, today)[1]


def state_text(state: ReminderState) -> str:
    """'snoozed until 08 Dec 2026' or 'dismissed on 01 Dec 2026: re-audit agreed for next year'."""
    if state.dismissed_on is not None:
        return f"dismissed on {state.dismissed_on.strftime('%d %b %Y')}: {state.dismissed_reason}"
    until = state.snoozed_until.strftime("%d %b %Y") if state.snoozed_until else "?"
    return f"snoozed until {until}"


def restore(db: Database, reminder: Reminder) -> None:
    """Forget the snooze or dismissal of a reminder: it shows again."""
    with db.atomic():
        db.execute("DELETE FROM reminder_states WHERE kind = ? AND audit_id = ? AND ref = ?",
                   [reminder.kind, reminder.audit_id, reminder.ref])


def _save_state(db: Database, reminder: Reminder, values: dict[str, Any]) -> None:
    row = {"kind": reminder.kind, "audit_id": reminder.audit_id, "ref": reminder.ref, "snoozed_until": None,
           "dismissed_on": None, "dismissed_reason": "", "due": reminder.due.isoformat() if reminder.due else None,
           "updated_at": now_iso(), **values}
    with db.atomic():
        db.table("reminder_states").upsert(row, pk=("kind", "audit_id", "ref"))


def snooze(db: Database, reminder: Reminder, until: date, *, today: date) -> None:
    """Hide a reminder until `until` (it shows again on that day)."""
    if until <= today:
        raise KnownError("Snooze until a later day.", hint="Choose a date after today.")
    _save_state(db, reminder, {"snoozed_until": until.isoformat()})


def dismiss(db: Database, reminder: Reminder, reason: str, *, today: date) -> None:
    """Hide a reminder for good, with the reason (it comes back only if its due date changes)."""
    if not reason.strip():
        raise KnownError("Say why the reminder is dismissed.", hint="For example: “re-audit agreed for next year”.")
    _save_state(db, reminder, {"dismissed_on": today.isoformat(), "dismissed_reason": reason.strip()})


def state_of(db: Database, reminder: Reminder) -> ReminderState | None:
    """The stored decision about a reminder, if any."""
    return _states(db).get((reminder.kind, reminder.audit_id, reminder.ref))


def open_for_reading(path: Path | str) -> Database:
    """A read-only connection to a data file, for reading reminders without taking the app's lock.

    Raises:
        KnownError: no file there, or it is not an AuditLoop file, or a newer AuditLoop wrote it.
    """
    from model.store import migrations
    from model.store.store import connect

    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise KnownError(f"No AuditLoop data file at {path}.", hint="Give the data file with --db FILE.")
    db = connect(path, read_only=True)
    try:
        if not db["audits"].exists():
            raise KnownError(f"{path} is not an AuditLoop data file.", hint="Give the data file with --db FILE.")
        if migrations.unknown_applied(db):
            raise KnownError(f"{path} was written by a newer version of AuditLoop.",
                             hint="Update AuditLoop to read its reminders.")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise KnownError(f"{path} is not an AuditLoop data file ({exc}).",
                         hint="Give the data file with --db FILE.") from exc
    except BaseException:
        db.close()
        raise
    return db
