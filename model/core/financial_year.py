"""The NHS financial year: 1 April to 31 March, written "2025/26" (DOMAIN.md §9, Quality Accounts).

The dashboard counts loops closed "this financial year and last", and the Quality Account
covers one financial year, so both ask which year a day falls in and where a year begins
and ends. A year is named by the calendar year it starts in: `FinancialYear(2025)` is
1 April 2025 – 31 March 2026, "2025/26".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from model.core.errors import KnownError

_LABEL = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """One NHS financial year, named by the year its April falls in."""

    start_year: int

    @property
    def start(self) -> date:
        """1 April of the first year."""
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """31 March of the next year (the last day, included)."""
        return date(self.start_year + 1, 3, 31)

    @property
    def label(self) -> str:
        """'2025/26'."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def previous(self) -> FinancialYear:
        """The year before."""
        return FinancialYear(self.start_year - 1)

    def __str__(self) -> str:
        return self.label


def financial_year_of(day: date) -> FinancialYear:
    """The financial year `day` falls in (31 March 2026 → 2025/26; 1 April 2026 → 2026/27)."""
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


def parse_financial_year(text: str) -> FinancialYear:
    """'2025/26' (also '2025-26' or '2025/2026') as a FinancialYear.

    Raises:
        KnownError: the text is not a financial year, or its two years do not follow each other.
    """
    found = _LABEL.match(text or "")
    if found is None:
        raise KnownError(f"“{text}” is not a financial year.", hint="Write it as 2025/26 (April 2025 to March 2026).")
    first, second = int(found.group(1)), found.group(2)
    expected = f"{(first + 1) % 100:02d}" if len(second) == 2 else str(first + 1)
    if second != expected:
        raise KnownError(f"“{text}” is not a financial year: the second year must follow the first.",
                         hint=f"Did you mean {FinancialYear(first).label}?")
    return FinancialYear(first)
