"""The standards library: guidelines and policies an audit measures care against.

Built-in standards ship as JSON files in resources/standards/ and are loaded into the
`standards` table the first time the library is listed. Departments add their own (origin
"user") and share them as one JSON file (export/import, origin "imported"). A standard is
identified by its `uid` across files; importing a newer `version` of a uid replaces the
stored one in place, so audits and cycles linked to it keep their link while each cycle
keeps the version text it recorded when it used the standard.

The `url` is stored and shown as text only: AuditLoop never opens the network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.core.errors import ImportProblem, KnownError
from model.core.resources import resource_path
from model.core.util import new_uid, now_iso, parse_iso_date, saved
from model.plan import criteria as criteria_model
from model.plan.criteria import TIME_UNITS, Criterion
from model.store.rows import inserted_id

SOURCES = {
    "nice_guideline": "NICE guideline",
    "nice_quality_standard": "NICE quality standard",
    "nice_technology_appraisal": "NICE technology appraisal",
    "royal_college": "Royal College guidance",
    "national_audit": "National audit standard",
    "local_policy": "Local (trust) policy",
    "other": "Other",
}
ORIGINS = {"builtin": "Built in", "user": "Added here", "imported": "Imported"}
CRITERION_FIELDS = ("short_name", "statement", "numerator", "denominator", "exceptions", "target", "direction",
                    "evidence_grade", "source_ref", "data_location", "answer_type", "threshold", "threshold_op",
                    "threshold_unit")
LIBRARY_FORMAT = "auditloop-standards"
LIBRARY_FORMAT_VERSION = 1


@dataclass
class Standard:
    """One standard (a guideline, quality standard or policy) with its criteria."""

    title: str
    id: int | None = None
    uid: str = ""
    source: str = "other"
    reference_code: str = ""
    version: str = ""
    published_on: str | None = None
    url: str = ""
    statements: list[str] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    origin: str = "user"
    notes: str = ""
    created_at: str = ""
    updated_at: str = ""

    @property
    def label(self) -> str:
        """'NICE NG89 — Venous thromboembolism … (version 2019)'."""
        code = f"{self.reference_code} — " if self.reference_code else ""
        version = f" (version {self.version})" if self.version else ""
        return f"{code}{self.title}{version}"

    @property
    def source_label(self) -> str:
        """The source as people say it."""
        return SOURCES.get(self.source, self.source)

    @property
    def editable(self) -> bool:
        """Built-in standards are read-only; copy one to change it."""
        return self.origin != "builtin"


@dataclass(frozen=True)
class LibraryImportReport:
    """What importing a library file did, each list naming standards by label."""

    added: list[str]
    updated: list[str]
    skipped: list[str]

    def summary(self) -> str:
        """One plain sentence per kind of outcome."""
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated to a newer version",
                 f"{len(self.skipped)} skipped"]
        lines = [", ".join(parts) + "."]
        lines += [f"Skipped: {text}" for text in self.skipped]
        return "\n".join(lines)


# --- conversion -----------------------------------------------------------------------------

def standard_to_dict(standard: Standard) -> dict[str, Any]:
    """The shareable form of a standard (no database ids or timestamps)."""
    return {"uid": standard.uid, "source": standard.source, "reference_code": standard.reference_code,
            "title": standard.title, "version": standard.version, "published_on": standard.published_on,
            "url": standard.url, "notes": standard.notes, "statements": list(standard.statements),
            "criteria": [dict(c) for c in standard.criteria]}


def standard_from_dict(data: dict[str, Any], origin: str) -> Standard:
    """A Standard from its shareable form; unknown keys are ignored."""
    if not isinstance(data, dict) or not str(data.get("title", "")).strip():
        raise KnownError("A standard in the file has no title.")
    crits = [{k: c.get(k) for k in CRITERION_FIELDS if k in c} for c in data.get("criteria", []) or []]
    return Standard(
        title=str(data["title"]).strip(), uid=str(data.get("uid") or new_uid()),
        source=str(data.get("source") or "other"), reference_code=str(data.get("reference_code") or ""),
        version=str(data.get("version") or ""), published_on=data.get("published_on") or None,
        url=str(data.get("url") or ""), notes=str(data.get("notes") or ""),
        statements=[str(s) for s in data.get("statements", []) or []], criteria=crits, origin=origin)


def criteria_from_standard(standard: Standard) -> list[Criterion]:
    """The standard's criteria as unsaved Criterion objects, ready to add to a cycle."""
    result = []
    for spec in standard.criteria:
        known = {k: spec[k] for k in CRITERION_FIELDS if k in spec and spec[k] is not None}
        if "target" in known:
            known["target"] = float(known["target"])
        if "threshold" in known:
            known["threshold"] = float(known["threshold"])
        result.append(Criterion(**known))
    return result


def validate(standard: Standard) -> list[str]:
    """Problems that stop a standard being saved, in plain words (empty = fine)."""
    problems = []
    if not standard.title.strip():
        problems.append("A standard needs a title.")
    if standard.source not in SOURCES:
        problems.append(f"Unknown source '{standard.source}'.")
    if standard.origin not in ORIGINS:
        problems.append(f"Unknown origin '{standard.origin}'.")
    try:
        parse_iso_date(standard.published_on)
    except ValueError:
        problems.append(f"The publication date is not a date (YYYY-MM-DD): {standard.published_on!r}.")
    problems += _criteria_problems(standard)
    return problems


def _criteria_problems(standard: Standard) -> list[str]:
    problems = []
    try:
        crits = criteria_from_standard(standard)
    except (TypeError, ValueError):
        return ["A criterion has a target or threshold that is not a number."]
    for number, crit in enumerate(crits, start=1):
        problems += [f"Criterion {number}: {text}" for text in criteria_model.validate(crit)]
        # Entry converts a time limit to minutes by its unit; an unknown unit would be read as minutes.
        if crit.answer_type == "time_diff" and crit.threshold_unit not in TIME_UNITS:
            problems.append(f"Criterion {number}: a time limit is in minutes, hours or days, "
                            f"not '{crit.threshold_unit}'.")
    return problems


def criterion_rule(spec: dict[str, Any]) -> str:
    """How a library criterion's answers are judged, in words ('' for a plain Yes/No criterion).

    Example: 'Met when the time is ≤ 60 minutes'. A spec whose numbers cannot be read gives ''.
    """
    if spec.get("answer_type", "yes_no") == "yes_no":
        return ""
    try:
        crit = criteria_from_standard(Standard(title="", criteria=[spec]))[0]
    except (TypeError, ValueError):
        return ""
    return criteria_model.describe_rule(crit)


_VERSION_PART = re.compile(r"\d+|[^\d]+")


def version_key(version: str) -> tuple[tuple[int, object], ...]:
    """A sort key that orders '2019' < '2024' and '1.9' < '1.10' (numbers compared as numbers)."""
    parts = _VERSION_PART.findall(version.strip().lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p not in ".-_ ")


def is_newer(version: str, than: str) -> bool:
    """True when `version` is a later version than `than`."""
    return version_key(version) > version_key(than)


# --- the table ------------------------------------------------------------------------------

def _row_to_standard(row: dict[str, Any]) -> Standard:
    return Standard(
        id=row["id"], uid=row["uid"], source=row["source"], reference_code=row["reference_code"],
        title=row["title"], version=row["version"], published_on=row["published_on"], url=row["url"],
        statements=json.loads(row["statements_json"] or "[]"), criteria=json.loads(row["criteria_json"] or "[]"),
        origin=row["origin"], notes=row["notes"], created_at=row["created_at"], updated_at=row["updated_at"])


def _values(standard: Standard) -> dict[str, Any]:
    return {"uid": standard.uid, "source": standard.source, "reference_code": standard.reference_code,
            "title": standard.title, "version": standard.version, "published_on": standard.published_on,
            "url": standard.url, "statements_json": json.dumps(standard.statements, ensure_ascii=False),
            "criteria_json": json.dumps(standard.criteria, ensure_ascii=False), "origin": standard.origin,
            "notes": standard.notes, "created_at": standard.created_at, "updated_at": standard.updated_at}


def _insert(db: Database, standard: Standard) -> Standard:
    stamp = now_iso()
    standard.created_at = standard.created_at or stamp
    standard.updated_at = stamp
    standard.id = inserted_id(db.table("standards").insert(_values(standard)))
    return standard


def _replace(db: Database, stored_id: int, standard: Standard) -> Standard:
    standard.id = stored_id
    standard.updated_at = now_iso()
    values = _values(standard)
    values.pop("created_at")
    db.table("standards").update(stored_id, values)
    return standard


@lru_cache(maxsize=1)
def _builtin_files() -> tuple[tuple[str, str, str], ...]:
    """(uid, version, file text) of every bundled standard (read once per run)."""
    folder = resource_path("standards")
    found = []
    for path in sorted(folder.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        found.append((str(data["uid"]), str(data.get("version", "")), text))
    return tuple(found)


def ensure_builtin_library(db: Database) -> int:
    """Load the bundled standards into the table (idempotent); returns how many rows changed.

    A uid not yet stored is added; a stored built-in with an older version is replaced by
    the bundled one (a newer AuditLoop ships newer guidance). Standards a user imported or
    edited under a built-in uid are left alone.
    """
    stored = {r["uid"]: r for r in db.query("SELECT id, uid, version, origin FROM standards")}
    changed = 0
    with db.atomic():
        for uid, version, text in _builtin_files():
            row = stored.get(uid)
            if row is None:
                _insert(db, standard_from_dict(json.loads(text), "builtin"))
            elif row["origin"] == "builtin" and is_newer(version, row["version"]):
                _replace(db, row["id"], standard_from_dict(json.loads(text), "builtin"))
            else:
                continue
            changed += 1
    return changed


def list_standards(db: Database) -> list[Standard]:
    """Every standard in the library (built-ins loaded on first use), by reference code."""
    ensure_builtin_library(db)
    rows = db.query("SELECT * FROM standards ORDER BY reference_code COLLATE NOCASE, title COLLATE NOCASE")
    return [_row_to_standard(r) for r in rows]


def search_standards(standards: list[Standard], text: str) -> list[Standard]:
    """Standards whose code, title, source, notes or criteria mention every word of `text`."""
    words = text.lower().split()

    def haystack(s: Standard) -> str:
        crits = " ".join(f"{c.get('short_name', '')} {c.get('statement', '')}" for c in s.criteria)
        return f"{s.reference_code} {s.title} {s.source_label} {s.notes} {crits}".lower()

    return [s for s in standards if all(w in haystack(s) for w in words)]


def get_standard(db: Database, standard_id: int) -> Standard:
    """One standard by id."""
    rows = list(db.query("SELECT * FROM standards WHERE id = ?", [standard_id]))
    if not rows:
        raise KnownError(f"Standard {standard_id} is no longer in the library.")
    return _row_to_standard(rows[0])


def get_standard_by_uid(db: Database, uid: str) -> Standard | None:
    """One standard by uid, or None."""
    rows = list(db.query("SELECT * FROM standards WHERE uid = ?", [uid]))
    return _row_to_standard(rows[0]) if rows else None


def save_standard(db: Database, standard: Standard) -> Standard:
    """Add or change a user (or imported) standard; built-in ones are read-only.

    Raises:
        KnownError: when the standard is built in or does not validate.
    """
    if standard.origin == "builtin":
        raise KnownError("Built-in standards cannot be changed.",
                         hint="Use “Copy as new” to make your own version, then edit that.")
    problems = validate(standard)
    if problems:
        raise KnownError(" ".join(problems), where=standard.title or "New standard")
    standard.uid = standard.uid or new_uid()
    with db.atomic():
        if standard.id is None:
            return _insert(db, standard)
        return _replace(db, standard.id, standard)


def copy_standard(standard: Standard) -> Standard:
    """An unsaved user copy of a standard (new uid), for editing a built-in one."""
    data = standard_to_dict(standard)
    data["uid"] = new_uid()
    data["title"] = f"{standard.title} (local copy)"
    return standard_from_dict(data, "user")


def delete_standard(db: Database, standard_id: int) -> None:
    """Remove a user or imported standard (audits and cycles keep their recorded version text).

    Raises:
        KnownError: for a built-in standard.
    """
    if get_standard(db, standard_id).origin == "builtin":
        raise KnownError("Built-in standards cannot be deleted.")
    with db.atomic():
        db.execute("DELETE FROM standards WHERE id = ?", [standard_id])


# --- sharing --------------------------------------------------------------------------------

def export_library(db: Database, path: Path | str, *, include_builtin: bool = False) -> int:
    """Write the library (by default the user and imported standards) to a JSON file to share.

    Returns:
        How many standards were written.
    """
    chosen = [s for s in list_standards(db) if include_builtin or s.origin != "builtin"]
    payload = {"format": LIBRARY_FORMAT, "format_version": LIBRARY_FORMAT_VERSION, "exported_at": now_iso(),
               "standards": [standard_to_dict(s) for s in chosen]}
    try:
        Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise KnownError(f"Could not write the library file: {exc.strerror}.", where=str(path),
                         hint="Choose a folder you can write to.") from exc
    return len(chosen)


def _read_library(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem("This file cannot be read as a standards library.", where=str(path),
                            hint="Choose a .json file exported from AuditLoop's standards library.") from exc
    if not isinstance(data, dict) or data.get("format") != LIBRARY_FORMAT:
        raise ImportProblem("This file is not an AuditLoop standards library.", where=str(path),
                            hint="Choose a file made with “Export library…”.")
    standards = data.get("standards")
    if not isinstance(standards, list):
        raise ImportProblem("The library file holds no list of standards.", where=str(path))
    return standards


def import_library(db: Database, path: Path | str) -> LibraryImportReport:
    """Add the standards of a shared library file.

    The same uid and version already stored is skipped; a newer version replaces the stored
    one (same id, so links hold); an older version is skipped; invalid entries are skipped
    with the reason. All in one transaction.

    Raises:
        ImportProblem: when the file is not a readable library file.
    """
    entries = _read_library(Path(path))
    ensure_builtin_library(db)
    added: list[str] = []
    updated: list[str] = []
    skipped: list[str] = []
    with db.atomic():
        for number, entry in enumerate(entries, start=1):
            outcome, text = _import_one(db, entry, number)
            {"added": added, "updated": updated, "skipped": skipped}[outcome].append(text)
    return LibraryImportReport(added, updated, skipped)


def _import_one(db: Database, entry: Any, number: int) -> tuple[str, str]:
    try:
        standard = standard_from_dict(entry, "imported")
    except KnownError as exc:
        return "skipped", f"entry {number}: {exc.message}"
    problems = validate(standard)
    if problems:
        return "skipped", f"{standard.label}: {problems[0]}"
    stored = get_standard_by_uid(db, standard.uid)
    if stored is None:
        _insert(db, standard)
        return "added", standard.label
    if not is_newer(standard.version, stored.version):
        why = "already in the library" if standard.version == stored.version else "the library has a newer version"
        return "skipped", f"{standard.label}: {why}"
    _replace(db, saved(stored.id), standard)
    return "updated", standard.label
