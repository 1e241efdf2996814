"""Importing cases from a spreadsheet into a cycle: plan (pure) → commit (one transaction).

`plan_import` turns a `SheetTable` plus the user's column mapping and decisions into the
rows to store, per-criterion counts and the problems found, without touching the database
except to read the cycle's criteria and existing case references. `commit_import` stores a
plan all-or-nothing (`db.atomic()`), so a failure or a Cancel half-way leaves no trace.

Mapping targets are plain strings: "ignore", a case field from `CASE_FIELDS`, or
"criterion:<lineage>" (lineage rather than id, so a saved profile or a proforma keeps
working in the next cycle).

Identifiers (DOMAIN.md §10): NHS numbers are validated (modulus 11); unless the audit keeps
identifiers they are replaced by an HMAC pseudonym in `cases.patient_key` and never stored;
hospital numbers are hashed likewise. Names, dates of birth and postcodes have no target at
all, so they can never be imported.

Full pipeline from a script (what bench/ should time)::

    from model.collect.sheets import read_table
    from model.collect.case_import import auto_mapping, commit_import, file_sha256, plan_import
    table = read_table(path)
    mapping = auto_mapping(db, cycle_id, table)
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=key)
    commit_import(db, cycle_id, plan, file_name=path.name, sha256=file_sha256(path))
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.answers import answer_key, parse_uk_dates, validate_nhs_numbers
from model.collect.demographics import age_band, imd_quintile_from_decile
from model.collect.entry import derive_distinct, derive_series, text_codes
from model.collect.pseudonym import pseudonymise
from model.collect.sheet_analysis import guess_column_roles
from model.collect.sheets import RawSheet, SheetTable, column_letter
from model.core.columns import per_unique
from model.core.errors import KnownError
from model.core.excel_safety import neutralise_frame
from model.core.progress import Progress, report
from model.core.util import now_iso, parse_iso_date
from model.plan.criteria import Criterion, list_criteria
from model.plan.cycles import get_cycle
from model.store.case_answers import AnswerColumn, pack_columns

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
_SEX = {"m": "Male", "male": "Male", "man": "Male", "f": "Female", "female": "Female", "woman": "Female",
        "u": "Not known", "unknown": "Not known", "not known": "Not known", "not stated": "Not stated",
        "x": "Other", "other": "Other", "i": "Indeterminate", "indeterminate": "Indeterminate"}
OUTCOME_COLUMNS = ("met", "not_met", "exception", "missing")
BATCH_ROWS = 20_000
ROWS_PER_STATEMENT = 500
MAX_MATCH = 0.55
ROW_DROPPED = "row not imported"
VALUE_DROPPED = "value left empty"
WITHHELD = "(withheld: patient identifier)"
VALUE_KEPT = "value kept"


def criterion_target(criterion: Criterion) -> str:
    """The mapping target string for a criterion."""
    return f"{CRITERION_PREFIX}{criterion.lineage}"


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (re-imports of the same file are recognised by it)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Mapping
# ---------------------------------------------------------------------------


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
    return mapping


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

    Used when the detected header is wrong; rows below that are entirely blank are dropped.
    """
    grid = raw.grid
    if not 1 <= header_row <= len(grid):
        raise KnownError(f"Row {header_row} is not in the sheet.", hint=f"Choose a row from 1 to {len(grid)}.")
    names = [" ".join(v.split()) if isinstance(v, str) else "" for v in grid.iloc[header_row - 1]]
    body = grid.iloc[header_row:]
    filled = body.notna() & (body.astype("str").apply(lambda s: s.str.strip()) != "")
    # A "TOTAL" row under the cases is not a case.
    first = body.bfill(axis=1).iloc[:, 0].astype("str").str.strip().str.casefold()
    total = first.str.match(r"^(grand |sub ?)?totals?\b").fillna(False).astype(bool)
    filled.loc[total.to_numpy()] = False
    keep_cols = [c for i, c in enumerate(grid.columns) if names[i] or filled[c].any()]
    letters = [column_letter(int(c)) for c in keep_cols]
    unique = _unique([names[list(grid.columns).index(c)] for c in keep_cols], letters)
    data = body.loc[filled[keep_cols].any(axis=1), keep_cols].copy()
    data.columns = unique
    data.index = pd.Index(np.asarray(data.index, dtype=np.int64) + 1, name="row")
    return SheetTable(path=Path(path), sheet=raw.name, header_row=header_row, header_height=1,
                      columns=tuple(unique), display_headers=tuple(unique), letters=tuple(letters), data=data)


def _unique(names: list[str], letters: list[str]) -> list[str]:
    """Blank headers become "Column D"; repeats get " (2)"."""
    seen: dict[str, int] = {}
    out = []
    for name, letter in zip(names, letters, strict=True):
        base = " ".join(name.split()) or f"Column {letter}"
        seen[base.casefold()] = seen.get(base.casefold(), 0) + 1
        out.append(base if seen[base.casefold()] == 1 else f"{base} ({seen[base.casefold()]})")
    return out


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


def find_previous_import(db: Database, cycle_id: int, sha256: str) -> int | None:
    """The id of an earlier import of the same file into this cycle, if any."""
    row = db.execute("SELECT id FROM imports WHERE cycle_id = ? AND sha256 = ? ORDER BY id DESC LIMIT 1",
                     [cycle_id, sha256]).fetchone()
    return None if row is None else int(row[0])


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """Everything an import would store, and what it found wrong.

    Attributes:
        cases: one row per case to store (case columns + `source_row`, the Excel row).
        answer_columns: per criterion id, its answers factorised (model.store.case_answers.AnswerColumn),
            one per row of `cases`; `answers` lays them out one row per case and criterion.
        counts: per criterion (index = criterion id): label, met, not_met, exception, missing.
        rejected: problems: row, column, value, reason, action (row not imported / value left
            empty / value kept).
        unrecognised: answers nobody decided on, left missing: row, case_ref, column, value.
        mapping: the column mapping used.
        sheet: the sheet name; header_row: its 1-based header row.
        replace_import_id: the earlier import this plan replaces (its cases do not clash).
    """

    cases: pd.DataFrame
    answer_columns: dict[int, AnswerColumn]
    counts: pd.DataFrame
    rejected: pd.DataFrame
    unrecognised: pd.DataFrame
    mapping: dict[str, str]
    sheet: str = ""
    header_row: int | None = None
    replace_import_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def case_count(self) -> int:
        """How many cases would be stored."""
        return len(self.cases)

    @property
    def answers(self) -> pd.DataFrame:
        """One row per case and criterion (source_row, criterion_id, outcome, raw, value), case by
        case with criteria in id order: for previews and checks (the store packs them per case)."""
        ids = sorted(self.answer_columns)
        rows = self.cases["source_row"].to_numpy(dtype=np.int64)
        per = [self.answer_columns[i] for i in ids]
        return pd.DataFrame({
            "source_row": np.repeat(rows, len(ids)),
            "criterion_id": np.tile(np.asarray(ids, dtype=np.int64), len(rows)),
            "outcome": _case_major([c.outcome[c.codes] for c in per], object),
            "raw": _case_major([c.raw[c.codes] for c in per], object),
            "value": _case_major([c.value[c.codes] for c in per], np.float64)})

    def report(self) -> dict[str, object]:
        """The JSON-ready summary kept in `imports.report_json`."""
        return {
            "cases": self.case_count,
            "counts": {str(k): {c: int(v[c]) for c in OUTCOME_COLUMNS} | {"label": v["label"]}
                       for k, v in self.counts.iterrows()},
            "rejected": _records(self.rejected),
            "unrecognised": _records(self.unrecognised),
            "warnings": list(self.warnings),
        }


def _records(frame: pd.DataFrame, limit: int = 10_000) -> list[dict[str, object]]:
    head = frame.head(limit).astype(object).where(frame.head(limit).notna(), None)
    return [{k: (int(v) if isinstance(v, np.integer) else v) for k, v in r.items()}
            for r in head.to_dict("records")]


def _problems(rows: pd.Index, column: str, values: pd.Series, reason: str | pd.Series, action: str) -> pd.DataFrame:
    return pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "column": column,
                         "value": values.astype(object).to_numpy(),
                         "reason": reason.to_numpy() if isinstance(reason, pd.Series) else reason, "action": action})


def unrecognised_values(db: Database, cycle_id: int, table: SheetTable, mapping: Mapping[str, str]) -> pd.DataFrame:
    """Every answer cell the vocabulary cannot read, for the user to decide on.

    Returns:
        Columns value, key (how it is compared), column, row, criterion (label) — one row per cell.
    """
    by_target = {criterion_target(c): c for c in list_criteria(db, cycle_id)}
    parts = []
    for column, target in mapping.items():
        crit = by_target.get(target)
        if crit is None:
            continue
        outcome, _value, _problem = derive_series(table.data[column], crit)
        odd = outcome[outcome == "unrecognised"].index
        cells = table.data.loc[odd, column].astype("str")
        parts.append(pd.DataFrame({"value": cells.to_numpy(), "key": cells.map(answer_key).to_numpy(),
                                   "column": column, "row": np.asarray(odd, dtype=np.int64),
                                   "criterion": crit.label}))
    empty = pd.DataFrame(columns=["value", "key", "column", "row", "criterion"])
    return pd.concat(parts, ignore_index=True) if parts else empty


def plan_import(db: Database, cycle_id: int, table: SheetTable, mapping: Mapping[str, str],
                decisions: Mapping[str, str], *, keep_identifiers: bool, key: bytes | None,
                replace_import_id: int | None = None) -> ImportPlan:
    """Work out what importing `table` into a cycle would store.

    Args:
        db: the database (read only here).
        cycle_id: the cycle to import into.
        table: the sheet as read by `model.collect.sheets`.
        mapping: column name → "ignore", a key of `CASE_FIELDS`, or "criterion:<lineage>".
        decisions: outcome chosen for unrecognised spellings ("met", "not_met", "exception",
            "missing"); keys are compared like answers (trimmed, case-insensitive).
        keep_identifiers: the audit keeps NHS and hospital numbers (otherwise they are hashed).
        key: the audit's pseudonymisation key (needed when identifiers are hashed).
        replace_import_id: an earlier import of the same file being replaced.

    Raises:
        KnownError: the mapping is unusable (no case reference column, no criterion, a target
            used twice) or identifiers must be hashed but there is no key.
    """
    criteria = {criterion_target(c): c for c in list_criteria(db, cycle_id)}
    targets = _check_mapping(mapping, criteria, table)
    if not keep_identifiers and key is None and ({"nhs_number", "hospital_number"} & set(targets)):
        raise KnownError("Identifiers must be pseudonymised, but the audit's key is not available.",
                         hint="Open the audit's Collect page again so the key is created.")
    data = table.data
    problems: list[pd.DataFrame] = []
    cases = pd.DataFrame(index=data.index)
    cases["source_row"] = np.asarray(data.index, dtype=np.int64)
    _case_ref(cases, data, targets["case_ref"], problems)
    period = _period(db, cycle_id)
    for fname, column in targets.items():
        if fname in CASE_FIELDS and fname != "case_ref":
            _case_field(cases, fname, data[column], column, period, problems)
    _identifiers(cases, keep_identifiers, key)
    keep = _reject_duplicates(db, cycle_id, cases, targets["case_ref"], replace_import_id, problems)
    cases = cases.loc[keep]
    answer_columns, counts, unrecognised = _answers(data.loc[keep], cases, targets, criteria, decisions)
    rejected = pd.concat(problems, ignore_index=True) if problems else _problems(pd.Index([]), "", pd.Series([]),
                                                                                   "", "")
    return ImportPlan(cases=cases.reset_index(drop=True), answer_columns=answer_columns, counts=counts,
                      rejected=rejected.sort_values(["row", "column"], kind="stable").reset_index(drop=True),
                      unrecognised=unrecognised, mapping=dict(mapping), sheet=table.sheet,
                      header_row=table.header_row, replace_import_id=replace_import_id,
                      warnings=list(table.warnings))


def _check_mapping(mapping: Mapping[str, str], criteria: Mapping[str, Criterion],
                   table: SheetTable) -> dict[str, str]:
    """target → column, refusing what cannot work."""
    targets: dict[str, str] = {}
    for column, target in mapping.items():
        if target == IGNORE:
            continue
        if column not in table.columns:
            raise KnownError(f"The column '{column}' is not in the sheet.", hint="Check the mapping.")
        if target not in CASE_FIELDS and target not in criteria:
            raise KnownError(f"The column '{column}' is mapped to something this cycle does not have.",
                             hint="Map it again or ignore it.")
        if target in targets:
            label = CASE_FIELDS.get(target) or criteria[target].label
            raise KnownError(f"Two columns are mapped to {label}: '{targets[target]}' and '{column}'.",
                             hint="Map one of them to 'ignore'.")
        targets[target] = column
    if "case_ref" not in targets:
        raise KnownError("No column is mapped to the case reference.",
                         hint="Choose the column that numbers the cases (e.g. 'Case no.').")
    if not set(targets) & set(criteria):
        raise KnownError("No column is mapped to a criterion, so there is nothing to measure.",
                         hint="Map each answer column to its criterion.")
    return targets


def _period(db: Database, cycle_id: int) -> tuple | None:
    cycle = get_cycle(db, cycle_id)
    start, end = parse_iso_date(cycle.period_start), parse_iso_date(cycle.period_end)
    return (start, end) if start and end else None


def _text(series: pd.Series) -> pd.Series:
    """Trimmed text, NaN for blank (trimmed once per distinct value: answers repeat a few spellings)."""
    trimmed = per_unique(series.astype("str"), lambda u: u.strip() or np.nan, na=np.nan)
    return pd.Series(trimmed, index=series.index, dtype="str", name=series.name)


def _case_ref(cases: pd.DataFrame, data: pd.DataFrame, column: str, problems: list[pd.DataFrame]) -> None:
    refs = _text(data[column])
    cases["case_ref"] = refs
    blank = refs.isna()
    if blank.any():
        problems.append(_problems(refs.index[blank], column, data.loc[blank, column], "no case reference",
                                  ROW_DROPPED))


def _case_field(cases: pd.DataFrame, fname: str, cells: pd.Series, column: str, period: tuple | None,
                problems: list[pd.DataFrame]) -> None:
    text = _text(cells)
    if fname == "case_date":
        iso, problem = parse_uk_dates(cells, period=period)
        outside = problem == "outside the data collection period"
        bad = problem.notna() & ~outside
        cases["case_date"] = iso.where(~bad)
        for mask, action in ((bad, VALUE_DROPPED), (outside, VALUE_KEPT)):
            if mask.any():
                problems.append(_problems(cells.index[mask], column, cells[mask], problem[mask], action))
    elif fname in ("age", "imd_decile"):
        number = pd.to_numeric(text, errors="coerce")
        low, high = (0, 120) if fname == "age" else (1, 10)
        ok = number.between(low, high) & (number % 1 == 0)
        cases[fname] = number.where(ok).astype("Int64")
        bad = text.notna() & ~ok
        if bad.any():
            reason = f"{CASE_FIELDS[fname].lower()} must be a whole number from {low} to {high}"
            problems.append(_problems(cells.index[bad], column, cells[bad], reason, VALUE_DROPPED))
    elif fname == "sex":
        cases["sex"] = text.map(lambda v: _SEX.get(v.casefold(), v) if isinstance(v, str) else v)
    elif fname == "nhs_number":
        checked = validate_nhs_numbers(cells)
        bad = checked["problem"].notna()
        cases["nhs_number"] = checked["nhs_number"].where(checked["valid"])
        if bad.any():
            reason = "invalid NHS number (" + checked.loc[bad, "problem"] + ")"
            # A mistyped NHS number still identifies a patient: the problem list (kept in the
            # store with the import, and saved as CSV) names the row, never the number.
            withheld = pd.Series(WITHHELD, index=cells.index[bad])
            problems.append(_problems(cells.index[bad], column, withheld, reason, VALUE_DROPPED))
    else:
        cases[fname] = text


def _identifiers(cases: pd.DataFrame, keep_identifiers: bool, key: bytes | None) -> None:
    """Pseudonymise NHS and hospital numbers unless the audit keeps them."""
    if "nhs_number" in cases and not keep_identifiers:
        cases["patient_key"] = pseudonymise(cases.pop("nhs_number"), key)  # type: ignore[arg-type]
    elif "nhs_number" in cases:
        cases["patient_key"] = pseudonymise(cases["nhs_number"], key) if key else np.nan
    if "hospital_number" in cases and not keep_identifiers:
        hashed = pseudonymise("H" + cases["hospital_number"], key)  # type: ignore[arg-type]
        cases["hospital_number"] = hashed.where(cases["hospital_number"].notna())
        if "patient_key" not in cases:
            cases["patient_key"] = cases["hospital_number"]


def _reject_duplicates(db: Database, cycle_id: int, cases: pd.DataFrame, column: str,
                       replace_import_id: int | None, problems: list[pd.DataFrame]) -> pd.Series:
    """Rows to keep: a reference used twice in the file or already in the cycle is rejected."""
    refs = cases["case_ref"]
    repeat = refs.notna() & refs.duplicated(keep="first")
    if repeat.any():
        first_row = cases.groupby("case_ref")["source_row"].transform("min")
        reason = "duplicate case ref (first in row " + first_row[repeat].astype("Int64").astype(str) + ")"
        problems.append(_problems(refs.index[repeat], column, refs[repeat], reason, ROW_DROPPED))
    existing = set(_existing_refs(db, cycle_id, replace_import_id))
    clash = refs.notna() & ~repeat & refs.isin(existing)
    if clash.any():
        problems.append(_problems(refs.index[clash], column, refs[clash], "case ref already in this cycle",
                                  ROW_DROPPED))
    return refs.notna() & ~repeat & ~clash


def _existing_refs(db: Database, cycle_id: int, replace_import_id: int | None) -> list[str]:
    rows = db.execute("SELECT case_ref FROM cases WHERE cycle_id = ? AND deleted_at IS NULL "
                      "AND import_id IS NOT ?", [cycle_id, replace_import_id])
    return [r[0] for r in rows]


def _answers(data: pd.DataFrame, cases: pd.DataFrame, targets: Mapping[str, str],
             criteria: Mapping[str, Criterion], decisions: Mapping[str, str]
             ) -> tuple[dict[int, AnswerColumn], pd.DataFrame, pd.DataFrame]:
    """Every criterion's answers, factorised (unmapped ones missing), counts and leftovers."""
    columns: dict[int, AnswerColumn] = {}
    counts, odd = [], []
    rows = np.asarray(data.index, dtype=np.int64)
    for target, crit in criteria.items():
        column = targets.get(target)
        if column is None:
            codes = np.full(len(data), -1, dtype=np.intp)
            outcome, value, raw = np.array(["missing"], dtype=object), np.array([np.nan]), np.array([None], object)
        else:
            outcome, value, raw, codes = _derive_column(data[column], crit, decisions)
        # Cells per distinct text (blanks last), then per outcome: no pass over the rows per outcome.
        per_text = np.bincount(np.where(codes < 0, len(outcome) - 1, codes), minlength=len(outcome))
        tally = pd.Series(per_text).groupby(outcome).sum()
        left = outcome == "unrecognised"
        if left.any():
            cells = left[codes]
            odd.append(pd.DataFrame({"row": rows[cells], "case_ref": cases["case_ref"].to_numpy()[cells],
                                     "column": column, "value": raw[codes[cells]], "criterion": crit.label}))
            outcome = np.where(left, "missing", outcome).astype(object)  # never guessed: stored as missing
            tally["missing"] = tally.get("missing", 0) + tally.pop("unrecognised")
        columns[crit.id] = AnswerColumn(codes=codes, outcome=outcome, raw=raw, value=value)
        counts.append({"criterion_id": crit.id, "label": crit.label,
                       **{c: int(tally.get(c, 0)) for c in OUTCOME_COLUMNS}})
    unrecognised = pd.concat(odd, ignore_index=True) if odd else pd.DataFrame(
        columns=["row", "case_ref", "column", "value", "criterion"])
    return columns, pd.DataFrame(counts).set_index("criterion_id"), unrecognised


def _case_major(per_criterion: list[np.ndarray], dtype: type) -> pd.Series:
    """Columns of one value per case, one column per criterion, as one long column case by case."""
    values = np.stack(per_criterion, axis=1).ravel() if per_criterion else np.empty(0)
    # Object columns stay object: letting pandas infer its "str" dtype costs a pass over them.
    return pd.Series(values, dtype=dtype, copy=False)


def _derive_column(cells: pd.Series, crit: Criterion, decisions: Mapping[str, str]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One answer column, factorised once: per distinct text (blank last) its outcome, number and
    trimmed text (None for blank), and per cell the code into those."""
    codes, distinct = text_codes(cells)
    outcome, value, _problem = derive_distinct(distinct, crit, decisions)
    raw = np.fromiter((u.strip() or None for u in distinct), dtype=object, count=len(distinct))
    return outcome, value, np.append(raw, None), codes


def rejected_csv(plan: ImportPlan, path: str | Path) -> None:
    """Save the problems list as CSV (text cells neutralised against formula injection)."""
    out = neutralise_frame(plan.rejected, ["column", "value", "reason"])
    try:
        out.to_csv(path, index=False, encoding="utf-8-sig")
    except OSError as exc:
        raise KnownError("The rejected rows could not be saved.", where=str(path),
                         hint=f"Choose another folder ({exc.strerror}).") from exc


# ---------------------------------------------------------------------------
# Commit
# ---------------------------------------------------------------------------

_CASE_COLUMNS = ("id", "cycle_id", "case_ref", "patient_key", "nhs_number", "hospital_number", "age", "age_band",
                 "sex", "ethnicity", "imd_decile", "imd_quintile", "ward", "site", "team", "case_date", "collector",
                 "import_id", "source_row", "created_at", "updated_at")


def _case_rows(plan: ImportPlan, cycle_id: int, import_id: int, first_id: int) -> pd.DataFrame:
    """The plan's cases as table rows, numbered from `first_id` (blanks are turned into NULL by `_insert`)."""
    cases = plan.cases.copy()
    stamp = now_iso()
    cases["cycle_id"], cases["import_id"], cases["created_at"], cases["updated_at"] = cycle_id, import_id, stamp, stamp
    cases["id"] = np.arange(first_id, first_id + len(cases), dtype=np.int64)
    if "age" in cases:
        cases["age_band"] = age_band(cases["age"]).astype(object)
    if "imd_decile" in cases:
        cases["imd_quintile"] = imd_quintile_from_decile(cases["imd_decile"])
    for column in _CASE_COLUMNS:
        if column not in cases:
            cases[column] = None
    rows = cases[list(_CASE_COLUMNS)]
    for column, values in pack_columns(plan.answer_columns, len(cases)).items():
        rows[column] = values  # the answers ride on the case rows (model.store.case_answers)
    return rows


def _sql_values(column: pd.Series) -> tuple[np.ndarray, bool]:
    """A column as the Python objects sqlite3 binds: int/float/str, None for blank (never NaN),
    and whether any value is not blank (one pass to find the blanks serves both)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iub":
        return column.to_numpy().astype(object), len(column) > 0  # numpy hands over Python ints
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
        numbers = column.to_numpy()
        filled = ~np.isnan(numbers)
        out = np.full(len(numbers), None, dtype=object)
        out[filled] = numbers[filled].tolist()  # Python floats, made only for the filled cells
        return out, bool(filled.any())
    blank = column.isna().to_numpy()
    out = column.to_numpy(dtype=object, copy=True)
    out[blank] = None
    return out, not blank.all()


def _constant_literal(values: np.ndarray) -> str | None:
    """The SQL literal of a column holding one int or text value throughout, else None."""
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, int | str) or not (values == first).all():
        return None
    return str(first) if isinstance(first, int) else "'" + first.replace("'", "''") + "'"


def _insert(db: Database, table: str, frame: pd.DataFrame, progress: Progress | None, done: int, total: int,
            text: str) -> int:
    """Insert a frame with multi-row VALUES statements, BATCH_ROWS rows between progress reports.

    One statement per row (plain executemany) runs SQLite's per-statement set-up for every
    row: multi-row statements cost half as much. The rows are laid out one batch at a time in
    a small reused buffer rather than all at once. Each report is a cancellation point
    (Cancel rolls everything back).
    """
    count = len(frame)
    if not count:
        return done
    values = {column: _sql_values(frame[column]) for column in frame.columns}
    # An empty column whose default is NULL anyway is left out: fewer values to bind.
    no_default = {r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[4] is None}
    kept = [c for c, (_v, filled) in values.items() if c not in no_default or filled] or list(values)[:1]
    # A column with one value throughout (cycle, import, time stamps, criteria list) is written
    # into the statement once instead of being bound for every row.
    constants = {c: sql for c in kept if count > 1 and (sql := _constant_literal(values[c][0])) is not None}
    columns = [c for c in kept if c not in constants]
    per = max(1, min(ROWS_PER_STATEMENT,
                     db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // max(len(columns), 1)))
    head = f"INSERT INTO {table} ({', '.join([*columns, *constants])}) VALUES "
    row = "(" + ", ".join(["?"] * len(columns) + list(constants.values())) + ")"
    buffer = np.empty((min(BATCH_ROWS, count), len(columns)), dtype=object)
    for start in range(0, count, BATCH_ROWS):
        report(progress, done, total, text)
        batch = buffer[:min(BATCH_ROWS, count - start)]
        for j, column in enumerate(columns):
            batch[:, j] = values[column][0][start:start + len(batch)]
        full = len(batch) // per * per
        if full:
            db.conn.executemany(head + ", ".join([row] * per), batch[:full].reshape(-1, per * len(columns)).tolist())
        if full < len(batch):
            db.conn.execute(head + ", ".join([row] * (len(batch) - full)), batch[full:].ravel().tolist())
        done += len(batch)
    return done


def _delete_import(db: Database, import_id: int) -> None:
    """Remove an earlier import: its cases (answers with them) and its record."""
    db.execute("DELETE FROM cases WHERE import_id = ?", [import_id])
    db.execute("DELETE FROM imports WHERE id = ?", [import_id])


def commit_import(db: Database, cycle_id: int, plan: ImportPlan, *, file_name: str, sha256: str,
                  replace_import_id: int | None = None, progress: Progress | None = None) -> int:
    """Store a plan all-or-nothing and record the import; returns the new import's id.

    When `replace_import_id` is given, that import's cases are deleted first, in the same
    transaction. A failure or Cancel (`progress` raising `Cancelled`) leaves the database
    exactly as it was.
    """
    replace_import_id = replace_import_id if replace_import_id is not None else plan.replace_import_id
    total = len(plan.cases)
    with db.atomic():
        if replace_import_id is not None:
            _delete_import(db, replace_import_id)
        cursor = db.execute(
            "INSERT INTO imports (cycle_id, file_name, sha256, sheet, header_row, imported_at, case_count, "
            "mapping_json, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [cycle_id, file_name, sha256, plan.sheet, plan.header_row, now_iso(), plan.case_count,
             json.dumps(plan.mapping, ensure_ascii=False), json.dumps(plan.report(), ensure_ascii=False)])
        import_id = int(cursor.lastrowid)
        # The cases are numbered here, as SQLite would number them (after the highest id), so
        # their ids need not be read back: the transaction holds the write lock throughout.
        first_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM cases").fetchone()[0]
        rows = _case_rows(plan, cycle_id, import_id, first_id)
        _insert(db, "cases", rows, progress, 0, total, "Storing cases…")
        report(progress, total, total, "Finishing…")
    return import_id


def list_imports(db: Database, cycle_id: int) -> list[dict[str, object]]:
    """The cycle's imports, newest first (id, file_name, imported_at, case_count, report)."""
    rows = db.query("SELECT id, file_name, sheet, imported_at, case_count, report_json FROM imports "
                    "WHERE cycle_id = ? ORDER BY id DESC", [cycle_id])
    return [{**{k: v for k, v in r.items() if k != "report_json"}, "report": json.loads(r["report_json"] or "{}")}
            for r in rows]
