"""One ward, one name: merging the spellings of wards, sites and teams before an import.

A ward sheet typed by several people holds "AMU", "amu ", "Acute Medical Unit" and "Ward 12",
"W12" for two wards, which would make five subgroups of two. `propose_merges` groups the
spellings of one field: the same words whatever the case, spacing or punctuation; an
abbreviation made of another spelling's initials ("AMU" for "Acute Medical Unit"); "W12"
for "Ward 12"; and the merges the user made in earlier imports, which are remembered
(`remember_merges`, table `value_merges`, migration m013). Each group is stored under its
commonest full spelling, unless the user chose another. The user sees every merge and
can change or undo it in the import wizard; nothing here touches answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

import pandas as pd
from sqlite_utils import Database

from model.core.util import now_iso

MERGE_FIELDS = ("ward", "site", "team")
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "&"})
_NUMBERED = re.compile(r"^(ward|w|bay|b|unit|u)\s*(\d+[a-z]?)$")
_PREFIX_WORDS = {"w": "ward", "b": "bay", "u": "unit"}


def merge_key(text: str) -> str:
    """How two spellings are compared: case-folded, punctuation and repeated spaces dropped,
    "W12"/"Ward 12" alike."""
    words = " ".join(re.sub(r"[^\w&]+", " ", text.casefold()).split())
    numbered = _NUMBERED.match(words)
    if numbered:
        prefix = _PREFIX_WORDS.get(numbered.group(1), numbered.group(1))
        return f"{prefix} {numbered.group(2)}"
    return words


def _initials(key: str) -> str:
    return "".join(w[0] for w in key.split() if w not in _SMALL_WORDS)


def _canonical(spellings: Counter[str]) -> str:
    """The spelling a group is stored under: the commonest full one (an abbreviation only when
    nothing else was typed), ties to the one with capitals, then the longest."""
    full = {s: n for s, n in spellings.items() if " " in s.strip() or len(s.strip()) > 5} or dict(spellings)
    return max(full, key=lambda s: (full[s], s != s.casefold(), len(s), s)).strip()


def propose_merges(values: Iterable[str], remembered: Mapping[str, str] | None = None) -> dict[str, str]:
    """Spelling → the name it is stored under, for every spelling that changes.

    Args:
        values: the field's cells as typed (blanks skipped); repeats count towards the name kept.
        remembered: earlier decisions, merge key → name (`remembered_merges`).
    """
    counts = Counter(v for v in values if isinstance(v, str) and v.strip())
    groups: dict[str, Counter[str]] = {}
    for spelling, n in counts.items():
        groups.setdefault(merge_key(spelling), Counter())[spelling] += n
    by_initials = {_initials(k): k for k in groups if len(k.split()) >= 2}
    for key in [k for k in groups if " " not in k and 2 <= len(k) <= 5 and k.isalpha()]:
        target = by_initials.get(key)
        if target is not None and target in groups and key in groups:
            groups[target].update(groups.pop(key))
    out: dict[str, str] = {}
    for spellings in groups.values():
        chosen = _remembered_name(spellings, remembered or {}) or _canonical(spellings)
        out.update({s: chosen for s in spellings if s != chosen})
    return out


def _remembered_name(spellings: Counter[str], remembered: Mapping[str, str]) -> str | None:
    for spelling in spellings:
        name = remembered.get(merge_key(spelling))
        if name:
            return name
    return None


def apply_merges(cells: pd.Series, merges: Mapping[str, str]) -> pd.Series:
    """The cells with each merged spelling replaced by its name (others unchanged)."""
    if not merges:
        return cells
    return cells.map(lambda v: merges.get(v, v) if isinstance(v, str) else v)


def remembered_merges(db: Database, field: str) -> dict[str, str]:
    """The user's earlier merges for a field: merge key → name."""
    return dict(db.execute("SELECT variant_key, name FROM value_merges WHERE field = ?", [field]).fetchall())


def remember_merges(db: Database, field: str, merges: Mapping[str, str]) -> None:
    """Keep merges for the next import (call inside the import's transaction)."""
    stamp = now_iso()
    for spelling, name in merges.items():
        db.execute("INSERT INTO value_merges (field, variant_key, name, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(field, variant_key) DO UPDATE SET name = excluded.name, "
                   "updated_at = excluded.updated_at", [field, merge_key(spelling), name, stamp])
        db.execute("INSERT INTO value_merges (field, variant_key, name, updated_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(field, variant_key) DO NOTHING", [field, merge_key(name), name, stamp])
