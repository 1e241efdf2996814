"""Small typed helpers over sqlite-utils rows."""

from __future__ import annotations

from sqlite_utils.db import Table


def inserted_id(table: Table) -> int:
    """The integer primary key of the row `table` last inserted (``table.insert(...)`` returns the table)."""
    pk = table.last_pk
    assert isinstance(pk, int), f"{table.name}: the last insert gave no integer key ({pk!r})"
    return pk
