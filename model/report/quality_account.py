"""The Quality Account's clinical audit table for one financial year (DOMAIN.md §9), from the data.

Every NHS trust's annual Quality Account lists the national clinical audits it took part in
(with the cases submitted) and the number of local clinical audits whose reports it reviewed,
with the actions it took or intends to take. Here, for `year`:

- national: audits registered as "National audit (local participation)" with a cycle whose
  data collection overlaps the year (its own period, else the register's collection dates);
  cases submitted are that cycle's cases, and the percentage is of its eligible population
  when the cycle records one;
- local: every other audit with a final report written in the year (the filed report is the
  one the trust reviewed), with the actions that answer that cycle and where each stands.

Audits in the bin are left out; abandoned audits count only for what they did before.
Written as Excel (`write_quality_account_xlsx`) and Word (`write_quality_account_docx`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from model.act.audit_facts import ActionFacts, AuditFacts, day, gather
from model.core.documents import Document, render_docx
from model.core.financial_year import FinancialYear

ACTION_STATES = {"not_started": "not started", "in_progress": "in progress", "complete": "complete",
                 "cancelled": "cancelled"}


@dataclass(frozen=True)
class NationalAudit:
    """A national audit the trust took part in during the year."""

    audit_id: int
    title: str
    directorate: str
    specialty: str
    period: str
    cases: int
    eligible: int | None

    @property
    def percent(self) -> float | None:
        """Cases submitted as a percentage of the eligible cases, when those are known."""
        return 100.0 * self.cases / self.eligible if self.eligible else None


@dataclass(frozen=True)
class LocalAudit:
    """A local audit whose final report was written (reviewed) in the year, and its actions."""

    audit_id: int
    title: str
    directorate: str
    specialty: str
    cycle: str
    reviewed_on: date
    actions: tuple[str, ...]


@dataclass(frozen=True)
class QualityAccount:
    """The year's two lists."""

    year: FinancialYear
    national: tuple[NationalAudit, ...]
    local: tuple[LocalAudit, ...]


def _overlaps(start: date | None, end: date | None, year: FinancialYear) -> bool:
    if start is None and end is None:
        return False
    return (start or end or year.start) <= year.end and (end or year.end) >= year.start


def _uk(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def action_text(action: ActionFacts) -> str:
    """'Stock sepsis grab bags (Sr K. Evans): complete' / '…: in progress, due 30/04/2026'."""
    owner = f" ({action.owner})" if action.owner else ""
    state = ACTION_STATES.get(action.status, action.status)
    due = f", due {_uk(action.deadline)}" if action.is_open and action.deadline else ""
    return f"{action.text}{owner}: {state}{due}"


def _national(db: Database, audit: AuditFacts, year: FinancialYear) -> NationalAudit | None:
    for cycle in reversed(audit.cycles):
        start, end = cycle.period_start, cycle.period_end
        if start is None and end is None and cycle is audit.latest:
            start, end = None, audit.collection_end
        if _overlaps(start, end, year):
            cases, eligible = db.execute(
                "SELECT (SELECT COUNT(*) FROM cases WHERE cycle_id = ? AND deleted_at IS NULL), population_size "
                "FROM cycles WHERE id = ?", [cycle.id, cycle.id]).fetchone()
            return NationalAudit(audit.id, audit.title, audit.directorate, audit.specialty,
                                 f"{_uk(start)} to {_uk(end)}", int(cases), eligible)
    return None


def quality_account(db: Database, year: FinancialYear) -> QualityAccount:
    """The national audits taken part in and the local audits reviewed in `year`."""
    facts = gather(db)
    finals: dict[int, date] = {}
    for cycle_id, created in db.execute("SELECT cycle_id, MIN(created_at) FROM generated_reports "
                                        "WHERE status = 'final' AND substr(created_at, 1, 10) BETWEEN ? AND ? "
                                        "GROUP BY cycle_id", [year.start.isoformat(), year.end.isoformat()]):
        if (on := day(created)) is not None:
            finals[int(cycle_id)] = on
    national, local = [], []
    for audit in facts.values():
        if audit.audit_type == "national_participation":
            if (found := _national(db, audit, year)) is not None:
                national.append(found)
            continue
        for cycle in audit.cycles:
            if cycle.id in finals:
                local.append(LocalAudit(audit.id, audit.title, audit.directorate, audit.specialty, cycle.title,
                                        finals[cycle.id], tuple(action_text(a) for a in audit.answering(cycle))))
    national.sort(key=lambda n: n.title.lower())
    local.sort(key=lambda n: (n.reviewed_on, n.title.lower()))
    return QualityAccount(year, tuple(national), tuple(local))


NATIONAL_HEADERS = ("National clinical audit", "Directorate", "Specialty", "Data collection", "Cases submitted",
                    "Eligible cases", "% submitted")
LOCAL_HEADERS = ("Local clinical audit", "Directorate", "Specialty", "Cycle", "Report reviewed",
                 "Actions taken or intended")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}%"


def summary_sentences(qa: QualityAccount) -> list[str]:
    """The Quality Account's statements, in its usual words."""
    label = qa.year.label
    return [f"During {label} the trust took part in {len(qa.national)} national clinical "
            f"audit{'s' if len(qa.national) != 1 else ''} recorded in AuditLoop.",
            f"The reports of {len(qa.local)} local clinical audit{'s' if len(qa.local) != 1 else ''} were "
            f"reviewed by the trust in {label}; the actions taken or intended are listed below."]


def write_quality_account_xlsx(qa: QualityAccount, path: Path | str) -> Path:
    """The table as an Excel workbook (a sheet for each list, text through the formula guard)."""
    from model.report.workbook import Sheet, write_workbook

    national = Sheet("National audits", NATIONAL_HEADERS, tuple(
        (n.title, n.directorate, n.specialty, n.period, n.cases, n.eligible,
         None if n.percent is None else round(n.percent, 1)) for n in qa.national), (50, 20, 20, 26, 10, 10, 10))
    local = Sheet("Local audits", LOCAL_HEADERS, tuple(
        (n.title, n.directorate, n.specialty, n.cycle, n.reviewed_on, "\n".join(n.actions) or "No actions recorded")
        for n in qa.local), (50, 20, 20, 18, 14, 70))
    about = Sheet("About", (f"Quality Account {qa.year.label}: clinical audit", ""),
                  tuple((s, "") for s in summary_sentences(qa)), (100, 4))
    return write_workbook(path, [about, national, local])


def quality_account_document(qa: QualityAccount) -> Document:
    """The table as a document (headings, the statements and two tables)."""
    doc = Document(f"Quality Account {qa.year.label}: clinical audit")
    doc.heading(doc.title, 0)
    for sentence in summary_sentences(qa):
        doc.paragraph(sentence)
    doc.heading("National clinical audits taken part in")
    if qa.national:
        doc.table(NATIONAL_HEADERS, [(n.title, n.directorate, n.specialty, n.period, str(n.cases),
                                      "" if n.eligible is None else str(n.eligible), _pct(n.percent))
                                     for n in qa.national])
    else:
        doc.paragraph("None recorded for this year.", note=True)
    doc.heading("Local clinical audits reviewed, with the actions taken")
    if qa.local:
        doc.table(LOCAL_HEADERS, [(n.title, n.directorate, n.specialty, n.cycle, _uk(n.reviewed_on),
                                   "\n".join(n.actions) or "No actions recorded") for n in qa.local])
    else:
        doc.paragraph("None recorded for this year.", note=True)
    return doc


def write_quality_account_docx(qa: QualityAccount, path: Path | str) -> Path:
    """The table as a Word document."""
    return render_docx(quality_account_document(qa), path)
