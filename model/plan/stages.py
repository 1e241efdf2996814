"""The stages of the audit cycle and where an audit stands in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from model.core.util import parse_iso_date, today
from model.plan.audits import CLOSED_STATUSES, get_audit


@dataclass(frozen=True)
class Stage:
    """One step of the cycle as the workspace shows it."""

    key: str
    title: str
    description: str


STAGES: tuple[Stage, ...] = (
    Stage("plan", "Plan", "Register the audit: aims, team, type, priority, key dates, the standard it "
          "measures against, the sample and the data-collection period of each cycle."),
    Stage("criteria", "Criteria", "Turn the standard into measurable criteria: statement, who is eligible, "
          "who meets it, exceptions, target and where the data is found."),
    Stage("collect", "Collect", "Enter cases in a keyboard-first form, import the team's spreadsheet, or "
          "export a proforma for colleagues and re-import it."),
    Stage("results", "Results", "Compliance per criterion with 95% confidence intervals, targets and RAG, "
          "subgroups by age, sex, ethnicity, deprivation and ward, and what the numbers mean."),
    Stage("compare", "Compare", "This cycle against the previous one and the baseline, and SPC charts over "
          "time that separate a real change from noise."),
    Stage("benchmark", "Benchmark", "Your result beside national figures (national audits, Fingertips) with "
          "a funnel plot showing whether you are an outlier in either direction."),
    Stage("actions", "Actions", "Recommendations and SMART actions with owners and deadlines; computed RAG "
          "status; completed actions appear as markers on the SPC charts."),
    Stage("report", "Re-audit / Report", "Start the re-audit cycle with the same criteria, and produce the "
          "audit report, the one-page summary and the handover file for the next doctor."),
)
STAGE_KEYS = tuple(s.key for s in STAGES)

# Which stages show what each table holds, so a write refreshes only the pages that show it
# (model.store.changes records the tables written). Audits, cycles and criteria define what
# everything is measured against; a table not named here refreshes every stage.
_CASE_STAGES = frozenset({"plan", "collect", "results", "compare", "benchmark", "actions", "report"})
_ACTION_STAGES = frozenset({"plan", "actions", "compare", "report"})  # completed actions mark SPC charts
_BENCHMARK_STAGES = frozenset({"benchmark", "report"})
_REPORT_STAGES = frozenset({"plan", "report"})
TABLE_STAGES: dict[str, frozenset[str]] = {
    "cases": _CASE_STAGES, "imports": _CASE_STAGES, "value_merges": _CASE_STAGES, "import_profiles": frozenset(),
    "recommendations": _ACTION_STAGES, "actions": _ACTION_STAGES, "action_deadline_revisions": _ACTION_STAGES,
    "action_notes": _ACTION_STAGES, "chart_annotations": frozenset({"compare", "report"}),
    "benchmark_datasets": _BENCHMARK_STAGES, "benchmark_measures": _BENCHMARK_STAGES,
    "benchmark_links": _BENCHMARK_STAGES, "benchmark_columns": _BENCHMARK_STAGES,
    "benchmark_areas": _BENCHMARK_STAGES, "benchmark_periods": _BENCHMARK_STAGES,
    "benchmark_details": _BENCHMARK_STAGES, "benchmark_profiles": frozenset(), "standards": frozenset({"plan"}),
    "report_sections": _REPORT_STAGES, "generated_reports": _REPORT_STAGES, "team_members": _REPORT_STAGES,
    "presentations": _REPORT_STAGES, "reflections": _REPORT_STAGES, "reaudit_choices": _REPORT_STAGES,
    "reminder_states": frozenset(), "handovers": frozenset({"plan"}),
    # Bookkeeping of exchanges between copies (m020): nothing a stage shows.
    "sync_base": frozenset(), "tombstones": frozenset(), "merges": frozenset(), "site": frozenset(),
    "settings": frozenset({"report"}),  # the trust's identity heads its documents
}


def stages_showing(tables: frozenset[str] | set[str]) -> set[str]:
    """The stages whose pages show something these tables hold."""
    shown: set[str] = set()
    for table in tables:
        shown |= TABLE_STAGES.get(table, frozenset(STAGE_KEYS))
    return shown


_STATUS_STAGE = {
    "proposed": "plan", "approved": "criteria", "data_collection": "collect", "analysis": "results",
    "action_planning": "actions", "reaudit_due": "report", "complete": "report", "abandoned": "plan",
}


def stage_from(status: str, cycle: tuple[int | None, int, int] | None) -> str:
    """The stage from the status and the latest cycle's (planned sample, criteria, live cases).

    No cycle or no criteria → plan/criteria; a cycle with criteria but fewer cases than
    planned → collect; otherwise the status decides.
    """
    if cycle is None:
        return "plan"
    planned, n_criteria, n_cases = cycle
    if n_criteria == 0:
        return "criteria"
    if n_cases == 0 or (planned and n_cases < planned and status in ("proposed", "approved", "data_collection")):
        return "collect"
    by_status = _STATUS_STAGE[status]
    return by_status if STAGE_KEYS.index(by_status) >= STAGE_KEYS.index("results") else "results"


_LATEST_CYCLES = (
    "SELECT y.audit_id, y.planned_sample, (SELECT COUNT(*) FROM criteria c WHERE c.cycle_id = y.id), "
    "(SELECT COUNT(*) FROM cases k WHERE k.cycle_id = y.id AND k.deleted_at IS NULL) FROM cycles y "
    "WHERE {where} y.number = (SELECT MAX(z.number) FROM cycles z WHERE z.audit_id = y.audit_id)")


def current_stage(db: Database, audit_id: int, *, status: str | None = None) -> str:
    """The stage this audit is at, from its data (not only its typed status): `stage_from`.

    Callers that already hold the audit pass its `status` and save reading it again.
    """
    status = status or get_audit(db, audit_id).status
    row = db.execute(_LATEST_CYCLES.format(where="y.audit_id = ? AND"), [audit_id]).fetchone()
    return stage_from(status, None if row is None else (row[1], row[2], row[3]))


def current_stages(db: Database, statuses: dict[int, str]) -> dict[int, str]:
    """`current_stage` of many audits (by id, with their statuses) in one query: the register's rows."""
    cycles = {r[0]: (r[1], r[2], r[3]) for r in db.execute(_LATEST_CYCLES.format(where="")).fetchall()}
    return {audit_id: stage_from(status, cycles.get(audit_id)) for audit_id, status in statuses.items()}


# Statuses the data can vouch for, earliest first, with what the workspace says about them.
_SUGGESTIONS = {
    "data_collection": "Cases are being collected — set the status to Data collection?",
    "analysis": "The data collection period has ended and cases are in — set the status to Analysis?",
}


def suggested_status(db: Database, audit_id: int, *, on: date | None = None) -> str | None:
    """A status the audit's data says it has reached although its typed status lags behind.

    The status is never changed here: the workspace offers the suggestion and the user decides.
    Cases in any cycle mean data collection has begun; cases in the latest cycle that has any,
    once that cycle's period has ended, mean analysis. A suggestion is made only when it is a
    later stage than the status implies, and never for complete or abandoned audits (a re-audit
    returning to collection after "Action planning" is a choice for the user, not a suggestion).

    Args:
        db: the open store.
        audit_id: the audit.
        on: today's date (tests pass one; default `model.core.util.today()`).

    Returns:
        "data_collection" or "analysis", or None when the status is not behind the data.
    """
    audit = get_audit(db, audit_id)
    if audit.status in CLOSED_STATUSES:
        return None
    row = db.execute(
        "SELECT cy.period_end FROM cycles cy WHERE cy.audit_id = ? AND EXISTS (SELECT 1 FROM cases c "
        "WHERE c.cycle_id = cy.id AND c.deleted_at IS NULL) ORDER BY cy.number DESC LIMIT 1", [audit_id]).fetchone()
    if row is None:
        return None
    end = _date_or_none(row[0])
    evidence = "analysis" if end is not None and end < (on or today()) else "data_collection"
    later = STAGE_KEYS.index(_STATUS_STAGE[evidence]) > STAGE_KEYS.index(_STATUS_STAGE[audit.status])
    return evidence if later else None


def suggestion_text(status: str) -> str:
    """The one-line question the workspace shows for a suggested status."""
    return _SUGGESTIONS[status]


def _date_or_none(text: str | None) -> date | None:
    try:
        return parse_iso_date(text)
    except ValueError:  # a hand-edited database: an unreadable date proves nothing
        return None
