"""Action plans: recommendations and the SMART actions that answer them (DOMAIN.md §8)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, timedelta
from typing import Any, NewType

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import now_iso, parse_iso_date
from model.plan.criteria import criterion_label
from model.store.rows import inserted_id

ActionId = NewType("ActionId", int)
ACTION_STATUSES = {"not_started": "Not started", "in_progress": "In progress", "complete": "Complete",
                   "cancelled": "Cancelled"}
PRIORITIES = {"high": "High", "medium": "Medium", "low": "Low"}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "complete": "Complete", "cancelled": "Cancelled"}
PLAN_FILTERS = {"open": "Open", "overdue": "Overdue", "all": "All"}
NEAR_DAYS = 14  # a not-started action this close to its deadline is amber (DOMAIN.md §8)


@dataclass
class ActionItem:
    """One action of an audit's action plan."""

    audit_id: int
    text: str
    id: ActionId | None = None
    recommendation_id: int | None = None
    owner: str = ""
    owner_role: str = ""
    priority: str = "medium"
    original_deadline: str | None = None
    status: str = "not_started"
    cancelled_reason: str = ""
    completed_on: str | None = None
    evidence: str = ""
    created_at: str = ""
    updated_at: str = ""


_COLUMNS = [f.name for f in fields(ActionItem) if f.name != "id"]


def add_recommendation(db: Database, audit_id: int, text: str, *, cycle_id: int | None = None,
                       criterion_lineages_json: str = "[]") -> int:
    """Store a recommendation; returns its id."""
    if not text.strip():
        raise KnownError("A recommendation needs some text.")
    stamp = now_iso()
    with db.atomic():
        return int(inserted_id(db.table("recommendations").insert({
            "audit_id": audit_id, "cycle_id": cycle_id, "text": text, "position": 0,
            "criterion_lineages_json": criterion_lineages_json, "created_at": stamp, "updated_at": stamp,
        })))


def add_action(db: Database, action: ActionItem) -> ActionItem:
    """Store an action (saved at once)."""
    if not action.text.strip():
        raise KnownError("An action needs to say what will be done.")
    if action.priority not in PRIORITIES or action.status not in ACTION_STATUSES:
        raise KnownError("Unknown priority or status.")
    _check_date(action.original_deadline, "deadline")
    settled = _settled_status(action, None)
    action.cancelled_reason, action.completed_on = settled.cancelled_reason, settled.completed_on
    stamp = now_iso()
    action.created_at, action.updated_at = stamp, stamp
    with db.atomic():
        action.id = ActionId(inserted_id(db.table("actions").insert({k: v for k, v in asdict(action).items()
                                                    if k in _COLUMNS})))
    return action


def revise_deadline(db: Database, action_id: int, deadline: str, reason: str, *, on: str | None = None) -> None:
    """Record a new deadline with its reason; the original deadline is never overwritten."""
    _check_date(deadline, "new deadline")
    _check_date(on, "revision date")
    if not deadline:
        raise KnownError("A revised deadline needs a date.")
    if not reason.strip():
        raise KnownError("A revised deadline needs a reason.", hint="Say why the date moved (e.g. supplier delay).")
    get_action(db, action_id)
    with db.atomic():
        db.table("action_deadline_revisions").insert({"action_id": action_id, "deadline": deadline,
                                                "revised_on": on or now_iso()[:10], "reason": reason})


def list_actions(db: Database, audit_id: int) -> list[ActionItem]:
    """An audit's actions in creation order."""
    rows = db.query("SELECT * FROM actions WHERE audit_id = ? ORDER BY id", [audit_id])
    return [ActionItem(id=ActionId(r["id"]), **{k: r[k] for k in _COLUMNS}) for r in rows]


def current_deadline(db: Database, action: ActionItem) -> tuple[date | None, int]:
    """(latest revised deadline or the original, number of revisions)."""
    rows = db.execute(
        "SELECT deadline FROM action_deadline_revisions WHERE action_id = ? ORDER BY revised_on, id",
        [action.id],
    ).fetchall()
    latest = rows[-1][0] if rows else action.original_deadline
    return parse_iso_date(latest), len(rows)


def action_rag(status: str, deadline: date | None, revisions: int, today: date) -> str:
    """Computed RAG (never typed): complete, red, amber or green — DOMAIN.md §8."""
    if status in ("complete", "cancelled"):
        return "complete" if status == "complete" else "cancelled"
    if deadline is not None and today > deadline:
        return "red"
    near = deadline is not None and deadline - today <= timedelta(days=NEAR_DAYS)
    if (near and status == "not_started") or revisions >= 1:
        return "amber"
    return "green"


# --------------------------------------------------------------------------- recommendations


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of an audit and the criteria (by lineage) it answers."""

    id: int
    audit_id: int
    text: str
    criterion_lineages: tuple[str, ...] = ()
    cycle_id: int | None = None


def _recommendation(row: dict[str, Any]) -> Recommendation:
    return Recommendation(id=row["id"], audit_id=row["audit_id"], text=row["text"], cycle_id=row["cycle_id"],
                          criterion_lineages=tuple(json.loads(row["criterion_lineages_json"] or "[]")))


def list_recommendations(db: Database, audit_id: int) -> list[Recommendation]:
    """An audit's recommendations in creation order."""
    rows = db.query("SELECT * FROM recommendations WHERE audit_id = ? ORDER BY position, id", [audit_id])
    return [_recommendation(r) for r in rows]


def get_recommendation(db: Database, recommendation_id: int) -> Recommendation:
    """One recommendation by id."""
    rows = list(db.query("SELECT * FROM recommendations WHERE id = ?", [recommendation_id]))
    if not rows:
        raise KnownError("That recommendation no longer exists.", hint="Reopen the audit to refresh the list.")
    return _recommendation(rows[0])


def update_recommendation(db: Database, recommendation_id: int, text: str,
                          criterion_lineages: list[str] | tuple[str, ...]) -> Recommendation:
    """Change a recommendation's text and the criteria it answers (saved at once)."""
    if not text.strip():
        raise KnownError("A recommendation needs some text.")
    get_recommendation(db, recommendation_id)
    with db.atomic():
        db.table("recommendations").update(recommendation_id, {
            "text": text, "criterion_lineages_json": json.dumps(list(criterion_lineages)),
            "updated_at": now_iso()})
    return get_recommendation(db, recommendation_id)


def delete_recommendation(db: Database, recommendation_id: int) -> None:
    """Delete a recommendation; its actions stay in the plan, no longer linked to it."""
    with db.atomic():
        db.execute("UPDATE actions SET recommendation_id = NULL WHERE recommendation_id = ?", [recommendation_id])
        db.execute("DELETE FROM recommendations WHERE id = ?", [recommendation_id])


def audit_criteria(db: Database, audit_id: int) -> list[tuple[str, str]]:
    """(lineage, label) of every criterion an audit has measured, named as in its latest cycle."""
    rows = db.execute(
        "SELECT c.lineage, c.short_name, c.statement FROM criteria c JOIN cycles y ON y.id = c.cycle_id "
        "WHERE y.audit_id = ? ORDER BY y.number, c.position, c.id", [audit_id]).fetchall()
    labels: dict[str, str] = {}
    for lineage, short_name, statement in rows:  # later cycles overwrite: the latest wording wins
        labels[lineage] = criterion_label(short_name, statement)
    return list(labels.items())


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class Revision:
    """A deadline revision: the new deadline, when it was agreed and why."""

    id: int
    action_id: int
    deadline: str
    revised_on: str
    reason: str


@dataclass(frozen=True)
class Note:
    """A dated progress note on an action."""

    id: int
    action_id: int
    noted_on: str
    text: str


def _check_date(text: str | None, what: str) -> None:
    if not text:
        return
    try:
        parse_iso_date(text)
    except ValueError:
        raise KnownError(f"The {what} “{text}” is not a date.", hint="Use the form YYYY-MM-DD.") from None


def get_action(db: Database, action_id: int) -> ActionItem:
    """One action by id."""
    rows = list(db.query("SELECT * FROM actions WHERE id = ?", [action_id]))
    if not rows:
        raise KnownError("That action no longer exists.", hint="Reopen the audit to refresh the plan.")
    return ActionItem(id=ActionId(rows[0]["id"]), **{k: rows[0][k] for k in _COLUMNS})


def _settled_status(action: ActionItem, on: date | None) -> ActionItem:
    """The action with its status rules applied: a reason to cancel, a date when complete."""
    if action.status not in ACTION_STATUSES:
        raise KnownError(f"Unknown status “{action.status}”.")
    if action.status == "cancelled" and not action.cancelled_reason.strip():
        raise KnownError("A cancelled action needs a reason.", hint="Say why the action was dropped.")
    reason = action.cancelled_reason if action.status == "cancelled" else ""
    if action.status != "complete":
        return replace(action, cancelled_reason=reason, completed_on=None)
    completed = action.completed_on or (on or date.today()).isoformat()
    _check_date(completed, "completion date")
    return replace(action, cancelled_reason=reason, completed_on=completed)


def update_action(db: Database, action: ActionItem, *, today: date | None = None) -> ActionItem:
    """Save every field of an action (saved at once).

    Raises:
        KnownError: no text, unknown priority/status, cancelled without a reason, or the original
            deadline changed after a revision (it is never overwritten; revise the deadline instead).
    """
    if action.id is None:
        raise KnownError("Add the action before editing it.")
    if not action.text.strip():
        raise KnownError("An action needs to say what will be done.")
    if action.priority not in PRIORITIES:
        raise KnownError(f"Unknown priority “{action.priority}”.")
    _check_date(action.original_deadline, "deadline")
    stored = get_action(db, action.id)
    if action.original_deadline != stored.original_deadline and list_revisions(db, action.id):
        raise KnownError("The original deadline cannot be changed once it has been revised.",
                         hint="Use “Revise deadline…” to agree a new date; the original stays on record.")
    saved = replace(_settled_status(action, today), updated_at=now_iso(), created_at=stored.created_at)
    with db.atomic():
        db.table("actions").update(action.id, {k: v for k, v in asdict(saved).items() if k in _COLUMNS})
    return saved


def list_revisions(db: Database, action_id: int) -> list[Revision]:
    """An action's deadline revisions, oldest first (the last is the current deadline)."""
    rows = db.query("SELECT * FROM action_deadline_revisions WHERE action_id = ? ORDER BY revised_on, id",
                    [action_id])
    return [Revision(r["id"], r["action_id"], r["deadline"], r["revised_on"], r["reason"]) for r in rows]


def add_note(db: Database, action_id: int, text: str, *, on: str | None = None) -> Note:
    """Add a dated progress note (dated today unless `on` is given)."""
    if not text.strip():
        raise KnownError("A progress note needs some text.")
    _check_date(on, "note date")
    noted_on = on or date.today().isoformat()
    with db.atomic():
        note_id = int(inserted_id(db.table("action_notes").insert({"action_id": action_id, "noted_on": noted_on,
                                                 "text": text.strip()})))
    return Note(note_id, action_id, noted_on, text.strip())


def list_notes(db: Database, action_id: int) -> list[Note]:
    """An action's progress notes, oldest first."""
    rows = db.query("SELECT * FROM action_notes WHERE action_id = ? ORDER BY noted_on, id", [action_id])
    return [Note(r["id"], r["action_id"], r["noted_on"], r["text"]) for r in rows]


def delete_action(db: Database, action_id: int) -> None:
    """Delete an action with its deadline revisions and progress notes."""
    with db.atomic():
        db.execute("DELETE FROM action_deadline_revisions WHERE action_id = ?", [action_id])
        db.execute("DELETE FROM action_notes WHERE action_id = ?", [action_id])
        db.execute("DELETE FROM actions WHERE id = ?", [action_id])


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class ActionRow:
    """One line of an audit's action plan, with what is worked out from it (for the page and the report)."""

    action: ActionItem
    recommendation: str
    current_deadline: date | None
    revisions: int
    rag: str

    @property
    def id(self) -> int:
        """The action's id."""
        return int(self.action.id or 0)

    @property
    def is_open(self) -> bool:
        """Neither complete nor cancelled."""
        return self.action.status not in ("complete", "cancelled")


def action_plan(db: Database, audit_id: int, today: date) -> list[ActionRow]:
    """An audit's actions in creation order, each with its current deadline, revision count and RAG."""
    rows = db.query(
        "SELECT a.*, COALESCE(r.text, '') AS rec_text, "
        "(SELECT v.deadline FROM action_deadline_revisions v WHERE v.action_id = a.id "
        " ORDER BY v.revised_on DESC, v.id DESC LIMIT 1) AS latest, "
        "(SELECT COUNT(*) FROM action_deadline_revisions v WHERE v.action_id = a.id) AS revisions "
        "FROM actions a LEFT JOIN recommendations r ON r.id = a.recommendation_id "
        "WHERE a.audit_id = ? ORDER BY a.id", [audit_id])
    plan = []
    for r in rows:
        item = ActionItem(id=ActionId(r["id"]), **{k: r[k] for k in _COLUMNS})
        deadline = parse_iso_date(r["latest"] or item.original_deadline)
        plan.append(ActionRow(item, r["rec_text"], deadline, r["revisions"],
                              action_rag(item.status, deadline, r["revisions"], today)))
    return plan


def filter_plan(rows: list[ActionRow], which: str) -> list[ActionRow]:
    """The rows a filter shows: "open" (not complete or cancelled), "overdue" (red) or "all"."""
    if which == "open":
        return [r for r in rows if r.is_open]
    if which == "overdue":
        return [r for r in rows if r.rag == "red"]
    return list(rows)
