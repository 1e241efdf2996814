"""Numbered, append-only schema migrations.

Each module `mNNN_<name>.py` in this package defines `migrate(db)`. They are applied in
number order through sqlite-utils' `Migrations`, each in its own transaction together
with the record that it ran. Never edit a migration that has shipped: add a new one.
(PyInstaller: build.spec collects this package's submodules so discovery works frozen.)
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET = "auditloop"
_NAME = re.compile(r"^m(\d{3})_[a-z0-9_]+$")


def _discover() -> list[tuple[str, Callable[[Database], None]]]:
    names = sorted(
        info.name for info in pkgutil.iter_modules(__path__) if _NAME.match(info.name)
    )
    return [(name, importlib.import_module(f"{__name__}.{name}").migrate) for name in names]


def _migration_set() -> Migrations:
    migrations = Migrations(MIGRATION_SET)
    for name, fn in _discover():
        migrations(name=name)(fn)
    return migrations


def known_names() -> list[str]:
    """Names of the migrations this version of AuditLoop knows, in order."""
    return [name for name, _ in _discover()]


def pending(db: Database) -> list[str]:
    """Names of migrations not yet applied to `db`."""
    return [m.name for m in _migration_set().pending(db)]


def unknown_applied(db: Database) -> list[str]:
    """Applied migrations this version does not know: the file is from a newer AuditLoop."""
    known = set(known_names())
    return [m.name for m in _migration_set().applied(db) if m.name not in known]


def apply(db: Database) -> None:
    """Apply every pending migration in order."""
    _migration_set().apply(db)


def schema_version(db: Database) -> int:
    """The highest migration number applied (0 for an empty file)."""
    applied = _migration_set().applied(db)
    return max((int(found.group(1)) for m in applied if (found := _NAME.match(m.name))), default=0)
