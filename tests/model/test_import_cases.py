"""`import-cases`: the wizard's pipeline without a window (mapping, vocabularies, pseudonyms,
all-or-nothing), its JSON fields and its stops."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli import SUBCOMMANDS
from cli.import_cases import main as import_cases_main
from model.collect.cases import count_cases
from model.store.store import open_store
from tests.conftest import SHARED_DATA
from tests.model.sheet_fixtures import nhs_test_numbers, write_csv
from tests.model.test_case_import import WARD_CASES, WARD_KEYS, WARD_PERIOD, make_cycle

ROOT = Path(__file__).resolve().parents[2]
WARD = SHARED_DATA / "ward_audit_example.xlsx"
EXPECTED = json.loads((SHARED_DATA / "ward_audit_example.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "audits.sqlite"
    store = open_store(path)
    make_cycle(store.db, period=WARD_PERIOD)
    store.close()
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = import_cases_main(list(args))
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.startswith("{") else {}), captured.err


def _cases(path: Path) -> int:
    store = open_store(path)
    try:
        return count_cases(store.db, 1)
    finally:
        store.close()


def test_registered_and_listed_in_help() -> None:
    assert SUBCOMMANDS["import-cases"] == "cli.import_cases"
    done = subprocess.run([sys.executable, "main.py", "import-cases", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    for name in ("--audit", "--cycle", "--sheet", "--profile", "--map", "--dry-run", "--db", "--json",
                 "case_ref", "case_date", "nhs_number", "hospital_number", "age", "sex", "ward"):
        assert name in done.stdout


def test_unreadable_answers_stop_it_and_are_listed(data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(WARD), "--audit", "1", "--db", str(data_file), "--json")
    assert code == 2 and not out["applied"] and _cases(data_file) == 0
    assert out["cases"] == WARD_CASES == 84  # the "% compliance" row is not a case
    fields = {m["letter"]: (m["field"], m["how"]) for m in out["mapping"]}
    assert fields["A"] == ("case_ref", "auto")  # auto-mapping finds the case-reference column
    [stop] = out["stopped"]
    assert set(stop["values"]) == {"Noo", "Yse", "yes?", "?", "see notes"} and "--value" in stop["what_to_do"]
    assert "nothing stored" in err
    for key, counts in zip(WARD_KEYS, out["criteria"], strict=True):
        want = EXPECTED["criteria"][key]
        assert {k: counts[k] for k in ("met", "not_met", "exception", "missing")} == \
            {k: want[k] for k in ("met", "not_met", "exception", "missing")}
        assert counts["unrecognised"] == len(want["unrecognised"])
    assert {(u["row"], u["value"]) for u in out["unrecognised"]} == \
        {(u["row"], u["value"]) for c in EXPECTED["criteria"].values() for u in c["unrecognised"]}


def test_decided_import_is_stored_all_at_once_and_not_twice(data_file: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(WARD), "--audit", "Sepsis on AMU", "--cycle", "1", "--db", str(data_file), "--json",
            "--value", "Yse=met", "--unrecognised-as", "missing"]
    code, out, _err = _run(capsys, *args, "--dry-run")
    assert code == 0 and out["dry_run"] and not out["applied"] and _cases(data_file) == 0
    keys = data_file.parent / "audits.sqlite.keys"
    assert not keys.exists() or not any(keys.iterdir())  # a dry run makes no key file
    code, out, _err = _run(capsys, *args)
    assert code == 0 and out["applied"] and out["import_id"] and _cases(data_file) == 84
    assert out["criteria"][1]["met"] == EXPECTED["criteria"]["C2"]["met"] + 1  # "Yse" decided as met
    assert all(c["unrecognised"] == 0 for c in out["criteria"])
    for field in ("file", "sheet", "header_row", "mapping", "cases", "criteria", "rejected_rows", "unrecognised",
                  "warnings", "stopped", "dry_run", "applied", "import_id"):
        assert field in out
    store = open_store(data_file)
    stored = {r[0] for r in store.db.execute("SELECT nhs_number FROM cases")}
    store.close()
    assert stored == {None}  # pseudonymised: the numbers themselves are not kept
    code, _out, err = _run(capsys, *args)
    assert code == 2 and "imported into this cycle before" in err and _cases(data_file) == 84
    code, out, _err = _run(capsys, *args, "--replace")
    assert code == 0 and out["replaced_import_id"] and _cases(data_file) == 84


def _forms_export(tmp_path: Path) -> Path:
    nhs = nhs_test_numbers(6)
    rows = [["ID", "NHS No", "Screening tool used", "Blood cultures taken before antibiotics", "Extra question",
             "Lactate ≤1 h", "Another question"]]
    rows += [[f"F{i}", nhs[i], "Yes" if i % 2 else "No", "Y", "No" if i % 3 else "Yes", "n/a" if i == 2 else "no",
              "Yes"] for i in range(6)]
    rows.append(["F9", nhs[0], "Yes", "Y", "Yes", "Yes", "No"])  # a duplicate NHS number is fine; a bad one is not
    rows.append(["F10", "123", "Yes", "Y", "Yes", "Yes", "No"])
    return write_csv(tmp_path / "forms.csv", rows)


def test_headers_naming_criteria_map_without_being_told_and_unmapped_answers_stop(
        data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _forms_export(tmp_path)
    code, out, _err = _run(capsys, str(path), "--audit", "1", "--db", str(data_file), "--json")
    how = {m["column"]: (m["field"], m["how"]) for m in out["mapping"]}
    assert how["Screening tool used"] == ("Screening tool used", "name")  # the short name
    assert how["Blood cultures taken before antibiotics"] == ("Cultures before antibiotics", "name")  # the statement
    # Answer columns that resemble no criterion stop the import (nothing is stored).
    assert code == 2 and set(out["stopped"][0]["columns"]) == {"Extra question", "Another question"}
    assert _cases(data_file) == 0
    code, out, _err = _run(capsys, str(path), "--audit", "1", "--db", str(data_file), "--json",
                           "--map", "Extra question=ignore", "--map", "another QUESTION=Antibiotics ≤1 h",
                           "--map", "ID=case_ref")
    assert {m["column"]: m["field"] for m in out["mapping"]}["Another question"] == "Antibiotics ≤1 h"
    assert code == 0 and out["applied"] and out["cases"] == 8
    rejected = out["rejected_rows"]
    assert [r["row"] for r in rejected if r["column"] == "NHS No"] == [9]  # the bad NHS number, with its reason
    assert rejected[0]["reason"] and rejected[0]["action"]


def test_unknown_column_field_and_audit_are_messages(data_file: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = _forms_export(tmp_path)
    for extra, words in ((["--map", "Nope=ward"], "no column called 'Nope'"),
                         (["--map", "ID=favourite colour"], "neither a case field"),
                         (["--map", "ID"], "HEADER=FIELD"),
                         (["--value", "Yse=perhaps"], "not an outcome")):
        code, out, err = _run(capsys, str(path), "--audit", "1", "--db", str(data_file), "--json", *extra)
        assert code == 2 and out == {} and words in err and "Traceback" not in err
    code, _out, err = _run(capsys, str(path), "--audit", "Nothing like it", "--db", str(data_file))
    assert code == 2 and "No audit is called" in err
    code, _out, err = _run(capsys, str(path), "--audit", "1", "--cycle", "7", "--db", str(data_file))
    assert code == 2 and "no cycle 7" in err
    code, _out, err = _run(capsys, str(tmp_path), "--audit", "1", "--db", str(data_file))
    assert code == 2 and "folder" in err
    assert _cases(data_file) == 0
