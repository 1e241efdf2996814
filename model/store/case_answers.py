"""How a case's answers are stored: packed on the case's own row (migration m008).

Each row of `cases` carries all its answers in four columns:

- ``answer_criteria``: the criterion ids, comma-separated ("11,12,13"), ascending;
- ``outcomes``: one letter per criterion, in that order: ``M`` met, ``N`` not met,
  ``E`` exception (not applicable), ``-`` missing;
- ``answer_raws``: a JSON array of the values as entered (null where none), or NULL when the
  case has none at all;
- ``answer_values``: a JSON array of the numbers numeric, date and time answers were derived
  from (null where none), or NULL when the case has none at all.

Why: an import of 100,000 cases × 8 criteria stored 800,000 answer rows, and inserting them
(with their primary key and index) took 1.2 s however the rows were bound, more than reading
the workbook. Packed, the same answers ride on the 100,000 case rows the import writes anyway,
and a cycle's outcomes are decoded with numpy in one pass (`answers_long`).

The ``answers`` VIEW (case_id, criterion_id, outcome, raw, value) still shows one row per
answer for SQL that reads them; writes go through this module.

``answers_sum`` (migration m018) is a checksum of the four, written with them, so a change
SQLite cannot see (a flipped bit on a failing disk passes `integrity_check`; another tool
editing the file) is found by `model.store.answer_check`. It is computed here, in Python, not
by a trigger: a trigger would re-stamp another tool's edit and hide it. Deleting a criterion removes
its answers from every case (a trigger, like the foreign key's ON DELETE CASCADE it replaces).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import SupportsFloat, cast

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.core.errors import KnownError, StoreError

CODES: dict[str, str] = {"met": "M", "not_met": "N", "exception": "E", "missing": "-"}
OUTCOMES = tuple(CODES)
PACKED_COLUMNS = ("answer_criteria", "outcomes", "answer_raws", "answer_values")
SUM_COLUMN = "answers_sum"
_LOOKUP = np.full(256, "missing", dtype=object)
for _outcome, _code in CODES.items():
    _LOOKUP[ord(_code)] = _outcome


@dataclass
class Answer:
    """One criterion's answer as stored: outcome, the value as entered, the derived number."""

    outcome: str = "missing"
    raw: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class AnswerColumn:
    """One criterion's answers for many cases, factorised: per distinct entry its outcome,
    raw text (None for blank) and number (NaN for none), and per case a code into those
    (-1 = the last entry, which is the blank one by convention)."""

    codes: np.ndarray
    outcome: np.ndarray
    raw: np.ndarray
    value: np.ndarray


# ---------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------


def _check_outcomes(outcomes: Collection[str]) -> None:
    unknown = sorted(set(outcomes) - set(CODES))
    if unknown:
        raise KnownError(f"Unknown answer '{unknown[0]}'.", hint="Use met, not_met, exception or missing.")


def answers_sum(criteria: str, outcomes: str, raws: str | None, values: str | None) -> str:
    """The checksum of one case's packed answers (16 hex digits). The unit separator cannot
    occur in the parts: JSON escapes control characters and the other two are digits/letters.
    Migration m018 holds a copy of this function; a test keeps the two equal."""
    text = "\x1f".join((criteria, outcomes, raws or "", values or ""))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def pack(answers: Mapping[int, Answer]) -> dict[str, str | None]:
    """One case's answers as the packed column values (criteria in id order) and their sum."""
    _check_outcomes([a.outcome for a in answers.values()])
    ids = sorted(answers)
    raws = [answers[i].raw for i in ids]
    values = [None if (v := _plain(answers[i].value)) is None else float(cast(SupportsFloat, v)) for i in ids]
    packed: dict[str, str | None] = {
        "answer_criteria": ",".join(str(int(i)) for i in ids),
        "outcomes": "".join(CODES[answers[i].outcome] for i in ids),
        "answer_raws": json.dumps(raws, ensure_ascii=False) if any(r is not None for r in raws) else None,
        "answer_values": json.dumps(values) if any(v is not None for v in values) else None,
    }
    packed[SUM_COLUMN] = answers_sum(*cast(tuple[str, str, str | None, str | None], tuple(packed.values())))
    return packed


def unpack(criteria: str, outcomes: str, raws: str | None, values: str | None) -> dict[int, Answer]:
    """The answers packed in one case row, by criterion id."""
    if not criteria:
        return {}
    ids = [int(i) for i in criteria.split(",")]
    raw_list = json.loads(raws) if raws else [None] * len(ids)
    value_list = json.loads(values) if values else [None] * len(ids)
    return {cid: Answer(_LOOKUP[ord(code)], raw, value)
            for cid, code, raw, value in zip(ids, outcomes, raw_list, value_list, strict=True)}


def case_answers(db: Database, case_id: int) -> dict[int, Answer]:
    """The stored answers of one case, by criterion id (empty when it has none)."""
    row = db.execute("SELECT " + ", ".join(PACKED_COLUMNS) + " FROM cases WHERE id = ?", [case_id]).fetchone()
    if row is None:
        raise KnownError(f"Case {case_id} no longer exists.")
    return unpack(*row)


def write_case_answers(db: Database, case_id: int, answers: Mapping[int, Answer]) -> None:
    """Store answers for one case, keeping its answers to other criteria (like an upsert).

    Call it inside the caller's transaction; criteria must belong to the case's cycle.
    """
    _check_outcomes([a.outcome for a in answers.values()])
    if not answers:
        return
    row = db.execute("SELECT cycle_id, " + ", ".join(PACKED_COLUMNS) + " FROM cases WHERE id = ?",
                     [case_id]).fetchone()
    if row is None:
        raise KnownError(f"Case {case_id} no longer exists.")
    own = {r[0] for r in db.execute("SELECT id FROM criteria WHERE cycle_id = ?", [row[0]])}
    foreign = sorted(set(answers) - own)
    if foreign:
        raise KnownError(f"Criterion {foreign[0]} is not part of this case's cycle.")
    merged = unpack(*row[1:]) | dict(answers)
    packed = pack(merged)
    db.execute("UPDATE cases SET " + ", ".join(f"{c} = ?" for c in packed) + " WHERE id = ?",
               [*packed.values(), case_id])


# ---------------------------------------------------------------------------
# Many cases at once (imports, demo data)
# ---------------------------------------------------------------------------


def _json_texts(items: np.ndarray) -> np.ndarray:
    """Each distinct entry as JSON text (null for None/NaN), as an object array."""
    out = np.empty(len(items), dtype=object)
    out[:] = [json.dumps(_plain(x), ensure_ascii=False) for x in items]
    return out


def _plain(x: object) -> object:
    """A distinct entry as JSON can hold it (None for blank, NaN or infinity)."""
    x = x.item() if isinstance(x, np.generic) else x
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _json_arrays(parts: Sequence[tuple[np.ndarray, np.ndarray]], count: int) -> np.ndarray:
    """Per case, a JSON array of one entry per column, joined from the per-distinct JSON texts
    (a join per case is 4× faster than element-wise numpy string additions per column)."""
    columns = [texts[codes] for texts, codes in parts]
    out = np.empty(count, dtype=object)
    out[:] = ["[" + ",".join(entries) + "]" for entries in zip(*columns, strict=True)]
    return out


def pack_columns(columns: Mapping[int, AnswerColumn], count: int) -> dict[str, object]:
    """Many cases' answers packed: `columns` maps criterion id → its factorised answers, each
    of length `count`. Returns the four packed columns: a constant string for
    ``answer_criteria``, arrays of `count` entries for the others (None where the case has no
    raw value or number at all)."""
    ids = sorted(columns)
    for cid in ids:
        _check_outcomes(set(columns[cid].outcome))
    letters = np.empty((count, len(ids)), dtype="S1")
    for j, cid in enumerate(ids):
        col = columns[cid]
        letters[:, j] = np.array([CODES[o] for o in col.outcome], dtype="S1")[col.codes]
    outcomes = letters.view(f"S{max(len(ids), 1)}").ravel().astype(str).astype(object) if ids else \
        np.full(count, "", dtype=object)
    raw_parts = [(_json_texts(columns[c].raw), columns[c].codes) for c in ids]
    value_parts = [(_json_texts(columns[c].value), columns[c].codes) for c in ids]
    criteria = ",".join(str(int(i)) for i in ids)
    raws, values = _some(raw_parts, count), _some(value_parts, count)
    sums = np.empty(count, dtype=object)
    known: dict[tuple[str, str | None, str | None], str] = {}  # most cases repeat a few answer patterns

    def summed(key: tuple[str, str | None, str | None]) -> str:
        found = known.get(key)
        if found is None:
            found = known[key] = answers_sum(criteria, *key)
        return found

    sums[:] = [summed(key) for key in zip(outcomes, raws, values, strict=True)]
    return {"answer_criteria": criteria, "outcomes": outcomes, "answer_raws": raws, "answer_values": values,
            SUM_COLUMN: sums}


def _some(parts: Sequence[tuple[np.ndarray, np.ndarray]], count: int) -> np.ndarray:
    """The JSON arrays, None for a case whose entries are all null (and all None when no
    column has anything: no strings built at all)."""
    filled = [texts != "null" for texts, _codes in parts]
    if not any(f.any() for f in filled):
        return np.full(count, None, dtype=object)
    arrays = _json_arrays(parts, count)
    some = np.zeros(count, dtype=bool)
    for has, (_texts, codes) in zip(filled, parts, strict=True):
        some |= has[codes]
    arrays[~some] = None
    return arrays


def column_from_values(outcomes: Sequence[str], raws: Sequence[str | None] | None = None,
                       values: Sequence[float | None] | None = None) -> AnswerColumn:
    """An `AnswerColumn` from plain per-case lists (one entry per case, no factorising)."""
    n = len(outcomes)
    raw = np.array(list(raws) if raws is not None else [None] * n, dtype=object)
    value = np.array([np.nan if v is None else v for v in values] if values is not None else [np.nan] * n,
                     dtype=float)
    return AnswerColumn(codes=np.arange(n, dtype=np.intp), outcome=np.array(list(outcomes), dtype=object),
                        raw=raw, value=value)


def write_many(db: Database, case_ids: Sequence[int], columns: Mapping[int, AnswerColumn]) -> None:
    """Replace the answers of many cases at once (`columns` in the order of `case_ids`)."""
    packed = pack_columns(columns, len(case_ids))
    rows = zip(packed["outcomes"], packed["answer_raws"], packed["answer_values"], packed[SUM_COLUMN],  # type: ignore[call-overload]  # lists typed object
               (int(i) for i in case_ids), strict=True)
    db.conn.executemany("UPDATE cases SET answer_criteria = ?, outcomes = ?, answer_raws = ?, answer_values = ?, "
                        f"{SUM_COLUMN} = ? WHERE id = ?", ((packed["answer_criteria"], *r) for r in rows))


def deleting_criterion(db: Database, criterion_id: int) -> Callable[[], None]:
    """Before a criterion is deleted (m008's trigger then cuts its answers out of every case in
    SQL): returns a function to call after the delete that re-stamps the cases that held an
    answer to it and matched their sum before, so a case changed outside AuditLoop stays found."""
    rows = db.execute(f"SELECT c.id, {', '.join('c.' + c for c in PACKED_COLUMNS)}, c.{SUM_COLUMN} FROM cases c "
                      "JOIN criteria k ON k.cycle_id = c.cycle_id WHERE k.id = ? "
                      "AND instr(',' || c.answer_criteria || ',', ',' || k.id || ',') > 0", [criterion_id]).fetchall()
    matched = [r[0] for r in rows if answers_sum(*r[1:5]) == r[5]]

    def after() -> None:
        for start in range(0, len(matched), 900):  # SQLite's bound-parameter limit
            part = matched[start:start + 900]
            restamp(db, f"id IN ({','.join('?' * len(part))})", part)

    return after


def restamp(db: Database, where: str, params: Sequence[object] = ()) -> int:
    """Write the sum of every case matching `where` (SQL on `cases`) from its answers as they
    are now; returns how many. For the one write to the packed columns made in SQL (deleting a
    criterion cuts its answers out, migration m008's trigger), for packages copied in, and for
    changes the user accepted after a check."""
    rows = db.execute(f"SELECT id, {', '.join(PACKED_COLUMNS)} FROM cases WHERE {where}", list(params)).fetchall()
    db.conn.executemany(f"UPDATE cases SET {SUM_COLUMN} = ? WHERE id = ?",
                        [(answers_sum(*row[1:]), row[0]) for row in rows])
    return len(rows)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------

LONG_COLUMNS = ("case_id", "criterion_id", "outcome")


def answers_long(db: Database, cycle_ids: Sequence[int], *, criterion_ids: Collection[int] | None = None,
                 case_columns: Sequence[str] = (), raw: bool = False, value: bool = False) -> pd.DataFrame:
    """The stored answers of the live cases of these cycles, one row per answer.

    Args:
        db: the database.
        cycle_ids: the cycles to read.
        criterion_ids: only these criteria (all when None).
        case_columns: columns of `cases` to add to each answer (e.g. "cycle_id", "case_date").
        raw: add the value as entered ("raw", None where there is none).
        value: add the derived number ("value", NaN where there is none).

    Returns:
        case_id, criterion_id, outcome, then the requested columns; cases in id order,
        criteria in id order within a case. A criterion never answered for a case has no row.
    """
    extra = list(case_columns) + (["answer_raws"] if raw else []) + (["answer_values"] if value else [])
    names = ["id", "answer_criteria", "outcomes", *extra]
    marks = ",".join("?" * len(cycle_ids)) or "NULL"
    rows = db.execute(f"SELECT {', '.join(names)} FROM cases WHERE cycle_id IN ({marks}) AND deleted_at IS NULL "
                      "AND outcomes <> '' ORDER BY id", list(cycle_ids)).fetchall()
    cases = pd.DataFrame.from_records(rows, columns=names)
    parts = [_decode_group(group, key, criterion_ids, list(case_columns), raw, value)
             for key, group in cases.groupby("answer_criteria", sort=False)]
    wanted = [*LONG_COLUMNS, *case_columns, *(["raw"] if raw else []), *(["value"] if value else [])]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=np.int64 if c in ("case_id", "criterion_id") else object)
                             for c in wanted})
    long = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:
        long = long.sort_values(["case_id", "criterion_id"], kind="stable", ignore_index=True)
    return long[wanted]


def _decode_group(group: pd.DataFrame, key: str, criterion_ids: Collection[int] | None, case_columns: list[str],
                  raw: bool, value: bool) -> pd.DataFrame:
    """The cases sharing one list of criteria, decoded together: their outcome letters are
    concatenated and read as a (cases × criteria) byte matrix."""
    ids = np.array(key.split(","), dtype=np.int64)
    n, k = len(group), len(ids)
    lengths = group["outcomes"].str.len().to_numpy()
    if (lengths != k).any():
        bad = int(group["id"].to_numpy()[lengths != k][0])
        raise StoreError(f"Case {bad} has {int(lengths[lengths != k][0])} answers stored for {k} criteria.",
                         where=f"case {bad}", hint="Restore the latest backup (File › Backups).")
    letters = np.frombuffer("".join(group["outcomes"]).encode("ascii"), dtype=np.uint8).reshape(n, k)
    keep = np.isin(ids, list(criterion_ids)) if criterion_ids is not None else np.ones(k, dtype=bool)
    ids, letters = ids[keep], letters[:, keep]
    case_ids = group["id"].to_numpy(dtype=np.int64)
    out = {"case_id": np.repeat(case_ids, len(ids)), "criterion_id": np.tile(ids, n),
           "outcome": _LOOKUP[letters.ravel()]}
    for name in case_columns:
        out[name] = np.repeat(group[name].to_numpy(), len(ids))
    if raw:
        # Kept as objects so a missing raw value stays None (pandas would make its text dtype's NaN).
        out["raw"] = pd.Series(_json_matrix(group["answer_raws"], k, object)[:, keep].ravel(), dtype=object)
    if value:
        out["value"] = _json_matrix(group["answer_values"], k, float)[:, keep].ravel()
    return pd.DataFrame(out)


def _json_matrix(texts: pd.Series, k: int, dtype: type) -> np.ndarray:
    """The JSON arrays of a group's cases as a (cases × k) matrix; NULL → all empty."""
    empty = None if dtype is object else np.nan
    matrix: np.ndarray = np.full((len(texts), k), empty, dtype=dtype)
    for i, text in enumerate(texts.tolist()):
        if isinstance(text, str):  # NULL may arrive as None or NaN
            matrix[i] = [empty if x is None else x for x in json.loads(text)]
    return matrix
