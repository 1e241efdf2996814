"""User notes on SPC charts ("new proforma launched", "locum month"), stored in chart_annotations.

A note belongs to an audit and is dated; it may be tied to one criterion (by lineage, so it
follows the criterion across cycles) or, without a lineage, show on every criterion's chart.
Notes appear on the chart as event markers, beside completed actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import now_iso, parse_iso_date
from model.store.rows import inserted_id

NoteId = NewType("NoteId", int)
MAX_LABEL = 120  # a marker label is drawn on the chart: keep it short


@dataclass(frozen=True)
class ChartNote:
    """One dated note on an audit's SPC charts."""

    id: NoteId
    audit_id: int
    on_date: str
    label: str
    criterion_lineage: str | None = None


def add_note(db: Database, audit_id: int, on_date: str, label: str, *, lineage: str | None = None) -> ChartNote:
    """Store a dated note for an audit's charts.

    Args:
        db: the open store.
        audit_id: the audit the note belongs to.
        on_date: ISO date (YYYY-MM-DD) the event happened.
        label: a few words shown beside the marker.
        lineage: the criterion lineage it is about; None for every criterion of the audit.

    Returns:
        The stored note.

    Raises:
        KnownError: when the label is empty or too long, or the date is not a real date.
    """
    text = " ".join(label.split())
    if not text:
        raise KnownError("A chart note needs a few words to show beside the marker.",
                         hint="Type what happened, e.g. 'New admission proforma'.")
    if len(text) > MAX_LABEL:
        raise KnownError(f"The note is {len(text)} characters long; at most {MAX_LABEL} fit on a chart.",
                         hint="Shorten the note.")
    day = _check_date(on_date)
    with db.atomic():
        pk = inserted_id(db.table("chart_annotations").insert({
            "audit_id": audit_id, "criterion_lineage": lineage, "on_date": day, "label": text,
            "created_at": now_iso(),
        }))
    return ChartNote(NoteId(int(pk)), audit_id, day, text, lineage)


def list_notes(db: Database, audit_id: int, *, lineage: str | None = None) -> list[ChartNote]:
    """An audit's chart notes, oldest first.

    Args:
        db: the open store.
        audit_id: the audit.
        lineage: when given, only the notes for every criterion plus those for this one.

    Returns:
        The notes ordered by date.
    """
    sql = "SELECT id, audit_id, on_date, label, criterion_lineage FROM chart_annotations WHERE audit_id = ?"
    params: list[object] = [audit_id]
    if lineage is not None:
        sql += " AND (criterion_lineage IS NULL OR criterion_lineage = ?)"
        params.append(lineage)
    rows = db.execute(sql + " ORDER BY on_date, id", params).fetchall()
    return [ChartNote(NoteId(r[0]), r[1], r[2], r[3], r[4]) for r in rows]


def delete_note(db: Database, note_id: int) -> None:
    """Remove a chart note (nothing happens when it is already gone)."""
    with db.atomic():
        db.execute("DELETE FROM chart_annotations WHERE id = ?", [note_id])


def _check_date(on_date: str) -> str:
    try:
        day = parse_iso_date(on_date)
    except ValueError:
        day = None
    if day is None:
        raise KnownError(f"'{on_date}' is not a date.", hint="Give the date as YYYY-MM-DD.")
    return day.isoformat()
