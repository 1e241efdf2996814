"""Small helpers shared by the model modules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TypeVar


def now_iso() -> str:
    """The current UTC time as ISO-8601 text (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def today() -> date:
    """Today's date; a function so tests can monkeypatch it."""
    return date.today()


def new_uid() -> str:
    """A random identifier that stays the same when an audit travels between files."""
    return uuid.uuid4().hex


def parse_iso_date(text: str | None) -> date | None:
    """An ISO date (or datetime) string as a date; None for blank."""
    if not text:
        return None
    return date.fromisoformat(str(text)[:10])


T = TypeVar("T")


def saved(key: T | None) -> T:
    """The id of a record that has been stored (`key` is None only before its first save)."""
    if key is None:
        raise ValueError("this record has not been saved yet, so it has no id")
    return key


_UK_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y", "%Y-%m-%d")


def parse_uk_date(text: str) -> date | None:
    """A date typed the en-GB way: 12/03/2026 (also 12-3-26, 12.03.2026, "12 Mar 2026", ISO).

    None when the text is not a date (or is blank): the caller decides what that means.
    """
    cleaned = " ".join(text.replace("-", "/").replace(".", "/").split())
    if not cleaned:
        return None
    if cleaned.count("/") == 2 and len(cleaned.split("/")[0]) == 4:  # 2026-03-12 (ISO) after the swap
        cleaned = cleaned.replace("/", "-")
    for fmt in _UK_DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def uk_date_text(value: date | None) -> str:
    """A date as the en-GB fields show it (12/03/2026); "" for none."""
    return "" if value is None else value.strftime("%d/%m/%Y")
