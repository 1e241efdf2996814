"""The report's "Results by subgroup" subsection, with small-number suppression (DOMAIN.md §6).

    add_subgroups(doc, data)                  the subsection (one table per subgroup field)
    subgroup_cells(frame, threshold) -> {(subgroup, criterion_id): text}

A report leaves the team, so counts from 1 to threshold − 1 are never printed: a subgroup
with fewer than `threshold` eligible (met + not met) cases shows "<5"; one whose met or not-met
count is under the threshold (the rule of `model.results.compliance.suppress_for_export`)
shows only its size. The results table prints each criterion's totals, so a lone hidden
subgroup could be worked out by subtraction from them: the next smallest subgroup of that
criterion is then hidden too. One table per field anyone recorded (age band, sex,
ethnicity, IMD quintile, ward, site, team), subgroups down, criteria across.
"""

from __future__ import annotations

import pandas as pd

from model.report.blocks import ReportDocument
from model.report.content import ReportData
from model.results.cycle_results import SUBGROUP_FIELDS
from model.results.narrative import DASH, format_p, format_pct

_TESTS = {"chi2": " (χ²)", "fisher": " (Fisher)"}
#: How a caption names each field ("compliance by IMD quintile").
_IN_CAPTION = {"age_band": "age band", "sex": "sex", "ethnicity": "ethnicity", "imd_quintile": "IMD quintile",
               "ward": "ward", "site": "site", "team": "team"}


def _hidden(frame: pd.DataFrame, threshold: int) -> pd.Series:
    """Rows whose compliance would give a small count away, lone ones joined by their next smallest."""
    n = frame["met"] + frame["not_met"]

    def small(x: pd.Series) -> pd.Series:
        return (x > 0) & (x < threshold)

    hidden = small(n) | small(frame["met"]) | small(frame["not_met"])
    for _crit, rows in frame[n > 0].groupby("criterion_id", sort=False):
        lone = hidden[rows.index]
        if lone.sum() == 1:
            shown = n[rows.index][~lone]
            if len(shown):
                hidden[shown.idxmin()] = True
    return hidden


def subgroup_cells(frame: pd.DataFrame, threshold: int) -> dict[tuple[str, int], str]:
    """The text of each (subgroup, criterion) cell: "89.7% (35/39)", "<5", "not shown (n = 12)" or "—"."""
    hidden = _hidden(frame, threshold)
    cells = {}
    for i, r in frame.iterrows():
        n = int(r["met"] + r["not_met"])
        if n == 0:
            text = DASH
        elif n < threshold:
            text = f"<{threshold}"
        elif hidden[i]:
            text = f"not shown (n = {n})"
        else:
            text = f"{format_pct(float(r['compliance']), 1)} ({int(r['met'])}/{n})"
        cells[(str(r["subgroup"]), int(r["criterion_id"]))] = text
    return cells


def _p_row(frame: pd.DataFrame, criterion_ids: list[int], threshold: int) -> tuple[str, ...]:
    """The indicative test per criterion; not shown where a subgroup is hidden (with the sizes it would
    let the hidden counts be worked back)."""
    hidden = _hidden(frame, threshold)
    texts = []
    for cid in criterion_ids:
        rows = frame[frame["criterion_id"] == cid]
        if not rows.empty and hidden[rows.index].any():
            texts.append("not shown")
        elif rows.empty or pd.isna(rows["heterogeneity_p"].iloc[0]):
            texts.append(DASH)
        else:
            texts.append(format_p(float(rows["heterogeneity_p"].iloc[0]))
                         + _TESTS.get(str(rows["heterogeneity_test"].iloc[0]), ""))
    return ("Difference between groups (indicative p)", *texts)


def add_subgroups(doc: ReportDocument, data: ReportData) -> None:
    """The subsection: why numbers are hidden, then one table per recorded field."""
    doc.heading("Results by subgroup", 2)
    if data.results.table.empty:
        doc.paragraph("Not available: this cycle has no criteria, so there are no subgroup results.", note=True)
        return
    if not data.subgroups:
        doc.paragraph("Not available: no case of this cycle records an age, sex, ethnicity, deprivation (IMD), "
                      "ward, site or team, so the results cannot be split by subgroup.", note=True)
        return
    t = data.results.small_number_threshold
    doc.paragraph(f"Compliance (met ÷ (met + not met)) in each subgroup, with the cases counted. Small numbers are "
                  f"not shown: a subgroup with fewer than {t} cases shows \"<{t}\"; one whose met or not-met count "
                  f"is under {t} shows only its size, and so does the next smallest where one alone could be "
                  "worked out from the totals in the results table. Differences between groups are tested "
                  "indicatively (subgroups are small and were not sampled to be compared); the test is not shown "
                  "where a subgroup is hidden.")
    missing = [_IN_CAPTION.get(by, by) for by in SUBGROUP_FIELDS if by not in data.subgroups]
    if missing:
        doc.paragraph("Not recorded for this cycle: " + ", ".join(missing) + ".", note=True)
    criteria = data.results.table
    ids = [int(x) for x in criteria["criterion_id"]]
    names = [str(x) for x in criteria["short_name"]]
    for by, frame in data.subgroups.items():
        cells = subgroup_cells(frame, t)
        groups = list(dict.fromkeys(str(g) for g in frame["subgroup"]))
        rows = [(g, *(cells.get((g, cid), DASH) for cid in ids)) for g in groups]
        rows.append(_p_row(frame, ids, t))
        doc.table((SUBGROUP_FIELDS[by], *names), rows, caption=f"Table: compliance by {_IN_CAPTION.get(by, by)}, "
                  f"{data.cycle.title}", widths=(2.4, *([1.6] * len(ids))))
