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
