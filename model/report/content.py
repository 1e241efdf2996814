"""Everything a cycle's report says, gathered from the store in one pass (`gather_report`).

The builder turns a `ReportData` into blocks without touching the store again, so what the
report shows is one consistent reading of the data. Every optional piece (previous cycle,
SPC series, national comparison, action plan, data-quality report) is either present or
carries the plain reason it is not available, so a report of a half-finished audit still
generates and says what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlite_utils import Database

from model.act.actions import ActionRow, Recommendation, action_plan, list_recommendations
from model.benchmark.benchmark_compare import BenchmarkComparison, compare_link, load_identity
from model.benchmark.benchmark_store import links_for_audit
from model.collect.data_quality import DataQuality, check_cycle
from model.collect.identifier_scan import holds_nhs_number
from model.compare.spc import SpcResult
from model.compare.spc_series import SpcSeries, criterion_series
from model.compare.spc_series_charts import PhasedRunChart, build_chart, choose_chart
from model.compare.spc_series_reading import reading
from model.core.errors import KnownError
from model.core.progress import Progress, report
from model.plan.audits import Audit, get_audit
from model.plan.criteria import Criterion, list_criteria
from model.plan.cycles import Cycle, get_cycle, list_cycles, recorded_selection
from model.plan.standards import Standard, get_standard
from model.report.narrative import get_sections
from model.report.reaudit_section import ReauditPlan, gather_reaudit
from model.report.team import TeamMember, list_members
from model.results.compliance import NOT_RECORDED
from model.results.cycle_results import (
    SUBGROUP_FIELDS,
    CriterionComparison,
    CycleResults,
    compare_cycles,
    comparison_partners,
    cycle_results,
    cycle_subgroups,
)

#: A monthly series needs at least this many months with data to be charted in the report.
SPC_MIN_POINTS = 3


@dataclass(frozen=True)
class SpcPart:
    """One criterion's SPC chart over every cycle, or why there is none (`series` None)."""

    lineage: str
    name: str
    series: SpcSeries | None
    result: SpcResult | PhasedRunChart | None
    reading: str


@dataclass(frozen=True)
class NationalPart:
    """One linked criterion against its national measure, or why not (`comparison` None)."""

    lineage: str
    name: str
    comparison: BenchmarkComparison | None
    note: str


@dataclass
class ReportData:
    """A cycle's report content, read from the store.

    Attributes:
        audit, cycle, cycles: the audit, the reported cycle and all the audit's cycles.
        standard: the cycle's standard (None when none is recorded).
        criteria: the cycle's criteria, in order.
        results: `cycle_results` of the cycle.
        previous: the previous cycle, None for a baseline.
        comparisons: the cycle against `previous`, one per lineage ([] without a previous cycle).
        spc: per criterion, its monthly SPC chart or why not.
        national: per linked criterion, the national comparison or why not.
        quality: the data-quality check (None when it could not be run).
        recommendations, actions: the audit's recommendations and action plan.
        sections: the narrative sections (`model.report.narrative.get_sections`).
        trust: the organisation's name ("who we are"), '' when not set.
        today: the report's date (action RAGs are worked out on it).
        changes: definition changes of the cycle's criteria (`criterion_changes`).
        subgroups: per `SUBGROUP_FIELDS` key with any recorded value, its `cycle_subgroups` frame.
        collectors: who collected the cycle's cases and how many each, most first.
        members: the team recorded with the audit (`model.report.team`), [] when none is.
        reaudit: which criteria the re-audit covers and why (`model.report.reaudit_section`).
        exception_texts: per criterion lineage, the answers recorded as exceptions ("n/a",
            "palliative") and how many of each, most first (what the data says about why).
        selection_identifying: the recorded sample's case references include an NHS or hospital
            number (the appendix then leaves the list out).
        version: the report's version number.
        status: "draft" or "final".
    """

    audit: Audit
    cycle: Cycle
    cycles: list[Cycle]
    standard: Standard | None
    criteria: list[Criterion]
    results: CycleResults
    previous: Cycle | None
    comparisons: list[CriterionComparison]
    spc: list[SpcPart]
    national: list[NationalPart]
    quality: DataQuality | None
    recommendations: list[Recommendation]
    actions: list[ActionRow]
    sections: dict[str, str]
    trust: str
    today: date
    changes: pd.DataFrame
    subgroups: dict[str, pd.DataFrame] = field(default_factory=dict)
    members: list[TeamMember] = field(default_factory=list)
    collectors: list[tuple[str, int]] = field(default_factory=list)
    selection_identifying: bool = False
    reaudit: ReauditPlan | None = None
    exception_texts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    version: int = 1
    status: str = "draft"


def _standard(db: Database, cycle: Cycle, audit: Audit) -> Standard | None:
    standard_id = cycle.standard_id or audit.standard_id
    if standard_id is None:
        return None
    try:
        return get_standard(db, standard_id)
    except KnownError:
        return None


def _spc_parts(db: Database, audit_id: int, criteria: list[Criterion], progress: Progress | None) -> list[SpcPart]:
    parts = []
    for i, c in enumerate(criteria):
        report(progress, i, len(criteria), f"SPC: {c.label}")
        series = criterion_series(db, audit_id, c.lineage, bucket="month")
        if series.n_points < SPC_MIN_POINTS:
            parts.append(SpcPart(c.lineage, c.label, None, None,
                                 f"No SPC chart: only {series.n_points} month(s) with eligible dated cases; "
                                 f"at least {SPC_MIN_POINTS} are needed for a monthly series."))
            continue
        result = build_chart(series, choose_chart(series))
        parts.append(SpcPart(c.lineage, c.label, series, result, reading(series, result)))
    return parts


def _national_parts(db: Database, audit_id: int, cycle_id: int, criteria: list[Criterion]) -> list[NationalPart]:
    names = {c.lineage: c.label for c in criteria}
    parts = []
    for link in links_for_audit(db, audit_id).itertuples():
        lineage = str(link.criterion_lineage)
        if lineage not in names:
            continue
        try:
            comparison = compare_link(db, int(link.id), cycle_id)
        except KnownError as exc:
            parts.append(NationalPart(lineage, names[lineage], None, f"National comparison not available: {exc}"))
            continue
        parts.append(NationalPart(lineage, names[lineage], comparison, " ".join(comparison.sentences())))
    return parts


def _subgroups(db: Database, cycle_id: int) -> dict[str, pd.DataFrame]:
    """The cycle's results split by every subgroup field someone filled in (a field nobody did adds nothing)."""
    frames = {}
    for by in SUBGROUP_FIELDS:
        frame = cycle_subgroups(db, cycle_id, by)
        if (frame["subgroup"] != NOT_RECORDED).any():
            frames[by] = frame
    return frames


def _collectors(db: Database, cycle_id: int) -> list[tuple[str, int]]:
    rows = db.execute("SELECT trim(collector), COUNT(*) FROM cases WHERE cycle_id = ? AND deleted_at IS NULL AND "
                      "trim(COALESCE(collector, '')) <> '' GROUP BY trim(collector) ORDER BY COUNT(*) DESC, 1",
                      [cycle_id]).fetchall()
    return [(str(name), int(n)) for name, n in rows]


def _exception_texts(db: Database, cycle_id: int, criteria: list[Criterion]) -> dict[str, list[tuple[str, int]]]:
    """Per lineage, the texts entered for answers judged exceptions, with their counts (at most 5, 40 characters)."""
    lineage = {c.id: c.lineage for c in criteria}
    rows = db.execute("SELECT a.criterion_id, substr(trim(COALESCE(a.raw, '')), 1, 40), COUNT(*) FROM answers a "
                      "JOIN cases c ON c.id = a.case_id WHERE c.cycle_id = ? AND c.deleted_at IS NULL AND "
                      "a.outcome = 'exception' GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2", [cycle_id]).fetchall()
    found: dict[str, list[tuple[str, int]]] = {}
    for criterion_id, text, n in rows:
        if criterion_id in lineage:
            texts = found.setdefault(lineage[criterion_id], [])
            if len(texts) < 5:  # an identifier typed into an answer is never printed
                shown = "(withheld: looks like an NHS number)" if holds_nhs_number(str(text)) else str(text)
                texts.append((shown or "(left blank)", int(n)))
    return found


def _selection_identifying(db: Database, cycle: Cycle) -> bool:
    """Whether the recorded sample lists a case by an NHS number or one of the cycle's hospital numbers."""
    chosen = recorded_selection(cycle)
    if not chosen:
        return False
    refs = {str(x).strip() for x in chosen.get("selected", [])}
    numbers = {str(r[0]).strip() for r in db.execute(
        "SELECT hospital_number FROM cases WHERE cycle_id = ? AND hospital_number IS NOT NULL", [cycle.id])}
    return bool(refs & numbers) or any(holds_nhs_number(ref) for ref in refs)


def gather_report(db: Database, cycle_id: int, *, today: date | None = None, status: str = "draft",
                  version: int = 1, progress: Progress | None = None) -> ReportData:
    """Read everything the report of one cycle says.

    Args:
        db: the store.
        cycle_id: the cycle reported.
        today: the report's date (default today).
        status: "draft" or "final".
        version: the version number printed on the front page.
        progress: optional progress/cancel sink.

    Raises:
        KnownError: when the cycle no longer exists.
    """
    cycle = get_cycle(db, cycle_id)
    audit = get_audit(db, cycle.audit_id)
    criteria = list_criteria(db, cycle_id)
    report(progress, 0, 4, "Results")
    results = cycle_results(db, cycle_id)
    previous = comparison_partners(db, cycle_id).get("previous")
    comparisons = compare_cycles(db, int(previous.id or 0), cycle_id) if previous is not None else []
    report(progress, 1, 4, "Statistical process control")
    spc = _spc_parts(db, audit.id or 0, criteria, progress)
    report(progress, 2, 4, "National comparison")
    national = _national_parts(db, audit.id or 0, cycle_id, criteria)
    report(progress, 3, 4, "Data quality and actions")
    try:
        quality: DataQuality | None = check_cycle(db, cycle_id)
    except KnownError:
        quality = None
    day = today or date.today()
    cycles = list_cycles(db, cycle.audit_id)
    return ReportData(
        audit=audit, cycle=cycle, cycles=cycles, standard=_standard(db, cycle, audit),
        criteria=criteria, results=results, previous=previous, comparisons=comparisons, spc=spc, national=national,
        quality=quality, recommendations=list_recommendations(db, cycle.audit_id),
        actions=action_plan(db, cycle.audit_id, day), sections=get_sections(db, cycle_id),
        trust=load_identity(db).name, today=day, changes=criterion_changes(db, cycle_id),
        subgroups=_subgroups(db, cycle_id), members=list_members(db, cycle.audit_id),
        collectors=_collectors(db, cycle_id),
        selection_identifying=_selection_identifying(db, cycle),
        reaudit=gather_reaudit(db, cycle.audit_id, cycle, cycles),
        exception_texts=_exception_texts(db, cycle_id, criteria), version=version,
        status=status,
    )


def criterion_changes(db: Database, cycle_id: int) -> pd.DataFrame:
    """Definition changes recorded for the cycle's criteria: changed_at, criterion, summary, answers re-judged."""
    return pd.read_sql_query(
        "SELECT ch.changed_at, cr.short_name, cr.statement, ch.summary, ch.answers_rejudged FROM criterion_changes ch "
        "JOIN criteria cr ON cr.id = ch.criterion_id WHERE cr.cycle_id = ? ORDER BY ch.changed_at, ch.id",
        db.conn, params=[cycle_id])
