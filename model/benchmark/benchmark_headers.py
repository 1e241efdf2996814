"""Recognising a benchmark file's header: the header row, national rows, measure column groups, layouts.

Headers are matched by name, never position: `_norm` makes them comparable, `_measure_groups`
finds a wide table's numerator/denominator/percentage columns, `_long_columns` a long table's
fields, and `_detect` tells the three layouts apart from a grid of text cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from model.core.errors import ImportProblem

NATIONAL_CODE = "E92000001"
#: Names of a national aggregate row (compared lower-case, stripped).
NATIONAL_NAMES = frozenset(
    {
        "national",
        "national total",
        "national aggregate",
        "national average",
        "england and wales",
        "england & wales",
        "england",
        "wales",
        "all",
        "all trusts",
        "all hospitals",
        "all sites",
        "all organisations",
        "all units",
        "total",
        "overall",
        "uk",
        "united kingdom",
    }
)

_NATIONAL_UNITS = (
    "trusts|hospitals|sites|organisations|organizations|units|providers|teams|services|health boards|boards|"
    "trusts and health boards|hospital sites"
)
_NATIONAL_PATTERN = re.compile(
    r"^(?:national|england|wales|england (?:and|&) wales|uk|united kingdom|scotland|northern ireland|"
    r"(?:grand |overall )?total|overall|national (?:total|aggregate|average|figure|result)|"
    rf"all(?: (?:participating |english |welsh )?(?:{_NATIONAL_UNITS}))?)"
    r"(?:\s*[(\[].*[)\]])?(?:\s*[-:–]\s*(?:all|total|national).*)?$"
)


def is_national_name(text: str) -> bool:
    """Does a name cell hold a national aggregate ("England and Wales", "National", "Total (all sites)")?"""
    name = " ".join(str(text).replace("\ufeff", "").strip().lower().split())
    return name in NATIONAL_NAMES or bool(_NATIONAL_PATTERN.match(name))


# Fingertips: our column → normalised published header. Matched by name, never position.
_FINGERTIPS = {
    "measure_code": "indicator id",
    "measure_name": "indicator name",
    "parent_code": "parent code",
    "parent_name": "parent name",
    "org_code": "area code",
    "org_name": "area name",
    "area_type": "area type",
    "sex": "sex",
    "age": "age",
    "category_type": "category type",
    "category": "category",
    "period": "time period",
    "value": "value",
    "lower_ci95": "lower ci 95.0 limit",
    "upper_ci95": "upper ci 95.0 limit",
    "lower_ci998": "lower ci 99.8 limit",
    "upper_ci998": "upper ci 99.8 limit",
    "numerator": "count",
    "denominator": "denominator",
    "value_note": "value note",
    "compared_to_national": "compared to england value or percentiles",
    "period_sortable": "time period sortable",
}
_FINGERTIPS_REQUIRED = ("measure_code", "org_code", "period", "value")

# Wide tables: a measure column is a stem and a role word (numerator, denominator, percentage).
_ROLE_NUM = {"n", "no", "no.", "num", "number", "numerator", "met", "count"}
_ROLE_DEN = {"d", "den", "denom", "denominator", "total", "eligible"}
_ROLE_PCT = {"p", "pc", "pct", "perc", "percent", "percentage", "%", "proportion"}
_ROLES = "numerator|denominator|percentage|percent|total|denom|perc|pct|num|den|pc|n|d|p"
_PREFIX = re.compile(rf"^(?P<stem>[a-z]*\d+[a-z]?)(?P<role>{_ROLES})(?:[_ ](?P<rest>.*))?$", re.IGNORECASE)
# "Screened (%)", "Screened [N]", "Screened: n", "Screened - %", "Screened_pct", "Screened %".
_WORDED = "numerator|denominator|percentage|percent|proportion|number|total|denom|count|perc|pct|num|den|no\\.?|n|d|%"
_PAREN = re.compile(rf"^(?P<stem>.+?)\s*[(\[]\s*(?P<role>{_WORDED})\s*[)\]]$", re.IGNORECASE)
_SUFFIX = re.compile(rf"^(?P<stem>.+?)(?:[_ ]*[-:–,]\s*|[_ ]+)(?P<role>{_WORDED})$", re.IGNORECASE)
_BARE_PCT = re.compile(r"^(?P<stem>.*\w)\s*(?P<role>%)$")
# "% screened", "Number screened", "Percentage of patients screened", "N: screened".
_LEAD = re.compile(
    r"^(?P<role>%|(?:n|no\.?|number|count|percentage|percent|proportion)(?=[\s:–-]))\s*(?:[-:–]\s*)?(?:of\s+)?"
    r"(?P<stem>\S.*)$",
    re.IGNORECASE,
)

# Long tables: our field → the headers accepted for it, in order of preference.
_LONG_NAMES = {
    "org_code": [
        "org code",
        "organisation code",
        "organization code",
        "ods code",
        "area code",
        "trust code",
        "provider code",
        "site code",
        "code",
    ],
    "org_name": [
        "org name",
        "organisation name",
        "organization name",
        "area name",
        "trust name",
        "provider name",
        "trust",
        "organisation",
        "name",
    ],
    "period": ["period", "time period", "year", "financial year", "quarter", "month", "date"],
    "measure": ["measure code", "measure", "indicator id", "indicator", "metric", "question", "measure name"],
    "numerator": ["numerator", "num", "count", "met", "n"],
    "denominator": ["denominator", "denom", "eligible", "total", "d"],
    "value": ["value", "percentage", "percent", "%", "rate", "proportion", "result"],
}


def _norm(name: str) -> str:
    """Header name for matching: lower case, BOM and quotes gone, whitespace collapsed."""
    return " ".join(str(name).replace("\ufeff", "").replace("_", " ").strip().lower().split())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _is_number_row(row: list[str]) -> bool:
    """A row of column numbers 1, 2, 3, … (some audits print one above the header)."""
    cells = [c for c in row if c]
    if len(cells) < 3 or not all(c.isdigit() for c in cells):
        return False
    numbers = [int(c) for c in cells]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _find_header(grid: list[list[str]]) -> int:
    """Index of the header row: the first well-filled row that is mostly words, not numbers."""
    top = grid[:40]
    widest = max((sum(1 for c in r if c) for r in top), default=0)

    def wordy(row: list[str]) -> bool:
        cells = [c for c in row if c]
        return len(cells) >= max(2, widest // 2) and not _is_number_row(row) and (
            sum(not _is_number(c) for c in cells) >= 0.6 * len(cells))

    for i, row in enumerate(top):
        if not wordy(row):
            continue
        # A row of measure labels over the real header ("Screening" over "N", "%") has fewer cells.
        below = next((j for j in range(i + 1, min(i + 4, len(top))) if any(top[j]) and not _is_number_row(top[j])),
                     None)
        if (below is not None and wordy(top[below]) and sum(map(bool, top[below])) > sum(map(bool, row))
                and sum(bool(_role(c.strip("()[] ")) or column_role(c)) for c in top[below] if c) >= 2):
            return below
        return i
    return -1


def _unique_headers(row: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    headers = []
    for i, cell in enumerate(row):
        name = " ".join(cell.split()) or f"Column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return headers


def _role(word: str) -> str | None:
    word = word.lower().strip()
    for role, words in (("n", _ROLE_NUM), ("d", _ROLE_DEN), ("p", _ROLE_PCT)):
        if word in words:
            return role
    return None


def _stem_key(stem: str) -> str:
    """A stem as compared between a group's columns: case, spaces and end punctuation ignored."""
    return " ".join(stem.replace("_", " ").strip(" -:–,.").casefold().split())


def column_role(header: str) -> tuple[str, str] | None:
    """(stem, role "n"/"d"/"p") when a header names one column of a measure group, else None.

    Question prefixes (`q07n_met`), bracketed roles (`Screened (%)`, `Screened [N]`), trailing
    roles (`Screened - %`, `screened_pct`, `Screened %`) and leading ones (`% screened`,
    `Number screened`) are all recognised.
    """
    for pattern in (_PREFIX, _PAREN, _SUFFIX, _BARE_PCT, _LEAD):
        match = pattern.match(header.strip())
        role = _role(match.group("role")) if match else None
        if match and role and _stem_key(match.group("stem")):
            return match.group("stem").strip(" -:–,"), role
    return None


def _measure_groups(headers: list[str]) -> dict[str, dict[str, str]]:
    """Candidate measure groups by shared stem: stem → {"n"/"d"/"p": header}.

    A stem with a count and a percentage, or a count and a denominator, is a group; the
    denominator may be missing (a shared "number of cases" column is found later by arithmetic).
    """
    groups: dict[str, dict[str, str]] = {}
    stems: dict[str, str] = {}
    for header in headers:
        found = column_role(header)
        if found:
            stem, role = found
            key = _stem_key(stem)
            stems.setdefault(key, stem)
            groups.setdefault(key, {}).setdefault(role, header)
    return {
        stems[key]: roles for key, roles in groups.items() if len(roles) >= 2 and ("n" in roles or "d" in roles)
    }


_MEDIAN_ROLES = {
    "median": "m", "med": "m",
    "lower iqr": "lo", "lower quartile": "lo", "lq": "lo", "q1": "lo", "p25": "lo", "iqr lower": "lo",
    "upper iqr": "hi", "upper quartile": "hi", "uq": "hi", "q3": "hi", "p75": "hi", "iqr upper": "hi",
}
_MEDIAN_WORDS = "|".join(sorted((w.replace(" ", "[_ ]?") for w in _MEDIAN_ROLES), key=len, reverse=True))
_MEDIAN_PREFIX = re.compile(rf"^(?P<stem>[a-z]*\d+[a-z]?)[_ ]?(?P<role>{_MEDIAN_WORDS})(?:[_ ](?P<rest>.*))?$", re.I)
_MEDIAN_PAREN = re.compile(
    rf"^(?P<stem>.+?)\s*(?:[(\[]\s*(?P<role>{_MEDIAN_WORDS})\s*[)\]]|[-:–,_ ]+(?P<role2>{_MEDIAN_WORDS}))$", re.I
)
_MEDIAN_KEYS = {word.replace(" ", ""): role for word, role in _MEDIAN_ROLES.items()}


def median_groups(headers: list[str]) -> dict[str, dict[str, str]]:
    """Medians with their interquartile range, by shared stem: stem → {"m", "lo", "hi": header}.

    `q15median_mins`, `q15lower_iqr_mins`, `q15upper_iqr_mins`, or `Time to review (median)`,
    `… (LQ)`, `… (UQ)`. A value with a range, not a numerator/denominator/percentage triplet.
    """
    groups: dict[str, dict[str, str]] = {}
    stems: dict[str, str] = {}
    for header in headers:
        match = _MEDIAN_PREFIX.match(header.strip()) or _MEDIAN_PAREN.match(header.strip())
        if not match:
            continue
        word = match.group("role") or match.groupdict().get("role2") or ""
        role = _MEDIAN_KEYS.get(re.sub(r"[_ ]", "", word.lower()))
        if role:
            key = _stem_key(match.group("stem"))
            stems.setdefault(key, match.group("stem").strip(" -:–,_"))
            groups.setdefault(key, {}).setdefault(role, header)
    return {stems[k]: roles for k, roles in groups.items() if "m" in roles}


def _long_columns(headers: list[str]) -> dict[str, str] | None:
    """Our field → the header used, for a long table; None unless org, measure and a number exist."""
    normed = {_norm(h): h for h in headers}
    found: dict[str, str] = {}
    for key, names in _LONG_NAMES.items():
        for name in names:
            if name in normed and normed[name] not in found.values():
                found[key] = normed[name]
                break
    needed = ("org_code" in found or "org_name" in found) and "measure" in found
    return found if needed and ({"value", "numerator"} & found.keys()) else None


def _detect(grid: list[list[str]], path: Path) -> str:
    header_at = _find_header(grid)
    if header_at < 0:
        raise ImportProblem(
            "No header row was found in the file.",
            where=str(path),
            hint="The file needs a row of column names above the data.",
        )
    headers = {_norm(c) for c in grid[header_at]}
    if not any(any(c for c in row) and not _is_number_row(row) for row in grid[header_at + 1 :]):
        raise ImportProblem(
            "The file has a header but no data rows.",
            where=str(path),
            hint="Export the file again with the data included.",
        )
    if {_FINGERTIPS[k] for k in _FINGERTIPS_REQUIRED} <= headers:
        return "fingertips"
    if _long_columns(list(headers)) is not None:
        return "long"
    if _measure_groups(_unique_headers(grid[header_at])):
        return "national_audit_wide"
    raise ImportProblem(
        "The layout of this file is not one AuditLoop knows.",
        where=str(path),
        hint="Use an OHID Fingertips export, a national audit table with numerator/denominator/% "
        "columns, or a table with organisation code, name, period, measure, numerator, denominator "
        "and value columns.",
    )
