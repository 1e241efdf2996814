"""The narrative sections of a cycle's report: stored text, a draft from the data, and what a final lacks.

The team writes the parts of a report that numbers cannot (DOMAIN.md §9): why the topic
matters, the discussion, thanks. They are kept with the cycle (table `report_sections`,
migration m012), one row per section, so the report can be regenerated at any time.

API (for the Report page):

    SECTIONS                                   the section keys, in report order
    SECTION_TITLES[key]                        "Executive summary", …
    get_sections(db, cycle_id) -> dict[str, str]          every key, '' when not written
    save_section(db, cycle_id, section, text) -> None
    save_sections(db, cycle_id, texts: Mapping[str, str]) -> None
    draft_from_data(db, cycle_id) -> dict[str, str]       executive_summary and conclusions
    missing_for_final(db, cycle_id, *, today=None) -> list[str]   empty = ready to be final

`draft_from_data` never overwrites anything: the page shows the draft and the user decides
whether to keep it (`save_sections`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlite_utils import Database

from model.act.actions import action_plan, list_recommendations
from model.core.errors import KnownError
from model.core.util import now_iso
from model.plan.audits import get_audit
from model.plan.cycles import get_cycle
from model.results.cycle_results import compare_cycles, comparison_partners, cycle_results
from model.results.narrative import format_pct

SECTIONS: tuple[str, ...] = ("executive_summary", "background", "discussion", "conclusions",
                             "acknowledgements", "references", "distribution")
SECTION_TITLES: dict[str, str] = {
    "executive_summary": "Executive summary",
    "background": "Background",
    "discussion": "Discussion",
    "conclusions": "Conclusions",
    "acknowledgements": "Acknowledgements",
    "references": "References",
    "distribution": "Distribution list",
}
# Sections a final report cannot leave empty (references and distribution may be short, not absent).
REQUIRED_FOR_FINAL: tuple[str, ...] = ("executive_summary", "background", "discussion", "conclusions")


def _check_section(section: str) -> None:
    if section not in SECTION_TITLES:
        raise KnownError(f"'{section}' is not a report section.", hint=f"Use one of: {', '.join(SECTIONS)}.")


def get_sections(db: Database, cycle_id: int) -> dict[str, str]:
    """Every narrative section of a cycle's report, in report order ('' for one not written yet)."""
    stored = dict(db.execute("SELECT section, text FROM report_sections WHERE cycle_id = ?", [cycle_id]).fetchall())
    return {key: str(stored.get(key, "")) for key in SECTIONS}


def save_section(db: Database, cycle_id: int, section: str, text: str) -> None:
    """Store one section's text (replacing what was there).

    Raises:
        KnownError: for an unknown section or a cycle that no longer exists.
    """
    save_sections(db, cycle_id, {section: text})


def save_sections(db: Database, cycle_id: int, texts: Mapping[str, str]) -> None:
    """Store several sections at once, in one transaction.

    Raises:
        KnownError: for an unknown section or a cycle that no longer exists.
    """
    for section in texts:
        _check_section(section)
    get_cycle(db, cycle_id)
    stamp = now_iso()
    with db.atomic():
        for section, text in texts.items():
            db.execute("INSERT INTO report_sections (cycle_id, section, text, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (cycle_id, section) DO UPDATE SET text = excluded.text, "
                       "updated_at = excluded.updated_at", [cycle_id, section, text.strip(), stamp])


# --- a draft from the data ----------------------------------------------------------------------


def _finding_lines(db: Database, cycle_id: int) -> tuple[list[str], list[str], list[str]]:
    """(findings, short of target, good practice): one line per criterion, with the verdict sentences."""
    table = cycle_results(db, cycle_id).table
    verdicts: dict[str, str] = {}
    partners = comparison_partners(db, cycle_id)
    if partners:
        for item in compare_cycles(db, int(partners["previous"].id or 0), cycle_id):
            if item.comparison is not None:
                verdicts[item.lineage] = item.verdict
    findings, short, good = [], [], []
    for row in table.itertuples():
        line = f"{row.short_name}: {row.sentence}"
        if row.lineage in verdicts:
            line += f" {verdicts[row.lineage]}"
        findings.append(line)
        if row.rag in ("amber", "red"):
            short.append(str(row.short_name))
        elif row.rag == "green":
            good.append(str(row.short_name))
    return findings, short, good


def draft_from_data(db: Database, cycle_id: int) -> dict[str, str]:
    """Draft the executive summary and conclusions from the cycle's results (nothing is stored).

    The executive summary says the issue (the audit's aim), the key findings with their
    verdict sentences (against target, and against the previous cycle when there is one) and
    what is recommended; the conclusions name the criteria that met their target and those
    that fell short.

    Returns:
        {"executive_summary": …, "conclusions": …}.
    """
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    findings, short, good = _finding_lines(db, cycle_id)
    results = cycle_results(db, cycle_id)
    aim = audit.aim.strip() or f"to measure care against the standard for {audit.title}"
    summary = [f"This report presents {cycle.title} of the audit \"{audit.title}\". "
               f"Aim: {aim}{'' if aim.endswith('.') else '.'}",
               f"{results.completeness.cases} cases were audited against {len(findings)} criteria."]
    summary += ["Key findings:", *[f"• {line}" for line in findings]] if findings else [
        "No criteria are defined for this cycle, so there are no findings yet."]
    recommendations = [r.text for r in list_recommendations(db, cycle.audit_id)]
    if recommendations:
        summary += ["Recommended:", *[f"• {text}" for text in recommendations]]
    else:
        summary.append("No recommendations have been agreed yet.")
    return {"executive_summary": "\n".join(summary), "conclusions": _conclusions(good, short, results.table)}


def _conclusions(good: list[str], short: list[str], table: object) -> str:
    lines = []
    if good:
        lines.append(f"Good practice: the target was met for {_join(good)}.")
    if short:
        lines.append(f"Care fell short of the target for {_join(short)}; these are where action is needed.")
    no_data = [str(r.short_name) for r in table.itertuples() if r.met + r.not_met == 0]  # type: ignore[attr-defined]
    if no_data:
        lines.append(f"No compliance could be measured for {_join(no_data)} (no eligible cases).")
    no_target = [f"{r.short_name} ({format_pct(r.compliance)})" for r in table.itertuples()  # type: ignore[attr-defined]
                 if r.rag is None and r.met + r.not_met > 0]
    if no_target:
        lines.append(f"No target is set for {_join(no_target)}.")
    return " ".join(lines) or "No results to conclude from yet."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- what a final report still lacks -----------------------------------------------------------


def missing_for_final(db: Database, cycle_id: int, *, today: date | None = None) -> list[str]:
    """What must be done before this cycle's report can be issued as final ([] when nothing).

    Checks: every required narrative section written; at least one criterion and one case;
    recommendations and an action plan (each action with an owner and a deadline); a re-audit
    date on the audit; the registration number, lead and aim.

    Args:
        db: the store.
        cycle_id: the cycle.
        today: for the action RAG (defaults to today).

    Returns:
        Plain sentences, one per gap.
    """
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    gaps = [f"The {SECTION_TITLES[key]} section is empty." for key, text in get_sections(db, cycle_id).items()
            if key in REQUIRED_FOR_FINAL and not text.strip()]
    results = cycle_results(db, cycle_id)
    if results.table.empty:
        gaps.append("The cycle has no criteria.")
    if results.completeness.cases == 0:
        gaps.append("The cycle has no cases.")
    if not list_recommendations(db, cycle.audit_id):
        gaps.append("No recommendations have been agreed.")
    plan = action_plan(db, cycle.audit_id, today or date.today())
    if not plan:
        gaps.append("There is no action plan.")
    gaps += [f"Action \"{row.action.text[:60]}\" has no owner." for row in plan if not row.action.owner.strip()]
    gaps += [f"Action \"{row.action.text[:60]}\" has no deadline." for row in plan if row.current_deadline is None]
    if not audit.reaudit_due:
        gaps.append("No re-audit date is set.")
    for attr, what in (("registration_number", "registration number"), ("lead", "audit lead"), ("aim", "aim")):
        if not str(getattr(audit, attr)).strip():
            gaps.append(f"The audit has no {what}.")
    return gaps
