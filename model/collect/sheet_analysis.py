"""A quick look at an audit spreadsheet: which sheet, which header, what each column holds.

``guess_column_roles`` is shared with the import wizard; ``analyse_sheet`` builds the stable
JSON printed by ``python main.py analyse-sheet FILE.xlsx [--sheet NAME] --json`` (fields are
documented in docs/analyse-sheet.md).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.collect.answers import normalise_answers, parse_uk_dates, validate_nhs_numbers
from model.collect.data_sheet import guess_sheet
from model.collect.sheet_files import list_sheets, read_raw_sheets
from model.collect.sheets import SheetTable, build_table

ROLES = (
    "case_ref", "nhs_number", "hospital_number", "patient_name", "date_of_birth", "age", "sex",
    "ethnicity", "imd", "ward", "site", "team", "case_date", "collector", "answer", "text", "empty",
)

# Header words for each role, written as a person would type them (compared token-wise).
_ROLE_HEADERS: dict[str, tuple[str, ...]] = {
    "case_ref": ("case no", "case number", "case", "case id", "case ref", "id", "ref", "reference",
                 "record", "record no", "audit id", "study id", "patient id", "no", "number", "serial no"),
    "nhs_number": ("nhs no", "nhs number", "nhs", "nhs num", "nhs id"),
    "hospital_number": ("hospital number", "hospital no", "hosp no", "mrn", "crn", "unit number",
                        "unit no", "pas number", "pas no", "patient number", "k number", "rtx number"),
    "patient_name": ("name", "patient name", "patient", "surname", "forename", "first name",
                     "last name", "full name", "family name", "given name"),
    "date_of_birth": ("dob", "d o b", "date of birth", "birth date", "birthdate"),
    "age": ("age", "age years", "age yrs", "age in years"),
    "sex": ("sex", "gender", "m f"),
    "ethnicity": ("ethnicity", "ethnic group", "ethnic origin", "ethnic category"),
    "imd": ("imd", "imd decile", "imd quintile", "deprivation", "deprivation decile"),
    "ward": ("ward", "unit", "area", "location", "ward name"),
    "site": ("site", "hospital", "hospital site", "trust"),
    "team": ("team", "consultant", "specialty", "speciality", "firm", "directorate"),
    "case_date": ("date", "admission date", "date of admission", "date admitted", "attendance date",
                  "date of attendance", "arrival date", "episode date", "procedure date",
                  "date of procedure", "operation date", "date of operation", "discharge date"),
    "collector": ("auditor", "collected by", "data collector", "completed by", "initials", "reviewer",
                  "audited by"),
}
# Headers that point at identifying data which is not a role of its own.
_IDENTIFYING_HEADERS = {
    "postcode": "Postcodes identify where patients live: an audit needs at most the IMD decile.",
    "post code": "Postcodes identify where patients live: an audit needs at most the IMD decile.",
    "address": "Addresses identify patients: leave this column out of the import.",
}
_WARNINGS = {
    "patient_name": "This column seems to hold patient names: an audit rarely needs them; leave it out.",
    "date_of_birth": "Full dates of birth identify patients: import the age instead.",
    "hospital_number": "Hospital numbers identify patients: leave this out, or use the NHS number "
    "(it is pseudonymised).",
    "nhs_number": "NHS numbers are pseudonymised on import (a keyed hash); the numbers themselves are not stored.",
}
_FILLER_WORDS = frozenset({"patient", "patients", "s", "pt", "years", "yrs", "y", "in", "of", "the",
                           "no", "number", "num", "full", "recorded", "on"})
_SEX_VALUES = frozenset({"m", "f", "male", "female", "u", "unknown", "other", "x", "i", "indeterminate",
                         "not known", "not stated", "man", "woman"})
_ANSWER_SHARE = 0.8
_NHS_SHARE = 0.9  # as model.collect.answers.looks_like_nhs_number_column
_SAMPLE_SIZE = 5000
_DATE_SHARE = 0.8


@dataclass(frozen=True)
class ColumnGuess:
    """What a column probably holds.

    Attributes:
        index: 0-based position among the table's columns.
        name: the single-line column name.
        header: the header as typed (line breaks kept).
        letter: the Excel column letter.
        role: one of ``ROLES``.
        confidence: 0–1; header matches and clear content score high.
        reason: why this role was chosen, in plain words.
        warnings: identifying-data warnings for the user.
    """

    index: int
    name: str
    header: str
    letter: str
    role: str
    confidence: float
    reason: str
    warnings: tuple[str, ...] = ()


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold())


GROUP_SEPARATOR = " – "  # two-row headers read "Group – Sub" (model.collect.header_detection)


def header_role(header: str) -> tuple[str | None, float]:
    """The role a header names and how sure we are (1.0 exact, 0.9 all words present, else fuzzy).

    Under a two-row header ("PATIENT DETAILS – Case no.") the column's own name decides: the
    group's words would otherwise blur every match.
    """
    if GROUP_SEPARATOR in header:
        own = header.rsplit(GROUP_SEPARATOR, 1)[1]
        return max(_header_role(own), _header_role(header), key=lambda r: r[1])
    return _header_role(header)


def _header_role(header: str) -> tuple[str | None, float]:
    tokens = _tokens(header)
    joined = " ".join(tokens)
    best: tuple[str | None, float] = (None, 0.0)
    for role, phrases in _ROLE_HEADERS.items():
        for phrase in phrases:
            score = _phrase_score(joined, tokens, phrase, best[1])
            if score > best[1]:
                best = (role, score)
    return best


def _phrase_score(joined: str, tokens: list[str], phrase: str, beat: float = 0.0) -> float:
    """How well a header matches one phrase; a fuzzy score that cannot exceed `beat` may come back as 0."""
    if joined == phrase:
        return 1.0
    words = phrase.split()
    extra = set(tokens) - set(words)
    # All the phrase's words plus only filler ("Age (years)", "Patient's NHS no."): a clear match.
    # Other extra words change the meaning ("Trust name" is not a patient's name).
    if set(words) <= set(tokens) and extra <= _FILLER_WORDS:
        return 0.9
    if len(words) >= 2 and set(words) <= set(tokens) and len(extra) == 1:
        return 0.8
    # ratio() <= quick_ratio() <= the length bound: the full match runs only when it could win.
    if 2.0 * min(len(joined), len(phrase)) / (len(joined) + len(phrase)) * 0.85 <= beat:
        return 0.0
    matcher = difflib.SequenceMatcher(None, joined, phrase)
    if matcher.quick_ratio() * 0.85 <= beat:
        return 0.0
    return matcher.ratio() * 0.85


def _identifying_warning(header: str) -> str | None:
    joined = " ".join(_tokens(header))
    for phrase, warning in _IDENTIFYING_HEADERS.items():
        if phrase in joined:
            return warning
    return None


@dataclass(frozen=True, eq=False)
class _Cells:
    """A column sample as its distinct filled texts and how many sampled cells hold each.

    Every content check is a share of cells, so it is worked out per distinct text and
    weighted by these counts: an answer column of 5,000 sampled cells is a handful of texts.
    """

    texts: pd.Series
    counts: np.ndarray

    def share(self, mask: np.ndarray | pd.Series) -> float:
        """The share of the sampled cells whose text satisfies `mask` (one entry per text)."""
        total = self.counts.sum()
        return float(self.counts[np.asarray(mask, dtype=bool)].sum() / total) if total else 0.0


def _cells(values: pd.Series) -> _Cells:
    """Distinct filled texts of a sample; blank and whitespace-only cells are left out."""
    codes, distinct = pd.factorize(values.astype("str").to_numpy(dtype=object), use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(distinct))
    filled = np.fromiter((bool(u.strip()) for u in distinct), dtype=bool, count=len(distinct))
    return _Cells(pd.Series(np.asarray(distinct, dtype=object)[filled], dtype=object), counts[filled])


def _nhs_share(cells: _Cells) -> float:
    """Share of the filled cells that are valid NHS numbers (``looks_like_nhs_number_column``, weighted)."""
    return cells.share(validate_nhs_numbers(cells.texts)["valid"])


def _answer_share(cells: _Cells) -> float:
    outcome, _raw = normalise_answers(cells.texts)
    answered = (outcome != "missing").to_numpy()
    if not answered.any():
        return 0.0
    return _Cells(cells.texts[answered], cells.counts[answered]).share(outcome[answered] != "unrecognised")


def _date_share(cells: _Cells, serials_allowed: bool) -> float:
    """Share of filled cells that read as dates; bare numbers count only under a date header."""
    _iso, problem = parse_uk_dates(cells.texts)
    ok = problem.isna()
    if not serials_allowed:
        ok &= ~cells.texts.str.strip().str.fullmatch(r"[\d.]+").astype(bool)
    return cells.share(ok)


def _answer_role(cells: _Cells) -> tuple[str, float, str] | None:
    share = _answer_share(cells)
    if share >= _ANSWER_SHARE:
        return "answer", share, f"{share:.0%} of the filled cells are recognised answers"
    return None


def _content_role(cells: _Cells, by_header: str | None) -> tuple[str | None, float, str]:
    """A role from the cells alone (NHS numbers are checked first, by the caller): answers, dates, sex."""
    answer = _answer_role(cells)
    if answer is not None:
        return answer
    date_share = _date_share(cells, by_header in {"case_date", "date_of_birth"})
    if date_share >= _DATE_SHARE:
        return "case_date", date_share, f"{date_share:.0%} of the filled cells are dates"
    sexes = [u.strip().casefold() in _SEX_VALUES for u in cells.texts]
    if cells.share(sexes) >= 0.9:
        return "sex", 0.8, "the cells hold sex codes (M/F)"
    return None, 0.0, ""


def _sample(values: pd.Series) -> pd.Series:
    """Evenly spaced filled cells, enough to judge a column's content without reading 100,000.

    Rows are picked before blanks are dropped (finding the blanks among 100,000 cells costs
    more than the guessing itself); only a sparse column, whose picked rows are mostly blank,
    is sampled again among its filled cells.
    """
    step = max(1, len(values) // _SAMPLE_SIZE)
    sample = values.iloc[::step].dropna()
    if step > 1 and len(sample) < _SAMPLE_SIZE // 2:
        filled = values.dropna()
        sample = filled.iloc[::max(1, len(filled) // _SAMPLE_SIZE)]
    return sample


def _guess_one(table: SheetTable, index: int) -> ColumnGuess:
    name = table.columns[index]
    cells = _cells(_sample(table.data[name]))
    by_header, header_score = header_role(name)
    role, confidence, reason = _decide(cells, by_header, header_score)
    warnings = [w for w in (_WARNINGS.get(role), _identifying_warning(name)) if w]
    return ColumnGuess(index, name, table.display_headers[index], table.letters[index], role,
                       round(confidence, 2), reason, tuple(warnings))


def _decide(cells: _Cells, by_header: str | None, header_score: float) -> tuple[str, float, str]:
    """Combine header and content: a clear header wins, then clear content, then a fuzzy header.

    The cells are read only as far as the decision needs: under a clear header, only for what
    could overrule it (NHS numbers, dates under a date header, answers under a name-like one).
    """
    if not len(cells.texts):
        return "empty", 1.0, "no filled cells"
    if _nhs_share(cells) >= _NHS_SHARE:
        return "nhs_number", 0.95, "NHS numbers with valid check digits"
    hint = by_header if header_score >= 0.8 else None
    if by_header is not None and header_score >= 0.9:
        if by_header == "case_date" and _content_role(cells, hint)[0] == "case_date":
            return by_header, 1.0, "the header names a date and the cells are dates"
        answer = _answer_role(cells) if by_header == "patient_name" else None
        if answer is not None:
            return answer  # e.g. "Patient consented?"
        return by_header, header_score, f"the header looks like '{by_header.replace('_', ' ')}'"
    by_content, content_score, content_reason = _content_role(cells, hint)
    if by_content == "case_date" and by_header == "date_of_birth":
        return "date_of_birth", content_score, "dates under a date-of-birth-like header"
    if by_content is not None:
        return by_content, content_score, content_reason
    if by_header is not None and header_score >= 0.75:
        return by_header, header_score, f"the header resembles '{by_header.replace('_', ' ')}'"
    return "text", 0.5, "free text or codes"


def guess_column_roles(table: SheetTable) -> list[ColumnGuess]:
    """Guess what each column holds, from its header and its cells.

    A column of valid NHS numbers is "nhs_number" whatever its header; a clear header
    ("Ward", "Date of admission", "Case no.") decides next; then content: at least 80% of the
    filled cells recognised as answers -> "answer", at least 80% dates -> "case_date"; then
    a header that only resembles a known one. Names, dates of birth, hospital numbers,
    postcodes and addresses carry warnings.
    """
    return [_guess_one(table, i) for i in range(len(table.columns))]


# ---------------------------------------------------------------------------
# The analyse-sheet JSON
# ---------------------------------------------------------------------------


def _answer_summary(table: SheetTable, column: str, case_column: str | None) -> dict[str, object]:
    outcome, raw = normalise_answers(table.data[column])
    counts = outcome.value_counts()
    met, not_met = int(counts.get("met", 0)), int(counts.get("not_met", 0))
    odd = outcome[outcome == "unrecognised"].index
    cases = table.data[case_column] if case_column else None
    compliance = met / (met + not_met) if met + not_met else None
    return {
        **{key: int(counts.get(key, 0)) for key in ("met", "not_met", "exception", "missing", "unrecognised")},
        "unrecognised_values": [
            {"row": int(row), "case": None if cases is None or pd.isna(cases[row]) else str(cases[row]),
             "value": str(raw[row])}
            for row in odd
        ],
        "compliance": None if compliance is None else round(compliance, 6),
        "compliance_pct": None if compliance is None else round(100 * compliance, 1),
    }


def analyse_table(table: SheetTable, sheets: Sequence[str]) -> dict[str, object]:
    """The analysis dictionary for a table already read (see ``analyse_sheet``)."""
    guesses = guess_column_roles(table)
    case_column = next((g.name for g in guesses if g.role == "case_ref"), None)
    columns = []
    for guess in guesses:
        entry: dict[str, object] = {
            "index": guess.index, "letter": guess.letter, "header": guess.header, "name": guess.name,
            "role": guess.role, "confidence": guess.confidence, "reason": guess.reason,
            "warnings": list(guess.warnings),
        }
        if guess.role == "answer":
            entry["answers"] = _answer_summary(table, guess.name, case_column)
        columns.append(entry)
    return {
        "file": table.path.name,
        "path": str(table.path),
        "sheet": table.sheet,
        "sheets": list(sheets),
        "header_row": table.header_row,
        "header_rows": table.header_height,
        "rows": len(table.data),
        "dropped_rows": [{"row": d.row, "reason": d.reason} for d in table.dropped_rows],
        "columns": columns,
        "warnings": list(table.warnings),
    }


def analyse_sheet(path: str | Path, sheet: str | None = None) -> dict[str, object]:
    """Read a spreadsheet and describe it as a JSON-ready dictionary.

    Args:
        path: the workbook or CSV file.
        sheet: the sheet to analyse; None picks the data sheet.

    Raises:
        ImportProblem: the file cannot be read.
    """
    path = Path(path)
    sheets = list_sheets(path)
    raw = read_raw_sheets(path, None if sheet is None else [sheet])
    name = sheet if sheet is not None else guess_sheet(raw)
    return analyse_table(build_table(path, raw[name]), sheets)
