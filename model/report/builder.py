"""Build a cycle's report as one `ReportDocument` (DOMAIN.md §9), ready for either renderer.

    build_report(db, cycle_id, *, status="draft", version=1, today=None, progress=None) -> ReportDocument
    build_from_data(data: ReportData) -> ReportDocument     (no store: the pure part)
    REPORT_SECTIONS                                          the level-1 headings, in order

Order: front page (trust, specialty, title, registration number, lead, team, supervisor,
date, version, draft/final, distribution) → contents (a `Contents` block: kept only when the
report runs past eight pages, see `model.report.render_pdf.needs_contents`) → executive
summary → background → aims and objectives → standards and criteria → method → results →
data quality → discussion → conclusions → recommendations → action plan → re-audit →
acknowledgements → references → appendix A, the proforma → appendix B, the sample selection.
A section with nothing to show says so in a sentence ("Not available: …").
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from model.act.actions import ACTION_STATUSES, PRIORITIES
from model.core.documents import KeyValues
from model.core.progress import Progress
from model.core.util import parse_iso_date
from model.core.version import __version__
from model.plan.audits import AUDIT_TYPES
from model.plan.cycles import METHODS, SAMPLING_METHODS, recorded_selection
from model.report.appendices import APPENDICES, add_appendices
from model.report.blocks import Contents, PageBreak, ReportDocument
from model.report.content import ReportData, gather_report
from model.report.reaudit_section import add_reaudit
from model.report.results_section import add_data_quality, add_results
from model.report.team import person_label

REPORT_SECTIONS: tuple[str, ...] = (
    "Executive summary", "Background", "Aims and objectives", "Standards and criteria", "Method", "Results",
    "Data quality", "Discussion", "Conclusions", "Recommendations", "Action plan", "Re-audit",
    "Acknowledgements", "References", *APPENDICES,
)
NOT_WRITTEN = "Not yet written: add this section on the Report page before the report is final."
ACTION_RAG_WORDS = {"red": "Red: overdue", "amber": "Amber: at risk", "green": "Green: on track",
                    "complete": "Complete"}


def long_date(value: date | str | None) -> str:
    """"5 March 2026" ('' for no date; text that is not a date is returned as given)."""
    day = parse_iso_date(value) if isinstance(value, str) else value
    if day is None:
        return "" if not value else str(value)
    return f"{day.day} {day:%B %Y}"


def build_report(db: Database, cycle_id: int, *, status: str = "draft", version: int = 1,
                 today: date | None = None, progress: Progress | None = None) -> ReportDocument:
    """The report of one cycle, read from the store (see `model.report.content.gather_report`)."""
    data = gather_report(db, cycle_id, today=today, status=status, version=version, progress=progress)
    return build_from_data(data)


def build_from_data(data: ReportData) -> ReportDocument:
    """The report's blocks from gathered data, in DOMAIN.md §9's order."""
    audit = data.audit
    doc = ReportDocument(title=audit.title, trust=data.trust, author=audit.lead,
                         subject=f"Clinical audit report: {data.cycle.title}", status=data.status)
    _front_page(doc, data)
    doc.blocks += [Contents(), PageBreak()]
    _text_section(doc, "Executive summary", data.sections["executive_summary"])
    _text_section(doc, "Background", data.sections["background"])
    _aims(doc, data)
    _standards(doc, data)
    _method(doc, data)
    add_results(doc, data)
    add_data_quality(doc, data)
    _text_section(doc, "Discussion", data.sections["discussion"])
    _text_section(doc, "Conclusions", data.sections["conclusions"])
    _recommendations(doc, data)
    _action_plan(doc, data)
    add_reaudit(doc, data)
    _text_section(doc, "Acknowledgements", data.sections["acknowledgements"])
    _references(doc, data)
    add_appendices(doc, data)
    return doc


def _front_page(doc: ReportDocument, data: ReportData) -> None:
    audit, cycle = data.audit, data.cycle
    doc.paragraph(data.trust or "Organisation not set (Benchmark page: who we are)", note=not data.trust)
    if audit.specialty:
        doc.paragraph(audit.specialty)
    doc.heading(audit.title, 0)
    doc.paragraph(f"Clinical audit report: {cycle.title}")
    status = "FINAL" if data.status == "final" else "DRAFT: not for circulation as the final report"
    pairs = [("Registration number", audit.registration_number or "not registered"),
             ("Audit lead", audit.lead or "not recorded"), ("Team", _team(data) or "not recorded"),
             ("Supervisor", audit.supervisor or "not recorded"),
             ("Audit type", AUDIT_TYPES.get(audit.audit_type, audit.audit_type)),
             ("Data collection", _period(cycle.period_start, cycle.period_end)),
             ("Date of report", long_date(data.today)), ("Version", str(data.version)), ("Status", status),
             ("Produced with", f"AuditLoop {__version__}")]
    distribution = data.sections["distribution"].strip()
    pairs.append(("Distribution", distribution.replace("\n", "; ") if distribution else "not recorded"))
    doc.blocks.append(KeyValues(tuple(pairs)))
    doc.blocks.append(PageBreak())


def _team(data: ReportData) -> str:
    """The recorded team with their roles (the grade once), else the audit's team field."""
    if data.members:
        return "; ".join(person_label(m.name, "lead" if m.role == "led" else "") for m in data.members)
    return data.audit.team


def _period(start: str | None, end: str | None) -> str:
    if not start and not end:
        return "not recorded"
    return f"{long_date(start) or '?'} to {long_date(end) or '?'}"


def _text_section(doc: ReportDocument, title: str, text: str) -> None:
    doc.heading(title, 1)
    doc.paragraph(text) if text.strip() else doc.paragraph(NOT_WRITTEN, note=True)


def _aims(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Aims and objectives", 1)
    audit = data.audit
    doc.paragraph(f"Aim: {audit.aim}" if audit.aim.strip() else "Aim: not recorded.", note=not audit.aim.strip())
    if audit.objectives.strip():
        doc.paragraph("Objectives:")
        doc.paragraph(audit.objectives)


def _standards(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Standards and criteria", 1)
    standard = data.standard
    if standard is None:
        doc.paragraph("No standard is recorded for this cycle.", note=True)
    else:
        version = data.cycle.standard_version or standard.version
        parts = [standard.title, f"version {version}" if version else "", standard.source_label,
                 standard.reference_code]
        doc.paragraph("Standard: " + ", ".join(p for p in parts if p) + ".")
    if not data.criteria:
        doc.paragraph("Not available: no criteria are defined for this cycle.", note=True)
        return
    rows = [(c.label, c.statement, f"{'≥' if c.direction == 'higher' else '≤'} {c.target:g}%"
             if c.target is not None else "none", c.exceptions or "none", c.source_ref or "—",
             c.evidence_grade or "—") for c in data.criteria]
    doc.table(("Criterion", "Statement", "Target", "Exceptions", "Source", "Evidence grade"), rows,
              caption="Table: the criteria audited", widths=(2, 4, 1, 2.4, 2, 1.2))


def _method(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Method", 1)
    cycle = data.cycle
    population = (f"{cycle.population_size} eligible cases were identified." if cycle.population_size
                  else "The size of the eligible population is not recorded.")
    criteria_denominators = "; ".join(f"{c.label}: {c.denominator}" for c in data.criteria if c.denominator)
    pairs = [("Population", population + (f" Denominators: {criteria_denominators}." if criteria_denominators
                                          else "")),
             ("Sample size", f"{data.results.completeness.cases} cases audited"
              + (f" (planned {cycle.planned_sample})" if cycle.planned_sample else "")),
             ("Sample selection", _selection(cycle)),
             ("Period", _period(cycle.period_start, cycle.period_end)),
             ("Data collection", METHODS.get(cycle.method, cycle.method)),
             ("Collected by", _collected_by(data)),
             ("Data source", "; ".join(sorted({c.data_location for c in data.criteria if c.data_location}))
              or "not recorded")]
    doc.blocks.append(KeyValues(tuple(pairs)))
    if cycle.notes.strip():
        doc.paragraph(cycle.notes)


def _collected_by(data: ReportData) -> str:
    """"HCA T. Idowu (412 cases), Sr K. Evans (349 cases)": who collected, from the cases themselves."""
    if not data.collectors:
        return "not recorded"
    shown = [f"{name} ({n} case{'s' if n != 1 else ''})" for name, n in data.collectors[:6]]
    more = len(data.collectors) - len(shown)
    return ", ".join(shown) + (f" and {more} others" if more else "")


def _selection(cycle: object) -> str:
    chosen = recorded_selection(cycle)  # type: ignore[arg-type]
    if chosen and chosen.get("describe"):
        return str(chosen["describe"])
    method = str(getattr(cycle, "sampling_method", "") or "")
    how = SAMPLING_METHODS.get(method, method)
    seed = getattr(cycle, "sampling_seed", None)
    return how + (f" (seed {seed})" if seed is not None else "")


def _recommendations(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Recommendations", 1)
    if not data.recommendations:
        doc.paragraph("Not available: no recommendations have been agreed yet.", note=True)
        return
    names = {c.lineage: c.label for c in data.criteria}
    for i, rec in enumerate(data.recommendations, 1):
        answers = [names[x] for x in rec.criterion_lineages if x in names]
        doc.paragraph(f"{i}. {rec.text}" + (f" (criteria: {', '.join(answers)})" if answers else ""))


def _action_plan(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Action plan", 1)
    if not data.actions:
        doc.paragraph("Not available: no actions have been agreed yet.", note=True)
        return
    rows = []
    for row in data.actions:
        a = row.action
        owner = (person_label(a.owner, a.owner_role) if a.owner.strip() else a.owner_role) or "not assigned"
        revised = f" (revised {row.revisions}×)" if row.revisions else ""
        rows.append((row.recommendation or "—", a.text, owner, PRIORITIES.get(a.priority, a.priority),
                     long_date(a.original_deadline) or "none", (long_date(row.current_deadline) or "none") + revised,
                     ACTION_STATUSES.get(a.status, a.status), ACTION_RAG_WORDS.get(row.rag, row.rag)))
    doc.table(("Recommendation", "Action", "Owner", "Priority", "Original deadline", "Current deadline", "Status",
               "RAG"), rows, caption=f"Table: action plan (RAG on {long_date(data.today)})",
              widths=(3, 3, 2, 1.1, 1.5, 1.6, 1.2, 1.3), rag_column=7)


def _references(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("References", 1)
    text = data.sections["references"]
    refs = [line for line in text.splitlines() if line.strip()]
    if data.standard is not None and data.standard.url and data.standard.url not in text:
        refs.append(f"{data.standard.title}: {data.standard.url}")
    if refs:
        for line in refs:
            doc.paragraph(line)
    else:
        doc.paragraph("No references recorded.", note=True)

