"""numpy scalars bound as the Python numbers they stand for, by every sqlite3 connection.

WORKAROUND: ``model/__init__.py`` imports sqlite-utils with numpy blocked (start-up time), so
sqlite-utils never learns numpy's types, and sqlite3 itself refuses ``np.int64(3)`` ("Error
binding parameter"). Modules that hand numpy data to the store import this one, which
registers adapters once: a numpy integer binds as an int, a float as a float, a bool as 0 or 1.
"""

from __future__ import annotations

import sqlite3

import numpy as np


def _as_int(value: object) -> int:
    return int(value)  # type: ignore[call-overload,no-any-return]  # a numpy integer or bool


def _as_float(value: object) -> float:
    return float(value)  # type: ignore[arg-type]  # a numpy float


def _register() -> None:
    integers: tuple[type, ...] = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                                  np.bool_)
    for kind in integers:
        sqlite3.register_adapter(kind, _as_int)
    for kind in (np.float16, np.float32, np.float64):
        sqlite3.register_adapter(kind, _as_float)


_register()
