"""The report's Data quality section says which cases were excluded as exceptions, and why."""

from __future__ import annotations

from datetime import date

import docx

from model.collect.cases import Answer, Case, add_case
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion
from model.plan.cycles import Cycle, create_cycle
from model.report.generate import generate_report
from model.store.store import open_memory

TODAY = date(2026, 6, 1)


def test_exclusions_are_reported_with_the_definition_and_what_was_recorded(tmp_path):
    db = open_memory()
    audit_id = int(create_audit(db, Audit(title="Consent")).id)
    cycle_id = int(create_cycle(db, Cycle(audit_id=audit_id)).id)
    copy = add_criterion(db, cycle_id, Criterion(short_name="Copy", statement="Copy offered",
                                                 exceptions="Patient declined; no capacity"))
    signed = add_criterion(db, cycle_id, Criterion(short_name="Signed", statement="Form signed"))
    raws = ["declined", "declined", "N/A", "999 000 0018", None]  # the fourth an NHS-number-shaped entry
    for i, raw in enumerate(raws):
        add_case(db, Case(cycle_id=cycle_id, case_ref=f"K{i}", answers={
            int(copy.id): Answer("exception", raw=raw), int(signed.id): Answer("met")}))
    add_case(db, Case(cycle_id=cycle_id, case_ref="K9", answers={int(copy.id): Answer("met"),
                                                                  int(signed.id): Answer("met")}))
    word = docx.Document(str(generate_report(db, cycle_id, "docx", tmp_path / "q.docx", today=TODAY).path))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Criterion"
                 and t.rows[0].cells[1].text == "Excluded")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(rows) == 1  # Signed had no exceptions
    label, excluded, allowed, recorded = rows[0]
    assert (label, excluded, allowed) == ("Copy", "5", "Patient declined; no capacity")
    assert recorded.startswith("\u201cdeclined\u201d (2)")
    assert "\u201cN/A\u201d (1)" in recorded and "(left blank)" in recorded
    assert "999 000 0018" not in recorded and "withheld" in recorded
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert "Table: exclusions (exceptions) and why" in captions
    db.close()
