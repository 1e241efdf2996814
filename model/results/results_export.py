"""Results tables to an Excel workbook (openpyxl), safe to share outside the team.

Everything that leaves the team is suppressed first (DOMAIN.md §6): counts from 1 to the
audit's threshold − 1 become "<5", with the figures they could be worked out from blanked
(`model.results.compliance.suppress_for_export`), in every table of the workbook — the whole-criterion
table too, because a total beside its subgroups would otherwise give a hidden count away by
subtraction. No identifiers are ever written: the tables hold counts and proportions only,
not even internal ids. Text cells that Excel could run as a formula are neutralised (§10).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from model.core.errors import KnownError
from model.core.excel_safety import neutralise
from model.results.compliance import suppress_for_export
from model.results.cycle_results import SUBGROUP_FIELDS, CriterionComparison, CycleResults

# A text cell starting with one of these can be executed by Excel (DOMAIN.md §10).
RAG_TEXT = {"green": "Green", "amber": "Amber", "red": "Red"}
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_SUPPRESSED = "Not shown: small numbers"



def _cell(value: Any) -> Any:
    """Plain Python for openpyxl: NaN/None -> empty, numpy scalars -> int/float, text neutralised."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.bool_ | bool):
        return "Yes" if value else "No"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return neutralise(value)


def _pct(value: Any) -> Any:
    """A proportion (0–1) as a percentage to one decimal; markers and blanks pass through."""
    if isinstance(value, int | float | np.number) and not pd.isna(value):
        return round(float(value) * 100.0, 1)
    return None


def _write_table(sheet: Worksheet, headers: Sequence[str], rows: Sequence[Sequence[Any]], *,
                 widths: Sequence[int] = ()) -> None:
    sheet.append([neutralise(h) for h in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
        cell.alignment = _WRAP
    header_row = sheet.max_row
    for row in rows:
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=i).column_letter].width = width


_RESULT_HEADERS = ("Criterion", "Eligible cases", "Exceptions", "Missing", "Met", "Not met", "Compliance (%)",
                   "95% CI lower (%)", "95% CI upper (%)", "Target (%)", "RAG", "Shortfall clear?", "Reading")


def _results_rows(table: pd.DataFrame, threshold: int) -> list[list[Any]]:
    shown = suppress_for_export(table, threshold)
    hidden = shown["compliance"].isna() & table["compliance"].notna()
    rows = []
    for (_, r), was_hidden in zip(shown.iterrows(), hidden, strict=True):  # tens of criteria
        clear = None if pd.isna(r["compliance"]) else ("Yes" if r["clearly_below"] else "No")
        sentence = _SUPPRESSED if was_hidden else r["sentence"]
        rows.append([r["short_name"], r["eligible"], r["exceptions"], r["missing"], r["met"], r["not_met"],
                     _pct(r["compliance"]), _pct(r["ci_lower"]), _pct(r["ci_upper"]), r["target"],
                     RAG_TEXT.get(r["rag"]), clear, sentence])
    return rows


_SUBGROUP_HEADERS = ("Split by", "Subgroup", "Criterion", "Eligible cases", "Exceptions", "Missing", "Met",
                     "Not met", "Compliance (%)", "95% CI lower (%)", "95% CI upper (%)",
                     "Indicative test of difference between groups (p)", "Test")


def _subgroup_rows(frame: pd.DataFrame, threshold: int) -> list[list[Any]]:
    shown = suppress_for_export(frame, threshold)
    test_names = {"chi2": "χ² (no correction)", "fisher": "Fisher's exact", "none": "none possible"}
    return [[SUBGROUP_FIELDS.get(r["by"], r["by"]), r["subgroup"], r["short_name"], r["eligible"],
             r["exceptions"], r["missing"], r["met"], r["not_met"], _pct(r["compliance"]), _pct(r["ci_lower"]),
             _pct(r["ci_upper"]), r["heterogeneity_p"], test_names.get(r["heterogeneity_test"])]
            for _, r in shown.iterrows()]


_COMPARE_HEADERS = ("Criterion", "Earlier cycle", "Earlier met", "Earlier met + not met", "Earlier compliance (%)",
                    "Earlier 95% CI lower (%)", "Earlier 95% CI upper (%)", "Later cycle", "Later met",
                    "Later met + not met", "Later compliance (%)", "Later 95% CI lower (%)",
                    "Later 95% CI upper (%)", "Difference (points)", "Newcombe 95% CI lower (points)",
                    "Newcombe 95% CI upper (points)", "Test used", "p-value", "χ² p (no correction)",
                    "Fisher p", "Yates p", "Reading", "Definition changed", "Standard changed")


def _small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def _comparison_row(item: CriterionComparison, threshold: int) -> list[Any]:
    c = item.comparison
    head = [item.name, item.earlier_label]
    flags = [item.definition_change, item.standard_change]
    if c is None:
        return [*head, None, None, None, None, None, item.later_label, *([None] * 13), item.verdict, *flags]
    counts = (c.x1, c.n1 - c.x1, c.x2, c.n2 - c.x2)
    if any(_small(k, threshold) for k in counts):
        # Every figure here could give a small count away: only the denominators remain.
        marker = f"<{threshold}"
        return [*head, marker, c.n1, None, None, None, item.later_label, marker, c.n2, *([None] * 11),
                _SUPPRESSED, *flags]
    (l1, u1), (l2, u2) = c.interval1, c.interval2
    test = {"chi2": "χ² (no correction)", "fisher": "Fisher's exact"}.get(c.test_used, "none possible")
    return [*head, c.x1, c.n1, _pct(c.p1), _pct(l1), _pct(u1), item.later_label, c.x2, c.n2, _pct(c.p2), _pct(l2),
            _pct(u2), _pct(c.difference), _pct(c.ci_lower), _pct(c.ci_upper), test, c.p_value, c.chi2_p,
            c.fisher_p, c.yates_p, item.verdict, *flags]


def _about_rows(results: CycleResults | None, threshold: int, title: str) -> list[list[str]]:
    rows = [["AuditLoop results export"]]
    if title:
        rows.append([title])
    if results is not None:
        rows += [[results.cycle_title], [f"Data completeness: {results.completeness.sentence()}"]]
    rows += [
        [f"Small numbers: counts from 1 to {threshold - 1} are shown as <{threshold}, and figures from which "
         "they could be worked out are left blank, before these tables leave the team."],
        ["Compliance = met / (met + not met): exceptions are not counted as failures; missing answers are "
         "neither met nor failures and are listed separately."],
        ["95% confidence intervals are Wilson score intervals; differences use Newcombe's hybrid score "
         "interval. Tests are indicative: audit samples are rarely random in the strict sense."],
    ]
    return rows


def export_results(
    path: str | Path,
    results: CycleResults | None = None,
    *,
    subgroups: Sequence[pd.DataFrame] = (),
    comparisons: Sequence[CriterionComparison] = (),
    threshold: int = 5,
    title: str = "",
) -> Path:
    """Write the results tables to an .xlsx workbook, small numbers suppressed.

    Sheets: "About" (what the figures mean), then "Results" (per criterion) when `results`
    is given, "Subgroups" (every frame of `subgroups`, one after another) when any, and
    "Comparison" when `comparisons` is not empty.

    Args:
        path: the workbook to write (".xlsx" is added when there is no suffix).
        results: a cycle's results (`model.results.cycle_results.cycle_results`).
        subgroups: frames from `model.results.cycle_results.cycle_subgroups`.
        comparisons: from `model.results.cycle_results.compare_cycles`.
        threshold: counts from 1 to threshold − 1 are suppressed (the audit's setting).
        title: a heading for the About sheet (e.g. the audit title).

    Returns:
        The path written.

    Raises:
        KnownError: when the file cannot be written (open in Excel, no permission).
    """
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".xlsx")
    book = Workbook()
    about = book.active
    about.title = "About"
    for row in _about_rows(results, threshold, title):
        about.append([neutralise(v) for v in row])
    about.column_dimensions["A"].width = 120
    if results is not None:
        _write_table(book.create_sheet("Results"), _RESULT_HEADERS, _results_rows(results.table, threshold),
                     widths=(28, 10, 10, 10, 8, 8, 12, 12, 12, 10, 8, 10, 90))
    frames = [f for f in subgroups if len(f)]
    if frames:
        rows = [row for frame in frames for row in _subgroup_rows(frame, threshold)]
        _write_table(book.create_sheet("Subgroups"), _SUBGROUP_HEADERS, rows,
                     widths=(18, 22, 28, 10, 10, 10, 8, 8, 12, 12, 12, 18, 18))
    if comparisons:
        _write_table(book.create_sheet("Comparison"), _COMPARE_HEADERS,
                     [_comparison_row(item, threshold) for item in comparisons],
                     widths=(28, *([12] * 20), 90, 30, 30))
    try:
        book.save(path)
    except OSError as exc:
        raise KnownError(f"The workbook could not be saved: {exc.strerror or exc}.", where=str(path),
                         hint="Close the file if it is open in Excel, or choose another folder.") from exc
    return path
