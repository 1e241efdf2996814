"""Planning an import (pure): the rows to store, per-criterion counts and the problems found.

`plan_import` turns a `SheetTable` plus the user's column mapping and decisions into an
`ImportPlan` without touching the database except to read the cycle's criteria and existing
case references; `model.collect.case_import.commit_import` stores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.answers import answer_key
from model.collect.entry import derive_distinct, derive_series, text_codes
from model.collect.import_checks import (
    _case_field,
    _case_ref,
    _check_mapping,
    _identifiers,
    _period,
    _problems,
    _pseudonymise_lookalikes,
    _reject_duplicates,
    _text,
    nhs_lookalike_columns,
)
from model.collect.import_mapping import CASE_FIELDS, criterion_target
from model.collect.sheets import SheetTable
from model.collect.value_merge import MERGE_FIELDS, apply_merges, propose_merges, remembered_merges
from model.core.errors import KnownError
from model.core.excel_safety import frame_to_csv
from model.core.util import saved
from model.plan.criteria import Criterion, list_criteria
from model.store.case_answers import AnswerColumn

OUTCOME_COLUMNS = ("met", "not_met", "exception", "missing")


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
        merges: per field (ward, site, team), spelling → the name stored (model.collect.value_merge).
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
    merges: dict[str, dict[str, str]] = field(default_factory=dict)

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


def proposed_merges(db: Database, table: SheetTable, mapping: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per mapped ward/site/team column, the spellings that would be merged (model.collect.value_merge),
    with the user's earlier merges applied first."""
    out = {}
    for column, target in mapping.items():
        if target in MERGE_FIELDS:
            merges = propose_merges(_text(table.data[column]).dropna(), remembered_merges(db, target))
            if merges:
                out[target] = merges
    return out


def plan_import(db: Database, cycle_id: int, table: SheetTable, mapping: Mapping[str, str],
                decisions: Mapping[str, str], *, keep_identifiers: bool, key: bytes | None,
                replace_import_id: int | None = None,
                merges: Mapping[str, Mapping[str, str]] | None = None) -> ImportPlan:
    """Work out what importing `table` into a cycle would store.

    Args:
        db: the database (read only here).
        cycle_id: the cycle to import into.
        table: the sheet as read by `model.collect.sheets`.
        mapping: column name → "ignore", a key of `CASE_FIELDS`, or "criterion:<lineage>".
        decisions: outcome chosen for unrecognised spellings ("met", "not_met", "exception",
            "missing"); keys are compared like answers (trimmed, case-insensitive).
        keep_identifiers: the audit keeps NHS and hospital numbers (otherwise they are hashed, and
            so is any other mapped column whose values are mostly valid NHS numbers).
        key: the audit's pseudonymisation key (needed when identifiers are hashed).
        replace_import_id: an earlier import of the same file being replaced.
        merges: per field (ward, site, team), spelling as typed (trimmed) → the name to store.

    Raises:
        KnownError: the mapping is unusable (no case reference column, no criterion, a target
            used twice) or identifiers must be hashed but there is no key.
    """
    criteria = {criterion_target(c): c for c in list_criteria(db, cycle_id)}
    targets = _check_mapping(mapping, criteria, table)
    lookalikes = [] if keep_identifiers else nhs_lookalike_columns(table.data, targets)
    if not keep_identifiers and key is None and ({"nhs_number", "hospital_number"} & set(targets) or lookalikes):
        raise KnownError("Identifiers must be pseudonymised, but the audit's key is not available.",
                         hint="Open the audit's Collect page again so the key is created.")
    # NHS numbers under any other role (a case reference, a ward, an answer) are never stored either.
    data, warnings = (_pseudonymise_lookalikes(table.data, lookalikes, key) if lookalikes and key is not None
                      else (table.data, []))
    problems: list[pd.DataFrame] = []
    cases = pd.DataFrame(index=data.index)
    cases["source_row"] = np.asarray(data.index, dtype=np.int64)
    _case_ref(cases, data, targets["case_ref"], problems)
    period = _period(db, cycle_id)
    for fname, column in targets.items():
        if fname in CASE_FIELDS and fname != "case_ref":
            _case_field(cases, fname, data[column], column, period, problems)
    used_merges = {f: dict(m) for f, m in (merges or {}).items() if f in MERGE_FIELDS and f in cases and m}
    for fname, spellings in used_merges.items():
        cases[fname] = apply_merges(cases[fname], spellings)
    _identifiers(cases, keep_identifiers, key)
    if targets["case_ref"] in lookalikes and "patient_key" not in cases:
        cases["patient_key"] = cases["case_ref"]  # the same pseudonym an NHS-number column would give
    keep = _reject_duplicates(db, cycle_id, cases, targets["case_ref"], replace_import_id, problems)
    cases = cases.loc[keep]
    answer_columns, counts, unrecognised = _answers(data.loc[keep], cases, targets, criteria, decisions)
    rejected = pd.concat(problems, ignore_index=True) if problems else _problems(pd.Index([]), "", pd.Series([]),
                                                                                   "", "")
    return ImportPlan(cases=cases.reset_index(drop=True), answer_columns=answer_columns, counts=counts,
                      rejected=rejected.sort_values(["row", "column"], kind="stable").reset_index(drop=True),
                      unrecognised=unrecognised, mapping=dict(mapping), sheet=table.sheet,
                      header_row=table.header_row, replace_import_id=replace_import_id,
                      warnings=[*table.warnings, *warnings], merges=used_merges)


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
        columns[saved(crit.id)] = AnswerColumn(codes=codes, outcome=outcome, raw=raw, value=value)
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
    return outcome, value, np.append(raw, None), codes  # type: ignore[call-overload]  # numpy's stubs reject None; it makes an object array


def rejected_csv(plan: ImportPlan, path: str | Path) -> None:
    """Save the problems list as CSV (text cells neutralised against formula injection)."""
    try:
        frame_to_csv(plan.rejected, str(path))
    except OSError as exc:
        raise KnownError("The rejected rows could not be saved.", where=str(path),
                         hint=f"Choose another folder ({exc.strerror}).") from exc
