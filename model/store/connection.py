"""The connection AuditLoop talks to its data file through, and transactions that wait their turn.

Two things the plain sqlite3 connection gets wrong for a desktop app (issues 11 and 13):

- its refusals are raw errors ("attempt to write a readonly database", "database is locked")
  where the user needs to know what to do; here they become KnownErrors with that advice;
- a transaction that reads, then writes, while the writer thread commits an import fails at
  once with "database is locked" (SQLite cannot wait for a lock when the snapshot it read is
  stale). `DataFileDatabase.atomic` therefore takes the write lock first (BEGIN IMMEDIATE),
  where SQLite can wait, and waits longer than the busy timeout when the holder is
  AuditLoop's own writer thread: a save never fails because our own import is storing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from model.store.files import locked_by_other_program, read_only_file


class DataFileConnection(sqlite3.Connection):
    """A connection to the data file whose refusals are messages, not raw sqlite errors: a write
    to a read-only file raises DataFileReadOnly; a lock another program holds past the busy
    timeout raises DataFileLocked (both KnownErrors, shown as a plain box by the GUI).

    A busy lock while AuditLoop's own writer thread is storing something (an import's commit)
    is waited out instead (`wait_for_own_writes`): a save never fails because of our own import.
    A `query_only` connection (a background reader) keeps the raw error: a write there is a bug.
    """

    data_path: Path = Path()
    query_only: bool = False
    wait_for_own_writes: Callable[[], bool] | None = None  # set by model.store.store.connect

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # noqa: D102
        return self._guarded(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:  # noqa: D102
        return self._guarded(super().executemany, sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:  # noqa: D102
        return self._guarded(super().executescript, script)

    def _guarded(self, run: Callable[..., sqlite3.Cursor], *args: Any) -> sqlite3.Cursor:
        while True:
            try:
                return run(*args)
            except sqlite3.OperationalError as exc:
                if _busy(exc) and self._statement_can_wait() and self.wait_for_own_writes is not None \
                        and self.wait_for_own_writes():
                    continue  # our own writer held the lock and has finished: the statement runs now
                raise self._refusal(exc) from exc

    def _statement_can_wait(self) -> bool:
        # Only a statement that holds no snapshot yet can simply be run again: the first of a
        # transaction (BEGIN IMMEDIATE) or one outside any. Inside a transaction SQLite wants
        # the whole transaction restarted; the caller's atomic block rolls back instead.
        return not self.in_transaction

    def _refusal(self, exc: sqlite3.OperationalError) -> Exception:
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            # query_only refuses with the same words: there it is a bug, unless the file is read-only too
            bug = self.query_only and not isinstance(self, ReadOnlyConnection)
            return exc if bug else read_only_file(self.data_path)
        if self.query_only:
            return exc
        if _busy(exc):
            return locked_by_other_program(self.data_path)
        return exc


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class ReadOnlyConnection(DataFileConnection):
    """A connection to a read-only data file (opened with mode=ro)."""


class DataFileDatabase(Database):
    """sqlite-utils' Database whose outermost transaction takes the write lock at its start."""

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:  # same contract as sqlite-utils', with an IMMEDIATE begin
        conn = self.conn
        if conn.in_transaction or getattr(conn, "query_only", False) or isinstance(conn, ReadOnlyConnection):
            with super().atomic():
                yield self
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise
