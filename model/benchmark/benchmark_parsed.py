"""What a benchmark parser returns: the value and measure columns, provenance, the wide-table mapping.

Every parser returns a `ParsedBenchmark` whose `values` frame has the columns in
`VALUE_COLUMNS`. A `WideMapping` (with its `MeasureGroup`s) says how a wide national audit
table is read and is saved as a named profile via `to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

VALUE_COLUMNS = [
    "measure_code",
    "org_code",
    "org_name",
    "parent_code",
    "parent_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "period_sortable",
    "numerator",
    "denominator",
    "value",
    "lower_ci95",
    "upper_ci95",
    "lower_ci998",
    "upper_ci998",
    "suppressed_text",
    "value_note",
    "compared_to_national",
    "compared_to_parent",
    "is_national",
    "source_row",
]
MEASURE_COLUMNS = ["measure_code", "name", "unit", "kind", "scale"]
NUMERIC_COLUMNS = [
    "numerator",
    "denominator",
    "value",
    "lower_ci95",
    "upper_ci95",
    "lower_ci998",
    "upper_ci998",
]


@dataclass(frozen=True)
class Provenance:
    """Where a benchmark dataset came from.

    Attributes:
        publisher: best guess at the publisher (e.g. "OHID Fingertips", the audit's title).
        file_name: the file's name (no folder).
        sha256: hex digest of the file's bytes (re-imports are detected by it).
        periods: distinct periods, in order.
        area_types: distinct area types.
        encoding: the text encoding used ("" for Excel).
        title: title rows above the header, joined ("" when none).
        notes: note rows under the table ("Notes: …", "Source: …"), in order.
        marker_cells: suppression markers as written → how many cells hold them, counted
            cell by cell (a count and a percentage both suppressed are two cells).
    """

    publisher: str
    file_name: str
    sha256: str
    periods: tuple[str, ...]
    area_types: tuple[str, ...]
    encoding: str = ""
    title: str = ""
    notes: tuple[str, ...] = ()
    marker_cells: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class MeasureGroup:
    """One measure in a wide table: its numerator, denominator and percentage columns.

    Attributes:
        code: short code (e.g. "q07").
        name: readable name (from the title rows when they define it).
        numerator_col, denominator_col, percent_col: header names, or None when absent.
        scale: value = numerator / denominator × scale (100 for percentages, 1 for proportions).
        note: what the arithmetic check found (empty when n / d matched the value).
        kind: "" for a count/percentage measure; "median" for a median (in `percent_col`)
            with its interquartile range in `lower_col` and `upper_col`, which has no counts
            and is not a proportion.
        lower_col, upper_col: the range's columns, for a median.
    """

    code: str
    name: str
    numerator_col: str | None
    denominator_col: str | None
    percent_col: str | None
    scale: float = 100.0
    note: str = ""
    kind: str = ""
    lower_col: str | None = None
    upper_col: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of the file this measure reads."""
        cols = (self.numerator_col, self.denominator_col, self.percent_col, self.lower_col, self.upper_col)
        return tuple(c for c in cols if c)


@dataclass(frozen=True)
class WideMapping:
    """How to read a wide national audit table; serialisable as a named profile.

    Attributes:
        header_row: 0-based row index of the header in the sheet/file.
        org_code_col: column with the organisation (or site) code.
        org_name_col: column with the organisation (or site) name.
        parent_code_col: the parent's code (trust of a site), if any.
        parent_name_col: the parent's name, if any.
        measures: the measure groups.
        period: the period the table covers (from the title, editable).
        sheet: Excel sheet name (None for CSV).
        notes: plain-language remarks on what was guessed.
        encoding: the text encoding to read a CSV with ("" for the guess, which the provenance records).
        national: which rows are the national figure: "" found by name ("England and Wales",
            "National", …), "-" none, else the text (code or name, any case) that marks them.
    """

    header_row: int
    org_code_col: str | None
    org_name_col: str | None
    parent_code_col: str | None
    parent_name_col: str | None
    measures: tuple[MeasureGroup, ...]
    period: str = ""
    sheet: str | None = None
    notes: tuple[str, ...] = ()
    encoding: str = ""
    national: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for saving as a profile)."""
        data = asdict(self)
        data["measures"] = [asdict(m) for m in self.measures]
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WideMapping:
        """Rebuild a mapping from `to_dict` output (e.g. a saved profile)."""
        fields = dict(data)
        fields["measures"] = tuple(MeasureGroup(**m) for m in data.get("measures", []))
        fields["notes"] = tuple(data.get("notes", ()))
        return cls(**fields)


@dataclass
class ParsedBenchmark:
    """The result of reading one benchmark file.

    Attributes:
        format: "fingertips", "national_audit_wide" or "long".
        provenance: where it came from.
        measures: DataFrame (MEASURE_COLUMNS): measure_code, name, unit, kind, scale.
        values: DataFrame (VALUE_COLUMNS), one row per organisation × measure × breakdown.
            Text columns hold str or NaN; a parser may give them pandas' categorical dtype
            (Fingertips does: its texts repeat heavily), which compares and reads the same.
        problems: cells or rows that could not be read: dicts {row, column, value, reason}.
        duplicates: repeated organisation rows that were left out (first one kept).
        suppressed_count: rows whose value is empty (suppressed, blank or unreadable).
        rejected_rows: rows left out entirely (no organisation, duplicates).
        mapping: the WideMapping used, for wide tables.
        ods_matching: how names without codes were matched to an ODS reference file
            (model.benchmark.benchmark_matching.match_table_names); None when none was given.
    """

    format: str
    provenance: Provenance
    measures: pd.DataFrame
    values: pd.DataFrame
    problems: list[dict[str, Any]] = field(default_factory=list)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    suppressed_count: int = 0
    rejected_rows: int = 0
    mapping: WideMapping | None = None
    ods_matching: dict[str, Any] | None = None

    def national_values(self) -> pd.DataFrame:
        """The national rows: measure_code, period, numerator, denominator, value."""
        cols = ["measure_code", "period", "numerator", "denominator", "value"]
        return self.values.loc[self.values["is_national"], cols].reset_index(drop=True)
