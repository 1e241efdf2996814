"""Checking and cleaning the case columns of an import, and listing what is wrong with them.

Every problem becomes a row of the plan's problem list (row, column, value, reason, action),
where the action says what the import does about it: the row is not imported, the value is
left empty, or the value is kept. Identifiers (DOMAIN.md §10): NHS numbers are validated
(modulus 11); unless the audit keeps identifiers they are replaced by an HMAC pseudonym in
`cases.patient_key` and never stored; hospital numbers are hashed likewise. A mistyped NHS
number is never written to the problem list either.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.collect.answers import looks_like_nhs_number_column, parse_uk_dates, validate_nhs_numbers
from model.collect.demographics import parse_ages
from model.collect.import_mapping import CASE_FIELDS, IGNORE
from model.collect.pseudonym import pseudonymise
from model.collect.sheets import SheetTable
from model.core.columns import per_unique
from model.core.errors import KnownError
from model.core.util import parse_iso_date
from model.plan.criteria import Criterion
from model.plan.cycles import get_cycle

_SEX = {"m": "Male", "male": "Male", "man": "Male", "f": "Female", "female": "Female", "woman": "Female",
        "u": "Not known", "unknown": "Not known", "not known": "Not known", "not stated": "Not stated",
        "x": "Other", "other": "Other", "i": "Indeterminate", "indeterminate": "Indeterminate"}
ROW_DROPPED = "row not imported"
VALUE_DROPPED = "value left empty"
WITHHELD = "(withheld: patient identifier)"
VALUE_KEPT = "value kept"
# A column is taken for NHS numbers, whatever it is mapped to, when most of its filled cells are
# valid ones (a column of other 10-digit numbers passes the modulus-11 check about 1 time in 11).
NHS_LOOKALIKE_SHARE = 0.5


def _problems(rows: pd.Index, column: str, values: pd.Series, reason: str | pd.Series, action: str) -> pd.DataFrame:
    return pd.DataFrame({"row": np.asarray(rows, dtype=np.int64), "column": column,
                         "value": values.astype(object).to_numpy(),
                         "reason": reason.to_numpy() if isinstance(reason, pd.Series) else reason, "action": action})


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


def _period(db: Database, cycle_id: int) -> tuple[date, date] | None:
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


def _case_field(cases: pd.DataFrame, fname: str, cells: pd.Series, column: str, period: tuple[date, date] | None,
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
        number = parse_ages(text) if fname == "age" else pd.to_numeric(text, errors="coerce")
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
        cases["patient_key"] = pseudonymise(cases.pop("nhs_number"), key)  # type: ignore[arg-type]  # None fails there, as before
    elif "nhs_number" in cases:
        cases["patient_key"] = pseudonymise(cases["nhs_number"], key) if key else np.nan
    if "hospital_number" in cases and not keep_identifiers:
        hashed = pseudonymise("H" + cases["hospital_number"], key)  # type: ignore[arg-type]  # None fails there, as before
        cases["hospital_number"] = hashed.where(cases["hospital_number"].notna())
        if "patient_key" not in cases:
            cases["patient_key"] = cases["hospital_number"]


def nhs_lookalike_columns(data: pd.DataFrame, targets: Mapping[str, str]) -> list[str]:
    """Mapped columns (not the NHS-number or hospital-number column) that hold NHS numbers."""
    return [column for target, column in targets.items()
            if target not in ("nhs_number", "hospital_number")
            and looks_like_nhs_number_column(data[column], share=NHS_LOOKALIKE_SHARE)]


def _pseudonymise_lookalikes(data: pd.DataFrame, columns: list[str], key: bytes) -> tuple[pd.DataFrame, list[str]]:
    """A copy of `data` with every one of `columns` replaced by pseudonyms, and a warning for each."""
    out = data.copy()
    warnings = []
    for column in columns:
        out[column] = pseudonymise(out[column], key).astype(object)
        warnings.append(f"The column '{column}' holds NHS numbers: they were replaced by pseudonyms, because "
                        "this audit does not keep patient identifiers.")
    return out, warnings


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
