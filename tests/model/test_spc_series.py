"""Criterion series over time for SPC: bucketing, cycle starts, markers, chart choice, reading."""

from __future__ import annotations

import csv
import datetime as dt
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from model.act.actions import ActionItem, add_action
from model.compare.chart_notes import add_note, delete_note, list_notes
from model.compare.spc import SpcResult, run_chart
from model.compare.spc_series import criterion_series, phase_labels, series_from_answers
from model.compare.spc_series_charts import RUN_PHASE_MIN, PhasedRunChart, build_chart, chart_reason, choose_chart
from model.compare.spc_series_reading import reading
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, start_next_cycle
from model.store.case_answers import Answer, column_from_values, write_case_answers, write_many
from model.store.store import open_memory
from tests.model.shared_facts import monthly_facts

Cases = list[tuple[str | None, str]]  # (case_date, outcome)


@pytest.fixture
def db() -> Database:
    return open_memory()


def make_audit(db: Database, cycles: list[tuple[str | None, Cases]], *, direction: str = "higher",
               target: float = 95.0) -> tuple[int, str, list[int]]:
    """An audit with one criterion over several cycles; returns (audit_id, lineage, cycle ids)."""
    audit = create_audit(db, Audit(title="Test audit"))
    ids: list[int] = []
    for k, (period_start, _cases) in enumerate(cycles):
        if k == 0:
            cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start=period_start))
            add_criterion(db, cycle.id, Criterion(statement="Risk assessed", short_name="Risk assessed",
                                                  direction=direction, target=target))
        else:
            cycle = start_next_cycle(db, audit.id, period_start=period_start)
        ids.append(cycle.id)
    for cycle_id, (_start, cases) in zip(ids, cycles, strict=True):
        _add_cases(db, cycle_id, cases)
    lineage = list_criteria(db, ids[0])[0].lineage
    return audit.id, lineage, ids


def _add_cases(db: Database, cycle_id: int, cases: Cases) -> None:
    criterion_id = list_criteria(db, cycle_id)[0].id
    rows = [{"cycle_id": cycle_id, "case_ref": f"C{cycle_id}-{i}", "case_date": day,
             "created_at": "2026-01-01", "updated_at": "2026-01-01"} for i, (day, _o) in enumerate(cases)]
    db["cases"].insert_all(rows)
    case_ids = [r[0] for r in db.execute("SELECT id FROM cases WHERE cycle_id = ? ORDER BY id", [cycle_id])]
    write_many(db, case_ids, {criterion_id: column_from_values([outcome for _d, outcome in cases])})


# --------------------------------------------------------------------------- bucketing


def test_month_buckets_count_met_and_eligible_and_keep_gaps(db: Database) -> None:
    cases: Cases = [("2025-01-03", "met"), ("2025-01-20", "not_met"), ("2025-01-31", "exception"),
                    ("2025-01-15", "missing"), ("2025-03-01", "met"), ("2025-03-31T23:00:00", "met"),
                    ("2025-04-10", "not_met")]
    audit_id, lineage, _ = make_audit(db, [("2025-01-01", cases)])
    s = criterion_series(db, audit_id, lineage)
    assert s.starts == (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1))
    assert s.labels == ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025"]
    assert s.met.tolist() == [1, 0, 2, 0]
    assert s.eligible.tolist() == [2, 0, 2, 1]  # exception and missing are not eligible; Feb is a gap
    assert (s.exceptions, s.missing, s.undated_cases) == (1, 1, 0)
    assert s.n_points == 3 and s.n_buckets == 4
    np.testing.assert_allclose(s.percent, [50.0, np.nan, 100.0, 0.0])
    assert "1 month had no eligible cases" in reading(s, build_chart(s, "run"))


def test_week_buckets_are_iso_weeks_starting_monday(db: Database) -> None:
    cases: Cases = [("2025-03-02", "met"), ("2025-03-03", "not_met"), ("2025-03-09", "met"),
                    ("2025-03-24", "met")]
    audit_id, lineage, _ = make_audit(db, [("2025-03-01", cases)])
    s = criterion_series(db, audit_id, lineage, bucket="week")
    # Sunday 2 March closes the week of Monday 24 February; Monday 3 March opens the next.
    assert s.starts == (date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17),
                        date(2025, 3, 24))
    assert s.met.tolist() == [1, 1, 0, 0, 1]
    assert s.eligible.tolist() == [1, 2, 0, 0, 1]
    assert s.labels[1] == "w/c 3 Mar 2025"
    assert s.cycle_starts[0].bucket == 0  # 1 March 2025 falls in the week of 24 February


def test_undated_cases_are_counted_not_dropped(db: Database) -> None:
    cases: Cases = [("2025-05-02", "met"), (None, "met"), (None, "not_met"), ("", "exception"),
                    ("not a date", "met"), ("2025-06-02", "not_met")]
    audit_id, lineage, _ = make_audit(db, [("2025-05-01", cases)])
    s = criterion_series(db, audit_id, lineage)
    assert (s.undated_cases, s.undated_eligible) == (4, 3)
    assert s.met.tolist() == [1, 0] and s.eligible.tolist() == [1, 1]
    text = reading(s, build_chart(s, "run"))
    assert "4 cases have no case date and cannot be placed on the chart (3 of them met or not met)" in text


def test_all_undated_gives_an_empty_series_that_says_so() -> None:
    frame = pd.DataFrame({"cycle_id": [1, 1], "outcome": ["met", "exception"], "case_date": [None, None]})
    s = series_from_answers(frame)
    assert s.n_buckets == 0 and s.undated_cases == 2 and s.undated_eligible == 1
    text = reading(s, build_chart(s, "run"))
    assert text.startswith("No eligible cases with a date yet") and "2 cases have no case date" in text


def test_deleted_cases_and_other_criteria_are_left_out(db: Database) -> None:
    audit_id, lineage, (cycle_id,) = make_audit(db, [("2025-01-01", [("2025-01-05", "met"),
                                                                     ("2025-01-06", "met")])])
    other = add_criterion(db, cycle_id, Criterion(statement="Other"))
    first_case = db.execute("SELECT id FROM cases ORDER BY id").fetchone()[0]
    write_case_answers(db, first_case, {other.id: Answer("not_met")})
    db.execute("UPDATE cases SET deleted_at = '2026-01-01' WHERE id = ?", [first_case])
    s = criterion_series(db, audit_id, lineage)
    assert s.met.tolist() == [1] and s.eligible.tolist() == [1]


def test_unknown_lineage_is_a_known_error(db: Database) -> None:
    audit_id, _lineage, _ = make_audit(db, [("2025-01-01", [("2025-01-05", "met")])])
    with pytest.raises(KnownError, match="no longer part of this audit"):
        criterion_series(db, audit_id, "nope")


def test_direction_and_target_come_from_the_latest_cycle(db: Database) -> None:
    audit_id, lineage, ids = make_audit(db, [("2025-01-01", [("2025-01-05", "met")]),
                                             ("2025-03-01", [("2025-03-05", "met")])], direction="lower",
                                        target=5)
    db.execute("UPDATE criteria SET target = 2 WHERE cycle_id = ?", [ids[1]])
    s = criterion_series(db, audit_id, lineage)
    assert s.improvement == "decrease" and s.target == 2.0 and s.name == "Risk assessed"


# --------------------------------------------------------------------------- cycle starts and markers


def test_cycle_start_buckets_use_period_start_else_first_case(db: Database) -> None:
    cycles = [("2024-12-15", [("2025-01-10", "met"), ("2025-02-10", "met")]),   # starts before the data
              ("2025-04-20", [("2025-04-25", "met"), ("2025-05-02", "not_met")]),
              (None, [("2025-07-09", "met"), ("2025-06-30", "met")])]            # no period start
    audit_id, lineage, ids = make_audit(db, cycles)
    s = criterion_series(db, audit_id, lineage)
    assert s.labels[0] == "Jan 2025" and s.n_buckets == 7
    assert [(c.cycle_id, c.bucket, c.on_date) for c in s.cycle_starts] == [
        (ids[0], 0, "2024-12-15"), (ids[1], 3, "2025-04-20"), (ids[2], 5, "2025-06-01")]
    assert s.rebase_indices == (3, 5)
    result = build_chart(s, "p")
    assert isinstance(result, SpcResult) and [p.start for p in result.phases] == [0, 3, 5]
    one = build_chart(s, "p", rebase=False)
    assert isinstance(one, SpcResult) and len(one.phases) == 1


def test_a_cycle_starting_after_the_data_adds_no_phase(db: Database) -> None:
    audit_id, lineage, _ = make_audit(db, [("2025-01-01", [("2025-01-05", "met")]), ("2026-01-01", [])])
    s = criterion_series(db, audit_id, lineage)
    assert len(s.cycle_starts) == 1 and s.rebase_indices == ()


def test_markers_are_completed_actions_and_notes_in_their_bucket(db: Database) -> None:
    cases: Cases = [(f"2025-{m:02d}-10", "met") for m in range(1, 7)]
    audit_id, lineage, _ = make_audit(db, [("2025-01-01", cases)])
    add_action(db, ActionItem(audit_id=audit_id, text="New proforma", status="complete", completed_on="2025-03-28"))
    add_action(db, ActionItem(audit_id=audit_id, text="Still going", status="in_progress"))
    add_note(db, audit_id, "2025-05-01", "Locum month", lineage=lineage)
    add_note(db, audit_id, "2025-02-14", "Ward closed")  # every criterion
    add_note(db, audit_id, "2025-02-15", "About another criterion", lineage="other")
    add_note(db, audit_id, "2027-01-01", "After the data")
    s = criterion_series(db, audit_id, lineage)
    got = [(e.on_date, e.label, e.kind, e.bucket) for e in s.events]
    assert got == [("2025-02-14", "Ward closed", "note", 1), ("2025-03-28", "New proforma", "action", 2),
                   ("2025-05-01", "Locum month", "note", 4), ("2027-01-01", "After the data", "note", None)]
    assert all(e.note_id is not None for e in s.events if e.kind == "note")


# --------------------------------------------------------------------------- chart choice and build


def _frame(months: list[tuple[str, int, int]]) -> pd.DataFrame:
    """One row per month with pre-aggregated counts (column n)."""
    rows = []
    for month, met, eligible in months:
        rows.append({"cycle_id": 1, "outcome": "met", "case_date": f"{month}-15", "n": met})
        rows.append({"cycle_id": 1, "outcome": "not_met", "case_date": f"{month}-15", "n": eligible - met})
    return pd.DataFrame(rows)


def _months(k: int, start: int = 2024) -> list[str]:
    return [f"{start + i // 12}-{i % 12 + 1:02d}" for i in range(k)]


def test_choose_chart_run_for_few_points_p_for_varying_sizes_else_xmr() -> None:
    few = series_from_answers(_frame([(m, 8, 10) for m in _months(7)]))
    assert choose_chart(few) == "run"
    assert "only 7 months with data" in chart_reason(few, "run")
    varying = series_from_answers(_frame([(m, 8, 10 + i % 3) for i, m in enumerate(_months(8))]))
    assert choose_chart(varying) == "p"
    assert "(10–12 a month)" in chart_reason(varying, "p")
    same = series_from_answers(_frame([(m, 7 + i % 2, 10) for i, m in enumerate(_months(8))]))
    assert choose_chart(same) == "xmr"
    assert "same number of eligible cases (10)" in chart_reason(same, "xmr")


def test_gaps_do_not_count_as_points_for_the_choice() -> None:
    months = _months(12)
    s = series_from_answers(_frame([(m, 8, 10 + i) for i, m in enumerate(months) if i % 2 == 0]))
    assert s.n_buckets == 11 and s.n_points == 6 and choose_chart(s) == "run"


def test_build_chart_units_target_and_trial_limits() -> None:
    s = series_from_answers(_frame([(m, 8, 10 + i % 3) for i, m in enumerate(_months(20))]), target=90,
                            improvement="increase", cycles=[(1, 1, "Cycle 1", "2024-01-01"),
                                                            (2, 2, "Cycle 2", "2025-01-01")])
    p = build_chart(s, "p")
    assert isinstance(p, SpcResult) and p.chart_type == "p" and p.target == pytest.approx(0.9)
    assert p.points[0].value == pytest.approx(0.8) and p.points[0].denominator == 10
    assert [ph.n_points for ph in p.phases] == [12, 8] and all(ph.trial for ph in p.phases)
    x = build_chart(s, "xmr", screen=False)
    assert isinstance(x, SpcResult) and x.points[0].value == pytest.approx(80.0) and x.target == 90
    assert not x.screened.applied
    run = build_chart(s, "run")  # cycle 2 has 8 months, some on its median: too short for its own
    assert isinstance(run, PhasedRunChart) and run.overall.n_values == 20 and not run.rebased
    assert run.phases[0].result == run.overall and "Cycle 2 has only" in run.note
    with pytest.raises(ValueError):
        build_chart(s, "funnel")  # type: ignore[arg-type]


def _two_cycle_series(first: list[int], second: list[int]) -> object:
    """Monthly met-out-of-20 counts for two cycles, cycle 2 starting right after cycle 1."""
    months = _months(len(first) + len(second))
    frame = _frame([(m, met, 20) for m, met in zip(months, first + second, strict=True)])
    return series_from_answers(frame, cycles=[(1, 1, "Cycle 1 (baseline)", f"{months[0]}-01"),
                                              (2, 2, "Cycle 2 (re-audit)", f"{months[len(first)]}-01")])


BASELINE_MET = [10, 12, 9, 11, 13, 10, 12, 11, 9, 13]  # 50–65%
REAUDIT_MET = [17, 18, 16, 19, 17, 18, 16, 19, 18, 17]  # 80–95%


def test_rebased_run_chart_has_a_median_per_cycle() -> None:
    s = _two_cycle_series(BASELINE_MET, REAUDIT_MET)
    chart = build_chart(s, "run")
    assert isinstance(chart, PhasedRunChart) and chart.rebased
    assert [(p.start, p.end) for p in chart.phases] == [(0, 10), (10, 20)]
    values = s.percent
    assert [p.result for p in chart.phases] == [run_chart(values[:10]), run_chart(values[10:])]
    assert chart.phases[0].result.median == pytest.approx(55.0) and chart.phases[1].result.median == 87.5
    assert chart.overall == run_chart(values) and chart.note == ""
    assert [p.label for p in chart.phases] == ["cycle 1, the baseline", "cycle 2, the re-audit"]


def test_rebased_run_chart_reading_says_which_cycle_each_statement_is_about() -> None:
    s = _two_cycle_series(BASELINE_MET, REAUDIT_MET)
    text = reading(s, build_chart(s, "run"))
    assert text.startswith("Each cycle has its own median. Cycle 1, the baseline (Jan 2024 – Oct 2024): run chart "
                           "of 10 months: no non-random pattern around the median of 55%.")
    assert "Cycle 2, the re-audit (Nov 2024 – Aug 2025): run chart of 10 months: " in text
    one = build_chart(s, "run", rebase=False)
    assert not one.rebased and one.note == "" and one.phases[0].result == run_chart(s.percent)
    assert reading(s, one).startswith("Run chart of 20 months: a non-random pattern")  # the step shows as a run


def test_too_short_a_cycle_keeps_one_median_and_says_why() -> None:
    s = _two_cycle_series(BASELINE_MET, REAUDIT_MET[:RUN_PHASE_MIN - 1])
    chart = build_chart(s, "run")
    assert not chart.rebased and chart.phases[0].result == chart.overall
    assert chart.note == ("One median is drawn across all cycles: a median per cycle needs at least 8 points off "
                          "the median in each, and Cycle 2 (re-audit) has only 5 off its own.")  # two of 7 on it
    assert chart.note in reading(s, chart)


# --------------------------------------------------------------------------- reading


def test_reading_names_the_cycle_and_the_action_before_the_change(db: Database) -> None:
    first: Cases = [(f"2025-{m:02d}-{d:02d}", "met" if d % 3 else "not_met") for m in range(1, 10)
                    for d in range(1, 13)]
    second: Cases = [(f"2025-{m:02d}-{d:02d}", "met" if d % 7 else "not_met") for m in range(10, 13)
                     for d in range(1, 13)]
    second += [(f"2026-{m:02d}-{d:02d}", "met" if d % 7 else "not_met") for m in range(1, 10) for d in range(1, 13)]
    audit_id, lineage, _ = make_audit(db, [("2025-01-01", first), ("2025-10-01", second)])
    add_action(db, ActionItem(audit_id=audit_id, text="Introduce the new admission proforma", status="complete",
                              completed_on="2025-09-20"))
    add_action(db, ActionItem(audit_id=audit_id, text="Earlier teaching", status="complete",
                              completed_on="2025-09-01"))
    s = criterion_series(db, audit_id, lineage)
    result = build_chart(s, "p")
    assert isinstance(result, SpcResult)
    assert phase_labels(s, result) == ["cycle 1, the baseline",
                                       "cycle 2, the re-audit after “Introduce the new admission proforma”"]
    text = reading(s, result)
    assert text.startswith("The limits were recalculated from cycle 2, the re-audit after “Introduce the new "
                           "admission proforma” (Oct 2025)")
    assert "trial limits, based on only 12 months" in text and "around the mean of 91.7%" in text
    assert "within the process limits (67.7%–100%)" in text  # p-chart proportions read as percent


def test_reading_says_how_moving_ranges_were_screened() -> None:
    values = [(m, 8, 10) for m in _months(12)]
    values[5] = (values[5][0], 0, 10)  # one very low month makes two large jumps
    s = series_from_answers(_frame(values))
    screened = reading(s, build_chart(s, "xmr", screen=True))
    assert "Moving ranges were screened: 2 unusually large jumps were left out" in screened
    plain = reading(s, build_chart(s, "xmr", screen=False))
    assert "Moving-range screening was off" in plain
    assert "screen" not in reading(s, build_chart(s, "p")).lower()


# --------------------------------------------------------------------------- worked example file


def test_monthly_compliance_example_end_to_end(db: Database, shared_data: Path) -> None:
    with open(shared_data / "monthly_compliance_example.csv", newline="") as fh:
        months = [(r["month"], int(r["met"]), int(r["eligible"])) for r in csv.DictReader(fh)]
    before: Cases = []
    after: Cases = []
    facts = monthly_facts()  # the README's intervention month and compliance either side of it
    change = str(facts["change"])
    for month, met, eligible in months:
        target = before if month < change else after
        target += [(f"{month}-{1 + i % 28:02d}", "met" if i < met else "not_met") for i in range(eligible)]
    audit_id, lineage, _ = make_audit(db, [(f"{months[0][0]}-01", before), (f"{change}-01", after)])
    s = criterion_series(db, audit_id, lineage)
    assert s.met.tolist() == [m for _, m, _ in months] and s.eligible.tolist() == [e for *_, e in months]
    assert s.rebase_indices == ([m for m, *_ in months].index(change),) and choose_chart(s) == "p"
    rebased = build_chart(s, "p")
    assert isinstance(rebased, SpcResult)
    assert [ph.mean for ph in rebased.phases] == [pytest.approx(facts["before"], abs=0.001),
                                                  pytest.approx(facts["after"], abs=0.001)]
    assert {p.point_type for p in rebased.points} == {"common_cause"}  # each phase stable at its own level
    one = build_chart(s, "p", rebase=False)
    assert isinstance(one, SpcResult) and len(one.phases) == 1
    assert one.variation == "special_cause_improvement"
    at = s.rebase_indices[0]
    assert all(p.point_type == "special_cause_improvement" for p in one.points[at:])
    since = dt.date.fromisoformat(f"{change}-01").strftime("%b %Y")
    assert reading(s, one).startswith(f"The last {len(months) - at} months, since {since}, are all above the mean")


# --------------------------------------------------------------------------- chart notes


def test_chart_notes_add_list_delete_and_validate(db: Database) -> None:
    audit_id, lineage, _ = make_audit(db, [("2025-01-01", [("2025-01-05", "met")])])
    a = add_note(db, audit_id, "2025-03-04", "  New   proforma ")
    b = add_note(db, audit_id, "2025-02-01T10:00", "Only here", lineage=lineage)
    add_note(db, audit_id, "2025-01-01", "Elsewhere", lineage="other")
    assert a.label == "New proforma" and b.on_date == "2025-02-01"
    assert [n.label for n in list_notes(db, audit_id, lineage=lineage)] == ["Only here", "New proforma"]
    assert len(list_notes(db, audit_id)) == 3
    delete_note(db, a.id)
    assert [n.label for n in list_notes(db, audit_id, lineage=lineage)] == ["Only here"]
    for day, label in (("2025-13-01", "x"), ("", "x"), ("2025-01-01", "   "), ("2025-01-01", "x" * 121)):
        with pytest.raises(KnownError):
            add_note(db, audit_id, day, label)


# --------------------------------------------------------------------------- performance


def test_series_and_p_chart_for_200k_answers() -> None:
    """60 monthly buckets from 200,000 answers (timing lives in bench/run.py)."""
    rng = np.random.default_rng(7)
    n = 200_000
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 1826, n), unit="D")
    frame = pd.DataFrame({"cycle_id": np.where(days < pd.Timestamp("2023-07-01"), 1, 2),
                          "outcome": rng.choice(["met", "not_met", "exception", "missing"], n),
                          "case_date": days.strftime("%Y-%m-%d")})
    cycles = [(1, 1, "Cycle 1", "2021-01-01"), (2, 2, "Cycle 2", "2023-07-01")]
    s = series_from_answers(frame, cycles=cycles, target=95)
    chart = build_chart(s, "p")
    assert s.n_buckets == 60 and int(s.eligible.sum()) == int(frame["outcome"].isin(["met", "not_met"]).sum())
    assert len(chart.points) == 60 and len(chart.phases) == 2
