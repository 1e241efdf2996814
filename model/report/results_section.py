"""The report's Results and Data quality sections, from a `ReportData`.

Per criterion: eligible n, met, not met, exceptions, missing, compliance with its Wilson 95%
interval, target and RAG as words; the compliance chart; the comparison with the previous
cycle (Newcombe interval, indicative p-value, verdict); the results by subgroup, small numbers
suppressed (`model.report.subgroups_section`); the SPC chart and its reading when
there is a monthly series; the national comparison for a linked criterion. What is not
available is said in a sentence, never left out silently.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure

from model.benchmark.funnel_drawing import draw_funnel
from model.compare.spc import SpcResult
from model.compare.spc_drawing import draw_run_chart, draw_spc
from model.report.blocks import ReportDocument
from model.report.content import ReportData
from model.report.subgroups_section import add_subgroups
from model.results.narrative import DASH, describe_difference, format_p, format_pct
from model.results.result_charts import draw_comparison, draw_compliance_bars

RAG_WORDS = {"green": "Green: target met", "amber": "Amber: just below target", "red": "Red: below target"}
RESULT_HEADERS = ("Criterion", "Eligible (n)", "Met", "Not met", "Exceptions", "Missing", "Compliance",
                  "95% CI", "Target", "RAG")


def _figure(height: float) -> Figure:
    return Figure(figsize=(7.0, height), layout="constrained")


def pct_text(value: float) -> str:
    """A proportion as "89.7%" (one decimal), "—" when there is none."""
    return format_pct(value, 1)


def ci_text(lower: float, upper: float) -> str:
    """A Wilson interval as "83.0–94.0%", "—" when there is none."""
    if math.isnan(lower) or math.isnan(upper):
        return DASH
    return f"{format_pct(lower, 1)[:-1]}–{format_pct(upper, 1)}"


def target_text(target: float, direction: str) -> str:
    """"≥ 95%" for a should criterion, "≤ 5%" for a should-not one, "none" when unset."""
    if math.isnan(target):
        return "none"
    return f"{'≥' if direction == 'higher' else '≤'} {target:g}%"


def rag_text(rag: object, met: int, not_met: int) -> str:
    """The RAG in words; why there is none otherwise."""
    if met + not_met == 0:
        return "Not available: no eligible cases"
    return RAG_WORDS.get(str(rag), "No target")


def result_rows(data: ReportData) -> list[tuple[str, ...]]:
    """The rows of the results table, as printed (the tests re-compute them from the answers)."""
    rows: list[tuple[str, ...]] = []
    for r in data.results.table.itertuples():
        rows.append((str(r.short_name), str(r.eligible), str(r.met), str(r.not_met), str(r.exceptions),
                     str(r.missing), pct_text(r.compliance), ci_text(r.ci_lower, r.ci_upper),
                     target_text(float(r.target), str(r.direction)), rag_text(r.rag, int(r.met), int(r.not_met))))
    return rows


def add_results(doc: ReportDocument, data: ReportData) -> None:
    """The Results section: table, chart, sentences, comparison, SPC, national."""
    doc.heading("Results", 1)
    table = data.results.table
    doc.paragraph(f"{data.results.completeness.cases} cases were included in {data.cycle.title}. Compliance = met "
                  "÷ (met + not met): exceptions are left out of the denominator and missing answers are counted "
                  "separately. Intervals are Wilson 95% confidence intervals.")
    doc.heading("Compliance by criterion", 2)
    if table.empty:
        doc.paragraph("Not available: this cycle has no criteria, so there are no results.", note=True)
    else:
        doc.table(RESULT_HEADERS, result_rows(data), caption=f"Table: compliance by criterion, {data.cycle.title}",
                  widths=(3.2, 1, 0.8, 0.9, 1.1, 1, 1.2, 1.5, 0.9, 1.6), rag_column=len(RESULT_HEADERS) - 1)
        fig = _figure(1.0 + 0.55 * len(table))
        draw_compliance_bars(fig, table)
        doc.chart(fig, _bars_alt(data), caption=f"Figure: compliance (%) by criterion with 95% confidence intervals; "
                  f"the black mark is the target. Source: {_source(data)}, {data.cycle.title}.")
        for r in table.itertuples():
            doc.paragraph(f"{r.short_name}: {r.sentence}")
    add_subgroups(doc, data)
    _add_comparison(doc, data)
    _add_spc(doc, data)
    _add_national(doc, data)


def _source(data: ReportData) -> str:
    """Where a chart's numbers come from (every chart names its measure and its data source)."""
    return f"AuditLoop audit data, {data.trust}" if data.trust else "AuditLoop audit data"


def _bars_alt(data: ReportData) -> str:
    parts = [f"{r.short_name} {pct_text(r.compliance)} (95% CI {ci_text(r.ci_lower, r.ci_upper)}), target "
             f"{target_text(float(r.target), str(r.direction))}" for r in data.results.table.itertuples()]
    return "Horizontal bar chart of compliance by criterion: " + "; ".join(parts) + "."


def _add_comparison(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Comparison with the previous cycle", 2)
    if data.previous is None:
        doc.paragraph(f"Not available: {data.cycle.title} is the first cycle of this audit, so there is no "
                      "previous cycle to compare with. The re-audit will be compared with it.", note=True)
        return
    rows = []
    for c in data.comparisons:
        r = c.comparison
        if r is None:
            rows.append((c.name, DASH, DASH, DASH, DASH))
            continue
        rows.append((c.name, f"{r.x1}/{r.n1} ({pct_text(r.p1)})", f"{r.x2}/{r.n2} ({pct_text(r.p2)})",
                     describe_difference(r), format_p(r.p_value) + {"chi2": " (χ²)", "fisher": " (Fisher)"}.get(
                         r.test_used, "")))
    doc.table(("Criterion", data.previous.title, data.cycle.title, "Difference (Newcombe 95% CI)", "p (test)"),
              rows, caption=f"Table: {data.previous.title} compared with {data.cycle.title}",
              widths=(3, 2, 2, 3, 1.6))
    compared = [c for c in data.comparisons if c.comparison is not None]
    if compared:
        fig = _figure(1.0 + 0.6 * len(compared))
        draw_comparison(fig, compared)
        doc.chart(fig, "Dumbbell chart, previous cycle against this cycle: " + "; ".join(
            f"{c.name} {pct_text(c.comparison.p1)} to {pct_text(c.comparison.p2)}" for c in compared
            if c.comparison is not None) + ".", caption=f"Figure: compliance (%) by criterion in {data.previous.title} "
            f"and {data.cycle.title}, with 95% confidence intervals. Source: {_source(data)}.")
    for c in data.comparisons:
        extra = " ".join(x for x in (c.definition_change and f"Definition change: {c.definition_change}.",
                                      c.standard_change) if x)
        doc.paragraph(f"{c.name}: {c.verdict} {extra}".strip())
    doc.paragraph("Tests are indicative: audit samples are rarely random in the strict sense.", note=True)


def _add_spc(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Statistical process control", 2)
    if not any(p.series is not None for p in data.spc):
        doc.paragraph("Not available: no criterion has a monthly series long enough for an SPC chart "
                      "(cases need a case date across at least three months).", note=True)
        return
    for part in data.spc:
        if part.series is None or part.result is None:
            doc.paragraph(f"{part.name}: {part.reading}", note=True)
            continue
        fig = Figure(figsize=(8.0, 4.4), layout="constrained")
        if isinstance(part.result, SpcResult):
            draw_spc(fig, part.series, part.result)
            kind = "p-chart" if part.result.chart_type == "p" else "XmR chart"
        else:
            draw_run_chart(fig, part.series, part.result)
            kind = "run chart"
        doc.chart(fig, f"Monthly {kind} of compliance for {part.name}. {part.reading}",
                  caption=f"Figure: {part.name}, monthly compliance (%) ({kind}, Making Data Count style), "
                          f"all cycles. Source: {_source(data)}.", described_below=True)
        doc.paragraph(f"{part.name}: {part.reading}")


def _add_national(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("National comparison", 2)
    if not data.national:
        doc.paragraph("Not available: no criterion of this cycle is linked to a national measure.", note=True)
        return
    for part in data.national:
        comparison = part.comparison
        if comparison is None or comparison.funnel is None:
            doc.paragraph(f"{part.name}: {part.note}", note=comparison is None)
            continue
        fig = Figure(figsize=(8.0, 4.8), layout="constrained")
        orgs = comparison.organisations
        local = comparison.local
        draw_funnel(fig, comparison.funnel, labels=list(orgs["code"].astype(str)),
                    highlight_codes=list(orgs.loc[orgs["ours"], "code"].astype(str)),
                    our_point=(float(local.n), local.met / local.n))
        period = f", {comparison.period}" if comparison.period else ""
        doc.chart(fig, f"Funnel plot of {comparison.measure_name}{period} across {len(orgs)} organisations. "
                  f"{comparison.versus.describe()}",
                  caption=f"Figure: {part.name} against national measure {comparison.measure_code} "
                          f"({comparison.measure_name}{period}). Source: {comparison.dataset_file}.")
        doc.paragraph(f"{part.name}: {part.note}")


def _quoted(text: str) -> str:
    return text if text.startswith("(") else f"\u201c{text}\u201d"  # "(left blank)" is ours, not typed


def _exclusions(doc: ReportDocument, data: ReportData) -> None:
    """The exceptions (cases excluded from a criterion's denominator) and why: the criterion's definition of
    its exceptions, and what was recorded for them."""
    excluded = {str(r.lineage): int(r.exceptions) for r in data.results.table.itertuples()}
    rows = []
    for c in data.criteria:
        if excluded.get(c.lineage, 0):
            recorded = data.exception_texts.get(c.lineage, [])
            rows.append((c.label, str(excluded[c.lineage]), c.exceptions or "not defined for this criterion",
                         "; ".join(f"{_quoted(text)} ({n})" for text, n in recorded) or "—"))
    if not rows:
        doc.paragraph("No case was excluded from any criterion as an exception.")
        return
    doc.table(("Criterion", "Excluded", "Exceptions allowed (the criterion's definition)", "Recorded as"), rows,
              caption="Table: exclusions (exceptions) and why", widths=(2.5, 1, 3.5, 3))


def add_data_quality(doc: ReportDocument, data: ReportData) -> None:
    """The Data quality section: missing answers per criterion and definition changes."""
    doc.heading("Data quality", 1)
    doc.paragraph(data.results.completeness.sentence() + ". Missing answers are neither met nor failures: they "
                  "are left out of compliance and reported here.")
    table = data.results.table
    if not table.empty:
        doc.table(("Criterion", "Cases", "Missing", "Missing %", "Exceptions", "Exceptions %"),
                  [(str(r.short_name), str(r.eligible), str(r.missing), pct_text(r.pct_missing / 100.0),
                    str(r.exceptions), pct_text(r.pct_exceptions / 100.0)) for r in table.itertuples()],
                  caption="Table: missing answers and exceptions by criterion", widths=(4, 1, 1, 1.2, 1.2, 1.4))
    _exclusions(doc, data)
    if data.quality is not None:
        counts = data.quality.counts()
        if counts:
            doc.paragraph("Other checks: " + "; ".join(f"{kind.replace('_', ' ')}: {n}" for kind, n in
                                                       sorted(counts.items())) + ".")
    changes = data.changes
    if changes.empty:
        doc.paragraph("No criterion's definition was changed after data had been collected in this cycle.")
    else:
        doc.table(("Date", "Criterion", "What changed", "Answers re-judged"),
                  [(str(r.changed_at)[:10], str(r.short_name or r.statement), str(r.summary), str(r.answers_rejudged))
                   for r in changes.itertuples()], caption="Table: definition changes after data collection",
                  widths=(1.2, 3, 4, 1.3))
    for c in data.comparisons:
        if c.definition_change:
            doc.paragraph(f"{c.name}: changed since {c.earlier_label}: {c.definition_change}.")
