"""Finding organisations in a national file: our trust's rows (by code, else by name), and ODS codes by name.

A national table that names its hospitals or trusts without codes has them matched to an ODS
reference (model.benchmark.ods_reference): names made alike (`organisation_key`), exact first,
then a conservative fuzzy match that is applied only when one candidate is clearly best, and is
reported as fuzzy; sites are rolled up to their trust.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import pandas as pd

from model.benchmark.benchmark_parsed import ParsedBenchmark
from model.benchmark.ods_reference import OdsOrganisation, OdsReference


def _name_key(series: pd.Series) -> pd.Series:
    """Lower case, '&' as 'and', apostrophes dropped, other punctuation as spaces, spaces collapsed."""
    text = series.astype(object).fillna("").astype(str).str.lower().str.replace("&", " and ", regex=False)
    text = text.str.replace(r"['’‘`]", "", regex=True)  # St Aldhelm’s = St Aldhelms
    return text.str.replace(r"[^\w\s]", " ", regex=True).str.split().str.join(" ")


def find_our_rows(
    values_df: pd.DataFrame, trust_code: str, site_codes: Sequence[str] = (), trust_name: str = ""
) -> pd.DataFrame:
    """Our trust's rows: by code (the trust and its sites) first, else by name.

    Args:
        values_df: rows with org_code, org_name, parent_code, parent_name.
        trust_code: our 3-character ODS code.
        site_codes: our 5-character site codes (sites under `trust_code` are found anyway).
        trust_name: our name, used only when no code matches (names change at mergers).

    Returns:
        The matching rows plus `match_kind` ("code" or "name"); empty when nothing matches.
        Name matches must be confirmed by the user before use.
    """
    trust = trust_code.strip().upper()
    codes = {trust, *(c.strip().upper() for c in site_codes)} - {""}
    org = values_df["org_code"].fillna("").astype(str).str.upper()
    parent = values_df["parent_code"].fillna("").astype(str).str.upper()
    by_code = org.isin(codes) | ((parent == trust) & (trust != ""))
    if by_code.any():
        return values_df[by_code].assign(match_kind="code")
    wanted = _name_key(pd.Series([trust_name])).iloc[0]
    if not wanted:
        return values_df.iloc[0:0].assign(match_kind=pd.Series(dtype=str))
    by_name = (_name_key(values_df["org_name"]) == wanted) | (_name_key(values_df["parent_name"]) == wanted)
    return values_df[by_name].assign(match_kind="name")


# --- Naming a table's organisations by ODS code, for tables that give names only -------------

# Words that say what kind of body it is, not which one: "X NHS Foundation Trust" is "X".
_ORG_WORDS = {"nhs", "foundation", "trust", "ft", "the", "of"}
_SYNONYMS = {"saint": "st", "hospitals": "hospital", "hosp": "hospital", "univ": "university",
             "uni": "university", "gen": "general", "infirm": "infirmary", "utd": "united", "ctr": "centre",
             "center": "centre", "hlth": "health", "comm": "community"}
_TRUST_NAME = re.compile(r"\b(trust|ft|health\s*board)\b", re.IGNORECASE)
FUZZY_AT = 0.88  # a fuzzy match needs this similarity (0–1) …
FUZZY_MARGIN = 0.04  # … and must beat the next candidate by this much, else it is ambiguous


def organisation_key(name: str) -> str:
    """A name as it is compared: case, punctuation, '&'/'and', St/Saint, "NHS (Foundation) Trust" and
    "Hospital(s)" variants made alike ("St. Mary's Hospitals NHS FT" → "st marys hospital")."""
    text = name.lower().replace("&", " and ").replace("+", " and ")
    text = re.sub(r"['’‘`]", "", text)
    text = re.sub(r"health\s+care", "healthcare", re.sub(r"[^\w\s]|_", " ", text))
    words = [_SYNONYMS.get(w, w) for w in text.split()]
    return " ".join(w for w in words if w not in _ORG_WORDS)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+", text)


class _Similarity:
    """One name's similarity to others: the better of as written and with the words sorted.

    Names whose numbers differ score 0 ("Ward 1" is never "Ward 2", however alike they look);
    SequenceMatcher's cheap upper bounds skip names that cannot reach `floor`.
    """

    def __init__(self, key: str, floor: float) -> None:
        self.numbers = _numbers(key)
        self.floor = floor
        self.plain = SequenceMatcher(None, "", key, autojunk=False)
        self.sorted = SequenceMatcher(None, "", " ".join(sorted(key.split())), autojunk=False)

    def __call__(self, other: str) -> float:
        if _numbers(other) != self.numbers:
            return 0.0
        best = 0.0
        for matcher, text in ((self.plain, other), (self.sorted, " ".join(sorted(other.split())))):
            matcher.set_seq1(text)
            if matcher.real_quick_ratio() >= self.floor and matcher.quick_ratio() >= self.floor:
                best = max(best, matcher.ratio())
        return best


@dataclass(frozen=True)
class NameMatch:
    """How one name of the table was matched to an ODS organisation.

    Attributes:
        how: "exact" (same name once made alike), "fuzzy" (alike enough, and clearly the best;
            applied and reported as such), "ambiguous" (several fit as well: nothing applied) or
            "unmatched".
        organisation: the ODS organisation applied (None unless exact or fuzzy).
        score: the similarity of a fuzzy match (1.0 for exact; None when nothing was applied).
        candidates: the organisations that fit (ambiguous) or came closest (unmatched), with scores.
    """

    how: str
    organisation: OdsOrganisation | None = None
    score: float | None = None
    candidates: tuple[tuple[OdsOrganisation, float], ...] = ()


class OrganisationMatcher:
    """Names to ODS organisations: exact first, then a conservative fuzzy match."""

    def __init__(self, organisations: Iterable[OdsOrganisation]) -> None:
        self.keys: dict[str, list[OdsOrganisation]] = {}
        self.words: dict[str, set[str]] = {}
        for org in organisations:
            key = organisation_key(org.name)
            self.keys.setdefault(key, []).append(org)
            for word in key.split():
                self.words.setdefault(word, set()).add(key)

    def match(self, name: str, parent_code: str | None = None) -> NameMatch:
        """Match one name; `parent_code` (the row's trust, when known) settles sites of the same name."""
        key = organisation_key(name)
        if not key:
            return NameMatch("unmatched")
        exact = self._narrow(self.keys.get(key, []), parent_code)
        if len(exact) == 1:
            return NameMatch("exact", exact[0], 1.0)
        if exact:
            return NameMatch("ambiguous", candidates=tuple((o, 1.0) for o in exact))
        return self._fuzzy(key, parent_code)

    @staticmethod
    def _narrow(found: list[OdsOrganisation], parent_code: str | None) -> list[OdsOrganisation]:
        """Open organisations before closed ones; those under the row's trust before the others."""
        for keep in (lambda o: not o.closed, lambda o: parent_code is not None and o.parent_code == parent_code):
            kept = [o for o in found if keep(o)]
            found = kept or found
        return found

    def _near(self, key: str) -> set[str]:
        """The names sharing a telling word with `key` (a site list holds thousands: "hospital" tells
        nothing); the rarest word's when every word is common."""
        sets = sorted((self.words.get(w, set()) for w in set(key.split())), key=len)
        common = max(50, len(self.keys) // 50)
        telling = [found for found in sets if len(found) <= common] or sets[:1]
        return set().union(*telling)

    def _fuzzy(self, key: str, parent_code: str | None) -> NameMatch:
        near = self._near(key)
        similarity = _Similarity(key, 0.6)
        scored = sorted(((similarity(k), k) for k in near), reverse=True)
        ranked = [(o, round(s, 3)) for s, k in scored if s > 0 for o in self._narrow(self.keys[k], parent_code)]
        ours = [c for c in ranked if parent_code is not None and c[0].parent_code == parent_code]
        ranked = ours or ranked
        if not ranked or ranked[0][1] < FUZZY_AT:
            return NameMatch("unmatched", candidates=tuple(c for c in ranked[:3] if c[1] >= 0.6))
        best, score = ranked[0]
        rivals = [c for c in ranked[1:] if c[1] > score - FUZZY_MARGIN]
        if rivals:
            return NameMatch("ambiguous", candidates=tuple([ranked[0], *rivals][:5]))
        return NameMatch("fuzzy", best, score)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def _record(name: str, role: str, found: NameMatch, rows: int, trusts: dict[str, OdsOrganisation]) -> dict[str, Any]:
    org = found.organisation
    parent = trusts.get(org.parent_code) if org is not None and org.parent_code else None
    return {
        "name": name,
        "role": role,
        "how": found.how,
        "code": org.code if org else None,
        "ods_name": org.name if org else None,
        "score": found.score,
        "parent_code": org.parent_code if org else None,
        "parent_name": parent.name if parent else None,
        "candidates": [{"code": o.code, "name": o.name, "score": s} for o, s in found.candidates],
        "rows": rows,
    }


def match_table_names(values: pd.DataFrame, reference: OdsReference) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Give a table's organisations without codes their ODS codes, matched by name.

    Parents (the trust column of a table of hospitals) are matched among the trusts first; each
    unit then among the sites when its table's parents are trusts, else among trusts and sites
    together (a name that calls itself a trust preferring the trust). A site is rolled up to its
    ODS trust (parent code and name filled when the table gives none). Exact and unambiguous fuzzy
    matches are applied; ambiguous and unmatched names keep no code. National rows and rows that
    already have a code are left alone.

    Returns:
        (the values with codes filled, the report: {"files", "counts", "names"}; each name as
        `_record` writes it, in the table's order, parents first).
    """
    out = values.copy()
    for col in ("org_code", "org_name", "parent_code", "parent_name", "area_type"):
        out[col] = out[col].astype(object)
    trusts = {o.code: o for o in reference.of_kind("trust")}
    trust_matcher = OrganisationMatcher(trusts.values())
    site_matcher = OrganisationMatcher(reference.of_kind("site"))
    both = OrganisationMatcher(reference.organisations)
    todo = ~out["is_national"].astype(bool)
    names: list[dict[str, Any]] = []
    parent_codes: dict[str, str] = {}
    need_parent = todo & out["parent_code"].isna() & out["parent_name"].notna()
    for name, rows in out[need_parent].groupby(out["parent_name"].map(_text), sort=False):
        found = trust_matcher.match(name)
        names.append(_record(name, "parent", found, len(rows), trusts))
        if found.organisation is not None:
            parent_codes[name] = found.organisation.code
            out.loc[rows.index, "parent_code"] = found.organisation.code
    need_code = todo & out["org_code"].isna() & out["org_name"].notna()
    # The rows are sites when their parents are trusts (a region column is a parent too, of trusts).
    has_parent = bool(out.loc[todo, "parent_code"].isin(list(trusts)).any())
    keys = out["org_name"].map(_text) + "\x00" + out["parent_code"].map(_text)
    for _, rows in out[need_code].groupby(keys[need_code], sort=False):
        name, parent = _text(rows["org_name"].iloc[0]), _text(rows["parent_code"].iloc[0]) or None
        found = (site_matcher if has_parent else both).match(name, parent)
        if not has_parent and found.how != "exact" and _TRUST_NAME.search(name):
            found = _prefer_trust(trust_matcher.match(name), found)
        names.append(_record(name, "organisation", found, len(rows), trusts))
        _apply(out, rows.index, found, trusts)
    _note_shared_codes(names)
    counts = {how: sum(n["how"] == how for n in names) for how in ("exact", "fuzzy", "ambiguous", "unmatched")}
    return out, {"files": [dict(f) for f in reference.files], "counts": counts, "names": names}


def _note_shared_codes(names: list[dict[str, Any]]) -> None:
    """Two names of the table given one code (a merger, or a site listed twice) are said so."""
    by_code: dict[tuple[str, str], list[str]] = {}
    for n in names:
        if n["code"]:
            by_code.setdefault((n["role"], n["code"]), []).append(n["name"])
    for n in names:
        others = [o for o in by_code.get((n["role"], n["code"] or ""), []) if o != n["name"]]
        n["note"] = f"the same code as {', '.join(others)}" if others else ""


def _prefer_trust(as_trust: NameMatch, anywhere: NameMatch) -> NameMatch:
    """A name that calls itself a trust, in a table without parents: the trust matched exactly wins
    over a site of the same name ("Northfield Hospitals NHS Trust" beside "Northfield Hospital")."""
    return as_trust if as_trust.how == "exact" else anywhere


def _apply(out: pd.DataFrame, index: pd.Index, found: NameMatch, trusts: dict[str, OdsOrganisation]) -> None:
    org = found.organisation
    if org is None:
        return
    out.loc[index, "org_code"] = org.code
    if org.kind == "site":
        parent = trusts.get(org.parent_code or "")
        unset = index[out.loc[index, "parent_code"].isna()]
        out.loc[unset, "parent_code"] = org.parent_code
        unnamed = index[out.loc[index, "parent_name"].isna()]
        if parent is not None:
            out.loc[unnamed, "parent_name"] = parent.name
        out.loc[index, "area_type"] = "Site"
    elif out.loc[index, "parent_code"].isna().all():
        out.loc[index, "area_type"] = "Trust"


def apply_ods_matching(parsed: ParsedBenchmark, reference: OdsReference) -> ParsedBenchmark:
    """`parsed` with its organisations named by ODS code where the file gave none (`match_table_names`);
    the report is kept as `parsed.ods_matching`."""
    values, report = match_table_names(parsed.values, reference)
    parsed.values = values
    parsed.ods_matching = report
    return parsed
