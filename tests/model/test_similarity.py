"""Tests for model.plan.similarity: spotting an existing audit before a duplicate is registered."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from model.plan.audits import Audit, create_audit, delete_audit
from model.plan.similarity import SimilarAudit, is_distinctive, similar_audits, title_score, title_words
from model.plan.standards import list_standards
from model.store.store import open_memory


@pytest.fixture
def db() -> Database:
    database = open_memory()
    for title in ("VTE risk assessment and prophylaxis in medical admissions",
                  "Sepsis six within the hour on the acute medical unit",
                  "Consent for elective orthopaedic surgery",
                  "Hand hygiene on surgical wards"):
        create_audit(database, Audit(title=title))
    return database


def test_title_words_normalise_case_punctuation_plurals_and_common_words() -> None:
    assert title_words("Re-audit of VTE Assessments, in Admissions!") == ["vte", "assessment", "admission"]
    assert title_words("Sepsis status") == ["sepsis", "status"]


def test_typed_title_finds_the_existing_audit_with_shared_words(db: Database) -> None:
    found = similar_audits(db, "VTE risk assessment")
    assert [f.title for f in found] == ["VTE risk assessment and prophylaxis in medical admissions"]
    assert found[0].score >= 0.8
    assert "“vte”" in found[0].reason and "“assessment”" in found[0].reason


def test_typo_still_matches_through_difflib(db: Database) -> None:
    found = similar_audits(db, "Hand hygeine on surgical ward")
    assert found and found[0].title == "Hand hygiene on surgical wards"


def test_unrelated_or_empty_title_finds_nothing(db: Database) -> None:
    assert similar_audits(db, "Paediatric asthma discharge letters") == []
    assert similar_audits(db, "   ") == []


def test_binned_audits_are_not_offered(db: Database) -> None:
    audit_id = similar_audits(db, "consent elective surgery")[0].audit_id
    delete_audit(db, audit_id)
    assert similar_audits(db, "consent elective surgery") == []


def test_same_standard_raises_the_score_and_says_so(db: Database) -> None:
    vte = next(s for s in list_standards(db) if s.reference_code == "NICE NG89")
    linked = create_audit(db, Audit(title="Thromboprophylaxis on surgical wards", standard_id=vte.id))
    without = {f.audit_id: f for f in similar_audits(db, "Blood clot prevention")}
    with_standard = {f.audit_id: f for f in similar_audits(db, "Blood clot prevention", standard_id=vte.id)}
    assert linked.id not in without
    assert linked.id in with_standard and "same standard" in with_standard[linked.id].reason


def test_results_are_sorted_and_limited(db: Database) -> None:
    for n in range(4):
        create_audit(db, Audit(title=f"Medical admissions VTE audit {n}"))
    found = similar_audits(db, "VTE medical admissions", limit=3)
    assert len(found) == 3
    assert all(isinstance(f, SimilarAudit) for f in found)
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


def test_word_order_does_not_matter() -> None:
    score, shared = title_score("sepsis antibiotics", "Antibiotics in sepsis")
    assert score == pytest.approx(1.0) and sorted(shared) == ["antibiotic", "sepsis"]


@pytest.mark.parametrize(("typed", "expected", "word"), [
    ("Sepsis", "Sepsis six within the hour on the acute medical unit", "sepsis"),
    ("VTE", "VTE risk assessment and prophylaxis in medical admissions", "vte"),
    ("Falls audit", "Falls prevention on the elderly care wards", "fall"),
    ("hygiene", "Hand hygiene on surgical wards", "hygiene"),
])
def test_one_distinctive_word_already_suggests_the_audit(db: Database, typed: str, expected: str, word: str) -> None:
    create_audit(db, Audit(title="Falls prevention on the elderly care wards"))
    found = similar_audits(db, typed)
    assert [f.title for f in found] == [expected]
    assert found[0].score >= 0.45 and found[0].reason == f"Shares the word “{word}”"


@pytest.mark.parametrize("typed", ["care", "Patients", "Audit of care", "risk", "2024", "se", "Sepsi"])
def test_one_common_short_or_half_typed_word_suggests_nothing(db: Database, typed: str) -> None:
    create_audit(db, Audit(title="Care of patients 2024"))
    create_audit(db, Audit(title="Falls risk assessment"))
    assert similar_audits(db, typed) == []


def test_a_shared_common_word_is_not_enough_for_coverage() -> None:
    score, shared = title_score("Patient risk", "Falls risk assessment on the elderly care wards")
    assert shared == ["risk"] and score < 0.45
    assert is_distinctive("sepsis") and is_distinctive("vte")
    assert not any(is_distinctive(w) for w in ("care", "patient", "risk", "12", "2024", "ab"))
