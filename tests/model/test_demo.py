"""The demo database tells the audit story: a clear VTE improvement, falls monitoring with a shift, a benchmark."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from model.act.actions import action_rag, current_deadline, list_actions
from model.benchmark.benchmark_compare import compare_link, load_identity
from model.benchmark.benchmark_store import links_for_audit, list_datasets
from model.compare.chart_notes import list_notes
from model.compare.spc_series import criterion_series
from model.compare.spc_series_charts import build_chart
from model.core.resources import resource_path
from model.demo import FALLS_MONTHLY_FILE, NATIONAL_FILE, build_demo, populate_demo
from model.plan.audits import get_audit, list_audits
from model.plan.criteria import list_criteria
from model.plan.cycles import list_cycles
from model.results.cycle_results import compare_cycles
from model.store.store import open_memory
from tests.model import shared_facts as facts

VTE, SEPSIS, CONSENT, FALLS = 1, 2, 3, 4


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    store = build_demo(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    yield store.db
    store.close()


def monthly_csv(path: Path) -> list[tuple[str, int, int]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["month"], int(r["met"]), int(r["eligible"])) for r in csv.DictReader(handle)]


def test_audits_ids_titles_and_cycles(db):
    audits = {a.id: a for a in list_audits(db)}
    assert sorted(audits) == [VTE, SEPSIS, CONSENT, FALLS]
    assert audits[VTE].title == "VTE risk assessment and prophylaxis in medical admissions"
    assert audits[SEPSIS].title == "Sepsis six within the hour on the acute medical unit"
    assert audits[CONSENT].title == "Consent for elective orthopaedic surgery" and audits[CONSENT].status == "proposed"
    falls = audits[FALLS]
    assert falls.title == "Falls risk assessment on the elderly care wards"
    assert (falls.audit_type, falls.status) == ("ward_monitoring", "data_collection")
    assert [len(list_cycles(db, a)) for a in (VTE, SEPSIS, CONSENT, FALLS)] == [2, 2, 0, 2]


def test_vte_cycles_are_a_year_and_nine_months_of_about_120_cases(db):
    first, second = list_cycles(db, VTE)
    assert (first.period_start, first.period_end) == ("2024-12-01", "2025-11-30")
    assert (second.period_start, second.period_end) == ("2025-12-01", "2026-08-31")
    counts = [db.execute("SELECT COUNT(*) FROM cases WHERE cycle_id = ?", [c.id]).fetchone()[0]
              for c in (first, second)]
    assert all(100 <= n <= 120 for n in counts)
    months = db.execute("SELECT substr(case_date, 1, 7) m, COUNT(*) FROM cases WHERE cycle_id = ? GROUP BY m",
                        [first.id]).fetchall()
    assert len(months) == 12 and min(n for _, n in months) >= 8  # no month with a handful of cases


def test_vte_comparison_shows_a_clear_rise_on_criteria_1_and_2_but_not_3(db):
    first, second = list_cycles(db, VTE)
    risk, prophylaxis, reassessed = compare_cycles(db, first.id, second.id)
    assert risk.name == "Risk assessed ≤14 h"
    assert risk.comparison.p_value < 0.001 and risk.comparison.difference > 0.2
    assert round(risk.comparison.p1, 2) == 0.62 and round(risk.comparison.p2, 2) == 0.90  # the designed rates
    assert risk.verdict.startswith("Compliance rose")
    assert prophylaxis.comparison.p_value < 0.01 and prophylaxis.comparison.difference > 0
    assert reassessed.comparison.p_value > 0.05 and reassessed.verdict.startswith("No clear change")


def test_vte_proforma_lands_at_the_cycle_boundary_with_a_chart_note(db):
    second = list_cycles(db, VTE)[1]
    (proforma,) = [a for a in list_actions(db, VTE) if a.status == "complete"]
    assert "proforma" in proforma.text and proforma.completed_on <= second.period_start
    assert (date.fromisoformat(second.period_start) - date.fromisoformat(proforma.completed_on)).days <= 7
    assert [n.label for n in list_notes(db, VTE)] == ["August changeover: new FY1 doctors"]
    series = criterion_series(db, VTE, list_criteria(db, second.id)[0].lineage)
    one_phase = build_chart(series, "p", rebase=False)
    after = [p.point_type for p in one_phase.points if p.index >= series.rebase_indices[0]]
    assert after and set(after) == {"special_cause_improvement"}  # the shift after the proforma


def test_demo_copies_are_the_shared_samples(shared_data):
    # Kept in step: the demo bundles the current shared samples, byte for byte.
    for bundled, shared in ((FALLS_MONTHLY_FILE, "monthly_compliance_example.csv"),
                            (NATIONAL_FILE, "national_audit_trust_results.csv")):
        assert resource_path(bundled).read_bytes() == (shared_data / shared).read_bytes()


def _change_index(expected: list[tuple[str, int, int]]) -> int:
    return [m for m, _, _ in expected].index(str(facts.monthly_facts()["change"]))


def test_falls_series_matches_the_monthly_file_month_by_month(db, shared_data):
    # The demo's story (the new falls proforma) starts in the sample's documented change month.
    expected = monthly_csv(resource_path(FALLS_MONTHLY_FILE))
    change = str(facts.monthly_facts()["change"])
    (criterion,) = list_criteria(db, list_cycles(db, FALLS)[-1].id)
    assert (criterion.direction, criterion.target) == ("higher", 95.0)
    series = criterion_series(db, FALLS, criterion.lineage)
    assert [d.strftime("%Y-%m") for d in series.starts] == [m for m, _, _ in expected]
    assert series.met.tolist() == [met for _, met, _ in expected]
    assert series.eligible.tolist() == [n for _, _, n in expected]
    assert series.undated_cases == 0
    assert [c.on_date for c in series.cycle_starts] == [expected[0][0] + "-01", change + "-01"]
    assert series.rebase_indices == (_change_index(expected),)
    assert any(e.kind == "action" and e.on_date.startswith(change) and "falls proforma" in e.label
               for e in series.events)


def test_falls_one_phase_shows_special_cause_improvement_and_rebased_phases_are_stable(db):
    (criterion,) = list_criteria(db, list_cycles(db, FALLS)[-1].id)
    series = criterion_series(db, FALLS, criterion.lineage)
    one = build_chart(series, "p", rebase=False)
    at = _change_index(monthly_csv(resource_path(FALLS_MONTHLY_FILE)))
    after = {p.point_type for p in one.points if p.index >= at}
    assert after == {"special_cause_improvement"} and one.variation == "special_cause_improvement"
    assert any("outside_limits" in p.rules for p in one.points)
    rebased = build_chart(series, "p")
    assert len(rebased.phases) == 2
    assert {p.point_type for p in rebased.points} == {"common_cause"}
    assert rebased.phases[0].mean == pytest.approx(facts.monthly_facts()["before"], abs=0.01)
    assert rebased.phases[1].mean == pytest.approx(facts.monthly_facts()["after"], abs=0.01)
    assert rebased.assurance == "hit_and_miss"


def test_benchmark_is_imported_linked_and_compares(db, shared_data):
    # The shared national table: "who we are" is its multi-site trust RZ3, the criterion linked to q07.
    assert resource_path(NATIONAL_FILE).is_file()
    datasets = list_datasets(db)
    assert datasets["file_name"].tolist() == [Path(NATIONAL_FILE).name]
    identity = load_identity(db)
    _header, body = facts.national_rows()
    sites = {r[1] for r in body if r[0] == "RZ3"}
    assert identity.code == "RZ3" and set(identity.site_codes) == sites and len(sites) > 1
    links = links_for_audit(db, FALLS)
    assert len(links) == 1 and links["measure_code"].iloc[0] == "q07"
    assert "within 24 hours" in links["definition_difference"].iloc[0]
    cycle = list_cycles(db, FALLS)[-1]
    result = compare_link(db, int(links["id"].iloc[0]), cycle.id)
    change = str(facts.monthly_facts()["change"])
    after = [(met, n) for month, met, n in monthly_csv(resource_path(FALLS_MONTHLY_FILE)) if month >= change]
    assert (result.local.met, result.local.n) == (sum(m for m, _ in after), sum(n for _, n in after))
    national = facts.national_aggregate()
    assert result.national_value == pytest.approx(float(national[facts.national_column("q07", "p")]) / 100, abs=0.001)
    assert set(result.our_rows["code"]) <= sites and set(result.our_rows["match_kind"]) == {"code"}
    assert not result.name_match_pending and result.funnel is not None and len(result.organisations) > 50
    assert "above the national" in result.versus.describe()


def test_sepsis_revised_deadline_is_amber(db):
    (revised,) = [a for a in list_actions(db, SEPSIS) if current_deadline(db, a)[1] > 0]
    deadline, revisions = current_deadline(db, revised)
    assert revisions == 1 and deadline > date.fromisoformat(revised.original_deadline)
    assert action_rag(revised.status, deadline, revisions, date(2026, 12, 1)) == "amber"


def test_no_identifiers_stored(db):
    assert db.execute("SELECT COUNT(*) FROM cases WHERE nhs_number IS NOT NULL OR hospital_number IS NOT NULL "
                      "OR patient_key IS NOT NULL").fetchone()[0] == 0
    text = " ".join(str(v) for row in db.execute("SELECT * FROM cases").fetchall() for v in row)
    # nothing shaped like an NHS number (digits inside a hex uuid or pseudonym do not count, as in identifier_scan)
    assert not re.search(r"(?<![A-Za-z0-9])\d{3} ?\d{3} ?\d{4}(?![A-Za-z0-9])", text)
    assert get_audit(db, FALLS).keep_identifiers is False


def test_demo_is_deterministic():
    def snapshot() -> list[tuple]:
        database = open_memory()
        try:
            populate_demo(database)
            return database.execute(
                "SELECT c.case_ref, c.case_date, c.age_band, c.ward, a.criterion_id, a.outcome FROM answers a "
                "JOIN cases c ON c.id = a.case_id ORDER BY c.id, a.criterion_id").fetchall()
        finally:
            database.close()

    first = snapshot()
    assert len(first) > 2000 and first == snapshot()
