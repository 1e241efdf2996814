"""What a wide national audit table's other columns are: the unit of its rows, and shared denominators.

Organisation columns are found from the data, not only from their names: the column whose
values are unique per row names the unit (a hospital site, a trust), and a column that
repeats over those rows is its parent (the trust of a site). A measure published as a count
and a percentage only, "(N)" and "(%)", takes its denominator from a shared column (such as
"Number of cases submitted") recognised by name and confirmed by arithmetic (N ≤ denominator
and N ÷ denominator ≈ %), so it is read rather than derived.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from model.benchmark.benchmark_cleaning import _to_number
from model.benchmark.benchmark_headers import _norm, is_national_name

_SITE_WORDS = re.compile(r"\b(site|hospital|unit|team|ward|location|service|department|centre)s?\b|^site|^hosp")
_TRUST_WORDS = re.compile(
    r"\b(trust|org|organisation|organization|provider|ods|health ?board|board|icb)s?\b|^trust|^org|^name$|^code$"
)
_REGION_WORDS = re.compile(r"\b(region|country|nation|network|icb|stp|ccg|area|county)\b")
_CODE_WORDS = re.compile(r"code\b|\bcode|\bid$|^ods")
_CODE_VALUE = r"[A-Z0-9]{3,9}"
# A column of counts a measure's N may share as its denominator ("Number of cases submitted").
_SHARED_DENOMINATOR = re.compile(
    r"\b(cases|patients|records|admissions|submitted|submissions|eligible|audited|episodes|people|"
    r"denominator|total|falls|fractures|discharges|attendances|included)\b|^n\b|^n[_ ]|^number\b|^no\b"
)
_UNIQUE = 0.9


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


def national_rows(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows whose first text columns name a national aggregate ("National", "England and Wales", "Total")."""
    hit = pd.Series(False, index=table.index)
    for col in columns[:4]:
        hit |= _text(table[col]).map(is_national_name).astype(bool)
    return hit


def _numeric_share(series: pd.Series) -> float:
    numbers, raw = _to_number(series)
    filled = _text(series) != ""
    return float(numbers[filled].notna().mean()) if filled.any() else 0.0


def _profile(table: pd.DataFrame, col: str, rows: pd.Series) -> dict[str, Any]:
    text = _text(table.loc[rows, col])
    filled = text[text != ""]
    name = _norm(col)
    return {
        "col": col,
        "filled": len(filled) / max(len(text), 1),
        "unique": filled.nunique() / len(filled) if len(filled) else 0.0,
        "code": bool(len(filled)) and float(filled.str.fullmatch(_CODE_VALUE).mean()) >= 0.8,
        "code_name": bool(_CODE_WORDS.search(name)),
        "site": bool(_SITE_WORDS.search(name)),
        "trust": bool(_TRUST_WORDS.search(name)),
        "region": bool(_REGION_WORDS.search(name)) and not _SITE_WORDS.search(name),
    }


def _pick(cands: list[dict[str, Any]], *prefs: str) -> dict[str, Any] | None:
    """The most unique candidate, ties broken by the name hints in `prefs`, then how filled it is."""
    if not cands:
        return None
    return max(cands, key=lambda c: (round(c["unique"], 2), *(bool(c[p]) for p in prefs), c["filled"]))


def _parent(cands: list[dict[str, Any]], unit: dict[str, Any] | None) -> str | None:
    """A column at the unit's level or coarser (repeating at least as much), trust-like names first."""
    limit = unit["unique"] if unit else 1.0
    coarser = [c for c in cands if c["unique"] <= limit + 1e-9]
    if not coarser:
        return None
    return str(max(coarser, key=lambda c: (bool(c["trust"]), not c["site"], c["filled"]))["col"])


def id_columns(table: pd.DataFrame, measure_cols: set[str]) -> tuple[dict[str, str | None], list[str]]:
    """The organisation code/name columns and their parent's, found from names and data.

    The unit of the rows is the most unique code column (a site code over its trust's code);
    a code column that repeats while a name column is unique per row (a trust code beside
    hospital names) is the parent's code, and the rows are matched by name within it.

    Returns (WideMapping id fields, plain-language notes on what was guessed).
    """
    others = [c for c in table.columns if c not in measure_cols]
    text_cols = [c for c in others if _numeric_share(table[c]) < 0.5]
    rows = ~national_rows(table, text_cols) if text_cols else pd.Series(True, index=table.index)
    profiles = [p for p in (_profile(table, c, rows) for c in text_cols) if p["filled"] > 0.3]
    codes = [p for p in profiles if p["code"] or (p["code_name"] and not p["region"])]
    names = [p for p in profiles if p not in codes and not p["region"]]
    unit_name = _pick([p for p in names if p["site"] or p["trust"]], "site", "trust") or _pick(names)
    unit_code = _pick(codes, "site")
    if (unit_code and unit_name and unit_code["unique"] < _UNIQUE <= unit_name["unique"]
            and not unit_code["site"] and unit_name["site"]):
        unit_code = None  # a trust code beside hospital names: the rows are the hospitals
    org_code = str(unit_code["col"]) if unit_code else None
    org_name = str(unit_name["col"]) if unit_name else None
    parent_code = _parent([p for p in codes if p["col"] != org_code], unit_code or unit_name)
    parent_name = _parent([p for p in names if p["col"] != org_name and p["trust"]], unit_name)
    notes: list[str] = []
    if org_code is None and parent_code is None:
        notes.append("no organisation code column found; matching will be by name")
    elif org_code is None:
        notes.append(f"rows are one per '{org_name}' (its values are unique per row); they have no code of "
                     f"their own, so they are matched by name within the code in '{parent_code}'")
    if org_name is None:
        notes.append("no organisation name column found")
    return {
        "org_code_col": org_code,
        "org_name_col": org_name,
        "parent_code_col": parent_code,
        "parent_name_col": parent_name,
    }, notes


def shared_denominator(
    table: pd.DataFrame, roles: dict[str, str], candidates: list[str]
) -> tuple[str | None, str]:
    """The shared column a count-and-percentage group divides by, and a note (or (None, "")).

    A candidate must hold counts with N ≤ it on (nearly) every row and, when the group has a
    percentage, N ÷ it × 100 ≈ % (or × 1 for proportions). Named candidates are preferred; an
    unnamed one is accepted only on arithmetic with a percentage to check against.
    """
    num, pct = roles.get("n"), roles.get("p")
    if not num:
        return None, ""
    n = _to_number(table[num])[0]
    p = _to_number(table[pct])[0] if pct else None
    ranked = sorted(candidates, key=lambda c: not _SHARED_DENOMINATOR.search(_norm(c)))
    for col in ranked:
        d = _to_number(table[col])[0]
        both = n.notna() & d.notna()
        if both.sum() < 2 or (n[both] > d[both]).mean() > 0.02:
            continue
        named = bool(_SHARED_DENOMINATOR.search(_norm(col)))
        if p is not None:
            ratio = n / d.where(d > 0)
            err = min((ratio * 100 - p).abs().median(), (ratio - p).abs().median() * 100)
            if pd.notna(err) and err <= 0.6:
                return col, f"denominator from the shared column '{col}' (N ÷ it matches the percentage)"
        elif named:
            return col, f"denominator from the shared column '{col}' (by its name; no percentage to check it)"
    return None, ""


def count_columns(table: pd.DataFrame, exclude: set[str]) -> list[str]:
    """Columns other than `exclude` that hold whole non-negative numbers (possible shared denominators)."""
    out = []
    for col in table.columns:
        if col in exclude:
            continue
        numbers = _to_number(table[col])[0].dropna()
        if len(numbers) >= 2 and (numbers >= 0).all() and (numbers == numbers.round()).all():
            out.append(str(col))
    return out
