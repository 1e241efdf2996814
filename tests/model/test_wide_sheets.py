"""A sheet as wide as Excel allows (16,384 columns): read, found and guessed column by column,
with a cost per used column (the timing is bench/run.py's `reader` section, not a test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.collect.sheet_analysis import analyse_sheet, guess_column_roles, header_role, header_roles
from model.collect.sheets import column_letter, read_table
from tests.generators import WIDE_COLUMNS, WIDE_EMPTY_EVERY, generate_wide_workbook


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_wide_workbook(tmp_path_factory.mktemp("wide") / "wide.xlsx")


def test_every_used_column_of_a_16384_column_sheet_is_read_and_empty_ones_are_skipped(wide: Path) -> None:
    table = read_table(wide)
    empty = {column_letter(c) for c in range(1, WIDE_COLUMNS) if c % WIDE_EMPTY_EVERY == 0}
    assert len(table.columns) == WIDE_COLUMNS - len(empty)
    assert not empty & set(table.letters)
    assert table.letters[0] == "A" and table.letters[-1] == "XFD" and table.columns[-1] == "Comments"
    assert len(table.data) == 6 and table.header_row == 1


def test_wide_sheet_roles_and_answer_counts_are_those_of_each_column(wide: Path) -> None:
    result = analyse_sheet(wide)
    columns = {c["letter"]: c for c in result["columns"]}
    assert columns["A"]["role"] == "case_ref" and columns["XFD"]["role"] == "text"
    answers = ("Yes", "No", "N/A", "Yes", "yes", "No")
    for c in (1, 2, 10, 5000, 16380):
        column = columns[column_letter(c)]
        cells = [answers[(r + c) % 6] for r in range(6)]
        odd = c % 10 == 0
        if odd:
            cells[1] = "Yse"
        assert column["role"] == "answer", column
        counts = column["answers"]
        assert counts["met"] == sum(v.lower() == "yes" for v in cells)
        assert counts["not_met"] == cells.count("No") and counts["exception"] == cells.count("N/A")
        assert counts["unrecognised_values"] == ([{"row": 3, "case": "2", "value": "Yse"}] if odd else [])


def test_roles_of_many_headers_are_those_of_each_header_alone() -> None:
    headers = ["Case no.", "Admision date", "Q17", "", "PATIENT DETAILS – Ward", "Ethnicty", "Wrd", "Case no."]
    assert header_roles(headers) == [header_role(h) for h in headers]


def test_a_wide_csv_is_guessed_like_the_workbook(tmp_path: Path) -> None:
    head = ["Case no."] + [f"Q{c}" for c in range(2, 600)]
    rows = [head] + [[str(r)] + ["Yes" if (r + c) % 2 else "No" for c in range(2, 600)] for r in range(1, 5)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    roles = [g.role for g in guess_column_roles(read_table(path))]
    assert roles[0] == "case_ref" and set(roles[1:]) == {"answer"} and len(roles) == 599
