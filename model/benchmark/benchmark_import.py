"""Read national benchmark files: OHID Fingertips exports, national audit tables, long tables.

Every parser returns a `ParsedBenchmark` whose `values` frame has the columns in
`VALUE_COLUMNS`. Numbers are floats; a suppressed or unreadable cell becomes NaN with its
raw text in `suppressed_text` (never 0). `suppressed_text` is None when the value was read
as a number, "" when the cell was blank. Row numbers in `problems` are spreadsheet rows
(the first line of the file is row 1; a quoted line break does not start a new row).

Wide national audit tables go through a `WideMapping` (proposed by `propose_wide_mapping`,
possibly corrected by the user, saved as a named profile via `to_dict`) and `parse_wide`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.core.errors import ImportProblem

FORMATS = ("fingertips", "national_audit_wide", "long")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
NATIONAL_CODE = "E92000001"

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

#: Markers national publishers use for suppressed or unavailable cells (compared lower-case).
SUPPRESSION_MARKERS = frozenset({"", "*", "**", "n/a", "na", "-", "–", "c", "x", "..", ":", "~", "s", "supp"})
_LESS_THAN = re.compile(r"^<\s*\d+(\.\d+)?$")
#: Names of a national aggregate row (compared lower-case, stripped).
NATIONAL_NAMES = frozenset(
    {
        "national",
        "national total",
        "national aggregate",
        "national average",
        "england and wales",
        "england & wales",
        "england",
        "wales",
        "all",
        "all trusts",
        "all hospitals",
        "all sites",
        "all organisations",
        "all units",
        "total",
        "overall",
        "uk",
        "united kingdom",
    }
)

# Fingertips: our column → normalised published header. Matched by name, never position.
_FINGERTIPS = {
    "measure_code": "indicator id",
    "measure_name": "indicator name",
    "parent_code": "parent code",
    "parent_name": "parent name",
    "org_code": "area code",
    "org_name": "area name",
    "area_type": "area type",
    "sex": "sex",
    "age": "age",
    "category_type": "category type",
    "category": "category",
    "period": "time period",
    "value": "value",
    "lower_ci95": "lower ci 95.0 limit",
    "upper_ci95": "upper ci 95.0 limit",
    "lower_ci998": "lower ci 99.8 limit",
    "upper_ci998": "upper ci 99.8 limit",
    "numerator": "count",
    "denominator": "denominator",
    "value_note": "value note",
    "compared_to_national": "compared to england value or percentiles",
    "period_sortable": "time period sortable",
}
_FINGERTIPS_NAMES = frozenset(_FINGERTIPS.values())
_FINGERTIPS_REQUIRED = ("measure_code", "org_code", "period", "value")
_PARENT_COMPARISON = re.compile(r"^compared to (?!england\b)(.+) value or percentiles$")
_FINGERTIPS_TEXT = [
    "measure_code",
    "measure_name",
    "parent_code",
    "parent_name",
    "org_code",
    "org_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value_note",
    "compared_to_national",
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
    """

    publisher: str
    file_name: str
    sha256: str
    periods: tuple[str, ...]
    area_types: tuple[str, ...]
    encoding: str = ""
    title: str = ""


@dataclass(frozen=True)
class MeasureGroup:
    """One measure in a wide table: its numerator, denominator and percentage columns.

    Attributes:
        code: short code (e.g. "q07").
        name: readable name (from the title rows when they define it).
        numerator_col, denominator_col, percent_col: header names, or None when absent.
        scale: value = numerator / denominator × scale (100 for percentages, 1 for proportions).
        note: what the arithmetic check found (empty when n / d matched the value).
    """

    code: str
    name: str
    numerator_col: str | None
    denominator_col: str | None
    percent_col: str | None
    scale: float = 100.0
    note: str = ""


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
        format: one of FORMATS.
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

    def national_values(self) -> pd.DataFrame:
        """The national rows: measure_code, period, numerator, denominator, value."""
        cols = ["measure_code", "period", "numerator", "denominator", "value"]
        return self.values.loc[self.values["is_national"], cols].reset_index(drop=True)


# --- Reading bytes and grids -----------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImportProblem("The file does not exist.", where=str(path)) from exc
    except OSError as exc:
        raise ImportProblem(
            f"The file cannot be read ({exc.strerror}).",
            where=str(path),
            hint="Close it in Excel or copy it to a local folder, then try again.",
        ) from exc
    # Only a whitespace/comma prefix needs the full check (stripping copies the bytes).
    blank = b" \t\r\n\xef\xbb\xbf,;"
    if not data[:4096].strip(blank) and not data.strip(blank):
        raise ImportProblem("The file is empty.", where=str(path), hint="Download or export the file again.")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encoding(data: bytes) -> str:
    """utf-8-sig when the bytes decode strictly as UTF-8, else cp1252 (Windows), else latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _is_excel(path: Path, data: bytes) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _excel_grid(path: Path) -> tuple[list[list[str]], str]:
    """The sheet with the most filled cells, as text, and its name."""
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, dtype=object, engine="calamine", keep_default_na=False
        )
    except Exception as exc:  # calamine raises its own types for corrupt/encrypted files
        raise ImportProblem(
            "The workbook cannot be opened (it may be corrupt, password-protected or not Excel).",
            where=str(path),
            hint="Open it in Excel and save a fresh copy as .xlsx or .csv.",
        ) from exc
    if not sheets:
        raise ImportProblem("The workbook has no sheets.", where=str(path))
    name, frame = max(sheets.items(), key=lambda item: int(item[1].notna().sum().sum()))
    grid = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    return grid, str(name)


def _csv_grid(text: str, max_rows: int | None = None) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        rows.append([cell.strip() for cell in row])
        if max_rows is not None and len(rows) >= max_rows:
            break
    return rows


def _load_grid(
    path: Path, data: bytes, max_rows: int | None = None
) -> tuple[list[list[str]], str, str | None, bool]:
    """(rows of text cells padded to equal width, encoding, sheet name, whether it was transposed).

    A table with one column per organisation (DOMAIN §7: some Excel versions) is turned round
    here, so every parser sees one row per organisation.
    """
    if _is_excel(path, data):
        grid, sheet = _excel_grid(path)
        encoding = ""
    else:
        encoding = _encoding(data)
        sample = data if max_rows is None else data[: 256 * 1024]
        grid, sheet = _csv_grid(sample.decode(encoding, errors="replace"), max_rows), None
    width = max((len(r) for r in grid), default=0)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header_at = _find_header(grid)
    if header_at < 0:
        return grid, encoding, sheet, False
    orientation = _orientation(grid, header_at)
    if orientation == "unclear":
        raise ImportProblem(
            "AuditLoop cannot tell whether this table has one row or one column per organisation.",
            where=f"{path}" + (f", sheet {sheet}" if sheet else "") + f", row {header_at + 1}",
            hint="Arrange it with one row per organisation (in Excel: copy the table, then Paste Special → "
            "Transpose), with organisation codes in one column, and import it again.",
        )
    if orientation == "columns":
        return _transpose(grid, header_at), encoding, sheet, True
    return grid, encoding, sheet, False


# ODS trust (3) or site (5) codes, and ONS area codes (E06000047).
_ORG_CODE = re.compile(r"^(?:[A-Z][A-Z0-9]{2}(?:[A-Z0-9]{2})?|[EWSNK]\d{8})$")


def _orientation(grid: list[list[str]], header_at: int) -> str:
    """Which way organisations run: "columns", "rows" or "unclear".

    "columns": organisation codes across the header row and measure names down the first column
    (and the header itself holds no measure columns). "unclear": the header is partly codes and
    the first column looks like measure columns, so either reading is plausible.
    """
    header = [c for c in grid[header_at][1:] if c]
    labels = [row[0] for row in grid[header_at + 1 :] if row and row[0] and not _is_number_row(row)]
    if len(header) < 2 or not labels:
        return "rows"
    codes = sum(bool(_ORG_CODE.match(c)) or c.strip().lower() in NATIONAL_NAMES for c in header) / len(header)
    text_labels = sum(not _is_number(c) for c in labels) >= 0.8 * len(labels)
    header_groups = _measure_groups(_unique_headers(grid[header_at]))
    label_groups = _measure_groups(_unique_headers(labels))
    if codes >= 0.8 and text_labels and not header_groups:
        return "columns"
    if codes >= 0.4 and text_labels and label_groups:
        return "unclear"
    return "rows"


def _transpose(grid: list[list[str]], header_at: int) -> list[list[str]]:
    """Turn the block from the header down round; title rows stay on top.

    The first column (measure names) becomes the header, its first cell named "Organisation
    code" since the old header row (now the first column) holds the codes.
    """
    block = [row for row in grid[header_at:] if any(row) and not _is_number_row(row)]
    turned = [list(col) for col in zip(*block, strict=True) if any(col)]
    turned[0][0] = "Organisation code"
    width = max(len(turned[0]), max((len(r) for r in grid[:header_at]), default=0))
    return [r + [""] * (width - len(r)) for r in [*grid[:header_at], *turned]]


def _norm(name: str) -> str:
    """Header name for matching: lower case, BOM and quotes gone, whitespace collapsed."""
    return " ".join(str(name).replace("\ufeff", "").replace("_", " ").strip().lower().split())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _is_number_row(row: list[str]) -> bool:
    """A row of column numbers 1, 2, 3, … (some audits print one above the header)."""
    cells = [c for c in row if c]
    if len(cells) < 3 or not all(c.isdigit() for c in cells):
        return False
    numbers = [int(c) for c in cells]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _find_header(grid: list[list[str]]) -> int:
    """Index of the header row: the first well-filled row that is mostly words, not numbers."""
    top = grid[:40]
    widest = max((sum(1 for c in r if c) for r in top), default=0)
    for i, row in enumerate(top):
        cells = [c for c in row if c]
        if len(cells) < max(2, widest // 2) or _is_number_row(row):
            continue
        if sum(not _is_number(c) for c in cells) >= 0.6 * len(cells):
            return i
    return -1


def _unique_headers(row: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    headers = []
    for i, cell in enumerate(row):
        name = " ".join(cell.split()) or f"Column {i + 1}"
        seen[name] = seen.get(name, 0) + 1
        headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return headers


# --- Format detection ------------------------------------------------------------------------


def detect_format(path: Path | str) -> str:
    """Which layout a benchmark file has: "fingertips", "national_audit_wide" or "long".

    Raises:
        ImportProblem: for an empty file, a file with only a header, or an unknown layout.
    """
    path = Path(path)
    data = _read_bytes(path)
    grid, _, _, _ = _load_grid(path, data, max_rows=200)
    return _detect(grid, path)


def _detect(grid: list[list[str]], path: Path) -> str:
    header_at = _find_header(grid)
    if header_at < 0:
        raise ImportProblem(
            "No header row was found in the file.",
            where=str(path),
            hint="The file needs a row of column names above the data.",
        )
    headers = {_norm(c) for c in grid[header_at]}
    if not any(any(c for c in row) and not _is_number_row(row) for row in grid[header_at + 1 :]):
        raise ImportProblem(
            "The file has a header but no data rows.",
            where=str(path),
            hint="Export the file again with the data included.",
        )
    if {_FINGERTIPS[k] for k in _FINGERTIPS_REQUIRED} <= headers:
        return "fingertips"
    if _long_columns(list(headers)) is not None:
        return "long"
    if _measure_groups(_unique_headers(grid[header_at])):
        return "national_audit_wide"
    raise ImportProblem(
        "The layout of this file is not one AuditLoop knows.",
        where=str(path),
        hint="Use an OHID Fingertips export, a national audit table with numerator/denominator/% "
        "columns, or a table with organisation code, name, period, measure, numerator, denominator "
        "and value columns.",
    )


def parse_file(path: Path | str, mapping: WideMapping | None = None) -> ParsedBenchmark:
    """Detect the layout and parse (wide tables use `mapping` or the proposed one)."""
    path = Path(path)
    kind = detect_format(path)
    if kind == "fingertips":
        return parse_fingertips(path)
    if kind == "long":
        return parse_long(path)
    return parse_wide(path, mapping or propose_wide_mapping(path))


# --- Shared helpers --------------------------------------------------------------------------


def _is_marker(text: pd.Series) -> pd.Series:
    lowered = text.str.strip().str.lower()
    return lowered.isin(SUPPRESSION_MARKERS) | lowered.str.match(_LESS_THAN.pattern)


def _to_number(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(floats with NaN for anything unreadable, raw text where unreadable else None)."""
    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype(float), pd.Series(None, index=raw.index, dtype=object)
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    return numbers.astype(float), text.astype(object).where(numbers.isna(), None)


def _unreadable_problems(text: pd.Series, rows: pd.Series, column: str) -> list[dict[str, Any]]:
    """Problems for unreadable cells that are not a known suppression marker."""
    present = text.dropna()
    bad = present[~_is_marker(present.astype(str))]
    return [
        {
            "row": int(rows[i]),
            "column": column,
            "value": str(v),
            "reason": "not a number or a known suppression marker; left empty",
        }
        for i, v in bad.items()
    ]


def _suppressed_text(value: pd.Series, raw: pd.Series | None) -> pd.Series:
    """The raw text where the value is empty ("" for a blank cell), None where it was read.

    `raw` None: the column was read as numbers, so every empty value was a blank cell.
    """
    if raw is None:
        return pd.Series(np.where(value.isna(), "", None), index=value.index, dtype=object)
    text = raw.astype(object).where(raw.notna(), "")
    return pd.Series(np.where(value.isna(), text, None), index=value.index, dtype=object)


def _blank_to_none(series: pd.Series) -> pd.Series:
    text = series.astype(object)
    return text.where(text.notna() & (text.astype(str).str.strip() != ""), None)


def _repeat_candidates(values: pd.DataFrame, key: list[str]) -> pd.Series:
    """Rows whose `key` columns repeat another row's; candidates only, the exact check follows.

    When every key column is categorical (Fingertips), the category codes are the values, so a
    mixed-radix key of them finds the repeats without hashing 100,000 rows column by column.
    """
    columns = [values[c] for c in key]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in columns):
        return pd.util.hash_pandas_object(values[key], index=False).duplicated(keep=False)
    row_key, size = np.zeros(len(values), dtype=np.int64), 1
    for column in columns:
        width = len(column.cat.categories) + 1  # blank is code -1, shifted to 0
        if size * width >= 2**62:  # keep the key inside int64
            row_key, seen = pd.factorize(row_key)
            size = len(seen)
        row_key, size = row_key * width + column.cat.codes.to_numpy(dtype=np.int64) + 1, size * width
    return pd.Series(row_key, index=values.index).duplicated(keep=False)


def _finish(values: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Order the columns, drop repeated organisation rows (keeping the first), report them.

    A repeat is the same code *and* name for the same measure and breakdown. One code used by
    organisations with different names is kept (both rows) and reported, since matching our
    trust by that code would be ambiguous.
    """
    for col in VALUE_COLUMNS:
        if col not in values:
            values[col] = None
    values = values[VALUE_COLUMNS]
    has_code = values["org_code"].notna()
    # One vectorised pass finds candidate repeats; the exact check runs only on those rows.
    same_key = _repeat_candidates(values, key) & has_code
    dup = pd.Series(False, index=values.index)
    if same_key.any():
        subset = values[same_key]
        dup[subset.index] = subset.duplicated([*key, "org_name"], keep="first")
    duplicates = values[dup].reset_index(drop=True)
    problems = [
        {
            "row": int(r.source_row),
            "column": "",
            "value": str(r.org_code),
            "reason": f"repeated row for {r.org_code} ({r.org_name}); the first one was kept",
        }
        for r in duplicates.drop_duplicates("source_row").itertuples()
    ]
    kept = values[~dup].reset_index(drop=True) if dup.any() else values.reset_index(drop=True)
    clashes = _code_clashes(kept, key) if (same_key & ~dup).sum() > 0 else []
    return kept, duplicates, problems + clashes


def _code_clashes(values: pd.DataFrame, key: list[str]) -> list[dict[str, Any]]:
    clash = values[values.duplicated(key, keep=False) & values["org_code"].notna()]
    names = clash.groupby("org_code", sort=False).agg(
        row=("source_row", "min"), names=("org_name", lambda s: sorted({str(v) for v in s}))
    )
    return [
        {
            "row": int(r.row),
            "column": "",
            "value": str(code),
            "reason": f"code {code} is used by {len(r.names)} organisations ({'; '.join(r.names)}); "
            "rows kept, but matching by this code is ambiguous",
        }
        for code, r in names.iterrows()
    ]


def _unit_from_scale(scale: float) -> tuple[str, str]:
    units = {
        1.0: ("proportion", "proportion"),
        100.0: ("percent", "proportion"),
        1000.0: ("per 1,000", "rate"),
        1e5: ("per 100,000", "rate"),
    }
    return units.get(scale, ("", "unknown"))


def _guess_scales(values: pd.DataFrame) -> pd.Series:
    """Per measure, value ÷ (numerator/denominator) as a power of ten: 100 for %, 1e5 for rates.

    NaN when the counts are absent or the ratio is not close to a power of ten.
    """
    # The first 20,000 rows with counts are plenty to tell a percentage from a rate.
    ok = (values["numerator"] > 0) & (values["denominator"] > 0) & (values["value"] > 0)
    rows = np.flatnonzero(ok.to_numpy())[:20_000]
    sample = {c: values[c].to_numpy()[rows] for c in ("value", "numerator", "denominator", "measure_code")}
    ratio = pd.Series(sample["value"] * sample["denominator"] / sample["numerator"])
    median = ratio.groupby(sample["measure_code"], sort=False).median()
    power = 10.0 ** np.round(np.log10(median))
    scales = power.where((median / power - 1).abs() < 0.05)
    return scales.reindex(pd.unique(values["measure_code"]))


def _measures_frame(rows: Iterable[tuple[str, str, float]]) -> pd.DataFrame:
    records = []
    for code, name, scale in rows:
        unit, kind = _unit_from_scale(scale)
        records.append({"measure_code": code, "name": name, "unit": unit, "kind": kind, "scale": scale})
    return pd.DataFrame(records, columns=MEASURE_COLUMNS)


def _provenance(path: Path, sha256: str, values: pd.DataFrame, publisher: str, **extra: str) -> Provenance:
    # Periods in time order when the file gives a sortable key, else in file order.
    codes, periods = pd.factorize(values["period"])
    firsts = pd.Series(values["period_sortable"].to_numpy()).groupby(codes).min()
    order = firsts[firsts.index >= 0]
    if order.notna().any():
        order = order.sort_values(kind="stable")
    return Provenance(
        publisher=publisher,
        file_name=path.name,
        sha256=sha256,
        periods=tuple(str(periods[i]) for i in order.index),
        area_types=tuple(str(a) for a in pd.unique(values["area_type"].dropna())),
        **extra,
    )


# --- Fingertips ------------------------------------------------------------------------------


def parse_fingertips(path: Path | str) -> ParsedBenchmark:
    """Read an OHID Fingertips indicator export (CSV), matching columns by name.

    Handles a quoted line break in the indicator name, data rows one field short, UTF-8 with
    or without BOM and CRLF, several indicators/areas/sexes/ages/categories/periods, and the
    parent-comparison column whose name depends on the parent area type.
    """
    path = Path(path)
    data = _read_bytes(path)
    # hashlib releases the GIL: hash the file while pandas parses it (a tenth of the time).
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(_sha256, data)
        frame, encoding = _read_fingertips_csv(data)
        sha256 = digest.result()
    by_norm = {_norm(c): c for c in frame.columns}
    missing = [_FINGERTIPS[k] for k in _FINGERTIPS_REQUIRED if _FINGERTIPS[k] not in by_norm]
    if missing:
        raise ImportProblem(
            "This does not look like a Fingertips export: missing " + ", ".join(missing) + ".",
            where=str(path),
            hint="Download the indicator data again from Fingertips as CSV.",
        )
    values, problems, names = _fingertips_values(frame, by_norm)
    values, duplicates, dup_problems = _finish(
        values,
        ["measure_code", "org_code", "area_type", "sex", "age", "category_type", "category", "period"],
    )
    measures = _fingertips_measures(values, names)
    # Text columns stay categorical: provenance reads periods and area types from the
    # categories, and the store finds distinct rows from their codes without hashing text.
    provenance = _provenance(path, sha256, values, "OHID Fingertips", encoding=encoding)
    return ParsedBenchmark(
        format="fingertips",
        provenance=provenance,
        measures=measures,
        values=values,
        problems=problems + dup_problems,
        duplicates=duplicates,
        suppressed_count=int(values["value"].isna().sum()),
        rejected_rows=int(len(duplicates)) + sum(p["reason"].endswith("; row left out") for p in problems),
    )


def _read_fingertips_csv(data: bytes) -> tuple[pd.DataFrame, str]:
    """read_csv with numbers inferred and text columns as categories; returns the encoding too.

    UTF-8 is tried strictly first (the C engine drops a BOM itself), then cp1252: letting the
    parser fail is cheaper than decoding a large file twice.
    """
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return _read_csv_as(data, encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _read_csv_as(data: bytes, encoding: str) -> pd.DataFrame:
    sample = data[:65536].decode(encoding, errors="ignore").lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(sample)), [])
    text_names = {_FINGERTIPS[k] for k in _FINGERTIPS_TEXT}
    # Text columns as categories: they repeat heavily (sex, age, period, names), so parsing,
    # hashing and de-duplicating work on small integer codes (and they stay categories).
    dtypes = {c: "category" for c in header if _norm(c) in text_names or _PARENT_COMPARISON.match(_norm(c))}
    # Only blank cells are NA ("n/a" in a numeric column must stay visible as text); the C
    # engine pads a row that is one field short with NaN (checked in the tests). Columns we
    # never read (Recent Trend, New data, Compared to goal…) are skipped: about 5% faster.
    return pd.read_csv(
        io.BytesIO(data),
        encoding=encoding,
        encoding_errors="strict",
        keep_default_na=False,
        na_values=[""],
        dtype=dtypes,
        usecols=_is_fingertips_column,
        engine="c",
    )


def _is_fingertips_column(name: str) -> bool:
    """Whether parse_fingertips reads this column (matched by normalised name)."""
    norm = _norm(name)
    return norm in _FINGERTIPS_NAMES or bool(_PARENT_COMPARISON.match(norm))


def _fingertips_values(
    frame: pd.DataFrame, by_norm: dict[str, str]
) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, str]]:
    # Rename in place of copying: at 100,000 rows every full copy costs as much as parsing.
    renames = {by_norm[published]: ours for ours, published in _FINGERTIPS.items() if published in by_norm}
    parent_cols = [c for n, c in by_norm.items() if _PARENT_COMPARISON.match(n)]
    if parent_cols:
        renames[parent_cols[0]] = "compared_to_parent"
    values = frame.rename(columns=renames)
    for col in [*_FINGERTIPS, "compared_to_parent"]:
        if col not in values:
            values[col] = None
    values["source_row"] = np.arange(len(values)) + 2
    problems: list[dict[str, Any]] = []
    raw_value_text: pd.Series | None = None
    for col in NUMERIC_COLUMNS:
        if pd.api.types.is_numeric_dtype(values[col]):  # read as numbers: no text to report or keep
            values[col] = values[col].astype(float)
            continue
        numbers, text = _to_number(values[col])
        if text.notna().any():
            problems += _unreadable_problems(text, values["source_row"], by_norm.get(_FINGERTIPS[col], col))
        values[col] = numbers
        if col == "value":
            raw_value_text = text
    values["period_sortable"] = pd.to_numeric(values["period_sortable"], errors="coerce")
    codes, uniques = pd.factorize(values["measure_code"])
    if (codes < 0).any():  # a row without an indicator ID belongs to no measure: never guessed
        column = by_norm[_FINGERTIPS["measure_code"]]
        problems += [{"row": int(r), "column": column, "value": "", "reason": "no indicator ID; row left out"}
                     for r in values.loc[codes < 0, "source_row"]]
        values, codes = values[codes >= 0], codes[codes >= 0]
    stripped = np.array([" ".join(str(u).split()) for u in uniques], dtype=object)
    values["measure_code"] = (
        pd.Categorical.from_codes(codes, categories=stripped)
        if len(set(stripped)) == len(stripped)
        else stripped[codes]
    )
    names = _first_names(values["measure_name"], codes, stripped)
    values["suppressed_text"] = _suppressed_text(values["value"], raw_value_text)
    no_code = values["org_code"].isna()
    if no_code.any():
        column = by_norm[_FINGERTIPS["org_code"]]
        problems += [
            {"row": int(r), "column": column, "value": "", "reason": "no area code; row left out"}
            for r in values.loc[no_code, "source_row"]
        ]
        values = values[~no_code]
    values["is_national"] = _fingertips_national(values)
    return values, problems, names


def _first_names(names: pd.Series, codes: np.ndarray, uniques: np.ndarray) -> dict[str, str]:
    """Each indicator's name from its first row, with the quoted line break collapsed."""
    result = {}
    for code_index, row in zip(*np.unique(codes, return_index=True), strict=True):
        name = names.iloc[row]
        code = str(uniques[code_index])
        result[code] = " ".join(name.split()) if isinstance(name, str) else code
    return result


def _fingertips_national(values: pd.DataFrame) -> pd.Series:
    """England rows without a category, Persons (or the only sex when an indicator has no Persons)."""
    england = (values["org_code"] == NATIONAL_CODE) & values["category_type"].isna()
    national = pd.Series(False, index=values.index)
    if england.any():
        rows = values[england]
        persons = rows["sex"].astype(str).str.lower() == "persons"
        has_persons = persons.groupby(rows["measure_code"]).transform("any")
        national[rows.index] = persons | ~has_persons
    return national


def _fingertips_measures(values: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    scales = _guess_scales(values)
    return _measures_frame((code, names.get(code, code), scales.get(code, np.nan)) for code in names)


# --- Wide national audit tables ---------------------------------------------------------------

_ROLE_NUM = {"n", "num", "numerator", "met", "count"}
_ROLE_DEN = {"d", "den", "denom", "denominator", "total", "eligible"}
_ROLE_PCT = {"p", "pc", "pct", "perc", "percent", "percentage", "%"}
_ROLES = "numerator|denominator|percentage|percent|total|denom|perc|pct|num|den|pc|n|d|p"
_PREFIX = re.compile(rf"^(?P<stem>[a-z]*\d+[a-z]?)(?P<role>{_ROLES})(?:[_ ](?P<rest>.*))?$", re.IGNORECASE)
_SUFFIX = re.compile(rf"^(?P<stem>.+?)[_ ]+(?P<role>{_ROLES})$", re.IGNORECASE)
_PAREN = re.compile(
    r"^(?P<stem>.+?)\s*\((?P<role>n|d|%|num|numerator|denominator|count|total|pct|percent|percentage)\)$",
    re.IGNORECASE,
)
_TITLE_NAMES = re.compile(r"\b([a-z]{0,3}\d+[a-z]?)\s*[=:]\s*([^;]+)", re.IGNORECASE)
_TITLE_PERIOD = re.compile(r"\b((?:19|20)\d\d(?:\s*[/–-]\s*(?:19|20)?\d\d)?)\b")
_ID_PATTERNS = {
    "site_code": re.compile(r"^(site|hospital|unit|team)\s*code$"),
    "trust_code": re.compile(r"^(trust|org|organisation|organization|provider|ods)\s*code$|^code$"),
    "site_name": re.compile(r"^(site|hospital|unit|team)(\s*name)?$"),
    "trust_name": re.compile(r"^(trust|org|organisation|organization|provider)(\s*name)?$|^name$"),
}


def _role(word: str) -> str | None:
    word = word.lower()
    for role, words in (("n", _ROLE_NUM), ("d", _ROLE_DEN), ("p", _ROLE_PCT)):
        if word in words:
            return role
    return None


def _measure_groups(headers: list[str]) -> dict[str, dict[str, str]]:
    """Candidate measure groups by shared prefix: stem → {"n"/"d"/"p": header}."""
    groups: dict[str, dict[str, str]] = {}
    for header in headers:
        match = _PREFIX.match(header) or _PAREN.match(header) or _SUFFIX.match(header)
        role = _role(match.group("role")) if match else None
        if match and role:
            groups.setdefault(match.group("stem").strip(), {}).setdefault(role, header)
    return {
        stem: roles for stem, roles in groups.items() if len(roles) >= 2 and ("n" in roles or "d" in roles)
    }


def _wide_table(
    path: Path, data: bytes, header_row: int | None = None
) -> tuple[pd.DataFrame, list[list[str]], int, str | None, bool]:
    """(data rows as text with unique headers, the title rows, header index, sheet, transposed).

    The header is found unless `header_row` (0-based) says where it is.
    """
    grid, _, sheet, transposed = _load_grid(path, data)
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


def wide_headers(path: Path | str, header_row: int) -> list[str]:
    """The column names of a wide table's header row exactly as `parse_wide` names them.

    For the mapping editor: blank headers become "Column N", repeats get " (2)", and a table
    with one column per organisation is read turned round, as the parser reads it.

    Args:
        path: the file.
        header_row: 0-based index of the header row (`WideMapping.header_row`).

    Returns:
        The names; empty when the file has fewer rows.

    Raises:
        ImportProblem: when the file cannot be read.
    """
    path = Path(path)
    # A turned-round table is short (one row per measure): 200 rows are enough to see it.
    grid, _, _, _ = _load_grid(path, _read_bytes(path), max_rows=max(header_row + 1, 200))
    return _unique_headers(grid[header_row]) if 0 <= header_row < len(grid) else []


def _table_below(grid: list[list[str]], header_at: int) -> pd.DataFrame:
    body = grid[header_at + 1 :]
    keep = [i for i, row in enumerate(body) if any(row) and not _is_number_row(row)]
    frame = pd.DataFrame([body[i] for i in keep], columns=_unique_headers(grid[header_at]), dtype=object)
    frame.index = pd.Index([header_at + 2 + i for i in keep])  # spreadsheet row numbers
    return frame


def propose_wide_mapping(path: Path | str, header_row: int | None = None) -> WideMapping:
    """Guess how to read a national audit table: id columns, measure groups, period.

    Measure groups are found by shared prefix (`q07n_…`/`q07d_…`/`q07p_…`, "… (N)"/"… (%)")
    and checked by arithmetic (n / d ≈ p); the result says what it could not confirm.

    Args:
        path: the file.
        header_row: 0-based row of the column names, when the user corrects it (None: found).

    Raises:
        ImportProblem: when no header or no measure group can be found.
    """
    path = Path(path)
    data = _read_bytes(path)
    table, titles, header_at, sheet, transposed = _wide_table(path, data, header_row)
    groups = _measure_groups(list(table.columns))
    if not groups:
        raise ImportProblem(
            "No numerator/denominator/percentage columns were recognised.",
            where=str(path),
            hint="Map the measure columns by hand in the import dialog.",
        )
    title_text = "; ".join(c for row in titles for c in row if c)
    names = {k.lower(): " ".join(v.split()) for k, v in _TITLE_NAMES.findall(title_text)}
    measures = tuple(
        _check_group(table, stem, roles, names.get(stem.lower(), "")) for stem, roles in groups.items()
    )
    ids, id_notes = _id_columns(table, {c for roles in groups.values() for c in roles.values()})
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
        **ids,
    )


def _check_group(table: pd.DataFrame, stem: str, roles: dict[str, str], title_name: str) -> MeasureGroup:
    """Confirm a group by arithmetic: n ≤ d (else swap) and n / d × scale ≈ p."""
    num, den, pct = roles.get("n"), roles.get("d"), roles.get("p")
    nums = {k: _to_number(table[c])[0] for k, c in (("n", num), ("d", den), ("p", pct)) if c}
    note = ""
    if num and den and (nums["n"] > nums["d"]).mean() > 0.5:
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
    elif not (num and den):
        note = "; ".join(filter(None, [note, "no denominator column; denominators derived from N and %"]))
    name = title_name or " ".join(filter(None, [stem, _rest_name(roles)]))
    return MeasureGroup(stem, name, num, den, pct, scale, note)


def _rest_name(roles: dict[str, str]) -> str:
    match = _PREFIX.match(roles.get("n") or roles.get("d") or "")
    rest = match.group("rest") if match else None
    return rest.replace("_", " ") if rest else ""


def _id_columns(table: pd.DataFrame, measure_cols: set[str]) -> tuple[dict[str, str | None], list[str]]:
    found: dict[str, str] = {}
    for col in table.columns:
        if col in measure_cols:
            continue
        for key, pattern in _ID_PATTERNS.items():
            if key not in found and pattern.search(_norm(col)):
                found[key] = col
                break
    notes: list[str] = []
    if "site_code" not in found and "trust_code" not in found:
        guess = _code_like_column(table, measure_cols)
        if guess:
            found["trust_code"] = guess
            notes.append(f"organisation codes guessed from column '{guess}'")
        else:
            notes.append("no organisation code column found; matching will be by name")
    sites = "site_code" in found
    ids = {
        "org_code_col": found.get("site_code") or found.get("trust_code"),
        "org_name_col": found.get("site_name") if sites and "site_name" in found else found.get("trust_name"),
        "parent_code_col": found.get("trust_code") if sites else None,
        "parent_name_col": found.get("trust_name") if sites and "site_name" in found else None,
    }
    return ids, notes


def _code_like_column(table: pd.DataFrame, exclude: set[str]) -> str | None:
    for col in table.columns:
        if col not in exclude and table[col].astype(str).str.fullmatch(r"[A-Z0-9]{3,5}").mean() > 0.8:
            return str(col)
    return None


def parse_wide(path: Path | str, mapping: WideMapping) -> ParsedBenchmark:
    """Read a national audit table with a (possibly user-corrected) mapping.

    Raises:
        ImportProblem: when a column named in the mapping is not in the file.
    """
    path = Path(path)
    data = _read_bytes(path)
    grid, encoding, sheet, _ = _load_grid(path, data)
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
    measures = _measures_frame((g.code, g.name, g.scale) for g in mapping.measures)
    titles = " ".join(c for row in grid[: mapping.header_row] for c in row if c and not _is_number_row(row))
    return ParsedBenchmark(
        format="national_audit_wide",
        provenance=_provenance(
            path, _sha256(data), values, grid[0][0] if titles else "", encoding=encoding, title=titles
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
        wanted += [group.numerator_col, group.denominator_col, group.percent_col]
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
    text = ids.apply(lambda s: s.astype(str).str.strip().str.lower())
    ids["is_national"] = text.isin(NATIONAL_NAMES).any(axis=1) & (
        ids["org_code"].isna() | text["org_code"].isin(NATIONAL_NAMES) | (ids["org_code"] == NATIONAL_CODE)
    )
    code = ids["org_code"].fillna("").astype(str)
    # A 5-character site code belongs to the trust with its first 3 characters (ODS rule).
    ids["parent_code"] = (
        ids["parent_code"]
        .where(ids["parent_code"].notna() | (code.str.len() != 5), code.str[:3])
        .where(~ids["is_national"], None)
    )
    ids["area_type"] = np.select(
        [ids["is_national"], ids["parent_code"].notna(), code.str.len() == 3],
        ["National", "Site", "Trust"],
        default="Organisation",
    )
    ids["source_row"] = table.index
    return ids


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
            np.where(p.isna() & computed.notna(), "computed from numerator and denominator", None),
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
    return out, problems


# --- Long tables -----------------------------------------------------------------------------

_LONG_NAMES = {
    "org_code": [
        "org code",
        "organisation code",
        "organization code",
        "ods code",
        "area code",
        "trust code",
        "provider code",
        "site code",
        "code",
    ],
    "org_name": [
        "org name",
        "organisation name",
        "organization name",
        "area name",
        "trust name",
        "provider name",
        "trust",
        "organisation",
        "name",
    ],
    "period": ["period", "time period", "year", "financial year", "quarter", "month", "date"],
    "measure": ["measure code", "measure", "indicator id", "indicator", "metric", "question", "measure name"],
    "numerator": ["numerator", "num", "count", "met", "n"],
    "denominator": ["denominator", "denom", "eligible", "total", "d"],
    "value": ["value", "percentage", "percent", "%", "rate", "proportion", "result"],
}


def _long_columns(headers: list[str]) -> dict[str, str] | None:
    """Our field → the header used, for a long table; None unless org, measure and a number exist."""
    normed = {_norm(h): h for h in headers}
    found: dict[str, str] = {}
    for key, names in _LONG_NAMES.items():
        for name in names:
            if name in normed and normed[name] not in found.values():
                found[key] = normed[name]
                break
    needed = ("org_code" in found or "org_name" in found) and "measure" in found
    return found if needed and ({"value", "numerator"} & found.keys()) else None


def parse_long(path: Path | str) -> ParsedBenchmark:
    """Read a long table: organisation code, name, period, measure, numerator, denominator, value."""
    path = Path(path)
    data = _read_bytes(path)
    grid, encoding, _, _ = _load_grid(path, data)
    header_at = _find_header(grid)
    table = _table_below(grid, header_at)
    cols = _long_columns(list(table.columns))
    if cols is None:
        raise ImportProblem("The long table's columns were not recognised.", where=str(path))
    rows = pd.Series(table.index, index=table.index)
    values = pd.DataFrame(index=table.index)
    for key in ("org_code", "org_name", "period"):
        values[key] = _blank_to_none(table[cols[key]]) if key in cols else None
    values["measure_code"] = _blank_to_none(table[cols["measure"]])
    problems: list[dict[str, Any]] = []
    no_measure = values["measure_code"].isna()
    if no_measure.any():  # a row without a measure belongs to none: left out, never guessed
        problems += [{"row": int(r), "column": cols["measure"], "value": "", "reason": "no measure; row left out"}
                     for r in table.index[no_measure]]
        table, values, rows = table[~no_measure], values[~no_measure], rows[~no_measure]
    values["measure_code"] = values["measure_code"].astype(str).str.strip()
    raw_value = pd.Series(None, index=table.index, dtype=object)
    for key in ("numerator", "denominator", "value"):
        if key not in cols:
            values[key] = np.nan
            continue
        values[key], text = _to_number(table[cols[key]])
        problems += _unreadable_problems(text, rows, cols[key])
        if key == "value":
            raw_value = text
    if "value" not in cols:
        values["value"] = values["numerator"] / values["denominator"].where(values["denominator"] > 0) * 100
    values["suppressed_text"] = _suppressed_text(values["value"], raw_value)
    names = values[["org_code", "org_name"]].apply(lambda s: s.astype(str).str.strip().str.lower())
    values["is_national"] = names.isin(NATIONAL_NAMES).any(axis=1) | (values["org_code"] == NATIONAL_CODE)
    values["area_type"] = np.where(values["is_national"], "National", "Organisation")
    values["period_sortable"] = np.nan
    values["source_row"] = table.index
    values, duplicates, dup_problems = _finish(
        values.reset_index(drop=True), ["measure_code", "org_code", "period"]
    )
    scales = _guess_scales(values)
    measures = _measures_frame((c, c, _scale_or_range(values, c, s)) for c, s in scales.items())
    return ParsedBenchmark(
        format="long",
        provenance=_provenance(path, _sha256(data), values, "", encoding=encoding),
        measures=measures,
        values=values,
        problems=problems + dup_problems,
        duplicates=duplicates,
        suppressed_count=int(values["value"].isna().sum()),
        rejected_rows=int(len(duplicates)) + int(no_measure.sum()),
    )


def _scale_or_range(values: pd.DataFrame, code: str, scale: float) -> float:
    """Without counts, guess from the range: all ≤ 1 → proportion, all ≤ 100 → percent."""
    if np.isfinite(scale):
        return scale
    v = values.loc[values["measure_code"] == code, "value"].dropna()
    if v.empty:
        return np.nan
    return 1.0 if v.max() <= 1 else 100.0 if v.max() <= 100 else np.nan


# --- Test and benchmark helper ----------------------------------------------------------------

FINGERTIPS_HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
]


def _generate_fingertips_csv(path: Path | str, rows: int, seed: int = 0) -> Path:
    """Write a synthetic Fingertips-style export of `rows` data rows (for tests and the bench).

    It carries the real quirks: the 26-column header, CRLF, a quoted line break in the
    indicator name, data rows one field short, and about 1% suppressed values with a note.
    """
    path = Path(path)
    rng = np.random.default_rng(seed)
    idx = np.arange(rows)
    denominator = rng.integers(50, 50_000, rows)
    count = rng.binomial(denominator, 0.02)
    value = count / denominator * 1e5
    half = 1.96 * np.sqrt(np.maximum(count, 1)) / denominator * 1e5
    suppressed = rng.random(rows) < 0.01
    frame = pd.DataFrame(
        {
            "Indicator ID": 90000 + idx % 3,
            "Indicator Name": "Synthetic indicator\nnumber " + pd.Series(idx % 3).astype(str),
            "Parent Code": "E12000001",
            "Parent Name": "North East region (statistical)",
            "Area Code": "E06" + pd.Series(idx // 72).astype(str).str.zfill(6),
            "Area Name": "Area " + pd.Series(idx // 72).astype(str),
            "Area Type": "County & UA",
            "Sex": np.array(["Persons", "Male", "Female"])[idx // 3 % 3],
            "Age": "All ages",
            "Category Type": "",
            "Category": "",
            "Time period": (2010 + idx // 9 % 8).astype(str),
            "Value": value,
            "Lower CI 95.0 limit": value - half,
            "Upper CI 95.0 limit": value + half,
            "Lower CI 99.8 limit": value - 1.6 * half,
            "Upper CI 99.8 limit": value + 1.6 * half,
            "Count": count,
            "Denominator": denominator,
            "Value note": "",
            "Recent Trend": "",
            "Compared to England value or percentiles": "Similar",
            "Compared to Region value or percentiles": "Similar",
            "Time period Sortable": (2010 + idx // 9 % 8) * 10000,
            "New data": "",
        }
    )
    numeric = [
        "Value",
        "Lower CI 95.0 limit",
        "Upper CI 95.0 limit",
        "Lower CI 99.8 limit",
        "Upper CI 99.8 limit",
        "Count",
        "Denominator",
    ]
    frame[numeric] = frame[numeric].astype(object)
    frame.loc[suppressed, numeric] = ""
    frame.loc[suppressed, "Value note"] = "Value suppressed for disclosure control due to small count"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(FINGERTIPS_HEADER) + "\r\n")
        # 25 fields per data row: the trailing "Compared to goal" field is missing, as published.
        frame.to_csv(handle, header=False, index=False, lineterminator="\r\n")
    return path
