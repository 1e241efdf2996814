"""A cycle's case data to an Excel workbook, pseudonymised (issue 15 item 6, DOMAIN.md §6, §10).

    export_cases(db, cycle_id, path, *, include_identifiers=False, suppress=False, today=None) -> CaseExport

Sheets: "README" (the source, the date, what was left out or suppressed and why, how to
read the outcomes), "Cases" (one row per live case: its reference, pseudonymous patient key,
case fields, then each criterion's outcome and the value as entered) and "Criteria".

- Identifiers are left out by default: no NHS or hospital number is written; a case
  reference that is one becomes "case-N"; any text holding one (a value as entered) is
  redacted (`model.collect.identifier_scan.redact_identifiers`). The patient key is the
  keyed pseudonym (HMAC): it links a patient across cycles and cannot be reversed without
  the key, which stays beside the data file. `include_identifiers=True` (the GUI asks and
  warns first) adds the NHS and hospital numbers and keeps everything as stored.
- `suppress=True` (small-number suppression on request): a value of age band, sex,
  ethnicity, IMD quintile, ward, site or team shared by fewer than the audit's threshold of
  cases becomes "Fewer than 5"; exact age and IMD decile are left out and case dates keep only
  their month (and so do collection dates), so a rare combination cannot single a patient out.
- Every text cell that a spreadsheet could run as a formula is neutralised
  (`model.core.excel_safety.neutralise`); numbers stay numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from sqlite_utils import Database

from model.collect.cases import OUTCOME_LABELS
from model.collect.identifier_scan import holds_identifier, known_identifiers, redact_identifiers
from model.core.errors import KnownError
from model.core.excel_safety import neutralise
from model.plan.audits import get_audit
from model.plan.criteria import list_criteria
from model.plan.cycles import get_cycle
from model.store.case_answers import answers_long

#: (column of `cases`, header) in sheet order; None marks the columns suppression leaves out or coarsens.
CASE_COLUMNS = (("case_ref", "Case ref"), ("patient_key", "Patient key (pseudonym)"), ("case_date", "Case date"),
                ("age", "Age"), ("age_band", "Age band"), ("sex", "Sex"), ("ethnicity", "Ethnicity"),
                ("imd_decile", "IMD decile"), ("imd_quintile", "IMD quintile"), ("ward", "Ward"), ("site", "Site"),
                ("team", "Team"), ("collected_on", "Collected on"), ("collector", "Collector"))
IDENTIFIER_COLUMNS = (("nhs_number", "NHS number"), ("hospital_number", "Hospital number"))
#: The fields a rare value of which could single a patient out (suppressed on request).
QUASI_IDENTIFIERS = ("age_band", "sex", "ethnicity", "imd_quintile", "ward", "site", "team")
DROPPED_WHEN_SUPPRESSED = ("age", "imd_decile")


@dataclass(frozen=True)
class CaseExport:
    """What was written: the file, how many cases, and what was left out or changed."""

    path: Path
    cases: int
    identifiers: bool
    suppressed: dict[str, int] = field(default_factory=dict)
    redacted: int = 0
    refs_replaced: int = 0


def _cases_frame(db: Database, cycle_id: int) -> pd.DataFrame:
    names = ["id", *(c for c, _ in CASE_COLUMNS), *(c for c, _ in IDENTIFIER_COLUMNS)]
    rows = db.execute(f"SELECT {', '.join(names)} FROM cases WHERE cycle_id = ? AND deleted_at IS NULL ORDER BY id",
                      [cycle_id]).fetchall()
    return pd.DataFrame.from_records(rows, columns=names).astype(object)


def _suppress(frame: pd.DataFrame, threshold: int) -> dict[str, int]:
    """Rare values of the quasi-identifiers become "Fewer than N"; dates keep their month."""
    counts: dict[str, int] = {}
    marker = f"Fewer than {threshold}"
    for column in QUASI_IDENTIFIERS:
        values = frame[column]
        sizes = values.map(values.value_counts(dropna=True))
        rare = values.notna() & (sizes < threshold)
        if rare.any():
            frame.loc[rare, column] = marker
            counts[column] = int(rare.sum())
    for column in ("case_date", "collected_on"):
        frame[column] = frame[column].map(lambda d: d[:7] if isinstance(d, str) and len(d) >= 7 else d)
    return counts


def _scrub(frame: pd.DataFrame, identifiers: set[str]) -> tuple[int, int]:
    """Case references that are identifiers replaced; identifiers in other text redacted. (refs, redacted)."""
    refs = frame["case_ref"].map(lambda r: isinstance(r, str) and holds_identifier(r, identifiers))
    frame.loc[refs, "case_ref"] = [f"case-{i + 1}" for i in range(int(refs.sum()))]
    redacted = 0
    for column in frame.columns:
        if column in ("id", "patient_key"):
            continue
        hits = frame[column].map(lambda v: isinstance(v, str) and holds_identifier(v, identifiers))
        if hits.any():
            frame.loc[hits, column] = frame.loc[hits, column].map(lambda v: redact_identifiers(v, identifiers))
            redacted += int(hits.sum())
    return int(refs.sum()), redacted


def _answers(db: Database, cycle_id: int, criterion_ids: list[int], cases: pd.DataFrame) -> pd.DataFrame:
    """Per case (index: case id), each criterion's outcome label and raw value; missing where unanswered."""
    long = answers_long(db, [cycle_id], raw=True)
    out = pd.DataFrame(index=pd.Index(cases["id"], name="id"))
    for cid in criterion_ids:
        mine = long[long["criterion_id"] == cid].set_index("case_id")
        out[f"o{cid}"] = mine["outcome"].map(OUTCOME_LABELS).reindex(out.index).fillna(OUTCOME_LABELS["missing"])
        out[f"r{cid}"] = mine["raw"].reindex(out.index).astype(object)
    return out


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return neutralise(value)


def export_cases(db: Database, cycle_id: int, path: Path | str, *, include_identifiers: bool = False,
                 suppress: bool = False, today: date | None = None) -> CaseExport:
    """Write a cycle's cases as an .xlsx workbook (see the module docstring).

    Args:
        db: the store.
        cycle_id: the cycle exported.
        path: the workbook to write (".xlsx" added when there is no suffix).
        include_identifiers: also write NHS and hospital numbers (the caller has warned the user).
        suppress: small-number suppression of rare case-field values, exact ages and days.
        today: the export date written in the README (default today).

    Raises:
        KnownError: the cycle no longer exists, or the file cannot be written.
    """
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".xlsx")
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    criteria = list_criteria(db, cycle_id)
    cases = _cases_frame(db, cycle_id)
    refs = redacted = 0
    if not include_identifiers:
        cases = cases.drop(columns=[c for c, _ in IDENTIFIER_COLUMNS])
        refs, redacted = _scrub(cases, known_identifiers(db, [cycle_id]))
    suppressed = _suppress(cases, int(audit.small_number_threshold)) if suppress else {}
    columns = [(c, h) for c, h in CASE_COLUMNS if not (suppress and c in DROPPED_WHEN_SUPPRESSED)]
    columns += list(IDENTIFIER_COLUMNS) if include_identifiers else []
    answers = _answers(db, cycle_id, [int(c.id or 0) for c in criteria], cases)
    if not include_identifiers:
        raw = [f"r{c.id}" for c in criteria]
        redacted += _scrub_raw(answers, raw, known_identifiers(db, [cycle_id]))
    book = Workbook(write_only=True)
    result = CaseExport(path, len(cases), include_identifiers, suppressed, redacted, refs)
    readme = book.create_sheet("README")
    for line in _readme(audit.title, audit.registration_number, cycle.title, db, result, int(
            audit.small_number_threshold), today or date.today(), suppress):
        readme.append([neutralise(line)])
    readme.column_dimensions["A"].width = 120
    sheet = book.create_sheet("Cases")
    headers = [h for _, h in columns] + [x for c in criteria for x in (c.label, f"{c.label}: value as entered")]
    sheet.append([neutralise(h) for h in headers])
    answer_rows = answers.to_numpy(dtype=object)
    for (_, case), extra in zip(cases[[c for c, _ in columns]].iterrows(), answer_rows, strict=True):
        sheet.append([_cell(v) for v in case.tolist()] + [_cell(v) for v in extra])
    listing = book.create_sheet("Criteria")
    listing.append(["Criterion", "Statement", "Target (%)", "Exceptions"])
    for c in criteria:
        listing.append([_cell(c.label), _cell(c.statement), c.target, _cell(c.exceptions)])
    try:
        book.save(path)
    except OSError as exc:
        raise KnownError(f"The workbook could not be saved: {exc.strerror or exc}.", where=str(path),
                         hint="Close the file if it is open in Excel, or choose another folder.") from exc
    return result


def _scrub_raw(answers: pd.DataFrame, columns: list[str], identifiers: set[str]) -> int:
    """Values as entered that hold an identifier, redacted in place; how many."""
    count = 0
    for column in columns:
        hits = answers[column].map(lambda v: isinstance(v, str) and holds_identifier(v, identifiers))
        if hits.any():
            answers.loc[hits, column] = answers.loc[hits, column].map(lambda v: redact_identifiers(v, identifiers))
            count += int(hits.sum())
    return count


def _readme(title: str, registration: str, cycle_title: str, db: Database, result: CaseExport, threshold: int,
            today: date, suppress: bool) -> list[str]:
    files = [str(r[2]) for r in db.execute("PRAGMA database_list") if r[1] == "main" and r[2]]
    source = Path(files[0]).name if files else ""
    lines = ["AuditLoop case-data export", f"Audit: {title}" + (f" ({registration})" if registration else ""),
             f"Cycle: {cycle_title}", f"Exported on {today.day} {today:%B %Y} from the AuditLoop data file"
             + (f" {source}" if source else "") + f": {result.cases} cases (deleted cases are left out).", ""]
    if result.identifiers:
        lines += ["IDENTIFIABLE: NHS numbers and hospital numbers are included, as the user chose. Store and send "
                  "this workbook only as your organisation's information governance allows."]
    else:
        lines += ["Identifiers left out: no NHS number or hospital number is in this workbook. Cases are named by "
                  "their case reference and a patient key, a keyed pseudonym that links the same patient across "
                  "cycles but cannot be turned back into an NHS number without the key, which is not in this file."]
        if result.refs_replaced:
            lines.append(f"{result.refs_replaced} case references were NHS or hospital numbers and are shown as "
                         "case-1, case-2, …")
        if result.redacted:
            lines.append(f"{result.redacted} other values held an NHS or hospital number, replaced by "
                         "[identifier removed].")
    lines.append("")
    if suppress:
        what = "; ".join(f"{k.replace('_', ' ')}: {n}" for k, n in result.suppressed.items()) or "none needed"
        lines += [f"Small-number suppression: on. Values of age band, sex, ethnicity, IMD quintile, ward, site and "
                  f"team shared by fewer than {threshold} cases are shown as 'Fewer than {threshold}' (cells changed "
                  f"— {what}). Exact age and IMD decile are left out; case and collection dates show the month only."]
    else:
        lines += ["Small-number suppression: off (every case's fields as recorded). Suppress before the data "
                  "leaves the team."]
    lines += ["", "Outcomes: Met, Not met, Exception (N/A: not counted), Missing (not answered). Compliance = met / "
              "(met + not met).", "Text that a spreadsheet could run as a formula starts with an apostrophe (')."]
    return lines
