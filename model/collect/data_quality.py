"""How complete and clean a cycle's data is (DOMAIN.md §1 stage 2: validate before analysing).

`check_cycle` lists issues a collector can fix, each pointing at a case when there is one:
missing answers and case fields, answers left missing at import because nobody could read
them, dates outside the data collection period, the same patient entered twice, and cases
beyond the planned sample. Summary tables count missing data by criterion and by field, so
the report can say how complete the data was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle
from model.store.case_answers import answers_long

# Case fields whose absence weakens the analysis (segmentation and run charts need them).
CHECKED_FIELDS = {"case_date": "Case date", "age": "Age", "sex": "Sex", "ward": "Ward", "collector": "Collector"}
# How case_import words a rejected duplicate reference.
_DUPLICATE_REASONS = ("duplicate case ref", "case ref already in this cycle")
ISSUE_COLUMNS = ["kind", "case_id", "case_ref", "detail"]
KINDS = {
    "missing_answer": "Missing answer",
    "missing_field": "Missing case detail",
    "unrecognised": "Unreadable answer left missing at import",
    "outside_period": "Date outside the collection period",
    "duplicate_patient": "Same patient twice",
    "duplicate_ref": "Duplicate case reference rejected at import",
    "beyond_sample": "Beyond the planned sample",
}


@dataclass(frozen=True)
class DataQuality:
    """A cycle's data-quality picture.

    Attributes:
        cases: live cases in the cycle.
        by_criterion: per criterion: label, answered, missing, missing_pct.
        by_field: per checked case field: label, missing, missing_pct.
        issues: one row per issue: kind (a key of KINDS), case_id (None when the case is not
            stored), case_ref, detail.
    """

    cases: int
    by_criterion: pd.DataFrame
    by_field: pd.DataFrame
    issues: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Issues per kind."""
        return {k: int(v) for k, v in self.issues["kind"].value_counts().items()}


def _pct(part: pd.Series, whole: int) -> pd.Series:
    return (100.0 * part / whole).round(1) if whole else part * np.nan


def check_cycle(db: Database, cycle_id: int) -> DataQuality:
    """Every data-quality issue of a cycle's live cases."""
    cycle = get_cycle(db, cycle_id)
    cases = pd.read_sql_query(
        "SELECT id AS case_id, case_ref, patient_key, case_date, age, age_band, sex, ward, collector, import_id, "
        "source_row FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id", db.conn, params=[cycle_id])
    n = len(cases)
    # An age band without the exact age (older data, demo) is enough for segmentation.
    cases["age"] = cases["age"].astype(object).where(cases["age"].notna(), cases["age_band"])
    by_criterion, missing = _missing_answers(db, cycle_id, cases)
    by_field, fields_missing = _missing_fields(cases)
    issues = pd.concat([missing, fields_missing, _imported_leftovers(db, cycle_id, cases),
                        _outside_period(cases, cycle.period_start, cycle.period_end),
                        _duplicate_patients(cases), _beyond_sample(cases, cycle.planned_sample)],
                       ignore_index=True)
    return DataQuality(cases=n, by_criterion=by_criterion, by_field=by_field,
                       issues=issues[ISSUE_COLUMNS].reset_index(drop=True))


def _issues(kind: str, case_id: pd.Series | list[Any], case_ref: pd.Series | list[Any],
            detail: pd.Series | list[Any] | str) -> pd.DataFrame:
    frame = pd.DataFrame({"case_id": pd.Series(case_id, dtype=object).to_numpy(),
                          "case_ref": pd.Series(case_ref, dtype=object).to_numpy()})
    frame["kind"] = kind
    frame["detail"] = detail if isinstance(detail, str) else pd.Series(detail, dtype=object).to_numpy()
    return frame[ISSUE_COLUMNS] if len(frame) else pd.DataFrame(columns=ISSUE_COLUMNS)


def _missing_answers(db: Database, cycle_id: int, cases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    criteria = list_criteria(db, cycle_id)
    answers = answers_long(db, [cycle_id])
    # A case with no answer row for a criterion (entered before it was added) is missing too.
    grid = cases[["case_id", "case_ref"]].merge(pd.DataFrame({"criterion_id": [c.id for c in criteria]}),
                                                how="cross")
    grid = grid.merge(answers, on=["case_id", "criterion_id"], how="left")
    grid["outcome"] = grid["outcome"].fillna("missing")
    labels = {c.id: c.label for c in criteria}
    is_missing = grid["outcome"] == "missing"
    per = is_missing.groupby(grid["criterion_id"]).sum().reindex(list(labels), fill_value=0)
    summary = pd.DataFrame({"label": [labels[c] for c in per.index], "answered": len(cases) - per.to_numpy(),
                            "missing": per.to_numpy()}, index=per.index)
    summary["missing_pct"] = _pct(summary["missing"], len(cases))
    rows = grid[is_missing]
    detail = "No answer for " + rows["criterion_id"].map(labels)
    return summary, _issues("missing_answer", rows["case_id"], rows["case_ref"], detail)


def _missing_fields(cases: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    blank = pd.DataFrame({f: cases[f].isna() | (cases[f].astype(str).str.strip() == "") for f in CHECKED_FIELDS})
    summary = pd.DataFrame({"label": list(CHECKED_FIELDS.values()), "missing": blank.sum().to_numpy()},
                           index=list(CHECKED_FIELDS))
    summary["missing_pct"] = _pct(summary["missing"], len(cases))
    long = blank.stack()
    long = long[long]
    idx = long.index.get_level_values(0)
    detail = [f"No {CHECKED_FIELDS[f].lower()}" for f in long.index.get_level_values(1)]
    return summary, _issues("missing_field", cases.loc[idx, "case_id"], cases.loc[idx, "case_ref"], detail)


def _imported_leftovers(db: Database, cycle_id: int, cases: pd.DataFrame) -> pd.DataFrame:
    """Unrecognised answers left missing and duplicate references rejected, from import reports."""
    parts = []
    live = cases.dropna(subset=["import_id"])
    by_source = {(int(i), int(r)): (c, ref) for i, r, c, ref in
                 live[["import_id", "source_row", "case_id", "case_ref"]].itertuples(index=False)}
    by_ref = dict(zip(cases["case_ref"], cases["case_id"], strict=True))
    for import_id, file_name, report_json in db.execute(
            "SELECT id, file_name, report_json FROM imports WHERE cycle_id = ?", [cycle_id]):
        report = json.loads(report_json or "{}")
        odd = report.get("unrecognised", [])
        hits = [by_source.get((import_id, int(u["row"])), (None, u.get("case_ref"))) for u in odd]
        parts.append(_issues("unrecognised", [h[0] for h in hits], [h[1] for h in hits],
                             [f"'{u['value']}' in {u['column']} ({file_name}, row {u['row']})" for u in odd]))
        dupes = [r for r in report.get("rejected", []) if str(r.get("reason", "")).startswith(_DUPLICATE_REASONS)]
        parts.append(_issues("duplicate_ref", [by_ref.get(str(r["value"])) for r in dupes],
                             [r["value"] for r in dupes],
                             [f"{r['reason']}: {file_name}, row {r['row']} was not imported" for r in dupes]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ISSUE_COLUMNS)


def _outside_period(cases: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    dates = cases["case_date"].astype(str).str[:10]
    outside = cases["case_date"].notna() & (
        (dates < start if start else False) | (dates > end if end else False))
    rows = cases[outside]
    detail = rows["case_date"].astype(str) + f" is outside {start or '…'} to {end or '…'}"
    return _issues("outside_period", rows["case_id"], rows["case_ref"], detail)


def _duplicate_patients(cases: pd.DataFrame) -> pd.DataFrame:
    keyed = cases.dropna(subset=["patient_key"])
    repeat = keyed[keyed["patient_key"].duplicated(keep=False)]
    if repeat.empty:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    first_ref = repeat.groupby("patient_key")["case_ref"].transform(lambda s: ", ".join(s.astype(str)))
    return _issues("duplicate_patient", repeat["case_id"], repeat["case_ref"],
                   "Same patient in cases " + first_ref)


def _beyond_sample(cases: pd.DataFrame, planned: int | None) -> pd.DataFrame:
    if not planned or len(cases) <= planned:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    extra = cases.iloc[planned:]
    return _issues("beyond_sample", extra["case_id"], extra["case_ref"],
                   f"Case {planned + 1}+ of a planned sample of {planned}")
