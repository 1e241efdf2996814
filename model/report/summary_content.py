"""What the one-page summary, the QI poster and the evidence pack say, from one `ReportData`.

    SummaryData                       the words and numbers of a one-page summary / poster
    gather_summary(db, cycle_id, *, today=None) -> SummaryData
    summary_from_data(data, history) -> SummaryData    (no store: the pure part)
    headline(data) -> tuple[str, str]                  ("62% → 87%", the one-sentence verdict)
    first_sentence(text) -> str

DOMAIN.md §9: title and team, aim, standard, the key chart, the headline change, three key
actions and the re-audit date. The headline is the comparison verdict (`compare_cycles`)
of the first criterion that can be compared with the previous cycle, cut to its first
sentence; a baseline says so instead. The key chart is compliance by criterion across
every cycle up to this one, with the target; for a ward-monitoring audit (a monthly
series) it is that criterion's SPC chart. Anything not available is listed in `notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlite_utils import Database

from model.act.actions import ActionRow
from model.core.progress import Progress
from model.report.content import ReportData, SpcPart, gather_report
from model.report.team import list_members, person_label
from model.results.cycle_results import cycle_results
from model.results.narrative import format_pct

_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass
class SummaryData:
    """A one-page summary's content.

    Attributes:
        title, trust, registration, cycle_title: the banner.
        aim, standard: one short paragraph each ('' never: "not recorded" instead).
        headline_change: "62% → 87%" ('' for a baseline); headline: the one-sentence verdict.
        history: (cycle title, `cycle_results` table) for every cycle up to this one, oldest first.
        spc: the SPC chart to show instead of the bars (a monthly series), else None.
        chart_caption: what the chart measures and its data source.
        actions: the top three actions, as printed; reaudit: the re-audit line; team: the team line.
        notes: "Not available: …" sentences for the pieces that are missing.
        today: the date printed in the footer.
    """

    title: str
    trust: str
    registration: str
    cycle_title: str
    aim: str
    standard: str
    headline_change: str
    headline: str
    history: list[tuple[str, pd.DataFrame]]
    spc: SpcPart | None
    chart_caption: str
    actions: list[str]
    reaudit: str
    team: str
    today: date
    notes: list[str] = field(default_factory=list)


def first_sentence(text: str) -> str:
    """The first sentence of `text` (a decimal point or "p = 0.004" never ends one)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def headline(data: ReportData) -> tuple[str, str]:
    """("62% → 87%", "<criterion>: <first sentence of the verdict>") for the report's cycle.

    A baseline, or a cycle whose criteria cannot be compared, gets ('', a sentence saying why).
    """
    for item in data.comparisons:
        if item.comparison is not None:
            r = item.comparison
            return f"{format_pct(r.p1)} → {format_pct(r.p2)}", f"{item.name}: {first_sentence(item.verdict)}"
    if data.previous is None:
        lead = next((r for r in data.results.table.itertuples() if r.met + r.not_met > 0), None)
        if lead is None:
            return "", "No change can be shown yet: this cycle has no results."
        return "", (f"Baseline: {lead.short_name}: {first_sentence(str(lead.sentence))} No change can be shown "
                    "until the re-audit.")
    return "", f"No criterion can be compared between {data.previous.title} and {data.cycle.title}."


def _action_line(row: ActionRow) -> str:
    a = row.action
    owner = person_label(a.owner, a.owner_role) if a.owner.strip() else a.owner_role
    due = row.current_deadline
    parts = [x for x in (owner, f"by {due.day} {due:%b %Y}" if due else "", "done" if a.status == "complete" else "")
             if x]
    return a.text.strip() + (f" ({'; '.join(parts)})" if parts else "")


def top_actions(rows: list[ActionRow], count: int = 3) -> list[ActionRow]:
    """The actions a summary shows: not cancelled, highest priority first, then in the plan's order."""
    kept = [r for r in rows if r.action.status != "cancelled"]
    return sorted(kept, key=lambda r: _PRIORITY_ORDER.get(r.action.priority, 1))[:count]


def team_line(db: Database, data: ReportData) -> str:
    """The team as printed: the recorded members (the lead marked), else the audit's lead and team fields,
    then the supervisor; each person's grade once (`person_label`)."""
    audit = data.audit
    members = list_members(db, int(audit.id or 0))
    if members:
        people = [person_label(m.name, "lead" if m.role == "led" else "") for m in members]
    else:
        people = [x for x in (audit.lead and person_label(audit.lead, "lead"), audit.team.strip()) if x]
    listed = " ".join(m.name for m in members).casefold()
    if audit.supervisor.strip() and audit.supervisor.strip().casefold() not in listed:
        people.append(person_label(audit.supervisor, "supervisor"))
    return "; ".join(people)


def _reaudit(data: ReportData) -> str:
    later = [c for c in data.cycles if c.number > data.cycle.number]
    if later:
        return f"Re-audit under way: {later[0].title}."
    due = data.audit.reaudit_due
    if due:
        day = date.fromisoformat(due[:10])
        return f"Re-audit due {day.day} {day:%B %Y}."
    return ""


def summary_from_data(data: ReportData, history: list[tuple[str, pd.DataFrame]], team: str = "") -> SummaryData:
    """The summary's content from gathered data (`history`: each cycle's results table, oldest first)."""
    audit = data.audit
    notes: list[str] = []
    change, sentence = headline(data)
    if data.previous is None:
        notes.append("Not available: a comparison with a previous cycle (this is the first cycle).")
    standard = ""
    if data.standard is not None:
        parts = [data.standard.title, data.cycle.standard_version or data.standard.version,
                 data.standard.source_label]
        standard = ", ".join(str(p) for p in parts if p)
    targets = "; ".join(f"{c.label} {'≥' if c.direction == 'higher' else '≤'} {c.target:g}%" for c in data.criteria
                        if c.target is not None)
    if targets:
        standard = (standard + ". " if standard else "") + "Targets: " + targets + "."
    if not standard:
        notes.append("Not available: no standard or targets are recorded.")
    actions = [_action_line(r) for r in top_actions(data.actions)]
    if not actions:
        notes.append("Not available: no actions have been agreed yet.")
    reaudit = _reaudit(data)
    if not reaudit:
        notes.append("Not available: no re-audit date has been set.")
    if not team:
        notes.append("Not available: no team is recorded.")
    spc = None
    if audit.audit_type == "ward_monitoring":
        spc = next((p for p in data.spc if p.series is not None and p.result is not None), None)
    first, last = history[0][0] if history else "", history[-1][0] if history else ""
    span = first if first == last else f"{first} to {last}"
    if spc is not None:
        caption = (f"{spc.name}: monthly compliance (%), all cycles, Making Data Count SPC chart. "
                   f"Source: AuditLoop audit data, {data.trust or 'this organisation'}.")
    else:
        caption = (f"Compliance (%) by criterion, {span}; whiskers are 95% confidence intervals, the black mark is "
                   f"the target. Source: AuditLoop audit data, {data.trust or 'this organisation'}.")
    if all(t.empty for _, t in history):
        notes.append("Not available: results (the cycle has no criteria).")
    return SummaryData(
        title=audit.title, trust=data.trust, registration=audit.registration_number, cycle_title=data.cycle.title,
        aim=audit.aim.strip() or "Not recorded.", standard=standard or "Not recorded.", headline_change=change,
        headline=sentence, history=history, spc=spc, chart_caption=caption,
        actions=actions, reaudit=reaudit or "No re-audit date set.", team=team or "Not recorded.", today=data.today,
        notes=notes)


def gather_summary(db: Database, cycle_id: int, *, today: date | None = None,
                   progress: Progress | None = None) -> SummaryData:
    """The one-page summary of a cycle, read from the store (`progress`: reported, and Cancel checked)."""
    data = gather_report(db, cycle_id, today=today, progress=progress)
    history = [(c.title, cycle_results(db, int(c.id or 0)).table) for c in data.cycles
               if c.number <= data.cycle.number]
    return summary_from_data(data, history, team_line(db, data))


__all__ = ["SummaryData", "first_sentence", "gather_summary", "headline", "summary_from_data",
           "team_line", "top_actions"]
