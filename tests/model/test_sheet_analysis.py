"""The analyse-sheet quick look and column role guessing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.analyse_sheet import main as analyse_sheet_cli
from model.collect.sheet_analysis import (
    _ROLE_HEADERS,
    ROLES,
    _phrase_score,
    _tokens,
    analyse_sheet,
    guess_column_roles,
    header_role,
)
from model.collect.sheets import SheetTable, read_table
from tests.conftest import SHARED_DATA
from tests.model.sheet_fixtures import nhs_test_numbers, write_csv, write_xlsx

TOP_LEVEL_FIELDS = {"file", "sheet", "sheets", "header_row", "rows", "dropped_rows", "columns"}
COLUMN_FIELDS = {"index", "letter", "header", "role", "warnings"}
ANSWER_FIELDS = {"met", "not_met", "exception", "missing", "unrecognised", "unrecognised_values", "compliance"}


WARD = json.loads((SHARED_DATA / "ward_audit_example.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def ward(shared_data: Path) -> tuple[dict, dict]:
    expected = json.loads((shared_data / "ward_audit_example.expected.json").read_text(encoding="utf-8"))
    return analyse_sheet(shared_data / expected["file"]), expected


def _column(result: dict, letter: str) -> dict:
    matches = [c for c in result["columns"] if c["letter"] == letter]
    assert len(matches) == 1, f"no single column {letter!r}"
    return matches[0]


def _criteria(expected: dict) -> dict[str, dict]:
    return expected["criteria"]


def test_ward_example_reproduces_every_expected_count(ward: tuple[dict, dict]) -> None:
    result, expected = ward
    assert result["file"] == expected["file"]
    assert result["sheet"] == expected["data_sheet"]
    # The merged group labels above the header make it a two-row header starting in their row.
    assert result["header_row"] == expected["group_label_row"] == expected["header_row"] - 1
    assert result["rows"] == expected["cases"]
    for criterion, want in _criteria(expected).items():
        column = _column(result, want["column"])
        assert column["header"].endswith(want["header"].strip())
        assert column["role"] == "answer", criterion
        got = column["answers"]
        for key in ("met", "not_met", "exception", "missing"):
            assert got[key] == want[key], (criterion, key)
        assert got["unrecognised"] == len(want["unrecognised"])
        assert [(u["case"], u["value"]) for u in got["unrecognised_values"]] == [
            (str(u["case"]), u["value"]) for u in want["unrecognised"]]
        assert got["compliance_pct"] == want["compliance_pct"]
        assert got["compliance"] == pytest.approx(want["met"] / (want["met"] + want["not_met"]))


def test_ward_example_unrecognised_rows_are_excel_rows(ward: tuple[dict, dict]) -> None:
    result, expected = ward
    for want in _criteria(expected).values():
        got = _column(result, want["column"])["answers"]["unrecognised_values"]
        assert [item["row"] for item in got] == [u["row"] for u in want["unrecognised"]]


def test_ward_example_total_row_never_counted(ward: tuple[dict, dict]) -> None:
    result, expected = ward
    for want in _criteria(expected).values():
        answers = _column(result, want["column"])["answers"]
        total = sum(answers[k] for k in ("met", "not_met", "exception", "missing", "unrecognised"))
        assert total == expected["cases"]
    assert "totals row" in [d["reason"] for d in result["dropped_rows"]]
    inside = set(expected["blank_rows_inside_data"])
    assert all(d["row"] > expected["last_case_row"] for d in result["dropped_rows"] if d["row"] not in inside)
    assert {d["row"] for d in result["dropped_rows"]} >= set(expected["summary_rows"].values()) | inside


def test_ward_example_roles_and_nhs_numbers(ward: tuple[dict, dict]) -> None:
    result, expected = ward
    roles = {c["letter"]: c["role"] for c in result["columns"]}
    letters = expected["columns"]
    assert roles[letters["nhs_number"]] == "nhs_number"
    assert roles[letters["case"]] == "case_ref"
    assert roles[letters["admission_date"]] == "case_date"
    assert (roles[letters["ward"]], roles[letters["sex"]], roles[letters["age"]]) == ("ward", "sex", "age")
    nhs = next(c for c in result["columns"] if c["role"] == "nhs_number")
    assert any("pseudonymised" in w for w in nhs["warnings"])


def test_json_shape_is_stable(ward: tuple[dict, dict]) -> None:
    result, expected = ward
    assert set(result) >= TOP_LEVEL_FIELDS
    assert result["sheets"] == expected["sheets"]
    for i, column in enumerate(result["columns"]):
        assert set(column) >= COLUMN_FIELDS
        assert column["index"] == i and column["role"] in ROLES
        if column["role"] == "answer":
            assert set(column["answers"]) >= ANSWER_FIELDS
    assert [c["letter"] for c in result["columns"]][:3] == ["A", "B", "C"]
    json.dumps(result)  # serialisable as it is


def test_identifying_columns_are_warned_about(tmp_path: Path) -> None:
    nhs = nhs_test_numbers(4)
    rows = [["Patient ID", "Patient name", "DOB", "Postcode", "Hosp No", "Consent form complete?"]]
    rows += [[nhs[i], f"Person {i}", f"0{i + 1}/05/1950", "AB1 2CD", f"K{i}0001", "Yes"] for i in range(4)]
    guesses = {g.name: g for g in guess_column_roles(read_table(write_xlsx(tmp_path / "i.xlsx", rows)))}
    assert guesses["Patient ID"].role == "nhs_number"  # the content wins over the header
    assert guesses["Patient name"].role == "patient_name" and guesses["Patient name"].warnings
    assert guesses["DOB"].role == "date_of_birth" and "age" in guesses["DOB"].warnings[0]
    assert any("Postcode" in w for w in guesses["Postcode"].warnings)
    assert guesses["Hosp No"].role == "hospital_number" and guesses["Hosp No"].warnings
    assert guesses["Consent form complete?"].role == "answer" and not guesses["Consent form complete?"].warnings


def test_roles_from_content_when_headers_say_nothing(tmp_path: Path) -> None:
    rows = [["Col1", "Col2", "Col3", "Col4", "Col5"]]
    rows += [[f"{i + 1:02d}/03/2026", "Y" if i % 2 else "N", "M" if i % 2 else "F", "", f"free text {i}"]
             for i in range(10)]
    guesses = [g.role for g in guess_column_roles(read_table(write_csv(tmp_path / "c.csv", rows)))]
    assert guesses == ["case_date", "answer", "sex", "empty", "text"]


def test_numbers_are_not_dates_without_a_date_header(tmp_path: Path) -> None:
    rows = [["Value", "Date"]] + [[f"{1000 + i * 7.5}", f"{46000 + i}"] for i in range(10)]
    roles = [g.role for g in guess_column_roles(read_table(write_csv(tmp_path / "n.csv", rows)))]
    assert roles == ["text", "case_date"]


@pytest.mark.parametrize(("header", "role"), [
    ("Case no.", "case_ref"), ("NHS Number", "nhs_number"), ("Age (years)", "age"), ("Gender", "sex"),
    ("Ethnic group", "ethnicity"), ("IMD decile", "imd"), ("Ward", "ward"), ("Site", "site"),
    ("Consultant", "team"), ("Date of admission", "case_date"), ("Auditor", "collector"),
    ("D.O.B.", "date_of_birth"), ("Surname", "patient_name"), ("MRN", "hospital_number"),
])
def test_header_roles(header: str, role: str) -> None:
    assert header_role(header)[0] == role


@pytest.mark.parametrize("header", ["Trust name", "NHS region", "Area type", "Sepsis screening tool completed?"])
def test_headers_that_only_share_a_word_are_not_clear_matches(header: str) -> None:
    assert header_role(header)[1] < 0.75


def test_compliance_is_null_without_met_or_not_met(tmp_path: Path) -> None:
    rows = [["Case", "Criterion"], [1, "N/A"], [2, "n/a"], [3, "N/A"]]
    result = analyse_sheet(write_xlsx(tmp_path / "x.xlsx", rows))
    answers = result["columns"][1]["answers"]
    assert answers["exception"] == 3 and answers["compliance"] is None and answers["compliance_pct"] is None


def test_cli_prints_json_and_returns_zero(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = analyse_sheet_cli([str(shared_data / "ward_audit_example.xlsx"), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out)["sheet"] == WARD["data_sheet"]
    assert out.startswith("{\n  ")  # indent=2


def test_cli_with_sheet_and_text_summary(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = analyse_sheet_cli([str(shared_data / "ward_audit_example.xlsx"), "--sheet", WARD["data_sheet"]])
    out = capsys.readouterr().out
    assert code == 0 and "header in row" in out
    assert all(f"compliance {c['compliance_pct']}%" in out for c in WARD["criteria"].values())


@pytest.mark.parametrize("make", ["corrupt", "missing_sheet", "empty"])
def test_cli_known_problems_exit_2_with_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str) -> None:
    args: list[str]
    if make == "corrupt":
        (tmp_path / "bad.xlsx").write_bytes(b"not a workbook at all")
        args = [str(tmp_path / "bad.xlsx"), "--json"]
    elif make == "missing_sheet":
        args = [str(write_xlsx(tmp_path / "w.xlsx", [["A", "B"], [1, 2]])), "--sheet", "Nope"]
    else:
        (tmp_path / "e.csv").write_bytes(b"")
        args = [str(tmp_path / "e.csv")]
    code = analyse_sheet_cli(args)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "What to do:" in captured.err and "Traceback" not in captured.err


def test_cli_usage_error_returns_argparse_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert analyse_sheet_cli([]) == 2
    assert "usage" in capsys.readouterr().err


def _brute_force_header_role(header: str) -> tuple[str | None, float]:
    """Every phrase scored in full, the first best kept: what header_role must return."""
    tokens = _tokens(header)
    best: tuple[str | None, float] = (None, 0.0)
    for role, phrases in _ROLE_HEADERS.items():
        for phrase in phrases:
            score = _phrase_score(" ".join(tokens), tokens, phrase)  # beat=0: never skipped
            if score > best[1]:
                best = (role, score)
    return best


@pytest.mark.parametrize("header", ["Admision date", "Wrd", "Hospitl no", "Ethnicty", "Collected by whom",
                                    "Antibiotics within 1 hour", "Sepsis screening tool completed?", "x", "??"])
def test_fuzzy_header_scores_skip_only_phrases_that_cannot_win(header: str) -> None:
    assert header_role(header) == _brute_force_header_role(header)


def _big_table(columns: dict[str, list[object]]) -> SheetTable:
    data = pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in columns.items()})
    data.index = pd.RangeIndex(len(data)) + 2
    names = tuple(columns)
    return SheetTable(path=Path("big.xlsx"), sheet="Data", header_row=1, header_height=1, columns=names,
                      display_headers=names, letters=tuple("ABCDEFGH"[: len(names)]), data=data)


def test_long_columns_are_judged_from_a_sample_sparse_ones_from_their_filled_cells() -> None:
    n = 40_000
    answers = ["Yes" if i % 3 else "No" for i in range(n)]
    # Filled only in rows an even stride through 40,000 rows skips: judged from its filled cells.
    sparse = [("Y" if i % 3 else "N") if i % 16 == 5 else None for i in range(n)]
    dates = [f"{1 + i % 28:02d}/02/2026" if i % 10 else None for i in range(n)]
    refs = [f"R{i}" for i in range(n)]
    table = _big_table({"Case no.": refs, "Q1": answers, "Q2": sparse, "Date of admission": dates})
    guesses = {g.name: (g.role, g.reason) for g in guess_column_roles(table)}
    assert guesses["Case no."][0] == "case_ref"
    assert guesses["Q1"] == ("answer", "100% of the filled cells are recognised answers")
    assert guesses["Q2"] == ("answer", "100% of the filled cells are recognised answers")
    assert guesses["Date of admission"] == ("case_date", "the header names a date and the cells are dates")


def test_clear_header_still_overruled_by_nhs_numbers_and_answers(tmp_path: Path) -> None:
    numbers = nhs_test_numbers(12)
    rows = [["Case no.", "Full name recorded?", "Full name", "Ward"]]
    rows += [[numbers[i], "Yes" if i % 2 else "No", f"Pat Smith {i}", "AMU"] for i in range(12)]
    roles = [g.role for g in guess_column_roles(read_table(write_csv(tmp_path / "o.csv", rows)))]
    assert roles == ["nhs_number", "answer", "patient_name", "ward"]
