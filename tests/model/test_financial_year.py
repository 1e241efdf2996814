"""The NHS financial year (1 April – 31 March, "2025/26") at its edges."""

from __future__ import annotations

from datetime import date

import pytest

from model.core.errors import KnownError
from model.core.financial_year import FinancialYear, financial_year_of, parse_financial_year


@pytest.mark.parametrize(("day", "label"), [
    (date(2026, 3, 31), "2025/26"),   # the last day of the year
    (date(2026, 4, 1), "2026/27"),    # the first day of the next
    (date(2025, 4, 1), "2025/26"),
    (date(2026, 1, 1), "2025/26"),    # New Year's Day is mid-year
    (date(2000, 3, 31), "1999/00"),   # the century wraps in the short form
])
def test_financial_year_of(day, label):
    assert financial_year_of(day).label == label


def test_a_year_holds_april_to_march_and_no_more():
    year = FinancialYear(2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert date(2025, 4, 1) in year and date(2026, 3, 31) in year
    assert date(2025, 3, 31) not in year and date(2026, 4, 1) not in year
    assert None not in year
    assert year.previous() == FinancialYear(2024) and str(year) == "2025/26"


@pytest.mark.parametrize("text", ["2025/26", "2025-26", " 2025/2026 "])
def test_parse_accepts_the_usual_spellings(text):
    assert parse_financial_year(text) == FinancialYear(2025)


@pytest.mark.parametrize("text", ["2025/27", "2025", "25/26", "", "2025/2027", "April 2025"])
def test_parse_refuses_what_is_not_a_year(text):
    with pytest.raises(KnownError):
        parse_financial_year(text)
