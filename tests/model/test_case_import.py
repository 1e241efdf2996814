"""Importing cases: mapping, plan (counts, rejected rows), all-or-nothing commit, pseudonyms."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from model.collect import case_import
from model.collect.case_import import (
    auto_mapping,
    commit_import,
    criterion_target,
    file_sha256,
    find_previous_import,
    list_profiles,
    load_profile,
    plan_import,
    rejected_csv,
    save_profile,
    unrecognised_values,
)
from model.collect.cases import count_cases
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.collect.sheets import SheetTable, read_raw_sheets, read_table
from model.core.errors import KnownError
from model.core.progress import Cancelled, Progress
from model.plan.audits import Audit, create_audit
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.plan.cycles import Cycle, create_cycle, start_next_cycle
from model.store.store import open_memory, open_store
from tests.conftest import SHARED_DATA

KEY = bytes(range(32))
WARD_CRITERIA = [
    ("Screening tool used", "Sepsis screening tool completed for adults with NEWS2 ≥ 5"),
    ("Antibiotics ≤1 h", "IV antibiotics within 1 hour of recognition of high-risk sepsis"),
    ("Cultures before antibiotics", "Blood cultures taken before antibiotics"),
    ("Lactate ≤1 h", "Lactate measured within 1 hour"),
]
# Expected-json key for each of those criteria, in order.
WARD_KEYS = ["C1", "C2", "C3", "C4"]
_WARD_EXPECTED = json.loads((SHARED_DATA / "ward_audit_example.expected.json").read_text(encoding="utf-8"))
_WARD_DATES = sorted(c["admission_date"] for c in _WARD_EXPECTED["case_detail"])
#: The sample workbook's cases, from its expected file.
WARD_CASES = int(_WARD_EXPECTED["cases"])


#: A cycle period covering the sample's admission dates.
WARD_PERIOD = (_WARD_DATES[0], _WARD_DATES[-1])


def make_cycle(db: Database, criteria=WARD_CRITERIA, *, keep_identifiers: bool = False,
               period: tuple[str, str] = ("2026-01-01", "2026-03-31")) -> tuple[int, int]:
    """An audit with one cycle (Jan–Mar 2026 unless `period`) holding these criteria; returns (audit_id, cycle_id)."""
    audit = create_audit(db, Audit(title="Sepsis on AMU", keep_identifiers=keep_identifiers))
    cycle = create_cycle(db, Cycle(audit_id=audit.id, period_start=period[0], period_end=period[1],
                                   planned_sample=60))
    for short, statement in criteria:
        add_criterion(db, cycle.id, Criterion(statement=statement, short_name=short))
    return audit.id, cycle.id


def table_from(rows: dict[str, list], name: str = "sheet.xlsx") -> SheetTable:
    """A SheetTable as model.collect.sheets would give it, from columns of text cells (Excel rows from 2)."""
    data = pd.DataFrame(rows, dtype=object)
    data.index = pd.RangeIndex(len(data)) + 2
    data.index.name = "row"
    letters = tuple("ABCDEFGHIJKLMNOP"[: len(rows)])
    return SheetTable(path=Path(name), sheet="Data", header_row=1, header_height=1, columns=tuple(rows),
                      display_headers=tuple(rows), letters=letters, data=data)


@pytest.fixture
def db() -> Database:
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
def ward(shared_data: Path) -> SheetTable:
    return read_table(shared_data / "ward_audit_example.xlsx")


@pytest.fixture
def expected(shared_data: Path) -> dict:
    return json.loads((shared_data / "ward_audit_example.expected.json").read_text(encoding="utf-8"))


def stored_counts(db: Database, cycle_id: int) -> dict[str, dict[str, int]]:
    out = {}
    for key, crit in zip(WARD_KEYS, list_criteria(db, cycle_id), strict=True):
        rows = db.execute("SELECT outcome, COUNT(*) FROM answers a JOIN cases c ON c.id = a.case_id "
                          "WHERE a.criterion_id = ? AND c.deleted_at IS NULL GROUP BY outcome", [crit.id])
        out[key] = dict(rows.fetchall())
    return out


def test_ward_workbook_auto_maps_every_column(db, ward):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    mapping = auto_mapping(db, cycle_id, ward)
    targets = [criterion_target(c) for c in list_criteria(db, cycle_id)]
    by_letter = dict(zip(ward.letters, ward.columns, strict=True))
    columns = _WARD_EXPECTED["columns"]
    assert mapping[by_letter[columns["case"]]] == "case_ref"
    assert mapping[by_letter[columns["nhs_number"]]] == "nhs_number"
    assert mapping[by_letter[columns["admission_date"]]] == "case_date"
    assert mapping[by_letter[columns["comments"]]] == "ignore"
    assert [mapping[by_letter[columns[k]]] for k in WARD_KEYS] == targets


def test_ward_workbook_counts_match_expected_json(db, ward, expected):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    mapping = auto_mapping(db, cycle_id, ward)
    odd = unrecognised_values(db, cycle_id, ward, mapping)
    assert sorted(odd["value"]) == sorted(u["value"] for c in expected["criteria"].values() for u in c["unrecognised"])
    plan = plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY)
    assert plan.case_count == expected["cases"]
    commit_import(db, cycle_id, plan, file_name="ward.xlsx", sha256="x")
    stored = stored_counts(db, cycle_id)
    for key, want in expected["criteria"].items():
        # Unreadable answers nobody decided on are stored as missing (never guessed).
        assert stored[key].get("met", 0) == want["met"]
        assert stored[key].get("not_met", 0) == want["not_met"]
        assert stored[key].get("exception", 0) == want["exception"]
        assert stored[key].get("missing", 0) == want["missing"] + len(want["unrecognised"])
    cases_with_odd = {str(u["case"]) for c in expected["criteria"].values() for u in c["unrecognised"]}
    assert set(plan.unrecognised["case_ref"]) == cases_with_odd


def test_decisions_turn_unrecognised_values_into_outcomes(db, ward, expected):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    mapping = auto_mapping(db, cycle_id, ward)
    odd = [u["value"] for c in WARD_KEYS for u in expected["criteria"][c]["unrecognised"]]
    c2 = [u["value"] for u in expected["criteria"]["C2"]["unrecognised"]]
    plan = plan_import(db, cycle_id, ward, mapping, {c2[0]: "not_met", c2[1]: "missing"},
                       keep_identifiers=False, key=KEY)
    s2 = plan.counts.iloc[1]
    assert s2["not_met"] == expected["criteria"]["C2"]["not_met"] + 1
    assert sorted(plan.unrecognised["value"]) == sorted(v for v in odd if v not in c2)


def test_import_stores_no_raw_nhs_number(tmp_path, shared_data):
    store = open_store(tmp_path / "audit.sqlite")
    _a, cycle_id = make_cycle(store.db, period=WARD_PERIOD)
    table = read_table(shared_data / "ward_audit_example.xlsx")
    plan = plan_import(store.db, cycle_id, table, auto_mapping(store.db, cycle_id, table), {},
                       keep_identifiers=False, key=KEY)
    commit_import(store.db, cycle_id, plan, file_name="w.xlsx", sha256="s")
    keys = [r[0] for r in store.db.execute("SELECT patient_key FROM cases")]
    assert all(k and len(k) == 64 for k in keys)
    assert store.db.execute("SELECT COUNT(*) FROM cases WHERE nhs_number IS NOT NULL").fetchone()[0] == 0
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("audit.sqlite*") if p.is_file())
    numbers = [c["nhs_number"] for c in _WARD_EXPECTED["case_detail"]]
    assert len(numbers) == WARD_CASES
    for number in numbers:
        assert number.encode() not in raw
        assert f"{number[:3]} {number[3:6]} {number[6:]}".encode() not in raw


def test_same_nhs_number_links_across_cycles(db):
    audit_id, first = make_cycle(db, WARD_CRITERIA[:1])
    second = start_next_cycle(db, audit_id).id
    for cycle_id, ref in ((first, "A1"), (second, "B1")):
        table = table_from({"Case": [ref], "NHS": ["999 000 0018"], "Screening": ["Yes"]})
        mapping = {"Case": "case_ref", "NHS": "nhs_number",
                   "Screening": criterion_target(list_criteria(db, cycle_id)[0])}
        plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
        commit_import(db, cycle_id, plan, file_name=f"{ref}.csv", sha256=ref)
    keys = [r[0] for r in db.execute("SELECT patient_key FROM cases ORDER BY id")]
    assert len(keys) == 2 and keys[0] == keys[1] and "9990000018" not in keys[0]


def test_kept_identifiers_are_stored_when_the_audit_says_so(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1], keep_identifiers=True)
    table = table_from({"Case": ["1"], "NHS": ["999-000-0018"], "Hosp": ["K123"], "Q": ["y"]})
    mapping = {"Case": "case_ref", "NHS": "nhs_number", "Hosp": "hospital_number",
               "Q": criterion_target(list_criteria(db, cycle_id)[0])}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=True, key=None)
    commit_import(db, cycle_id, plan, file_name="k.csv", sha256="k")
    assert db.execute("SELECT nhs_number, hospital_number FROM cases").fetchone() == ("9990000018", "K123")


def test_hospital_numbers_are_hashed_unless_kept(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    table = table_from({"Case": ["1", "2"], "Hosp": ["K123", np.nan], "Q": ["y", "n"]})
    mapping = {"Case": "case_ref", "Hosp": "hospital_number", "Q": criterion_target(list_criteria(db, cycle_id)[0])}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="h.csv", sha256="h")
    stored = [r[0] for r in db.execute("SELECT hospital_number FROM cases ORDER BY id")]
    assert stored[0] != "K123" and len(stored[0]) == 64 and stored[1] is None


def test_rejected_rows_duplicates_bad_dates_and_nhs_numbers(db, tmp_path):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    first = table_from({"Case": ["7"], "Q": ["Yes"]})
    commit_import(db, cycle_id, plan_import(db, cycle_id, first, {"Case": "case_ref", "Q": target}, {},
                                            keep_identifiers=False, key=KEY), file_name="a", sha256="a")
    table = table_from({"Case": ["1", "2", "1", "7", np.nan, "3"],
                        "Date": ["05/02/2026", "31/02/2026", "06/02/2026", "07/02/2026", "08/02/2026", "01/06/2026"],
                        "NHS": ["9990000018", "9990000017", np.nan, np.nan, np.nan, np.nan],
                        "Q": ["Yes", "No", "Yes", "Yes", "Yes", "N/A"]})
    mapping = {"Case": "case_ref", "Date": "case_date", "NHS": "nhs_number", "Q": target}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    assert list(plan.cases["case_ref"]) == ["1", "2", "3"]
    reasons = dict(zip(plan.rejected["row"], plan.rejected["reason"], strict=False))
    assert reasons[4] == "duplicate case ref (first in row 2)"
    assert reasons[5] == "case ref already in this cycle"
    assert reasons[6] == "no case reference"
    bad = plan.rejected[plan.rejected["row"] == 3].set_index("column")["reason"]
    assert bad["Date"] == "impossible date" and bad["NHS"].startswith("invalid NHS number")
    assert plan.rejected.set_index("row").loc[7, "action"] == case_import.VALUE_KEPT  # outside the period
    assert plan.counts.iloc[0][["met", "not_met", "exception", "missing"]].tolist() == [1, 1, 1, 0]
    nhs_problem = plan.rejected[(plan.rejected["row"] == 3) & (plan.rejected["column"] == "NHS")]
    assert nhs_problem["value"].tolist() == [case_import.WITHHELD]  # never the mistyped number itself
    out = tmp_path / "rejected.csv"
    rejected_csv(plan, out)
    saved = out.read_text(encoding="utf-8-sig")
    assert "duplicate case ref" in saved and "9990000017" not in saved
    commit_import(db, cycle_id, plan, file_name="b", sha256="b")
    stored = db.execute("SELECT report_json FROM imports WHERE sha256 = 'b'").fetchone()[0]
    assert "9990000017" not in stored and "9990000018" not in stored


def test_commit_is_all_or_nothing(db, ward, monkeypatch):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    plan = plan_import(db, cycle_id, ward, auto_mapping(db, cycle_id, ward), {}, keep_identifiers=False, key=KEY)
    real_insert = case_import._insert

    def failing(db_, table, frame, *args):
        real_insert(db_, table, frame, *args)  # the cases and their answers are written, then it fails
        raise RuntimeError("disk fell off")

    monkeypatch.setattr(case_import, "_insert", failing)
    with pytest.raises(RuntimeError):
        commit_import(db, cycle_id, plan, file_name="ward.xlsx", sha256="x")
    assert db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0


def test_failed_replace_keeps_the_earlier_import(db, ward, monkeypatch):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    mapping = auto_mapping(db, cycle_id, ward)
    first = commit_import(db, cycle_id, plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY),
                          file_name="ward.xlsx", sha256="x")
    before = stored_counts(db, cycle_id)
    replace = plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY, replace_import_id=first)
    real_insert = case_import._insert

    def failing(db_, table, frame, *args):
        real_insert(db_, table, frame, *args)  # the old cases are gone and the new ones written, then it fails
        raise RuntimeError("disk fell off")

    monkeypatch.setattr(case_import, "_insert", failing)
    with pytest.raises(RuntimeError):
        commit_import(db, cycle_id, replace, file_name="ward.xlsx", sha256="x")
    assert [r[0] for r in db.execute("SELECT id FROM imports")] == [first]
    assert count_cases(db, cycle_id) == WARD_CASES and stored_counts(db, cycle_id) == before


def test_cancel_during_commit_stores_nothing(db, ward):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    plan = plan_import(db, cycle_id, ward, auto_mapping(db, cycle_id, ward), {}, keep_identifiers=False, key=KEY)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        commit_import(db, cycle_id, plan, file_name="ward.xlsx", sha256="x", progress=progress)
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0


def test_cancel_between_case_batches_stores_nothing(db, monkeypatch):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:2])
    monkeypatch.setattr(case_import, "BATCH_ROWS", 10)
    table = table_from({"Case": [str(i) for i in range(30)], "Q1": ["Yes"] * 30, "Q2": ["No"] * 30})
    targets = [criterion_target(c) for c in list_criteria(db, cycle_id)]
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q1": targets[0], "Q2": targets[1]}, {},
                       keep_identifiers=False, key=KEY)
    seen: list[tuple[int, str]] = []

    def cancel_after_first_batch(done: int, total: int, text: str) -> None:
        seen.append((done, text))
        if text == "Storing cases…" and done > 0:
            progress.cancel()

    progress = Progress(cancel_after_first_batch)
    with pytest.raises(Cancelled):
        commit_import(db, cycle_id, plan, file_name="c.csv", sha256="c", progress=progress)
    assert [t for _d, t in seen].count("Storing cases…") == 2  # cases were being stored when Cancel came
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 0


def test_later_imports_add_to_the_stored_answers(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])

    def import_cases(refs: list[str], name: str) -> None:
        table = table_from({"Case": refs, "Q": ["Yes"] * len(refs)})
        plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q": target}, {}, keep_identifiers=False,
                           key=KEY)
        commit_import(db, cycle_id, plan, file_name=name, sha256=name)

    import_cases([f"A{i}" for i in range(50)], "big")
    import_cases(["B1", "B2"], "small")
    assert db.execute("SELECT COUNT(*) FROM answers WHERE outcome = 'met' AND raw = 'Yes'").fetchone()[0] == 52
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reimport_is_detected_and_replace_swaps_the_cases(db, ward, shared_data):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    sha = file_sha256(shared_data / "ward_audit_example.xlsx")
    mapping = auto_mapping(db, cycle_id, ward)
    first = commit_import(db, cycle_id, plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY),
                          file_name="ward.xlsx", sha256=sha)
    assert find_previous_import(db, cycle_id, sha) == first
    # Without replacing, every case clashes with the first import.
    again = plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY)
    assert again.case_count == 0 and (again.rejected["reason"] == "case ref already in this cycle").sum() == WARD_CASES
    replace = plan_import(db, cycle_id, ward, mapping, {}, keep_identifiers=False, key=KEY, replace_import_id=first)
    second = commit_import(db, cycle_id, replace, file_name="ward.xlsx", sha256=sha)
    assert count_cases(db, cycle_id) == WARD_CASES
    assert [r[0] for r in db.execute("SELECT id FROM imports")] == [second]
    # The replaced import's answers went with its cases; only the new ones remain.
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == WARD_CASES * 4
    assert db.execute("SELECT COUNT(*) FROM answers a JOIN cases c ON c.id = a.case_id "
                      "WHERE c.import_id = ?", [second]).fetchone()[0] == WARD_CASES * 4
    assert json.loads(db.execute("SELECT report_json FROM imports").fetchone()[0])["cases"] == WARD_CASES


def test_mapping_problems_are_known_errors(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    table = table_from({"Case": ["1"], "Q": ["Yes"], "R": ["No"]})
    target = criterion_target(list_criteria(db, cycle_id)[0])
    with pytest.raises(KnownError, match="case reference"):
        plan_import(db, cycle_id, table, {"Q": target}, {}, keep_identifiers=False, key=KEY)
    with pytest.raises(KnownError, match="Two columns"):
        plan_import(db, cycle_id, table, {"Case": "case_ref", "Q": target, "R": target}, {},
                    keep_identifiers=False, key=KEY)
    with pytest.raises(KnownError, match="nothing to measure"):
        plan_import(db, cycle_id, table, {"Case": "case_ref"}, {}, keep_identifiers=False, key=KEY)
    with pytest.raises(KnownError, match="key"):
        plan_import(db, cycle_id, table_from({"Case": ["1"], "N": ["9990000018"], "Q": ["y"]}),
                    {"Case": "case_ref", "N": "nhs_number", "Q": target}, {}, keep_identifiers=False, key=None)


def test_profiles_round_trip(db, ward):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    mapping = auto_mapping(db, cycle_id, ward)
    mapping["Comments"] = "ignore"
    save_profile(db, "AMU sheet", mapping)
    save_profile(db, "AMU sheet", mapping)  # saving again replaces
    assert list_profiles(db) == ["AMU sheet"]
    assert load_profile(db, "AMU sheet", ward, cycle_id) == mapping
    with pytest.raises(KnownError):
        load_profile(db, "nope", ward, cycle_id)


def test_age_imd_and_sex_are_normalised(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    table = table_from({"Case": ["1", "2"], "Age": ["85", "200"], "IMD": ["3", "11"], "Sex": ["f", "M"],
                        "Q": ["y", "y"]})
    mapping = {"Case": "case_ref", "Age": "age", "IMD": "imd_decile", "Sex": "sex",
               "Q": criterion_target(list_criteria(db, cycle_id)[0])}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="a", sha256="a")
    rows = db.execute("SELECT age, age_band, imd_decile, imd_quintile, sex FROM cases ORDER BY id").fetchall()
    assert rows == [(85, "80+", 3, 2, "Female"), (None, None, None, None, "Male")]
    assert set(plan.rejected["column"]) == {"Age", "IMD"}


def test_header_row_chosen_by_hand(shared_data):
    raw = read_raw_sheets(shared_data / "ward_audit_example.xlsx")[_WARD_EXPECTED["data_sheet"]]
    table = case_import.table_at_header(shared_data / "ward_audit_example.xlsx", raw, _WARD_EXPECTED["header_row"])
    assert table.columns[0] == "Case no." and table.letters[:2] == ("A", "B")
    # The summary rows under the last case are left out.
    assert len(table.data) == WARD_CASES and table.data.index[0] == _WARD_EXPECTED["first_case_row"]
    with pytest.raises(KnownError):
        case_import.table_at_header(shared_data / "ward_audit_example.xlsx", raw, 10_000)


def test_key_file_lives_next_to_the_database(tmp_path):
    path = key_path_for(tmp_path / "audit.sqlite", "abc123")
    key = load_or_create_key(path)
    assert path.exists() and path.parent.parent == tmp_path and len(key) == 32


@pytest.mark.slow
def test_hundred_thousand_cases_import_completely(db):
    """800,000 answers stored (timing lives in bench/run.py)."""
    _a, cycle_id = make_cycle(db, [(f"C{i}", f"criterion {i}") for i in range(8)])
    n = 100_000
    rng = np.random.default_rng(7)
    columns = {"Case": [str(i) for i in range(n)], "Ward": rng.choice(["AMU", "Ward 7"], n)}
    columns |= {f"C{i}": rng.choice(["Yes", "No", "N/A", "y"], n) for i in range(8)}
    table = table_from(columns)
    mapping = {"Case": "case_ref", "Ward": "ward"} | {
        f"C{i}": criterion_target(c) for i, c in enumerate(list_criteria(db, cycle_id))}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="big", sha256="big")
    assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 800_000


def test_benchmark_workbook_imports_every_column(tmp_path):
    """bench/excel_import.py times this pipeline: every answer column must reach its criterion."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        import excel_import as bench
    finally:
        sys.path.pop(0)
    path = bench.generate_workbook(tmp_path / "bench.xlsx", 300, seed=3)
    store, cycle_id = bench.new_store(tmp_path)
    try:
        assert bench.import_workbook(path, store, cycle_id) == 300
        db = store.db
        mapping = json.loads(db.execute("SELECT mapping_json FROM imports").fetchone()[0])
        assert sorted(t for t in mapping.values() if t.startswith("criterion:")) == sorted(
            criterion_target(c) for c in list_criteria(db, cycle_id))
        cells = pd.DataFrame(bench.raw_calamine(path)[1:]).replace("", None)
        stored = pd.DataFrame(db.execute("SELECT c.source_row, c.case_ref, c.ward, c.case_date, cr.position, a.raw "
                                         "FROM answers a JOIN cases c ON c.id = a.case_id "
                                         "JOIN criteria cr ON cr.id = a.criterion_id").fetchall(),
                              columns=["row", "ref", "ward", "date", "position", "raw"])
        assert len(stored) == 300 * 8
        first = stored.drop_duplicates("row").sort_values("row")
        assert first["ref"].tolist() == [str(int(v)) for v in cells[0]]
        assert first["ward"].tolist() == cells[2].tolist()
        assert first["date"].tolist() == [d.isoformat() for d in cells[1]]
        position = sorted(stored["position"].unique())
        for k in range(8):
            column = stored[stored["position"] == position[k]].sort_values("row")["raw"]
            assert column.tolist() == cells[3 + k].tolist()
    finally:
        store.close()


def test_copy_of_shared_file_has_same_hash(tmp_path, shared_data):
    copy = tmp_path / "copy.xlsx"
    shutil.copy(shared_data / "ward_audit_example.xlsx", copy)
    assert file_sha256(copy) == file_sha256(shared_data / "ward_audit_example.xlsx")


def test_new_cases_are_numbered_after_every_existing_case(db):
    """Case ids are given by the import, after the highest id in the file (other cycles' cases and deleted
    ones included), and every answer lands on its own case."""
    from model.collect.cases import Case, add_case, delete_case

    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:2])
    _b, other_cycle = make_cycle(db, WARD_CRITERIA[:1])
    kept = add_case(db, Case(cycle_id=other_cycle, case_ref="X1"))
    gone = add_case(db, Case(cycle_id=other_cycle, case_ref="X2"))
    delete_case(db, gone.id)
    targets = [criterion_target(c) for c in list_criteria(db, cycle_id)]
    table = table_from({"Case": ["A", "B", "C"], "Q1": ["Yes", "No", "N/A"], "Q2": ["No", " ", "yes"]})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q1": targets[0], "Q2": targets[1]}, {},
                       keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="n.csv", sha256="n")
    top = max(kept.id, gone.id)
    ids = db.execute("SELECT case_ref, id FROM cases WHERE cycle_id = ? ORDER BY id", [cycle_id]).fetchall()
    assert ids == [("A", top + 1), ("B", top + 2), ("C", top + 3)]
    stored = db.execute("SELECT c.case_ref, cr.lineage, a.outcome, a.raw FROM answers a "
                        "JOIN cases c ON c.id = a.case_id JOIN criteria cr ON cr.id = a.criterion_id "
                        "WHERE c.cycle_id = ? ORDER BY 1, cr.position",
                        [cycle_id]).fetchall()
    first, second = (c.lineage for c in list_criteria(db, cycle_id))
    assert stored == [("A", first, "met", "Yes"), ("A", second, "not_met", "No"),
                      ("B", first, "not_met", "No"), ("B", second, "missing", None),
                      ("C", first, "exception", "N/A"), ("C", second, "met", "yes")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_answers_follow_criteria_whose_order_differs_from_their_ids(db):
    from model.plan.criteria import move_criterion

    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:3])
    last = list_criteria(db, cycle_id)[-1]
    move_criterion(db, last.id, -2)  # now first on the list, though it has the highest id
    criteria = list_criteria(db, cycle_id)
    assert criteria[0].id == last.id
    table = table_from({"Case": ["1", "2"], "First": ["Yes", "No"], "Second": ["No", "N/A"]})
    mapping = {"Case": "case_ref", "First": criterion_target(criteria[0]), "Second": criterion_target(criteria[1])}
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    assert plan.counts.loc[criteria[2].id, "missing"] == 2  # the unmapped criterion: every answer missing
    commit_import(db, cycle_id, plan, file_name="o.csv", sha256="o")
    stored = dict(((r, c), (o, raw)) for r, c, o, raw in db.execute(
        "SELECT c.case_ref, a.criterion_id, a.outcome, a.raw FROM answers a JOIN cases c ON c.id = a.case_id"))
    assert stored == {("1", criteria[0].id): ("met", "Yes"), ("1", criteria[1].id): ("not_met", "No"),
                      ("1", criteria[2].id): ("missing", None), ("2", criteria[0].id): ("not_met", "No"),
                      ("2", criteria[1].id): ("exception", "N/A"), ("2", criteria[2].id): ("missing", None)}


def test_plan_counts_match_the_answers_it_would_store(db, ward):
    _a, cycle_id = make_cycle(db, period=WARD_PERIOD)
    plan = plan_import(db, cycle_id, ward, auto_mapping(db, cycle_id, ward), {"?": "exception"},
                       keep_identifiers=False, key=KEY)
    tally = plan.answers.groupby(["criterion_id", "outcome"]).size().unstack(fill_value=0)
    for outcome in case_import.OUTCOME_COLUMNS:
        assert plan.counts[outcome].tolist() == [int(tally.get(outcome, {}).get(i, 0)) for i in plan.counts.index]
    assert len(plan.answers) == plan.case_count * 4
    # Unreadable answers are stored as missing, with the text as typed kept in raw.
    missing_raw = set(plan.answers.loc[plan.answers["outcome"] == "missing", "raw"].dropna())
    assert len(plan.unrecognised) and set(plan.unrecognised["value"]) <= missing_raw


def test_answers_are_stored_on_their_cases(db):
    """Each case row carries its own answers, with the raw text as typed."""
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:2])
    targets = [criterion_target(c) for c in list_criteria(db, cycle_id)]
    table = table_from({"Case": [f"C{i}" for i in range(12)], "Q1": ["Yes", "No", "N/A"] * 4,
                        "Q2": ["No", "yes", ""] * 4})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q1": targets[0], "Q2": targets[1]}, {},
                       keep_identifiers=False, key=KEY)
    expected = {(int(r.source_row), int(r.criterion_id)): (r.outcome, r.raw) for r in plan.answers.itertuples()}
    commit_import(db, cycle_id, plan, file_name="s.csv", sha256="s")
    stored = {(r, c): (o, raw) for r, c, o, raw in db.execute(
        "SELECT c.source_row, a.criterion_id, a.outcome, a.raw FROM answers a JOIN cases c ON c.id = a.case_id")}
    assert stored == expected and len(stored) == 24
    assert stored[(2, min(c for _r, c in stored))] == ("met", "Yes")


def test_values_shared_by_every_row_are_stored_like_the_others(db):
    """Constant columns are written into the statement as literals (quotes escaped), not bound."""
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    table = table_from({"Case": ["1", "2", "3"], "Ward": ["St Mary's"] * 3, "Q": ["Yes"] * 3})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Ward": "ward", "Q": target}, {},
                       keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name="o'brien.csv", sha256="q")
    assert db.execute("SELECT case_ref, ward, cycle_id, answer_criteria, outcomes FROM cases ORDER BY id").fetchall() \
        == [(ref, "St Mary's", cycle_id, str(list_criteria(db, cycle_id)[0].id), "M") for ref in "123"]


@pytest.mark.parametrize(("typed", "years"), [("93", 93), ("93y", 93), ("93 yrs", 93), ("93 Years old", 93),
                                               ("93yo", 93), ("6 months", 0), ("3 wks", 0), ("93m", None),
                                               ("ninety", None), ("150", None)])
def test_ages_are_read_as_clinicians_type_them(db, typed, years):
    _audit, cycle_id = make_cycle(db)
    table = table_from({"Case no.": ["1"], "Age": [typed], "Screening tool used": ["Y"]})
    plan = plan_import(db, cycle_id, table, {"Case no.": "case_ref", "Age": "age",
                                             "Screening tool used": auto_mapping(db, cycle_id, table)[
                                                 "Screening tool used"]},
                       {}, keep_identifiers=False, key=None)
    age = plan.cases["age"].iloc[0]
    assert (None if pd.isna(age) else int(age)) == years
    assert (years is None) == (not plan.rejected.empty)


def test_two_row_headers_map_case_fields_by_the_column_own_name(db):
    _audit, cycle_id = make_cycle(db)
    table = table_from({"PATIENT DETAILS – Case no.": ["1", "2"], "PATIENT DETAILS – Ward": ["AMU", "W12"],
                        "PATIENT DETAILS – Age": ["93y", "71"], "PATIENT DETAILS – Sex": ["F", "M"]})
    mapping = auto_mapping(db, cycle_id, table)
    assert [mapping[c] for c in table.columns] == ["case_ref", "ward", "age", "sex"]


NHS_LOOKALIKES = ["943 476 5919", "9990000018", "4010232137", np.nan]


def test_nhs_numbers_mapped_as_case_reference_are_pseudonymised(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    table = table_from({"Case": [*NHS_LOOKALIKES[:3], "9990000026"], "Ward": NHS_LOOKALIKES,
                        "Q": ["Yes", "No", "maybe", "Yes"]})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Ward": "ward", "Q": target}, {},
                       keep_identifiers=False, key=KEY)
    assert any("'Case' holds NHS numbers" in w for w in plan.warnings)
    assert any("'Ward' holds NHS numbers" in w for w in plan.warnings)
    commit_import(db, cycle_id, plan, file_name="n.csv", sha256="n")
    dump = "\n".join(db.iterdump())
    for number in ("9434765919", "943 476 5919", "9990000018", "4010232137", "9990000026"):
        assert number not in dump
    refs = [r[0] for r in db.execute("SELECT case_ref FROM cases ORDER BY id")]
    keys = [r[0] for r in db.execute("SELECT patient_key FROM cases ORDER BY id")]
    assert len(refs) == 4 and all(len(r) == 64 for r in refs) and keys == refs


def test_nhs_numbers_in_an_answer_column_never_reach_the_problem_list(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    table = table_from({"Case": ["1", "2", "3"], "Q": ["9990000018", "4010232137", "Yes"]})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q": target}, {}, keep_identifiers=False, key=KEY)
    assert "9990000018" not in str(plan.report()) and "4010232137" not in plan.unrecognised.to_string()


def test_lookalike_columns_are_kept_when_the_audit_keeps_identifiers(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1], keep_identifiers=True)
    target = criterion_target(list_criteria(db, cycle_id)[0])
    table = table_from({"Case": NHS_LOOKALIKES[:3], "Q": ["Yes", "No", "Yes"]})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q": target}, {}, keep_identifiers=True, key=None)
    assert plan.cases["case_ref"].tolist() == NHS_LOOKALIKES[:3]


def test_ten_digit_references_that_are_not_nhs_numbers_are_left_alone(db):
    _a, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    refs = ["2026000001", "2026000002", "2026000003", "2026000004"]  # at most 1 in 11 passes modulus 11
    table = table_from({"Case": refs, "Q": ["Yes"] * 4})
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Q": target}, {}, keep_identifiers=False, key=KEY)
    assert plan.cases["case_ref"].tolist() == refs and not plan.warnings


def test_auto_mapping_learns_from_saved_mappings(db):
    _audit, cycle_id = make_cycle(db)
    lactate = [c for c in list_criteria(db, cycle_id) if c.short_name == "Lactate ≤1 h"][0]
    table = table_from({"Pt ref": ["1", "2"], "LAC": ["Y", "N"], "Comments": ["x", "y"]})
    guessed = auto_mapping(db, cycle_id, table)
    assert guessed["Pt ref"] != "case_ref" or guessed["LAC"] != criterion_target(lactate)
    save_profile(db, "AMU monthly", {"Pt ref": "case_ref", "LAC": criterion_target(lactate), "Comments": "ignore"})
    learned = auto_mapping(db, cycle_id, table)
    assert learned["Pt ref"] == "case_ref" and learned["LAC"] == criterion_target(lactate)
    assert learned["Comments"] == "ignore"


@pytest.mark.parametrize("ward", ["_x0000_", "AMU_x0000_", "O'Neil_x0000_ ward"])
def test_a_constant_column_holding_nul_characters_is_bound_and_named(tmp_path: Path, ward: str) -> None:
    from tests.generators import rows_xml, write_sheet_xml

    rows = [["Case no.", "Ward", "Screening tool used"]] + [[i, ward, "Yes" if i % 2 else "No"] for i in range(1, 9)]
    path = write_sheet_xml(tmp_path / "nul.xlsx", rows_xml(rows))
    table = read_table(path)
    assert [w for w in table.warnings if "Column B (Ward): 8 cells hold NUL characters" in w]
    db = open_memory()
    _audit, cycle_id = make_cycle(db, WARD_CRITERIA[:1])
    mapping = auto_mapping(db, cycle_id, table)
    assert mapping["Ward"] == "ward"
    plan = plan_import(db, cycle_id, table, mapping, {}, keep_identifiers=False, key=KEY)
    commit_import(db, cycle_id, plan, file_name=path.name, sha256=file_sha256(path))
    stored = {r[0] for r in db.execute("SELECT ward FROM cases WHERE cycle_id = ?", [cycle_id])}
    assert stored == {ward.replace("_x0000_", "\x00")} and count_cases(db, cycle_id) == 8


def test_numpy_scalars_bind_as_numbers() -> None:
    db = Database(memory=True)
    db.execute("CREATE TABLE t (a INTEGER, b REAL, c INTEGER)")
    db.execute("INSERT INTO t VALUES (?, ?, ?)", [np.int64(3), np.float32(1.5), np.bool_(True)])
    assert db.execute("SELECT a, b, c FROM t").fetchone() == (3, 1.5, 1)
