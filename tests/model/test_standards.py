"""Tests for model.plan.standards: the built-in library, user standards, sharing a library file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlite_utils import Database

from model.core.errors import ImportProblem, KnownError
from model.core.resources import resource_path
from model.plan import criteria as criteria_model
from model.plan.standards import (
    SOURCES,
    Standard,
    copy_standard,
    criteria_from_standard,
    criterion_rule,
    delete_standard,
    ensure_builtin_library,
    export_library,
    get_standard_by_uid,
    import_library,
    is_newer,
    list_standards,
    save_standard,
    search_standards,
    validate,
)
from model.store.store import open_memory

CRITERION = {"short_name": "Documented", "statement": "Plan documented within 24 hours.",
             "numerator": "Plans documented ≤ 24 h", "denominator": "All admissions", "exceptions": "None",
             "target": 90, "direction": "higher", "evidence_grade": "D", "source_ref": "Trust policy 4.2",
             "data_location": "Notes", "answer_type": "yes_no", "threshold": None, "threshold_op": "<=",
             "threshold_unit": ""}


@pytest.fixture
def db() -> Database:
    return open_memory()


def user_standard(**changes: object) -> Standard:
    values = {"title": "Ward round documentation", "source": "local_policy", "reference_code": "TRUST-WR-01",
              "version": "1.0", "criteria": [dict(CRITERION)], "statements": ["Document every ward round."]}
    values.update(changes)
    return Standard(**values)  # type: ignore[arg-type]


def test_builtin_library_loads_once_and_every_criterion_validates(db: Database) -> None:
    standards = list_standards(db)
    codes = {s.reference_code for s in standards}
    assert {"NICE NG89", "NICE NG51", "RCP NEWS2"} <= codes
    assert len(standards) == len(list(resource_path("standards").glob("*.json"))) >= 6
    assert all(s.origin == "builtin" and s.source in SOURCES for s in standards)
    for standard in standards:
        assert validate(standard) == [], standard.label
        crits = criteria_from_standard(standard)
        assert crits, standard.label
        for crit in crits:
            assert criteria_model.validate(crit) == [], (standard.label, crit.statement)
    assert ensure_builtin_library(db) == 0
    assert len(list_standards(db)) == len(standards)


def test_vte_builtin_matches_domain_wording(db: Database) -> None:
    vte = get_standard_by_uid(db, "builtin-nice-ng89-vte") or next(
        s for s in list_standards(db) if s.reference_code == "NICE NG89")
    crits = criteria_from_standard(vte)
    assert [c.target for c in crits] == [95.0, 95.0, 90.0]
    assert "within 14 hours" in crits[0].statement
    assert "Contraindication documented" in crits[1].exceptions
    assert "check the current guidance" in vte.notes


def test_sepsis_antibiotics_is_a_time_criterion(db: Database) -> None:
    sepsis = next(s for s in list_standards(db) if s.reference_code == "NICE NG51")
    antibiotics = criteria_from_standard(sepsis)[1]
    assert (antibiotics.answer_type, antibiotics.threshold, antibiotics.threshold_unit) == ("time_diff", 60.0,
                                                                                            "minutes")


def test_save_edit_and_delete_user_standard(db: Database) -> None:
    saved = save_standard(db, user_standard())
    assert saved.id is not None and saved.uid and saved.origin == "user"
    saved.version = "1.1"
    save_standard(db, saved)
    stored = get_standard_by_uid(db, saved.uid)
    assert stored is not None and stored.version == "1.1" and stored.criteria[0]["target"] == 90
    delete_standard(db, saved.id)
    assert get_standard_by_uid(db, saved.uid) is None


def test_builtin_standards_cannot_be_changed_or_deleted(db: Database) -> None:
    vte = next(s for s in list_standards(db) if s.reference_code == "NICE NG89")
    with pytest.raises(KnownError, match="Built-in"):
        save_standard(db, vte)
    with pytest.raises(KnownError, match="Built-in"):
        delete_standard(db, vte.id)
    copy = save_standard(db, copy_standard(vte))
    assert copy.origin == "user" and copy.uid != vte.uid and len(copy.criteria) == 3


@pytest.mark.parametrize(("change", "message"), [
    ({"title": "  "}, "needs a title"),
    ({"source": "blog"}, "Unknown source"),
    ({"published_on": "March 2020"}, "not a date"),
    ({"criteria": [dict(CRITERION, target=120)]}, "between 0 and 100"),
    ({"criteria": [dict(CRITERION, denominator="")]}, "denominator"),
])
def test_invalid_user_standard_is_refused_and_nothing_stored(db: Database, change: dict, message: str) -> None:
    before = len(list_standards(db))
    with pytest.raises(KnownError, match=message):
        save_standard(db, user_standard(**change))
    assert len(list_standards(db)) == before


def test_export_import_round_trip(db: Database, tmp_path: Path) -> None:
    original = save_standard(db, user_standard())
    path = tmp_path / "library.json"
    assert export_library(db, path) == 1
    other = open_memory()
    report = import_library(other, path)
    assert len(report.added) == 1 and not report.updated and not report.skipped
    copy = get_standard_by_uid(other, original.uid)
    assert copy is not None and copy.origin == "imported"
    assert (copy.title, copy.version, copy.statements, copy.criteria) == (
        original.title, original.version, original.statements, original.criteria)
    again = import_library(other, path)
    assert again.added == [] and "already in the library" in again.skipped[0]


def test_import_newer_version_replaces_older_is_skipped(db: Database, tmp_path: Path) -> None:
    stored = save_standard(db, user_standard(version="2"))
    export_library(db, tmp_path / "a.json")
    payload = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    entry = payload["standards"][0]
    other = open_memory()
    import_library(other, tmp_path / "a.json")
    first_id = get_standard_by_uid(other, stored.uid).id
    for version, outcome in (("10", "updated"), ("3", "skipped")):
        entry["version"] = version
        (tmp_path / "b.json").write_text(json.dumps(payload), encoding="utf-8")
        report = import_library(other, tmp_path / "b.json")
        assert len(getattr(report, outcome)) == 1
    after = get_standard_by_uid(other, stored.uid)
    assert after.version == "10" and after.id == first_id


def test_import_skips_invalid_entries_with_reason(db: Database, tmp_path: Path) -> None:
    good = {"uid": "u1", "title": "Good", "source": "local_policy", "criteria": [CRITERION]}
    bad = {"uid": "u2", "title": "Bad", "source": "local_policy", "criteria": [dict(CRITERION, target=150)]}
    path = tmp_path / "lib.json"
    path.write_text(json.dumps({"format": "auditloop-standards", "standards": [good, bad, {"uid": "x"}]}))
    report = import_library(db, path)
    assert len(report.added) == 1 and len(report.skipped) == 2
    assert get_standard_by_uid(db, "u2") is None
    assert "2 skipped" in report.summary()


@pytest.mark.parametrize("text", ["not json", json.dumps({"format": "something else"}), json.dumps([1, 2])])
def test_import_rejects_files_that_are_not_libraries(db: Database, tmp_path: Path, text: str) -> None:
    path = tmp_path / "lib.json"
    path.write_text(text)
    with pytest.raises(ImportProblem):
        import_library(db, path)


def test_versions_compare_as_numbers() -> None:
    assert is_newer("2024", "2019") and is_newer("1.10", "1.9") and not is_newer("2019", "2019")
    assert not is_newer("1.2", "1.10")


def test_search_finds_by_code_and_criterion_words(db: Database) -> None:
    standards = list_standards(db)
    assert [s.reference_code for s in search_standards(standards, "ng89")] == ["NICE NG89"]
    assert {s.reference_code for s in search_standards(standards, "lactate")} == {"NICE NG51"}
    assert search_standards(standards, "") == standards


def test_resource_path_uses_pyinstaller_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_path("standards") == tmp_path / "resources" / "standards"


def test_a_time_limit_needs_a_time_unit(db: Database) -> None:
    timed = dict(CRITERION, answer_type="time_diff", threshold=1, threshold_unit="hrs")
    assert any("minutes, hours or days" in p for p in validate(user_standard(criteria=[timed])))
    with pytest.raises(KnownError, match="minutes, hours or days"):
        save_standard(db, user_standard(criteria=[timed]))
    assert validate(user_standard(criteria=[dict(timed, threshold_unit="hours")])) == []


def test_criterion_rule_says_how_answers_are_judged() -> None:
    assert criterion_rule(CRITERION) == ""
    timed = dict(CRITERION, answer_type="time_diff", threshold=60, threshold_op="<=", threshold_unit="minutes")
    assert criterion_rule(timed) == "Met when the time is ≤ 60 minutes"
    number = dict(CRITERION, answer_type="numeric", threshold=7.5, threshold_op=">=", threshold_unit="g/dL")
    assert criterion_rule(number) == "Met when the value is ≥ 7.5 g/dL"
    assert criterion_rule(dict(number, threshold="lots")) == ""
