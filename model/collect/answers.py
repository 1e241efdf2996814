"""Reading what people type into audit spreadsheets: answers, dates, times and NHS numbers.

Every function works on a whole pandas Series. Cells repeat a handful of spellings many times,
so the Python-level work is done once per distinct value and the results are mapped back
(``model.core.columns.per_unique``); NHS numbers, which are mostly distinct, are checked with numpy.

Answer vocabulary (DOMAIN.md §2, case-insensitive, trimmed) -> "met", "not_met", "exception",
"missing"; anything else is "unrecognised" and is never guessed. A dash counts as "not
applicable" only when the user says so through ``extra_map`` (the sheet's own key), and "x"
counts as met only in a tick column.

Dates are UK day-first. Two-digit years pivot at 70: 00–69 are 2000–2069, 70–99 are 1970–1999
(the POSIX ``%y`` rule; audit dates are recent, and dates of birth should not be collected).
Excel serial numbers use the 1900 date system (serial 1 = 1900-01-01, with Lotus' phantom
29 February 1900, so serials from 61 on count from 1899-12-30); only serials between
``SERIAL_MIN`` (1901-01-01) and ``SERIAL_MAX`` (2099-12-31) are accepted, so a stray case
number is never read as a date in 1900.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.core.columns import per_unique

OUTCOMES = ("met", "not_met", "exception", "missing", "unrecognised")

_MET = ("yes", "y", "1", "1.0", "true", "✓", "✔", "met", "compliant", "done")
_NOT_MET = ("no", "n", "0", "0.0", "false", "✗", "✘", "not met", "non-compliant", "non compliant",
            "not done")
_EXCEPTION = ("n/a", "na", "n.a.", "not applicable", "excluded", "exception", "exempt")
VOCABULARY: dict[str, str] = {
    **{w: "met" for w in _MET},
    **{w: "not_met" for w in _NOT_MET},
    **{w: "exception" for w in _EXCEPTION},
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)

SERIAL_MIN = 367  # 1901-01-01
SERIAL_MAX = 73050  # 2099-12-31
_EXCEL_EPOCH = dt.date(1899, 12, 30)
TWO_DIGIT_YEAR_PIVOT = 70


def answer_key(text: str) -> str:
    """How a cell is compared with the vocabulary: trimmed, case-folded, single-spaced."""
    text = text.translate(_INVISIBLE).replace("\u2011", "-").replace("\u2010", "-")
    return " ".join(text.split()).casefold()


def _answer_for(text: str, vocabulary: Mapping[str, str]) -> str:
    key = answer_key(text)
    if not key:
        return "missing"
    return vocabulary.get(key, "unrecognised")


def normalise_answers(
    series: pd.Series, *, tick_column: bool = False, extra_map: Mapping[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Turn typed answers into outcomes.

    Args:
        series: the cells of one criterion column (text, NaN for blank).
        tick_column: the column is ticked with "x" (then "x" means met).
        extra_map: the user's decisions for other spellings, e.g. ``{"-": "exception",
            "yes - 70 min": "met"}``; keys are compared like the vocabulary (trimmed,
            case-insensitive) and override it. Values must be one of ``OUTCOMES``.

    Returns:
        (outcome, raw): outcome is "met", "not_met", "exception", "missing" or "unrecognised"
        for every cell; raw is the cell text as typed (NaN for blank), for showing the user.

    Raises:
        ValueError: an ``extra_map`` value is not an outcome.
    """
    vocabulary = dict(VOCABULARY)
    if tick_column:
        vocabulary["x"] = "met"
    for key, decided in (extra_map or {}).items():
        if decided not in OUTCOMES:
            raise ValueError(f"unknown outcome {decided!r} for {key!r}; expected one of {OUTCOMES}")
        vocabulary[answer_key(str(key))] = decided
    raw = series.astype("str")
    outcome = per_unique(raw, lambda u: _answer_for(u, vocabulary), na="missing")
    return pd.Series(outcome, index=series.index, dtype=object, name=series.name), raw


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_TIME = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
_ISO_RE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + r"(?:Z|[+-]\d{2}:?\d{2})?")
_UK_RE = re.compile(r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME)
_NAMED_RE = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?[ -](?P<mon>[a-z]{3,9})\.?[ ,\-]*(?P<y>\d{4}|\d{2})" + _TIME)
_SERIAL_RE = re.compile(r"\d+(?:\.\d+)?")
_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}

IMPOSSIBLE = "impossible date"
MONTH_FIRST = "looks month-first"
NOT_A_DATE = "not a recognisable date"
OUTSIDE_PERIOD = "outside the data collection period"
NO_TIME = "no time given"


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < TWO_DIGIT_YEAR_PIVOT else 1900
    return year


def _build(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _time_of(match: re.Match[str]) -> dt.time | None | str:
    """The time part of a match: a time, None when absent, or a problem text."""
    if match.group("H") is None:
        return None
    hour, minute, second = int(match.group("H")), int(match.group("M")), int(match.group("S") or 0)
    if hour > 23 or minute > 59 or second > 59:
        return "impossible time"
    return dt.time(hour, minute, second)


def _from_serial(text: str) -> tuple[dt.datetime | None, str | None]:
    serial = float(text)
    if not SERIAL_MIN <= serial <= SERIAL_MAX + 1:
        return None, NOT_A_DATE
    days = int(serial)
    seconds = round((serial - days) * 86400)
    return dt.datetime.combine(_EXCEL_EPOCH, dt.time()) + dt.timedelta(days=days, seconds=seconds), None


def _parse_one(text: str) -> tuple[dt.date | None, dt.time | None, str | None]:
    """(date, time or None, problem or None) for one cell."""
    text = " ".join(text.split())
    if (m := _ISO_RE.fullmatch(text)) is not None:
        date, problem = _build(int(m["y"]), int(m["m"]), int(m["d"])), None
    elif (m := _UK_RE.fullmatch(text)) is not None:
        date, problem = _uk_date(m)
    elif (m := _NAMED_RE.fullmatch(text.casefold())) is not None:
        month = _MONTHS.get(m["mon"])
        date, problem = (_build(_year(m["y"]), month, int(m["d"])), None) if month else (None, NOT_A_DATE)
    elif _SERIAL_RE.fullmatch(text):
        stamp, problem = _from_serial(text)
        if stamp is None:
            return None, None, problem
        has_time = stamp.time() != dt.time() or "." in text
        return stamp.date(), (stamp.time() if has_time else None), None
    else:
        return None, None, NOT_A_DATE
    if date is None:
        return None, None, problem or IMPOSSIBLE
    clock = _time_of(m)
    if isinstance(clock, str):
        return None, None, clock
    return date, clock, problem


def _uk_date(m: re.Match[str]) -> tuple[dt.date | None, str | None]:
    """Day-first; when only month-first makes sense, say so rather than swap silently."""
    year, first, second = _year(m["y"]), int(m["d"]), int(m["m"])
    date = _build(year, second, first)
    if date is not None:
        return date, None
    if second > 12 and _build(year, first, second) is not None:
        return None, MONTH_FIRST
    return None, IMPOSSIBLE


def _coerce_text(value: object) -> object:
    """Accept datetime-like objects too (a caller may pass calamine or pandas values)."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _as_text(series: pd.Series) -> pd.Series:
    if series.dtype == object:
        series = series.map(_coerce_text)
    return series.astype("str")


def _in_period(iso: pd.Series, period: tuple[dt.date, dt.date] | None) -> pd.Series:
    if period is None:
        return pd.Series(True, index=iso.index)
    start, end = (d.isoformat() for d in period)
    return iso.isna() | ((iso >= start) & (iso <= end))


def parse_uk_dates(
    series: pd.Series, *, period: tuple[dt.date, dt.date] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Read dates written the UK way (and ISO, Excel serials, "3 Feb 2026").

    Accepted: dd/mm/yyyy, dd/mm/yy, dd-mm-yyyy, dd.mm.yyyy (each optionally with a time),
    yyyy-mm-dd (optionally with a time), "3 Feb 2026", Excel serial numbers. A time part is
    dropped.

    Args:
        series: cells as text (NaN for blank); datetime objects are accepted too.
        period: optional (first, last) day of data collection; dates outside it keep their
            value but get the problem "outside the data collection period".

    Returns:
        (iso, problem): ISO "yyyy-mm-dd" text or NaN; a problem text or None per cell
        ("impossible date", "looks month-first", "not a recognisable date", ...). Blank cells
        get NaN and no problem.
    """
    text = _as_text(series)
    parsed = per_unique(text, lambda u: _date_result(u), na=(np.nan, None))
    iso = pd.Series([p[0] for p in parsed], index=series.index, dtype="str", name=series.name)
    problem = pd.Series([p[1] for p in parsed], index=series.index, dtype=object, name=series.name)
    problem[~_in_period(iso, period) & problem.isna()] = OUTSIDE_PERIOD
    return iso, problem


def _date_result(text: str) -> tuple[object, str | None]:
    if not text.strip():
        return np.nan, None
    date, _clock, problem = _parse_one(text)
    return (date.isoformat() if date else np.nan), (problem if date is None else None)


def parse_datetimes(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read date-and-time cells ("03/02/2026 14:35", "2026-02-03 14:35:00", 46056.6).

    Returns:
        (values, problem): datetime64 values (NaT when blank or unreadable) and a problem
        text or None per cell; a date without a time gets "no time given" and NaT, because a
        time-difference criterion cannot be judged from a date alone.
    """
    text = _as_text(series)
    parsed = per_unique(text, lambda u: _datetime_result(u), na=(pd.NaT, None))
    values = pd.Series(pd.to_datetime([p[0] for p in parsed]), index=series.index, name=series.name)
    problem = pd.Series([p[1] for p in parsed], index=series.index, dtype=object, name=series.name)
    return values, problem


def _datetime_result(text: str) -> tuple[object, str | None]:
    if not text.strip():
        return pd.NaT, None
    date, clock, problem = _parse_one(text)
    if date is None:
        return pd.NaT, problem
    if clock is None:
        return pd.NaT, NO_TIME
    return pd.Timestamp(dt.datetime.combine(date, clock)), None


_CLOCK_RE = re.compile(r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?")
_HHMM_RE = re.compile(r"(?P<H>\d{2})(?P<M>\d{2})")  # 24-hour "1435", as written in notes
_FRACTION_RE = re.compile(r"0?\.\d+|0")  # an Excel time stored as a fraction of a day


def _clock_result(text: str) -> tuple[object, str | None]:
    text = text.strip().casefold()
    if not text:
        return pd.NaT, None
    if _FRACTION_RE.fullmatch(text):
        return pd.Timedelta(seconds=round(float(text) * 86400)), None
    m = _CLOCK_RE.fullmatch(text) or _HHMM_RE.fullmatch(text)
    if m is None:
        return pd.NaT, "not a recognisable time"
    hour, minute = int(m["H"]), int(m["M"])
    second = int(m.groupdict().get("S") or 0)
    ampm = m.groupdict().get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            return pd.NaT, "impossible time"
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return pd.NaT, "impossible time"
    return pd.Timedelta(hours=hour, minutes=minute, seconds=second), None


def parse_times(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read times of day ("14:35", "14.35", "1435", "2:35 pm", "14:35:00", Excel's 0.6076).

    Returns:
        (values, problem): time since midnight as timedelta64 (NaT when blank or unreadable)
        and a problem text or None per cell.
    """
    text = _as_text(series)
    parsed = per_unique(text, _clock_result, na=(pd.NaT, None))
    values = pd.Series(pd.to_timedelta([p[0] for p in parsed]), index=series.index, name=series.name)
    problem = pd.Series([p[1] for p in parsed], index=series.index, dtype=object, name=series.name)
    return values, problem


def minutes_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Minutes from ``start`` to ``end`` for each row (NaN when either is missing).

    Text is read with ``parse_datetimes``; negative results are kept, because a criterion
    such as "antibiotics within 60 minutes" must report them as data errors, not as met.
    """
    if not pd.api.types.is_datetime64_any_dtype(start):
        start = parse_datetimes(start)[0]
    if not pd.api.types.is_datetime64_any_dtype(end):
        end = parse_datetimes(end)[0]
    return (end - start).dt.total_seconds() / 60.0


# ---------------------------------------------------------------------------
# NHS numbers (DOMAIN.md §10)
# ---------------------------------------------------------------------------

_NHS_WEIGHTS = np.arange(10, 1, -1)
_NHS_SEPARATORS = re.compile(r"[\s\-\u00a0\u2010\u2011\u2013]")


def normalise_nhs_number(text: object) -> str | None:
    """The 10 digits of an NHS number, or None when the cell holds something else.

    Spaces and hyphens are removed ("943 476 5919", "943-476-5919"); a number stored as a
    float ("9434765919.0") is accepted. The check digit is not tested here.
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    if isinstance(text, int | float | np.integer | np.floating):
        if float(text) != int(text):
            return None
        text = str(int(text))
    compact = _NHS_SEPARATORS.sub("", str(text))
    if compact.endswith(".0"):
        compact = compact[:-2]
    return compact if len(compact) == 10 and compact.isascii() and compact.isdigit() else None


def _check_digits_ok(digits: np.ndarray) -> np.ndarray:
    """Modulus 11 over rows of 10 digits: weights 10..2, check = 11 - sum mod 11 (11 -> 0, 10 invalid)."""
    check = 11 - (digits[:, :9] @ _NHS_WEIGHTS) % 11
    check = np.where(check == 11, 0, check)
    ok: np.ndarray = (check != 10) & (check == digits[:, 9])
    return ok


def is_valid_nhs_number(text: object) -> bool:
    """True when ``text`` is a 10-digit NHS number whose check digit is right (943 476 5919 is)."""
    number = normalise_nhs_number(text)
    if number is None:
        return False
    return bool(_check_digits_ok(np.frombuffer(number.encode(), dtype=np.uint8)[None, :] - 48)[0])


def validate_nhs_numbers(series: pd.Series) -> pd.DataFrame:
    """Check a column of NHS numbers.

    Returns:
        A DataFrame on the same index with ``nhs_number`` (the 10 digits, or NaN), ``valid``
        (bool) and ``problem`` (None, "not 10 digits" or "check digit is wrong"; blank cells
        have no problem and are not valid).
    """
    text = series.astype("str")
    normalised = pd.Series(per_unique(text, normalise_nhs_number, na=None), index=series.index)
    has_ten = normalised.notna().to_numpy()
    valid = np.zeros(len(series), dtype=bool)
    if has_ten.any():
        joined = "".join(normalised[has_ten]).encode()
        digits = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 10).astype(np.int64) - 48
        valid[has_ten] = _check_digits_ok(digits)
    blank = per_unique(text, lambda u: not u.strip(), na=True).astype(bool)
    problem = np.where(blank | valid, None, np.where(has_ten, "check digit is wrong", "not 10 digits"))  # type: ignore[call-overload]  # None: object array
    return pd.DataFrame(
        {"nhs_number": normalised.astype("str"), "valid": valid,
         "problem": pd.Series(problem, index=series.index, dtype=object)},
        index=series.index,
    )


def _could_reach(counts: pd.Series, share: float) -> bool:
    """Whether enough non-blank cells are ten digits (after the separators go) for `share` of
    them to be NHS numbers: one vectorised pass that spares a column of 100,000 distinct case
    references the per-value check (a superset of what `normalise_nhs_number` accepts)."""
    texts = pd.Series(counts.index, dtype=object).astype(str)
    weights = counts.to_numpy()
    filled = (texts.str.strip() != "").to_numpy(dtype=bool)
    compact = texts.str.replace(_NHS_SEPARATORS, "", regex=True).str.removesuffix(".0")
    ten = compact.str.fullmatch(r"[0-9]{10}").fillna(False).to_numpy(dtype=bool)
    total = weights[filled].sum()
    return bool(total) and weights[filled & ten].sum() / total >= share


def looks_like_nhs_number_column(series: pd.Series, *, share: float = 0.9) -> bool:
    """True when at least ``share`` (90%) of the non-blank cells are valid NHS numbers.

    Each distinct text is checked once and weighted by how often it occurs: an answer column
    of 100,000 cells holds a handful of texts, so the check stays out of an import's time.
    """
    counts = series.dropna().astype(str).value_counts(sort=False)
    if counts.empty or not _could_reach(counts, share):
        return False
    checked = validate_nhs_numbers(pd.Series(counts.index, dtype=object))
    filled = (checked["problem"].notna() | checked["valid"]).to_numpy(dtype=bool)
    weights = counts.to_numpy()
    if not weights[filled].sum():
        return False
    valid = checked["valid"].to_numpy(dtype=bool)
    return bool(weights[filled & valid].sum() / weights[filled].sum() >= share)
