"""What the benchmark import wizard works out without widgets: the background reading of a file
(run through gui.tasks.run_task) and the check of a measure added by hand.

Storing the file is started by the wizard itself (gui.benchmark_import_wizard).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.benchmark.benchmark_import import (
    ParsedBenchmark,
    WideMapping,
    detect_format,
    parse_file,
    propose_wide_mapping,
    wide_headers,
)
from model.benchmark.benchmark_matching import apply_ods_matching
from model.benchmark.benchmark_summary import summarise
from model.benchmark.ods_reference import OdsReference, read_ods_files
from model.core.errors import ImportProblem
from model.core.progress import Progress

FORMAT_NAMES = {
    "fingertips": "OHID Fingertips indicator export",
    "national_audit_wide": "National audit table (one row per organisation, measure columns side by side)",
    "long": "Long table (one row per organisation and measure)",
}


@dataclass(frozen=True)
class Detected:
    """What the first look at a file found."""

    path: Path
    format: str
    mapping: WideMapping | None
    headers: list[str]


def detect_task(progress: Progress, path: str) -> Detected:
    """Background: the file's layout, and for wide tables the proposed mapping and headers."""
    progress.report(0, 2, "Looking at the file…")
    kind = detect_format(path)
    mapping = headers = None
    if kind == "national_audit_wide":
        progress.report(1, 2, "Finding the measure columns…")
        mapping = propose_wide_mapping(path)
        headers = wide_headers(path, mapping.header_row)
    return Detected(Path(path), kind, mapping, headers or [])


def repropose_task(progress: Progress, path: Path, header_row: int, previous: WideMapping,
                   encoding: str = "") -> Detected:
    """Background: propose again with the header in another row (0-based) or another text encoding;
    the columns are always listed.

    When that row has no recognisable measure columns the mapping is empty (measures can be added
    by hand) and its note says why.
    """
    progress.report(0, 1, "Reading the columns…")
    headers = wide_headers(path, header_row, encoding)
    try:
        mapping = propose_wide_mapping(path, header_row, encoding)
    except ImportProblem as exc:
        mapping = WideMapping(header_row=header_row, org_code_col=None, org_name_col=None, parent_code_col=None,
                              parent_name_col=None, measures=(), period=previous.period, sheet=previous.sheet,
                              encoding=encoding,
                              notes=(f"{exc.message} Add the measures by hand below, or pick another row.",))
    return Detected(path, "national_audit_wide", mapping, headers)


def new_measure_problem(code: str, columns: dict[str, str | None], taken: set[str]) -> str:
    """Why a hand-made measure group cannot be added yet ("" when it can).

    Args:
        code: the code typed.
        columns: "numerator_col"/"denominator_col"/"percent_col" → header chosen (None for none).
        taken: codes already in the mapping.
    """
    chosen = [c for c in columns.values() if c]
    if not code.strip():
        return "Type a code for the measure (e.g. q20)."
    if code.strip() in taken:
        return f"There is already a measure '{code.strip()}'."
    if not columns.get("numerator_col"):
        return "Pick the numerator column (cases meeting the standard)."
    if not (columns.get("denominator_col") or columns.get("percent_col")):
        return "Pick the denominator column, the percentage column, or both."
    if len(set(chosen)) != len(chosen):
        return "Each role needs a different column."
    return ""


def ods_task(progress: Progress, paths: list[str]) -> OdsReference:
    """Background: read the ODS reference files the user chose."""
    progress.report(0, 1, "Reading the ODS files…")
    return read_ods_files(paths)


def parse_task(progress: Progress, path: Path, mapping: WideMapping | None,
               reference: OdsReference | None = None) -> tuple[ParsedBenchmark, dict]:
    """Background: read the whole file (names without codes matched in `reference`) and summarise it."""
    progress.report(0, 2, f"Reading {path.name}…")
    parsed = parse_file(path, mapping)
    if reference is not None:
        apply_ods_matching(parsed, reference)
    progress.report(1, 2, "Checking the values…")
    return parsed, summarise(parsed, problems_shown=len(parsed.problems))

