"""The demo database, built from code so it always matches the current schema.

It tells the story AuditLoop exists for, so every screen has something to show on first launch:

1. **VTE** (id 1): a 12-month baseline and a 9-month re-audit of ~120 cases each. The new
   admission proforma (a completed action) lands at the cycle boundary: risk assessment rises
   from ~62% to ~90% and prophylaxis from ~72% to ~90% (clear changes), while reassessment
   moves 55% → 62% (no clear change). A chart note marks the August changeover.
2. **Sepsis** (id 2): baseline and re-audit on the acute medical unit, with an action plan
   (one deadline revised: amber).
3. **Consent** (id 3): a proposed audit with no cycle yet.
4. **Falls** (id 4): ward monitoring over 30 months whose monthly met/eligible counts are
   exactly those of `resources/demo/falls_monthly_compliance.csv` (the shared monthly sample);
   a new falls proforma in August 2024, the sample's change month, starts the second cycle,
   and its criterion (lying and standing blood pressure) is linked to measure q07 of the
   national falls audit (`resources/demo/national_audit_trust_results.csv`, the shared
   sample, imported), with "who we are" set to a trust in that file, so the Benchmark stage
   shows a funnel plot.

Rates are hit exactly: each cycle's counts of met, not met, exception and missing answers are
fixed first and then shuffled over the cases, so chance cannot blur the designed change.
Deterministic: the same seed gives the same data. No identifiers are stored.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from model.act.actions import ActionItem, add_action, add_recommendation, revise_deadline
from model.benchmark.benchmark_compare import save_identity
from model.benchmark.benchmark_import import parse_file
from model.benchmark.benchmark_store import link_criterion, measures, save_dataset
from model.compare.chart_notes import add_note
from model.core.errors import KnownError
from model.core.resources import resource_path
from model.core.settings import DEMO_KEY
from model.core.util import now_iso, saved
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, CriterionId, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, start_next_cycle, update_cycle
from model.store.case_answers import AnswerColumn, column_from_values, write_many
from model.store.store import Store, open_store

SEED = 20260301
#: Where the demo opens: the VTE audit's Compare stage, where its story (the proforma worked) shows.
SHOWCASE_AUDIT, SHOWCASE_STAGE = 1, "compare"
NATIONAL_FILE = "demo/national_audit_trust_results.csv"
FALLS_MONTHLY_FILE = "demo/falls_monthly_compliance.csv"
#: "Who we are": a trust present in the national file (its codes are made up).
OUR_TRUST = ("Northcote Vale Teaching Hospitals NHS Foundation Trust", "RZ3", "RZ301, RZ302, RZ303, RZ304")
FALLS_MEASURE = "q07"  # lying and standing blood pressure recorded, in the national file
FALLS_CHANGE = date(2024, 8, 1)  # the new falls proforma; the second monitoring cycle starts here

AGE_BANDS = ["16–39", "40–64", "65–79", "80+"]
ETHNICITIES = ["White", "Asian or Asian British", "Black or Black British", "Mixed", "Other", "Not stated"]
WARDS = ["AMU", "Ward 7", "Ward 9", "SAU"]
ELDERLY_WARDS = ["Ward 12", "Ward 14", "Ward 15"]
OUTCOMES = np.array(["met", "not_met", "exception", "missing"], dtype=object)
RAW = {"met": "Yes", "not_met": "No", "exception": "N/A", "missing": None}
_CASE_COLUMNS = ("cycle_id", "case_ref", "age_band", "sex", "ethnicity", "imd_quintile", "ward", "case_date",
                 "collected_on", "collector", "created_at", "updated_at")


@dataclass(frozen=True)
class _DemoCriterion:
    short_name: str
    statement: str
    denominator: str
    numerator: str
    exceptions: str
    target: float
    source_ref: str
    data_location: str
    # compliance (met among met + not met) in cycle 1 and cycle 2; exception and missing rates
    rates: tuple[float, float]
    p_exception: float = 0.05
    p_missing: float = 0.03
    evidence_grade: str = "A"


@dataclass(frozen=True)
class _DemoCycle:
    start: date
    end: date
    cases: int
    status: str
    method: str
    collector: str


VTE = [
    _DemoCriterion("Risk assessed ≤14 h", "Adults admitted to hospital have a VTE risk assessment within 14 "
                   "hours of admission.", "Adult (≥16 y) medical and surgical admissions in the sample",
                   "Documented VTE risk assessment ≤ 14 h after admission time",
                   "End-of-life care pathway; admitted for < 14 h", 95, "NICE NG89 1.1.1",
                   "e-prescribing VTE form", (0.62, 0.90)),
    _DemoCriterion("Prophylaxis ≤14 h", "If the risk of VTE outweighs the risk of bleeding, pharmacological "
                   "prophylaxis is prescribed within 14 hours of admission.",
                   "Admissions assessed as at risk of VTE", "Prophylaxis prescribed ≤ 14 h",
                   "Contraindication documented; patient declined", 95, "NICE NG89 1.5.1",
                   "Drug chart", (0.72, 0.90), p_exception=0.12),
    _DemoCriterion("Reassessed ≤24 h", "VTE risk is reassessed at consultant review or within 24 hours.",
                   "Admissions with a stay > 24 h", "Documented reassessment ≤ 24 h", "Discharged within 24 h",
                   90, "NICE NG89 1.1.4", "Post-take ward round entry", (0.55, 0.62), p_exception=0.15),
]
VTE_CYCLES = (
    _DemoCycle(date(2024, 12, 1), date(2025, 11, 30), 120, "complete", "retrospective", "Dr J. Smith"),
    _DemoCycle(date(2025, 12, 1), date(2026, 8, 31), 116, "analysing", "prospective", "Dr A. Patel"),
)
SEPSIS = [
    _DemoCriterion("Screening tool used", "Adults with NEWS2 ≥ 5 have the sepsis screening tool completed.",
                   "Adults with NEWS2 ≥ 5 in the sample", "Screening tool completed", "None", 95,
                   "NICE NG51 1.1", "Observation chart and sepsis screening tool", (0.81, 0.93)),
    _DemoCriterion("Antibiotics ≤1 h", "Adults with high-risk sepsis receive antibiotics within 1 hour of "
                   "recognition.", "Adults meeting high-risk criteria", "Antibiotics given ≤ 60 min",
                   "Documented decision not to treat", 90, "NICE NG51 1.6", "Drug chart administration time",
                   (0.58, 0.83), p_exception=0.06),
    _DemoCriterion("Cultures before antibiotics", "Blood cultures are taken before antibiotics are given.",
                   "Adults meeting high-risk criteria", "Cultures documented before the first dose",
                   "Antibiotics started before arrival", 90, "NICE NG51 1.6", "Microbiology request times",
                   (0.70, 0.79)),
    _DemoCriterion("Lactate ≤1 h", "Lactate is measured within 1 hour of recognition.",
                   "Adults meeting high-risk criteria", "Lactate result ≤ 60 min", "None", 95,
                   "NICE NG51 1.6", "Blood gas record", (0.88, 0.92)),
]
SEPSIS_CYCLES = (
    _DemoCycle(date(2025, 6, 1), date(2026, 2, 28), 45, "complete", "retrospective", "Dr S. Ahmed"),
    _DemoCycle(date(2026, 3, 1), date(2026, 9, 30), 50, "analysing", "prospective", "Dr L. Chen"),
)
FALLS = _DemoCriterion(
    "Lying and standing BP ≤24 h", "Inpatients aged 65 or over have lying and standing blood pressure recorded "
    "within 24 hours of admission, as part of their multifactorial falls risk assessment.",
    "Inpatients aged 65 or over admitted to Wards 12, 14 and 15 for more than 24 hours",
    "Those with lying and standing blood pressure documented within 24 hours",
    "End-of-life care; unable to stand (documented)", 95, "NICE QS86 statement 2; NICE NG249",
    "Nursing admission assessment; falls care plan", (0.655, 0.85), evidence_grade="B")
FALLS_DIFFERENCE = ("National: recorded at any time before a fall, patients who fell, all wards; ours: within "
                    "24 hours of admission, every admission aged 65+, elderly care wards only. The national period "
                    "(falls in 2025) lies within our second cycle, after the new falls proforma.")


def build_demo(path: Path | str) -> Store:
    """Create a fresh demo data file at `path` (replacing an old demo there) and return it open.

    Raises:
        KnownError: `path` holds a data file that is not the demo (the user's audits are never replaced).
    """
    path = Path(path)
    if path.exists() and path.stat().st_size > 0 and not _is_demo_file(path):
        raise KnownError(f"{path.name} is a data file with real audits, not the demo.", where=str(path),
                         hint="The demo opens as its own file; it never replaces or joins your data file.")
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = open_store(path)
    populate_demo(store.db)
    return store


def populate_demo(db: Database) -> None:
    """Fill an empty, migrated database with the demo audits, actions and national benchmark.

    Audit ids are 1 VTE, 2 sepsis, 3 consent (proposed, no cycle) and 4 falls (monitoring).
    """
    rng = np.random.default_rng(SEED)
    with db.atomic():
        db.table("settings").upsert({"key": DEMO_KEY, "value": "1"}, pk="key")  # the made-up trust stays here
        save_identity(db, *OUR_TRUST)
        vte = _demo_audit(db, rng, _vte_audit(), VTE, VTE_CYCLES)
        sepsis = _demo_audit(db, rng, _sepsis_audit(), SEPSIS, SEPSIS_CYCLES)
        _demo_actions(db, vte, sepsis)
        add_note(db, vte, "2025-08-06", "August changeover: new FY1 doctors")
        _proposed_audit(db)
        falls = _falls_audit(db, rng)
        _demo_benchmark(db, falls)


def _is_demo_file(path: Path) -> bool:
    """Whether the file at `path` is a demo data file (read without opening it as a store)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            row = con.execute("SELECT value FROM settings WHERE key = ?", [DEMO_KEY]).fetchone()
    except sqlite3.Error:
        return False  # not a database, or one without settings: not ours to replace
    return row is not None and row[0] == "1"


# --------------------------------------------------------------------------- audits


def _vte_audit() -> Audit:
    return Audit(
        title="VTE risk assessment and prophylaxis in medical admissions",
        aim="To check that adults admitted to the medical take are assessed for VTE risk and given "
            "prophylaxis when indicated, as NICE NG89 recommends.",
        objectives="Measure compliance with three NG89 criteria; agree actions; re-audit within a year.",
        specialty="Acute medicine", directorate="Medicine", lead="Dr A. Patel (ST4)",
        supervisor="Dr R. Okafor (consultant)",
        team="Dr J. Smith (FY2), Sr K. Evans", registration_number="CA-2025-014", audit_type="new",
        priority="trust", status="reaudit_due", registered_on="2024-11-04", approved_on="2024-11-18",
        collection_start="2024-12-01", collection_end="2026-08-31", report_due="2026-10-31",
        reaudit_due="2027-03-31", is_audit_confirmed=True,
        ig_notes="No patient identifiers kept; NHS numbers pseudonymised.",
    )


def _sepsis_audit() -> Audit:
    return Audit(
        title="Sepsis six within the hour on the acute medical unit",
        aim="To measure whether adults with suspected sepsis are screened and treated within an hour.",
        objectives="Measure four NG51 criteria; compare with the national picture.",
        specialty="Emergency medicine", directorate="Urgent and emergency care", lead="Dr L. Chen (CT2)",
        supervisor="Dr M. Hughes (consultant)",
        team="Dr S. Ahmed (FY1)", registration_number="CA-2025-031", audit_type="re_audit",
        priority="national", status="action_planning", registered_on="2025-05-12",
        approved_on="2025-05-20", collection_start="2025-06-01", collection_end="2026-09-30",
        report_due="2026-11-15", reaudit_due="2027-06-30", is_audit_confirmed=True,
    )


def _proposed_audit(db: Database) -> None:
    create_audit(db, Audit(
        title="Consent for elective orthopaedic surgery", specialty="Trauma and orthopaedics",
        directorate="Surgery",
        lead="Dr P. Green (CT1)", supervisor="Mr T. Ward (consultant)", audit_type="new",
        priority="local", status="proposed", report_due="2027-02-28",
        aim="To check consent forms meet GMC and Montgomery standards.",
    ))


def _falls_audit_record() -> Audit:
    return Audit(
        title="Falls risk assessment on the elderly care wards",
        aim="To check, month by month, that patients aged 65 or over admitted to the elderly care wards have "
            "lying and standing blood pressure recorded within 24 hours, part of the multifactorial falls risk "
            "assessment NICE QS86 and NG249 recommend.",
        objectives="Monitor the rate monthly on Wards 12, 14 and 15; show whether the new falls proforma "
                   "(August 2024) raised it; compare with the National Inpatient Falls Care Audit.",
        specialty="Elderly care", directorate="Medicine", lead="Sr M. Byrne (falls lead nurse)",
        supervisor="Dr E. Walsh (consultant geriatrician)", team="Ward managers of Wards 12, 14 and 15",
        registration_number="CA-2023-052", audit_type="ward_monitoring", priority="national",
        status="data_collection", registered_on="2023-03-10", approved_on="2023-03-24",
        collection_start="2023-04-01", report_due="2027-04-30", is_audit_confirmed=True,
        ig_notes="Monthly snapshot from the nursing admission record; no patient identifiers kept.",
    )


def _demo_audit(db: Database, rng: np.random.Generator, audit: Audit, criteria: list[_DemoCriterion],
                cycles: tuple[_DemoCycle, _DemoCycle]) -> int:
    """An audit with a baseline and a re-audit, each with exact-rate answers for every criterion."""
    audit = create_audit(db, audit)
    base, again = cycles
    first = create_cycle(db, Cycle(audit_id=saved(audit.id), period_start=base.start.isoformat(),
                                   period_end=base.end.isoformat(), status=base.status, method=base.method,
                                   sampling_method="simple_random", population_size=base.cases * 3,
                                   planned_sample=base.cases, sampling_seed=int(rng.integers(1, 99999)),
                                   standard_version="2019"))
    for spec in criteria:
        add_criterion(db, saved(first.id), _criterion(spec))
    second = start_next_cycle(db, saved(audit.id), period_start=again.start.isoformat(),
                              period_end=again.end.isoformat(), status=again.status, method=again.method,
                              planned_sample=again.cases, started_on=again.start.isoformat())
    update_cycle(db, second)
    for phase, (cycle, spec_cycle) in enumerate(zip((first, second), cycles, strict=True)):
        days = _spread_days(rng, spec_cycle.start, spec_cycle.end, spec_cycle.cases)
        case_ids = _insert_cases(db, rng, cycle, days, spec_cycle.collector, AGE_BANDS, WARDS)
        outcomes = {saved(c.id): _exact_outcomes(rng, spec_cycle.cases, spec.rates[phase], spec.p_exception,
                                                 spec.p_missing)
                    for c, spec in zip(list_criteria(db, saved(cycle.id)), criteria, strict=True)}
        _insert_answers(db, case_ids, outcomes)
    return saved(audit.id)


def _criterion(spec: _DemoCriterion) -> Criterion:
    return Criterion(statement=spec.statement, short_name=spec.short_name, numerator=spec.numerator,
                     denominator=spec.denominator, exceptions=spec.exceptions, target=spec.target,
                     direction="higher", source_ref=spec.source_ref, data_location=spec.data_location,
                     evidence_grade=spec.evidence_grade)


# --------------------------------------------------------------------------- the falls audit


def falls_monthly_counts() -> list[tuple[str, int, int]]:
    """The falls audit's (month 'YYYY-MM', met, eligible) rows, oldest first, from the bundled file."""
    with resource_path(FALLS_MONTHLY_FILE).open(encoding="utf-8", newline="") as handle:
        return [(row["month"], int(row["met"]), int(row["eligible"])) for row in csv.DictReader(handle)]


def _falls_audit(db: Database, rng: np.random.Generator) -> int:
    """Ward monitoring whose monthly met/eligible counts are exactly the bundled file's."""
    audit = create_audit(db, _falls_audit_record())
    monthly = falls_monthly_counts()
    last = date.fromisoformat(monthly[-1][0] + "-01")
    end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    first = create_cycle(db, Cycle(audit_id=saved(audit.id), period_start=monthly[0][0] + "-01",
                                   period_end=(FALLS_CHANGE - timedelta(days=1)).isoformat(), status="complete",
                                   method="prospective", sampling_method="all", standard_version="2025"))
    add_criterion(db, saved(first.id), _criterion(FALLS))
    second = start_next_cycle(db, saved(audit.id), period_start=FALLS_CHANGE.isoformat(), period_end=end.isoformat(),
                              status="collecting", started_on=FALLS_CHANGE.isoformat())
    days, outcomes = _falls_cases(rng, monthly)
    later = days >= np.datetime64(FALLS_CHANGE)
    for cycle, chosen, collector in ((first, ~later, "Sr M. Byrne"), (second, later, "HCA T. Idowu")):
        case_ids = _insert_cases(db, rng, cycle, days[chosen], collector, AGE_BANDS[2:], ELDERLY_WARDS,
                                 age_p=[0.45, 0.55])
        (criterion,) = list_criteria(db, saved(cycle.id))
        _insert_answers(db, case_ids, {saved(criterion.id): outcomes[chosen]})
    _falls_actions(db, saved(audit.id))
    return saved(audit.id)


def _falls_cases(rng: np.random.Generator, monthly: list[tuple[str, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Case dates (sorted) and outcomes: each month's exact met / not met, plus a few exceptions and gaps."""
    months = np.array([m for m, _, _ in monthly], dtype="datetime64[M]")
    met = np.array([x for _, x, _ in monthly])
    not_met = np.array([n - x for _, x, n in monthly])
    exceptions = rng.integers(0, 3, len(monthly))
    missing = (rng.random(len(monthly)) < 0.25).astype(int)  # an unanswered case now and then
    per_month = np.stack([met, not_met, exceptions, missing], axis=1)  # months × OUTCOMES
    outcome = np.repeat(np.tile(OUTCOMES, len(monthly)), per_month.ravel())
    month = np.repeat(months, per_month.sum(axis=1))
    length = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(int)
    days = month.astype("datetime64[D]") + (rng.random(len(month)) * length).astype(int)
    order = np.argsort(days, kind="stable")  # shuffles the outcomes within each month
    return days[order], outcome[order]


def _falls_actions(db: Database, audit_id: int) -> None:
    rec = add_recommendation(db, audit_id, "Every admission to the elderly care wards has lying and standing "
                             "blood pressure recorded on the new falls proforma within 24 hours.")
    add_action(db, ActionItem(audit_id=audit_id, recommendation_id=rec, text="Introduce the new falls proforma "
                              "with a 24-hour prompt in the admission pack", owner="Sr M. Byrne",
                              owner_role="Falls lead nurse", priority="high", original_deadline="2024-07-31",
                              status="complete", completed_on="2024-08-01",
                              evidence="Falls proforma v3 in admission packs on Wards 12, 14 and 15"))
    add_action(db, ActionItem(audit_id=audit_id, recommendation_id=rec, text="Train healthcare assistants to "
                              "record lying and standing blood pressure", owner="Dr E. Walsh",
                              owner_role="Consultant geriatrician", priority="medium",
                              original_deadline="2027-02-28", status="in_progress"))


def _demo_benchmark(db: Database, falls_id: int) -> None:
    """Import the national falls audit table and link the falls criterion to its q07 measure."""
    dataset = save_dataset(db, parse_file(resource_path(NATIONAL_FILE)))
    found = measures(db, dataset)
    measure_id = int(found.loc[found["measure_code"] == FALLS_MEASURE, "id"].iloc[0])
    lineage = db.execute("SELECT cr.lineage FROM criteria cr JOIN cycles cy ON cy.id = cr.cycle_id "
                         "WHERE cy.audit_id = ? ORDER BY cy.number DESC LIMIT 1", [falls_id]).fetchone()[0]
    link_criterion(db, falls_id, lineage, measure_id, FALLS_DIFFERENCE)


# --------------------------------------------------------------------------- cases and answers


def _spread_days(rng: np.random.Generator, start: date, end: date, count: int) -> np.ndarray:
    """`count` sorted case dates over [start, end]: one at a random day of each equal slot.

    A sample drawn month by month has about the same number of cases every month; uniform
    random dates would leave some months with 3 cases and others with 16.
    """
    span = (end - start).days + 1
    offsets = ((np.arange(count) + rng.random(count)) * span / count).astype(int)
    return np.datetime64(start) + offsets


def _exact_outcomes(rng: np.random.Generator, count: int, rate: float, p_exception: float,
                    p_missing: float) -> np.ndarray:
    """`count` outcomes whose met / (met + not met) is `rate` to the nearest case, in random order."""
    missing = round(count * p_missing)
    exceptions = round(count * p_exception)
    eligible = count - missing - exceptions
    met = round(eligible * rate)
    return rng.permutation(np.repeat(OUTCOMES, [met, eligible - met, exceptions, missing]))


def _insert_cases(db: Database, rng: np.random.Generator, cycle: Cycle, days: np.ndarray, collector: str,
                  age_bands: list[str], wards: list[str], *, age_p: list[float] | None = None) -> list[int]:
    """Insert one case per date (with made-up demographics, no identifiers); returns their ids in order."""
    count = len(days)
    width = max(3, len(str(count)))
    stamp = now_iso()
    columns = (
        [cycle.id] * count,
        [f"C{cycle.number}-{i + 1:0{width}d}" for i in range(count)],
        rng.choice(age_bands, count, p=age_p or [0.15, 0.3, 0.3, 0.25]).tolist(),
        rng.choice(["Female", "Male"], count).tolist(),
        rng.choice(ETHNICITIES, count, p=[0.7, 0.1, 0.07, 0.04, 0.04, 0.05]).tolist(),
        rng.integers(1, 6, count).tolist(),
        rng.choice(wards, count).tolist(),
        days.astype(str).tolist(),
        (days + 3).astype(str).tolist(),
        [collector] * count,
        [stamp] * count,
        [stamp] * count,
    )
    db.conn.executemany(f"INSERT INTO cases ({', '.join(_CASE_COLUMNS)}) VALUES "
                        f"({', '.join('?' * len(_CASE_COLUMNS))})", list(zip(*columns, strict=True)))
    return [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id = ? ORDER BY id", [cycle.id])]


def _insert_answers(db: Database, case_ids: list[int], outcomes: Mapping[CriterionId, np.ndarray]) -> None:
    """One answer per case for each criterion id in `outcomes` (outcome arrays in case order)."""
    columns: dict[int, AnswerColumn] = {
        cid: column_from_values([str(o) for o in column], [RAW[str(o)] for o in column])
        for cid, column in outcomes.items()}
    write_many(db, case_ids, columns)


# --------------------------------------------------------------------------- actions


def _demo_actions(db: Database, vte_id: int, sepsis_id: int) -> None:
    rec = add_recommendation(db, vte_id, "Every medical admission is clerked on the new admission proforma "
                             "with a VTE section.")
    # Completed just before the re-audit starts (1 Dec 2025): the SPC chart shows the shift after it.
    add_action(db, ActionItem(audit_id=vte_id, recommendation_id=rec, text="Introduce the new admission "
                              "proforma with a mandatory VTE box", owner="Dr A. Patel", owner_role="ST4",
                              priority="high", original_deadline="2025-12-01", status="complete",
                              completed_on="2025-11-28", evidence="Proforma v2 in use on AMU"))
    add_action(db, ActionItem(audit_id=vte_id, recommendation_id=rec, text="Teach VTE assessment at FY1 "
                              "induction", owner="Dr R. Okafor", owner_role="Consultant", priority="medium",
                              original_deadline="2026-09-30", status="in_progress"))
    rec2 = add_recommendation(db, sepsis_id, "Antibiotics for high-risk sepsis are given within the hour.")
    late = add_action(db, ActionItem(audit_id=sepsis_id, recommendation_id=rec2, text="Stock sepsis grab bags "
                                     "on AMU", owner="Sr K. Evans", owner_role="Ward manager", priority="high",
                                     original_deadline="2026-12-31", status="in_progress"))
    revise_deadline(db, saved(late.id), "2027-03-31", "Supplier delay", on="2026-11-10")
    add_action(db, ActionItem(audit_id=sepsis_id, recommendation_id=rec2, text="Add sepsis screening to the "
                              "electronic observations alert", owner="Dr L. Chen", owner_role="CT2",
                              priority="medium", original_deadline="2027-01-31"))
