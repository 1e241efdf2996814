"""Benchmark file parsers: Fingertips, national audit wide tables, long tables, and their quirks."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.benchmark.benchmark_import import (
    FINGERTIPS_HEADER,
    VALUE_COLUMNS,
    MeasureGroup,
    WideMapping,
    detect_format,
    parse_file,
    parse_fingertips,
    parse_long,
    parse_wide,
    propose_wide_mapping,
    wide_headers,
)
from model.core.errors import ImportProblem
from tests.generators import generate_fingertips_csv
from tests.model import shared_facts as facts

NATIONAL_FILE = "national_audit_trust_results.csv"
MARKERS = {"*", "<5", "n/a", "-", "c", "x", "..", ""}


def _raw_wide_rows(path: Path) -> list[list[str]]:
    """The national audit file read independently: the header, then the table's rows (no notes)."""
    header, body = facts.national_rows()
    return [header, *body]


def _fingertips_row(**fields: str) -> list[str]:
    row = dict.fromkeys(FINGERTIPS_HEADER, "")
    row.update(
        {
            "Indicator ID": "123",
            "Indicator Name": "Test indicator",
            "Area Type": "County & UA",
            "Sex": "Persons",
            "Age": "All ages",
            "Time period": "2023/24",
            "Time period Sortable": "20230000",
        }
    )
    row.update(fields)
    return [row[h] for h in FINGERTIPS_HEADER]


# --- Fingertips ------------------------------------------------------------------------------


def test_fingertips_example_reads_all_rows(shared_data: Path) -> None:
    path = shared_data / "fingertips_example.csv"
    expected = pd.read_csv(path, dtype=str, keep_default_na=False)
    parsed = parse_fingertips(path)
    values = parsed.values
    assert parsed.format == "fingertips"
    assert len(values) == len(expected) == len(facts.fingertips())
    assert list(values.columns) == VALUE_COLUMNS
    assert parsed.rejected_rows == 0 and parsed.problems == []
    blank = expected["Value"] == ""
    assert parsed.suppressed_count == int(blank.sum()) > 0
    suppressed = values[values["value"].isna()]
    assert (suppressed["suppressed_text"] == "").all()
    assert (suppressed["value_note"].astype(str).str.len() > 0).all()  # each says why it is empty
    # A value note alone does not mean suppression (some areas have a note and a value).
    noted = expected["Value note"] != ""
    assert (values.loc[(noted & ~blank).to_numpy(), "value"].notna()).all()
    assert suppressed["numerator"].isna().all()  # never 0
    assert not (values["value"] == 0).any()
    assert np.allclose(values.loc[~blank.to_numpy(), "value"], expected.loc[~blank, "Value"].astype(float))


def test_fingertips_example_fields_and_national(shared_data: Path) -> None:
    parsed = parse_fingertips(shared_data / "fingertips_example.csv")
    values = parsed.values
    name = parsed.measures.loc[0, "name"]
    assert "\n" not in name and name.startswith("Emergency hospital admissions due to falls")
    assert parsed.measures.loc[0, "unit"] == "per 100,000"
    raw = facts.fingertips()
    assert list(parsed.provenance.periods) == facts.fingertips_periods()
    assert set(parsed.provenance.area_types) == {"Country", "Region", "County & UA"}
    assert set(values["sex"]) == {"Persons", "Male", "Female"}
    assert values["category_type"].notna().sum() == (raw["Category Type"] != "").sum()
    assert values["compared_to_parent"].notna().all()  # "Compared to Region value or percentiles"
    assert set(values["compared_to_national"].dropna()) >= {"Worse", "Not compared"}
    national = parsed.national_values()
    assert list(national["period"]) == list(parsed.provenance.periods)
    main_age = raw["Age"].mode().iloc[0]  # the age every area has; England also has older bands
    england = values[
        (values["org_code"] == "E92000001") & (values["sex"] == "Persons") & values["category_type"].isna()
        & (values["age"] == main_age)
    ]
    assert list(national["value"]) == list(england["value"])
    want = raw[(raw["Area Code"] == "E92000001") & (raw["Sex"] == "Persons") & (raw["Category"] == "")
               & (raw["Age"] == main_age)]
    assert list(national["numerator"]) == want["Count"].astype(float).tolist()
    assert list(national["denominator"]) == want["Denominator"].astype(float).tolist()


def test_c_engine_pads_a_short_row_with_nan() -> None:
    # The parser relies on this: Fingertips rows are one field shorter than the header.
    frame = pd.read_csv(io.StringIO("a,b,c\r\n1,2\r\n"), engine="c")
    assert frame.shape == (1, 3) and math.isnan(frame.loc[0, "c"])


def test_fingertips_columns_matched_by_name_with_bom_and_range(tmp_path: Path) -> None:
    header = [*FINGERTIPS_HEADER, "Time period range"]
    header[22] = "Compared to ICB value or percentiles"
    order = list(reversed(range(len(header))))  # a different column order
    rows = [
        _fingertips_row(
            **{
                "Area Code": "E92000001",
                "Area Name": "England",
                "Area Type": "Country",
                "Value": "55.5",
                "Count": "555",
                "Denominator": "1000",
            }
        )
        + ["1y"],
        _fingertips_row(
            **{
                "Area Code": "E06000001",
                "Area Name": "Hartlepool",
                "Value": "n/a",
                "Compared to Region value or percentiles": "Better",
            }
        )
        + ["1y"],  # renamed ICB
        _fingertips_row(**{"Area Code": "E06000002", "Area Name": "Middlesbrough", "Value": "abc"}) + ["1y"],
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header[i] for i in order])
    writer.writerows([[r[i] for i in order] for r in rows])
    path = tmp_path / "fingertips_bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    assert detect_format(path) == "fingertips"
    parsed = parse_fingertips(path)
    values = parsed.values.set_index("org_code")
    assert values.loc["E92000001", "value"] == 55.5 and values.loc["E92000001", "is_national"]
    assert values.loc["E06000001", "compared_to_parent"] == "Better"
    assert (
        math.isnan(values.loc["E06000001", "value"]) and values.loc["E06000001", "suppressed_text"] == "n/a"
    )
    assert values.loc["E06000002", "suppressed_text"] == "abc"
    assert [p["value"] for p in parsed.problems] == ["abc"]  # "n/a" is a known marker, "abc" is not
    assert parsed.problems[0]["row"] == 4 and parsed.problems[0]["column"] == "Value"


def _write_fingertips(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([FINGERTIPS_HEADER, *(r[:-1] for r in rows)])  # data rows one field short, as published
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def test_fingertips_repeats_and_code_clashes_are_found(tmp_path: Path) -> None:
    hartlepool = _fingertips_row(**{"Area Code": "E06000001", "Area Name": "Hartlepool", "Value": "5"})
    rows = [
        _fingertips_row(**{"Area Code": "E92000001", "Area Name": "England", "Area Type": "Country", "Value": "9"}),
        hartlepool,
        _fingertips_row(**{"Area Code": "E06000001", "Area Name": "Hartlepool", "Sex": "Male", "Value": "4"}),
        hartlepool,  # a repeat: left out and reported
        _fingertips_row(**{"Area Code": "E06000002", "Area Name": "Old name", "Value": "6"}),
        _fingertips_row(**{"Area Code": "E06000002", "Area Name": "New name", "Value": "7"}),  # one code, two names
    ]
    parsed = parse_fingertips(_write_fingertips(tmp_path / "f.csv", rows))
    assert parsed.duplicates["source_row"].tolist() == [5] and parsed.rejected_rows == 1
    assert len(parsed.values) == 5 and parsed.values["source_row"].tolist() == [2, 3, 4, 6, 7]
    reasons = [p["reason"] for p in parsed.problems]
    assert reasons[0].startswith("repeated row for E06000001 (Hartlepool)")
    assert "code E06000002 is used by 2 organisations (New name; Old name)" in reasons[1]


def test_fingertips_unused_columns_are_not_needed(tmp_path: Path) -> None:
    # Only the columns the parser reads matter; the trailing ones may be absent or hold anything.
    rows = [_fingertips_row(**{"Area Code": "E06000001", "Area Name": "Hartlepool", "Value": "", "Count": "3",
                               "Recent Trend": "Increasing", "New data": "New data"})]
    parsed = parse_fingertips(_write_fingertips(tmp_path / "f.csv", rows))
    row = parsed.values.iloc[0]
    assert math.isnan(row["value"]) and row["suppressed_text"] == "" and row["numerator"] == 3.0
    assert parsed.values["numerator"].dtype == np.float64 and parsed.problems == []
    assert list(parsed.values.columns) == VALUE_COLUMNS


def test_fingertips_cp1252_fallback(tmp_path: Path) -> None:
    rows = [_fingertips_row(**{"Area Code": "E06000003", "Area Name": "Redcar – Cleveland’s", "Value": "1"})]
    text = ",".join(FINGERTIPS_HEADER) + "\r\n" + "\r\n".join(",".join(r) for r in rows) + "\r\n"
    path = tmp_path / "ft_cp1252.csv"
    path.write_bytes(text.encode("cp1252"))
    parsed = parse_fingertips(path)
    assert parsed.provenance.encoding == "cp1252"
    assert parsed.values.loc[0, "org_name"] == "Redcar – Cleveland’s"


def test_generated_fingertips_file_has_the_quirks(tmp_path: Path) -> None:
    path = generate_fingertips_csv(tmp_path / "gen.csv", rows=500, seed=7)
    raw = path.read_bytes()
    assert raw.count(b"\r\n") >= 500 and b'"Synthetic indicator\nnumber 0"' in raw
    records = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert len(records[0]) == 26 and len(records[1]) == 25  # data rows are one field short
    parsed = parse_fingertips(path)
    assert len(parsed.values) == 500 and len(parsed.measures) == 3
    assert parsed.suppressed_count == int(parsed.values["value"].isna().sum())


# --- Detection and unreadable files -----------------------------------------------------------


def test_detect_formats(shared_data: Path, tmp_path: Path) -> None:
    assert detect_format(shared_data / "fingertips_example.csv") == "fingertips"
    assert detect_format(shared_data / NATIONAL_FILE) == "national_audit_wide"
    long = tmp_path / "long.csv"
    long.write_text(
        "Org code,Org name,Period,Measure,Numerator,Denominator,Value\nRXX,Trust X,2024,m1,5,10,50\n"
    )
    assert detect_format(long) == "long"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\r\n , ,\r\n", "empty"),
        (",".join(FINGERTIPS_HEADER).encode() + b"\r\n", "header but no data"),
        (b"Name,Colour,Shape\nBall,Red,Round\nBox,Blue,Square\n", "not one AuditLoop knows"),
    ],
)
def test_unreadable_files_raise_import_problem(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportProblem, match=message) as info:
        detect_format(path)
    assert info.value.where == str(path)
    if message == "not one AuditLoop knows":
        assert "Fingertips" in info.value.hint


def test_missing_file_is_an_import_problem(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem, match="does not exist"):
        detect_format(tmp_path / "nope.csv")


# --- National audit wide tables ---------------------------------------------------------------


def test_propose_wide_mapping_for_national_audit(shared_data: Path) -> None:
    mapping = propose_wide_mapping(shared_data / NATIONAL_FILE)
    assert mapping.header_row == 3
    assert (mapping.org_code_col, mapping.parent_code_col) == ("sitecode", "trustcode")
    assert (mapping.org_name_col, mapping.parent_name_col) == ("Hospital name", "Trust name")
    triplets, medians = facts.national_triplets(), facts.national_medians()
    assert [m.code for m in mapping.measures] == triplets + medians
    for measure in mapping.measures[: len(triplets)]:
        # The stems after the prefix need not match (q12n_injury_check, q12d_falls).
        q = measure.code
        assert (measure.numerator_col, measure.denominator_col, measure.percent_col) == (
            facts.national_column(q, "n"), facts.national_column(q, "d"), facts.national_column(q, "p"))
        assert measure.name.startswith(q) and measure.scale == 100.0 and measure.kind == ""
        assert measure.note == ""  # n / d matched p
    median = mapping.measures[-1]
    assert median.kind == "median" and median.percent_col == facts.national_column(medians[0], "median")
    assert (median.lower_col, median.upper_col) == (facts.national_column(medians[0], "lower"),
                                                    facts.national_column(medians[0], "upper"))
    assert mapping.period == "2025"


def test_parse_wide_values_match_the_raw_file(shared_data: Path) -> None:
    path = shared_data / NATIONAL_FILE
    parsed = parse_wide(path, propose_wide_mapping(path))
    values = parsed.values
    assert parsed.provenance.encoding == "cp1252"
    first_title = path.read_bytes().decode("cp1252").split(",")[0]
    assert parsed.provenance.publisher == first_title
    assert [n.split(":")[0] for n in parsed.provenance.notes] == ["Notes", "Source"]  # kept, not organisations
    national = parsed.national_values()
    raw = _raw_wide_rows(path)
    header, body = raw[0], [r for r in raw[1:] if any(r)]
    nat_raw = body[0]
    triplets = facts.national_triplets()
    assert list(national["measure_code"]) == triplets + facts.national_medians()
    assert list(national["value"])[: len(triplets)] == [
        float(nat_raw[header.index(facts.national_column(q, "p"))]) for q in triplets
    ]
    seen: set[tuple[str, str]] = set()
    for row in body[1:]:
        key = (row[1], row[3].strip())  # a trailing space in a name is not part of it
        if key in seen:
            continue  # a repeated organisation row: the first one is kept
        seen.add(key)
        for q in triplets:
            got = values[
                (values["org_code"] == row[1])
                & (values["org_name"] == key[1])
                & (values["measure_code"] == q)
            ]
            assert len(got) == 1
            cell = row[header.index(facts.national_column(q, "p"))]
            if cell in MARKERS:
                assert math.isnan(got["value"].item()) and got["suppressed_text"].item() == cell
            else:
                assert got["value"].item() == float(cell) and got["suppressed_text"].item() is None
    assert parsed.suppressed_count == int(values["value"].isna().sum()) > 0
    # A marker is never read as 0; "-" (no eligible patients) has real zero counts beside it in the file.
    assert not (values.loc[values["suppressed_text"].notna() & (values["suppressed_text"] != "-"), "numerator"]
                == 0).any()


def test_parse_wide_names_codes_and_duplicates(shared_data: Path) -> None:
    path = shared_data / NATIONAL_FILE
    parsed = parse_file(path)
    values = parsed.values
    assert any("’" in name for name in values["parent_name"].dropna())
    assert any("–" in name for name in values["org_name"].dropna())
    trust, sites = facts.multi_site_trust()
    site = values[values["org_code"] == sorted(sites)[0]].iloc[0]
    assert (site["parent_code"], site["area_type"]) == (trust, "Site")
    assert not values.loc[~values["is_national"], "org_name"].str.startswith(("Notes", "Source")).any()
    raw = _raw_wide_rows(path)[1:]
    keys = [(r[1], r[3]) for r in raw if any(r) and r[1]]
    repeats = len(keys) - len(set(keys))
    assert parsed.duplicates["source_row"].nunique() == repeats
    assert sum("repeated row" in p["reason"] for p in parsed.problems) == repeats


def test_wide_mapping_json_round_trip_and_user_corrections(shared_data: Path) -> None:
    path = shared_data / NATIONAL_FILE
    mapping = propose_wide_mapping(path)
    restored = WideMapping.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert restored == mapping
    corrected = WideMapping.from_dict(
        {
            **mapping.to_dict(),
            "period": "2024/25",
            "measures": [mapping.measures[1].__dict__ | {"name": "Lying/standing BP"}],
        }
    )
    parsed = parse_wide(path, corrected)
    assert set(parsed.values["period"]) == {"2024/25"}
    assert list(parsed.measures["name"]) == ["Lying/standing BP"]
    broken = WideMapping.from_dict({**mapping.to_dict(), "org_code_col": "no such column"})
    with pytest.raises(ImportProblem, match="no such column"):
        parse_wide(path, broken)


def test_wide_excel_version_matches_csv(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / NATIONAL_FILE
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"))))
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([float(c) if c.replace(".", "", 1).isdigit() else (c or None) for c in row])
    xlsx = tmp_path / "falls.xlsx"
    book.save(xlsx)
    assert detect_format(xlsx) == "national_audit_wide"
    mapping = propose_wide_mapping(xlsx)
    assert [m.code for m in mapping.measures] == facts.national_triplets() + facts.national_medians()
    from_excel = parse_wide(xlsx, mapping).values
    from_csv = parse_wide(path, propose_wide_mapping(path)).values
    cols = ["measure_code", "org_code", "org_name", "numerator", "denominator", "value", "suppressed_text"]
    pd.testing.assert_frame_equal(from_excel[cols], from_csv[cols])


def _write_wide(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


WIDE_LINES = [
    "Audit of things – round 3,,,,",
    "1,2,3,4,5",
    "Trust code,Trust name,q1n_done,q1d_eligible,q1p_percent",
    ",England,50,100,50.0",
    "RA1,St Mary’s – North,5,10,50.0",
    "RB2,Other Trust,*,<5,*",
]


@pytest.mark.parametrize(("encoding", "prefix"), [("cp1252", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_wide_cp1252_and_utf8_bom_read_the_same(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    path = tmp_path / f"wide_{encoding}.csv"
    path.write_bytes(prefix + ("\r\n".join(WIDE_LINES) + "\r\n").encode(encoding))
    parsed = parse_file(path)
    values = parsed.values
    assert values.loc[values["org_code"] == "RA1", "org_name"].item() == "St Mary’s – North"
    assert values.loc[values["org_code"] == "RA1", "area_type"].item() == "Trust"
    assert values["is_national"].tolist() == [True, False, False]
    assert parsed.provenance.title.startswith("Audit of things – round 3")


def test_wide_file_with_only_suppressed_values(tmp_path: Path) -> None:
    lines = [*WIDE_LINES[:3], "RA1,Trust A,*,<5,*", "RB2,Trust B,c,x,..", "RC3,Trust C,n/a,-,"]
    path = _write_wide(tmp_path / "all_suppressed.csv", lines, "utf-8")
    parsed = parse_wide(
        path,
        WideMapping(
            header_row=2,
            org_code_col="Trust code",
            org_name_col="Trust name",
            parent_code_col=None,
            parent_name_col=None,
            measures=(MeasureGroup("q1", "Done", "q1n_done", "q1d_eligible", "q1p_percent"),),
        ),
    )
    values = parsed.values
    assert parsed.suppressed_count == len(values) == 3
    assert values[["numerator", "denominator", "value"]].isna().all().all()
    assert list(values["suppressed_text"]) == ["*", "..", ""]
    assert parsed.problems == []  # all are known markers


def test_wide_duplicated_organisation_row(tmp_path: Path) -> None:
    lines = [*WIDE_LINES, "RA1,St Mary’s – North,6,10,60.0"]
    parsed = parse_file(_write_wide(tmp_path / "dup.csv", lines, "utf-8"))
    assert len(parsed.duplicates) == 1 and parsed.duplicates.loc[0, "source_row"] == 7
    assert parsed.values.loc[parsed.values["org_code"] == "RA1", "value"].item() == 50.0
    assert parsed.rejected_rows == 1
    assert any(p["row"] == 7 and "repeated" in p["reason"] for p in parsed.problems)


def test_wide_n_and_percent_pairs_derive_denominators(tmp_path: Path) -> None:
    lines = [
        "Organisation code,Organisation name,Scan in time (N),Scan in time (%)",
        "RA1,Trust A,45,90.0",
        "RB2,Trust B,12,60.0",
    ]
    path = _write_wide(tmp_path / "pairs.csv", lines, "utf-8")
    mapping = propose_wide_mapping(path)
    assert len(mapping.measures) == 1 and mapping.measures[0].denominator_col is None
    assert "derived" in mapping.measures[0].note
    values = parse_wide(path, mapping).values
    assert list(values["denominator"]) == [50.0, 20.0]
    assert list(values["value"]) == [90.0, 60.0]


def test_wide_swapped_numerator_and_denominator_are_fixed(tmp_path: Path) -> None:
    lines = ["Trust code,Trust name,q2n_total,q2d_met,q2p_pct", "RA1,A,10,5,50.0", "RB2,B,20,15,75.0"]
    mapping = propose_wide_mapping(_write_wide(tmp_path / "swap.csv", lines, "utf-8"))
    group = mapping.measures[0]
    assert (group.numerator_col, group.denominator_col) == ("q2d_met", "q2n_total")
    assert "swapped" in group.note


# --- Long tables -----------------------------------------------------------------------------


def test_long_table_with_flexible_headers(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "Organisation Code,Organisation Name,Time period,Indicator,Numerator,Denominator,Percentage\n"
        ",England,2024,falls,500,1000,50.0\n"
        "RA1,Trust A,2024,falls,8,10,80.0\n"
        "RB2,Trust B,2024,falls,*,*,*\n"
        "RA1,Trust A,2024,bp,3,4,75.0\n",
        encoding="utf-8",
    )
    parsed = parse_long(path)
    values = parsed.values
    assert parsed.format == "long"
    assert list(parsed.measures["measure_code"]) == ["falls", "bp"]
    assert parsed.measures.loc[0, "unit"] == "percent"
    assert values["is_national"].tolist() == [True, False, False, False]
    suppressed = values[values["org_code"] == "RB2"].iloc[0]
    assert math.isnan(suppressed["value"]) and suppressed["suppressed_text"] == "*"
    assert parsed.national_values()["value"].tolist() == [50.0]


def test_long_table_in_excel_below_a_title(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Quarterly results (synthetic)"])
    sheet.append([])
    sheet.append(["ODS code", "Name", "Quarter", "Measure", "Numerator", "Denominator", "Value"])
    sheet.append(["RA1", "Trust A", "2024 Q1", "sepsis", 9, 10, 0.9])
    sheet.append(["RB2", "Trust B", "2024 Q1", "sepsis", None, None, "<5"])
    path = tmp_path / "long.xlsx"
    book.save(path)
    assert detect_format(path) == "long"
    parsed = parse_file(path)
    assert parsed.measures.loc[0, "unit"] == "proportion"
    assert parsed.values["value"].iloc[0] == 0.9
    assert math.isnan(parsed.values["value"].iloc[1]) and parsed.values["suppressed_text"].iloc[1] == "<5"
    assert parsed.provenance.periods == ("2024 Q1",)


def test_fingertips_example_with_bom_reads_the_same(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (shared_data / "fingertips_example.csv").read_bytes())
    with_bom = parse_fingertips(path).values
    plain = parse_fingertips(shared_data / "fingertips_example.csv").values
    pd.testing.assert_frame_equal(with_bom, plain)
    assert with_bom["measure_code"].iloc[0] == facts.fingertips()["Indicator ID"].iloc[0]


# --- Transposed tables and headers ---------------------------------------------------------------

TRANSPOSED = [
    ["Synthetic national audit 2025 – results by hospital", None, None, None, None],
    ["Measure", "RA101", "RA201", "RA301", "National"],
    ["Organisation name", "Alpha General", "Beta General", "Gamma General", "England and Wales"],
    ["q01n_met", 30, 20, 90, 700],
    ["q01d_eligible", 40, 50, 100, 1000],
    ["q01p_percent", 75, 40, 90, 70],
    ["q02n_met", "*", 10, 45, 400],
    ["q02d_eligible", "<5", 20, 50, 800],
    ["q02p_percent", "*", 50, 90, 50],
]


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _untransposed_csv(path: Path) -> Path:
    """The same table with one row per organisation, as a national audit usually publishes it."""
    body = [list(col) for col in zip(*TRANSPOSED[1:], strict=True)]
    body[0][0] = "Organisation code"
    lines = [TRANSPOSED[0][0], *(",".join("" if c is None else str(c) for c in row) for row in body)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_transposed_excel_table_is_read_turned_round(tmp_path: Path) -> None:
    xlsx = _write_xlsx(tmp_path / "by_column.xlsx", TRANSPOSED)
    assert detect_format(xlsx) == "national_audit_wide"
    mapping = propose_wide_mapping(xlsx)
    assert [m.code for m in mapping.measures] == ["q01", "q02"]
    assert mapping.org_code_col == "Organisation code" and mapping.org_name_col == "Organisation name"
    assert "one column per organisation" in mapping.notes[0] and mapping.period == "2025"
    parsed = parse_wide(xlsx, mapping)
    q01 = parsed.values[parsed.values["measure_code"] == "q01"].set_index("org_code")
    assert q01.loc["RA201", ["numerator", "denominator", "value"]].tolist() == [20.0, 50.0, 40.0]
    assert q01.loc["RA101", "org_name"] == "Alpha General" and q01.loc["RA101", "parent_code"] == "RA1"
    national = parsed.national_values()
    assert national["value"].tolist() == [70.0, 50.0]
    q02 = parsed.values[parsed.values["measure_code"] == "q02"].set_index("org_code")
    assert math.isnan(q02.loc["RA101", "value"]) and q02.loc["RA101", "suppressed_text"] == "*"
    # The same numbers as the table published one row per organisation.
    plain = _untransposed_csv(tmp_path / "by_row.csv")
    from_rows = parse_wide(plain, propose_wide_mapping(plain)).values
    cols = ["measure_code", "org_code", "org_name", "numerator", "denominator", "value", "suppressed_text",
            "is_national"]
    pd.testing.assert_frame_equal(parsed.values[cols], from_rows[cols])


def test_unclear_orientation_raises_with_a_hint(tmp_path: Path) -> None:
    rows = [list(r) for r in TRANSPOSED]
    rows[1] = ["Measure", "RA101", "RA201", "Gamma General", "Delta General"]  # half codes, half names
    xlsx = _write_xlsx(tmp_path / "unclear.xlsx", rows)
    with pytest.raises(ImportProblem, match="one row or one column per organisation") as caught:
        detect_format(xlsx)
    assert "Transpose" in caught.value.hint and "row 2" in caught.value.where


def test_wide_headers_match_the_parser(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / NATIONAL_FILE
    mapping = propose_wide_mapping(path)
    headers = wide_headers(path, mapping.header_row)
    assert headers[:2] == ["trustcode", "sitecode"]
    assert {mapping.org_code_col, mapping.org_name_col} <= set(headers)
    assert {c for m in mapping.measures for c in (m.numerator_col, m.denominator_col, m.percent_col) if c} <= set(
        headers
    )
    assert wide_headers(path, 10_000) == []
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("code,name,,q1n_x,q1n_x,q1d_y\nRA1,A,,1,1,2\n", encoding="utf-8")
    assert wide_headers(repeated, 0) == ["code", "name", "Column 3", "q1n_x", "q1n_x (2)", "q1d_y"]
    xlsx = _write_xlsx(tmp_path / "by_column.xlsx", TRANSPOSED)
    assert wide_headers(xlsx, 1)[:3] == ["Organisation code", "Organisation name", "q01n_met"]


def test_propose_with_a_header_row_given(shared_data: Path) -> None:
    path = shared_data / NATIONAL_FILE
    found = propose_wide_mapping(path)
    assert propose_wide_mapping(path, header_row=found.header_row) == found
    with pytest.raises(ImportProblem, match="No numerator/denominator"):
        propose_wide_mapping(path, header_row=found.header_row - 1)  # the row of column numbers
    with pytest.raises(ImportProblem, match="not a header row"):
        propose_wide_mapping(path, header_row=10_000)


def test_fingertips_row_without_an_indicator_id_is_left_out_and_reported(tmp_path: Path) -> None:
    rows = [_fingertips_row(**{"Area Code": "E06000001", "Area Name": "Hartlepool", "Value": "5"}),
            _fingertips_row(**{"Indicator ID": "", "Area Code": "E06000002", "Area Name": "Darlington", "Value": "6"}),
            _fingertips_row(**{"Area Code": "E06000003", "Area Name": "Redcar", "Value": "7"})]
    parsed = parse_fingertips(_write_fingertips(tmp_path / "f.csv", rows))
    assert parsed.values["source_row"].tolist() == [2, 4] and set(parsed.values["measure_code"]) == {"123"}
    assert parsed.problems == [{"row": 3, "column": "Indicator ID", "value": "",
                                "reason": "no indicator ID; row left out"}]
    assert parsed.rejected_rows == 1 and parsed.measures["measure_code"].tolist() == ["123"]


def test_long_table_row_without_a_measure_is_left_out_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Organisation Code,Organisation Name,Time period,Indicator,Numerator,Denominator\n"
                    "RA1,Trust A,2024,falls,8,10\n"
                    "RB2,Trust B,2024,,3,4\n"
                    "RC3,Trust C,2024,falls,5,10\n", encoding="utf-8")
    parsed = parse_long(path)
    assert parsed.values["org_code"].tolist() == ["RA1", "RC3"]
    assert parsed.measures["measure_code"].tolist() == ["falls"]  # no measure called "nan"
    assert [p["reason"] for p in parsed.problems] == ["no measure; row left out"]
    assert parsed.problems[0]["column"] == "Indicator" and parsed.rejected_rows == 1
