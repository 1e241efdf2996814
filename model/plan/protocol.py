"""The audit protocol: the plan as the audit department's registration form (Word or PDF).

Everything comes from the stored audit, the chosen cycle (the latest by default) and its
criteria; anything not filled in yet prints as "not yet set" so a half-made plan can still
be sent for comment.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from model.core.documents import Document, render_docx, render_pdf
from model.core.errors import KnownError
from model.core.util import parse_iso_date, saved
from model.plan.audits import AUDIT_TYPES, PRIORITIES, STATUSES, Audit, get_audit
from model.plan.criteria import EVIDENCE_GRADES, Criterion, describe_rule, list_criteria
from model.plan.cycles import METHODS, SAMPLING_METHODS, Cycle, get_cycle, list_cycles
from model.plan.sampling import SampleSelection
from model.plan.standards import SOURCES

NOT_SET = "not yet set"
FORMATS = ("docx", "pdf")
AUDIT_NOT_RESEARCH = ("This project is clinical audit, not research: it measures current care against an explicit "
                      "standard, gives no new treatment, does not randomise patients and puts no extra burden on "
                      "them.")


def _or_not_set(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text or NOT_SET


def _date(text: str | None) -> str:
    try:
        day = parse_iso_date(text)
    except ValueError:
        return str(text)
    return f"{day:%d %b %Y}" if day else NOT_SET


def _period(start: str | None, end: str | None) -> str:
    if not start and not end:
        return NOT_SET
    return f"{_date(start)} to {_date(end)}"


def _pick_cycle(db: Database, audit_id: int, cycle_id: int | None) -> Cycle | None:
    if cycle_id is not None:
        cycle = get_cycle(db, cycle_id)
        if cycle.audit_id != audit_id:
            raise KnownError("That cycle belongs to another audit.", where=f"cycle {cycle_id}")
        return cycle
    cycles = list_cycles(db, audit_id)
    return cycles[-1] if cycles else None


def _standard(db: Database, audit: Audit, cycle: Cycle | None) -> dict[str, str] | None:
    standard_id = (cycle.standard_id if cycle else None) or audit.standard_id
    if standard_id is None:
        return None
    rows = list(db.query("SELECT source, reference_code, title, version FROM standards WHERE id = ?",
                         [standard_id]))
    if not rows:
        return None
    row = dict(rows[0])
    row["source"] = SOURCES.get(row["source"], row["source"])
    if cycle and cycle.standard_version:
        row["version"] = cycle.standard_version  # the version this cycle measured against
    return row


def build_protocol(db: Database, audit_id: int, cycle_id: int | None = None) -> Document:
    """The protocol of an audit as a neutral document.

    Args:
        db: the store.
        audit_id: the audit.
        cycle_id: the cycle whose criteria and sample to show; the latest when None.

    Returns:
        A `Document` ready for `render_docx` / `render_pdf`.

    Raises:
        KnownError: when the audit or cycle no longer exists.
    """
    audit = get_audit(db, audit_id)
    cycle = _pick_cycle(db, audit_id, cycle_id)
    criteria = list_criteria(db, saved(cycle.id)) if cycle else []
    doc = Document(title=f"Audit protocol: {audit.title}")
    doc.heading(audit.title, 0)
    doc.paragraph(f"Audit protocol · registration number {_or_not_set(audit.registration_number)}"
                  + (f" · {cycle.title}" if cycle else ""), note=True)
    _registration(doc, audit)
    _aims(doc, audit)
    _standard_section(doc, _standard(db, audit, cycle))
    _criteria_section(doc, criteria, cycle)
    _sample_section(doc, cycle)
    _timeline(doc, audit, cycle)
    _confirmation(doc, audit)
    return doc


def _registration(doc: Document, audit: Audit) -> None:
    doc.heading("Registration")
    doc.key_values([
        ("Registration number", _or_not_set(audit.registration_number)),
        ("Audit lead", _or_not_set(audit.lead)),
        ("Supervising consultant", _or_not_set(audit.supervisor)),
        ("Team", _or_not_set(audit.team)),
        ("Specialty / directorate", _or_not_set(audit.specialty)),
        ("Type", AUDIT_TYPES.get(audit.audit_type, audit.audit_type)),
        ("Priority", PRIORITIES.get(audit.priority, audit.priority)),
        ("Status", STATUSES.get(audit.status, audit.status)),
    ])


def _aims(doc: Document, audit: Audit) -> None:
    doc.heading("Aims and objectives")
    doc.key_values([("Aim", _or_not_set(audit.aim)), ("Objectives", _or_not_set(audit.objectives))])


def _standard_section(doc: Document, standard: dict[str, str] | None) -> None:
    doc.heading("Standard")
    if standard is None:
        doc.paragraph(f"Standard: {NOT_SET}. Each criterion below gives its own source.")
        return
    doc.key_values([("Source", _or_not_set(standard["source"])), ("Code", _or_not_set(standard["reference_code"])),
                    ("Title", _or_not_set(standard["title"])), ("Version", _or_not_set(standard["version"]))])


def _target_text(c: Criterion) -> str:
    if c.target is None:
        return NOT_SET
    return f"{c.target:g}%" + (" (should not happen: lower is better)" if c.direction == "lower" else "")


def _criterion_cell(c: Criterion) -> str:
    lines = [f"{c.short_name}: {c.statement}" if c.short_name else c.statement or NOT_SET,
             f"Eligible: {_or_not_set(c.denominator)}", f"Met: {_or_not_set(c.numerator)}"]
    if c.answer_type != "yes_no":
        lines.append(describe_rule(c))
    return "\n".join(lines)


def _source_cell(c: Criterion) -> str:
    grade = f"Grade {c.evidence_grade} ({EVIDENCE_GRADES[c.evidence_grade].split(':')[0].lower()})" \
        if c.evidence_grade in EVIDENCE_GRADES else "grade not set"
    return f"{_or_not_set(c.source_ref)}; {grade}"


def _criteria_section(doc: Document, criteria: list[Criterion], cycle: Cycle | None) -> None:
    doc.heading("Criteria")
    if not criteria:
        doc.paragraph(f"Criteria: {NOT_SET}." + ("" if cycle else " The audit has no cycle yet."))
        return
    rows = [(str(i), _criterion_cell(c), _target_text(c), _or_not_set(c.exceptions), _source_cell(c),
             _or_not_set(c.data_location)) for i, c in enumerate(criteria, start=1)]
    doc.table(("#", "Criterion", "Target", "Exceptions", "Source / grade", "Data location"), rows,
              widths=(0.3, 4.0, 1.1, 1.8, 1.5, 1.5))


def _sampling_description(cycle: Cycle) -> str:
    """The sentence for how the sample was chosen, from sampling_json when a selection was made."""
    try:
        info = json.loads(cycle.sampling_json or "{}")
    except ValueError:
        info = {}
    info = info if isinstance(info, dict) else {}
    if info.get("description"):
        return str(info["description"])
    if info.get("method") in ("random", "systematic") and info.get("population_size"):
        selected = info.get("selected") or []
        return SampleSelection(info["method"], info.get("seed"), info.get("k"), info.get("start"),
                               int(info["population_size"]), [str(s) for s in selected]).describe()
    text = SAMPLING_METHODS.get(cycle.sampling_method, cycle.sampling_method)
    return text + (f" (seed {cycle.sampling_seed})" if cycle.sampling_seed is not None else "")


def _sample_section(doc: Document, cycle: Cycle | None) -> None:
    doc.heading("Sample and method")
    if cycle is None:
        doc.paragraph(f"Sample: {NOT_SET}. No cycle has been planned yet.")
        return
    doc.key_values([
        ("Population (eligible cases)", _or_not_set(cycle.population_size)),
        ("Planned sample", _or_not_set(cycle.planned_sample)),
        ("Sampling", _sampling_description(cycle)),
        ("Data collection period", _period(cycle.period_start, cycle.period_end)),
        ("Collection", METHODS.get(cycle.method, cycle.method)),
    ])


def _timeline(doc: Document, audit: Audit, cycle: Cycle | None) -> None:
    doc.heading("Timeline")
    pairs = [("Registered", _date(audit.registered_on)), ("Approved", _date(audit.approved_on)),
             ("Data collection", _period(audit.collection_start, audit.collection_end))]
    if cycle is not None and (cycle.period_start or cycle.period_end):
        pairs.append((f"{cycle.title} period", _period(cycle.period_start, cycle.period_end)))
    pairs += [("Report due", _date(audit.report_due)), ("Re-audit due", _date(audit.reaudit_due))]
    doc.key_values(pairs)


def _confirmation(doc: Document, audit: Audit) -> None:
    doc.heading("Audit, not research")
    mark = "Confirmed by the audit lead." if audit.is_audit_confirmed else f"Confirmation: {NOT_SET}."
    doc.paragraph(f"{AUDIT_NOT_RESEARCH} {mark}")
    ig = audit.ig_notes.strip() or ("Patient identifiers are kept." if audit.keep_identifiers
                                    else "No patient identifiers are kept.")
    doc.paragraph(f"Information governance: {ig}", note=True)


def export_protocol(db: Database, audit_id: int, path: Path | str, fmt: str | None = None,
                    cycle_id: int | None = None) -> Path:
    """Write the protocol as Word ('docx') or a one-page PDF ('pdf').

    Args:
        db: the store.
        audit_id: the audit.
        path: the file to write.
        fmt: 'docx' or 'pdf'; taken from the file's suffix when None.
        cycle_id: the cycle to describe (latest when None).

    Returns:
        The path written.

    Raises:
        KnownError: for an unknown format or a file that cannot be written.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise KnownError(f"A protocol can be saved as Word (.docx) or PDF (.pdf), not '{fmt or path.name}'.",
                         where=str(path), hint="Choose a file name ending in .docx or .pdf.")
    doc = build_protocol(db, audit_id, cycle_id)
    return render_docx(doc, path) if fmt == "docx" else render_pdf(doc, path, one_page=True)
