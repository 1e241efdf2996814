"""An iCalendar (.ics, RFC 5545) file of action deadlines and re-audit dates, for Outlook.

Written by hand (a few lines of text) rather than with a library: all-day VEVENTs with a
stable UID per action and per audit's re-audit (the audit's uid travels with its file), so
importing the file again updates the entries rather than doubling them. Lines end CRLF and
are folded at 75 octets; text is escaped as the RFC requires. No patient data goes in:
only audit titles, action text and owners.

Why not the `icalendar` package the issue names (7.3.0 is available): what is written is a
handful of all-day events, whose folding, escaping and CRLF rules are tested here; the package
would be one more dependency to pin, bundle into the PyInstaller folder and clear for the
trust's locked-down laptops, for no change in the file Outlook reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import parse_iso_date

PRODID = "-//AuditLoop//Clinical audit reminders//EN"


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day entry."""

    uid: str
    on: date
    summary: str
    description: str = ""


def _day(text: str | None) -> date | None:
    try:
        return parse_iso_date(text)
    except ValueError:
        return None


def calendar_events(db: Database) -> list[CalendarEvent]:
    """Open actions' current deadlines and open audits' re-audit dates, by date."""
    events = []
    rows = db.query(
        "SELECT a.id, a.text, a.owner, u.uid, u.title, COALESCE((SELECT v.deadline FROM action_deadline_revisions v "
        "WHERE v.action_id = a.id ORDER BY v.revised_on DESC, v.id DESC LIMIT 1), a.original_deadline) AS deadline "
        "FROM actions a JOIN audits u ON u.id = a.audit_id WHERE u.deleted_at IS NULL AND u.status != 'abandoned' "
        "AND a.status NOT IN ('complete', 'cancelled')")
    for r in rows:
        on = _day(r["deadline"])
        if on is not None:
            owner = f"Owner: {r['owner']}. " if r["owner"] else ""
            events.append(CalendarEvent(f"action-{r['uid']}-{r['id']}@auditloop", on,
                                        f"Action due: {r['text']} ({r['title']})", f"{owner}Audit: {r['title']}"))
    for r in db.query("SELECT uid, title, reaudit_due FROM audits WHERE deleted_at IS NULL "
                      "AND status NOT IN ('abandoned', 'complete') AND reaudit_due IS NOT NULL"):
        on = _day(r["reaudit_due"])
        if on is not None:
            events.append(CalendarEvent(f"reaudit-{r['uid']}@auditloop", on, f"Re-audit due: {r['title']}",
                                        "Start the re-audit cycle in AuditLoop (Re-audit / Report stage)."))
    return sorted(events, key=lambda e: (e.on, e.uid))


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space), never inside a character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def ics_text(events: list[CalendarEvent], *, stamp: datetime | None = None) -> str:
    """The calendar as text (CRLF line ends), one VEVENT per event."""
    dtstamp = (stamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{dtstamp}",
                  f"DTSTART;VALUE=DATE:{e.on.strftime('%Y%m%d')}",
                  f"DTEND;VALUE=DATE:{(e.on + timedelta(days=1)).strftime('%Y%m%d')}",
                  f"SUMMARY:{_escape(e.summary)}", f"DESCRIPTION:{_escape(e.description)}",
                  "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_ics(db: Database, path: Path | str, *, stamp: datetime | None = None) -> int:
    """Write the calendar of `calendar_events` to `path`; returns the number of events.

    Raises:
        KnownError: when the file cannot be written.
    """
    events = calendar_events(db)
    try:
        Path(path).write_bytes(ics_text(events, stamp=stamp).encode("utf-8"))
    except OSError as exc:
        raise KnownError(f"Could not write the calendar: {exc.strerror}.", where=str(path),
                         hint="Choose a folder you can write to, such as Documents.") from exc
    return len(events)
