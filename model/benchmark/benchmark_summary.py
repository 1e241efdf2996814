"""The JSON summary of a parsed benchmark file, and the headless import behind `import-benchmark`.

The summary's fields are a public interface (docs/benchmark-json.md); the command line itself
is `cli/import_benchmark.py`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlite_utils import Database

from model.benchmark.benchmark_import import parse_file
from model.benchmark.benchmark_matching import apply_ods_matching
from model.benchmark.benchmark_parsed import ParsedBenchmark, WideMapping
from model.benchmark.benchmark_reading import detect_format
from model.benchmark.benchmark_store import load_profile, save_dataset
from model.benchmark.ods_reference import read_ods_files
from model.benchmark.wide_table_import import propose_wide_mapping
from model.core.errors import KnownError


def _jsonable(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _organisation_count(rows: Any) -> int:
    """Distinct organisations: by code, and by name for rows that have no code (national rows excluded)."""
    coded = rows["org_code"].notna()
    return int(rows.loc[coded, "org_code"].nunique() + rows.loc[~coded, "org_name"].dropna().nunique())


_ORGANISATION_FIELDS = {"code": "org_code", "name": "org_name", "parent_code": "parent_code",
                        "parent_name": "parent_name", "area_type": "area_type"}


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _organisation_list(values: pd.DataFrame) -> list[dict[str, str | None]]:
    """Every organisation or area read, once, in file order: its code, name, parent and area type
    (national rows left out; the first row of an organisation gives its parent and type)."""
    rows = values.loc[~values["is_national"].astype(bool), list(_ORGANISATION_FIELDS.values()) + ["source_row"]]
    rows = rows.astype(object).sort_values("source_row", kind="stable")
    seen: set[tuple[str | None, str | None]] = set()
    out = []
    for record in rows.itertuples(index=False):
        entry = {key: _text_or_none(getattr(record, column)) for key, column in _ORGANISATION_FIELDS.items()}
        identity = (entry["code"], None if entry["code"] else entry["name"])
        if identity not in seen:
            seen.add(identity)
            out.append(entry)
    return out


def _national_rows(values: pd.DataFrame) -> list[dict[str, Any]]:
    """The file rows read as the national figure, by name: {name, code, rows, first_row}."""
    rows = values.loc[values["is_national"].astype(bool), ["org_code", "org_name", "parent_name", "source_row"]]
    rows = rows.astype(object).drop_duplicates("source_row").sort_values("source_row", kind="stable")
    out: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for r in rows.itertuples(index=False):
        name = _text_or_none(r.org_name) or _text_or_none(r.parent_name)
        code = _text_or_none(r.org_code)
        entry = out.setdefault((code, name), {"name": name, "code": code, "rows": 0, "first_row": int(r.source_row)})
        entry["rows"] += 1
    return list(out.values())


def _measure_summary(parsed: ParsedBenchmark) -> list[dict[str, Any]]:
    values = parsed.values
    national = parsed.national_values()
    out = []
    for m in parsed.measures.itertuples(index=False):
        rows = values[values["measure_code"] == m.measure_code]
        others = rows[~rows["is_national"]]
        nat = national[national["measure_code"] == m.measure_code]
        out.append(
            {
                "code": str(m.measure_code),
                "name": str(m.name),
                "unit": m.unit,
                "kind": m.kind,
                "rows": len(rows),
                "organisations": _organisation_count(others),
                "suppressed": int(rows["value"].isna().sum()),
                "national": [
                    {k: _jsonable(getattr(r, k)) for k in ("period", "value", "numerator", "denominator")}
                    for r in nat.itertuples(index=False)
                ],
            }
        )
    return out


def summarise(parsed: ParsedBenchmark, *, problems_shown: int = 100) -> dict[str, Any]:
    """The JSON summary of a parsed file (fields documented in docs/benchmark-json.md)."""
    values = parsed.values
    others = values[~values["is_national"]]
    by_type = {str(k): _organisation_count(g) for k, g in others.groupby("area_type")}
    prov = parsed.provenance
    return {
        "file": prov.file_name,
        "format": parsed.format,
        "publisher": prov.publisher,
        "title": prov.title,
        "sha256": prov.sha256,
        "encoding": prov.encoding,
        "rows": len(values),
        "organisations": _organisation_count(others),
        "organisation_list": _organisation_list(values),
        "national_rows": _national_rows(values),
        "areas_by_type": by_type,
        "periods": list(prov.periods),
        "suppressed_cells": parsed.suppressed_count,
        "marker_cells": dict(prov.marker_cells),
        "notes": list(prov.notes),
        "rejected_rows": parsed.rejected_rows,
        "duplicate_rows": int(parsed.duplicates["source_row"].nunique()) if len(parsed.duplicates) else 0,
        "problem_count": len(parsed.problems),
        "problems": [{k: _jsonable(v) for k, v in p.items()} for p in parsed.problems[:problems_shown]],
        "measures": _measure_summary(parsed),
        "mapping": parsed.mapping.to_dict() if parsed.mapping else None,
        "ods_matching": parsed.ods_matching,
    }


def import_benchmark_json(
    path: Path | str,
    *,
    dry_run: bool = False,
    db: Database | None = None,
    profile: str | WideMapping | None = None,
    replace: bool = False,
    ods_files: Sequence[Path | str] = (),
) -> dict[str, Any]:
    """Read a benchmark file, store it unless `dry_run`, and return the JSON summary.

    Args:
        path: the file.
        dry_run: only read and summarise; nothing is stored.
        db: the store (required unless dry_run; also needed to load a profile by name).
        profile: a saved profile name or a WideMapping, for wide national audit tables.
        replace: replace an earlier import of the same file.
        ods_files: ODS reference CSVs (etr, ets, …) to name organisations given without codes.

    Raises:
        KnownError: unreadable file, unknown layout, already imported, missing store.
    """
    path = Path(path)
    mapping = None
    if isinstance(profile, WideMapping):
        mapping = profile
    elif profile:
        if db is None:
            raise KnownError("A profile can only be loaded from a data file.", hint="Give --db PATH.")
        mapping = load_profile(db, profile)
    if detect_format(path) == "national_audit_wide" and mapping is None:
        mapping = propose_wide_mapping(path)
    reference = read_ods_files(ods_files) if ods_files else None
    parsed = parse_file(path, mapping)
    if reference is not None:
        apply_ods_matching(parsed, reference)
    summary = summarise(parsed)
    summary["dry_run"] = dry_run
    summary["dataset_id"] = None
    if not dry_run:
        if db is None:
            raise KnownError("No data file to store the import in.", hint="Give --db PATH, or use --dry-run.")
        name = profile if isinstance(profile, str) else None
        summary["dataset_id"] = save_dataset(db, parsed, profile_name=name, replace=replace)
    return summary
