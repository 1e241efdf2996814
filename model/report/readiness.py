"""Warnings about a report that do not stop it being final (the gaps that do: `narrative.missing_for_final`).

    SUMMARY_MAX_SHARE                               0.10: "no more than a tenth of the length"
    summary_words(doc) -> tuple[int, int]           words of the executive summary, words of the whole report
    summary_warning(doc) -> str                     '' when the summary is within a tenth (or not written)
    report_warnings(db, cycle_id, *, today=None) -> list[str]

DOMAIN.md §9 and issue 15: the executive summary is no more than a tenth of the report's
length. Length is counted in words, over everything the report says (front page, tables,
captions and the charts' text alternatives included), so the same report always gives the
same figure whatever the page layout. It is advice, so it is a warning on the Report page,
never a reason to refuse a final report.
"""

from __future__ import annotations

import math
from datetime import date

from sqlite_utils import Database

from model.core.documents import Heading
from model.core.progress import Progress
from model.report.blocks import ReportDocument
from model.report.builder import NOT_WRITTEN, build_report

SUMMARY_MAX_SHARE = 0.10
_SUMMARY = "Executive summary"


def _words(text: str) -> int:
    return len(text.split())


def summary_words(doc: ReportDocument) -> tuple[int, int]:
    """(words in the executive summary section, words in the whole report); the heading itself not counted."""
    inside, summary = False, []
    for block in doc.blocks:
        if isinstance(block, Heading) and block.level <= 1:
            inside = block.level == 1 and block.text == _SUMMARY
            continue
        if inside:
            summary.append(ReportDocument(title="", blocks=[block]).text())
    text = "\n".join(summary)
    return (0 if text.strip() == NOT_WRITTEN else _words(text)), _words(doc.text())


def summary_warning(doc: ReportDocument) -> str:
    """A sentence when the executive summary runs past a tenth of the report, else ''."""
    summary, total = summary_words(doc)
    if not summary or not total or summary <= SUMMARY_MAX_SHARE * total:
        return ""
    aim = math.floor(SUMMARY_MAX_SHARE * (total - summary) / (1 - SUMMARY_MAX_SHARE))
    return (f"Warning (not required): the executive summary is {summary:,} words, {100 * summary / total:.0f}% of "
            f"the report's {total:,}; a summary should be no more than a tenth of the report (about {aim:,} "
            "words here).")


def report_warnings(db: Database, cycle_id: int, *, today: date | None = None,
                    progress: Progress | None = None) -> list[str]:
    """Advice on the cycle's report that does not stop it being final (builds the report to measure it)."""
    warning = summary_warning(build_report(db, cycle_id, today=today, progress=progress))
    return [warning] if warning else []
