"""The case-data Excel export (issue 15 item 6): pseudonymised, formula-safe, suppressed on request, with a README."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from model.collect.cases import Case, add_case
from model.collect.identifier_scan import holds_nhs_number
from model.demo import build_demo
from model.plan.criteria import list_criteria
from model.results.case_export import export_cases
from model.store.case_answers import Answer, answers_long

FALLS = 6  # the falls audit's re-audit cycle: 761 cases on three wards
NHS = "943 476 5919"  # valid check digit (DOMAIN.md §10)
HOSPITAL = "RX1234567"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = build_demo(tmp_path_factory.mktemp("cases") / "demo.sqlite")
    criterion = list_criteria(store.db, FALLS)[0]
    add_case(store.db, Case(cycle_id=FALLS, case_ref=HOSPITAL, nhs_number=NHS.replace(" ", ""),
                            hospital_number=HOSPITAL, ward="=cmd|' /C calc'!A0", sex="Female", age=91,
                            case_date="2025-03-14",
                            answers={int(criterion.id): Answer("met", raw=f"seen, NHS {NHS}")}))
    yield store
    store.close()


def _sheets(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def _every_text(sheets) -> list[str]:
    return [str(v) for rows in sheets.values() for row in rows for v in row if v is not None]


def test_cases_are_written_without_identifiers_and_with_their_outcomes(demo, tmp_path):
    done = export_cases(demo.db, FALLS, tmp_path / "cases", today=date(2026, 3, 5))
    assert done.path.suffix == ".xlsx" and not done.identifiers
    sheets = _sheets(done.path)
    assert list(sheets) == ["README", "Cases", "Criteria"]
    texts = _every_text(sheets)
    assert not [t for t in texts if holds_nhs_number(t) or HOSPITAL in t]
    header, *rows = sheets["Cases"]
    live = demo.db.execute("SELECT COUNT(*) FROM cases WHERE cycle_id = ? AND deleted_at IS NULL", [FALLS]).fetchone()
    assert len(rows) == live[0] == done.cases
    assert "NHS number" not in header and "Hospital number" not in header
    # Outcomes, counted independently from the stored answers.
    criterion = list_criteria(demo.db, FALLS)[0]
    stored = answers_long(demo.db, [FALLS])
    met = int(((stored["criterion_id"] == criterion.id) & (stored["outcome"] == "met")).sum())
    column = header.index(criterion.label)
    assert sum(r[column] == "Met" for r in rows) == met
    ours = next(r for r in rows if r[header.index("Ward")] and "cmd" in r[header.index("Ward")])
    assert ours[header.index("Ward")].startswith("'=")  # neutralised: Excel shows it, never runs it
    assert ours[header.index("Case ref")] == "case-1" and done.refs_replaced == 1
    assert ours[header.index(f"{criterion.label}: value as entered")] == "seen, NHS [identifier removed]"
    readme = " ".join(str(r[0]) for r in sheets["README"] if r[0])
    for words in ("Falls risk assessment", "Cycle 2", "5 March 2026", "demo.sqlite", "Identifiers left out",
                  "Small-number suppression: off", "apostrophe"):
        assert words in readme, words


def test_identifiers_only_when_asked_for_and_then_said_so(demo, tmp_path):
    done = export_cases(demo.db, FALLS, tmp_path / "named.xlsx", include_identifiers=True)
    sheets = _sheets(done.path)
    header, *rows = sheets["Cases"]
    ours = next(r for r in rows if r[header.index("Case ref")] == HOSPITAL)
    assert ours[header.index("NHS number")] == NHS.replace(" ", "")
    assert ours[header.index("Hospital number")] == HOSPITAL
    assert "IDENTIFIABLE" in " ".join(str(r[0]) for r in sheets["README"] if r[0])


def test_small_numbers_are_suppressed_on_request(demo, tmp_path):
    done = export_cases(demo.db, FALLS, tmp_path / "small.xlsx", suppress=True)
    sheets = _sheets(done.path)
    header, *rows = sheets["Cases"]
    assert "Age" not in header and "IMD decile" not in header and "Age band" in header
    wards = [r[header.index("Ward")] for r in rows]
    assert "Fewer than 5" in wards and not [w for w in wards if w and "cmd" in w]
    for ward in set(wards) - {"Fewer than 5", None}:
        assert wards.count(ward) >= 5
    assert all(d is None or len(d) == 7 for d in (r[header.index("Case date")] for r in rows))
    assert done.suppressed["ward"] >= 1
    readme = " ".join(str(r[0]) for r in sheets["README"] if r[0])
    assert "Small-number suppression: on" in readme and "ward: " in readme
