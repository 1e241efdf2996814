"""The department dashboard: its counts against counts worked out here, independently, from the tables."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta

import pytest

from bench.department import generate_department
from model.act.reminders import compute_reminders
from model.core.financial_year import FinancialYear
from model.core.util import parse_iso_date
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle
from model.report.dashboard import dashboard, export_dashboard
from model.store.store import open_memory, open_store

TODAY = date(2026, 6, 1)
YEAR = FinancialYear(2026)


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    path = generate_department(tmp_path_factory.mktemp("dept") / "d.sqlite", audits=80, cycles=300, actions=900,
                               seed=7, today=TODAY)
    store = open_store(path)
    store.db.execute("UPDATE audits SET deleted_at = '2026-05-01T00:00:00+00:00' WHERE id IN (3, 4)")  # the bin
    yield store.db
    store.close()


def _live(db) -> list[dict]:
    return list(db.query("SELECT * FROM audits WHERE deleted_at IS NULL"))


def _deadline(db, action: dict) -> date | None:
    revisions = list(db.query("SELECT deadline, revised_on, id FROM action_deadline_revisions WHERE action_id = ?",
                              [action["id"]]))
    if revisions:
        return parse_iso_date(max(revisions, key=lambda r: (r["revised_on"], r["id"]))["deadline"])
    return parse_iso_date(action["original_deadline"])


def _measured_cycles(db, audit_id: int) -> list[tuple[int, date]]:
    """(number, date) of the audit's cycles with a met or not-met answer, read through the answers view."""
    rows = db.execute(
        "SELECT y.number, COALESCE(y.period_end, y.period_start) FROM cycles y WHERE y.audit_id = ? AND EXISTS "
        "(SELECT 1 FROM answers a JOIN cases c ON c.id = a.case_id WHERE c.cycle_id = y.id AND c.deleted_at IS NULL "
        "AND a.outcome IN ('met', 'not_met')) ORDER BY y.number", [audit_id]).fetchall()
    return [(n, parse_iso_date(d)) for n, d in rows]


def test_counts_by_status_directorate_specialty_priority_and_type(department):
    board = dashboard(department, TODAY)
    live = _live(department)
    assert board.audits == len(live) == 78
    for group, column in (("by_status", "status"), ("by_directorate", "directorate"),
                          ("by_specialty", "specialty"), ("by_priority", "priority"), ("by_type", "audit_type")):
        expected = Counter(a[column] or "Not given" for a in live)
        found = {f.name: f.count for f in board.group(group) if f.count}
        assert found == dict(expected), group
        for figure in board.group(group):  # the rows behind each figure are exactly its audits
            assert sorted(r.audit_id for r in figure.rows) == sorted(
                a["id"] for a in live if (a[column] or "Not given") == figure.name)


def test_overdue_actions_by_owner_and_directorate(department):
    board = dashboard(department, TODAY)
    live = {a["id"]: a for a in _live(department) if a["status"] != "abandoned"}
    late = [a for a in department.query("SELECT * FROM actions WHERE status NOT IN ('complete', 'cancelled')")
            if a["audit_id"] in live and (d := _deadline(department, a)) is not None and d < TODAY]
    assert late, "the generated department has overdue actions"
    by_owner = Counter(a["owner"] or "No owner" for a in late)
    by_directorate = Counter(live[a["audit_id"]]["directorate"] or "Not given" for a in late)
    assert {f.name: f.count for f in board.group("overdue_actions_by_owner")} == dict(by_owner)
    assert {f.name: f.count for f in board.group("overdue_actions_by_directorate")} == dict(by_directorate)
    assert board.to_json()["overdue_actions"] == len(late)


def test_loops_closed_this_year_and_last_and_the_median_gap(department):
    board = dashboard(department, TODAY)
    closed: dict[str, set[int]] = {"this_year": set(), "last_year": set()}
    gaps = []
    for audit in _live(department):
        measured = [(n, d) for n, d in _measured_cycles(department, audit["id"]) if d <= TODAY]
        reaudits = [(n, d) for n, d in measured if n >= 2 and any(m < n for m, _ in measured)]
        if reaudits:
            on = reaudits[-1][1]
            if YEAR.start <= on <= YEAR.end:
                closed["this_year"].add(audit["id"])
            elif YEAR.previous().start <= on <= YEAR.previous().end:
                closed["last_year"].add(audit["id"])
        every = dict(_measured_cycles(department, audit["id"]))
        if 1 in every and 2 in every and every[2] >= every[1]:
            gaps.append((every[2] - every[1]).days / (365.25 / 12))
    for name, ids in closed.items():
        assert {r.audit_id for r in board.figure(f"loops_closed:{name}").rows} == ids, name
    assert sum(len(ids) for ids in closed.values()) > 0
    assert board.figure("cycle_1_to_2:median_months").value == pytest.approx(statistics.median(gaps))
    assert board.figure("cycle_1_to_2:median_months").count == len(gaps)


def test_reaudits_action_plans_reports_and_abandoned_agree_with_the_data(department):
    board = dashboard(department, TODAY)
    raised = compute_reminders(department, TODAY)
    by_kind = {kind: {r.audit_id for r in raised if r.kind == kind} for kind in
               ("reaudit_overdue", "reaudit_due_soon", "no_action_plan", "report_overdue")}
    assert {r.audit_id for r in board.figure("reaudits:overdue").rows} == by_kind["reaudit_overdue"]
    assert {r.audit_id for r in board.figure("reaudits:due_30_days").rows} == by_kind["reaudit_due_soon"]
    assert {r.audit_id for r in board.figure("reaudits:due_90_days").rows} >= by_kind["reaudit_due_soon"]
    assert {r.audit_id for r in board.figure("follow_up:no_action_plan").rows} == by_kind["no_action_plan"]
    assert {r.audit_id for r in board.figure("follow_up:reports_not_filed").rows} == by_kind["report_overdue"]
    abandoned = {a["id"]: a["abandoned_reason"] for a in _live(department) if a["status"] == "abandoned"}
    assert {r["audit_id"]: r["reason"] for r in board.to_json()["abandoned"]} == abandoned
    for row in board.figure("reaudits:due_90_days").rows:
        assert row.due is not None and 0 <= (row.due - TODAY).days <= 90


def test_the_directorate_and_specialty_filters(department):
    directorate = "Medicine"
    board = dashboard(department, TODAY, directorate=directorate)
    expected = [a for a in _live(department) if a["directorate"] == directorate]
    assert board.audits == len(expected) > 0
    assert {f.name for f in board.group("by_directorate") if f.count} == {directorate}
    one = expected[0]["specialty"]
    both = dashboard(department, TODAY, directorate=directorate, specialty=one)
    assert both.audits == sum(1 for a in expected if a["specialty"] == one)


def _measured(db, audit_id: int, number: int, start: str, end: str) -> None:
    from model.collect.cases import Answer, Case, add_case

    cycle = create_cycle(db, Cycle(audit_id=audit_id, number=number, period_start=start, period_end=end))
    crit = add_criterion(db, int(cycle.id), Criterion(statement="x", lineage="L1", target=90))
    for i, outcome in enumerate(["met", "not_met", "met", "met"][: 2 + number]):
        add_case(db, Case(cycle_id=int(cycle.id), case_ref=f"C{i}", answers={int(crit.id): Answer(outcome)}))


def test_a_loop_closed_on_31_march_counts_in_the_year_it_ends():
    db = open_memory()
    for title, end in (("March", "2026-03-31"), ("April", "2026-04-01"), ("Future", "2026-06-02")):
        audit = create_audit(db, Audit(title=title, directorate="Medicine"))
        _measured(db, int(audit.id), 1, "2025-01-01", "2025-01-31")
        _measured(db, int(audit.id), 2, "2026-03-01", end)
    board = dashboard(db, TODAY)
    assert [r.audit_title for r in board.figure("loops_closed:this_year").rows] == ["April"]
    assert [r.audit_title for r in board.figure("loops_closed:last_year").rows] == ["March"]  # 2025/26
    assert "cycle 2" in board.figure("loops_closed:this_year").rows[0].detail
    earlier = dashboard(db, TODAY, year=FinancialYear(2025))
    assert [r.audit_title for r in earlier.figure("loops_closed:this_year").rows] == ["March"]
    assert earlier.figure("loops_closed:last_year").rows == ()
    assert dashboard(db, TODAY + timedelta(days=1)).figure("loops_closed:this_year").count == 2  # "Future" ends
    db.close()


def test_the_excel_export_holds_every_row_and_runs_no_formula(tmp_path):
    from openpyxl import load_workbook

    db = open_memory()
    create_audit(db, Audit(title="=HYPERLINK(\"http://x\")", status="abandoned", abandoned_reason="+lead left"))
    board = dashboard(db, TODAY)
    path = export_dashboard(board, tmp_path / "dash.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["About", "Figures", "Rows"]
    texts = [c.value for row in book["Rows"].iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\")" in texts and "'+lead left" in texts
    assert book["Rows"].max_row - 1 == sum(f.count for f in board.figures)
    db.close()
