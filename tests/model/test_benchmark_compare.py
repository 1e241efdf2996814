"""Our criterion's compliance against a linked national measure, checked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy.stats import binom

from model.benchmark.benchmark_compare import (
    compare_link,
    export_outliers,
    export_problems,
    identity_problems,
    load_identity,
    neutralise_formulas,
    save_identity,
)
from model.benchmark.benchmark_import import parse_file
from model.benchmark.benchmark_store import link_criterion, measures, save_dataset
from model.benchmark.benchmarks import binomial_limit
from model.collect.cases import Answer, Case, add_case
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle
from model.store.store import open_memory
from tests.model import shared_facts as facts

NATIONAL_CSV = """Synthetic national audit 2025,,,,,,
trustcode,sitecode,Trust name,Hospital name,q01n_met,q01d_eligible,q01p_percent
,,England and Wales,National,700,1000,70.0
RA1,RA101,Alpha NHS Trust,Alpha General,30,40,75.0
RA2,RA201,Beta NHS Trust,Beta General,20,50,40.0
RA3,RA301,Gamma NHS Trust,Gamma General,90,100,90.0
RA4,RA401,Delta NHS Trust,Delta General,*,<5,*
RT1,RT101,Our NHS Trust,Our General,35,50,70.0
"""


def wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    centre = (x + z * z / 2) / (n + z * z)
    half = z * math.sqrt(x * (n - x) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def exact_limit(theta: float, n: int, p: float) -> float:
    """DOMAIN §6, written out independently of model.benchmark.benchmarks."""
    r = next(r for r in range(n + 1) if binom.cdf(r, n, theta) >= p)
    below = binom.cdf(r - 1, n, theta) if r > 0 else 0.0
    alpha = (binom.cdf(r, n, theta) - p) / (binom.cdf(r, n, theta) - below)
    return min(max((r - alpha) / n, 0.0), 1.0)


@pytest.fixture
def store(tmp_path: Path):
    """An audit with one cycle: 43 met, 7 not met, 2 exceptions, 1 missing; the national file linked."""
    db = open_memory()
    audit = create_audit(db, Audit(title="Falls audit"))
    cycle = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, cycle.id, Criterion(statement="Risk assessed", short_name="Risk assessed", target=90))
    outcomes = ["met"] * 43 + ["not_met"] * 7 + ["exception"] * 2 + ["missing"]
    for i, outcome in enumerate(outcomes):
        add_case(db, Case(cycle_id=cycle.id, case_ref=f"C{i:03d}", answers={crit.id: Answer(outcome=outcome)}))
    path = tmp_path / "national.csv"
    path.write_text(NATIONAL_CSV, encoding="utf-8")
    dataset = save_dataset(db, parse_file(path))
    measure_id = int(measures(db, dataset)["id"].iloc[0])
    link = link_criterion(db, audit.id, crit.lineage, measure_id, "national: any time; ours: 14 h")
    save_identity(db, "Our NHS Trust", "RT1", "RT101")
    yield {"db": db, "cycle": cycle.id, "link": link, "path": path}
    db.close()


def test_our_counts_wilson_rank_and_flag(store):
    result = compare_link(store["db"], store["link"], store["cycle"])
    assert (result.local.met, result.local.n) == (43, 50)  # exceptions and missing left out
    v = result.versus
    assert v.value == pytest.approx(0.86)
    assert (v.ci_lower, v.ci_upper) == pytest.approx(wilson(43, 50), abs=1e-9)
    assert result.national_value == pytest.approx(0.70) and v.national_source == "given"
    # Others (our RT101 row left out): 0.75, 0.40, 0.90; RA4 is suppressed.
    assert v.organisations == 4 and v.rank == 2 and v.ties == 0
    assert (v.q1, v.median, v.q3) == pytest.approx((0.575, 0.75, 0.825))
    upper_95, upper_998 = exact_limit(0.7, 50, 0.975), exact_limit(0.7, 50, 0.999)
    assert upper_95 < 0.86 < upper_998
    assert v.flag == "alert_high"
    assert v.limits.upper_95 == pytest.approx(upper_95)
    text = " ".join(result.sentences())
    assert "above the national 70.0%" in text and "alert" in text and "indicative" in text
    assert "national: any time; ours: 14 h" in text


def test_funnel_of_organisations_and_outliers(store):
    result = compare_link(store["db"], store["link"], store["cycle"])
    orgs = result.organisations
    assert list(orgs["code"]) == ["RA101", "RA201", "RA301", "RT101"]
    assert result.left_out == 1  # RA401 suppressed: never plotted as 0
    assert list(orgs["ours"]) == [False, False, False, True]
    flags = [p.flag for p in result.funnel.points]
    assert flags == ["within", "alarm_low", "alarm_high", "within"]
    assert result.funnel.points[1].lower_998 == pytest.approx(float(binomial_limit(0.7, [50], 0.001)[0]))
    out = result.outliers
    assert list(out["code"]) == ["RA301", "RA201"]  # alarms, high first
    assert "positive outlier" in out["status"].iloc[0] and "negative outlier" in out["status"].iloc[1]
    assert result.our_published() == (35.0, 50.0)
    assert list(result.our_rows["match_kind"]) == ["code"]


def test_overdispersion_reports_phi(store):
    result = compare_link(store["db"], store["link"], store["cycle"], overdispersion="additive")
    z = np.array([p.z for p in result.funnel.points])
    lo, hi = np.percentile(z, [10, 90])
    assert result.funnel.phi == pytest.approx(float(np.mean(np.clip(z, lo, hi) ** 2)))
    assert result.funnel.tau2 is not None and result.funnel.tau2 >= 0


def test_name_match_needs_confirmation(store):
    db = store["db"]
    save_identity(db, "Our NHS Trust", "RZ9", "")
    pending = compare_link(db, store["link"], store["cycle"])
    assert pending.name_match_pending and not pending.organisations["ours"].any()
    assert pending.versus.organisations == 5  # our row still counted among the others
    confirmed = compare_link(db, store["link"], store["cycle"], accept_name_match=True)
    assert not confirmed.name_match_pending
    assert list(confirmed.organisations.loc[confirmed.organisations["ours"], "code"]) == ["RT101"]
    assert confirmed.our_rows["match_kind"].tolist() == ["name"]


def test_no_local_data_is_a_known_error(store):
    db = store["db"]
    empty = create_cycle(db, Cycle(audit_id=1, number=2))
    with pytest.raises(KnownError, match="not part of"):
        compare_link(db, store["link"], empty.id)


def test_identity_validation():
    assert identity_problems("Demo", "RXX", "RXX01, rxx02") == {}
    assert "code" in identity_problems("Demo", "RXXX", "")
    assert "sites" in identity_problems("Demo", "RXX", "RXY01")
    assert "sites" in identity_problems("Demo", "RXX", "RXX1")
    assert "name" in identity_problems(" ", "RXX", "")


def test_save_identity_refuses_bad_codes():
    db = open_memory()
    with pytest.raises(KnownError):
        save_identity(db, "Demo", "RXXX", "")
    assert load_identity(db).code == ""
    save_identity(db, "Demo", "rxx", "rxx01, RXX02")
    assert load_identity(db).site_codes == ("RXX01", "RXX02")
    db.close()


def test_formula_injection_is_neutralised(tmp_path: Path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "+1", "-x", "@a", "\tb", "\rc", "ok"], "n": range(7)})
    safe = neutralise_formulas(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@a", "'\tb", "'\rc", "ok"]
    assert safe["n"].tolist() == list(range(7))
    path = export_problems([{"row": 3, "column": "q1", "value": "=1+1", "reason": "bad"}], tmp_path / "p.csv")
    assert "'=1+1" in path.read_text(encoding="utf-8-sig")


def test_outlier_export_csv_and_xlsx(store, tmp_path: Path):
    result = compare_link(store["db"], store["link"], store["cycle"])
    outliers = result.outliers.copy()
    outliers.loc[0, "name"] = "=cmd|' /C calc'!A0"
    csv_path = export_outliers(outliers, tmp_path / "out.csv")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert "'=cmd" in text and "Alarm: above the 99.8% limit" in text and "indicative" in text
    xlsx = export_outliers(outliers, tmp_path / "out.xlsx")
    sheet = load_workbook(xlsx).active
    assert sheet["B2"].value == "'=cmd|' /C calc'!A0"
    assert sheet["E2"].value == pytest.approx(90.0)  # numbers stay numbers (percent)


def test_rate_measure_is_flagged(store, shared_data):
    db = store["db"]
    dataset = save_dataset(db, parse_file(shared_data / "fingertips_example.csv"))
    measure_id = int(measures(db, dataset)["id"].iloc[0])
    lineage = db.execute("SELECT lineage FROM criteria").fetchone()[0]
    link = link_criterion(db, 1, lineage, measure_id)
    result = compare_link(db, link, store["cycle"], period="2020/21")
    assert result.unit == "per 100,000" and "not a percentage" in " ".join(result.sentences())
    assert result.period == "2020/21" and result.area_type == "County & UA"
    assert list(result.periods) == facts.fingertips_periods()
    assert result.organisations["numerator"].notna().all()  # suppressed areas are left out, not 0
    raw = facts.fingertips()
    rows = raw[(raw["Area Type"] == "County & UA") & (raw["Sex"] == "Persons") & (raw["Time period"] == "2020/21")
               & (raw["Category Type"] == "") & (raw["Age"] == raw["Age"].mode().iloc[0])]
    empty = set(rows.loc[(rows["Value"] == "") | (rows["Count"] == ""), "Area Code"])
    assert result.left_out == len(empty) > 0
    assert not empty & set(result.organisations["code"])
    assert len(result.organisations) == len(rows) - len(empty)  # one row per area: older age bands left out


def test_the_linked_period_is_the_default(store, shared_data):
    db = store["db"]
    dataset = save_dataset(db, parse_file(shared_data / "fingertips_example.csv"))
    measure_id = int(measures(db, dataset)["id"].iloc[0])
    lineage = db.execute("SELECT lineage FROM criteria").fetchone()[0]
    link = link_criterion(db, 1, lineage, measure_id, period="2020/21")
    assert compare_link(db, link, store["cycle"]).period == "2020/21"
    assert compare_link(db, link, store["cycle"], period="2019/20").period == "2019/20"  # asked for explicitly
    link_criterion(db, 1, lineage, measure_id, period=None)
    assert compare_link(db, link, store["cycle"]).period == "2022/23"  # none stored: the latest
    link_criterion(db, 1, lineage, measure_id, period="1999")
    assert compare_link(db, link, store["cycle"]).period == "2022/23"  # not in the file: the latest


def test_a_median_measure_is_refused_with_a_reason(store, shared_data):
    db = store["db"]
    dataset = save_dataset(db, parse_file(shared_data / "national_audit_trust_results.csv"))
    found = measures(db, dataset).set_index("measure_code")
    (median,) = facts.national_medians()
    assert found.loc[median, "unit"] == "median"
    lineage = db.execute("SELECT lineage FROM criteria").fetchone()[0]
    link = link_criterion(db, 1, lineage, int(found.loc[median, "id"]))
    with pytest.raises(KnownError, match="median with its interquartile range") as info:
        compare_link(db, link, store["cycle"])
    assert info.value.hint
