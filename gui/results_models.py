"""Item models of the Results and Compare stages (vorta's shape: COL_* constants, set_rows)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gui.table_models import RowTableModel
from model.results.cycle_results import CriterionComparison
from model.results.narrative import DASH, format_p, format_pct

# Cell backgrounds for the RAG column: NHS green / warm amber / red, light enough for black text.
RAG_BACKGROUND = {"green": "#b7e4c7", "amber": "#ffd8a8", "red": "#f5b5ae"}
RAG_TEXT = {"green": "Green", "amber": "Amber", "red": "Red"}
SMALL_NUMBER_GREY = "#768692"
TEST_NAMES = {"chi2": "χ² (no correction)", "fisher": "Fisher's exact", "none": "—"}
SHORT_TEST_NAMES = {"chi2": "χ²", "fisher": "Fisher", "none": "—"}


def _ci(lower: float, upper: float) -> str:
    if math.isnan(lower) or math.isnan(upper):
        return DASH
    return f"{format_pct(float(lower), 1)[:-1]}–{format_pct(float(upper), 1)}"


def _target(value: float | None) -> str:
    return DASH if value is None or math.isnan(value) else f"{value:g}%"


class CriterionResultsModel(RowTableModel):
    """A cycle's results, one row per criterion (rows from `CycleResults.table`)."""

    (COL_CRITERION, COL_ELIGIBLE, COL_EXCEPTIONS, COL_MISSING, COL_MET, COL_NOT_MET, COL_COMPLIANCE, COL_CI,
     COL_TARGET, COL_RAG, COL_CLEAR) = range(11)
    HEADERS = ("Criterion", "Eligible", "Exceptions", "Missing", "Met", "Not met", "Compliance", "95% CI",
               "Target", "RAG", "Shortfall clear?")
    HEADER_TIPS = {
        1: "Cases in the sample for this criterion (every answer, including exceptions and missing).",
        2: "Legitimately excluded cases: not counted as failures.",
        3: "No answer recorded: neither met nor a failure, reported so you can see how complete the data is.",
        6: "Met ÷ (met + not met). — when no case had a met or not-met answer.",
        7: "Wilson score 95% confidence interval.",
        10: "Whether the whole confidence interval is on the wrong side of the target.",
    }

    def set_frame(self, table: pd.DataFrame) -> None:
        """Replace the rows from a `CycleResults.table` frame."""
        self.set_rows(table.to_dict("records"))

    def role_data(self, row: dict[str, Any], col: int, role: int) -> Any:
        if role == Qt.ToolTipRole:
            return row["sentence"]
        if role == Qt.BackgroundRole and col == self.COL_RAG and row["rag"] in RAG_BACKGROUND:
            return QBrush(QColor(RAG_BACKGROUND[row["rag"]]))
        if role == Qt.TextAlignmentRole and col != self.COL_CRITERION:
            return int(Qt.AlignRight | Qt.AlignVCenter) if col < self.COL_RAG else int(Qt.AlignCenter)
        return None

    def display(self, row: dict[str, Any], col: int) -> str:
        if col == self.COL_CRITERION:
            return str(row["short_name"])
        if col <= self.COL_NOT_MET:
            key = ("eligible", "exceptions", "missing", "met", "not_met")[col - 1]
            return str(int(row[key]))
        has = not math.isnan(row["compliance"])
        values = {
            self.COL_COMPLIANCE: format_pct(float(row["compliance"]), 1),
            self.COL_CI: _ci(row["ci_lower"], row["ci_upper"]),
            self.COL_TARGET: _target(row["target"]),
            self.COL_RAG: RAG_TEXT.get(row["rag"], DASH),
            self.COL_CLEAR: (("Yes, clearly short" if row["clearly_below"] else "No") if has else DASH),
        }
        return values[col]


class SubgroupResultsModel(RowTableModel):
    """Results split by a subgroup (rows from `model.results.cycle_results.cycle_subgroups`)."""

    (COL_CRITERION, COL_SUBGROUP, COL_ELIGIBLE, COL_MET, COL_NOT_MET, COL_EXCEPTIONS, COL_MISSING, COL_COMPLIANCE,
     COL_CI, COL_TEST) = range(10)
    HEADERS = ("Criterion", "Subgroup", "Eligible", "Met", "Not met", "Exceptions", "Missing", "Compliance",
               "95% CI", "Indicative test of difference between groups")
    HEADER_TIPS = {9: "Indicative test of difference between groups: χ² without correction, or Fisher's exact "
                      "test for two groups with small expected counts. Audit samples are rarely random, so "
                      "treat it as a pointer, not proof."}

    def __init__(self, threshold: int = 5) -> None:
        super().__init__()
        self.threshold = threshold

    def set_frame(self, frame: pd.DataFrame, threshold: int) -> None:
        """Replace the rows from a subgroup frame; `threshold` is the audit's small-number limit."""
        self.threshold = threshold
        self.set_rows(frame.to_dict("records"))

    def role_data(self, row: dict[str, Any], col: int, role: int) -> Any:
        small = bool(row["small_number"])
        if role == Qt.ToolTipRole:
            return self._tooltip(row, col, small)
        if role == Qt.FontRole and small:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ForegroundRole and small:
            return QBrush(QColor(SMALL_NUMBER_GREY))
        if role == Qt.TextAlignmentRole and col >= self.COL_ELIGIBLE:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def display(self, row: dict[str, Any], col: int) -> str:
        if col == self.COL_CRITERION:
            return str(row["short_name"])
        if col == self.COL_SUBGROUP:
            return str(row["subgroup"]) + (" (small numbers)" if row["small_number"] else "")
        if col <= self.COL_MISSING:
            key = ("eligible", "met", "not_met", "exceptions", "missing")[col - self.COL_ELIGIBLE]
            return str(int(row[key]))
        if col == self.COL_COMPLIANCE:
            return format_pct(float(row["compliance"]), 1)
        if col == self.COL_CI:
            return _ci(row["ci_lower"], row["ci_upper"])
        p = row["heterogeneity_p"]
        return DASH if math.isnan(p) else f"{format_p(float(p))} ({TEST_NAMES.get(row['heterogeneity_test'])})"

    def _tooltip(self, row: dict[str, Any], col: int, small: bool) -> str | None:
        if col == self.COL_TEST:
            tip = self.HEADER_TIPS[self.COL_TEST]
            if row["heterogeneity_small_expected"] and row["heterogeneity_test"] == "chi2":
                tip += " Some expected counts are below 5, so this p-value is rough."
            return tip
        if small:
            return (f"Small numbers (fewer than {self.threshold} cases or counts): shown here for the team, "
                    "suppressed in exports. Read this subgroup's figures with care.")
        return None


def headline(verdict: str) -> str:
    """The first sentence of a verdict (the rest is shown in the details panel)."""
    end = verdict.find(". ")
    return verdict if end < 0 else verdict[:end + 1]


class ComparisonModel(RowTableModel):
    """Two cycles compared, one row per criterion (from `model.results.cycle_results.compare_cycles`)."""

    COL_CRITERION, COL_EARLIER, COL_LATER, COL_DIFFERENCE, COL_TEST, COL_P, COL_VERDICT, COL_FLAGS = range(8)
    HEADERS = ("Criterion", "Earlier\n(95% CI)", "Later\n(95% CI)", "Change, points\n(95% CI)", "Test",
               "p-value", "What it means", "Changes")
    HEADER_TIPS = {3: "Later minus earlier compliance in percentage points, with the Newcombe hybrid score "
                      "95% interval.",
                   4: "χ² without continuity correction when every expected count is 5 or more, otherwise "
                      "Fisher's exact test (two-sided).",
                   5: "Indicative: audit samples are rarely random in the strict sense.",
                   6: "The headline; select a row for the full reading and the details.",
                   7: "Whether the criterion's definition or the standard changed between the cycles."}

    def set_comparisons(self, comparisons: list[CriterionComparison]) -> None:
        """Replace the rows."""
        self.set_rows(comparisons)

    def comparison(self, row: int) -> CriterionComparison:
        """The comparison shown at a row."""
        return self.rows[row]

    def role_data(self, item: CriterionComparison, col: int, role: int) -> Any:
        if role == Qt.ToolTipRole:
            return self._flags(item) if col == self.COL_FLAGS and self._flags(item) else item.verdict
        if role == Qt.ForegroundRole and col == self.COL_FLAGS and self._flags(item):
            return QBrush(QColor("#b3261e"))
        return None

    @staticmethod
    def _flags(item: CriterionComparison) -> str:
        parts = []
        if item.definition_change:
            parts.append(f"Definition changed: {item.definition_change}")
        if item.standard_change:
            parts.append(item.standard_change)
        return "\n".join(parts)

    def display(self, item: CriterionComparison, col: int) -> str:
        c = item.comparison
        if col == self.COL_CRITERION:
            return item.name
        if col == self.COL_VERDICT:
            return headline(item.verdict)
        if col == self.COL_FLAGS:
            return "⚠ " + self._flags(item).replace("\n", "; ") if self._flags(item) else ""
        if c is None:
            return DASH
        if col == self.COL_EARLIER:
            return f"{format_pct(c.p1, 1)} ({_ci(*c.interval1)})"
        if col == self.COL_LATER:
            return f"{format_pct(c.p2, 1)} ({_ci(*c.interval2)})"
        if col == self.COL_DIFFERENCE:
            # "+24.5 points (95% CI 7.6 to 40.0)" -> "+24.5 (7.6 to 40.0)": the header carries the words.
            return item.difference_text.replace(" points (95% CI ", " (")
        if col == self.COL_TEST:
            return SHORT_TEST_NAMES.get(c.test_used, DASH)
        return DASH if math.isnan(c.p_value) else format_p(c.p_value)
