"""The demo database, built from code so it always matches the current schema.

Two audits (VTE prevention and sepsis) with a baseline and a re-audit each, realistic
case data (compliance rises after the actions), and an action plan, so every screen has
something to show on first launch. Deterministic: the same seed gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from model.actions import ActionItem, add_action, add_recommendation, revise_deadline
from model.audits import Audit, create_audit
from model.criteria import Criterion, add_criterion, list_criteria
from model.cycles import Cycle, create_cycle, start_next_cycle, update_cycle
from model.store import Store, open_store
from model.util import now_iso

SEED = 20260301
AGE_BANDS = ["16–39", "40–64", "65–79", "80+"]
ETHNICITIES = ["White", "Asian or Asian British", "Black or Black British", "Mixed", "Other", "Not stated"]
WARDS = ["AMU", "Ward 7", "Ward 9", "SAU"]


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


VTE = [
    _DemoCriterion("Risk assessed ≤14 h", "Adults admitted to hospital have a VTE risk assessment within 14 "
                   "hours of admission.", "Adult (≥16 y) medical and surgical admissions in the sample",
                   "Documented VTE risk assessment ≤ 14 h after admission time",
                   "End-of-life care pathway; admitted for < 14 h", 95, "NICE NG89 1.1.1",
                   "e-prescribing VTE form", (0.64, 0.91)),
    _DemoCriterion("Prophylaxis ≤14 h", "If the risk of VTE outweighs the risk of bleeding, pharmacological "
                   "prophylaxis is prescribed within 14 hours of admission.",
                   "Admissions assessed as at risk of VTE", "Prophylaxis prescribed ≤ 14 h",
                   "Contraindication documented; patient declined", 95, "NICE NG89 1.5.1",
                   "Drug chart", (0.78, 0.90), p_exception=0.12),
    _DemoCriterion("Reassessed ≤24 h", "VTE risk is reassessed at consultant review or within 24 hours.",
                   "Admissions with a stay > 24 h", "Documented reassessment ≤ 24 h", "Discharged within 24 h",
                   90, "NICE NG89 1.1.4", "Post-take ward round entry", (0.52, 0.74), p_exception=0.15),
]
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


def build_demo(path: Path | str) -> Store:
    """Create a fresh demo data file at `path` (replacing any old one) and return it open."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    store = open_store(path)
    populate_demo(store.db)
    return store


def populate_demo(db: Database) -> None:
    """Fill an empty, migrated database with the demo audits."""
    rng = np.random.default_rng(SEED)
    with db.atomic():
        db["settings"].upsert_all([
            {"key": "trust_name", "value": "Demo Hospitals NHS Foundation Trust"},
            {"key": "trust_code", "value": "RXX"},
            {"key": "site_codes", "value": "RXX01,RXX02"},
        ], pk="key")
        vte = _demo_audit(db, rng, _vte_audit(), VTE, date(2025, 3, 1), cases_per_cycle=(60, 64))
        sepsis = _demo_audit(db, rng, _sepsis_audit(), SEPSIS, date(2025, 6, 1), cases_per_cycle=(45, 50))
        _demo_actions(db, vte, sepsis)
        _proposed_audit(db)


def _vte_audit() -> Audit:
    return Audit(
        title="VTE risk assessment and prophylaxis in medical admissions",
        aim="To check that adults admitted to the medical take are assessed for VTE risk and given "
            "prophylaxis when indicated, as NICE NG89 recommends.",
        objectives="Measure compliance with three NG89 criteria; agree actions; re-audit within a year.",
        specialty="Acute medicine", lead="Dr A. Patel (ST4)", supervisor="Dr R. Okafor (consultant)",
        team="Dr J. Smith (FY2), Sr K. Evans", registration_number="CA-2025-014", audit_type="new",
        priority="trust", status="reaudit_due", registered_on="2025-02-10", approved_on="2025-02-20",
        collection_start="2025-03-01", collection_end="2026-08-31", report_due="2026-10-31",
        reaudit_due="2027-03-31", is_audit_confirmed=True,
        ig_notes="No patient identifiers kept; NHS numbers pseudonymised.",
    )


def _sepsis_audit() -> Audit:
    return Audit(
        title="Sepsis six within the hour on the acute medical unit",
        aim="To measure whether adults with suspected sepsis are screened and treated within an hour.",
        objectives="Measure four NG51 criteria; compare with the national picture.",
        specialty="Emergency medicine", lead="Dr L. Chen (CT2)", supervisor="Dr M. Hughes (consultant)",
        team="Dr S. Ahmed (FY1)", registration_number="CA-2025-031", audit_type="re_audit",
        priority="national", status="action_planning", registered_on="2025-05-12",
        approved_on="2025-05-20", collection_start="2025-06-01", collection_end="2026-09-30",
        report_due="2026-11-15", reaudit_due="2027-06-30", is_audit_confirmed=True,
    )


def _proposed_audit(db: Database) -> None:
    create_audit(db, Audit(
        title="Consent for elective orthopaedic surgery", specialty="Trauma and orthopaedics",
        lead="Dr P. Green (CT1)", supervisor="Mr T. Ward (consultant)", audit_type="new",
        priority="local", status="proposed", report_due="2027-02-28",
        aim="To check consent forms meet GMC and Montgomery standards.",
    ))


def _demo_audit(db: Database, rng: np.random.Generator, audit: Audit, criteria: list[_DemoCriterion],
                start: date, cases_per_cycle: tuple[int, int]) -> int:
    audit = create_audit(db, audit)
    first = create_cycle(db, Cycle(audit_id=audit.id, period_start=start.isoformat(),
                                   period_end=(start + timedelta(days=9 * 30)).isoformat(),
                                   status="complete", method="retrospective", sampling_method="simple_random",
                                   population_size=cases_per_cycle[0] * 3, planned_sample=cases_per_cycle[0],
                                   sampling_seed=int(rng.integers(1, 99999)), standard_version="2019"))
    for spec in criteria:
        add_criterion(db, first.id, Criterion(
            statement=spec.statement, short_name=spec.short_name, numerator=spec.numerator,
            denominator=spec.denominator, exceptions=spec.exceptions, target=spec.target,
            source_ref=spec.source_ref, data_location=spec.data_location, evidence_grade="A"))
    second_start = start + timedelta(days=9 * 30 + 31)
    second = start_next_cycle(db, audit.id, period_start=second_start.isoformat(),
                              period_end=(second_start + timedelta(days=8 * 30)).isoformat(),
                              status="analysing", method="prospective",
                              started_on=second_start.isoformat())
    update_cycle(db, second)
    for number, cycle in enumerate((first, second)):
        _demo_cases(db, rng, cycle, list_criteria(db, cycle.id), criteria, number, cases_per_cycle[number])
    return audit.id


def _demo_cases(db: Database, rng: np.random.Generator, cycle: Cycle, stored: list[Criterion],
                specs: list[_DemoCriterion], phase: int, count: int) -> None:
    start = date.fromisoformat(cycle.period_start)
    span = (date.fromisoformat(cycle.period_end) - start).days
    stamp = now_iso()
    day_offsets = np.sort(rng.integers(0, span, count))
    case_rows = [{
        "cycle_id": cycle.id, "case_ref": f"C{cycle.number}-{i + 1:03d}",
        "age_band": AGE_BANDS[rng.choice(4, p=[0.15, 0.3, 0.3, 0.25])], "age": None,
        "sex": ["Female", "Male"][int(rng.integers(0, 2))],
        "ethnicity": ETHNICITIES[rng.choice(6, p=[0.7, 0.1, 0.07, 0.04, 0.04, 0.05])],
        "imd_quintile": int(rng.integers(1, 6)), "ward": WARDS[int(rng.integers(0, 4))],
        "case_date": (start + timedelta(days=int(day_offsets[i]))).isoformat(),
        "collected_on": (start + timedelta(days=int(day_offsets[i]) + 3)).isoformat(),
        "collector": "Dr J. Smith" if phase == 0 else "Dr A. Patel",
        "created_at": stamp, "updated_at": stamp,
    } for i in range(count)]
    db["cases"].insert_all(case_rows)
    ids = [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id = ? ORDER BY id", [cycle.id])]
    answers = []
    for crit, spec in zip(stored, specs, strict=True):
        draw = rng.random(count)
        met = rng.random(count) < spec.rates[phase]
        for case_id, d, m in zip(ids, draw, met, strict=True):
            outcome = ("missing" if d < spec.p_missing else "exception" if d < spec.p_missing + spec.p_exception
                       else "met" if m else "not_met")
            raw = {"met": "Yes", "not_met": "No", "exception": "N/A", "missing": None}[outcome]
            answers.append({"case_id": case_id, "criterion_id": crit.id, "outcome": outcome, "raw": raw})
    db["answers"].insert_all(answers)


def _demo_actions(db: Database, vte_id: int, sepsis_id: int) -> None:
    rec = add_recommendation(db, vte_id, "Every medical admission is clerked on the new admission proforma "
                             "with a VTE section.")
    add_action(db, ActionItem(audit_id=vte_id, recommendation_id=rec, text="Introduce the new admission "
                              "proforma with a mandatory VTE box", owner="Dr A. Patel", owner_role="ST4",
                              priority="high", original_deadline="2025-12-01", status="complete",
                              completed_on="2025-12-05", evidence="Proforma v2 in use on AMU"))
    add_action(db, ActionItem(audit_id=vte_id, recommendation_id=rec, text="Teach VTE assessment at FY1 "
                              "induction", owner="Dr R. Okafor", owner_role="Consultant", priority="medium",
                              original_deadline="2026-09-30", status="in_progress"))
    rec2 = add_recommendation(db, sepsis_id, "Antibiotics for high-risk sepsis are given within the hour.")
    late = add_action(db, ActionItem(audit_id=sepsis_id, recommendation_id=rec2, text="Stock sepsis grab bags "
                                     "on AMU", owner="Sr K. Evans", owner_role="Ward manager", priority="high",
                                     original_deadline="2026-03-31", status="in_progress"))
    revise_deadline(db, late.id, "2026-06-30", "Supplier delay", on="2026-03-25")
    add_action(db, ActionItem(audit_id=sepsis_id, recommendation_id=rec2, text="Add sepsis screening to the "
                              "electronic observations alert", owner="Dr L. Chen", owner_role="CT2",
                              priority="medium", original_deadline="2027-01-31"))
