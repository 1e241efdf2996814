"""Answer vocabularies, UK dates, times and NHS numbers (DOMAIN.md §2 and §10)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.datetime import from_excel

from model.collect.answers import (
    IMPOSSIBLE,
    MONTH_FIRST,
    NO_TIME,
    NOT_A_DATE,
    OUTSIDE_PERIOD,
    VOCABULARY,
    is_valid_nhs_number,
    looks_like_nhs_number_column,
    minutes_between,
    normalise_answers,
    normalise_nhs_number,
    parse_datetimes,
    parse_times,
    parse_uk_dates,
    validate_nhs_numbers,
)
from tests.model.sheet_fixtures import nhs_check_digit, nhs_test_numbers

# ---------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------

DOMAIN_SPELLINGS = {
    "met": ["yes", "y", "1", "true", "✓", "✔", "met", "compliant", "done"],
    "not_met": ["no", "n", "0", "false", "✗", "✘", "not met", "non-compliant", "not done"],
    "exception": ["n/a", "na", "n.a.", "not applicable", "excluded", "exception", "exempt"],
}


def _outcomes(values: list[object], **kwargs: object) -> list[str]:
    return normalise_answers(pd.Series(values, dtype="str"), **kwargs)[0].tolist()  # type: ignore[arg-type]


@pytest.mark.parametrize(("outcome", "spelling"), [(o, s) for o, words in DOMAIN_SPELLINGS.items() for s in words])
def test_domain_vocabulary(outcome: str, spelling: str) -> None:
    assert _outcomes([spelling, spelling.upper(), f"  {spelling.title()} "]) == [outcome] * 3


def test_blanks_spaces_and_unreadable_values() -> None:
    values = [np.nan, "", " ", "\u00a0", "\t", "?", "yes - 70 min", "pending", "unsure", "see notes", "yes?"]
    assert _outcomes(values) == ["missing"] * 5 + ["unrecognised"] * 6


def test_x_only_in_tick_columns_and_dash_only_by_the_sheet_key() -> None:
    assert _outcomes(["x", "X", "-", "—"]) == ["unrecognised"] * 4
    assert _outcomes(["x", "X"], tick_column=True) == ["met", "met"]
    assert _outcomes(["x", "", "-", "—"], tick_column=True, extra_map={"—": "exception", "-": "exception"}) == [
        "met", "missing", "exception", "exception"]


def test_extra_map_overrides_and_is_case_insensitive() -> None:
    assert _outcomes(["Yes - 70 min", "pending", "Yes"], extra_map={"yes - 70 MIN": "not_met"}) == [
        "not_met", "unrecognised", "met"]


def test_extra_map_rejects_unknown_outcomes() -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        normalise_answers(pd.Series(["a"]), extra_map={"a": "maybe"})


def test_raw_values_are_kept_as_typed() -> None:
    series = pd.Series(["Yes ", np.nan, "?"], index=[10, 11, 12], dtype="str")
    outcome, raw = normalise_answers(series)
    assert raw.tolist()[0] == "Yes " and pd.isna(raw.iloc[1])
    assert outcome.index.tolist() == [10, 11, 12]


_WHITESPACE = st.text(alphabet=" \t\u00a0\u2003", max_size=4)


@given(word=st.sampled_from(sorted(VOCABULARY)), left=_WHITESPACE, right=_WHITESPACE,
       flips=st.lists(st.booleans(), min_size=20, max_size=20))
def test_case_and_whitespace_never_change_the_outcome(word: str, left: str, right: str, flips: list[bool]) -> None:
    cased = "".join(c.upper() if flip else c for c, flip in zip(word, flips * 2, strict=False))
    assert _outcomes([left + cased + right]) == [VOCABULARY[word]]


@given(st.text(alphabet=" \t\r\n\u00a0\u2003\u200b", max_size=6))
def test_blank_cells_are_missing_never_not_met(blank: str) -> None:
    assert _outcomes([blank]) == ["missing"]


@given(st.text(max_size=12))
def test_anything_outside_the_vocabulary_is_unrecognised(text: str) -> None:
    key = " ".join(text.translate({0x200B: None}).split()).casefold()
    expected = "missing" if not key else VOCABULARY.get(key, "unrecognised")
    assert _outcomes([text]) == [expected]


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def _dates(values: list[object], **kwargs: object) -> tuple[list[object], list[object]]:
    iso, problem = parse_uk_dates(pd.Series(values, dtype=object), **kwargs)  # type: ignore[arg-type]
    return [None if pd.isna(v) else v for v in iso], problem.tolist()


@pytest.mark.parametrize(("text", "iso"), [
    ("03/02/2026", "2026-02-03"), ("3/2/2026", "2026-02-03"), ("03/02/26", "2026-02-03"),
    ("03-02-2026", "2026-02-03"), ("03.02.2026", "2026-02-03"), ("2026-02-03", "2026-02-03"),
    ("2026-02-03 14:35:00", "2026-02-03"), ("2026-02-03T14:35", "2026-02-03"), ("03/02/2026 14:35", "2026-02-03"),
    ("3 Feb 2026", "2026-02-03"), ("3-Feb-26", "2026-02-03"), ("3rd February 2026", "2026-02-03"),
    (" 29/02/2024 ", "2024-02-29"), ("01/01/69", "2069-01-01"), ("01/01/70", "1970-01-01"),
])
def test_accepted_date_forms(text: str, iso: str) -> None:
    assert _dates([text]) == ([iso], [None])


@pytest.mark.parametrize("serial", [367, 45658, 46000, 46001, 73050])
def test_excel_serials_match_excel(serial: int) -> None:
    expected = from_excel(serial).date().isoformat()
    assert _dates([str(serial), f"{serial}.0"]) == ([expected, expected], [None, None])


def test_serial_46000_is_9_december_2025() -> None:
    # Excel's own 1 Jan 2025 is serial 45658, so 46000 is 342 days later.
    assert _dates(["46000"])[0] == ["2025-12-09"]


@pytest.mark.parametrize(("text", "problem"), [
    ("31/02/2026", IMPOSSIBLE), ("29/02/2025", IMPOSSIBLE), ("00/01/2026", IMPOSSIBLE), ("32/01/2026", IMPOSSIBLE),
    ("02/13/2026", MONTH_FIRST), ("12/31/26", MONTH_FIRST), ("2026-13-01", IMPOSSIBLE),
    ("12", NOT_A_DATE), ("99999", NOT_A_DATE), ("soon", NOT_A_DATE), ("3 Foo 2026", NOT_A_DATE),
    ("03/02/2026 25:10", "impossible time"),
])
def test_problem_dates_never_produce_a_value(text: str, problem: str) -> None:
    assert _dates([text]) == ([None], [problem])


def test_blank_dates_have_no_problem_and_datetimes_are_accepted() -> None:
    values = [np.nan, "  ", dt.date(2026, 1, 5), dt.datetime(2026, 1, 6, 10, 0), pd.Timestamp("2026-01-07")]
    assert _dates(values) == ([None, None, "2026-01-05", "2026-01-06", "2026-01-07"], [None, None, None, None, None])


def test_period_check() -> None:
    iso, problem = _dates(["31/12/2025", "01/01/2026", "31/03/2026", "01/04/2026", "31/02/2026"],
                          period=(dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    assert iso == ["2025-12-31", "2026-01-01", "2026-03-31", "2026-04-01", None]
    assert problem == [OUTSIDE_PERIOD, None, None, OUTSIDE_PERIOD, IMPOSSIBLE]


_FORMATS = {
    "dd/mm/yyyy": lambda d: d.strftime("%d/%m/%Y"),
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year}",
    "dd-mm-yyyy": lambda d: d.strftime("%d-%m-%Y"),
    "dd.mm.yyyy": lambda d: d.strftime("%d.%m.%Y"),
    "iso": lambda d: d.isoformat(),
    "iso time": lambda d: f"{d.isoformat()} 08:30:00",
    "dd/mm/yyyy hh:mm": lambda d: d.strftime("%d/%m/%Y 23:59"),
    "d mon yyyy": lambda d: d.strftime("%d %b %Y"),
    "serial": lambda d: str((d - dt.date(1899, 12, 30)).days),
}


@given(date=st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)),
       fmt=st.sampled_from(sorted(_FORMATS)))
def test_dates_round_trip_in_every_format(date: dt.date, fmt: str) -> None:
    assert _dates([_FORMATS[fmt](date)]) == ([date.isoformat()], [None])


@given(date=st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2069, 12, 31)))
def test_two_digit_years_round_trip_inside_the_pivot(date: dt.date) -> None:
    assert _dates([date.strftime("%d/%m/%y")]) == ([date.isoformat()], [None])


@given(day=st.integers(1, 31), month=st.integers(1, 12), year=st.integers(1901, 2099))
def test_impossible_dates_never_produce_a_value(day: int, month: int, year: int) -> None:
    try:
        real: dt.date | None = dt.date(year, month, day)
    except ValueError:
        real = None
    iso, problem = _dates([f"{day:02d}/{month:02d}/{year}"])
    if real is None:
        assert iso == [None] and problem[0] in {IMPOSSIBLE, MONTH_FIRST}
    else:
        assert iso == [real.isoformat()]


# ---------------------------------------------------------------------------
# Date-times and minutes
# ---------------------------------------------------------------------------


def test_parse_datetimes() -> None:
    values, problem = parse_datetimes(pd.Series(
        ["03/02/2026 14:35", "2026-02-03 14:35:10", "46056.5", "03/02/2026", "31/02/2026 10:00", np.nan], dtype=object))
    assert values.iloc[0] == pd.Timestamp("2026-02-03 14:35")
    assert values.iloc[1] == pd.Timestamp("2026-02-03 14:35:10")
    assert values.iloc[2] == pd.Timestamp(from_excel(46056.5))
    assert values.iloc[3:].isna().all()
    assert problem.tolist() == [None, None, None, NO_TIME, IMPOSSIBLE, None]


def test_minutes_between_keeps_negative_and_missing() -> None:
    start = pd.Series(["03/02/2026 14:35", "03/02/2026 23:50", "03/02/2026 10:00", np.nan], dtype=object)
    end = pd.Series(["03/02/2026 15:40", "04/02/2026 00:20", "03/02/2026 09:30", "03/02/2026 10:00"], dtype=object)
    minutes = minutes_between(start, end)
    assert minutes.iloc[:3].tolist() == [65.0, 30.0, -30.0]
    assert np.isnan(minutes.iloc[3])


def test_minutes_between_accepts_parsed_values() -> None:
    start = pd.Series(pd.to_datetime(["2026-01-01 10:00"]))
    assert minutes_between(start, pd.Series(["01/01/2026 11:15"])).tolist() == [75.0]


@pytest.mark.parametrize(("text", "clock"), [
    ("14:35", "14:35:00"), ("14.35", "14:35:00"), ("1435", "14:35:00"), ("2:35 pm", "14:35:00"),
    ("2:35PM", "14:35:00"), ("12:00 am", "00:00:00"), ("12:10 p.m.", "12:10:00"), ("14:35:09", "14:35:09"),
    ("0.5", "12:00:00"), ("0.25", "06:00:00"),
])
def test_parse_times(text: str, clock: str) -> None:
    values, problem = parse_times(pd.Series([text]))
    assert values.iloc[0] == pd.Timedelta(clock) and problem.iloc[0] is None


@pytest.mark.parametrize(("text", "problem"), [("25:00", "impossible time"), ("13:00 pm", "impossible time"),
                                               ("14:60", "impossible time"), ("noon", "not a recognisable time")])
def test_parse_times_problems(text: str, problem: str) -> None:
    values, problems = parse_times(pd.Series([text]))
    assert pd.isna(values.iloc[0]) and problems.iloc[0] == problem


# ---------------------------------------------------------------------------
# NHS numbers
# ---------------------------------------------------------------------------


def test_domain_worked_example_check_digit() -> None:
    # DOMAIN.md §10's worked example of the modulus-11 check (the only non-999 number in the tests).
    assert is_valid_nhs_number("9434765919") and not is_valid_nhs_number("9434765918")


@pytest.mark.parametrize("text", ["9990000018", "999 000 0018", "999-000-0018", " 9990000018 ", "9990000018.0",
                                  "999\u00a0000\u00a00018"])
def test_test_number_is_valid_in_every_spelling(text: str) -> None:
    assert normalise_nhs_number(text) == "9990000018"
    assert is_valid_nhs_number(text)


def test_numbers_stored_as_numbers() -> None:
    assert normalise_nhs_number(9990000018) == "9990000018"
    assert normalise_nhs_number(9990000018.0) == "9990000018"
    assert normalise_nhs_number(9990000018.5) is None
    assert normalise_nhs_number(None) is None and normalise_nhs_number(float("nan")) is None


@pytest.mark.parametrize("text", ["9990000017", "999000001", "99900000180", "99900000l8", "", "abc"])
def test_invalid_numbers(text: str) -> None:
    assert not is_valid_nhs_number(text)


def test_check_digit_ten_is_never_valid() -> None:
    stem = next(f"999{i:06d}" for i in range(10**6) if nhs_check_digit(f"999{i:06d}") is None)
    assert not any(is_valid_nhs_number(stem + str(d)) for d in range(10))


def test_check_digit_eleven_becomes_zero() -> None:
    stem = next(f"999{i:06d}" for i in range(10**6) if nhs_check_digit(f"999{i:06d}") == 0)
    assert is_valid_nhs_number(stem + "0")


@given(st.integers(0, 10**6 - 1), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_error_is_caught(stem: int, position: int, shift: int) -> None:
    first_nine = f"999{stem:06d}"
    check = nhs_check_digit(first_nine)
    if check is None:
        return
    number = first_nine + str(check)
    assert is_valid_nhs_number(number)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assert not is_valid_nhs_number(wrong)


def test_validate_nhs_numbers_vectorised() -> None:
    good = nhs_test_numbers(3)
    series = pd.Series([good[0], f"{good[1][:3]} {good[1][3:6]} {good[1][6:]}", "123", np.nan, " ",
                        good[2][:9] + str((int(good[2][9]) + 1) % 10)], index=list("abcdef"), dtype="str")
    result = validate_nhs_numbers(series)
    assert result.index.tolist() == list("abcdef")
    assert result["valid"].tolist() == [True, True, False, False, False, False]
    assert result["problem"].tolist() == [None, None, "not 10 digits", None, None, "check digit is wrong"]
    assert result["nhs_number"].iloc[1] == good[1]


def test_looks_like_nhs_number_column_threshold() -> None:
    good = nhs_test_numbers(10)
    nine_of_ten = pd.Series(good[:9] + ["1234567890", np.nan, np.nan], dtype="str")
    eight_of_ten = pd.Series(good[:8] + ["1234567890", "12"], dtype="str")
    assert looks_like_nhs_number_column(nine_of_ten)
    assert not looks_like_nhs_number_column(eight_of_ten)
    assert not looks_like_nhs_number_column(pd.Series([np.nan, " "], dtype="str"))
    assert not looks_like_nhs_number_column(pd.Series(["AMU", "Ward 7"], dtype="str"))
