"""The Quality Account's clinical audit table for a financial year, and its Excel and Word files."""

from __future__ import annotations

from datetime import date

import pytest

from model.act.actions import ActionItem, add_action, add_recommendation
from model.core.financial_year import FinancialYear
from model.plan.audits import Audit, create_audit
from model.plan.cycles import Cycle, create_cycle
from model.report import quality_account as qa
from model.store.store import open_memory

YEAR = FinancialYear(2025)  # 1 April 2025 – 31 March 2026


def _report(db, cycle_id: int, on: str, status: str = "final") -> None:
    db.execute("INSERT INTO generated_reports (cycle_id, version, created_at, format, sha256, status) "
               "VALUES (?, 1, ?, 'docx', '', ?)", [cycle_id, f"{on}T10:00:00+00:00", status])


@pytest.fixture
def db():
    database = open_memory()
    national = create_audit(database, Audit(title="National hip fracture database", audit_type="national_participation",
                                            directorate="Surgery", specialty="Trauma and orthopaedics"))
    create_cycle(database, Cycle(audit_id=int(national.id), period_start="2025-01-01", period_end="2025-04-01",
                                 population_size=40))
    for i in range(30):
        database.execute("INSERT INTO cases (cycle_id, case_ref, created_at, updated_at) VALUES (1, ?, '', '')",
                         [f"H{i}"])
    outside = create_audit(database, Audit(title="National audit of 2023", audit_type="national_participation"))
    create_cycle(database, Cycle(audit_id=int(outside.id), period_start="2023-04-01", period_end="2024-03-31"))
    for title, on, status in (("Sepsis six", "2026-03-31", "final"), ("VTE", "2026-04-01", "final"),
                              ("Consent", "2025-06-01", "draft"), ("Falls", "2025-04-01", "final")):
        audit = create_audit(database, Audit(title=title, directorate="Medicine"))
        cycle = create_cycle(database, Cycle(audit_id=int(audit.id), period_end="2025-03-01"))
        _report(database, int(cycle.id), on, status)
        rec = add_recommendation(database, int(audit.id), "Teach", cycle_id=int(cycle.id))
        add_action(database, ActionItem(audit_id=int(audit.id), recommendation_id=rec, text=f"Teach {title}",
                                        owner="Dr Shah", original_deadline="2026-05-01"))
    yield database
    database.close()


def test_national_audits_taken_part_in_and_local_reports_reviewed(db):
    table = qa.quality_account(db, YEAR)
    assert [n.title for n in table.national] == ["National hip fracture database"]  # its period reaches 1 April 2025
    national = table.national[0]
    assert (national.cases, national.eligible, national.percent) == (30, 40, 75.0)
    # Final reports dated 1 April 2025 and 31 March 2026 are in the year; a draft and 1 April 2026 are not.
    assert [n.title for n in table.local] == ["Falls", "Sepsis six"]
    assert table.local[0].reviewed_on == date(2025, 4, 1)
    assert table.local[1].actions == ("Teach Sepsis six (Dr Shah): not started, due 01/05/2026",)
    assert "2 local clinical audits" in qa.summary_sentences(table)[1]
    assert [n.title for n in qa.quality_account(db, FinancialYear(2026)).local] == ["VTE"]


def test_excel_and_word(db, tmp_path):
    import docx
    from openpyxl import load_workbook

    db.execute("UPDATE audits SET title = '=1+1' WHERE title = 'Falls'")
    table = qa.quality_account(db, YEAR)
    book = load_workbook(qa.write_quality_account_xlsx(table, tmp_path / "qa.xlsx"))
    assert book.sheetnames == ["About", "National audits", "Local audits"]
    local = [[c.value for c in row] for row in book["Local audits"].iter_rows(values_only=False)]
    assert local[0][0] == "Local clinical audit" and local[1][0] == "'=1+1"
    assert book["National audits"]["E2"].value == 30
    word = docx.Document(str(qa.write_quality_account_docx(table, tmp_path / "qa.docx")))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Quality Account 2025/26: clinical audit" in text and "took part in 1 national clinical audit " in text
    assert len(word.tables) == 2 and word.tables[1].rows[2].cells[0].text == "Sepsis six"
