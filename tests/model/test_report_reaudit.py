"""The report's Re-audit section names the criteria the re-audit covers, and why (issue 15: "re-audit (date,
which criteria)")."""

from __future__ import annotations

from datetime import date

import docx
import pytest

from model.act import actions as act
from model.act import reaudit
from model.act.actions import ActionItem
from model.collect.cases import Answer, Case, add_case
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle, start_next_cycle
from model.report.generate import generate_report
from model.store.store import open_memory

TODAY = date(2026, 6, 1)


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


def _audit(db) -> tuple[int, int]:
    """Cycle 1 of 10 cases: A 9/10 against 90 (met, no action), B 6/10 against 95 (missed), C 10/10 with an action."""
    audit_id = int(create_audit(db, Audit(title="Sepsis", reaudit_due="2026-09-30")).id)
    cycle = create_cycle(db, Cycle(audit_id=audit_id, period_start="2026-01-01", period_end="2026-01-31"))
    crits = {name: add_criterion(db, int(cycle.id), Criterion(short_name=name, statement=f"{name} done",
                                                             target=target))
             for name, target in (("A", 90), ("B", 95), ("C", 80))}
    met = {"A": 9, "B": 6, "C": 10}
    for i in range(10):
        answers = {int(crits[n].id): Answer("met" if i < k else "not_met") for n, k in met.items()}
        add_case(db, Case(cycle_id=int(cycle.id), case_ref=f"C{i}", answers=answers))
    rec = act.add_recommendation(db, audit_id, "Prompt on the form",
                                 criterion_lineages_json=f'["{crits["C"].lineage}"]')
    act.add_action(db, ActionItem(audit_id=audit_id, text="New form", recommendation_id=rec,
                                  original_deadline="2026-03-31"))
    return audit_id, int(cycle.id)


def _section(path) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The Re-audit section's paragraphs and its table (criterion -> (re-measured, why)), read from the .docx."""
    word = docx.Document(str(path))
    paragraphs = [p.text for p in word.paragraphs]
    start = paragraphs.index("Re-audit", [p.style.name for p in word.paragraphs].index("Heading 1"))
    end = paragraphs.index("Acknowledgements", start)
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Criterion" and len(t.columns) == 3)
    rows = {r.cells[0].text: (r.cells[1].text, r.cells[2].text) for r in table.rows[1:]}
    return paragraphs[start:end], rows


def test_before_the_reaudit_the_report_names_the_criteria_it_must_remeasure(db, tmp_path):
    _, cycle_id = _audit(db)
    text, rows = _section(generate_report(db, cycle_id, "docx", tmp_path / "r.docx", today=TODAY).path)
    joined = "\n".join(text)
    assert "Re-audit due: 30 September 2026" in joined
    assert "Criteria the re-audit must re-measure (2 of 3 criteria): B and C" in joined
    assert "The others (A) met their target and had no actions" in joined
    assert rows == {"A": ("No", "met its target (90% against 90%) and had no actions"),
                    "B": ("Yes", "missed its target (60% against 95%)"), "C": ("Yes", "had actions")}


@pytest.mark.parametrize("only_missed", [True, False])
def test_once_started_the_report_gives_the_recorded_choice(db, tmp_path, only_missed):
    audit_id, cycle_id = _audit(db)
    reaudit.start_reaudit(db, audit_id, only_missed=only_missed, today=TODAY)
    text, rows = _section(generate_report(db, cycle_id, "docx", tmp_path / "r.docx", today=TODAY).path)
    joined = "\n".join(text)
    assert "The re-audit has started: Cycle 2" in joined
    if only_missed:
        assert ("The re-audit re-measures only the criteria that missed their target or had actions "
                "(2 of 3 criteria): B and C.") in joined
        assert rows["A"] == ("No", "met its target (90% against 90%) and had no actions")
    else:
        assert "The re-audit re-measures all criteria (3 of 3 criteria): A, B and C." in joined
        assert rows["A"][0] == "Yes" and rows["A"][1].startswith("all criteria re-audited")
    assert rows["B"][0] == "Yes" and rows["B"][1].endswith("missed its target (60% against 95%)")


def test_a_reaudit_started_without_choices_lists_its_criteria(db, tmp_path):
    audit_id, cycle_id = _audit(db)
    start_next_cycle(db, audit_id)
    text, rows = _section(generate_report(db, cycle_id, "docx", tmp_path / "r.docx", today=TODAY).path)
    assert "The re-audit re-measures 3 criteria: A, B and C." in "\n".join(text)
    assert set(rows) == {"A", "B", "C"} and {v[0] for v in rows.values()} == {"Yes"}
