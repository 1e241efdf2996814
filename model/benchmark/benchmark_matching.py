"""Finding our trust's rows in a national file: by code (the trust and its sites) first, else by name."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


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
