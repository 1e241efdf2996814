"""OpenDocument sheets (.ods, what LibreOffice and some trust systems save) are read like the same
sheet saved as .xlsx or .csv: the same header, columns, roles, cases and answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from model.collect.sheet_analysis import analyse_sheet
from model.collect.sheets import read_table
from tests.generators import write_ods
from tests.model.sheet_fixtures import nhs_test_numbers, write_csv, write_xlsx

NHS = nhs_test_numbers(6)
TITLE = [["Sepsis audit – AMU, February 2026", None, None, None, None, None], [None] * 6]
GROUPS = ["PATIENT DETAILS", None, None, "SEPSIS SIX (Y / N / N/A)", None, None]
HEADER = ["Case no.", "NHS number", "Ward ", "Date of admission", "1. Screening tool\ncompleted?",
          "2. Antibiotics within\n1 hour?"]
CASES = [
    [1, NHS[0], "AMU", dt.date(2026, 2, 3), "Yes", "N"],
    [2, NHS[1], "Ward 12", "04/02/2026", "n/a", "Y"],
    [3, NHS[2], "AMU", dt.date(2026, 2, 5), True, "Yse"],
    [None] * 6,  # a blank row inside the data
    [4, NHS[3], "W12", "6/2/26", "no", "yes"],
    [5, NHS[4], "AMU", dt.date(2026, 2, 7), "Y", None],
]
SUMMARY = [["TOTAL met (Y)", None, None, None, 3, 2], ["% compliance", None, None, None, "75%", "67%"]]
ROWS = TITLE + [GROUPS, HEADER] + CASES + SUMMARY


def _comparable(result: dict) -> dict:
    return {"header_row": result["header_row"], "rows": result["rows"],
            "dropped": [(d["row"], d["reason"]) for d in result["dropped_rows"]],
            "columns": [(c["letter"], c["name"], c["role"], c.get("answers")) for c in result["columns"]]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    merged_ods = [(3, 1, 3), (3, 4, 3)]
    merged_xlsx = ["A3:C3", "D3:F3"]
    return {
        "ods": write_ods(tmp_path / "audit.ods", {"Notes": [["Key: Y = yes"]], "Data": ROWS}, merged=merged_ods,
                         trailing_empty_rows=1_048_000, main="Data"),
        "xlsx": write_xlsx(tmp_path / "audit.xlsx", ROWS, sheet="Data", merges=merged_xlsx,
                           before={"Notes": [["Key: Y = yes"]]}),
    }


def test_ods_reads_as_the_same_sheet_saved_as_xlsx(files: dict[str, Path]) -> None:
    ods, xlsx = analyse_sheet(files["ods"]), analyse_sheet(files["xlsx"])
    assert ods["sheet"] == xlsx["sheet"] == "Data"
    assert _comparable(ods) == _comparable(xlsx)
    # Group labels over the header; the blank row and the totals rows are left out.
    assert ods["header_rows"] == 2 and ods["rows"] == 5
    roles = {c["name"].split(" – ")[-1]: c["role"] for c in ods["columns"]}
    assert roles["Case no."] == "case_ref" and roles["NHS number"] == "nhs_number"
    assert roles["Date of admission"] == "case_date"


def test_ods_table_matches_the_csv_of_the_same_rows(files: dict[str, Path], tmp_path: Path) -> None:
    text_rows = [[c.strftime("%d/%m/%Y") if isinstance(c, dt.date) else ("TRUE" if c is True else c) for c in row]
                 for row in ROWS]
    csv = read_table(write_csv(tmp_path / "audit.csv", text_rows))
    ods = read_table(files["ods"])
    assert [n.split(" – ")[-1] for n in ods.columns] == [n.split(" – ")[-1] for n in csv.columns]
    assert ods.excel_rows == csv.excel_rows
    assert ods.data.iloc[:, 4].tolist() == csv.data.iloc[:, 4].tolist()


def test_hidden_rows_of_an_ods_sheet_are_left_out(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "h.ods", {"Data": [HEADER, *[r for r in CASES if r[0]]]}, hidden_rows=[3, 5])
    table = read_table(path)
    assert table.excel_rows == [2, 4, 6]
    assert [d.row for d in table.dropped_rows if d.reason == "hidden in Excel"] == [3, 5]
