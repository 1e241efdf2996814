"""Tests for model.results.results_export: suppression, formula injection, no identifiers (DOMAIN.md §6, §10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlite_utils import Database

from model.collect.cases import Answer, Case, add_case
from model.core.errors import KnownError
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, start_next_cycle
from model.results.cycle_results import compare_cycles, cycle_results, cycle_subgroups
from model.results.results_export import export_results, neutralise
from model.store.store import open_memory

NHS_NUMBER = "9990000018"


def fill(db: Database, cycle_id: int, criterion_id: int, outcomes: dict[str, int], start: int = 0) -> None:
    flat = [o for o, k in outcomes.items() for _ in range(k)]
    for i, outcome in enumerate(flat):
        add_case(db, Case(cycle_id=cycle_id, case_ref=f"REF-{start + i}", nhs_number=NHS_NUMBER,
                          hospital_number=f"H{start + i}", sex="Female" if i % 2 else "Male",
                          answers={criterion_id: Answer(outcome)}))


@pytest.fixture
def two_cycles() -> tuple[Database, int, int]:
    db = open_memory()
    audit = create_audit(db, Audit(title="Audit", small_number_threshold=5))
    first = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, first.id, Criterion(statement="s", short_name="=HYPERLINK(\"x\")", target=95))
    # 40 met, 3 not met: the 3 must not leave the team.
    fill(db, first.id, crit.id, {"met": 40, "not_met": 3, "exception": 6, "missing": 1})
    second = start_next_cycle(db, audit.id)
    fill(db, second.id, list_criteria(db, second.id)[0].id, {"met": 30, "not_met": 20}, start=500)
    return db, first.id, second.id


def sheet_values(path: Path, name: str) -> list[list[object]]:
    book = load_workbook(path)
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def all_text(path: Path) -> str:
    book = load_workbook(path)
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                     if v is not None)


@pytest.mark.parametrize("value", ["=1+1", "+44", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_risky_text(value):
    assert neutralise(value) == "'" + value


def test_neutralise_leaves_numbers_and_plain_text():
    assert neutralise(-2) == -2 and neutralise(3.5) == 3.5 and neutralise("Ward 7") == "Ward 7"


def test_results_sheet_suppresses_a_count_of_3(tmp_path, two_cycles):
    db, first, _ = two_cycles
    path = export_results(tmp_path / "r.xlsx", cycle_results(db, first), threshold=5)
    header, row = sheet_values(path, "Results")[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Not met"] == "<5"
    assert values["Met"] == 40 and values["Eligible cases"] == 50 and values["Exceptions"] == 6
    # A lone hidden count could be worked out from compliance: every derived figure is blank.
    assert values["Compliance (%)"] is None and values["95% CI lower (%)"] is None and values["RAG"] is None
    assert values["Reading"] == "Not shown: small numbers"
    assert values["Missing"] == "<5"
    assert "3" not in {str(v) for v in row}


def test_formula_injection_is_neutralised(tmp_path, two_cycles):
    db, first, second = two_cycles
    path = export_results(tmp_path / "r.xlsx", cycle_results(db, first),
                          comparisons=compare_cycles(db, first, second), title="=cmd|' /C calc'!A0")
    book = load_workbook(path)
    assert book["Results"]["A2"].value == "'=HYPERLINK(\"x\")"
    assert book["Results"]["A2"].data_type == "s"
    assert book["Comparison"]["A2"].value == "'=HYPERLINK(\"x\")"
    assert book["About"]["A2"].value == "'=cmd|' /C calc'!A0"
    assert not any(cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_no_identifiers_in_any_sheet(tmp_path, two_cycles):
    db, first, second = two_cycles
    path = export_results(tmp_path / "r.xlsx", cycle_results(db, first), subgroups=[cycle_subgroups(db, first, "sex")],
                          comparisons=compare_cycles(db, first, second))
    text = all_text(path)
    assert NHS_NUMBER not in text and "REF-" not in text and "H1" not in text
    headers = {str(h).lower() for name in ("Results", "Subgroups", "Comparison")
               for h in sheet_values(path, name)[0]}
    assert not any(word in h for h in headers for word in ("nhs", "case ref", "hospital", "id", "lineage"))


def test_subgroups_suppressed_and_labelled(tmp_path, two_cycles):
    db, first, _ = two_cycles
    frame = cycle_subgroups(db, first, "sex")
    path = export_results(tmp_path / "s.xlsx", subgroups=[frame], threshold=5)
    rows = sheet_values(path, "Subgroups")
    header = rows[0]
    assert "Indicative test of difference between groups (p)" in header
    by_group = {r[header.index("Subgroup")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_group) == {"Female", "Male"}
    assert all(v["Split by"] == "Sex" for v in by_group.values())
    not_met = sorted(str(v["Not met"]) for v in by_group.values())
    assert not_met == ["<5", "<5"]  # 3 not met split 1/2 between the sexes


def test_comparison_sheet_has_numbers_when_counts_are_large(tmp_path):
    db = open_memory()
    audit = create_audit(db, Audit(title="A"))
    first = create_cycle(db, Cycle(audit_id=audit.id))
    crit = add_criterion(db, first.id, Criterion(statement="s", short_name="Assessed", target=95))
    fill(db, first.id, crit.id, {"met": 31, "not_met": 19})
    second = start_next_cycle(db, audit.id)
    fill(db, second.id, list_criteria(db, second.id)[0].id, {"met": 45, "not_met": 7}, start=500)
    path = export_results(tmp_path / "c.xlsx", comparisons=compare_cycles(db, first.id, second.id))
    header, row = sheet_values(path, "Comparison")[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Earlier compliance (%)"] == 62.0 and values["Later compliance (%)"] == 86.5
    assert values["Difference (points)"] == 24.5
    assert (values["Newcombe 95% CI lower (points)"], values["Newcombe 95% CI upper (points)"]) == (7.6, 40.0)
    assert values["Test used"] == "χ² (no correction)" and round(values["p-value"], 4) == 0.0045
    assert values["Reading"].startswith("Compliance rose from 62%")
    assert "Results" not in load_workbook(path).sheetnames


def test_comparison_sheet_suppresses_small_counts(tmp_path, two_cycles):
    db, first, second = two_cycles
    path = export_results(tmp_path / "c.xlsx", comparisons=compare_cycles(db, first, second))
    header, row = sheet_values(path, "Comparison")[:2]
    values = dict(zip(header, row, strict=True))
    assert values["Earlier met"] == "<5" and values["Earlier met + not met"] == 43
    assert values["Difference (points)"] is None and values["p-value"] is None
    assert values["Reading"] == "Not shown: small numbers"


def test_unwritable_path_is_a_known_error(tmp_path, two_cycles):
    db, first, _ = two_cycles
    with pytest.raises(KnownError, match="could not be saved"):
        export_results(tmp_path / "no-such-folder" / "r.xlsx", cycle_results(db, first))
