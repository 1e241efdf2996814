"""Read national benchmark files: OHID Fingertips exports, national audit tables, long tables.

Every parser returns a `ParsedBenchmark` whose `values` frame has the columns in
`VALUE_COLUMNS`. Numbers are floats; a suppressed or unreadable cell becomes NaN with its
raw text in `suppressed_text` (never 0). `suppressed_text` is None when the value was read
as a number, "" when the cell was blank. Row numbers in `problems` are spreadsheet rows
(the first line of the file is row 1; a quoted line break does not start a new row).

Wide national audit tables go through a `WideMapping` (proposed by `propose_wide_mapping`,
possibly corrected by the user, saved as a named profile via `to_dict`) and `parse_wide`.

The parsers live in fingertips_import, wide_table_import and long_table_import; the result types
in benchmark_parsed. This module detects the layout and dispatches, and re-exports the public names.
"""

from __future__ import annotations

from pathlib import Path

from model.benchmark.benchmark_parsed import (
    NUMERIC_COLUMNS,
    VALUE_COLUMNS,
    MeasureGroup,
    ParsedBenchmark,
    WideMapping,
)
from model.benchmark.benchmark_reading import detect_format
from model.benchmark.fingertips_import import FINGERTIPS_HEADER, parse_fingertips
from model.benchmark.long_table_import import parse_long
from model.benchmark.wide_table_import import parse_wide, propose_wide_mapping, wide_headers

__all__ = [
    "FINGERTIPS_HEADER",
    "NUMERIC_COLUMNS",
    "VALUE_COLUMNS",
    "MeasureGroup",
    "ParsedBenchmark",
    "WideMapping",
    "detect_format",
    "parse_file",
    "parse_fingertips",
    "parse_long",
    "parse_wide",
    "propose_wide_mapping",
    "wide_headers",
]


def parse_file(path: Path | str, mapping: WideMapping | None = None) -> ParsedBenchmark:
    """Detect the layout and parse (wide tables use `mapping` or the proposed one)."""
    path = Path(path)
    kind = detect_format(path)
    if kind == "fingertips":
        return parse_fingertips(path)
    if kind == "long":
        return parse_long(path)
    return parse_wide(path, mapping or propose_wide_mapping(path))
