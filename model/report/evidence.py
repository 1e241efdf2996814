"""The trainee's ePortfolio evidence pack: one page, PDF or Word (DOMAIN.md §9).

    build_evidence(db, cycle_id, *, person=None, today=None) -> ReportDocument
    write_evidence(db, cycle_id, path, *, person=None, today=None, progress=None) -> Path     .pdf or .docx
    trainee_role(db, audit, person) -> TeamMember

What an appraiser asks of a quality improvement activity: the audit (title, registration
number, dates, standard), the trainee's role (led or contributed) and tasks, the
supervisor, each cycle's results and the change achieved, the actions implemented, where
it was presented, the re-audit status, the trainee's reflection on the GMC's five
questions (`model.report.team.REFLECTION_QUESTIONS`) and a supervisor confirmation block
with signature and date lines. `person` defaults to the audit lead; anything missing is
said ("Not available: …", "Not yet written").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlite_utils import Database

from model.core.documents import KeyValues
from model.core.errors import KnownError
from model.core.progress import Progress
from model.plan.audits import Audit
from model.report.blocks import ReportDocument
from model.report.builder import long_date
from model.report.content import ReportData, gather_report
from model.report.render_docx import render_docx
from model.report.render_one_page import render_one_page_pdf
from model.report.results_section import target_text
from model.report.summary_content import first_sentence
from model.report.team import (
    REFLECTION_QUESTIONS,
    ROLES,
    TeamMember,
    find_member,
    get_reflections,
    list_members,
    list_presentations,
)
from model.results.cycle_results import cycle_results
from model.results.narrative import format_pct

NOT_WRITTEN = "Not yet written by the trainee."


def trainee_role(db: Database, audit: Audit, person: str | None) -> TeamMember:
    """The team member the pack is for (default the audit lead, who "led" unless recorded otherwise).

    Raises:
        KnownError: the person is neither on the team nor the audit lead (the message lists the team).
    """
    name = (person or audit.lead).strip()
    audit_id = int(audit.id or 0)
    if not name:
        raise KnownError("This audit has no lead, so whose evidence pack it is is not known.",
                         hint="Give the trainee's name with --person, or record the audit lead.")
    member = find_member(db, audit_id, name)
    if member is not None:
        return member
    if " ".join(name.split()).casefold() == " ".join(audit.lead.split()).casefold():
        return TeamMember(audit_id, audit.lead.strip(), role="led")
    team = [m.name for m in list_members(db, audit_id)] or ([audit.lead] if audit.lead else [])
    raise KnownError(f"'{name}' is not on this audit's team.",
                     hint="Team: " + ("; ".join(team) if team else "none recorded") + ".")


def _dates(data: ReportData) -> str:
    parts = [f"registered {long_date(data.audit.registered_on)}" if data.audit.registered_on else ""]
    for c in data.cycles:
        if c.number <= data.cycle.number:
            period = f"{long_date(c.period_start) or '?'} to {long_date(c.period_end) or '?'}" \
                if c.period_start or c.period_end else "dates not recorded"
            parts.append(f"{c.title}: {period}")
    return "; ".join(p for p in parts if p)


def _results(doc: ReportDocument, db: Database, data: ReportData) -> None:
    doc.heading("Results of each cycle", 2)
    cycles = [c for c in data.cycles if c.number <= data.cycle.number]
    tables = [cycle_results(db, int(c.id or 0)).table for c in cycles]
    lineages: list[str] = []
    names: dict[str, str] = {}
    for table in tables:
        for r in table.itertuples():
            if str(r.lineage) not in names:
                lineages.append(str(r.lineage))
            names[str(r.lineage)] = str(r.short_name)
    if not lineages:
        doc.paragraph("Not available: no criteria are defined, so there are no results.", note=True)
        return
    targets = {c.lineage: target_text(float(c.target) if c.target is not None else float("nan"), c.direction)
               for c in data.criteria}
    rows = []
    for lineage in lineages:
        cells = []
        for table in tables:
            match = table[table["lineage"] == lineage]
            if match.empty:
                cells.append("not audited")
            else:
                r = match.iloc[0]
                cells.append(f"{format_pct(float(r['compliance']))} ({int(r['met'])}/{int(r['met'] + r['not_met'])})")
        rows.append((names[lineage], *cells, targets.get(lineage, "none")))
    doc.table(("Criterion", *(c.title for c in cycles), "Target"), rows,
              caption="Compliance (met / eligible) by criterion and cycle")


def _change(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Change achieved", 2)
    compared = [c for c in data.comparisons if c.comparison is not None]
    if data.previous is None:
        doc.paragraph(f"Not available: {data.cycle.title} is the first cycle; the re-audit will show the change.",
                      note=True)
    elif not compared:
        doc.paragraph("Not available: no criterion could be compared with the previous cycle.", note=True)
    for c in compared:
        doc.paragraph(f"{c.name}: {first_sentence(c.verdict)}")


def _actions(doc: ReportDocument, data: ReportData) -> None:
    doc.heading("Actions implemented", 2)
    if not data.actions:
        doc.paragraph("Not available: no actions have been agreed yet.", note=True)
        return
    done = [r for r in data.actions if r.action.status == "complete"]
    for r in done:
        when = f" (completed {long_date(r.action.completed_on)})" if r.action.completed_on else ""
        doc.paragraph(f"• {r.action.text}{when}")
    still = [r for r in data.actions if r.is_open]
    if not done:
        doc.paragraph("None completed yet.", note=True)
    if still:
        doc.paragraph(f"Still open: {'; '.join(r.action.text for r in still)}.", note=True)


def build_evidence(db: Database, cycle_id: int, *, person: str | None = None,
                   today: date | None = None, progress: Progress | None = None) -> ReportDocument:
    """The one-page ePortfolio evidence pack of a cycle for one trainee."""
    data = gather_report(db, cycle_id, today=today, progress=progress)
    audit = data.audit
    member = trainee_role(db, audit, person)
    doc = ReportDocument(title=f"Quality improvement evidence: {audit.title}", trust=data.trust, author=member.name,
                         subject="Clinical audit evidence for an ePortfolio", status="final")
    doc.heading("Clinical audit: evidence of quality improvement activity", 0)
    standard = "not recorded"
    if data.standard is not None:
        standard = ", ".join(str(x) for x in (data.standard.title, data.cycle.standard_version or data.standard.version,
                                              data.standard.source_label) if x)
    presentations = list_presentations(db, int(audit.id or 0))
    presented = "; ".join(p.meeting + (f", {long_date(p.date)}" if p.date else "") for p in presentations)
    later = [c for c in data.cycles if c.number > data.cycle.number]
    reaudit = (f"started: {later[0].title}" if later else
               f"due {long_date(audit.reaudit_due)}" if audit.reaudit_due else "Not available: no re-audit date set")
    doc.blocks.append(KeyValues((
        ("Audit", audit.title), ("Registration number", audit.registration_number or "not registered"),
        ("Organisation", data.trust or "not recorded"), ("Dates", _dates(data) or "not recorded"),
        ("Trainee", member.name), ("Role", ROLES.get(member.role, member.role)),
        ("Tasks", member.tasks or "not recorded"), ("Supervisor", audit.supervisor or "not recorded"),
        ("Standard", standard), ("Presented at", presented or "Not available: no presentation recorded"),
        ("Re-audit", reaudit),
    )))
    _results(doc, db, data)
    _change(doc, data)
    _actions(doc, data)
    doc.heading("Reflection", 2)
    answers = get_reflections(db, int(audit.id or 0), member.name)
    doc.table(("Question", f"Reflection by {member.name}"),
              [(question, answers[key] or NOT_WRITTEN) for key, question in REFLECTION_QUESTIONS.items()],
              widths=(1, 2.6))
    doc.heading("Supervisor confirmation", 2)
    doc.paragraph(f"I confirm that {member.name} took the part described above in this audit and that the "
                  "results are a fair account of it.")
    doc.blocks.append(KeyValues((("Supervisor", audit.supervisor or ""), ("GMC number", ""),
                                 ("Signature", "\n\n"), ("Date", ""))))
    doc.paragraph(f"Prepared with AuditLoop on {long_date(data.today)}.", note=True)
    return doc


def write_evidence(db: Database, cycle_id: int, path: Path | str, *, person: str | None = None,
                   today: date | None = None, progress: Progress | None = None) -> Path:
    """Write the evidence pack: a one-page PDF, or Word when `path` ends in .docx.

    Raises:
        KnownError: the person is not on the team, or the file cannot be written.
        Cancelled: the user cancelled (no file is written).
    """
    doc = build_evidence(db, cycle_id, person=person, today=today, progress=progress)
    path = Path(path)
    render = render_docx if path.suffix.lower() == ".docx" else render_one_page_pdf
    return render(doc, path, progress)
