"""Reading spreadsheets: formats, encodings, header detection, dropped rows, bad files."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from model.collect import cell_text, hidden_rows, sheet_files, sheet_rows
from model.collect.answers import parse_uk_dates
from model.collect.cell_text import _rows_to_grid
from model.collect.sheets import (
    ColumnCodes,
    RawSheet,
    build_table,
    column_letter,
    find_header,
    guess_data_sheet,
    list_sheets,
    read_raw_sheets,
    read_table,
)
from model.core.errors import ImportProblem
from tests.generators import rows_xml, write_sheet_xml
from tests.model.sheet_fixtures import OLE2_MAGIC, nhs_test_numbers, write_csv, write_xlsx

HEADER = ["Case no.", "NHS number", "Ward", "Date", "S1 done?", "S2 done?"]


def _cases(n: int) -> list[list[object]]:
    nhs = nhs_test_numbers(n)
    return [[i + 1, nhs[i], "AMU" if i % 2 else "Ward 7", f"{i % 28 + 1:02d}/02/2026",
             "Yes" if i % 3 else "No", "N/A" if i % 5 == 0 else "y"] for i in range(n)]


# ---------------------------------------------------------------------------
# The shared sample workbook
# ---------------------------------------------------------------------------


def _ward_expected(shared_data: Path) -> dict:
    return json.loads((shared_data / "ward_audit_example.expected.json").read_text(encoding="utf-8"))


def test_ward_example_sheet_header_and_rows(shared_data: Path) -> None:
    expected = _ward_expected(shared_data)
    table = read_table(shared_data / "ward_audit_example.xlsx")
    assert table.sheet == expected["data_sheet"]
    # The merged group labels above the header name the groups: a two-row header.
    assert (table.header_row, table.header_height) == (expected["group_label_row"], 2)
    assert table.header_row + 1 == expected["header_row"]
    assert len(table.data) == expected["cases"]
    assert table.excel_rows[0] == expected["first_case_row"]
    assert table.excel_rows[-1] == expected["last_case_row"]
    for criterion in expected["criteria"].values():
        header = criterion["header"].strip()  # some end in a space
        assert any(d.endswith(header) for d in table.display_headers)
        assert any(c.endswith(" ".join(header.split())) for c in table.columns)
    assert not table.data.iloc[:, 0].astype("str").str.contains("TOTAL|%", case=False).any()
    dropped = {d.row: d.reason for d in table.dropped_rows}
    assert all(dropped[r] == "totals row" for r in expected["summary_rows"].values())
    assert all(dropped[r] == "empty row" for r in expected["blank_rows_inside_data"])


def test_ward_example_cells_are_normalised_text(shared_data: Path) -> None:
    expected = _ward_expected(shared_data)
    table = read_table(shared_data / "ward_audit_example.xlsx")
    column = dict(zip(table.letters, table.columns, strict=True))
    cols = expected["columns"]
    by_row = {c["row"]: c for c in expected["case_detail"]}
    for row, case in table.data.iterrows():
        want = by_row[int(row)]
        assert case[column[cols["case"]]] == str(want["case"])  # floats such as 1.0 in the workbook
        if "Excel date" in str(want["admission_date_as_written"]):
            assert case[column[cols["admission_date"]]] == want["admission_date"]  # a real Excel date
    assert table.data[column[cols["age"]]].str.fullmatch(r"\d+\w*").all()


def test_list_sheets_and_guess_skip_read_me(shared_data: Path) -> None:
    expected = _ward_expected(shared_data)
    path = shared_data / "ward_audit_example.xlsx"
    assert list_sheets(path) == expected["sheets"]
    grids = {name: raw.grid for name, raw in read_raw_sheets(path).items()}
    assert guess_data_sheet(grids) == expected["data_sheet"]


def test_national_csv_title_rows_and_number_row(shared_data: Path) -> None:
    table = read_table(shared_data / "national_audit_trust_results.csv")
    assert table.header_row == 4  # two title rows and a row of column numbers above
    assert table.columns[:3] == ("trustcode", "sitecode", "Trust name")
    assert "Read as cp1252 text." in table.warnings
    assert table.data["Trust name"].str.contains("\u2019|\u2013", regex=True).any()


# ---------------------------------------------------------------------------
# Header detection
# ---------------------------------------------------------------------------


def test_title_rows_blank_row_and_line_breaks(tmp_path: Path) -> None:
    rows = [["Falls audit — Ward 7"], ["Standard: NICE NG161"], [], ["Case\nno.", "Date of\nfall", "Seen  by\ndoctor?"]]
    rows += [[1, "01/02/2026", "Yes"], [2, "02/02/2026", "No"], [3, "03/02/2026", "y"]]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", rows))
    assert table.header_row == 4
    assert table.columns == ("Case no.", "Date of fall", "Seen by doctor?")
    assert table.display_headers == ("Case\nno.", "Date of\nfall", "Seen  by\ndoctor?")
    assert table.excel_rows == [5, 6, 7]


def test_merged_two_row_header(tmp_path: Path) -> None:
    rows = [["Audit of consent"], [],
            ["Case", "Ward", "Criteria", None, None, "Comments"],
            [None, None, "Form complete", "Risks documented", "Copy offered", None],
            [1, "AMU", "Yes", "No", "Yes", ""], [2, "AMU", "No", "No", "Yes", "late"]]
    path = write_xlsx(tmp_path / "m.xlsx", rows, merges=["C3:E3", "A3:A4", "B3:B4", "F3:F4", "A1:F1"])
    table = read_table(path)
    assert table.header_row == 3 and table.header_height == 2
    assert table.columns == ("Case", "Ward", "Criteria – Form complete", "Criteria – Risks documented",
                             "Criteria – Copy offered", "Comments")
    assert table.excel_rows == [5, 6]


def test_group_row_without_merges_in_csv(tmp_path: Path) -> None:
    rows = [["Code", "Name", "Q1", "", "Q2", ""], ["", "", "N", "%", "N", "%"]]
    rows = [["", "", "Q1", "", "Q2", ""], ["Code", "Name", "N", "%", "N", "%"]]
    rows += [["R1", "Trust A", "10", "50", "4", "40"], ["R2", "Trust B", "12", "60", "5", "50"]]
    table = read_table(write_csv(tmp_path / "g.csv", rows))
    assert table.columns == ("Code", "Name", "Q1 – N", "Q1 – %", "Q2 – N", "Q2 – %")
    assert table.header_row == 1 and table.header_height == 2


def test_column_number_row_below_header_is_dropped(tmp_path: Path) -> None:
    rows = [HEADER, [1, 2, 3, 4, 5, 6], *_cases(4)]
    table = read_table(write_xlsx(tmp_path / "n.xlsx", rows))
    assert table.dropped_rows[0].row == 2 and table.dropped_rows[0].reason == "column numbers"
    assert table.data["Case no."].tolist() == ["1", "2", "3", "4"]


def test_empty_columns_dropped_and_blank_headers_named(tmp_path: Path) -> None:
    rows = [["Case", None, "Ward", None, "Outcome"], [1, None, "AMU", "extra", "Yes"], [2, None, "AMU", None, "No"]]
    table = read_table(write_xlsx(tmp_path / "c.xlsx", rows))
    assert table.columns == ("Case", "Ward", "Column D", "Outcome")
    assert table.letters == ("A", "C", "D", "E")
    assert table.where(6, "Outcome") == "c.xlsx, sheet Data, row 6, column E (Outcome)"


def test_duplicate_headers_made_unique(tmp_path: Path) -> None:
    rows = [["Case", "Note", "Note", "Result"], [1, "a", "b", "Yes"], [2, "c", "d", "No"]]
    table = read_table(write_csv(tmp_path / "d.csv", rows))
    assert table.columns == ("Case", "Note", "Note (2)", "Result")


def test_find_header_on_a_grid_without_header_falls_back() -> None:
    grid = pd.DataFrame([["1", "2"], ["3", "4"]], dtype="str")
    guess = find_header(grid)
    assert guess.guessed and guess.row == 0


def test_header_in_offset_position_keeps_excel_coordinates(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    ws["C5"], ws["D5"] = "Case", "Done?"
    ws["C6"], ws["D6"] = 1, "Yes"
    book.save(tmp_path / "o.xlsx")
    table = read_table(tmp_path / "o.xlsx")
    assert table.header_row == 5 and table.letters == ("C", "D") and table.excel_rows == [6]


# ---------------------------------------------------------------------------
# Rows that are not cases
# ---------------------------------------------------------------------------


def test_totals_row_and_summary_block(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(12), [], ["Total", None, None, None, 8, 10], [None, None, None, "Compliance", "67%"]]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", rows))
    assert len(table.data) == 12
    reasons = {d.row: d.reason for d in table.dropped_rows}
    assert reasons == {14: "empty row", 15: "totals row", 16: "totals row"}  # "Compliance 67%" sums up too


@pytest.mark.parametrize("label", ["TOTAL", "Grand total:", "Totals", "Sum", "Overall", "Count", "% compliance",
                                   "%met", "Percentage met", "Compliance (%)", "Proportion compliant"])
def test_totals_first_cell_spellings(tmp_path: Path, label: str) -> None:
    rows = [HEADER, *_cases(3), [label, None, None, None, 2, 3]]
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    assert len(table.data) == 3
    assert table.dropped_rows[-1].reason == "totals row"


def test_totals_word_in_any_cell(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(3), [None, None, None, "TOTAL", 2, 3]]
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    assert len(table.data) == 3


def test_rows_after_a_column_number_row_keep_their_excel_numbers(tmp_path: Path) -> None:
    rows = [HEADER, [1, 2, 3, 4, 5, 6], *_cases(3), [None, None, "Ward 9", None, None, None]]
    table = read_table(write_xlsx(tmp_path / "n.xlsx", rows))
    assert table.excel_rows == [3, 4, 5, 6]
    assert table.data.loc[6, "Ward"] == "Ward 9" and table.data.loc[3, "Case no."] == "1"


def test_hidden_columns_and_the_word_hidden_are_not_hidden_rows(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(4)]
    rows[2] = [*rows[2][:5], 'hidden="1"']
    path = write_xlsx(tmp_path / "h.xlsx", rows, hidden_rows=[4])
    book = openpyxl.load_workbook(path)
    book["Data"].column_dimensions["B"].hidden = True
    book["Data"]["C5"] = "hidden"
    book.save(path)
    table = read_table(path)
    assert [(d.row, d.reason) for d in table.dropped_rows] == [(4, "hidden in Excel")]
    assert table.excel_rows == [2, 3, 5]


def test_totals_row_found_when_its_first_cell_is_not_in_the_first_column(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(6), [None, "Sum of cases", None, None, "4", "5"]]
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    assert (8, "totals row") in [(d.row, d.reason) for d in table.dropped_rows]
    assert len(table.data) == 6


def test_grid_cells_become_text_or_nan() -> None:
    rows = [["Case", "Answer", "Age"], [1.0, "Yes", None], [2.5, "", 7], [True, " ", dt.date(2026, 3, 1)]]
    grid = _rows_to_grid(rows)
    assert grid[0].tolist() == ["Case", "1", "2.5", "TRUE"]
    assert grid[1].tolist()[:2] == ["Answer", "Yes"] and pd.isna(grid.at[2, 1]) and grid.at[3, 1] == " "
    assert grid[2].tolist()[0] == "Age" and pd.isna(grid.at[1, 2]) and grid[2].tolist()[2:] == ["7", "2026-03-01"]
    assert str(grid[1].dtype) == "str"


def test_hidden_rows_are_dropped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", [HEADER, *_cases(5)], hidden_rows=[3, 5])
    table = read_table(path)
    assert table.excel_rows == [2, 4, 6]
    assert [(d.row, d.reason) for d in table.dropped_rows] == [(3, "hidden in Excel"), (5, "hidden in Excel")]


def test_inner_blank_row_listed_trailing_blank_rows_not(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(3), [], *_cases(3), [], [], []]
    table = read_table(write_csv(tmp_path / "b.csv", rows))
    assert len(table.data) == 6
    assert [(d.row, d.reason) for d in table.dropped_rows] == [(5, "empty row")]


def test_repeated_header_rows_dropped(tmp_path: Path) -> None:
    rows = [HEADER, *_cases(3), HEADER, *_cases(2)]
    table = read_table(write_csv(tmp_path / "r.csv", rows))
    assert len(table.data) == 5
    assert (5, "repeated header row") in [(d.row, d.reason) for d in table.dropped_rows]


# ---------------------------------------------------------------------------
# Cell types and identifiers
# ---------------------------------------------------------------------------


def test_cell_types_become_text(tmp_path: Path) -> None:
    rows = [["ID", "Date", "When", "Time", "Score", "Flag", "Serial"],
            ["00123", dt.datetime(2026, 3, 11), dt.datetime(2026, 2, 3, 14, 35), dt.time(14, 35), 12.5, True, 46000],
            ["0456", dt.date(2026, 1, 5), dt.datetime(2026, 2, 4, 9, 5, 7), dt.time(9, 0), 3.0, False, 46001.0]]
    table = read_table(write_xlsx(tmp_path / "c.xlsx", rows))
    first, second = table.data.iloc[0], table.data.iloc[1]
    assert first["ID"] == "00123" and second["ID"] == "0456"
    assert first["Date"] == "2026-03-11" and second["Date"] == "2026-01-05"
    assert first["When"] == "2026-02-03 14:35:00"
    assert first["Time"] == "14:35:00"
    assert first["Score"] == "12.5" and second["Score"] == "3"
    assert first["Flag"] == "TRUE" and second["Flag"] == "FALSE"
    assert first["Serial"] == "46000" and second["Serial"] == "46001"


def test_csv_keeps_leading_zeros_and_na_text(tmp_path: Path) -> None:
    rows = [["ID", "Answer"], ["007", "N/A"], ["010", "NA"], ["011", ""], ["012", "  "]]
    table = read_table(write_csv(tmp_path / "z.csv", rows))
    assert table.data["ID"].tolist() == ["007", "010", "011", "012"]
    assert table.data["Answer"].iloc[:2].tolist() == ["N/A", "NA"]
    assert pd.isna(table.data["Answer"].iloc[2])
    assert table.data["Answer"].iloc[3] == "  "  # kept as typed; answers call it missing


# ---------------------------------------------------------------------------
# CSV encodings and delimiters
# ---------------------------------------------------------------------------


def test_cp1252_csv_with_pound_and_curly_quotes(tmp_path: Path) -> None:
    rows = [["Ward", "Cost", "Note"], ["St Mary\u2019s", "£12", "\u201cdelayed\u201d \u2013 see notes"],
            ["AMU", "£3", ""]]
    table = read_table(write_csv(tmp_path / "w.csv", rows, encoding="cp1252"))
    assert table.data["Ward"].iloc[0] == "St Mary\u2019s"
    assert table.data["Cost"].tolist() == ["£12", "£3"]
    assert table.data["Note"].iloc[0] == "\u201cdelayed\u201d \u2013 see notes"


def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    rows = [["Case", "Score", "Done"], ["1", "12,5", "Yes"], ["2", "3,25", "No"], ["3", "7", "y"]]
    table = read_table(write_csv(tmp_path / "s.csv", rows, delimiter=";"))
    assert table.columns == ("Case", "Score", "Done")
    assert table.data["Score"].tolist() == ["12,5", "3,25", "7"]


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", [["Case", "Ward"], ["1", "Ward 7"]], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_table(path)
    assert table.columns == ("Case", "Ward") and table.warnings == ()


def test_tab_delimited_text(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "t.txt", [["Case", "Ward", "Done"], ["1", "AMU", "Yes"]], delimiter="\t"))
    assert table.columns == ("Case", "Ward", "Done")


def test_utf16_tab_export(tmp_path: Path) -> None:
    path = tmp_path / "u.txt"
    path.write_bytes("Case\tWard\r\n1\tAMU\r\n".encode("utf-16"))
    assert read_table(path).data["Ward"].tolist() == ["AMU"]


def test_csv_ragged_rows_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("A,B,C\n1,2\n3,4,5\n", encoding="utf-8")
    table = read_table(path)
    assert table.data["C"].isna().tolist() == [True, False]


def test_csv_title_rows_padded_with_commas(tmp_path: Path) -> None:
    rows = [["Audit results 2025", "", "", ""], ["Table 3", "", "", ""], ["Code", "Name", "Met", "Eligible"],
            ["R1", "Trust A", "10", "20"], ["R2", "Trust B", "12", "15"]]
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    assert table.header_row == 3 and len(table.data) == 2


# ---------------------------------------------------------------------------
# Sheet choice
# ---------------------------------------------------------------------------


def test_guess_data_sheet_skips_instruction_and_lookup_sheets(tmp_path: Path) -> None:
    readme = [["How to fill this in: one row per patient, Y/N/N/A in every criterion column, please."]] * 6
    lists = [["Wards", "Answers"], ["AMU", "Yes"], ["Ward 7", "No"], ["Ward 8", "N/A"], ["ICU", ""]]
    notes = [["Long sentence number one about how the audit was done and what it means." * 2, "x"]] * 10
    path = write_xlsx(tmp_path / "w.xlsx", [HEADER, *_cases(3)], sheet="Cycle 1",
                      before={"Read me": readme, "Instructions": readme, "Long text": notes},
                      after={"Lists": lists * 3, "Key": lists})
    assert list_sheets(path) == ["Read me", "Instructions", "Long text", "Cycle 1", "Lists", "Key"]
    table = read_table(path)
    assert table.sheet == "Cycle 1" and len(table.data) == 3


def test_guess_data_sheet_prefers_most_tabular_rows() -> None:
    small = pd.DataFrame([["a", "b"], ["1", "2"]], dtype="str")
    big = pd.DataFrame([["a", "b"]] + [["1", "2"]] * 10, dtype="str")
    assert guess_data_sheet({"Jan": small, "Feb": big}) == "Feb"


def test_explicit_sheet_and_missing_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", [HEADER, *_cases(3)], after={"Other": [["A", "B"], ["1", "2"]]})
    assert read_table(path, "Other").columns == ("A", "B")
    with pytest.raises(ImportProblem, match="no sheet called 'Nope'") as info:
        read_table(path, "Nope")
    assert "Data, Other" in info.value.hint


def test_xlsx_renamed_xls_and_csv_are_still_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", [HEADER, *_cases(3)])
    for suffix in (".xls", ".csv"):
        renamed = tmp_path / f"renamed{suffix}"
        renamed.write_bytes(path.read_bytes())
        assert len(read_table(renamed).data) == 3


def test_html_table_renamed_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text(
        "<html><body><table><tr><th>Case</th><th>Ward</th><th>Done</th></tr>"
        "<tr><td>001</td><td>AMU</td><td>Yes</td></tr><tr><td>002</td><td>AMU</td><td>No</td></tr>"
        "</table></body></html>", encoding="utf-8")
    table = read_table(path)
    assert table.columns == ("Case", "Ward", "Done")
    assert table.data["Case"].tolist() == ["001", "002"]
    assert any("web page" in w for w in table.warnings)
    assert list_sheets(path) == ["export"]


# ---------------------------------------------------------------------------
# Files that cannot be read: always an ImportProblem, never a traceback
# ---------------------------------------------------------------------------


def test_corrupt_workbook(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(np.random.default_rng(1).bytes(4000))
    with pytest.raises(ImportProblem, match="damaged") as info:
        read_table(path)
    assert info.value.where == str(path) and "save it again" in info.value.hint


def test_truncated_zip_workbook(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "w.xlsx", [HEADER, *_cases(3)]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportProblem, match="damaged"):
        read_table(path)


def test_encrypted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(OLE2_MAGIC + b"\x00" * 504 + os.urandom(2048))
    with pytest.raises(ImportProblem, match="password-protected") as info:
        list_sheets(path)
    assert "save an unprotected copy" in info.value.hint


def test_junk_ole2_named_xls_is_reported_not_raised_raw(tmp_path: Path) -> None:
    path = tmp_path / "junk.xls"
    path.write_bytes(OLE2_MAGIC + os.urandom(3000))
    with pytest.raises(ImportProblem, match="damaged|password"):
        read_table(path)


def test_html_without_table(tmp_path: Path) -> None:
    path = tmp_path / "page.xls"
    path.write_text("<!DOCTYPE html><html><body><p>Session expired</p></body></html>", encoding="utf-8")
    with pytest.raises(ImportProblem, match="web page"):
        read_table(path)


def test_xml_spreadsheet_2003(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_text('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
                    "</Workbook>", encoding="utf-8")
    with pytest.raises(ImportProblem, match="XML Spreadsheet 2003"):
        read_table(path)


def test_text_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("just some notes", encoding="utf-8")
    with pytest.raises(ImportProblem, match="damaged"):
        read_table(path)


def test_empty_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [HEADER, *_cases(2)], after={"Blank": []})
    with pytest.raises(ImportProblem, match="sheet is empty") as info:
        read_table(path, "Blank")
    assert "Blank" in info.value.where


def test_workbook_with_only_empty_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [], after={"Blank": []})
    with pytest.raises(ImportProblem, match="empty"):
        read_table(path)


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportProblem, match="empty"):
        read_table(path)


def test_csv_with_only_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("\n\n  \n", encoding="utf-8")
    with pytest.raises(ImportProblem, match="no data"):
        read_table(path)


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(os.urandom(5000))  # corrupt too: the size check must come first
    with pytest.raises(ImportProblem, match="too large") as info:
        read_table(path, max_bytes=1000)
    assert "limit" in info.value.message


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ImportProblem, match="cannot read '.pdf'"):
        read_table(path)
    with pytest.raises(ImportProblem, match="does not exist"):
        read_table(tmp_path / "gone.xlsx")


def test_row_limit_warning(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "l.csv", [HEADER, *_cases(9)])
    assert read_table(path).warnings == ()
    table = read_table(path, row_limit=10)
    assert any("Excel's limit" in w for w in table.warnings)


def test_import_problem_messages_are_plain(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(100))
    with pytest.raises(ImportProblem) as info:
        read_table(path)
    text = str(info.value)
    assert "Traceback" not in text and "Where:" in text and "What to do:" in text


# ---------------------------------------------------------------------------
# Helpers and performance
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index: int, letter: str) -> None:
    assert column_letter(index) == letter


@pytest.mark.slow
def test_large_workbook_reads_every_row(tmp_path: Path) -> None:
    """100,000 rows read correctly (the speed against raw calamine is measured in bench/run.py)."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("Data")
    ws.append(HEADER + ["Comments", "Age"])
    nhs = nhs_test_numbers(1000)
    for i in range(100_000):
        ws.append([i + 1, nhs[i % 1000], "AMU", dt.date(2026, 1, 1) + dt.timedelta(days=i % 90),
                   ("Yes", "No", "N/A")[i % 3], ("y", "", "n")[i % 3], "" if i % 4 else "note", 20 + i % 70])
    path = tmp_path / "big.xlsx"
    book.save(path)

    table = read_table(path)
    assert len(table.data) == 100_000
    assert table.data["Date"].iloc[-1] == (dt.date(2026, 1, 1) + dt.timedelta(days=99_999 % 90)).isoformat()


def test_encrypted_package_named_xls(tmp_path: Path) -> None:
    path = tmp_path / "secret.xls"
    path.write_bytes(OLE2_MAGIC + os.urandom(600) + "EncryptedPackage".encode("utf-16-le") + os.urandom(600))
    with pytest.raises(ImportProblem, match="password-protected"):
        read_table(path)


def test_user_chosen_header_row(tmp_path: Path) -> None:
    rows = [["Audit: sepsis", "Period: Jan", "Auditor: FY1"], [], ["Case", "Ward", "Done"], [1, "AMU", "Yes"]]
    path = write_xlsx(tmp_path / "u.xlsx", rows)
    table = read_table(path, header_row=3)
    assert table.columns == ("Case", "Ward", "Done") and table.excel_rows == [4]
    grouped = read_table(path, header_row=1, header_height=2)
    assert grouped.header_height == 2 and grouped.excel_rows == [3, 4]
    with pytest.raises(ImportProblem, match="not a possible header row"):
        read_table(path, header_row=9)


def test_too_large_message_gives_readable_sizes(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" * 600)
    with pytest.raises(ImportProblem, match=r"2\.34 KB; the limit is 1000 bytes"):
        read_table(path, max_bytes=1000)


def test_title_block_of_label_value_cells_is_not_the_header(tmp_path: Path) -> None:
    rows = [["Audit: sepsis", "Period: Jan–Mar", "Auditor: FY1"], ["Ward", "Date", "Lead"], [],
            ["Case", "Ward", "Done"], [1, "AMU", "Yes"], [2, "AMU", "No"]]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", rows))
    assert table.header_row == 4 and table.excel_rows == [5, 6]


def test_header_with_a_gap_before_the_data_is_still_found(tmp_path: Path) -> None:
    rows = [["Case", "Ward", "Done"], [], [1, "AMU", "Yes"], [2, "AMU", "No"]]
    table = read_table(write_csv(tmp_path / "g.csv", rows))
    assert table.header_row == 1 and table.excel_rows == [3, 4]


def test_hidden_sheets_are_not_guessed(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", [HEADER, *_cases(2)], before={"Old data": [HEADER, *_cases(30)]})
    book = openpyxl.load_workbook(path)
    book["Old data"].sheet_state = "hidden"
    book.save(path)
    assert read_table(path).sheet == "Data"
    assert "Old data" in list_sheets(path)


def test_hidden_sheet_used_when_nothing_else_has_data() -> None:
    readme = pd.DataFrame([["Read this first, it explains everything about the audit in one long line."]], dtype="str")
    data = pd.DataFrame([["a", "b"], ["1", "2"], ["3", "4"]], dtype="str")
    assert guess_data_sheet({"Read me": readme, "Data": data}, hidden=["Data"]) == "Data"
    assert guess_data_sheet({"Old": data, "New": data.head(2)}, hidden=["Old"]) == "New"


def test_date_column_mixing_real_dates_serials_and_text(tmp_path: Path) -> None:
    rows = [["Case", "Admitted"], [1, dt.date(2026, 3, 11)], [2, 46000], [3, "19/03/2026"], [4, "11/03/26"]]
    table = read_table(write_xlsx(tmp_path / "d.xlsx", rows))
    iso, problem = parse_uk_dates(table.data["Admitted"])
    assert iso.tolist() == ["2026-03-11", "2025-12-09", "2026-03-19", "2026-03-11"]
    assert problem.isna().all()


# ---------------------------------------------------------------------------
# The fast paths give what the straightforward, cell-by-cell rules give
# ---------------------------------------------------------------------------

_WORDS_SPEC = {"total", "totals", "grand total", "subtotal", "sub total", "sub-total"}
_FIRST_CELL_SPEC = re.compile(
    r"^\s*(?:grand\s+|sub\s*-?\s*)?(?:totals?|sum|overall|count|average|mean|median)\b", re.IGNORECASE
)
# Whitespace of every kind, letters that casefold or case-match to ASCII ("ſ" is "s", "K" is
# Kelvin's k), and the words the totals rules look for, in any case.
_TRICKY = [" ", "\t", "\n", "\x1c", "\x85", "\xa0", "\u2003", "\u3000", "ſ", "K", "İ", "ı", "ß", "é", ":", "-", "0"]
_PIECES = ["total", "Total", "TOTALS", "grand", "sub", "Sum", "count", "Average", "mean", "median", "overall",
           "Case no.", "ward", "Yes", "No", "N/A", "AMU", "SAU", "42", "007"]
_texts = st.lists(st.sampled_from(_TRICKY + _PIECES) | st.text(max_size=3), max_size=4).map("".join)


def _spec_blank(text: str) -> bool:
    return not text.strip()


def _spec_total_word(text: str) -> bool:
    return text.strip().casefold().rstrip(":") in _WORDS_SPEC


def _spec_starts_like_total(text: str) -> bool:
    return bool(_FIRST_CELL_SPEC.match(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(_texts, min_size=1, max_size=40, unique=True), _texts)
def test_prefiltered_tests_match_testing_every_text(texts: list[str], header: str) -> None:
    codes = ColumnCodes(np.arange(len(texts)), np.array(texts, dtype=object))
    key = " ".join(header.split()).casefold()
    checks = [(_spec_blank, ""), (_spec_total_word, sheet_rows._TOTAL_WORD_LETTERS),
              (_spec_starts_like_total, sheet_rows._TOTAL_FIRST_LETTERS)]
    if key:
        checks.append((lambda u: " ".join(u.split()).casefold() == key, key[:1]))
    for predicate, starts in checks:
        expected = [predicate(t) for t in texts]
        assert codes.hits(predicate, starts).tolist() == expected
        assert codes.hits(predicate).tolist() == expected


@pytest.mark.parametrize("suffix", ["", "otal", "OTAL:", "ubtotal", "um of", "ount", "rand total", "ean", " total"])
def test_prefilter_keeps_every_first_character_that_can_match(suffix: str) -> None:
    # Every ASCII first character (the prefilter's table) and the non-ASCII ones casefolding or
    # case-matching to ASCII letters, or counting as whitespace.
    firsts = [*range(1, 0x250), 0x1680, *range(0x2000, 0x200C), 0x2028, 0x2029, 0x202F, 0x205F, 0x212A, 0x3000]
    texts = [chr(p) + suffix for p in firsts] + ["", suffix]
    many = ColumnCodes(np.arange(len(texts)), np.array(texts, dtype=object))  # numpy's first characters
    few = ColumnCodes(np.arange(3), np.array(texts[:3], dtype=object))  # a Python loop's
    for codes in (many, few):
        for predicate, starts in ((_spec_blank, ""), (_spec_total_word, sheet_rows._TOTAL_WORD_LETTERS),
                                  (_spec_starts_like_total, sheet_rows._TOTAL_FIRST_LETTERS)):
            assert codes.hits(predicate, starts).tolist() == [predicate(t) for t in codes.texts]


def _spec_cell_text(value: object) -> str | float:
    """The documented conversion of one typed cell, one cell at a time."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return np.nan
    if type(value) is str:
        return value
    if type(value) in (int, float):
        number = float(value)  # type: ignore[arg-type]
        if math.isfinite(number) and abs(number) < 2**53 and number == round(number):
            return str(int(number))
        return str(np.array([number]).astype(str)[0])
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ", "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat("seconds")
    seconds = int(value.total_seconds())  # type: ignore[attr-defined]
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


_cells = st.one_of(
    st.sampled_from(["", " ", "Yes", "No", "Total", "Case no."]), st.text(max_size=4), st.none(),
    st.integers(-10**6, 10**6), st.sampled_from([2**53 + 1, 2**70, -(2**63), 0.1, -0.0, 1e-7, 1e16]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3)),
)
_kinds = [st.text(max_size=4), st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.dates(), st.booleans(),
          st.datetimes(), st.times()]
# A column as sheets have them: title/header text, then (often) one type of cell, with blanks.
_columns = st.one_of(
    st.lists(_cells, max_size=45),
    st.tuples(st.lists(st.text(max_size=4), max_size=35), st.sampled_from(_kinds).flatmap(
        lambda kind: st.lists(kind | st.just(""), min_size=1, max_size=45))).map(lambda parts: parts[0] + parts[1]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_columns, min_size=1, max_size=3))
def test_typed_cells_become_the_documented_text(columns: list[list[object]]) -> None:
    height = max(len(c) for c in columns)
    rows = [[c[r] if r < len(c) else "" for c in columns] for r in range(height)]
    if not height:
        return
    grid, codes = cell_text._text_grid(rows)
    assert grid.shape == (height, len(columns))
    for j, column in enumerate(columns):
        expected = [_spec_cell_text(v) for v in column] + [np.nan] * (height - len(column))
        got = grid[j].tolist()
        assert [None if pd.isna(e) else e for e in expected] == [None if pd.isna(g) else g for g in got]
        assert str(grid[j].dtype) == "str"
        # The codes stand for the same cells: -1 exactly where the grid is empty.
        rebuilt = np.append(codes[j].texts, np.nan)[codes[j].codes]
        assert (codes[j].codes < 0).tolist() == grid[j].isna().tolist()
        assert [r for r in rebuilt if not pd.isna(r)] == [g for g in got if not pd.isna(g)]


def _spec_reasons(rows: list[list[str | None]], names: list[str], hidden: set[int], start: int) -> list[str]:
    """Why each body row (grid positions from ``start``) is not a case, cell by cell, trailing empties cut."""
    blank = [[c is None or not c.strip() for c in row] for row in rows]
    empty = [all(b) for b in blank]
    keyed = [(j, n.casefold()) for j, n in enumerate(names) if n]

    def same(cell: str | None, key: str) -> bool:
        return isinstance(cell, str) and " ".join(cell.split()).casefold() == key

    def repeated(row: list[str | None]) -> bool:
        return (len(keyed) >= 2 and same(row[keyed[0][0]], keyed[0][1])
                and sum(same(row[j], k) for j, k in keyed) >= max(2, 0.8 * len(keyed)))

    def totals(row: list[str | None], row_blank: list[bool]) -> bool:
        filled = [j for j, b in enumerate(row_blank) if not b]
        first = bool(filled) and _spec_starts_like_total(row[filled[0]])  # type: ignore[arg-type]
        return first or any(isinstance(c, str) and _spec_total_word(c) for c in row)

    reasons = []
    for row, row_blank, is_empty in zip(rows, blank, empty, strict=True):
        reason = "empty row" if is_empty else ""
        reason = "repeated header row" if not is_empty and repeated(row) else reason
        reasons.append("totals row" if not is_empty and totals(row, row_blank) else reason)
    filled = [i for i, e in enumerate(empty) if not e]
    gaps = [i for i, e in enumerate(empty[: filled[-1]] if filled else []) if e]
    if gaps:
        block = range(gaps[-1] + 1, filled[-1] + 1)
        before = sum(not e for e in empty[: gaps[-1]])
        if len(block) <= 5 and before >= 2 * len(block) and all(blank[i][0] or reasons[i] == "totals row"
                                                                for i in block):
            for i in block:
                reasons[i] = reasons[i] or "summary rows below the data"
    for i in range(len(rows)):
        if start + i in hidden and not reasons[i]:
            reasons[i] = "hidden in Excel"
    last = max((i for i, r in enumerate(reasons) if r != "empty row"), default=-1)
    return reasons[: last + 1]


_body_cells = st.sampled_from([None, None, "", " ", "\u3000", "Yes", "No", "N/A", "AMU", "SAU", "42", "007",
                               "Total", " total: ", "Grand total", "Sub-total", "ſubtotal", "Sum of cases", "Count",
                               "mean age", "Overall", "summary", "Totally", "Case no.", "CASE  no.", "Ward", "S1"])


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 4).flatmap(lambda width: st.tuples(
    st.lists(st.lists(_body_cells, min_size=width, max_size=width), min_size=1, max_size=14),
    st.sets(st.integers(1, 15), max_size=3))))
def test_rows_dropped_as_the_cell_by_cell_rules_say(body_and_hidden: tuple[list[list[str | None]], set[int]]) -> None:
    body, hidden = body_and_hidden
    names = ["Case no.", "Ward", "S1", "S2"][: len(body[0])]
    rows = [names, *[[c if c is not None else "" for c in row] for row in body]]
    expected = _spec_reasons(body, names, hidden, 1)
    grid, codes = cell_text._text_grid(rows)
    for raw in (RawSheet("Data", grid, hidden_rows=frozenset(hidden), codes=codes),
                RawSheet("Data", grid, hidden_rows=frozenset(hidden))):  # codes worked out by build_table
        table = build_table(Path("t.xlsx"), raw, header_row=1)
        assert [(d.row, d.reason) for d in table.dropped_rows] == [
            (i + 2, r) for i, r in enumerate(expected) if r]
        assert table.excel_rows == [i + 2 for i, r in enumerate(expected) if not r]


def test_number_column_under_a_title_is_text_like_any_other(tmp_path: Path) -> None:
    rows = [["Ward audit", None], [None, None], ["Case no.", "Score"],
            *[[i, i / 4] for i in range(1, 60)], ["Total", 123.0], [-5, -0.125]]
    table = read_table(write_xlsx(tmp_path / "n.xlsx", rows))
    assert table.header_row == 3
    assert table.data["Case no."].tolist()[:3] == ["1", "2", "3"] and table.data["Score"].tolist()[:4] == [
        "0.25", "0.5", "0.75", "1"]
    assert (63, "totals row") in [(d.row, d.reason) for d in table.dropped_rows]
    assert table.data.loc[64].tolist() == ["-5", "-0.125"]


def _sheet(tmp_path: Path, rows: list[list[object]]) -> python_calamine.CalamineSheet:
    path = write_xlsx(tmp_path / f"s{len(list(tmp_path.iterdir()))}.xlsx", rows)
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data")


@pytest.mark.parametrize("rows", [
    [["a", "b"], [1, dt.date(2026, 1, 2)]],  # used range from A1
    [[None, None, None], [None, None, "a"], [None, 1, None]],  # from B2
    [[None, None], [None, None], ["a", None], [None, 2.5]],  # from A3
    [[None, None, "a"], [None, True, None]],  # from B1
    [[None]],  # no cells at all
])
def test_cells_read_row_by_row_are_those_to_python_gives(tmp_path: Path, rows: list[list[object]]) -> None:
    sheet = _sheet(tmp_path, rows)
    expected = sheet.to_python(skip_empty_area=False)
    cells = sheet_files._sheet_cells(sheet)
    assert cells.tolist() == expected


def test_hidden_rows_found_across_piece_boundaries() -> None:
    xml = ("<worksheet><sheetData>" + "".join(
        f'<row r="{r}" spans="1:3"{" hidden=" + chr(34) + "1" + chr(34) if r % 7 == 3 else ""}>'
        f'<c r="A{r}" t="inlineStr"><is><t>row {r}</t></is></c></row>' for r in range(1, 200))
        + "</sheetData></worksheet>").encode()
    assert hidden_rows._hidden_rows_in(io.BytesIO(xml)) == {r - 1 for r in range(1, 200) if r % 7 == 3}
    for size in (1, 5, 17, 64, 1000):
        pieces = [xml[i: i + size] for i in range(0, len(xml), size)]
        assert hidden_rows._mentions_hidden(pieces)
    assert not hidden_rows._mentions_hidden([xml.replace(b"hidden", b"shown!")[i: i + 5] for i in range(0, 999, 5)])


def test_hidden_rows_without_r_attributes_are_numbered_as_excel_does(tmp_path: Path) -> None:
    parts = rows_xml([HEADER, *_cases(6)], numbered=False).split("<row>")[1:]
    # Rows 4 and 6 hidden; no row (or cell) carries r=, so their numbers come from their order.
    sheet = "".join(f'<row hidden="1">{p}' if i in (3, 5) else f"<row>{p}" for i, p in enumerate(parts))
    path = write_sheet_xml(tmp_path / "nr.xlsx", sheet)
    table = read_table(path)
    assert table.excel_rows == [2, 3, 5, 7]
    assert [d.row for d in table.dropped_rows if d.reason == "hidden in Excel"] == [4, 6]


def test_hidden_rows_in_a_strict_ooxml_sheet(tmp_path: Path) -> None:
    path = write_sheet_xml(tmp_path / "strict.xlsx", rows_xml([HEADER, *_cases(4)]).replace(
        '<row r="3">', '<row r="3" hidden="true">'))
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").replace(
            b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    assert hidden_rows._hidden_rows_in(io.BytesIO(xml)) == {2}


def test_hidden_rows_of_a_stored_sheet_part(tmp_path: Path) -> None:
    deflated = write_xlsx(tmp_path / "d.xlsx", [HEADER, *_cases(5)], hidden_rows=[3, 5])
    stored = tmp_path / "s.xlsx"
    with zipfile.ZipFile(deflated) as src, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    for path in (deflated, stored):
        assert read_table(path).excel_rows == [2, 4, 6]


@pytest.mark.parametrize(("cases", "block"), [(1, 1), (2, 1), (3, 2), (4, 2), (9, 5), (12, 6), (5, 3), (6, 3)])
def test_summary_block_follows_the_cell_by_cell_rule(cases: int, block: int) -> None:
    names = ["Case no.", "Ward", "S1"]
    body: list[list[str | None]] = [[str(i + 1), "AMU", "Yes"] for i in range(cases)]
    body += [[None, None, None]] + [[None, "Number of cases", "9"] for _ in range(block)]
    grid, codes = cell_text._text_grid([names, *[[c or "" for c in row] for row in body]])
    table = build_table(Path("t.csv"), RawSheet("Data", grid, codes=codes), header_row=1)
    expected = _spec_reasons(body, names, set(), 1)
    assert [(d.row, d.reason) for d in table.dropped_rows] == [(i + 2, r) for i, r in enumerate(expected) if r]
    assert ("summary rows below the data" in expected) == (block <= 5 and cases >= 2 * block)


def test_formula_cells_without_saved_values_are_warned_about_with_sheet_row_and_column(tmp_path: Path) -> None:
    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Case no.</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>Score</t></is></c></row>'
             '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>SUM(X2:Z2)</f></c></row>'
             '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f>SUM(X3:Z3)</f><v>7</v></c></row>'
             '<row r="4"><c r="A4"><v>3</v></c><c r="B4"><f t="shared" si="0"/><v></v></c></row>')
    path = write_sheet_xml(tmp_path / "f.xlsx", sheet, sheet="Ward data")
    table = read_table(path)
    [warning] = [w for w in table.warnings if "formula" in w]
    assert "'Ward data'" in warning and "row 2 column B" in warning and "row 4 column B" in warning
    assert "row 3" not in warning and warning.startswith("Sheet 'Ward data': 2 cells")
    assert table.data["Score"].tolist()[1] == "7"


def test_formulas_with_saved_values_raise_no_warning(tmp_path: Path) -> None:
    sheet = rows_xml([["Case no.", "Score"], [1, 5]]).replace("<v>5</v>", "<f>2+3</f><v>5</v>")
    assert not [w for w in read_table(write_sheet_xml(tmp_path / "ok.xlsx", sheet)).warnings if "formula" in w]


def test_workbook_quirks_together_rows_without_r_hidden_formulas_nul_and_totals(tmp_path: Path) -> None:
    """Each quirk has its own test; here they come in one sheet, as real exports combine them."""
    header = ["Case no.", "Ward", "Score", "Screening done?"]
    cases = [[i, "AMU_x0000_", None, "Yes" if i % 2 else "No"] for i in range(1, 9)]
    body = rows_xml([["Sepsis audit (title)"], [None], header, *cases, ["TOTAL", None, None, 4]], numbered=False)
    parts = body.split("<row>")[1:]
    # Row 6 (case 3) hidden; every Score cell a formula with no saved value.
    parts = [f'<row hidden="1">{p}' if i == 5 else f"<row>{p}" for i, p in enumerate(parts)]
    ward = '<c t="inlineStr"><is><t xml:space="preserve">AMU_x0000_</t></is></c>'
    sheet = "".join(parts).replace(ward, ward + "<c><f>SUM(Z1:Z2)</f></c>")
    table = read_table(write_sheet_xml(tmp_path / "all.xlsx", sheet))
    assert table.header_row == 3 and list(table.columns) == header
    assert table.excel_rows == [4, 5, 7, 8, 9, 10, 11]  # row 6 hidden, the TOTAL row dropped
    reasons = {d.row: d.reason for d in table.dropped_rows}
    assert reasons[6] == "hidden in Excel" and reasons[12] == "totals row"
    assert any("8 cells hold a formula with no saved value" in w and "row 4 column C" in w for w in table.warnings)
    assert any("Column B (Ward): 8 cells hold NUL characters" in w for w in table.warnings)  # the hidden row too
