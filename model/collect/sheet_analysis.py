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

from model.collect.answers import normalise_answers
from model.collect.column_facts import ColumnFacts, column_facts
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
    return header_roles([header])[0]


def header_roles(headers: Sequence[str]) -> list[tuple[str | None, float]]:
    """``header_role`` of many headers; the cost follows the distinct headers, and the fuzzy
    bounds of all of them are worked out in a few numpy passes (16,384 headers in ~0.3 s)."""
    parts = {h: (h.rsplit(GROUP_SEPARATOR, 1)[1], h) if GROUP_SEPARATOR in h else (h,) for h in headers}
    todo = list(dict.fromkeys(t for texts in parts.values() for t in texts if t not in _KNOWN_ROLES))
    if len(_KNOWN_ROLES) + len(todo) > _KNOWN_MAX:
        _KNOWN_ROLES.clear()
    joined = [" ".join(_tokens(t)) for t in todo]
    for at in range(0, len(todo), _BOUND_CHUNK):
        bounds = _fuzzy_bounds(joined[at:at + _BOUND_CHUNK])
        for k, text in enumerate(todo[at:at + _BOUND_CHUNK]):
            _KNOWN_ROLES[text] = _header_role(joined[at + k], bounds[k])
    return [max((_KNOWN_ROLES[t] for t in parts[h]), key=lambda r: r[1]) for h in headers]


_PHRASES = tuple((role, phrase, frozenset(phrase.split())) for role, phrases in _ROLE_HEADERS.items()
                 for phrase in phrases)
# Each phrase's characters as counts: the bound difflib's quick_ratio() computes, for all phrases at once.
# Headers and phrases are reduced to a-z, 0-9 and spaces (``_tokens``): 37 characters to count.
_CHAR_SLOT = np.zeros(256, dtype=np.int64)
_CHAR_SLOT[np.frombuffer(b" abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)] = np.arange(37)
_SLOTS = 37


def _bags(texts: Sequence[bytes]) -> np.ndarray:
    """(texts, 37) character counts."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    chars = _CHAR_SLOT[np.frombuffer(b"".join(texts), dtype=np.uint8)]
    rows = np.repeat(np.arange(len(texts)), lengths)
    return np.bincount(rows * _SLOTS + chars, minlength=_SLOTS * len(texts)).reshape(len(texts), _SLOTS)


_PHRASE_BAGS = _bags([p.encode() for _, p, _ in _PHRASES]).astype(np.int16)
_PHRASE_LENGTHS = np.array([len(p) for _, p, _ in _PHRASES])
_PHRASES_WITH_WORD: dict[str, list[int]] = {}
for _at, (_, _phrase, _words) in enumerate(_PHRASES):
    for _word in _words:
        _PHRASES_WITH_WORD.setdefault(_word, []).append(_at)
#: A fuzzy score below this names no role (it only ever meant "shares a few letters").
FUZZY_FLOOR = 0.6
_FUZZY_TOP = 0.85  # the best a fuzzy match can score
_BOUND_CHUNK = 512
_KNOWN_ROLES: dict[str, tuple[str | None, float]] = {}  # header -> role: each distinct header scored once
_KNOWN_MAX = 200_000


def _fuzzy_bounds(joined: Sequence[str]) -> np.ndarray:
    """(headers, phrases): the most each phrase's fuzzy score can be for each header (quick_ratio's
    character-count bound, times the fuzzy top score)."""
    data = [t.encode() for t in joined]
    lengths = np.fromiter(map(len, data), dtype=np.int64, count=len(data))
    bags = _bags(data).astype(np.int16)
    common = np.minimum(bags[:, None, :], _PHRASE_BAGS[None, :, :]).sum(axis=2)
    bounds: np.ndarray = 2.0 * common / (lengths[:, None] + _PHRASE_LENGTHS[None, :]) * _FUZZY_TOP
    return bounds


def _header_role(joined: str, bounds: np.ndarray) -> tuple[str | None, float]:
    """The phrase scoring highest (the first of equals), as if every phrase were scored in full.

    Word matches are set tests; the fuzzy score (difflib's ratio, the costly part) is worked out
    only for phrases whose bound (``_fuzzy_bounds``) could still beat the best so far.
    """
    token_set = set(joined.split())
    # Only a phrase whose every word is in the header can have a word score.
    found: dict[int, int] = {}
    for token in token_set:
        for at in _PHRASES_WITH_WORD.get(token, ()):
            found[at] = found.get(at, 0) + 1
    best, best_at = 0.0, -1
    worded = []
    for at in sorted(found):
        _role, phrase, words = _PHRASES[at]
        score = _word_score(joined, token_set, phrase, words) if found[at] == len(words) else None
        if score is not None:
            worded.append(at)
            if score > best:
                best, best_at = score, at
    if best < _FUZZY_TOP and bounds.max(initial=0.0) >= FUZZY_FLOOR:
        bounds = bounds.copy()
        bounds[worded] = -1.0  # scored by their words
        for at in np.argsort(-bounds, kind="stable").tolist():
            bound = float(bounds[at])
            if bound < max(best, FUZZY_FLOOR):
                break
            if bound == best and at > best_at:
                continue
            score = _fuzzy_score(joined, _PHRASES[at][1])
            if score > best or (score == best and score > 0 and at < best_at):
                best, best_at = score, at
    return (_PHRASES[best_at][0], best) if best_at >= 0 else (None, 0.0)


def _word_score(joined: str, tokens: set[str], phrase: str, words: frozenset[str]) -> float | None:
    """1.0, 0.9 or 0.8 for a header holding the phrase's words; None when only a fuzzy score can tell."""
    if joined == phrase:
        return 1.0
    extra = tokens - words
    # All the phrase's words plus only filler ("Age (years)", "Patient's NHS no."): a clear match.
    # Other extra words change the meaning ("Trust name" is not a patient's name).
    if words <= tokens and extra <= _FILLER_WORDS:
        return 0.9
    if len(words) >= 2 and words <= tokens and len(extra) == 1:
        return 0.8
    return None


def _fuzzy_score(joined: str, phrase: str) -> float:
    score = difflib.SequenceMatcher(None, joined, phrase).ratio() * _FUZZY_TOP
    return score if score >= FUZZY_FLOOR else 0.0


def _phrase_score(joined: str, tokens: list[str], phrase: str, beat: float = 0.0) -> float:
    """How well a header matches one phrase (fuzzy scores under ``FUZZY_FLOOR`` are 0); a fuzzy
    score that cannot exceed `beat` may come back as 0."""
    words = frozenset(phrase.split())
    score = _word_score(joined, set(tokens), phrase, words)
    if score is not None:
        return score
    # ratio() <= quick_ratio() <= the length bound: the full match runs only when it could win.
    if 2.0 * min(len(joined), len(phrase)) / (len(joined) + len(phrase)) * _FUZZY_TOP <= beat:
        return 0.0
    return _fuzzy_score(joined, phrase)


def _identifying_warning(header: str) -> str | None:
    joined = " ".join(_tokens(header))
    for phrase, warning in _IDENTIFYING_HEADERS.items():
        if phrase in joined:
            return warning
    return None


def _answer_role(facts: ColumnFacts, i: int) -> tuple[str, float, str] | None:
    share = float(facts.answers[i])
    if share >= _ANSWER_SHARE:
        return "answer", share, f"{share:.0%} of the filled cells are recognised answers"
    return None


def _content_role(facts: ColumnFacts, i: int, by_header: str | None) -> tuple[str | None, float, str]:
    """A role from the cells alone (NHS numbers are checked first, by the caller): answers, dates, sex.

    Bare numbers count as dates (Excel serials) only under a date header.
    """
    answer = _answer_role(facts, i)
    if answer is not None:
        return answer
    dates = facts.dates if by_header in {"case_date", "date_of_birth"} else facts.dates_not_numbers
    date_share = float(dates[i])
    if date_share >= _DATE_SHARE:
        return "case_date", date_share, f"{date_share:.0%} of the filled cells are dates"
    if facts.sexes[i] >= 0.9:
        return "sex", 0.8, "the cells hold sex codes (M/F)"
    return None, 0.0, ""


def _guess_one(table: SheetTable, index: int, facts: ColumnFacts, by_header: str | None,
               header_score: float) -> ColumnGuess:
    name = table.columns[index]
    role, confidence, reason = _decide(facts, index, by_header, header_score)
    warnings = [w for w in (_WARNINGS.get(role), _identifying_warning(name)) if w]
    return ColumnGuess(index, name, table.display_headers[index], table.letters[index], role,
                       round(confidence, 2), reason, tuple(warnings))


def _decide(facts: ColumnFacts, i: int, by_header: str | None, header_score: float) -> tuple[str, float, str]:
    """Combine header and content: a clear header wins, then clear content, then a fuzzy header.

    The cells are read only as far as the decision needs: under a clear header, only for what
    could overrule it (NHS numbers, dates under a date header, answers under a name-like one).
    """
    if not facts.filled[i]:
        return "empty", 1.0, "no filled cells"
    if facts.nhs[i] >= _NHS_SHARE:
        return "nhs_number", 0.95, "NHS numbers with valid check digits"
    hint = by_header if header_score >= 0.8 else None
    if by_header is not None and header_score >= 0.9:
        if by_header == "case_date" and _content_role(facts, i, hint)[0] == "case_date":
            return by_header, 1.0, "the header names a date and the cells are dates"
        answer = _answer_role(facts, i) if by_header == "patient_name" else None
        if answer is not None:
            return answer  # e.g. "Patient consented?"
        return by_header, header_score, f"the header looks like '{by_header.replace('_', ' ')}'"
    by_content, content_score, content_reason = _content_role(facts, i, hint)
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
    facts = column_facts(table.data)
    roles = header_roles(table.columns)
    return [_guess_one(table, i, facts, *roles[i]) for i in range(len(table.columns))]


# ---------------------------------------------------------------------------
# The analyse-sheet JSON
# ---------------------------------------------------------------------------


_OUTCOME_KEYS = ("met", "not_met", "exception", "missing", "unrecognised")


def _answer_summaries(table: SheetTable, columns: Sequence[str], case_column: str | None) -> list[dict[str, object]]:
    """The answer counts of each of ``columns``; every distinct cell text is judged once for all of them."""
    data = table.data[list(columns)] if columns else table.data.iloc[:, :0]
    rows = len(data)
    cells = pd.Series(data.to_numpy(dtype=object).T.ravel(), dtype=object).astype("str")  # column by column
    codes, distinct = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=True)
    outcome, _raw = normalise_answers(pd.Series(np.asarray(distinct, dtype=object), dtype=object))
    kinds = np.append(outcome.map(_OUTCOME_KEYS.index).to_numpy(dtype=np.int64), _OUTCOME_KEYS.index("missing"))
    per_cell = kinds[codes]  # code -1 (blank) picks "missing"
    counts = np.bincount(np.repeat(np.arange(len(columns)), rows) * 5 + per_cell,
                         minlength=5 * len(columns)).reshape(-1, 5)
    odd = per_cell.reshape(len(columns), rows) == _OUTCOME_KEYS.index("unrecognised")
    cases = table.data[case_column].to_numpy(dtype=object) if case_column else None
    raw = cells.to_numpy(dtype=object).reshape(len(columns), rows) if len(columns) else None
    odd_at: dict[int, list[int]] = {}
    for c, r in zip(*np.nonzero(odd), strict=True):  # row order within each column
        odd_at.setdefault(int(c), []).append(int(r))
    excel_rows = data.index.to_numpy()
    out = []
    for c, (met, not_met, exception, missing, unrecognised) in enumerate(counts.tolist()):
        compliance = met / (met + not_met) if met + not_met else None
        out.append({
            "met": met, "not_met": not_met, "exception": exception, "missing": missing, "unrecognised": unrecognised,
            "unrecognised_values": [
                {"row": int(excel_rows[r]),
                 "case": None if cases is None or pd.isna(cases[r]) else str(cases[r]),
                 "value": str(raw[c, r])}  # type: ignore[index]  # raw is set when there are columns
                for r in odd_at.get(c, ())
            ],
            "compliance": None if compliance is None else round(compliance, 6),
            "compliance_pct": None if compliance is None else round(100 * compliance, 1),
        })
    return out


def analyse_table(table: SheetTable, sheets: Sequence[str]) -> dict[str, object]:
    """The analysis dictionary for a table already read (see ``analyse_sheet``)."""
    guesses = guess_column_roles(table)
    case_column = next((g.name for g in guesses if g.role == "case_ref"), None)
    answer_columns = [g.name for g in guesses if g.role == "answer"]
    summaries = dict(zip(answer_columns, _answer_summaries(table, answer_columns, case_column), strict=True))
    columns = []
    for guess in guesses:
        entry: dict[str, object] = {
            "index": guess.index, "letter": guess.letter, "header": guess.header, "name": guess.name,
            "role": guess.role, "confidence": guess.confidence, "reason": guess.reason,
            "warnings": list(guess.warnings),
        }
        if guess.role == "answer":
            entry["answers"] = summaries[guess.name]
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
