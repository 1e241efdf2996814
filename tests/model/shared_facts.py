"""Facts about the shared sample files, read from the files themselves (never from the parsers).

Tests compare the importers with these, so a newer sample needs no edited numbers.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache

import pandas as pd

from tests.conftest import SHARED_DATA

FINGERTIPS = SHARED_DATA / "fingertips_example.csv"
NATIONAL = SHARED_DATA / "national_audit_trust_results.csv"


@cache
def fingertips() -> pd.DataFrame:
    return pd.read_csv(FINGERTIPS, dtype=str, keep_default_na=False)


def fingertips_periods() -> list[str]:
    frame = fingertips()
    return list(frame.sort_values("Time period Sortable", kind="stable")["Time period"].drop_duplicates())


@cache
def national_rows() -> tuple[list[str], list[list[str]]]:
    """(header, table rows) of the national audit table: the header is the row starting 'trustcode'."""
    rows = list(csv.reader(io.StringIO(NATIONAL.read_bytes().decode("cp1252"))))
    at = next(i for i, r in enumerate(rows) if r and r[0] == "trustcode")
    body = [r for r in rows[at + 1 :] if sum(1 for c in r if c) > 1]
    return rows[at], body


def national_triplets() -> list[str]:
    """Question prefixes with numerator/denominator/percentage columns, in file order."""
    header, _ = national_rows()
    return [m.group(1) for h in header if (m := re.match(r"^(q\d+)n_", h))]


def national_medians() -> list[str]:
    header, _ = national_rows()
    return [m.group(1) for h in header if (m := re.match(r"^(q\d+)median_", h))]


def national_column(prefix: str, role: str) -> str:
    header, _ = national_rows()
    return next(h for h in header if h.startswith(f"{prefix}{role}_"))


def national_aggregate() -> dict[str, str]:
    header, body = national_rows()
    return dict(zip(header, next(r for r in body if not r[0] and not r[1]), strict=True))


def multi_site_trust() -> tuple[str, set[str]]:
    """A trust code with more than one site, and its site codes."""
    _, body = national_rows()
    sites: dict[str, set[str]] = {}
    for r in body:
        if r[0]:
            sites.setdefault(r[0], set()).add(r[1])
    code = next(c for c, s in sites.items() if len(s) > 1)
    return code, sites[code]


def suppressed_cell(prefix: str) -> tuple[str, str]:
    """(site code, marker) of a site whose percentage for `prefix` is `*`."""
    header, body = national_rows()
    col = header.index(national_column(prefix, "p"))
    row = next(r for r in body if r[col] == "*" and r[1])
    return row[1], row[col]


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]


def monthly_facts() -> dict[str, float | str]:
    """The monthly sample's documented facts, from the README: the change month and compliance around it."""
    text = (SHARED_DATA / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## `monthly_compliance_example.csv`"):]
    month, year = re.search(r"started in\s+\*\*(\w+) (\d{4})\*\*", section).groups()  # type: ignore[union-attr]
    before, after = re.search(r"Compliance was ([\d.]+)% over\s+the \d+ months before and ([\d.]+)%",
                              section).groups()  # type: ignore[union-attr]
    centre = re.search(r"centre line ([\d.]+)%\)", section).group(1)  # type: ignore[union-attr]
    return {"change": f"{year}-{_MONTHS.index(month.lower()) + 1:02d}", "before": float(before) / 100,
            "after": float(after) / 100, "centre": float(centre) / 100}
