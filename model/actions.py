"""Action plans: recommendations and the SMART actions that answer them (DOMAIN.md §8)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import NewType

from sqlite_utils import Database

from model.errors import KnownError
from model.util import now_iso, parse_iso_date

ActionId = NewType("ActionId", int)
ACTION_STATUSES = {"not_started": "Not started", "in_progress": "In progress", "complete": "Complete",
                   "cancelled": "Cancelled"}
PRIORITIES = {"high": "High", "medium": "Medium", "low": "Low"}


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
        return int(db["recommendations"].insert({
            "audit_id": audit_id, "cycle_id": cycle_id, "text": text, "position": 0,
            "criterion_lineages_json": criterion_lineages_json, "created_at": stamp, "updated_at": stamp,
        }).last_pk)


def add_action(db: Database, action: ActionItem) -> ActionItem:
    """Store an action (saved at once)."""
    if not action.text.strip():
        raise KnownError("An action needs to say what will be done.")
    if action.priority not in PRIORITIES or action.status not in ACTION_STATUSES:
        raise KnownError("Unknown priority or status.")
    stamp = now_iso()
    action.created_at, action.updated_at = stamp, stamp
    with db.atomic():
        action.id = ActionId(db["actions"].insert({k: v for k, v in asdict(action).items()
                                                    if k in _COLUMNS}).last_pk)
    return action


def revise_deadline(db: Database, action_id: int, deadline: str, reason: str, *, on: str | None = None) -> None:
    """Record a new deadline; the original deadline is never overwritten."""
    with db.atomic():
        db["action_deadline_revisions"].insert({"action_id": action_id, "deadline": deadline,
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
    near = deadline is not None and deadline - today <= timedelta(days=14)
    if (near and status == "not_started") or revisions >= 1:
        return "amber"
    return "green"


def completed_action_markers(db: Database, audit_id: int) -> list[tuple[str, str]]:
    """(date, label) for completed actions and chart notes: markers on SPC charts."""
    rows = db.execute(
        "SELECT completed_on, text FROM actions WHERE audit_id = ? AND status = 'complete' "
        "AND completed_on IS NOT NULL UNION ALL "
        "SELECT on_date, label FROM chart_annotations WHERE audit_id = ? ORDER BY 1",
        [audit_id, audit_id],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]
