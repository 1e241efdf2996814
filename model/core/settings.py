"""Settings kept inside the data file (trust name, ODS codes, defaults)."""

from __future__ import annotations

from sqlite_utils import Database

#: Set to "1" in a demo data file only: the window says DEMO, and the demo's made-up trust stays in it.
DEMO_KEY = "demo_file"
#: The AuditLoop version that created the data file (files made before 0.1.0 have none).
CREATED_BY_KEY = "created_by_auditloop"
#: The latest AuditLoop version that opened the data file for writing.
OPENED_BY_KEY = "last_opened_by_auditloop"


def get(db: Database, key: str, default: str = "") -> str:
    """A setting's value, or `default`."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return default if row is None or row[0] is None else str(row[0])


def put(db: Database, key: str, value: str) -> None:
    """Set a setting (committed at once)."""
    with db.atomic():
        db.table("settings").upsert({"key": key, "value": value}, pk="key")


def stamp_version(db: Database, *, new_file: bool) -> None:
    """Write this AuditLoop's version into the data file (issue 18); only when it changed."""
    from model.core.version import __version__

    if new_file and not get(db, CREATED_BY_KEY):
        put(db, CREATED_BY_KEY, __version__)
    if get(db, OPENED_BY_KEY) != __version__:
        put(db, OPENED_BY_KEY, __version__)


def is_demo(db: Database) -> bool:
    """Whether this data file is the demo (its own file, never the user's)."""
    return get(db, DEMO_KEY) == "1"
