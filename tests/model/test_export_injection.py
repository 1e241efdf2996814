"""Every export path neutralises formula payloads and writes CSV one way (issue 13 part 6, DOMAIN §10)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from model.benchmark.benchmark_compare import compare_link, export_outliers, export_problems
from model.collect.import_mapping import criterion_target
from model.collect.import_plan import plan_import, rejected_csv
from model.collect.proforma import DATA_SHEET, export_proforma
from model.core.excel_safety import frame_to_csv, is_risky, neutralise, unneutralise, write_csv_rows
from model.plan.criteria import Criterion, add_criterion, list_criteria
from model.results.cycle_results import cycle_results
from model.results.results_export import export_results
from tests.model.test_benchmark_compare import store  # noqa: F401 - fixture
from tests.model.test_case_import import KEY, db, make_cycle, table_from  # noqa: F401 - fixture

PAYLOADS = ["70\r=1+1", " =1+1", "\n=1+1", "@SUM(1)", "=1+1", "+1", "-1", "\t=1", "\r=1", "   @x"]
NOT_RISKY = ["70 =1+1", "Ward 7", "", "a=b", "1-2"]


@pytest.mark.parametrize("text", PAYLOADS[1:])
def test_risky_payloads_get_a_quote(text: str) -> None:
    assert is_risky(text) and neutralise(text) == "'" + text and unneutralise(neutralise(text)) == text


@pytest.mark.parametrize("text", NOT_RISKY)
def test_harmless_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text and unneutralise(text) == text


def test_value_starting_with_digits_then_cr_is_not_risky() -> None:
    # "70\r=1+1" starts with a digit: Excel reads it as text, and the CSV quotes it whole.
    assert not is_risky("70\r=1+1")


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(raw, newline="")))


def _assert_csv_shape(path: Path) -> None:
    raw = path.read_bytes().decode("utf-8-sig")
    lines = raw.split("\r\n")
    assert raw.endswith("\r\n")
    for line in lines:
        if line and not line.startswith(" "):  # embedded newlines continue a quoted field
            assert line.startswith('"') or line == ""


def _no_risky_cell(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not is_risky(cell), cell


def test_csv_helpers_quote_all_and_crlf(tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "f.csv"
    frame_to_csv(pd.DataFrame({"=h": PAYLOADS, "n": range(len(PAYLOADS))}), str(out))
    raw = out.read_bytes().decode("utf-8-sig")
    assert raw.startswith('"\'=h","n"\r\n') and '"0"' in raw
    _no_risky_cell(_rows(out))
    buf = io.StringIO(newline="")
    write_csv_rows(buf, [[" =1+1", 3, None]])
    assert buf.getvalue() == '"\' =1+1","3",""\r\n'


def test_rejected_rows_csv(db, tmp_path: Path) -> None:  # noqa: F811
    _a, cycle_id = make_cycle(db, [("Q", "q")])
    target = criterion_target(list_criteria(db, cycle_id)[0])
    refs = ["1", "1", "2", "2", "3", "3", "4", "4", "5", "5"]
    table = table_from({"Case": refs, "Date": PAYLOADS, "Q": ["Yes"] * 10})
    # every second row is a duplicate whose case ref is written; the dates are all rejected with their text
    plan = plan_import(db, cycle_id, table, {"Case": "case_ref", "Date": "case_date", "Q": target}, {},
                       keep_identifiers=False, key=KEY)
    out = tmp_path / "rejected.csv"
    rejected_csv(plan, out)
    rows = _rows(out)
    assert len(rows) > 5
    _no_risky_cell(rows)
    _assert_csv_shape(out)
    assert "'@SUM(1)" in {c for r in rows for c in r}


def test_benchmark_problems_csv(tmp_path: Path) -> None:
    problems = [{"row": i, "column": p, "value": p, "reason": p} for i, p in enumerate(PAYLOADS)]
    out = export_problems(problems, tmp_path / "p.csv")
    rows = _rows(out)
    _no_risky_cell(rows)
    _assert_csv_shape(out)
    assert rows[0] == ["row", "column", "value", "reason"]


def test_outlier_csv_and_xlsx(store, tmp_path: Path) -> None:  # noqa: F811
    outliers = compare_link(store["db"], store["link"], store["cycle"]).outliers.copy()
    for i, payload in enumerate(PAYLOADS[: len(outliers)]):
        outliers.loc[outliers.index[i], "name"] = payload
    out = export_outliers(outliers, tmp_path / "o.csv", title=" =title")
    _no_risky_cell(_rows(out))
    _assert_csv_shape(out)
    xlsx = export_outliers(outliers, tmp_path / "o.xlsx", title="@title")
    for row in load_workbook(xlsx).active.iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and is_risky(value)), value


def test_results_workbook(db, tmp_path: Path) -> None:  # noqa: F811
    _a, cycle_id = make_cycle(db, [("Q", "q")])
    for payload in PAYLOADS[1:4]:
        add_criterion(db, cycle_id, Criterion(statement=payload, short_name=payload))
    path = export_results(tmp_path / "r.xlsx", cycle_results(db, cycle_id), title="\n=1+1")
    for sheet in load_workbook(path):
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and is_risky(value)), value


def test_proforma_headers_notes_and_lists(db, tmp_path: Path) -> None:  # noqa: F811
    _a, cycle_id = make_cycle(db, [("Q", "q")])
    add_criterion(db, cycle_id, Criterion(statement=" =1+1", short_name="@SUM(1)", answer_type="choice",
                                          choices_json='["\\n=1+1", "-ok", "fine"]', met_choices_json='["fine"]'))
    path = export_proforma(db, cycle_id, tmp_path / "p.xlsx")
    book = load_workbook(path)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and is_risky(cell.value)), cell.value
                if cell.comment is not None:
                    assert not is_risky(cell.comment.text)
    lists = [dv.formula1.strip('"').split(",") for dv in book[DATA_SHEET].data_validations.dataValidation
             if dv.type == "list" and "Yes" not in dv.formula1]
    assert lists == [["'\n=1+1", "'-ok", "fine"]]
