"""What changed: every write to the data file, whoever made it, recorded by table.

Anki's operations return the changes they made so the GUI refreshes only what shows them. Here
the data file's connections (model.store.connection) record it themselves, through SQLite's
authorizer, which sees each INSERT, UPDATE and DELETE as it is prepared, including those run by
triggers: no write function has to remember to report, and none can report wrongly.

- `RECORDER.take()` drains the tables written since the last take, on any connection (the GUI's
  own saves and the writer thread's imports alike); the workspace maps them to the stages that
  show them (model.plan.stages.stages_showing).
- `tables_written_by(fn, …)` runs one write and returns what it wrote, for the writer thread's
  tasks (their Future carries it as `tables_written`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_INTERNAL = ("sqlite_", "_sqlite_migrations")


class ChangeRecorder:
    """A thread-safe set of table names written, drained by `take`; plus one per running task."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: set[str] = set()
        self._task = threading.local()

    def authorizer(self, action: int, table: str | None, _c: str | None, _db: str | None,
                   _trigger: str | None) -> int:
        """For `sqlite3.Connection.set_authorizer`: note writes, allow everything."""
        if action in _WRITES and table and not table.startswith(_INTERNAL):
            with self._lock:
                self._written.add(table)
            task = getattr(self._task, "tables", None)
            if task is not None:
                task.add(table)
        return sqlite3.SQLITE_OK

    def take(self) -> frozenset[str]:
        """The tables written since the last take (then forgotten)."""
        with self._lock:
            written, self._written = frozenset(self._written), set()
        return written

    def tables_written_by(self, fn: Callable[..., Any], *args: Any) -> tuple[Any, frozenset[str]]:
        """Run `fn(*args)` on this thread; its result and the tables it wrote (even if it raised,
        the tables are still in `take`)."""
        self._task.tables = set()
        try:
            result = fn(*args)
            return result, frozenset(self._task.tables)
        finally:
            self._task.tables = None


RECORDER = ChangeRecorder()


def watch(conn: sqlite3.Connection) -> None:
    """Record this connection's writes in RECORDER."""
    conn.set_authorizer(RECORDER.authorizer)
