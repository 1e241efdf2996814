"""What the user decides before an import is planned: the header row, and which column is what.

Mapping targets are plain strings: "ignore", a case field from `CASE_FIELDS`, or
"criterion:<lineage>" (lineage rather than id, so a saved profile or a proforma keeps
working in the next cycle). `auto_mapping` makes a first guess; a mapping can be saved
under a name and applied to the next file (`save_profile`, `load_profile`). Names, dates
of birth and postcodes have no target at all, so they can never be imported.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from pathlib import Path

from sqlite_utils import Database

from model.collect.sheet_analysis import guess_column_roles
from model.collect.sheets import RawSheet, SheetTable, build_table
from model.core.errors import KnownError
from model.core.util import now_iso
from model.plan.criteria import Criterion, list_criteria

IGNORE = "ignore"
CRITERION_PREFIX = "criterion:"
CASE_FIELDS: dict[str, str] = {
    "case_ref": "Case reference",
    "nhs_number": "NHS number",
    "hospital_number": "Hospital number",
    "age": "Age (years)",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "imd_decile": "IMD decile",
    "ward": "Ward",
    "site": "Site",
    "team": "Team",
    "case_date": "Case date",
    "collector": "Collector",
}
# sheet_analysis roles that name a case field directly.
_ROLE_FIELD = {"case_ref": "case_ref", "nhs_number": "nhs_number", "hospital_number": "hospital_number",
               "age": "age", "sex": "sex", "ethnicity": "ethnicity", "imd": "imd_decile", "ward": "ward",
               "site": "site", "team": "team", "case_date": "case_date", "collector": "collector"}
MAX_MATCH = 0.55


def criterion_target(criterion: Criterion) -> str:
    """The mapping target string for a criterion."""
    return f"{CRITERION_PREFIX}{criterion.lineage}"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def _criterion_score(header: str, criterion: Criterion) -> float:
    """How much a header resembles a criterion's short name or statement (0–1)."""
    head = _words(header)
    if not head:
        return 0.0
    scores = []
    for text in (criterion.short_name, criterion.statement):
        words = _words(text)
        if words:
            scores.append(difflib.SequenceMatcher(None, head, words).ratio())
            shared = set(head.split()) & set(words.split())
            scores.append(len(shared) / max(len(set(head.split())), 1) * 0.9)
    return max(scores, default=0.0)


def auto_mapping(db: Database, cycle_id: int, table: SheetTable) -> dict[str, str]:
    """A first mapping of every column: case fields by header and content, answer columns to
    the criterion they most resemble (each criterion used once, best match first), the rest
    ignored. Names, dates of birth and postcodes are always ignored."""
    criteria = list_criteria(db, cycle_id)
    guesses = guess_column_roles(table)
    # Hospital numbers identify patients: mapped only on purpose, never automatically.
    mapping = {g.name: _ROLE_FIELD.get(g.role, IGNORE) if g.role != "hospital_number" else IGNORE for g in guesses}
    used: set[str] = set()
    for name in [n for n, t in mapping.items() if t != IGNORE]:
        if mapping[name] in used:  # a second "Date" column is left for the user to choose
            mapping[name] = IGNORE
        used.add(mapping[name])
    answer_columns = [g.name for g in guesses if g.role in ("answer", "text") and mapping[g.name] == IGNORE]
    pairs = sorted(((_criterion_score(col, c), i, col, c) for i, col in enumerate(answer_columns)
                    for c in criteria), key=lambda p: (-p[0], p[1]))
    taken: set[str] = set()
    for score, _i, col, crit in pairs:
        if score >= MAX_MATCH and col not in taken and crit.lineage not in used:
            mapping[col] = criterion_target(crit)
            taken.add(col)
            used.add(crit.lineage)
    _by_position(mapping, [g.name for g in guesses if g.role == "answer"], criteria, used)
    _learned(db, mapping, criteria)
    return mapping


def _learned(db: Database, mapping: dict[str, str], criteria: list[Criterion]) -> None:
    """The user's saved mappings win over guesses: a header they mapped before (newest saved
    mapping first) takes the same target again, when this cycle has it and no other column does."""
    valid = set(CASE_FIELDS) | {criterion_target(c) for c in criteria}
    rows = db.execute("SELECT mapping_json FROM import_profiles ORDER BY updated_at DESC, name").fetchall()
    remembered: dict[str, str] = {}
    for (text,) in rows:
        for header, target in json.loads(text).items():
            if target in valid or target == IGNORE:
                remembered.setdefault(header, target)
    for column, target in remembered.items():
        if column not in mapping or target == mapping[column]:
            continue
        holder = next((c for c, t in mapping.items() if t == target and c != column), None) \
            if target != IGNORE else None
        if holder is not None and holder in remembered:
            continue  # two saved decisions disagree: leave it to the user
        if holder is not None:
            mapping[holder] = IGNORE  # a guess gives way to what the user chose before
        mapping[column] = target


def _by_position(mapping: dict[str, str], answer_columns: list[str], criteria: list[Criterion],
                 used: set[str]) -> None:
    """Answer-looking columns nobody matched take the unmatched criteria in order, when the
    numbers agree (a sheet with exactly one answer column per criterion)."""
    free_cols = [c for c in answer_columns if mapping[c] == IGNORE]
    free_crit = [c for c in criteria if c.lineage not in used]
    if free_cols and len(free_cols) == len(free_crit):
        for col, crit in zip(free_cols, free_crit, strict=True):
            mapping[col] = criterion_target(crit)


def table_at_header(path: str | Path, raw: RawSheet, header_row: int) -> SheetTable:
    """The sheet read with the header in a row the user chose (1-based, as Excel numbers it).

    Used when the detected header is wrong. The rows below are sorted exactly as for a found
    header (`build_table`): empty, repeated-header, totals and summary rows are left out.
    """
    grid = raw.grid
    if not 1 <= header_row <= len(grid):
        raise KnownError(f"Row {header_row} is not in the sheet.", hint=f"Choose a row from 1 to {len(grid)}.")
    return build_table(Path(path), raw, header_row=header_row)


def identifying_warnings(table: SheetTable) -> dict[str, list[str]]:
    """Warnings per column for names, dates of birth, postcodes and other identifiers."""
    return {g.name: list(g.warnings) for g in guess_column_roles(table) if g.warnings}


def save_profile(db: Database, name: str, mapping: Mapping[str, str]) -> None:
    """Store a mapping under a name (replacing one of the same name)."""
    if not name.strip():
        raise KnownError("Give the mapping a name.")
    stamp = now_iso()
    with db.atomic():
        db.execute(
            "INSERT INTO import_profiles (name, mapping_json, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET mapping_json = excluded.mapping_json, updated_at = excluded.updated_at",
            [name.strip(), json.dumps(dict(mapping), ensure_ascii=False), stamp, stamp],
        )


def list_profiles(db: Database) -> list[str]:
    """Names of the saved mappings, alphabetically."""
    return [r[0] for r in db.execute("SELECT name FROM import_profiles ORDER BY name COLLATE NOCASE")]


def load_profile(db: Database, name: str, table: SheetTable, cycle_id: int) -> dict[str, str]:
    """A saved mapping applied to this table: columns it does not name, and criteria this cycle
    does not have, are ignored."""
    row = db.execute("SELECT mapping_json FROM import_profiles WHERE name = ?", [name]).fetchone()
    if row is None:
        raise KnownError(f"There is no saved mapping called '{name}'.")
    saved = json.loads(row[0])
    lineages = {criterion_target(c) for c in list_criteria(db, cycle_id)}
    valid = set(CASE_FIELDS) | lineages
    return {col: (saved.get(col) if saved.get(col) in valid else IGNORE) for col in table.columns}
