"""The proforma: generated, filled in Excel-style, imported back without mapping by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from model.collect.case_import import commit_import, criterion_target, file_sha256, plan_import
from model.collect.proforma import (
    DATA_SHEET,
    META_SHEET,
    export_proforma,
    proforma_mapping,
    read_proforma_meta,
    safe_cell,
)
from model.collect.sheets import read_table
from model.core.errors import KnownError
from model.plan.criteria import list_criteria
from model.store.store import open_memory
from tests.model.test_case_import import KEY, make_cycle


@pytest.fixture
def db():
    database = open_memory()
    yield database
    database.close()


def fill(template: Path, target: Path, rows: list[list]) -> Path:
    """What a collector does in Excel: type rows under the header and save a copy."""
    book = load_workbook(template)
    sheet = book[DATA_SHEET]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    book.save(target)
    return target


def import_file(db, cycle_id: int, path: Path) -> tuple[object, int]:
    meta = read_proforma_meta(path)
    table = read_table(path, DATA_SHEET)
    plan = plan_import(db, cycle_id, table, proforma_mapping(meta, table, db, cycle_id), {},
                       keep_identifiers=False, key=KEY)
    return plan, commit_import(db, cycle_id, plan, file_name=path.name, sha256=file_sha256(path))


def test_proforma_layout(db, tmp_path):
    _a, cycle_id = make_cycle(db)
    path = export_proforma(db, cycle_id, tmp_path / "proforma.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Instructions", DATA_SHEET, META_SHEET]
    assert book[META_SHEET].sheet_state == "hidden"
    data = book[DATA_SHEET]
    headers = [c.value for c in data[1]]
    assert headers[:6] == ["Case ref", "Case date", "Age", "Sex", "Ward", "Collector"]
    criteria = list_criteria(db, cycle_id)
    assert headers[6:] == [c.short_name for c in criteria]
    assert criteria[0].statement in data["G1"].comment.text
    assert data.freeze_panes == "B2"
    ranges = {str(dv.sqref): dv for dv in data.data_validations.dataValidation}
    assert ranges["G2:G201 H2:H201 I2:I201 J2:J201"].formula1 == '"Yes,No,N/A"'
    assert ranges["B2:B201"].type == "date"
    instructions = "\n".join(str(r[0]) for r in book["Instructions"].iter_rows(values_only=True) if r[0])
    assert "Sepsis on AMU" in instructions and criteria[1].statement in instructions


def test_round_trip_counts_match(db, tmp_path):
    _a, cycle_id = make_cycle(db)
    template = export_proforma(db, cycle_id, tmp_path / "proforma.xlsx")
    filled = fill(template, tmp_path / "filled.xlsx", [
        ["P1", "05/02/2026", 70, "F", "AMU", "LC", "Yes", "No", "N/A", "Yes"],
        ["P2", "06/02/2026", 55, "M", "AMU", "LC", "Yes", "Yes", None, "No"],
        ["P3", "07/02/2026", 81, "F", "Ward 7", "LC", "No", "Yes", "Yes", "Yes"],
    ])
    meta = read_proforma_meta(filled)
    assert meta.cycle_id == cycle_id
    plan, _import_id = import_file(db, cycle_id, filled)
    counts = plan.counts[["met", "not_met", "exception", "missing"]].to_numpy().tolist()
    assert counts == [[2, 1, 0, 0], [2, 1, 0, 0], [1, 0, 1, 1], [2, 1, 0, 0]]
    stored = db.execute("SELECT COUNT(*) FROM answers WHERE outcome = 'met'").fetchone()[0]
    assert stored == 7
    assert db.execute("SELECT case_date FROM cases WHERE case_ref = 'P1'").fetchone()[0] == "2026-02-05"


def test_two_collectors_merge_and_duplicates_are_reported(db, tmp_path):
    _a, cycle_id = make_cycle(db)
    template = export_proforma(db, cycle_id, tmp_path / "proforma.xlsx")
    first = fill(template, tmp_path / "lc.xlsx", [["1", None, None, None, None, "LC", "Yes", "Yes", "Yes", "Yes"],
                                                  ["2", None, None, None, None, "LC", "No", "Yes", "Yes", "Yes"]])
    second = fill(template, tmp_path / "sa.xlsx", [["3", None, None, None, None, "SA", "Yes", "No", "No", "Yes"],
                                                   ["2", None, None, None, None, "SA", "Yes", "Yes", "Yes", "No"]])
    import_file(db, cycle_id, first)
    plan, _ = import_file(db, cycle_id, second)
    assert plan.case_count == 1
    assert plan.rejected[["row", "reason"]].values.tolist() == [[3, "case ref already in this cycle"]]
    collectors = [r[0] for r in db.execute("SELECT collector FROM cases ORDER BY case_ref")]
    assert collectors == ["LC", "LC", "SA"]


def test_mapping_from_baseline_proforma_fits_the_reaudit(db, tmp_path):
    from model.plan.cycles import start_next_cycle

    audit_id, cycle_id = make_cycle(db)
    template = export_proforma(db, cycle_id, tmp_path / "proforma.xlsx")
    second = start_next_cycle(db, audit_id).id
    meta = read_proforma_meta(template)
    table = read_table(fill(template, tmp_path / "f.xlsx", [["1", None, None, None, None, None, "Yes"]]), DATA_SHEET)
    mapping = proforma_mapping(meta, table, db, second)
    assert mapping["Screening tool used"] == criterion_target(list_criteria(db, second)[0])


def test_formula_injection_is_neutralised(db, tmp_path):
    from model.plan.criteria import Criterion, add_criterion

    _a, cycle_id = make_cycle(db, [])
    add_criterion(db, cycle_id, Criterion(statement="=HYPERLINK(\"http://x\")", short_name="=1+1",
                                          exceptions="@SUM(A1)"))
    path = export_proforma(db, cycle_id, tmp_path / "p.xlsx")
    book = load_workbook(path)
    assert book[DATA_SHEET]["G1"].value == "'=1+1"
    assert book[DATA_SHEET]["G1"].data_type == "s"
    assert all(not str(r[0]).startswith(("=", "@", "+", "-")) for r in book["Instructions"].iter_rows(values_only=True)
               if r[0])
    assert read_proforma_meta(path).columns["=1+1"].startswith("criterion:")
    assert safe_cell("-3") == "'-3" and safe_cell("\tx") == "'\tx" and safe_cell("ok") == "ok"


def test_plain_workbook_is_not_a_proforma(tmp_path, shared_data):
    assert read_proforma_meta(shared_data / "ward_audit_example.xlsx") is None
    assert read_proforma_meta(tmp_path / "missing.xlsx") is None


def test_cycle_without_criteria_cannot_make_a_proforma(db, tmp_path):
    _a, cycle_id = make_cycle(db, [])
    with pytest.raises(KnownError, match="no criteria"):
        export_proforma(db, cycle_id, tmp_path / "p.xlsx")


def test_choice_lists_excel_cannot_hold_get_no_drop_down(db, tmp_path):
    """Excel splits a typed list at commas and rejects one over 255 characters (the whole file is "repaired")."""
    from model.plan.criteria import Criterion, add_criterion

    _a, cycle_id = make_cycle(db, [("Route", "Route of antibiotics")])
    long = [f"Option number {i} with a long description" for i in range(10)]
    for short, options in (("Short", ["IV", "Oral"]), ("Long", long), ("Comma", ["IV, then oral", "Oral"])):
        add_criterion(db, cycle_id, Criterion(statement=f"{short} list", short_name=short, answer_type="choice",
                                              choices_json=json.dumps(options), met_choices_json='[]'))
    book = load_workbook(export_proforma(db, cycle_id, tmp_path / "proforma.xlsx"))
    lists = {str(dv.sqref): dv.formula1 for dv in book[DATA_SHEET].data_validations.dataValidation
             if dv.type == "list"}
    assert lists == {"G2:G201": '"Yes,No,N/A"', "H2:H201": '"IV,Oral"'}
    assert all(len(f) <= 257 for f in lists.values())
    assert long[9] in book[DATA_SHEET]["I1"].comment.text  # the options are still listed in the note


def test_a_workbook_openpyxl_rejects_is_not_a_proforma(tmp_path):
    """Some workbooks Excel and calamine read make openpyxl raise TypeError (odd styles): not a crash."""
    import zipfile

    from openpyxl import Workbook

    from model.collect.sheets import read_raw_sheets

    book = Workbook()
    book.active["A1"] = "Case ref"
    book.save(tmp_path / "ok.xlsx")
    bad = tmp_path / "odd_styles.xlsx"
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/styles.xml":
                assert b'<fills count="2">' in data
                data = data.replace(b'<fills count="2">', b'<fills count="2"><bogus/>', 1)
            zout.writestr(item, data)
    assert read_proforma_meta(bad) is None
    assert list(read_raw_sheets(bad)) == ["Sheet"]  # the import itself still reads it
