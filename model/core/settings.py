"""Settings kept inside the data file (trust name, ODS codes, defaults)."""

from __future__ import annotations

from sqlite_utils import Database

#: Set to "1" in a demo data file only: the window says DEMO, and the demo's made-up trust stays in it.
DEMO_KEY = "demo_file"


def get(db: Database, key: str, default: str = "") -> str:
    """A setting's value, or `default`."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return default if row is None or row[0] is None else str(row[0])


def put(db: Database, key: str, value: str) -> None:
    """Set a setting (committed at once)."""
    with db.atomic():
        db.table("settings").upsert({"key": key, "value": value}, pk="key")


def is_demo(db: Database) -> bool:
    """Whether this data file is the demo (its own file, never the user's)."""
    return get(db, DEMO_KEY) == "1"
