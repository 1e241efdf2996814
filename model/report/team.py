"""The audit's team, its presentations and the trainees' reflections (migration m014).

Kept with the audit so a trainee's ePortfolio evidence pack (`model.report.evidence`) and
the one-page summary can name who did what; the Report stage's Team tab edits them. The API:

    ROLES = {"led": "Led the audit", "contributed": "Contributed to the audit"}
    TeamMember(audit_id, name, role="contributed", tasks="", is_trainee=False, id=None)
    list_members(db, audit_id) -> list[TeamMember]            in the order added
    add_member(db, member) -> TeamMember                      returns it with its id
    update_member(db, member) -> None                         by member.id (a new name takes their reflection along)
    delete_member(db, member_id) -> None
    find_member(db, audit_id, name) -> TeamMember | None       case-insensitive, trimmed

    Presentation(audit_id, meeting, date=None, id=None)        date: ISO "YYYY-MM-DD" or None
    list_presentations(db, audit_id) -> list[Presentation]     oldest first (undated last)
    add_presentation / update_presentation / delete_presentation   as for members

    REFLECTION_QUESTIONS: {key: question}                       the GMC's five questions, paraphrased
    get_reflections(db, audit_id, person) -> dict[str, str]    every key, '' when not written
    save_reflections(db, audit_id, person, texts: Mapping[str, str]) -> None

    person_label(name, *notes) -> str        "Dr A. Patel (ST4)" + "lead" -> "Dr A. Patel (ST4, lead)"

Every write checks its input and raises `KnownError` with a hint for what the user can fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlite_utils import Database

from model.core.errors import KnownError
from model.core.util import now_iso, parse_iso_date
from model.plan.audits import get_audit

ROLES: dict[str, str] = {"led": "Led the audit", "contributed": "Contributed to the audit"}

#: The questions appraisal and revalidation ask of a quality improvement activity (GMC), paraphrased.
REFLECTION_QUESTIONS: dict[str, str] = {
    "what_did": "What did you do? (your part in the audit and its re-audit)",
    "what_learned": "What did you learn from the results?",
    "what_changed": "What changed as a result, and was it reviewed?",
    "do_differently": "What will you do differently in your practice?",
    "impact": "How did it affect patients and colleagues?",
}


_TRAILING_NOTE = re.compile(r"^(?P<name>.*?)\s*\((?P<notes>[^()]*)\)\s*$")


def person_label(name: str, *notes: str) -> str:
    """A person as a team line prints them: one bracket of notes, none repeated.

    People are often recorded with their grade in the name ("Dr A. Patel (ST4)") and again as
    an action owner's role ("ST4"): the grade is printed once. Notes join the name's own
    bracket ("Dr A. Patel (ST4, lead)") rather than opening a second one; a note the name
    already holds (case-insensitive) is left out; empty notes are ignored.
    """
    name = " ".join(name.split())
    match = _TRAILING_NOTE.match(name)
    base, held = (match["name"], [n.strip() for n in match["notes"].split(",") if n.strip()]) if match else (name, [])
    words = {n.casefold() for n in held} | {w.casefold() for w in re.findall(r"[\w-]+", base)}
    for note in (" ".join(n.split()) for n in notes):
        if note and note.casefold() not in words:
            held.append(note)
            words.add(note.casefold())
    return f"{base} ({', '.join(held)})" if held else base


@dataclass(frozen=True)
class TeamMember:
    """A person on the audit: role "led" or "contributed", the tasks they did, trainee or not."""

    audit_id: int
    name: str
    role: str = "contributed"
    tasks: str = ""
    is_trainee: bool = False
    id: int | None = None


@dataclass(frozen=True)
class Presentation:
    """Where the audit was presented: the meeting and its ISO date (None when not known)."""

    audit_id: int
    meeting: str
    date: str | None = None
    id: int | None = None


def _check_member(db: Database, member: TeamMember) -> None:
    get_audit(db, member.audit_id)
    if not member.name.strip():
        raise KnownError("A team member needs a name.", hint="Type the person's name.")
    if member.role not in ROLES:
        raise KnownError(f"Unknown team role '{member.role}'.", hint="Choose led or contributed.")


def _member(row: tuple[object, ...]) -> TeamMember:
    return TeamMember(audit_id=int(str(row[1])), name=str(row[2]), role=str(row[3]), tasks=str(row[4]),
                      is_trainee=bool(row[5]), id=int(str(row[0])))


def list_members(db: Database, audit_id: int) -> list[TeamMember]:
    """The audit's team in the order added."""
    rows = db.execute("SELECT id, audit_id, name, role, tasks, is_trainee FROM team_members WHERE audit_id = ? "
                      "ORDER BY position, id", [audit_id]).fetchall()
    return [_member(r) for r in rows]


def find_member(db: Database, audit_id: int, name: str) -> TeamMember | None:
    """The team member with this name (case-insensitive, spaces trimmed), None when there is none."""
    wanted = " ".join(name.split()).casefold()
    return next((m for m in list_members(db, audit_id) if " ".join(m.name.split()).casefold() == wanted), None)


def add_member(db: Database, member: TeamMember) -> TeamMember:
    """Add a person to the audit's team; returns them with their id.

    Raises:
        KnownError: no name, an unknown role, or an audit that no longer exists.
    """
    _check_member(db, member)
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO team_members (audit_id, name, role, tasks, is_trainee, position) VALUES (?, ?, ?, ?, ?, "
            "(SELECT COALESCE(MAX(position), 0) + 1 FROM team_members WHERE audit_id = ?))",
            [member.audit_id, member.name.strip(), member.role, member.tasks.strip(), int(member.is_trainee),
             member.audit_id])
    return replace(member, name=member.name.strip(), tasks=member.tasks.strip(), id=int(cursor.lastrowid or 0))


def update_member(db: Database, member: TeamMember) -> None:
    """Save a changed team member (matched by id).

    Raises:
        KnownError: as for `add_member`, or a member that no longer exists.
    """
    _check_member(db, member)
    with db.atomic():
        before = db.execute("SELECT name FROM team_members WHERE id = ?", [member.id]).fetchone()
        cursor = db.execute("UPDATE team_members SET name = ?, role = ?, tasks = ?, is_trainee = ? WHERE id = ?",
                            [member.name.strip(), member.role, member.tasks.strip(), int(member.is_trainee),
                             member.id])
        updated = cursor.rowcount
        if before is not None and " ".join(str(before[0]).split()) != " ".join(member.name.split()):
            # A reflection is kept by the person's name: a corrected name takes it along.
            db.execute("UPDATE OR REPLACE reflections SET person = ? WHERE audit_id = ? AND person = ? COLLATE NOCASE",
                       [" ".join(member.name.split()), member.audit_id, " ".join(str(before[0]).split())])
    if updated == 0:
        raise KnownError("This team member no longer exists.", hint="Reopen the audit.")


def delete_member(db: Database, member_id: int) -> None:
    """Remove a person from the team (their reflections stay, kept by name)."""
    with db.atomic():
        db.execute("DELETE FROM team_members WHERE id = ?", [member_id])


def _check_presentation(db: Database, item: Presentation) -> None:
    get_audit(db, item.audit_id)
    if not item.meeting.strip():
        raise KnownError("A presentation needs the meeting's name.", hint="For example: Medicine audit meeting.")
    if item.date:
        try:
            parse_iso_date(item.date)
        except ValueError:
            raise KnownError(f"'{item.date}' is not a date.", hint="Use YYYY-MM-DD, or leave it empty.") from None


def list_presentations(db: Database, audit_id: int) -> list[Presentation]:
    """Where the audit was presented, oldest first (undated ones last)."""
    rows = db.execute("SELECT id, audit_id, meeting, date FROM presentations WHERE audit_id = ? "
                      "ORDER BY date IS NULL, date, id", [audit_id]).fetchall()
    return [Presentation(audit_id=int(r[1]), meeting=str(r[2]), date=r[3], id=int(r[0])) for r in rows]


def add_presentation(db: Database, item: Presentation) -> Presentation:
    """Record a meeting where the audit was presented; returns it with its id.

    Raises:
        KnownError: no meeting name, a date that is not a date, or an audit that no longer exists.
    """
    _check_presentation(db, item)
    with db.atomic():
        cursor = db.execute("INSERT INTO presentations (audit_id, meeting, date) VALUES (?, ?, ?)",
                            [item.audit_id, item.meeting.strip(), item.date or None])
    return replace(item, meeting=item.meeting.strip(), date=item.date or None, id=int(cursor.lastrowid or 0))


def update_presentation(db: Database, item: Presentation) -> None:
    """Save a changed presentation (matched by id).

    Raises:
        KnownError: as for `add_presentation`, or a presentation that no longer exists.
    """
    _check_presentation(db, item)
    with db.atomic():
        cursor = db.execute("UPDATE presentations SET meeting = ?, date = ? WHERE id = ?",
                            [item.meeting.strip(), item.date or None, item.id])
    if cursor.rowcount == 0:
        raise KnownError("This presentation no longer exists.", hint="Reopen the audit.")


def delete_presentation(db: Database, presentation_id: int) -> None:
    """Remove a presentation."""
    with db.atomic():
        db.execute("DELETE FROM presentations WHERE id = ?", [presentation_id])


def _person(person: str) -> str:
    name = " ".join(person.split())
    if not name:
        raise KnownError("A reflection belongs to a named person.", hint="Give the trainee's name.")
    return name


def get_reflections(db: Database, audit_id: int, person: str) -> dict[str, str]:
    """A person's reflection on the audit: every `REFLECTION_QUESTIONS` key, '' when not written."""
    rows = db.execute("SELECT question_key, text FROM reflections WHERE audit_id = ? AND person = ? COLLATE NOCASE",
                      [audit_id, _person(person)]).fetchall()
    stored = {str(k): str(v) for k, v in rows}
    return {key: stored.get(key, "") for key in REFLECTION_QUESTIONS}


def save_reflections(db: Database, audit_id: int, person: str, texts: Mapping[str, str]) -> None:
    """Store a person's answers (only the keys given; others are kept), in one transaction.

    Raises:
        KnownError: an unknown question key, no person, or an audit that no longer exists.
    """
    name = _person(person)
    unknown = [k for k in texts if k not in REFLECTION_QUESTIONS]
    if unknown:
        raise KnownError(f"'{unknown[0]}' is not a reflection question.",
                         hint="Use one of: " + ", ".join(REFLECTION_QUESTIONS) + ".")
    get_audit(db, audit_id)
    stamp = now_iso()
    with db.atomic():
        for key, text in texts.items():
            db.execute("DELETE FROM reflections WHERE audit_id = ? AND person = ? COLLATE NOCASE AND question_key = ?",
                       [audit_id, name, key])
            db.execute("INSERT INTO reflections (audit_id, person, question_key, text, updated_at) "
                       "VALUES (?, ?, ?, ?, ?)", [audit_id, name, key, text.strip(), stamp])
