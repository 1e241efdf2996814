"""AuditLoop's Qt-free core: the store, the audit cycle's logic and its statistics."""

import sys

from model.core.version import __version__

__all__ = ["__version__"]


def _import_sqlite_utils_lean() -> None:
    """Import sqlite-utils without letting it pull in pandas and numpy.

    WORKAROUND: sqlite-utils imports pandas and numpy at import time when they are
    installed, only to map their scalar types to column types when it creates tables
    from data. Our schema is explicit SQL, so the mapping is never used, and the eager
    import costs a large share of start-up. Blocking them for that one import keeps the
    window fast; they import normally later when a screen needs them.
    """
    if "sqlite_utils" in sys.modules:
        return
    blocked = [name for name in ("pandas", "numpy") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # None makes `import name` fail at once
    try:
        import sqlite_utils  # noqa: F401
        from sqlite_utils import plugins
    finally:
        for name in blocked:
            del sys.modules[name]
    # WORKAROUND: the first Database() scans every installed distribution's entry points for
    # sqlite-utils plugins (~17 ms of each start). AuditLoop uses none, and a plugin another
    # program installed would run its code on every connection to the data file: marked loaded.
    plugins._plugins_loaded = True


_import_sqlite_utils_lean()
