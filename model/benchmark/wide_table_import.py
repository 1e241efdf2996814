"""Read wide national audit tables: one row per organisation, numerator/denominator/% columns per measure.

`propose_wide_mapping` guesses a `WideMapping` (checked by arithmetic), the user may correct
it or save it as a profile, and `parse_wide` reads the table with it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.benchmark.benchmark_cleaning import (
    _blank_to_none,
    _finish,
    _measures_frame,
    _provenance,
    _suppressed_text,
    _to_number,
    _unreadable_problems,
    marker_cells,
)
from model.benchmark.benchmark_headers import (
    _MEDIAN_PREFIX,
    _PREFIX,
    NATIONAL_CODE,
    _detect,
    _find_header,
    _is_number_row,
    _measure_groups,
    _unique_headers,
    is_national_name,
    median_groups,
)
from model.benchmark.benchmark_parsed import MeasureGroup, ParsedBenchmark, WideMapping
from model.benchmark.benchmark_reading import _file_notes, _load_grid, _read_bytes, _sha256, _table_below
from model.benchmark.wide_columns import count_columns, id_columns, shared_denominator
from model.core.errors import ImportProblem

_TITLE_NAMES = re.compile(r"\b([a-z]{0,3}\d+[a-z]?)\s*[=:]\s*([^;]+)", re.IGNORECASE)
_TITLE_PERIOD = re.compile(r"\b((?:19|20)\d\d(?:\s*[/–-]\s*(?:19|20)?\d\d)?)\b")
_ID_PATTERNS = {
    "site_code": re.compile(r"^(site|hospital|unit|team)\s*code$"),
    "trust_code": re.compile(r"^(trust|org|organisation|organization|provider|ods)\s*code$|^code$"),
    "site_name": re.compile(r"^(site|hospital|unit|team)(\s*name)?$"),
    "trust_name": re.compile(r"^(trust|org|organisation|organization|provider)(\s*name)?$|^name$"),
}


def _wide_table(
    path: Path, data: bytes, header_row: int | None = None, encoding: str = ""
) -> tuple[pd.DataFrame, list[list[str]], int, str | None, bool]:
    """(data rows as text with unique headers, the title rows, header index, sheet, transposed).

    The header is found unless `header_row` (0-based) says where it is.
    """
    grid, _, sheet, transposed = _load_grid(path, data, encoding=encoding)
    if header_row is None:
        _detect(grid, path)
        header_at = _find_header(grid)
    elif 0 <= header_row < len(grid) - 1:
        header_at = header_row
    else:
        raise ImportProblem(
            f"Row {header_row + 1} is not a header row with data below it: the file has {len(grid)} rows.",
            where=str(path),
            hint="Pick the row that holds the column names.",
        )
    return _table_below(grid, header_at), grid[:header_at], header_at, sheet, transposed


def wide_headers(path: Path | str, header_row: int, encoding: str = "") -> list[str]:
    """The column names of a wide table's header row exactly as `parse_wide` names them.

    For the mapping editor: blank headers become "Column N", repeats get " (2)", and a table
    with one column per organisation is read turned round, as the parser reads it.

    Args:
        path: the file.
        header_row: 0-based index of the header row (`WideMapping.header_row`).
        encoding: the text encoding (`WideMapping.encoding`; "" for the guess).

    Returns:
        The names; empty when the file has fewer rows.

    Raises:
        ImportProblem: when the file cannot be read.
    """
    path = Path(path)
    # A turned-round table is short (one row per measure): 200 rows are enough to see it.
    grid, _, _, _ = _load_grid(path, _read_bytes(path), max_rows=max(header_row + 1, 200), encoding=encoding)
    return _unique_headers(grid[header_row]) if 0 <= header_row < len(grid) else []


def propose_wide_mapping(path: Path | str, header_row: int | None = None, encoding: str = "") -> WideMapping:
    """Guess how to read a national audit table: id columns, measure groups, period.

    Measure groups are found by shared prefix (`q07n_…`/`q07d_…`/`q07p_…`, "… (N)"/"… (%)")
    and checked by arithmetic (n / d ≈ p); the result says what it could not confirm.

    Args:
        path: the file.
        header_row: 0-based row of the column names, when the user corrects it (None: found).
        encoding: the text encoding, when the user corrects the guess ("" to guess).

    Raises:
        ImportProblem: when no header or no measure group can be found.
    """
    path = Path(path)
    data = _read_bytes(path)
    table, titles, header_at, sheet, transposed = _wide_table(path, data, header_row, encoding)
    groups = _measure_groups(list(table.columns))
    if not groups and not median_groups(list(table.columns)):
        raise ImportProblem(
            "No numerator/denominator/percentage columns were recognised.",
            where=str(path),
            hint="Map the measure columns by hand in the import dialog.",
        )
    title_text = "; ".join(c for row in titles for c in row if c)
    names = {k.lower(): " ".join(v.split()) for k, v in _TITLE_NAMES.findall(title_text)}
    medians = median_groups(list(table.columns))
    measure_cols = {c for roles in [*groups.values(), *medians.values()] for c in roles.values()}
    ids, id_notes = id_columns(table, measure_cols)
    counts = count_columns(table, measure_cols | {c for c in ids.values() if c})
    shared_notes: dict[str, str] = {}
    for stem, roles in groups.items():
        if "d" not in roles:
            shared, shared_notes[stem] = shared_denominator(table, roles, counts)
            if shared:
                roles["d"] = shared
    measures = tuple(
        _check_group(table, stem, roles, names.get(stem.lower(), ""), shared_notes.get(stem, ""))
        for stem, roles in groups.items()
    ) + tuple(
        MeasureGroup(_code(stem), names.get(stem.lower(), "") or " ".join(filter(None, [stem, _rest_name(roles)])),
                     None, None, roles["m"], 1.0, "median with its interquartile range", "median",
                     roles.get("lo"), roles.get("hi"))
        for stem, roles in medians.items()
    )
    period = _TITLE_PERIOD.search(title_text)
    notes = id_notes + [f"{m.code}: {m.note}" for m in measures if m.note]
    if transposed:
        notes.insert(0, "the table has one column per organisation; it was read turned round "
                     "(problem rows then count the file's columns)")
    return WideMapping(
        header_row=header_at,
        measures=measures,
        period=period.group(1) if period else "",
        sheet=sheet,
        notes=tuple(notes),
        encoding=encoding,
        org_code_col=ids.get("org_code_col"),
        org_name_col=ids.get("org_name_col"),
        parent_code_col=ids.get("parent_code_col"),
        parent_name_col=ids.get("parent_name_col"),
    )


def _check_group(
    table: pd.DataFrame, stem: str, roles: dict[str, str], title_name: str, shared_note: str = ""
) -> MeasureGroup:
    """Confirm a group by arithmetic: n ≤ d (else swap) and n / d × scale ≈ p."""
    num, den, pct = roles.get("n"), roles.get("d"), roles.get("p")
    nums = {k: _to_number(table[c])[0] for k, c in (("n", num), ("d", den), ("p", pct)) if c}
    note = shared_note
    if num and den and not shared_note and (nums["n"] > nums["d"]).mean() > 0.5:
        num, den = den, num
        nums["n"], nums["d"] = nums["d"], nums["n"]
        note = "numerator and denominator looked swapped; swapped them"
    scale = 100.0
    if num and den and pct:
        ratio = nums["n"] / nums["d"].where(nums["d"] > 0)
        err100 = (ratio * 100 - nums["p"]).abs().median()
        err1 = (ratio - nums["p"]).abs().median()
        if err1 <= 0.006 and not err100 <= 0.6:
            scale = 1.0
        elif not err100 <= 0.6:
            note = "; ".join(filter(None, [note, "numerator ÷ denominator does not match the percentage"]))
        elif shared_note:
            note = ""  # a shared denominator confirmed by arithmetic needs no remark
    elif not (num and den):
        note = "; ".join(filter(None, [note, "no denominator column; denominators derived from N and %"]))
    name = title_name or " ".join(filter(None, [stem, _rest_name(roles)]))
    return MeasureGroup(_code(stem), name, num, den, pct, scale, note)


def _code(stem: str) -> str:
    """A measure's code: the question prefix (`q07`) or its worded stem, as the file spells it."""
    return " ".join(stem.split())


def _rest_name(roles: dict[str, str]) -> str:
    match = _PREFIX.match(roles.get("n") or roles.get("d") or "") or _MEDIAN_PREFIX.match(roles.get("m") or "")
    rest = match.group("rest") if match else None
    return rest.replace("_", " ") if rest else ""


def parse_wide(path: Path | str, mapping: WideMapping) -> ParsedBenchmark:
    """Read a national audit table with a (possibly user-corrected) mapping.

    Raises:
        ImportProblem: when a column named in the mapping is not in the file.
    """
    path = Path(path)
    data = _read_bytes(path)
    grid, encoding, sheet, _ = _load_grid(path, data, encoding=mapping.encoding)
    if mapping.header_row >= len(grid):
        raise ImportProblem("The header row in the mapping is beyond the end of the file.", where=str(path))
    table = _table_below(grid, mapping.header_row)
    _check_mapping_columns(table, mapping, path)
    ids = _wide_ids(table, mapping)
    parts, problems = [], []
    for group in mapping.measures:
        part, part_problems = _wide_measure(table, group)
        parts.append(pd.concat([ids, part], axis=1))
        problems += part_problems
    values = pd.concat(parts, ignore_index=True)
    values["period"] = mapping.period or None
    values["period_sortable"] = np.nan
    nameless = values["org_code"].isna() & values["org_name"].isna() & ~values["is_national"]
    problems += [
        {"row": int(r), "column": "", "value": "", "reason": "no organisation code or name; row left out"}
        for r in values.loc[nameless, "source_row"].unique()
    ]
    left_out = int(values.loc[nameless, "source_row"].nunique())
    values, duplicates, dup_problems = _finish(
        values[~nameless].copy(), ["measure_code", "org_code", "period"]
    )
    # A median is not a proportion: no scale, so no proportion is ever made of it.
    measures = _measures_frame((g.code, g.name, np.nan if g.kind == "median" else g.scale) for g in mapping.measures)
    medians = measures["measure_code"].isin([g.code for g in mapping.measures if g.kind == "median"])
    measures.loc[medians, ["unit", "kind"]] = "median"
    titles = " ".join(c for row in grid[: mapping.header_row] for c in row if c and not _is_number_row(row))
    used = [c for g in mapping.measures for c in g.columns]
    return ParsedBenchmark(
        format="national_audit_wide",
        provenance=_provenance(
            path, _sha256(data), values, grid[0][0] if titles else "", encoding=encoding, title=titles,
            notes=_file_notes(grid, mapping.header_row), marker_cells=marker_cells(table, used),
        ),
        measures=measures,
        values=values,
        problems=problems + dup_problems,
        duplicates=duplicates,
        suppressed_count=int(values["value"].isna().sum()),
        rejected_rows=int(duplicates["source_row"].nunique()) + left_out,
        mapping=mapping,
    )


def _check_mapping_columns(table: pd.DataFrame, mapping: WideMapping, path: Path) -> None:
    wanted = [mapping.org_code_col, mapping.org_name_col, mapping.parent_code_col, mapping.parent_name_col]
    for group in mapping.measures:
        wanted += list(group.columns)
    missing = [c for c in wanted if c and c not in table.columns]
    if missing:
        raise ImportProblem(
            "These columns from the mapping are not in the file: "
            + ", ".join(f"'{c}'" for c in missing)
            + ".",
            where=str(path),
            hint="Check the header row and column choices, or pick another profile.",
        )


def _wide_ids(table: pd.DataFrame, mapping: WideMapping) -> pd.DataFrame:
    def column(name: str | None) -> pd.Series:
        return _blank_to_none(table[name]) if name else pd.Series(None, index=table.index, dtype=object)

    ids = pd.DataFrame(
        {
            "org_code": column(mapping.org_code_col),
            "org_name": column(mapping.org_name_col),
            "parent_code": column(mapping.parent_code_col),
            "parent_name": column(mapping.parent_name_col),
        }
    )
    text = ids.apply(lambda s: s.astype(object).where(s.notna(), "").astype(str).str.strip())
    ids["is_national"] = _national(ids, text, mapping.national)
    code = ids["org_code"].fillna("").astype(str)
    # A 5-character site code belongs to the trust with its first 3 characters (ODS rule).
    ids["parent_code"] = (
        ids["parent_code"]
        .where(ids["parent_code"].notna() | (code.str.len() != 5), code.str[:3])
        .where(~ids["is_national"], None)
    )
    ids["area_type"] = np.select(
        [ids["is_national"], ids["parent_code"].notna() | ids["parent_name"].notna(), code.str.len() == 3],
        ["National", "Site", "Trust"],
        default="Organisation",
    )
    ids["source_row"] = table.index
    return ids


def _national(ids: pd.DataFrame, text: pd.DataFrame, chosen: str) -> pd.Series:
    """The national rows: those the user named (`WideMapping.national`), none ("-"), or found by name."""
    if chosen == "-":
        return pd.Series(False, index=ids.index)
    if chosen:
        wanted = " ".join(chosen.lower().split())
        return text.apply(lambda s: s.str.lower().str.split().str.join(" ") == wanted).any(axis=1)
    named = text.apply(lambda s: s.map(is_national_name)).astype(bool)
    # "England and Wales", "National", "Total": the national figure, never an organisation.
    return named.any(axis=1) & (
        ids["org_code"].isna() | named["org_code"] | named["org_name"] | (ids["org_code"] == NATIONAL_CODE)
    )


def _wide_measure(table: pd.DataFrame, group: MeasureGroup) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    rows = pd.Series(table.index, index=table.index)
    empty = pd.Series(np.nan, index=table.index)
    none = pd.Series(None, index=table.index, dtype=object)
    read = {}
    problems: list[dict[str, Any]] = []
    for key, col in (("n", group.numerator_col), ("d", group.denominator_col), ("p", group.percent_col)):
        numbers, text = _to_number(table[col]) if col else (empty, none)
        read[key] = (numbers, text)
        if col:
            problems += _unreadable_problems(text, rows, col)
    (n, n_text), (d, d_text), (p, p_text) = read["n"], read["d"], read["p"]
    if group.denominator_col is None:
        d = (n * group.scale / p).where(p > 0).round()
    computed = (n / d.where(d > 0)) * group.scale
    value = p.where(p.notna(), computed) if group.percent_col else computed
    raw = p_text if group.percent_col else n_text.where(n_text.notna(), d_text)
    note = (
        pd.Series(
            np.where(p.isna() & computed.notna(), "computed from numerator and denominator", None),  # type: ignore[call-overload]  # None: object array
            index=table.index,
            dtype=object,
        )
        if group.percent_col
        else none.copy()
    )
    out = pd.DataFrame(
        {
            "measure_code": group.code,
            "numerator": n,
            "denominator": d,
            "value": value,
            "suppressed_text": _suppressed_text(value, raw),
            "value_note": note,
        },
        index=table.index,
    )
    if group.kind == "median":
        for key, col in (("lower_ci95", group.lower_col), ("upper_ci95", group.upper_col)):
            numbers, text = _to_number(table[col]) if col else (empty, none)
            out[key] = numbers
            if col:
                problems += _unreadable_problems(text, rows, col)
        out["value_note"] = value.notna().map({True: "median; the limits are the interquartile range", False: None})
    return out, problems
